/* report - delivery status reports at the bounce address, read in a
 * sandboxed child and matched to the gateway's deliveries (report.h). */
#include "process/report.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/audit.h"
#include "db/envid.h"
#include "db/outbox.h"
#include "db/reports.h"
#include "db/store.h"
#include "mail/dsn.h"
#include "util/fault.h"
#include "util/limits.h"
#include "util/pack.h"
#include "util/sandbox.h"

struct report_job {
    const char *raw;
    size_t len;
};

/* ---- the child: parse, pack ------------------------------------------- */

static int report_pack(struct buf *b, const struct dsn_report *r, int ok)
{
    size_t i;
    int rc = pack_u32(b, (uint32_t)ok);

    if (!ok)
        return rc | pack_puts(b, r->why);
    rc |= pack_puts(b, r->envid) | pack_u32(b, (uint32_t)r->truncated) |
          pack_u32(b, (uint32_t)r->n);
    for (i = 0; rc == 0 && i < r->n; i++)
        rc = pack_puts(b, r->rcpt[i].orcpt) | pack_puts(b, r->rcpt[i].final) |
             pack_puts(b, r->rcpt[i].action) |
             pack_puts(b, r->rcpt[i].status) | pack_puts(b, r->rcpt[i].diag);
    return rc;
}

