#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anon.h"
#include "conf.h"
#include "err.h"
#include "gateway.h"
#include "msg.h"
#include "pgp.h"
#include "process.h"
#include "queue.h"
#include "registry.h"
#include "render.h"
#include "store.h"
#include "util/buf.h"
#include "util/file.h"

#define CLI_POS_MAX 8
#define CLI_OPTS_MAX 12
#define CLI_FILE_MAX (64u * 1024 * 1024)

/* sysexits.h values, spelled out so the mapping reads as a table. */
enum {
    EX_OK_ = 0, EX_USAGE_ = 64, EX_DATAERR_ = 65, EX_NOINPUT_ = 66,
    EX_NOUSER_ = 67, EX_SOFTWARE_ = 70, EX_OSERR_ = 71, EX_IOERR_ = 74,
    EX_TEMPFAIL_ = 75, EX_NOPERM_ = 77, EX_CONFIG_ = 78
};

struct cli_args {
    const char *pos[CLI_POS_MAX];
    int npos;
    const char *name[CLI_OPTS_MAX];     /* option names, from the spec */
    const char *val[CLI_OPTS_MAX];      /* value, "" for a flag, NULL unset */
    int nopts;
    int help;
};

struct cli {
    const char *conf_path;
    struct conf conf;
    int conf_loaded;
    struct gateway g;
    struct err e;
    int filter_mode;        /* filter answers the MTA: see cli_exit */
};

struct cli_cmd {
    const char *name;
    const char *sub;        /* NULL: no subcommand */
    const char *opts;       /* "name=,flag": '=' takes a value */
    int minpos, maxpos;
    int (*fn)(struct cli *c, struct cli_args *a);
    const char *usage;
    const char *help;
};

static const char *cli_opt(const struct cli_args *a, const char *name)
{
    int i;

    for (i = 0; i < a->nopts; i++)
        if (strcmp(a->name[i], name) == 0)
            return a->val[i];
    return NULL;
}

static int cli_flag(const struct cli_args *a, const char *name)
{
    return cli_opt(a, name) != NULL;
}

/* Fill a->name from the spec; returns -1 if spec is too long (a bug). */
static int cli_spec(const char *spec, struct cli_args *a, char *store,
                    size_t storesz)
{
    size_t n = strlen(spec);
    char *p;

    if (n >= storesz)
        return -1;
    memcpy(store, spec, n + 1);
    for (p = store; *p && a->nopts < CLI_OPTS_MAX;) {
        a->name[a->nopts++] = p;
        p += strcspn(p, ",");
        if (*p)
            *p++ = '\0';
    }
    return 0;
}

/* Index of option "--arg" in a, or -1; *takes says whether it wants a
 * value (spec name ends in '='). */
static int cli_find(struct cli_args *a, const char *arg, size_t len,
                    int *takes)
{
    int i;
    size_t n;

    for (i = 0; i < a->nopts; i++) {
        n = strcspn(a->name[i], "=");
        if (n == len && strncmp(a->name[i], arg, len) == 0) {
            *takes = a->name[i][n] == '=';
            return i;
        }
    }
    return -1;
}

static int cli_option(struct cli_args *a, int argc, char **argv, int *i,
                      struct err *e)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    int takes, k;

    if (strcmp(arg, "help") == 0) {
        a->help = 1;
        return 0;
    }
    k = cli_find(a, arg, len, &takes);
    if (k < 0)
        return err_set(e, ERR_USAGE, "unknown option --%.*s", (int)len, arg);
    if (!takes && eq)
        return err_set(e, ERR_USAGE, "--%.*s takes no value", (int)len, arg);
    if (takes && !eq && *i + 1 >= argc)
        return err_set(e, ERR_USAGE, "--%.*s needs a value", (int)len, arg);
    a->val[k] = !takes ? "" : eq ? eq + 1 : argv[++*i];
    return 0;
}

static int cli_parse(int argc, char **argv, struct cli_args *a, struct err *e)
{
    int i, dashdash = 0;

    for (i = 0; i < argc; i++) {
        if (!dashdash && strcmp(argv[i], "--") == 0) {
            dashdash = 1;
        } else if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
            if (cli_option(a, argc, argv, &i, e) != 0)
                return -1;
        } else if (!dashdash && strcmp(argv[i], "-h") == 0) {
            a->help = 1;
        } else if (a->npos < CLI_POS_MAX) {
            a->pos[a->npos++] = argv[i];
        } else {
            return err_set(e, ERR_USAGE, "too many arguments");
        }
    }
    /* Spec names keep their '=': strip it now that parsing is done. */
    for (i = 0; i < a->nopts; i++)
        ((char *)a->name[i])[strcspn(a->name[i], "=")] = '\0';
    return 0;
}

