/* cli_intake - commands: init, config, filter, submit, preview, anonymise, rules. */
#include "cli/cli_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mail/anon.h"
#include "mail/pgp.h"
#include "intake/intake.h"
#include "process/process.h"
#include "process/report.h"
#include "db/reports.h"
#include "outbox/queue.h"
#include "registry/registry.h"
#include "mail/render.h"
#include "db/store.h"
#include "util/fault.h"
#include "util/sandbox.h"
#include "util/file.h"
#include "util/rowlock.h"

static volatile sig_atomic_t cli_stored;

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
        rc = pgp_import_secret(c->g.pgp, buf_cstr(&key), key.len, fpr,
                               &c->e);
    buf_free(&key);
    if (rc == 0 && !pgp_has_secret(c->g.pgp, fpr))
        rc = err_set(&c->e, ERR_DATA, "%s holds no secret key", file);
    return rc;
}

/* Trust comes from fingerprints pinned in the registry, never from
 * GnuPG's trust database: keep gpg from checking (and locking) it during
 * key look-ups. An existing gpg.conf is left as the operator wrote it. */
static int cmd_init_gpgconf(struct cli *c)
{
    static const char text[] = "# written by alertgw init\n"
                               "no-auto-check-trustdb\n";
    struct buf path;
    int rc = 0;

    buf_init(&path, 4096);
    if (buf_printf(&path, "%s/gpg.conf", c->conf.gnupg_home) != 0)
        rc = err_set(&c->e, ERR_CONFIG, "gnupg_home path too long");
    else if (access(path.data, F_OK) != 0 &&
             file_write_atomic(path.data, text, sizeof(text) - 1, 0600) != 0)
        rc = err_set(&c->e, ERR_IO, "%s: %s", path.data, strerror(errno));
    buf_free(&path);
    return rc;
}

/* Postfix's pipe(8) and the worker run as the gateway user (README
 * "Installing"): files init makes as anyone else, root above all, are
 * files they cannot open later. */
static void cmd_init_owner_warn(const struct cli *c)
{
    const char *user = c->conf.user;
    const struct passwd *pw = getpwnam(user);

    if (pw == NULL || pw->pw_uid == geteuid())
        return;
    fprintf(stderr, "alertgw: warning: init runs as uid %ld, not as %s: "
            "%s will belong to uid %ld and %s cannot use it (run `sudo -u "
            "%s alertgw init`, or `chown -R %s: %s` after)\n",
            (long)geteuid(), user, c->conf.data_dir, (long)geteuid(), user,
            user, user, c->conf.data_dir);
}

static int cmd_init(struct cli *c, struct cli_args *a)
{
    char fpr[PGP_FPR_MAX];
    struct err ignore;

    if (cli_conf(c) != 0)
        return -1;
    cmd_init_owner_warn(c);
    if (file_mkdirs(c->conf.data_dir, 0750) != 0 ||
        file_mkdirs(c->conf.gnupg_home, 0700) != 0 ||
        chmod(c->conf.gnupg_home, 0700) != 0)
        return err_set(&c->e, ERR_IO, "cannot create %s: %s",
                       c->conf.gnupg_home, strerror(errno));
    if (cmd_init_gpgconf(c) != 0 || gateway_store(&c->g, 1, &c->e) != 0 ||
        gateway_pgp(&c->g, &c->e) != 0)
        return -1;
    err_init(&ignore);
    if (gateway_signing_key(&c->g, &ignore) == 0 &&
        pgp_has_secret(c->g.pgp, c->g.signing_key)) {
        printf("database %s ready; signing key %s (unchanged)\n",
               c->conf.db_path, c->g.signing_key);
        return 0;
    }
    if (cmd_init_key(c, a, fpr) != 0 ||
        store_setting_set(c->g.store, "signing_key", fpr, &c->e) != 0)
        return -1;
    printf("database %s ready; signing key %s\n", c->conf.db_path, fpr);
    return 0;
}

