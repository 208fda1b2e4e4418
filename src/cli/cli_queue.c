/* cli_queue - commands: the outbox and the audit log. */
#include "cli/cli_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "process/process.h"
#include "process/report.h"
#include "db/audit.h"
#include "util/duration.h"
#include "outbox/queue.h"
#include "db/store.h"

#define CLI_WATCH_DEFAULT_S 60

static void cmd_queue_report(const struct queue_report *r)
{
    printf("processed %ld alerts; %ld copies handed to the relay: %ld "
           "recipients sent, %ld deferred, %ld failed", r->processed,
           r->copies, r->sent, r->deferred, r->failed);
    if (r->reports > 0)
        printf("; %ld reports read", r->reports);
    if (r->reminders > 0)
        printf("; %ld reminders", r->reminders);
    printf("\n");
    fflush(stdout);
}

/* Waits up to secs for SIGTERM or SIGINT (blocked: they are taken here
 * only, so a pass in progress always finishes and commits). 1: stop. */
static int cmd_watch_sleep(const sigset_t *set, long secs)
{
    struct timespec ts = {secs, 0};
    int sig;

    do
        sig = sigtimedwait(set, NULL, &ts);
    while (sig < 0 && errno == EINTR);
    return sig > 0;
}

/* New alerts first, then the outbox: what is already queued goes out even
 * if processing is stuck (the processing error is returned after). */
static int cmd_queue_pass(struct cli *c, struct queue_report *r)
{
    struct err pe, re;
    int prc;

    err_init(&pe);
    err_init(&re);
    memset(r, 0, sizeof(*r));
    prc = process_pending(&c->g, &r->processed, &pe);
    /* reports left by a filter whose processing died, or deferred */
    if (report_pending(&c->g, &r->reports, prc == 0 ? &pe : &re) != 0 &&
        prc == 0)
        prc = -1;
    /* reminders go out in this pass (queue_run below sends them) */
    if (report_remind(&c->g, &r->reminders, prc == 0 ? &pe : &re) != 0 &&
        prc == 0)
        prc = -1;
    if (queue_run(&c->g, r, &c->e) != 0 || cli_check_pass_done(c) != 0)
        return -1;
    if (prc != 0)
        return err_set(&c->e, pe.code, "%s", pe.msg);
    return 0;
}

static int cmd_queue_watch(struct cli *c, long interval)
{
    struct queue_report r;
    sigset_t set;
    struct timespec none = {0, 0};

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (;;) {
        err_init(&c->e);
        /* One bad pass (database busy, agent gone) is not the end. */
        if (cmd_queue_pass(c, &r) != 0)
            fprintf(stderr, "alertgw: queue run: %s\n", c->e.msg);
        else if (r.copies > 0 || r.processed > 0 || r.reports > 0 ||
                 r.reminders > 0)
            cmd_queue_report(&r);
        if (sigtimedwait(&set, NULL, &none) > 0 ||
            cmd_watch_sleep(&set, interval))
            break;
    }
    err_init(&c->e);
    printf("stopped\n");
    return 0;
}

static int cmd_queue_run(struct cli *c, struct cli_args *a)
{
    const char *iv = cli_opt(a, "interval");
    struct queue_report r;
    int64_t interval = CLI_WATCH_DEFAULT_S;

    if (iv && (interval = duration_parse(iv, DURATION_BARE_REFUSED)) <= 0)
        return err_set(&c->e, ERR_USAGE, "bad --interval '%s': a duration "
                       "with its unit (30s, 5m)", iv);
    if (cli_open(c) != 0)
        return -1;
    if (cli_flag(a, "watch"))
        return cmd_queue_watch(c, (long)interval);
    if (cmd_queue_pass(c, &r) != 0)
        return -1;
    cmd_queue_report(&r);
    return 0;
}

static int cmd_queue_status(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "queue_status", NULL, NULL, a);
}

static int cmd_reports_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "reports_list", NULL, NULL, a);
}

static int cmd_reports_counts(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "reports_counts", NULL, NULL, a);
}

static int cmd_queue_retry(struct cli *c, struct cli_args *a)
{
    int all = cli_flag(a, "all");
    long n;

    if (all == (a->pos[0] != NULL))
        return err_set(&c->e, ERR_USAGE, "queue retry needs ID or --all");
    if (cli_open(c) != 0 || queue_retry(&c->g, a->pos[0], all, &n,
                                        &c->e) != 0)
        return -1;
    printf("%ld recipients due now\n", n);
    return 0;
}