/* The one mapping from error codes to exit statuses. In filter mode the
 * MTA reads it (DESIGN.md): only "no such address" and "too big" bounce,
 * everything else that stops the store is temporary. */
static int cli_exit(const struct cli *c)
{
    static const struct { enum err_code code; int ex; } map[] = {
        {ERR_OK, EX_OK_}, {ERR_USAGE, EX_USAGE_}, {ERR_CONFIG, EX_CONFIG_},
        {ERR_DATA, EX_DATAERR_}, {ERR_TOOBIG, EX_DATAERR_},
        {ERR_NOUSER, EX_NOUSER_}, {ERR_NOPERM, EX_NOPERM_},
        {ERR_LEAK, EX_DATAERR_}, {ERR_DUP, EX_DATAERR_},
        {ERR_TEMP, EX_TEMPFAIL_}, {ERR_IO, EX_IOERR_},
        {ERR_NOMEM, EX_OSERR_}, {ERR_SOFTWARE, EX_SOFTWARE_},
    };
    size_t i;

    if (c->filter_mode && c->e.code != ERR_OK && c->e.code != ERR_NOUSER &&
        c->e.code != ERR_TOOBIG)
        return EX_TEMPFAIL_;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].code == c->e.code)
            return map[i].ex;
    return EX_SOFTWARE_;
}

static void cli_report(const struct cli *c)
{
    if (!err_is_set(&c->e))
        return;
    if (c->filter_mode)
        fprintf(stderr, "%s alertgw: %s\n",
                c->e.code == ERR_NOUSER ? "5.1.1" :
                c->e.code == ERR_TOOBIG ? "5.3.4" : "4.3.0", c->e.msg);
    else
        fprintf(stderr, "alertgw: %s\n", c->e.msg);
}

static int cli_conf(struct cli *c)
{
    if (c->conf_loaded)
        return 0;
    if (conf_load(&c->conf, c->conf_path, &c->e) != 0)
        return -1;
    c->conf_loaded = 1;
    gateway_init(&c->g, &c->conf);
    return 0;
}

/* Most commands want configuration and the database. */
static int cli_open(struct cli *c)
{
    if (cli_conf(c) != 0)
        return -1;
    return gateway_store(&c->g, 0, &c->e);
}

/* path NULL or "-": standard input. */
static int cli_read(struct cli *c, const char *path, size_t max,
                    struct buf *out)
{
    int rc;

    if (path == NULL || strcmp(path, "-") == 0)
        rc = file_read_fd(0, max, out);
    else
        rc = file_read(path, max, out);
    if (rc == 0)
        return 0;
    if (errno == E2BIG)
        return err_set(&c->e, ERR_TOOBIG, "%s: over the limit of %zu bytes",
                       path ? path : "stdin", max);
    return err_set(&c->e, errno == ENOENT ? ERR_NOUSER : ERR_IO, "%s: %s",
                   path ? path : "stdin", strerror(errno));
}

static int cli_print(struct cli *c, const char *sql, const char *arg,
                     const struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_print(c->g.store, sql, arg, cli_flag(a, "json"), stdout,
                          &c->e);
}

/* ---- init, config ---------------------------------------------------- */

static int cmd_init_key(struct cli *c, const struct cli_args *a,
                        char fpr[PGP_FPR_MAX])
{
    const char *file = cli_opt(a, "import-key");
    const char *uid = cli_opt(a, "uid");
    struct buf key;
    int rc;

    if (file == NULL)
        return pgp_create_key(c->g.pgp, uid ? uid : c->conf.from, fpr, &c->e);
    buf_init(&key, CLI_FILE_MAX);
    rc = cli_read(c, file, CLI_FILE_MAX, &key);
    if (rc == 0)
        rc = pgp_import(c->g.pgp, buf_cstr(&key), key.len, fpr, &c->e);
    buf_free(&key);
    if (rc == 0 && !pgp_has_secret(c->g.pgp, fpr))
        rc = err_set(&c->e, ERR_DATA, "%s holds no secret key", file);
    return rc;
}

