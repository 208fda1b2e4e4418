/* cli_keys - commands: officers and OpenPGP keys. */
#include "cli/cli_int.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mail/anon.h"
#include "mail/pgp.h"
#include "process/process.h"
#include "outbox/queue.h"
#include "registry/registry.h"
#include "mail/render.h"
#include "db/audit.h"
#include "db/store.h"
#include "intake/keyreq.h"
#include "process/mailout.h"
#include "util/file.h"
#include "util/limits.h"

#define CLI_FPR_BUF 80          /* a fingerprint as typed, normalised */

/* A user name as it may go into the registry: [A-Za-z0-9._-] only,
 * at most CLI_USER_MAX bytes. */
static void cli_user_name(const char *in, char out[CLI_USER_MAX + 1])
{
    size_t n = 0;

    for (; in && *in && n < CLI_USER_MAX; in++)
        if (isalnum((unsigned char)*in) || strchr("._-", *in))
            out[n++] = *in;
    out[n] = '\0';
}

/* Who makes a change to the officers: the command and the Unix user,
 * "officers add by alice", plus "(sudo bob)" for root reached by sudo.
 * SUDO_USER is only the environment's word, but whoever runs this as
 * root could write any name anyway; it is a hint for the audit, not
 * proof. */
static void cli_actor(const char *cmd, char *out, size_t n)
{
    char user[CLI_USER_MAX + 1], sudo[CLI_USER_MAX + 1];
    struct passwd *pw = getpwuid(getuid());

    cli_user_name(pw ? pw->pw_name : NULL, user);
    cli_user_name(getuid() == 0 ? getenv("SUDO_USER") : NULL, sudo);
    if (user[0] == '\0')
        snprintf(user, sizeof(user), "uid %lu", (unsigned long)getuid());
    snprintf(out, n, "%s by %s%s%s%s", cmd, user, sudo[0] ? " (sudo " : "",
             sudo, sudo[0] ? ")" : "");
}

/* The fingerprint as stored, for messages; the input when it is none
 * (the registry then reports it). */
static const char *cli_fpr(const char *in, char *out, size_t n)
{
    return registry_norm_fpr(in, out, n) == 0 ? out : in;
}

static int cmd_officers_add(struct cli *c, struct cli_args *a)
{
    const char *file = cli_opt(a, "key");
    char fpr[PGP_FPR_MAX], by[CLI_ACTOR_MAX];
    struct buf key;
    int rc = 0;

    if (cli_open(c) != 0)
        return -1;
    buf_init(&key, CLI_FILE_MAX);
    if (file)
        rc = cli_read(c, file, CLI_FILE_MAX, &key) == 0 &&
             gateway_pgp(&c->g, &c->e) == 0 ? 0 : -1;
    cli_actor("officers add", by, sizeof(by));
    if (rc == 0)
        rc = registry_officer_add_key(c->g.store, c->g.pgp,
                                      file ? buf_cstr(&key) : NULL, key.len,
                                      file, a->pos[0], cli_opt(a, "name"),
                                      cli_opt(a, "email"), by, fpr, &c->e);
    buf_free(&key);
    if (rc == 0)
        printf("officer %s authorised\n", fpr);
    return rc;
}

static int cmd_officers_edit(struct cli *c, struct cli_args *a)
{
    struct registry_officer o = {cli_opt(a, "name"), cli_opt(a, "email"), 0};
    const char *act = cli_opt(a, "active");
    char by[CLI_ACTOR_MAX], fpr[CLI_FPR_BUF];
    int yes;

    if (act && cli_yesno(c, act, 1, &yes) != 0)
        return -1;
    if (act)
        o.active = yes ? 1 : -1;
    if (act == NULL && o.name == NULL && o.email == NULL)
        return err_set(&c->e, ERR_USAGE, "officers edit needs --active, "
                       "--name or --email");
    if (cli_open(c) != 0)
        return -1;
    cli_actor("officers edit", by, sizeof(by));
    if (registry_officer_edit(c->g.store, a->pos[0], &o, by, &c->e) != 0)
        return -1;
    printf("officer %s %s\n", cli_fpr(a->pos[0], fpr, sizeof(fpr)),
           o.active > 0 ? "active" : o.active < 0 ? "inactive" : "updated");
    return 0;
}

static int cmd_officers_rm(struct cli *c, struct cli_args *a)
{
    char by[CLI_ACTOR_MAX], fpr[CLI_FPR_BUF];

    if (cli_open(c) != 0)
        return -1;
    cli_actor("officers rm", by, sizeof(by));
    if (registry_officer_rm(c->g.store, a->pos[0], by, &c->e) != 0)
        return -1;
    printf("officer %s removed\n", cli_fpr(a->pos[0], fpr, sizeof(fpr)));
    return 0;
}

static int cmd_officers_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "officers_list", NULL, NULL, a);
}