static int cmd_queue_purge(struct cli *c, struct cli_args *a)
{
    const char *v = cli_opt(a, "older-than");
    int64_t d;
    long n;

    if (v == NULL || (d = duration_parse(v, DURATION_BARE_REFUSED)) < 0)
        return err_set(&c->e, ERR_USAGE, "queue purge needs --older-than "
                       "DURATION (90s, 15m, 12h, 30d, 2w)");
    if (cli_open(c) != 0 || queue_purge(&c->g, d, &n, &c->e) != 0)
        return -1;
    printf("%ld settled outbox rows purged\n", n);
    return 0;
}

static int cmd_audit(struct cli *c, struct cli_args *a)
{
    long n;

    /* Rows are chained before they are shown, so what is shown is
     * what verify checks. */
    if (cli_open(c) != 0 || audit_seal(c->g.store, &n, &c->e) != 0)
        return -1;
    if (cli_known(c, "alerts_list", "alert_id", a->pos[0], ERR_NOUSER,
                  "alert") != 0)
        return -1;
    return cli_print(c, "audit_log", "_alert_id", a->pos[0], a);
}

static int cmd_audit_verify(struct cli *c, struct cli_args *a)
{
    struct audit_verify v;
    long n;
    int rc;

    if (cli_open(c) != 0)
        return -1;
    if (cli_flag(a, "seal") && audit_seal(c->g.store, &n, &c->e) != 0)
        return -1;
    rc = audit_verify(c->g.store, &v, &c->e);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return err_set(&c->e, ERR_DATA, "audit chain broken at row %lld: %s "
                       "(%ld rows verified before it)", (long long)v.bad_row,
                       v.why, v.sealed);
    printf("audit chain intact: %ld rows verified, %ld not yet sealed\n",
           v.sealed, v.unsealed);
    return 0;
}

static const struct cli_cmd cli_queue_cmds[] = {
    {"queue", "run", "watch,interval=", 0, 0, cmd_queue_run,
     "[--watch [--interval DURATION]]",
     "Worker pass: process new alerts, deliver what is due.\n"
     "One pass, or with --watch a pass every DURATION (default 60s) until\n"
     "SIGTERM or SIGINT; a pass in progress always finishes first. Exit 75\n"
     "when a pass could not finish (database busy, agent gone): what was\n"
     "delivered is recorded, the rest is left for the next pass. Passes may\n"
     "overlap: each batch is leased to one worker before it is sent."},
    {"queue", "status", "json", 0, 0, cmd_queue_status, "[--json]",
     "Outbox: recipients per state, oldest pending age, fan-outs in flight.\n"
     "The first row ('all') sums every recipient; one row follows for each\n"
     "copy that still has pending recipients, with its progress. leased:\n"
     "pending recipients a worker has claimed and is sending now (others\n"
     "leave them alone until the lease runs out); leased_by: which worker\n"
     "(host:pidns:pid:random)."},
    {"queue", "retry", "all", 0, 1, cmd_queue_retry, "ALERT-ID|ROW|--all",
     "Make pending and failed recipients due now.\n"
     "ALERT-ID: every recipient of that alert; ROW: one outbox row; --all:\n"
     "every unsent recipient. A failed one gets one more round of attempts."},
    {"queue", "purge", "older-than=", 0, 0, cmd_queue_purge,
     "--older-than DURATION",
     "Remove sent and failed outbox rows settled longer ago than DURATION.\n"
     "Pending rows and the audit log are never purged."},
    {"reports", "list", "json", 0, 0, cmd_reports_list, "[--json]",
     "Every message that reached the bounce address (kind bounce) or the\n"
     "ack address (kind reply), and what became of it. state: new (not\n"
     "read yet), matched (a delivery status report naming deliveries of\n"
     "the gateway's: recorded in the audit log as bounced or delayed),\n"
     "unmatched (a report naming nothing the gateway sent), garbled (not a\n"
     "report, or its parser failed), forwarded (a reply, passed on to\n"
     "ack_forward; detail: counted as an acknowledgement or why not).\n"
     "Unmatched and garbled messages are kept and never read again."},
    {"reports", "counts", "json", 0, 0, cmd_reports_counts, "[--json]",
     "How many reports are in each state (see reports list)."},
    {"audit", "verify", "seal", 0, 0, cmd_audit_verify, "[--seal]",
     "Check the audit hash chain; exit 65 naming the first bad row.\n"
     "Detects an edited, removed or re-ordered row and a removed tail.\n"
     "Rows are sealed as they are written; --seal first chains rows an\n"
     "older schema left unsealed (queue run and audit do that too)."},
    {"audit", NULL, "json", 0, 1, cmd_audit, "[--json] [ALERT-ID]",
     "Who was sent which copy, when, with what outcome.\n"
     "One row per recipient and attempt: time, alert, event (sent,\n"
     "deferred, failed, expired, and the pipeline's own events), recipient,\n"
     "copy (first 16 hex digits of its SHA-256), reply code and text."},
};

CLI_TABLE(cli_queue);