static int cmd_config(struct cli *c, struct cli_args *a)
{
    if (cli_flag(a, "example")) {
        conf_example(stdout);
        return 0;
    }
    if (cli_conf(c) != 0)
        return -1;
    printf("# effective configuration (from %s)\n",
           c->conf.path[0] ? c->conf.path : "built-in defaults");
    conf_print(&c->conf, stdout);
    return 0;
}

/* What filter answers when a signal ends it (async-signal-safe): 0 once
 * the alert is committed, whatever processing still does; before, 75
 * and the reason, so that the MTA keeps the mail. */
static void cli_signal_answer(const char *msg, size_t len)
{
    if (cli_stored)
        _exit(EX_OK);
    if (write(2, msg, len) < 0)
        _exit(EX_TEMPFAIL);
    _exit(EX_TEMPFAIL);
}

static void cli_budget_spent(int sig)
{
    static const char msg[] = "4.3.0 alertgw: time budget spent before the "
                              "alert was stored\n";
    (void)sig;
    cli_signal_answer(msg, sizeof(msg) - 1);
}

/* Signals of a fault: filter's own (processing runs in children) must
 * not reach the MTA as a death by a signal. Sanitizer builds keep their
 * own handlers, which report the fault. */
static const int cli_fault_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                     SIGABRT, SIGPIPE};
#define CLI_NFAULT_SIGS (sizeof(cli_fault_sigs) / sizeof(cli_fault_sigs[0]))

#ifndef AGW_ASAN
static void cli_fault(int sig)
{
    static const char msg[] = "4.3.0 alertgw: internal fault before the "
                              "alert was stored\n";
    (void)sig;
    cli_signal_answer(msg, sizeof(msg) - 1);
}
#endif

static void cli_fault_handlers(void)
{
#ifndef AGW_ASAN
    size_t i;

    for (i = 0; i < CLI_NFAULT_SIGS; i++)
        signal(cli_fault_sigs[i], cli_fault);
#endif
}

/* The processing child dies by its signals: its parent reports them. */
static void cli_fault_default(void)
{
    size_t i;

    for (i = 0; i < CLI_NFAULT_SIGS; i++)
        signal(cli_fault_sigs[i], SIG_DFL);
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

/* Process alert row under its lock (process_lock_alert); an alert
 * another process holds is left to it. */
static void cli_process_quietly(struct cli *c, int64_t row)
{
    struct process_result r;
    struct err pe;
    int fd = -1, got = -1;

    err_init(&pe);
    if (gateway_store(&c->g, 0, &pe) == 0)
        got = process_lock_alert(&c->g, row, &fd, &pe);
    /* Test hook: processing that takes long, under the lock. */
    while (got == 1 && fault_hit("process-stall"))
        pause();
    if (got < 0 || (got == 1 && process_alert(&c->g, row, &r, &pe) != 0))
        fprintf(stderr, "alertgw: alert #%lld stored, processing deferred: "
                "%s\n", (long long)row, pe.msg);
    rowlock_release(&fd);
}

/* The detached processor: a session of its own, no terminal, and
 * nothing of the MTA's (its pipe on stdin, the pipes it reads stdout
 * and stderr from, which it would wait on until they close). */
static void cli_detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    setsid();
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

/* After the commit the MTA must hear 0 whatever processing does, so it
 * runs in a child of its own with a database connection of its own (the
 * parent's is never used across fork). Without wait, filter answers at
 * once: the child forks the processor into a session of its own and
 * exits, so nothing the MTA waits on stays open; with wait (--wait),
 * filter answers once processing is done. Whatever becomes of the
 * processor, the alert is stored, and the worker takes it over once no
 * live processor holds its lock. */
typedef void (*cli_after_fn)(struct cli *c, int64_t row);

/* Process report row (its own errors are the worker's to retry). */
static void cli_report_quietly(struct cli *c, int64_t row)
{
    struct err pe;

    err_init(&pe);
    if (gateway_store(&c->g, 0, &pe) != 0 ||
        report_process(&c->g, row, &pe) != 0)
        fprintf(stderr, "alertgw: report #%lld stored, processing "
                "deferred: %s\n", (long long)row, pe.msg);
}

static void cli_process_after_commit(struct cli *c, int64_t row, int wait,
                                     cli_after_fn fn)
{
    int status = 0;
    pid_t pid;

    /* GnuPG cannot be started from a forked copy of a process valgrind
     * runs; there, processing stays in this process */
    if (sandbox_valgrind()) {
        fn(c, row);
        return;
    }
    /* Nothing of SQLite's crosses the fork: a connection in a child that
     * shares the parent's (its WAL index, its idea of the locks it
     * holds) writes into a WAL that the parent's last close removes. */
    store_close(c->g.store);
    c->g.store = NULL;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "alertgw: alert #%lld stored, processing left to "
                "the worker: fork: %s\n", (long long)row, strerror(errno));
        return;
    }
    if (pid == 0) {
        cli_fault_default();
        if (!wait) {
            cli_detach_stdio();
            if (fork() != 0)        /* the processor is the grandchild */
                _exit(0);
        }
        fn(c, row);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status))
        fprintf(stderr, "alertgw: alert #%lld stored, processing died by "
                "signal %d and is left to the worker\n", (long long)row,
                WTERMSIG(status));
}