static int cmd_init(struct cli *c, struct cli_args *a)
{
    char fpr[PGP_FPR_MAX];
    struct err ignore;

    if (cli_conf(c) != 0)
        return -1;
    if (file_mkdirs(c->conf.data_dir, 0750) != 0 ||
        file_mkdirs(c->conf.gnupg_home, 0700) != 0 ||
        chmod(c->conf.gnupg_home, 0700) != 0)
        return err_set(&c->e, ERR_IO, "cannot create %s: %s",
                       c->conf.gnupg_home, strerror(errno));
    if (gateway_store(&c->g, 1, &c->e) != 0 || gateway_pgp(&c->g, &c->e) != 0)
        return -1;
    err_init(&ignore);
    if (gateway_signing_key(&c->g, &ignore) == 0 &&
        pgp_has_secret(c->g.pgp, c->g.signing_key)) {
        printf("database %s ready; signing key %s (unchanged)\n",
               c->conf.db_path, c->g.signing_key);
        return 0;
    }
    if (cmd_init_key(c, a, fpr) != 0 ||
        store_run(c->g.store, &c->e, "INSERT OR REPLACE INTO settings(key, "
                  "value) VALUES('signing_key', ?)", "t", fpr) < 0)
        return -1;
    printf("database %s ready; signing key %s\n", c->conf.db_path, fpr);
    return 0;
}

static int cmd_config(struct cli *c, struct cli_args *a)
{
    if (cli_conf(c) != 0)
        return -1;
    printf("# effective configuration (from %s)\n",
           c->conf.path[0] ? c->conf.path : "built-in defaults");
    conf_print(&c->conf, stdout);
    return 0;
}

/* ---- intake ------------------------------------------------------------ */

static volatile sig_atomic_t cli_stored;

/* The MTA must hear 75 when the budget runs out before the commit; after
 * the commit the answer is 0 whatever processing still does. */
static void cli_budget_spent(int sig)
{
    static const char msg[] = "4.3.0 alertgw: time budget spent before the "
                              "alert was stored\n";
    (void)sig;
    if (cli_stored)
        _exit(EX_OK_);
    if (write(2, msg, sizeof(msg) - 1) < 0)
        _exit(EX_TEMPFAIL_);
    _exit(EX_TEMPFAIL_);
}

static const char *cli_recipient(const struct cli_args *a)
{
    const char *r = cli_opt(a, "recipient");

    if (r == NULL)
        r = getenv("ORIGINAL_RECIPIENT");
    if (r == NULL)
        r = getenv("RECIPIENT");
    return r;
}

static void cli_process_quietly(struct cli *c, int64_t row)
{
    struct process_result r;
    struct err pe;

    err_init(&pe);
    if (process_alert(&c->g, row, &r, &pe) != 0)
        fprintf(stderr, "alertgw: alert #%lld stored, processing deferred: "
                "%s\n", (long long)row, pe.msg);
}

static int cmd_filter(struct cli *c, struct cli_args *a)
{
    const char *rcpt = cli_recipient(a);
    struct buf raw;
    int64_t dist, row;
    int rc = -1;

    c->filter_mode = 1;
    buf_init(&raw, CLI_FILE_MAX);
    if (cli_conf(c) != 0)
        return -1;
    signal(SIGALRM, cli_budget_spent);
    alarm((unsigned)c->conf.time_budget);
    raw.max = (size_t)c->conf.max_size;
    if (rcpt == NULL) {
        err_set(&c->e, ERR_USAGE, "no recipient (--recipient ADDR)");
        goto out;
    }
    if (cli_read(c, NULL, (size_t)c->conf.max_size, &raw) != 0 ||
        gateway_store(&c->g, 0, &c->e) != 0 ||
        registry_dist_find(c->g.store, rcpt, NULL, &dist, &c->e) != 0 ||
        process_intake(&c->g, dist, rcpt, buf_cstr(&raw), raw.len, &row,
                       &c->e) != 0)
        goto out;
    cli_stored = 1;
    rc = 0;
    cli_process_quietly(c, row);
out:
    buf_free(&raw);
    return rc;
}

static int cmd_submit_report(struct cli *c, const struct process_result *r)
{
    switch (r->verdict) {
    case PROCESS_QUEUED:
        printf("queued %s: %d copies for %ld recipients\n", r->alert_id,
               r->copies, r->recipients);
        return 0;
    case PROCESS_HELD:
        return err_set(&c->e, ERR_LEAK, "held %s: %s", r->alert_id,
                       r->reason);
    default:
        if (strncmp(r->reason, "malformed", 9) == 0)
            return err_set(&c->e, ERR_DATA, "quarantined: %s", r->reason);
        return err_set(&c->e, ERR_NOPERM, "quarantined: %s", r->reason);
    }
}

