/*
 * cli_check - `alertgw check`: one command for cron and monitoring. It
 * asks what the other commands each answer on their own (the
 * configuration loads, `keys check`, `lists coverage`, the outbox's
 * `queue status`, `audit verify`) plus when the worker last finished a
 * pass, and says every problem on one line: nothing and exit 0 is "ok".
 *
 * The problems are gathered in a table of the connection,
 * temp.check_problems(check, problem, detail), so that the text and the
 * JSON are two readings of the same rows (SQLite writes the JSON).
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/outbox.h"
#include "db/store.h"
#include "registry/registry.h"
#include "util/duration.h"
#include "util/limits.h"

struct check_opts {
    long days;              /* keys and coverage look this far ahead/back */
    int64_t pending_age;    /* oldest pending copy allowed, seconds */
    int64_t worker_age;     /* last worker pass allowed, seconds ago */
    time_t now;
};

static int check_add(struct cli *c, const char *check, const char *problem,
                     const char *detail)
{
    return store_run(c->g.store, &c->e, "INSERT INTO temp.check_problems "
                     "VALUES(?,?,?)", "ttt", check, problem, detail) < 0
               ? -1 : 0;
}

/* A length of time in its largest whole unit: "3h", "15m", "2d". */
static void check_age(int64_t s, char *out, size_t n)
{
    if (s >= 86400)
        snprintf(out, n, "%lldd", (long long)(s / 86400));
    else if (s >= 3600)
        snprintf(out, n, "%lldh", (long long)(s / 3600));
    else if (s >= 60)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else
        snprintf(out, n, "%llds", (long long)s);
}

/* A check that could not run is a problem of its own, not the end of the
 * others: a broken GnuPG home must not hide a stuck outbox. */
static int check_failed(struct cli *c, const char *check)
{
    char why[ERR_MSG_MAX + 16];

    snprintf(why, sizeof(why), "cannot check: %s", c->e.msg);
    err_init(&c->e);
    return check_add(c, check, "unchecked", why);
}

static int check_keys(struct cli *c, const struct check_opts *o)
{
    if (cli_keys_check_view(c, o->days) != 0)
        return check_failed(c, "keys");
    return store_run(c->g.store, &c->e, "INSERT INTO temp.check_problems "
                     "SELECT 'keys', problem, 'key ' || fingerprint || ' (' "
                     "|| used_by || ') ' || problem || CASE expires WHEN '' "
                     "THEN '' ELSE ' ' || expires END FROM keys_check", "")
               < 0 ? -1 : 0;
}

/* Every list, keys aside (check_keys judges those once, not per list). */
static int check_coverage(struct cli *c, const struct check_opts *o)
{
    if (registry_coverage(c->g.store, NULL, o->days, o->now, NULL, NULL,
                          &c->e) < 0)
        return check_failed(c, "coverage");
    return store_run(c->g.store, &c->e, "INSERT INTO temp.check_problems "
                     "SELECT 'coverage', problem, 'list ' || list || ': ' || "
                     "problem || ' ' || subject || ': ' || detail FROM "
                     "temp.coverage ORDER BY list, problem, subject", "")
               < 0 ? -1 : 0;
}

/* queue_status's first row is the whole outbox; the failures are the
 * outbox's own view of them (db/outbox.c). */
static int check_outbox(struct cli *c, const struct check_opts *o)
{
    char detail[160], age[32], limit[32];
    int64_t oldest = 0, failed = 0;

    if (store_get_int(c->g.store, &c->e, &oldest, "SELECT oldest_pending_s "
                      "FROM queue_status WHERE copy = 'all'", "") < 0 ||
        outbox_failures_view(c->g.store, &c->e) != 0 ||
        store_get_int(c->g.store, &c->e, &failed, "SELECT count(*) FROM "
                      "outbox_failures WHERE updated >= ?", "i",
                      (int64_t)o->now - CHECK_FAILED_WINDOW_S) < 0)
        return check_failed(c, "outbox");
    if (oldest > o->pending_age) {
        check_age(oldest, age, sizeof(age));
        check_age(o->pending_age, limit, sizeof(limit));
        snprintf(detail, sizeof(detail), "oldest pending copy waits %s "
                 "(over %s)", age, limit);
        if (check_add(c, "outbox", "pending-age", detail) != 0)
            return -1;
    }
    if (failed == 0)
        return 0;
    snprintf(detail, sizeof(detail), "%lld deliver%s failed permanently in "
             "the last day", (long long)failed, failed == 1 ? "y" : "ies");
    return check_add(c, "outbox", "failed", detail);
}

static int check_audit(struct cli *c)
{
    struct audit_verify v;
    char detail[ERR_MSG_MAX + 64];
    int rc;

    memset(&v, 0, sizeof(v));
    rc = audit_verify(c->g.store, &v, &c->e);
    if (rc < 0)
        return check_failed(c, "audit");
    if (rc == 0)
        return 0;
    snprintf(detail, sizeof(detail), "chain broken at row %lld: %s",
             (long long)v.bad_row, v.why);
    return check_add(c, "audit", "broken", detail);
}

/* `queue run` records worker_last_pass (seconds since the epoch) at the
 * end of every pass that finished (cli_queue.c). */