/* The gateway's own addresses (README "Bounces and acknowledgements"):
 * what reaches the bounce address (`sender`) is a report to read, not an
 * alert. NULL for any other address. */
static const char *cli_report_kind(const struct cli *c, const char *rcpt)
{
    if (c->conf.sender[0] && strcasecmp(rcpt, c->conf.sender) == 0)
        return "bounce";
    if (c->conf.ack_address[0] && strcasecmp(rcpt, c->conf.ack_address) == 0)
        return "reply";
    return NULL;
}

/* Kept whole in one durable transaction, as an alert is: what is in it
 * is decided after the commit, in a sandboxed child. */
static int cli_report_store(struct cli *c, const char *kind,
                            const char *rcpt, struct buf *raw,
                            int64_t *row)
{
    if (store_begin(c->g.store, &c->e) != 0)
        return -1;
    if (reports_add(c->g.store, kind, rcpt, buf_cstr(raw), raw->len, row,
                    &c->e) != 0) {
        store_rollback(c->g.store);
        return -1;
    }
    return store_commit(c->g.store, &c->e);
}

static int cmd_filter(struct cli *c, struct cli_args *a)
{
    const char *rcpt = cli_recipient(a), *kind;
    cli_after_fn after = cli_process_quietly;
    struct buf raw;
    int64_t dist, row;
    int rc = -1;

    c->filter_mode = 1;
    buf_init(&raw, CLI_FILE_MAX);
    if (cli_conf(c) != 0)
        return -1;
    signal(SIGALRM, cli_budget_spent);
    cli_fault_handlers();
    alarm((unsigned)c->conf.time_budget);
    raw.max = (size_t)c->conf.max_size;
    if (rcpt == NULL) {
        err_set(&c->e, ERR_USAGE, "no recipient (--recipient ADDR)");
        goto out;
    }
    /* Test hook: stall before the store until the budget runs out. */
    while (fault_hit("filter-stall"))
        pause();
    fault_segv("filter-fault");
    if (cli_read(c, NULL, (size_t)c->conf.max_size, &raw) != 0 ||
        gateway_store(&c->g, 0, &c->e) != 0)
        goto out;
    if ((kind = cli_report_kind(c, rcpt)) != NULL) {
        if (cli_report_store(c, kind, rcpt, &raw, &row) != 0)
            goto out;
        after = cli_report_quietly;
    } else if (registry_dist_find(c->g.store, rcpt, NULL, &dist,
                                  &c->e) != 0 ||
               intake_store(&c->g, dist, rcpt, buf_cstr(&raw), raw.len, &row,
                            &c->e) != 0)
        goto out;
    cli_stored = 1;
    rc = 0;
    fault_crash("filter-stored");
    /* Test hook: stall after the commit; the answer must still be 0. */
    while (fault_hit("filter-stall-stored"))
        pause();
    fault_segv("filter-fault-stored");
    /* the budget covers the store only */
    alarm(0);
    cli_process_after_commit(c, row, cli_flag(a, "wait"), after);
out:
    buf_free(&raw);
    return rc;
}

