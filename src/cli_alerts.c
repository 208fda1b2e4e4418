/* cli_alerts - commands: stored alerts and their placeholders. */
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

static int cmd_alerts_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT id AS row, datetime(received, 'unixepoch') "
                     "AS received, state, alert_id, signer, reason FROM "
                     "alerts ORDER BY id", NULL, a);
}

static int cmd_reveal(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT placeholder, original, cls AS class FROM "
                     "pseudonyms WHERE alert_id = ? ORDER BY rowid",
                     a->pos[0], a);
}

static const struct cli_cmd cli_alerts_cmds[] = {
    {"alerts", "list", "json", 0, 0, cmd_alerts_list, "[--json]",
     "Every stored alert with its state and reason."},
    {"reveal", NULL, "json", 1, 1, cmd_reveal, "[--json] ALERT-ID",
     "Placeholder -> original for an alert (officers only)."},
};

CLI_TABLE(cli_alerts);