static int check_worker(struct cli *c, const struct check_opts *o)
{
    char val[32], detail[96], age[32];
    char *end;
    long long at;
    int rc = store_setting_get(c->g.store, "worker_last_pass", val,
                               sizeof(val), &c->e);

    if (rc < 0)
        return check_failed(c, "worker");
    if (rc == 0)
        return check_add(c, "worker", "never", "no pass recorded (is "
                         "`alertgw queue run` scheduled?)");
    errno = 0;
    at = strtoll(val, &end, 10);
    if (errno || end == val || *end)
        return check_add(c, "worker", "never", "no pass recorded (bad "
                         "worker_last_pass setting)");
    if ((int64_t)o->now - at <= o->worker_age)
        return 0;
    check_age((int64_t)o->now - at, age, sizeof(age));
    snprintf(detail, sizeof(detail), "last pass %s ago", age);
    return check_add(c, "worker", "stale", detail);
}

int cli_check_pass_done(struct cli *c)
{
    char now[32];

    snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
    return store_setting_set(c->g.store, "worker_last_pass", now, &c->e);
}

static int check_print(struct cli *c, int json, int64_t *n)
{
    struct store_stmt *st;
    int rc;

    if (store_get_int(c->g.store, &c->e, n, "SELECT count(*) FROM "
                      "temp.check_problems", "") < 0)
        return -1;
    if (*n == 0 && !json) {
        printf("ok\n");
        return 0;
    }
    if (store_prepare(c->g.store, json ?
                      "SELECT json_group_array(json_object('check', check_, "
                      "'problem', problem, 'detail', detail)) FROM (SELECT "
                      "\"check\" AS check_, problem, detail FROM "
                      "temp.check_problems ORDER BY rowid)" :
                      "SELECT \"check\" || ': ' || detail FROM "
                      "temp.check_problems ORDER BY rowid", &st, &c->e) != 0)
        return -1;
    while ((rc = store_step(st, &c->e)) == 1)
        printf("%s\n", store_col_text(st, 0));
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int check_duration(struct cli *c, const char *opt, const char *v,
                          int64_t *out)
{
    if (v == NULL)
        return 0;
    *out = duration_parse(v, DURATION_BARE_REFUSED);
    if (*out <= 0)
        return err_set(&c->e, ERR_USAGE, "bad --%s '%.40s': a duration "
                       "with its unit (30m, 1h, 2d)", opt, v);
    return 0;
}

static int check_opts(struct cli *c, struct cli_args *a, struct check_opts *o)
{
    const char *d = cli_opt(a, "days");
    char *end = NULL;

    o->days = CHECK_DAYS_DEFAULT;
    o->pending_age = CHECK_PENDING_AGE_DEFAULT_S;
    o->worker_age = CHECK_WORKER_AGE_DEFAULT_S;
    o->now = time(NULL);
    if (d) {
        errno = 0;
        o->days = strtol(d, &end, 10);
        if (errno || end == d || *end || o->days < 0 ||
            o->days > KEYS_DAYS_MAX)
            return err_set(&c->e, ERR_USAGE, "--days wants 0..%d",
                           KEYS_DAYS_MAX);
    }
    return check_duration(c, "pending-age", cli_opt(a, "pending-age"),
                          &o->pending_age) != 0 ||
                   check_duration(c, "worker-age", cli_opt(a, "worker-age"),
                                  &o->worker_age) != 0 ? -1 : 0;
}

static int cmd_check(struct cli *c, struct cli_args *a)
{
    struct check_opts o;
    int64_t n = 0;

    if (check_opts(c, a, &o) != 0)
        return -1;
    /* the configuration first: broken, nothing else can be asked (78) */
    if (cli_open(c) != 0)
        return -1;
    if (store_run(c->g.store, &c->e, "CREATE TEMP TABLE check_problems("
                  "\"check\" TEXT, problem TEXT, detail TEXT)", "") < 0 ||
        check_keys(c, &o) != 0 || check_coverage(c, &o) != 0 ||
        check_outbox(c, &o) != 0 || check_audit(c) != 0 ||
        check_worker(c, &o) != 0 || check_print(c, cli_flag(a, "json"),
                                                &n) != 0)
        return -1;
    return n ? err_set(&c->e, ERR_DATA, "%lld problem(s)", (long long)n) : 0;
}

static const struct cli_cmd cli_check_cmds[] = {
    {"check", NULL, "json,days=,pending-age=,worker-age=", 0, 0, cmd_check,
     "[--json] [--days N] [--pending-age DURATION] [--worker-age DURATION]",
     "Check the gateway for cron and monitoring: the configuration loads,\n"
     "the pinned keys (keys check), every list's coverage (lists coverage,\n"
     "a list without recipients too), the outbox (the oldest pending copy\n"
     "over --pending-age, default 1h; permanent failures in the last day),\n"
     "the audit chain (audit verify) and the worker's last pass (over\n"
     "--worker-age, default 15m, or none recorded). --days N (default 30)\n"
     "is the keys' and coverage's window. One line per problem, CHECK:\n"
     "DETAIL, and exit 65; none: a single line 'ok' and exit 0; a broken\n"
     "configuration exits 78. --json prints one JSON list of {check,\n"
     "problem, detail} objects ([] when none)."},
};

CLI_TABLE(cli_check);