static int cmd_submit(struct cli *c, struct cli_args *a)
{
    const char *dname = cli_opt(a, "dist");
    struct process_result r;
    struct buf raw;
    int64_t dist, row;
    int rc = -1;

    if (dname == NULL)
        return err_set(&c->e, ERR_USAGE, "submit needs --dist NAME");
    if (cli_open(c) != 0)
        return -1;
    buf_init(&raw, (size_t)c->conf.max_size);
    if (cli_read(c, a->pos[0], (size_t)c->conf.max_size, &raw) == 0 &&
        registry_dist_find(c->g.store, NULL, dname, &dist, &c->e) == 0 &&
        process_intake(&c->g, dist, dname, buf_cstr(&raw), raw.len, &row,
                       &c->e) == 0 &&
        process_alert(&c->g, row, &r, &c->e) == 0)
        rc = cmd_submit_report(c, &r);
    buf_free(&raw);
    return rc;
}

static int cmd_preview(struct cli *c, struct cli_args *a)
{
    const char *list = cli_opt(a, "list");
    struct buf raw;
    int rc = -1;

    if (list == NULL)
        return err_set(&c->e, ERR_USAGE, "preview needs --list NAME");
    if (cli_open(c) != 0)
        return -1;
    buf_init(&raw, (size_t)c->conf.max_size);
    if (cli_read(c, a->pos[0], (size_t)c->conf.max_size, &raw) == 0)
        rc = process_preview(&c->g, buf_cstr(&raw), raw.len, list,
                             cli_flag(a, "diff"), stdout, &c->e);
    buf_free(&raw);
    return rc;
}

static int cmd_anonymise_setup(struct cli *c, const struct cli_args *a)
{
    const char *sites = cli_opt(a, "sites"), *rules = cli_opt(a, "rules");
    struct gateway *g = &c->g;

    if (rules) {
        free(c->conf.rules_dir);
        if ((c->conf.rules_dir = strdup(rules)) == NULL)
            return err_set(&c->e, ERR_NOMEM, "out of memory");
    }
    if (sites == NULL)      /* the registry's sites */
        return gateway_store(g, 0, &c->e);
    if ((g->sites = sites_new()) == NULL)
        return err_set(&c->e, ERR_NOMEM, "out of memory");
    if (sites_load_file(g->sites, sites, &c->e) != 0)
        return -1;
    /* The registry is optional here: only for --alert-id placeholders. */
    if (cli_opt(a, "alert-id") && access(c->conf.db_path, F_OK) == 0)
        return gateway_store(g, 0, &c->e);
    return 0;
}

static int cmd_anonymise(struct cli *c, struct cli_args *a)
{
    struct buf raw, out;
    int rc = -1;

    if (cli_conf(c) != 0 || cmd_anonymise_setup(c, a) != 0)
        return -1;
    buf_init(&raw, (size_t)c->conf.max_size);
    buf_init(&out, CLI_FILE_MAX * 2);
    if (cli_read(c, a->pos[0], (size_t)c->conf.max_size, &raw) == 0 &&
        process_anonymise(&c->g, cli_opt(a, "alert-id"), buf_cstr(&raw),
                          raw.len, &out, &c->e) == 0 &&
        fwrite(out.data, 1, out.len, stdout) == out.len)
        rc = 0;
    buf_free(&raw);
    buf_free(&out);
    return rc;
}

/* ---- queue, audit, reveal ---------------------------------------------- */

static int cmd_queue_run(struct cli *c, struct cli_args *a)
{
    struct queue_report r;

    if (cli_open(c) != 0 || queue_run(&c->g, &r, &c->e) != 0)
        return -1;
    printf("processed %ld alerts; %ld copies handed to the relay: %ld "
           "recipients sent, %ld deferred, %ld failed\n", r.processed,
           r.copies, r.sent, r.deferred, r.failed);
    return 0;
}

static int cmd_queue_status(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT o.state, count(*) AS recipients, "
                     "count(DISTINCT o.copy_id) AS copies, "
                     "coalesce(strftime('%s','now') - min(c.created), 0) "
                     "AS oldest_age_s FROM outbox o JOIN copies c ON "
                     "c.id = o.copy_id GROUP BY o.state ORDER BY o.state",
                     NULL, a);
}

static int cmd_alerts_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT id AS row, datetime(received, 'unixepoch') "
                     "AS received, state, alert_id, signer, reason FROM "
                     "alerts ORDER BY id", NULL, a);
}

static int cmd_audit(struct cli *c, struct cli_args *a)
{
    if (a->pos[0])
        return cli_print(c, "SELECT datetime(u.at, 'unixepoch') AS at, "
                         "u.alert_row AS row, u.event, u.detail FROM audit u "
                         "JOIN alerts l ON l.id = u.alert_row WHERE "
                         "l.alert_id = ? ORDER BY u.id", a->pos[0], a);
    return cli_print(c, "SELECT datetime(at, 'unixepoch') AS at, alert_row "
                     "AS row, event, detail FROM audit ORDER BY id", NULL, a);
}