static int report_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                       struct err *e)
{
    const struct report_job *job = arg;
    struct dsn_report *r = malloc(sizeof(*r));
    int rc;

    (void)ch;
    if (r == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    /* Test hook (t-bounces): a parser defect costs one report. */
    fault_segv("report-child-crash");
    rc = report_pack(out, r, dsn_parse(job->raw, job->len, r) == 0);
    free(r);
    return rc != 0 ? err_set(e, ERR_NOMEM, "report record too large") : 0;
}

/* ---- the parent: unpack, trusting nothing ----------------------------- */

static int report_unpack(struct unpack *u, struct dsn_report *r)
{
    struct dsn_rcpt *c;
    uint32_t ok = unpack_u32(u), n;
    size_t i;

    memset(r, 0, offsetof(struct dsn_report, rcpt));
    if (!ok) {
        unpack_fixed(u, r->why, sizeof(r->why));
        return unpack_done(u) ? 1 : -1;
    }
    unpack_fixed(u, r->envid, sizeof(r->envid));
    r->truncated = unpack_u32(u) != 0;
    n = unpack_u32(u);
    if (n > DSN_RCPTS_MAX)
        return -1;
    for (i = 0; i < n; i++) {
        c = &r->rcpt[i];
        unpack_fixed(u, c->orcpt, sizeof(c->orcpt));
        unpack_fixed(u, c->final, sizeof(c->final));
        unpack_fixed(u, c->action, sizeof(c->action));
        unpack_fixed(u, c->status, sizeof(c->status));
        unpack_fixed(u, c->diag, sizeof(c->diag));
    }
    r->n = n;
    return unpack_done(u) ? 0 : -1;
}

int report_child(const struct gateway *g, sandbox_work work, void *job,
                 struct buf *rec, char *detail, size_t dsize,
                 struct err *e)
{
    struct sandbox_limits lim;
    struct sandbox_end end;
    int rc;

    sandbox_limits_set(&lim, (size_t)g->conf->child_memory_mb << 20,
                       (unsigned)g->conf->child_cpu_seconds);
    lim.frame_max = REPORT_FRAME_MAX;
    buf_init(rec, REPORT_FRAME_MAX);
    rc = sandbox_run(&lim, work, job, NULL, NULL, rec, &end, e);
    if (rc == 0 && end.how != SANDBOX_DONE) {
        snprintf(detail, dsize, "parser: %.200s", end.how == SANDBOX_FAILED ?
                 e->msg : end.reason);
        err_init(e);
        rc = 1;
    }
    return rc;
}

/* 0: a report in r; 1: not one, why in detail; -1: no child (e). */
static int report_read(const struct gateway *g, const struct buf *raw,
                       struct dsn_report *r, char *detail, size_t dsize,
                       struct err *e)
{
    struct report_job job = {raw->data ? raw->data : "", raw->len};
    struct buf rec;
    struct unpack u;
    int rc = report_child(g, report_work, &job, &rec, detail, dsize, e);

    if (rc == 0) {
        unpack_init(&u, rec.data ? rec.data : "", rec.len);
        rc = report_unpack(&u, r);
        if (rc < 0)
            snprintf(detail, dsize, "parser returned garbage");
        else if (rc == 1)
            snprintf(detail, dsize, "%s", r->why);
        rc = rc == 0 ? 0 : 1;
    }
    buf_free(&rec);
    return rc;
}

/* ---- matching and recording ------------------------------------------- */

struct report_tally {
    int64_t row;
    long matched, bouncing;
};

static int report_bounced(struct gateway *g, struct report_tally *t,
                          const struct reports_dsn *d, struct err *e)
{
    char why[ERR_MSG_MAX];
    int k;

    if (d->status[0] != '5')
        return 0;
    k = reports_health_bounce(g->store, d->rcpt, d->status, d->diag,
                              g->conf->bouncing_alerts, e);
    if (k <= 0)
        return k;
    t->bouncing++;
    snprintf(why, sizeof(why), "hard bounces on %ld consecutive alerts, "
             "last %s", g->conf->bouncing_alerts, d->status);
    return audit_add(g->store, d->alert_row, "bouncing", why, d->rcpt, e);
}

/* One recipient of the report: recorded when it names a delivery. */
static int report_rcpt(struct gateway *g, struct report_tally *t,
                       int64_t copy, const struct dsn_rcpt *c, struct err *e)
{
    struct reports_dsn d = {copy, 0, NULL, NULL, c->status, c->diag};
    char text[ERR_MSG_MAX];
    int k = 0;

    if (strcmp(c->action, "failed") == 0)
        d.action = "bounced";
    else if (strcmp(c->action, "delayed") == 0)
        d.action = "delayed";
    if (d.action == NULL || copy == 0)
        return 0;
    if (c->orcpt[0] && (k = outbox_sent_to(g->store, copy, c->orcpt,
                                           &d.alert_row, e)) == 1)
        d.rcpt = c->orcpt;
    else if (k >= 0 && c->final[0] &&
             (k = outbox_sent_to(g->store, copy, c->final, &d.alert_row,
                                 e)) == 1)
        d.rcpt = c->final;
    if (k <= 0)
        return k;
    t->matched++;
    snprintf(text, sizeof(text), "%s %s", c->status[0] ? c->status : "-",
             c->diag);
    if (reports_dsn_add(g->store, t->row, &d, e) != 0 ||
        audit_add_copy(g->store, d.alert_row, d.action, copy, text, d.rcpt,
                       e) != 0)
        return -1;
    return strcmp(d.action, "bounced") == 0 ? report_bounced(g, t, &d, e)
                                             : 0;
}

/* Inside the transaction: every recipient, then the report settled. */
static int report_record(struct gateway *g, int64_t row,
                         const struct dsn_report *r, struct err *e)
{
    struct report_tally t = {row, 0, 0};
    char detail[ERR_MSG_MAX];
    int64_t copy;
    size_t i;

    /* a MAC that does not verify names no copy: nothing matches */
    if (envid_copy(g->store, r->envid, &copy, e) != 0)
        return -1;

    for (i = 0; i < r->n; i++)
        if (report_rcpt(g, &t, copy, &r->rcpt[i], e) != 0)
            return -1;
    snprintf(detail, sizeof(detail), "%ld of %zu recipient(s)%s matched to "
             "envelope id '%s'%s", t.matched, r->n, r->truncated ? " (more "
             "not read)" : "", r->envid, t.bouncing ? ", contact(s) marked "
             "bouncing" : "");
    return reports_settle(g->store, row, t.matched ? "matched" : "unmatched",
                          detail, e);
}

static int report_settle_only(struct gateway *g, int64_t row,
                              const char *state, const char *detail,
                              struct err *e)
{
    int k;

    if (store_begin(g->store, e) != 0)
        return -1;
    k = reports_settle(g->store, row, state, detail, e);
    if (k < 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

static int report_count_attempt(struct gateway *g, int64_t row,
                                struct err *e)
{
    if (store_begin(g->store, e) != 0)
        return -1;
    if (reports_attempt(g->store, row, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

static int report_bounce(struct gateway *g, int64_t row,
                         const struct buf *raw, struct err *e)
{
    struct dsn_report *r = malloc(sizeof(*r));
    char detail[ERR_MSG_MAX];
    int rc, k;

    if (r == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = report_read(g, raw, r, detail, sizeof(detail), e);
    if (rc == 1)
        rc = report_settle_only(g, row, "garbled", detail, e);
    else if (rc == 0 && (rc = store_begin(g->store, e)) == 0) {
        k = report_record(g, row, r, e);
        if (k == 1)
            rc = store_commit(g->store, e);
        else {      /* an error, or another process settled it first */
            store_rollback(g->store);
            rc = k < 0 ? -1 : 0;
        }
    }
    free(r);
    return rc;
}

int report_process(struct gateway *g, int64_t row, struct err *e)
{
    char kind[16], why[64];
    int64_t attempts;
    struct buf raw;
    int rc;

    buf_init(&raw, (size_t)g->conf->max_size + 1);
    rc = reports_load(g->store, row, &raw, kind, sizeof(kind), &attempts, e);
    if (rc == 0 && attempts >= REPORT_ATTEMPTS_MAX) {
        snprintf(why, sizeof(why), "processing failed %lld times",
                 (long long)attempts);
        /* nobody loses a reply: it is forwarded, uncounted */
        rc = strcmp(kind, "reply") == 0 ?
             report_reply_forward(g, row, &raw, why, e) :
             report_settle_only(g, row, "garbled", why, e);
    } else if (rc == 0 && (rc = report_count_attempt(g, row, e)) == 0) {
        if (strcmp(kind, "bounce") == 0)
            rc = report_bounce(g, row, &raw, e);
        else
            rc = report_reply(g, row, &raw, e);
    }
    buf_free(&raw);
    return rc;
}

struct report_pass {
    struct gateway *g;
    long n;
    int failed;
    struct err first;
};

static int report_pending_one(void *arg, int64_t row, struct err *e)
{
    struct report_pass *p = arg;
    struct err one;

    (void)e;
    err_init(&one);
    if (report_process(p->g, row, &one) == 0)
        p->n++;
    else if (!p->failed++)
        p->first = one;
    return 0;
}

int report_pending(struct gateway *g, long *n, struct err *e)
{
    struct report_pass p;

    memset(&p, 0, sizeof(p));
    p.g = g;
    err_init(&p.first);
    if (reports_new_each(g->store, REPORT_PASS_MAX, report_pending_one, &p,
                         e) != 0)
        return -1;
    *n = p.n;
    if (p.failed)
        return err_set(e, p.first.code, "%s", p.first.msg);
    return 0;
}