/* ---- keys ------------------------------------------------------------ */

#define KEYS_DAYS_DEFAULT 30

static int keys_load(struct cli *c)
{
    if (cli_open(c) != 0 || gateway_pgp(&c->g, &c->e) != 0)
        return -1;
    return registry_keys_load(c->g.store, c->g.pgp, 0, &c->e);
}

static int keys_pin_contact(struct cli *c, const char *addr, const char *fpr)
{
    int n = registry_contact_pin(c->g.store, addr, fpr, &c->e);

    if (n < 0)
        return -1;
    if (n == 0)
        return err_set(&c->e, ERR_NOUSER, "no contact %s", addr);
    printf("key %s pinned for contact %s\n", fpr, addr);
    return 0;
}

/* Taken, but worth a second look: a key for another address, or one
 * that can no longer be used (the contact would get withheld notices). */
static void keys_warn(struct cli *c, const char *fpr, const char *addr)
{
    struct pgp_keyinfo ki;
    struct err e;

    err_init(&e);
    if (addr && pgp_uid_match(c->g.pgp, fpr, "", addr, &e) == 0)
        fprintf(stderr, "alertgw: warning: no user id of key %s names %s\n",
                fpr, addr);
    if (pgp_key_info(c->g.pgp, fpr, &ki, &e) != 0)
        return;
    if (ki.revoked || ki.expired || ki.invalid)
        fprintf(stderr, "alertgw: warning: key %s is %s\n", fpr,
                ki.revoked ? "revoked" : ki.expired ? "expired" : "invalid");
    else if (!ki.can_encrypt)
        fprintf(stderr, "alertgw: warning: key %s has no usable encryption "
                "key\n", fpr);
}

static int cmd_keys_import(struct cli *c, struct cli_args *a)
{
    const char *contact = cli_opt(a, "contact");
    char fpr[PGP_FPR_MAX];
    struct buf key;
    int rc;

    if (contact && cli_flag(a, "officer"))
        return err_set(&c->e, ERR_USAGE, "--contact or --officer, not both");
    if (cli_open(c) != 0)
        return -1;
    /* Before the import: GnuPG's home is not part of the transaction. */
    rc = contact ? registry_contact_known(c->g.store, contact, &c->e) : 1;
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(&c->e, ERR_NOUSER, "no contact %s", contact);
    buf_init(&key, CLI_FILE_MAX);
    rc = cli_read(c, a->pos[0], CLI_FILE_MAX, &key);
    if (rc == 0 && gateway_pgp(&c->g, &c->e) == 0)
        rc = pgp_import(c->g.pgp, buf_cstr(&key), key.len, fpr, &c->e);
    else
        rc = -1;
    buf_free(&key);
    if (rc != 0)
        return -1;
    if (fpr[0] == '\0') {
        printf("revocation applied\n");
        return 0;
    }
    printf("imported %s\n", fpr);
    keys_warn(c, fpr, contact);
    if (contact)
        return keys_pin_contact(c, contact, fpr);
    if (cli_flag(a, "officer")) {
        char by[CLI_ACTOR_MAX];

        cli_actor("keys import --officer", by, sizeof(by));
        rc = registry_officer_add(c->g.store, fpr, cli_opt(a, "name"),
                                  cli_opt(a, "email"), by, &c->e);
        if (rc == 0)
            printf("officer %s authorised\n", fpr);
    }
    return rc;
}

/* What recipients need to verify every copy: the gateway's public key,
 * nothing else of the home. The fingerprint goes to stderr, to publish
 * beside it (README "Recipients verify the gateway"). */
static int cmd_keys_export(struct cli *c, struct cli_args *a)
{
    struct buf key;
    int rc;

    (void)a;
    if (cli_open(c) != 0 || gateway_pgp(&c->g, &c->e) != 0 ||
        gateway_signing_key(&c->g, &c->e) != 0)
        return -1;
    buf_init(&key, CLI_FILE_MAX);
    rc = pgp_export(c->g.pgp, c->g.signing_key, &key, &c->e);
    if (rc == 0 && fwrite(key.data, 1, key.len, stdout) != key.len)
        rc = err_set(&c->e, ERR_IO, "stdout: %s", strerror(errno));
    if (rc == 0)
        fprintf(stderr, "gateway signing key %s\n", c->g.signing_key);
    buf_free(&key);
    return rc;
}

/* The request's header (KEYREQ_HEADER_MAX bytes), the rest drained, so
 * that pipe(8) sees the message taken whatever its size. */