static int cmd_reveal(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT placeholder, original, cls AS class FROM "
                     "pseudonyms WHERE alert_id = ? ORDER BY rowid",
                     a->pos[0], a);
}

/* ---- registry ---------------------------------------------------------- */

static int cmd_orgs_add(struct cli *c, struct cli_args *a)
{
    const char *kind = cli_opt(a, "kind");

    if (kind == NULL)
        return err_set(&c->e, ERR_USAGE, "orgs add needs --kind");
    if (cli_open(c) != 0)
        return -1;
    return registry_org_add(c->g.store, a->pos[0], kind,
                            cli_opt(a, "country"), &c->e);
}

static int cmd_orgs_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT name, kind, country FROM orgs ORDER BY name",
                     NULL, a);
}

static int cmd_contacts_add(struct cli *c, struct cli_args *a)
{
    struct registry_contact rc = {a->pos[0], cli_opt(a, "name"),
                                  cli_opt(a, "org"),
                                  cli_opt(a, "fingerprint")};

    if (cli_open(c) != 0)
        return -1;
    return registry_contact_add(c->g.store, &rc, &c->e);
}

static int cmd_contacts_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT c.address, c.name, coalesce(o.name, '') AS "
                     "org, c.fingerprint, c.active, c.source FROM contacts c "
                     "LEFT JOIN orgs o ON o.id = c.org_id ORDER BY c.address",
                     NULL, a);
}

static int cmd_contacts_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_contact_rm(c->g.store, a->pos[0], &c->e);
}

static int cli_yesno(struct cli *c, const char *v, int def, int *out)
{
    if (v == NULL)
        *out = def;
    else if (strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "no") == 0)
        *out = 0;
    else
        return err_set(&c->e, ERR_USAGE, "expected yes or no, not '%s'", v);
    return 0;
}

static int cmd_lists_add(struct cli *c, struct cli_args *a)
{
    struct registry_list l;
    const char *tmpl = cli_opt(a, "template");

    memset(&l, 0, sizeof(l));
    l.name = a->pos[0];
    l.address = cli_opt(a, "address");
    l.audience = cli_opt(a, "audience") ? cli_opt(a, "audience") : "";
    l.attachments = cli_opt(a, "attachments") ? cli_opt(a, "attachments")
                                              : "drop";
    l.encrypt = cli_opt(a, "encrypt") ? cli_opt(a, "encrypt") : "never";
    if (l.address == NULL)
        return err_set(&c->e, ERR_USAGE, "lists add needs --address");
    if (cli_yesno(c, cli_opt(a, "anonymise"), 1, &l.anonymise) != 0 ||
        cli_open(c) != 0)
        return -1;
    l.template_name = tmpl ? tmpl : l.anonymise ? "sanitised" : "full";
    if (render_check_template(c->conf.templates_dir, l.template_name,
                              &c->e) != 0)
        return -1;
    return registry_list_add(c->g.store, &l, &c->e);
}

static int cmd_lists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT l.name, l.address, l.audience, CASE "
                     "l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS "
                     "anonymise, l.template, l.attachments, l.encrypt, "
                     "(SELECT count(*) FROM members m WHERE m.list_id = l.id)"
                     " AS members FROM lists l ORDER BY l.name", NULL, a);
}

static int cmd_lists_add_member(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_member_add(c->g.store, a->pos[0], a->pos[1], &c->e);
}

static int cmd_lists_members(struct cli *c, struct cli_args *a)
{
    int64_t id;

    if (cli_open(c) != 0)
        return -1;
    if (store_get_int(c->g.store, &c->e, &id, "SELECT id FROM lists WHERE "
                      "name=?", "t", a->pos[0]) == 0)
        return err_set(&c->e, ERR_NOUSER, "no list '%s'", a->pos[0]);
    return cli_print(c, "SELECT c.address, c.name, c.fingerprint, c.active "
                     "FROM members m JOIN contacts c ON c.id = m.contact_id "
                     "JOIN lists l ON l.id = m.list_id WHERE l.name = ? "
                     "ORDER BY c.address", a->pos[0], a);
}

static int cmd_dists_add(struct cli *c, struct cli_args *a)
{
    const char *addr = cli_opt(a, "address"), *lists = cli_opt(a, "lists");

    if (addr == NULL || lists == NULL)
        return err_set(&c->e, ERR_USAGE, "dists add needs --address and "
                       "--lists");
    if (cli_open(c) != 0)
        return -1;
    return registry_dist_add(c->g.store, a->pos[0], addr, lists, &c->e);
}

