/* cli_keys - commands: officers and OpenPGP keys. */
#include "cli_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anon.h"
#include "pgp.h"
#include "process.h"
#include "queue.h"
#include "registry.h"
#include "render.h"
#include "store.h"
#include "util/file.h"

static int cmd_officers_add(struct cli *c, struct cli_args *a)
{
    const char *file = cli_opt(a, "key");
    char fpr[PGP_FPR_MAX];
    struct buf key;
    int rc = 0;

    if (file == NULL && a->pos[0] == NULL)
        return err_set(&c->e, ERR_USAGE, "officers add needs FINGERPRINT or "
                       "--key FILE");
    if (cli_open(c) != 0)
        return -1;
    snprintf(fpr, sizeof(fpr), "%s", a->pos[0] ? a->pos[0] : "");
    if (file) {
        buf_init(&key, CLI_FILE_MAX);
        rc = cli_read(c, file, CLI_FILE_MAX, &key);
        if (rc == 0 && gateway_pgp(&c->g, &c->e) == 0)
            rc = pgp_import(c->g.pgp, buf_cstr(&key), key.len, fpr, &c->e);
        buf_free(&key);
        if (rc == 0 && a->pos[0] && strcasecmp(a->pos[0], fpr) != 0)
            rc = err_set(&c->e, ERR_DATA, "%s holds key %s, not %s", file,
                         fpr, a->pos[0]);
    }
    if (rc == 0)
        rc = registry_officer_add(c->g.store, fpr, cli_opt(a, "name"),
                                  cli_opt(a, "email"), &c->e);
    if (rc == 0)
        printf("officer %s authorised\n", fpr);
    return rc;
}

static int cmd_officers_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT fingerprint, name, email, active FROM "
                     "officers ORDER BY name", NULL, a);
}

static const struct cli_cmd cli_keys_cmds[] = {
    {"officers", "add", "key=,name=,email=", 0, 1, cmd_officers_add,
     "[FINGERPRINT] [--key FILE] [--name NAME] [--email ADDR]",
     "Authorise an officer's signing key.\n"
     "The key is pinned by its primary\n"
     "fingerprint. --key imports the public key into the gateway's GnuPG\n"
     "home (needed to verify the officer's signatures)."},
    {"officers", "list", "json", 0, 0, cmd_officers_list, "[--json]",
     "List officers."},
};

CLI_TABLE(cli_keys);