static int cmd_submit_report(struct cli *c, const struct process_result *r)
{
    switch (r->verdict) {
    case PROCESS_QUEUED:
        if (r->reason[0]) {         /* a release or cancel command */
            printf("%s\n", r->reason);
            return 0;
        }
        printf("queued %s: %d copies for %ld recipients", r->alert_id,
               r->copies, r->recipients);
        if (r->withheld)
            printf("; withheld from %d list%s (see the receipt)", r->withheld,
                   r->withheld == 1 ? "" : "s");
        printf("\n");
        if (r->empty)       /* a list without recipients: say it loudly */
            fprintf(stderr, "alertgw: warning: list%s %s reached nobody (no "
                    "recipients; see the receipt)\n", r->empty == 1 ? ""
                    : "s", r->empty_names);
        return 0;
    case PROCESS_AWAITING:
        printf("held %s until released: %d copies made, previews mailed to "
               "the signer; release with `alertgw release %s`\n",
               r->alert_id, r->copies, r->alert_id);
        return 0;
    case PROCESS_HELD:
        return err_set(&c->e, ERR_LEAK, "held %s: %s", r->alert_id,
                       r->reason);
    default:
        if (r->malformed)
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
    int rc = -1, fd = -1, got;

    if (dname == NULL)
        return err_set(&c->e, ERR_USAGE, "submit needs --dist NAME");
    if (cli_open(c) != 0)
        return -1;
    buf_init(&raw, (size_t)c->conf.max_size);
    if (cli_read(c, a->pos[0], (size_t)c->conf.max_size, &raw) == 0 &&
        registry_dist_find(c->g.store, NULL, dname, &dist, &c->e) == 0 &&
        intake_store(&c->g, dist, dname, buf_cstr(&raw), raw.len, &row,
                     &c->e) == 0 &&
        (got = process_lock_alert(&c->g, row, &fd, &c->e)) >= 0) {
        if (got == 0)       /* a worker took it between the two */
            err_set(&c->e, ERR_TEMP, "alert #%lld stored; the worker is "
                    "processing it", (long long)row);
        else if (process_alert(&c->g, row, &r, &c->e) == 0)
            rc = cmd_submit_report(c, &r);
    }
    rowlock_release(&fd);
    buf_free(&raw);
    return rc;
}

static int cmd_preview(struct cli *c, struct cli_args *a)
{
    const char *list = cli_opt(a, "list"), *aff = cli_opt(a, "affected");
    char verdict[ERR_MSG_MAX];
    struct buf raw;
    int rc = -1;

    if ((list == NULL) == (aff == NULL))
        return err_set(&c->e, ERR_USAGE, "preview needs --list NAME or "
                       "--affected DIST");
    if (cli_open(c) != 0)
        return -1;
    buf_init(&raw, (size_t)c->conf.max_size);
    if (cli_read(c, a->pos[0], (size_t)c->conf.max_size, &raw) != 0)
        rc = -1;
    else if (aff)       /* stdout the copy, stderr who gets it and why */
        rc = process_preview_affected(&c->g, buf_cstr(&raw), raw.len, aff,
                                      stdout, stderr, &c->e);
    else if ((rc = process_preview(&c->g, buf_cstr(&raw), raw.len, list,
                                   cli_flag(a, "diff"), stdout, verdict,
                                   sizeof(verdict), &c->e)) == 0)
        /* stdout is the message: the verdict beside it */
        fprintf(stderr, "alertgw: preview: %s\n", verdict);
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

/* Every templates/NAME.tmpl loads (unknown variables, unclosed "{{", a
 * missing Subject line are found here, not when an alert is sent). */
static int cli_lint_templates(struct cli *c, const char *dir)
{
    struct dirent *de;
    char name[256];
    DIR *d = opendir(dir);
    size_t n;
    int count = 0, rc = 0;

    if (d == NULL)
        return err_set(&c->e, ERR_CONFIG, "%s: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        n = strlen(de->d_name);
        if (n <= 5 || n - 5 >= sizeof(name) || de->d_name[0] == '.' ||
            strcmp(de->d_name + n - 5, ".tmpl") != 0)
            continue;
        memcpy(name, de->d_name, n - 5);
        name[n - 5] = '\0';
        if (render_check_template(dir, name, &c->e) != 0) {
            rc = -1;
            break;
        }
        count++;
    }
    closedir(d);
    if (rc == 0)
        printf("templates in %s: %d, no errors\n", dir, count);
    return rc;
}

/* A rule that backtracks catastrophically is caught here rather than
 * when an alert is held at its match limit: every rule runs over long
 * runs of each printable byte (and of a few two-byte pairs), each ended
 * by a byte no rule expects, under the configured PCRE2 limits. */
#define CLI_STRESS_LEN 4096

static int cli_stress_one(struct cli *c, struct anon *an, const char *unit,
                          size_t ulen)
{
    struct anon_map *map = anon_map_new();
    struct buf in, out;
    struct err e;
    size_t i;
    int rc = 0;

    buf_init(&in, CLI_STRESS_LEN * 2 + 128);
    buf_init(&out, CLI_STRESS_LEN * 16);
    for (i = 0; i + ulen <= CLI_STRESS_LEN; i += ulen)
        buf_append(&in, unit, ulen);
    /* Then every printable byte once: a pattern's required character is
     * present, so PCRE2 cannot skip the match attempt. */
    buf_putc(&in, 0x01);
    for (i = 0x20; i < 0x7f; i++)
        buf_putc(&in, (int)i);
    err_init(&e);
    if (map == NULL || anon_apply(an, map, in.data, in.len, &out, NULL,
                                  &e) != 0)
        rc = err_set(&c->e, ERR_CONFIG, "%s (stress input: %d x '%.*s'): "
                     "the pattern backtracks catastrophically; rewrite it",
                     map ? e.msg : "out of memory", CLI_STRESS_LEN /
                     (int)ulen, (int)ulen, unit);
    anon_map_free(map);
    buf_free(&in);
    buf_free(&out);
    return rc;
}

static int cli_lint_stress(struct cli *c, struct anon *an)
{
    static const char *const pairs[] = {"a.", "a-", "a/", "0.", "a ",
                                        "a=", "a,", "a:", "a@", "=a"};
    char one[2] = {0, 0};
    size_t i;

    for (i = 0x21; i < 0x7f; i++) {
        one[0] = (char)i;
        if (cli_stress_one(c, an, one, 1) != 0)
            return -1;
    }
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (cli_stress_one(c, an, pairs[i], 2) != 0)
            return -1;
    return 0;
}

static int cmd_rules(struct cli *c, struct cli_args *a, int run_examples)
{
    struct sites *s = sites_new();
    struct anon *an = NULL;
    struct anon_limits lim;
    struct buf out;
    const char *dir = cli_opt(a, "rules");
    int rc = -1;

    buf_init(&out, CLI_FILE_MAX);
    if (s == NULL || cli_conf(c) != 0)
        goto out;
    gateway_anon_limits(&c->conf, &lim);
    if (anon_new(&an, s, dir ? dir : c->conf.rules_dir, &c->e) != 0 ||
        anon_set_limits(an, &lim, &c->e) != 0 ||
        cli_lint_stress(c, an) != 0)
        goto out;
    if (run_examples && anon_rules_test(an, &out, &c->e) != 0) {
        fputs(buf_cstr(&out), stdout);
        goto out;
    }
    fputs(buf_cstr(&out), stdout);
    printf("rules in %s: %s\n", dir ? dir : c->conf.rules_dir,
           run_examples ? "all examples pass" : "no errors");
    rc = 0;
    if (!run_examples)
        rc = cli_lint_templates(c, cli_opt(a, "templates") ?
                                cli_opt(a, "templates")
                                : c->conf.templates_dir);
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

static const struct cli_cmd cli_intake_cmds[] = {
    {"init", NULL, "uid=,import-key=", 0, 0, cmd_init,
     "[--uid USERID] [--import-key FILE]",
     "Set up the gateway: data directory, database, GnuPG home, key.\n"
     "Creates the data directory, the database and the GnuPG home, and a\n"
     "signing key (ed25519), or imports one (an armoured secret key)."},
    {"config", NULL, "example", 0, 0, cmd_config, "[--example]",
     "Check the configuration and print what is in effect.\n"
     "Every error is reported with FILE:LINE (exit 78). --example prints\n"
     "every key commented out with its default and purpose instead (the\n"
     "file `make install` puts in /etc/alertgw)."},
    {"filter", NULL, "recipient=,wait", 0, 0, cmd_filter,
     "[--recipient ADDR] [--wait]",
     "MTA mode: store one message from stdin, then process it.\n"
     "Reads one message on stdin and stores it for the distribution\n"
     "with that inbound address, and answers at the commit: a detached\n"
     "process of its own processes the alert (the worker, `queue run`,\n"
     "takes it over if that process dies). --wait answers once processing\n"
     "is done (tests, interactive use). Exit 0 once stored;\n"
     "67 unknown address; 65 over max_size; 75 anything else that stopped\n"
     "the store. ADDR defaults to $ORIGINAL_RECIPIENT, then $RECIPIENT.\n"
     "Mail to the bounce address (`sender`) or to `ack_address` is stored\n"
     "as a report instead: a delivery status report, or a reply to forward\n"
     "and count as an acknowledgement (see `reports list`)."},
    {"submit", NULL, "dist=", 0, 1, cmd_submit, "--dist NAME [FILE]",
     "Submit a signed alert from the shell; the verdict is the exit code.\n"
     "Exit 0 queued,\n"
     "77 not signed by an authorised officer, 65 malformed or held."},
    {"preview", NULL, "list=,diff,affected=", 0, 1, cmd_preview,
     "--list NAME [--diff] [FILE], or --affected DIST [FILE]",
     "Show the exact message a list would receive, or every replacement.\n"
     "Prints the exact message the list would receive (signed; nothing is\n"
     "stored), or with --diff every replacement: line, original,\n"
     "placeholder, rule. The alert need not be signed yet. On stderr, the\n"
     "verdict for that list: sent (to how many recipients), withheld and\n"
     "why, held for release first.\n"
     "--affected DIST: the whole copy distribution DIST's affected\n"
     "audience would get (dists policy --affected), and on stderr the\n"
     "sites the alert names and whom each adds, and why."},
    {"anonymise", NULL, "sites=,rules=,alert-id=", 0, 1, cmd_anonymise,
     "[--sites FILE] [--rules DIR] [--alert-id ID] [FILE]",
     "Anonymise one RFC 5322 message to stdout, nothing else.\n"
     "Sites come from FILE (sites-file format) or else the registry;\n"
     "--alert-id reuses that alert's placeholders from the registry. The\n"
     "result goes through the independent leak detector as a copy does:\n"
     "a victim identifier the anonymiser left is refused (exit 65, the form\n"
     "named), nothing written."},
    {"rules", "test", "rules=", 0, 0, cmd_rules_test, "[--rules DIR]",
     "Run the examples embedded in the rule files."},
    {"rules", "lint", "rules=,templates=", 0, 0, cmd_rules_lint,
     "[--rules DIR] [--templates DIR]",
     "Check the rule files and the templates; errors as FILE:LINE.\n"
     "Every templates/NAME.tmpl is loaded as an alert would load it: an\n"
     "unknown variable or unclosed {{ is reported here, never at send time."},
};

CLI_TABLE(cli_intake);