static int cmd_dists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT d.name, d.address, group_concat(l.name, ',') "
                     "AS lists FROM dists d LEFT JOIN dist_lists x ON "
                     "x.dist_id = d.id LEFT JOIN lists l ON l.id = x.list_id "
                     "GROUP BY d.id ORDER BY d.name", NULL, a);
}

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

static int cmd_sites_import(struct cli *c, struct cli_args *a)
{
    struct sites *s = sites_new();
    long added = 0;
    int rc = -1;

    if (s == NULL)
        return err_set(&c->e, ERR_NOMEM, "out of memory");
    if (cli_open(c) == 0 && sites_load_file(s, a->pos[0], &c->e) == 0 &&
        registry_sites_import(c->g.store, s, &added, &c->e) == 0) {
        printf("%zu sites read, %ld new\n", sites_count(s), added);
        rc = 0;
    }
    sites_free(s);
    return rc;
}

static int cmd_sites_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT s.name, coalesce(group_concat(CASE i.kind "
                     "WHEN 'alias' THEN '\"' || i.value || '\"' ELSE i.value "
                     "END, ' '), '') AS identifiers FROM sites s LEFT JOIN "
                     "site_ids i ON i.site_id = s.id GROUP BY s.id ORDER BY "
                     "s.name", NULL, a);
}

static int cmd_rules(struct cli *c, struct cli_args *a, int run_examples)
{
    struct sites *s = sites_new();
    struct anon *an = NULL;
    struct buf out;
    const char *dir = cli_opt(a, "rules");
    int rc = -1;

    buf_init(&out, CLI_FILE_MAX);
    if (s == NULL || cli_conf(c) != 0)
        goto out;
    if (anon_new(&an, s, dir ? dir : c->conf.rules_dir, &c->e) != 0)
        goto out;
    if (run_examples && anon_rules_test(an, &out, &c->e) != 0) {
        fputs(buf_cstr(&out), stdout);
        goto out;
    }
    fputs(buf_cstr(&out), stdout);
    printf("rules in %s: %s\n", dir ? dir : c->conf.rules_dir,
           run_examples ? "all examples pass" : "no errors");
    rc = 0;
out:
    buf_free(&out);
    anon_free(an);
    sites_free(s);
    return rc;
}

static int cmd_rules_test(struct cli *c, struct cli_args *a)
{
    return cmd_rules(c, a, 1);
}

static int cmd_rules_lint(struct cli *c, struct cli_args *a)
{
    return cmd_rules(c, a, 0);
}

/* ---- the command table ------------------------------------------------- */