static int sendkey_read(struct cli *c, char *hdr, size_t *len)
{
    char sink[4096];
    ssize_t n;

    *len = 0;
    while (*len < KEYREQ_HEADER_MAX &&
           (n = read(0, hdr + *len, KEYREQ_HEADER_MAX - *len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(&c->e, ERR_IO, "stdin: %s", strerror(errno));
        *len += (size_t)n;
    }
    while ((n = read(0, sink, sizeof(sink))) != 0)
        if (n < 0 && errno != EINTR)
            return err_set(&c->e, ERR_IO, "stdin: %s", strerror(errno));
    return 0;
}

/* *why: NULL, or why not to answer sender now (the rate limits), in
 * buf. -1 on a store error. */
static int sendkey_limited(struct cli *c, const char *sender, char *buf,
                           size_t n, const char **why)
{
    int64_t now = (int64_t)time(NULL), k;

    *why = NULL;
    if (audit_count_since(c->g.store, "key-sent", sender,
                          now - c->conf.sendkey_interval, &k, &c->e) != 0)
        return -1;
    if (k > 0) {
        snprintf(buf, n, "answered within sendkey_interval (%lds)",
                 c->conf.sendkey_interval);
        *why = buf;
        return 0;
    }
    if (audit_count_since(c->g.store, "key-sent", NULL, now - 3600, &k,
                          &c->e) != 0)
        return -1;
    if (k >= c->conf.sendkey_per_hour) {
        snprintf(buf, n, "over sendkey_per_hour (%ld answers this hour)",
                 c->conf.sendkey_per_hour);
        *why = buf;
    }
    return 0;
}

/* Make and send the answer. 0: sent (*why NULL), or refused by the relay
 * for good (*why: its reply, in buf; nothing to retry, so not an error).
 * -1: no answer could be made, or the relay again later (75). */
static int sendkey_answer(struct cli *c, const char *sender,
                          const struct keyreq *r, char *msgid, char *buf,
                          size_t n, const char **why)
{
    struct buf answer;
    int rc;

    *why = NULL;
    buf_init(&answer, MAILOUT_MAX);
    rc = mailout_key_answer(&c->g, sender, r->msgid, msgid, &answer, &c->e);
    if (rc == 0 && (rc = queue_send_now(&c->g, answer.data, answer.len,
                                        sender, &c->e)) != 0 &&
        c->e.code == ERR_DATA) {
        snprintf(buf, n, "%s", c->e.msg);
        err_init(&c->e);
        *why = buf;
        rc = 0;
    }
    buf_free(&answer);
    return rc;
}

static int sendkey_audit(struct cli *c, const char *event, const char *detail,
                         const char *rcpt)
{
    if (store_begin(c->g.store, &c->e) != 0)
        return -1;
    if (audit_add(c->g.store, 0, event, detail, rcpt, &c->e) != 0) {
        store_rollback(c->g.store);
        return -1;
    }
    return store_commit(c->g.store, &c->e);
}

/* The key address: pipe(8) hands each mail to it with the envelope
 * sender; the answer goes straight to the relay, so that a relay that is
 * down leaves the request in Postfix's queue (75) and nothing is lost. */
static int cmd_sendkey(struct cli *c, struct cli_args *a)
{
    const char *sender = cli_opt(a, "sender"), *why;
    char msgid[MAILOUT_MSGID_MAX] = "", buf[ERR_MSG_MAX], *hdr;
    struct keyreq r;
    size_t len;
    int rc = -1;

    if (sender == NULL)
        sender = getenv("SENDER");
    if (sender == NULL)
        return err_set(&c->e, ERR_USAGE, "no sender (--sender ADDR)");
    if ((hdr = malloc(KEYREQ_HEADER_MAX)) == NULL)
        return err_set(&c->e, ERR_SOFTWARE, "out of memory");
    if (cli_open(c) != 0 || sendkey_read(c, hdr, &len) != 0)
        goto out;
    keyreq_screen(sender, hdr, len, &r);
    why = r.refused;
    if ((why == NULL &&
         sendkey_limited(c, sender, buf, sizeof(buf), &why) != 0) ||
        (why == NULL &&
         sendkey_answer(c, sender, &r, msgid, buf, sizeof(buf), &why) != 0))
        goto out;
    rc = sendkey_audit(c, why ? "key-request-ignored" : "key-sent",
                       why ? why : msgid, sender);
    if (rc == 0 && why)
        printf("no answer to %s: %s\n", sender, why);
    else if (rc == 0)
        printf("sent the gateway key %s to %s\n", c->g.signing_key, sender);
out:
    free(hdr);
    return rc;
}

static int cmd_keys_list(struct cli *c, struct cli_args *a)
{
    if (keys_load(c) != 0)
        return -1;
    return cli_print(c, "keys_list", NULL, NULL, a);
}

int cli_keys_check_view(struct cli *c, long days)
{
    return keys_load(c) != 0 ||
           registry_keys_check_view(c->g.store, days, time(NULL),
                                    &c->e) != 0 ? -1 : 0;
}

static int cmd_keys_check(struct cli *c, struct cli_args *a)
{
    const char *d = cli_opt(a, "days");
    char *end = NULL;
    long days = KEYS_DAYS_DEFAULT;
    int64_t n = 0;

    if (d) {
        errno = 0;
        days = strtol(d, &end, 10);
        if (errno || end == d || *end || days < 0 || days > KEYS_DAYS_MAX)
            return err_set(&c->e, ERR_USAGE, "--days wants 0..%d",
                           KEYS_DAYS_MAX);
    }
    if (cli_keys_check_view(c, days) != 0 ||
        cli_print(c, "keys_check", NULL, NULL, a) != 0)
        return -1;
    if (store_get_int(c->g.store, &c->e, &n, "SELECT count(*) FROM "
                      "keys_check", "") < 0)
        return -1;
    /* Non-zero for monitoring (cron, systemd timers): someone must act. */
    if (n > 0)
        return err_set(&c->e, ERR_DATA, "%lld key%s need%s attention",
                       (long long)n, n == 1 ? "" : "s", n == 1 ? "s" : "");
    return 0;
}

static const struct cli_cmd cli_keys_cmds[] = {
    {"officers", "add", "key=,name=,email=", 0, 1, cmd_officers_add,
     "[FINGERPRINT] [--key FILE] [--name NAME] [--email ADDR]",
     "Authorise an officer's signing key.\n"
     "The key is pinned by its primary\n"
     "fingerprint. --key imports the public key into the gateway's GnuPG\n"
     "home (needed to verify the officer's signatures). The time, the\n"
     "command and the Unix user are recorded (officers list) and the\n"
     "change goes into the audit log (officer-added)."},
    {"officers", "edit", "active=,name=,email=", 1, 1, cmd_officers_edit,
     "FINGERPRINT [--active yes|no] [--name NAME] [--email ADDR]",
     "Change an officer: --active no suspends the key (its alerts are\n"
     "quarantined as not signed by an authorised officer) until --active\n"
     "yes. One transaction, recorded in the audit log (officer-edited).\n"
     "An unknown fingerprint exits 65."},
    {"officers", "rm", "", 1, 1, cmd_officers_rm, "FINGERPRINT",
     "Remove an officer: the next alert signed by the key is quarantined.\n"
     "Alerts it signed before stay as they are; the key stays in the\n"
     "gateway's GnuPG home. One transaction, recorded in the audit log\n"
     "(officer-removed). An unknown fingerprint exits 65."},
    {"officers", "list", "json", 0, 0, cmd_officers_list, "[--json]",
     "List officers: fingerprint, name, e-mail, active (1/0), when they\n"
     "were added (UTC) and by which command and user."},
    {"keys", "import", "contact=,officer,name=,email=", 1, 1, cmd_keys_import,
     "FILE [--contact ADDR | --officer [--name NAME] [--email ADDR]]",
     "Import OpenPGP keys into the gateway's GnuPG home (or apply a\n"
     "revocation certificate). --contact pins the key's primary\n"
     "fingerprint for that contact; --officer authorises it as an\n"
     "officer's signing key. No key server is ever asked. A file holding\n"
     "a secret key is refused (65). Warns when no user id names ADDR or\n"
     "the key is expired, revoked or cannot encrypt."},
    {"keys", "export", "", 0, 0, cmd_keys_export, "",
     "Print the gateway's public signing key (armoured) on stdout and its\n"
     "fingerprint on stderr: what recipients need to verify every copy.\n"
     "No other key of the home is exported."},
    {"sendkey", NULL, "sender=", 0, 0, cmd_sendkey, "--sender ADDR",
     "The key address: read a mail on stdin (from Postfix's pipe(8), argv\n"
     "... sendkey --sender ${sender}) and answer its envelope sender with\n"
     "the gateway's public key, signed, straight through the relay. No\n"
     "answer (exit 0, audited as key-request-ignored) to a bounce, a\n"
     "daemon or list sender, an automatic or bulk message, an address\n"
     "answered within sendkey_interval, or past sendkey_per_hour answers\n"
     "in the last hour. A relay that is down exits 75 (Postfix retries)."},
    {"keys", "list", "json", 0, 0, cmd_keys_list, "[--json]",
     "List the keys of the gateway's GnuPG home: state (valid,\n"
     "expired, revoked), earliest expiry of the key or a usable\n"
     "subkey, what it can do, and who uses it (gateway, officer,\n"
     "contacts)."},
    {"keys", "check", "days=,json", 0, 0, cmd_keys_check,
     "[--days N] [--json]",
     "List the pinned keys that will not do: missing from the GnuPG\n"
     "home, revoked, expired, expiring within N days (default 30),\n"
     "or unable to sign (gateway, officers) or encrypt (contacts).\n"
     "Exits 65 when any is listed, 0 when none."},
};

CLI_TABLE(cli_keys);