static const struct cli_cmd cli_cmds[] = {
    {"init", NULL, "uid=,import-key=", 0, 0, cmd_init,
     "[--uid USERID] [--import-key FILE]",
     "Create the data directory, the database and the GnuPG home, and a\n"
     "signing key (ed25519) or import one (an armoured secret key)."},
    {"config", NULL, "", 0, 0, cmd_config, "",
     "Print the effective configuration."},
    {"filter", NULL, "recipient=", 0, 0, cmd_filter, "[--recipient ADDR]",
     "MTA mode: read one message on stdin, store it for the distribution\n"
     "with that inbound address, then process it. Exit 0 once stored;\n"
     "67 unknown address; 65 over max_size; 75 anything else that stopped\n"
     "the store. ADDR defaults to $ORIGINAL_RECIPIENT, then $RECIPIENT."},
    {"submit", NULL, "dist=", 0, 1, cmd_submit, "--dist NAME [FILE]",
     "Submit a signed alert from the shell and report the verdict: 0 queued,\n"
     "77 not signed by an authorised officer, 65 malformed or held."},
    {"preview", NULL, "list=,diff", 0, 1, cmd_preview,
     "--list NAME [--diff] [FILE]",
     "Print the exact message the list would receive (signed; nothing is\n"
     "stored), or with --diff every replacement: line, original,\n"
     "placeholder, rule. The alert need not be signed yet."},
    {"anonymise", NULL, "sites=,rules=,alert-id=", 0, 1, cmd_anonymise,
     "[--sites FILE] [--rules DIR] [--alert-id ID] [FILE]",
     "Anonymise one RFC 5322 message to stdout, nothing else. Sites come\n"
     "from FILE (sites-file format) or else the registry; --alert-id reuses\n"
     "that alert's placeholders from the registry."},
    {"queue", "run", "", 0, 0, cmd_queue_run, "",
     "One worker pass: process new alerts, deliver what is due."},
    {"queue", "status", "json", 0, 0, cmd_queue_status, "[--json]",
     "Outbox recipients and copies per state, and the oldest age."},
    {"alerts", "list", "json", 0, 0, cmd_alerts_list, "[--json]",
     "Every stored alert with its state and reason."},
    {"audit", NULL, "json", 0, 1, cmd_audit, "[--json] [ALERT-ID]",
     "Who was sent which copy, when, with what outcome."},
    {"reveal", NULL, "json", 1, 1, cmd_reveal, "[--json] ALERT-ID",
     "Placeholder -> original for an alert (officers only)."},
    {"orgs", "add", "kind=,country=", 1, 1, cmd_orgs_add,
     "NAME --kind ngi|nren|isp|csirt|site [--country CC]",
     "Add an organisation."},
    {"orgs", "list", "json", 0, 0, cmd_orgs_list, "[--json]",
     "List organisations."},
    {"contacts", "add", "name=,org=,fingerprint=", 1, 1, cmd_contacts_add,
     "ADDRESS [--name NAME] [--org ORG] [--fingerprint FPR]",
     "Add a contact."},
    {"contacts", "list", "json", 0, 0, cmd_contacts_list, "[--json]",
     "List contacts."},
    {"contacts", "rm", "", 1, 1, cmd_contacts_rm, "ADDRESS",
     "Remove a contact (and its memberships)."},
    {"lists", "add", "address=,audience=,anonymise=,template=,attachments=,"
     "encrypt=", 1, 1, cmd_lists_add,
     "NAME --address ADDR [--audience TEXT] [--anonymise yes|no]\n"
     "       [--template NAME] [--attachments keep|drop|refuse]\n"
     "       [--encrypt never|if-key|always]",
     "Add a list. Defaults: anonymise yes, template 'sanitised' (or 'full'\n"
     "with --anonymise no), attachments drop. The template is checked now."},
    {"lists", "list", "json", 0, 0, cmd_lists_list, "[--json]",
     "List lists and their policies."},
    {"lists", "add-member", "", 2, 2, cmd_lists_add_member, "LIST ADDRESS",
     "Make a contact a member of a list."},
    {"lists", "members", "json", 1, 1, cmd_lists_members, "[--json] LIST",
     "List a list's members."},
    {"dists", "add", "address=,lists=", 1, 1, cmd_dists_add,
     "NAME --address ADDR --lists LIST[,LIST...]",
     "Add a distribution: an inbound address and the lists it feeds."},
    {"dists", "list", "json", 0, 0, cmd_dists_list, "[--json]",
     "List distributions."},
    {"officers", "add", "key=,name=,email=", 0, 1, cmd_officers_add,
     "[FINGERPRINT] [--key FILE] [--name NAME] [--email ADDR]",
     "Authorise an officer's signing key, pinned by its primary\n"
     "fingerprint. --key imports the public key into the gateway's GnuPG\n"
     "home (needed to verify the officer's signatures)."},
    {"officers", "list", "json", 0, 0, cmd_officers_list, "[--json]",
     "List officers."},
    {"sites", "import", "", 1, 1, cmd_sites_import, "FILE",
     "Add the sites of a sites file (one transaction; nothing is removed)."},
    {"sites", "list", "json", 0, 0, cmd_sites_list, "[--json]",
     "List sites and their identifiers."},
    {"rules", "test", "rules=", 0, 0, cmd_rules_test, "[--rules DIR]",
     "Run the examples embedded in the rule files."},
    {"rules", "lint", "rules=", 0, 0, cmd_rules_lint, "[--rules DIR]",
     "Check the rule files; errors as FILE:LINE."},
};

#define CLI_NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

/* First line of a help text, for the overview. */
static int cli_line1(const char *s)
{
    return (int)strcspn(s, "\n");
}

static void cli_usage(FILE *fp)
{
    size_t i;

    fprintf(fp, "usage: alertgw [-c CONFIG] COMMAND [ARGS]\n\n"
            "CONFIG defaults to $ALERTGW_CONFIG, then %s, then the\n"
            "built-in defaults (alertgw config prints them). Every command\n"
            "takes --help.\n\ncommands:\n", CONF_DEFAULT_PATH);
    for (i = 0; i < CLI_NCMDS; i++) {
        const struct cli_cmd *k = &cli_cmds[i];
        char both[64];

        snprintf(both, sizeof(both), "%s%s%s", k->name, k->sub ? " " : "",
                 k->sub ? k->sub : "");
        fprintf(fp, "  %-20s %.*s\n", both, cli_line1(k->help), k->help);
    }
}

static void cli_cmd_help(const struct cli_cmd *k, FILE *fp)
{
    fprintf(fp, "usage: alertgw %s%s%s %s\n\n%s\n", k->name,
            k->sub ? " " : "", k->sub ? k->sub : "", k->usage, k->help);
}

static void cli_group_help(const char *name, FILE *fp)
{
    size_t i;

    fprintf(fp, "usage: alertgw %s SUBCOMMAND [ARGS]\n\n", name);
    for (i = 0; i < CLI_NCMDS; i++)
        if (strcmp(cli_cmds[i].name, name) == 0)
            fprintf(fp, "  %s %s %s\n      %.*s\n", name, cli_cmds[i].sub,
                    cli_cmds[i].usage, cli_line1(cli_cmds[i].help),
                    cli_cmds[i].help);
}

/* The command for argv; *used says how many words named it. NULL with
 * *group set when only the group matched. */
static const struct cli_cmd *cli_lookup(int argc, char **argv, int *used,
                                        int *group)
{
    size_t i;

    *group = 0;
    for (i = 0; i < CLI_NCMDS; i++) {
        const struct cli_cmd *k = &cli_cmds[i];
        if (strcmp(k->name, argv[0]) != 0)
            continue;
        *group = 1;
        if (k->sub == NULL) {
            *used = 1;
            return k;
        }
        if (argc > 1 && strcmp(k->sub, argv[1]) == 0) {
            *used = 2;
            return k;
        }
    }
    return NULL;
}

static int cli_run(struct cli *c, const struct cli_cmd *k, int argc,
                   char **argv)
{
    struct cli_args a;
    char spec[256];

    memset(&a, 0, sizeof(a));
    if (cli_spec(k->opts, &a, spec, sizeof(spec)) != 0)
        return err_set(&c->e, ERR_SOFTWARE, "option table too long");
    if (cli_parse(argc, argv, &a, &c->e) != 0)
        return -1;
    if (a.help) {
        cli_cmd_help(k, stdout);
        return 0;
    }
    if (a.npos < k->minpos || a.npos > k->maxpos)
        return err_set(&c->e, ERR_USAGE, "usage: alertgw %s%s%s %s",
                       k->name, k->sub ? " " : "", k->sub ? k->sub : "",
                       k->usage);
    return k->fn(c, &a);
}

/* -c CONFIG and the global --help/--version before the command. */
static int cli_global(struct cli *c, int argc, char **argv, int *i)
{
    for (*i = 1; *i < argc; (*i)++) {
        if (strcmp(argv[*i], "-c") == 0 || strcmp(argv[*i], "--config") == 0) {
            if (++*i >= argc)
                return err_set(&c->e, ERR_USAGE, "-c needs a file");
            c->conf_path = argv[*i];
        } else if (strcmp(argv[*i], "--version") == 0) {
            printf("alertgw %s\n", AGW_VERSION);
            return 1;
        } else if (strcmp(argv[*i], "--help") == 0 ||
                   strcmp(argv[*i], "-h") == 0 ||
                   strcmp(argv[*i], "help") == 0) {
            cli_usage(stdout);
            return 1;
        } else if (argv[*i][0] == '-') {
            return err_set(&c->e, ERR_USAGE, "unknown option %s (see "
                           "alertgw --help)", argv[*i]);
        } else {
            return 0;
        }
    }
    cli_usage(stderr);
    return err_set(&c->e, ERR_USAGE, "no command given");
}

static int cli_dispatch(struct cli *c, int argc, char **argv)
{
    const struct cli_cmd *k;
    int used, group;

    k = cli_lookup(argc, argv, &used, &group);
    if (k)
        return cli_run(c, k, argc - used, argv + used);
    if (group && (argc < 2 || strcmp(argv[1], "--help") == 0 ||
                  strcmp(argv[1], "-h") == 0)) {
        cli_group_help(argv[0], argc < 2 ? stderr : stdout);
        return argc < 2 ? err_set(&c->e, ERR_USAGE, "%s needs a subcommand",
                                  argv[0]) : 0;
    }
    if (group)
        return err_set(&c->e, ERR_USAGE, "unknown subcommand '%s %s' (see "
                       "alertgw %s --help)", argv[0], argv[1], argv[0]);
    return err_set(&c->e, ERR_USAGE, "unknown command '%s' (see alertgw "
                   "--help)", argv[0]);
}

int cli_main(int argc, char **argv)
{
    struct cli c;
    int i, rc, ex;

    memset(&c, 0, sizeof(c));
    err_init(&c.e);
    rc = cli_global(&c, argc, argv, &i);
    if (rc == 0)
        cli_dispatch(&c, argc - i, argv + i);
    cli_report(&c);
    ex = cli_exit(&c);
    if (c.conf_loaded) {
        gateway_close(&c.g);
        conf_free(&c.conf);
    }
    if (fflush(stdout) != 0 && ex == 0)
        ex = EX_IOERR_;
    return ex;
}
