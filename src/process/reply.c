/* reply - what reaches the ack address (report.h): read in a sandboxed
 * child (mail/dsn.c's dsn_reply), forwarded unchanged through the outbox
 * to ack_forward (else admin), and counted as an organisation's
 * acknowledgement of an alert when it answers a copy of that alert (its
 * In-Reply-To or References, else its Subject naming the alert id), its
 * From is an active contact of an organisation that alert reached, and
 * nothing says a machine wrote it. A good signature (RFC 3156) by the key
 * pinned for that contact makes the acknowledgement verified: the child
 * cuts the signed entity and the signature out, the parent has GnuPG
 * check them. */
#include "process/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/alerts.h"
#include "db/audit.h"
#include "db/outbox.h"
#include "db/reports.h"
#include "db/store.h"
#include "mail/dsn.h"
#include "mail/pgp.h"
#include "registry/registry.h"
#include "util/limits.h"
#include "util/pack.h"
#include "util/sandbox.h"

struct reply_job {
    const char *raw;
    size_t len;
};

/* The signed entity with CRLF line ends (as RFC 3156 signs it) and the
 * signature, appended to out; both empty when the reply is not signed. */
static int reply_pack_signed(const struct reply_job *job, struct buf *out)
{
    const char *ent = "", *sig = "";
    size_t elen = 0, slen = 0, i;
    struct buf crlf;
    int rc = 0;

    buf_init(&crlf, REPORT_FRAME_MAX / 2);
    if (dsn_signed(job->raw, job->len, &ent, &elen, &sig, &slen) != 0)
        elen = slen = 0;
    for (i = 0; rc == 0 && i < elen; i++) {
        if (ent[i] == '\n' && (i == 0 || ent[i - 1] != '\r'))
            rc = buf_putc(&crlf, '\r');
        if (rc == 0)
            rc = buf_putc(&crlf, ent[i]);
    }
    if (rc == 0)
        rc = pack_put(out, crlf.data ? crlf.data : "", crlf.len) |
             pack_put(out, sig, slen);
    buf_free(&crlf);
    return rc;
}

static int reply_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                      struct err *e)
{
    const struct reply_job *job = arg;
    struct dsn_reply *r = malloc(sizeof(*r));
    size_t i;
    int rc;

    (void)ch;
    if (r == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    dsn_reply(job->raw, job->len, r);
    rc = pack_puts(out, r->from) | pack_puts(out, r->msgid) |
         pack_puts(out, r->subject) | pack_puts(out, r->automatic) |
         pack_u32(out, (uint32_t)r->is_signed) |
         pack_u32(out, (uint32_t)r->nrefs);
    for (i = 0; rc == 0 && i < r->nrefs; i++)
        rc = pack_puts(out, r->refs[i]);
    if (rc == 0)
        rc = reply_pack_signed(job, out);
    free(r);
    return rc != 0 ? err_set(e, ERR_NOMEM, "reply record too large") : 0;
}

/* What GnuPG says of the reply's signature: valid and whose. */
struct reply_sig {
    int valid;
    char fpr[PGP_FPR_MAX];
};

static int reply_unpack(struct unpack *u, struct dsn_reply *r,
                        const char **ent, size_t *elen, const char **sig,
                        size_t *slen)
{
    size_t i;

    memset(r, 0, sizeof(*r));
    unpack_fixed(u, r->from, sizeof(r->from));
    unpack_fixed(u, r->msgid, sizeof(r->msgid));
    unpack_fixed(u, r->subject, sizeof(r->subject));
    unpack_fixed(u, r->automatic, sizeof(r->automatic));
    r->is_signed = unpack_u32(u) != 0;
    r->nrefs = unpack_u32(u);
    if (r->nrefs > DSN_REFS_MAX)
        return -1;
    for (i = 0; i < r->nrefs; i++)
        unpack_fixed(u, r->refs[i], sizeof(r->refs[i]));
    *ent = unpack_bytes(u, elen);
    *sig = unpack_bytes(u, slen);
    return unpack_done(u) ? 0 : -1;
}

/* GnuPG's verdict on a signed reply (none: not valid). Its failure to run
 * is an error: the reply waits for the worker rather than go uncounted. */
static int reply_verify(struct gateway *g, const char *ent, size_t elen,
                        const char *sig, size_t slen, struct reply_sig *rs,
                        struct err *e)
{
    struct pgp_verdict v;

    memset(rs, 0, sizeof(*rs));
    if (elen == 0 || slen == 0)
        return 0;
    memset(&v, 0, sizeof(v));
    if (gateway_pgp(g, e) != 0 ||
        pgp_verify_detached(g->pgp, ent, elen, sig, slen, &v, e) != 0)
        return -1;
    rs->valid = v.valid && v.fpr[0];
    snprintf(rs->fpr, sizeof(rs->fpr), "%s", v.fpr);
    return 0;
}

/* 0: r filled; 1: the child failed (why in detail: forwarded, not
 * counted); -1: no child. */
static int reply_read(struct gateway *g, const struct buf *raw,
                      struct dsn_reply *r, struct reply_sig *rs,
                      char *detail, size_t dsize, struct err *e)
{
    const char *ent = NULL, *sig = NULL;
    size_t elen = 0, slen = 0;
    struct reply_job job = {raw->data ? raw->data : "", raw->len};
    char why[ERR_MSG_MAX];
    struct buf rec;
    struct unpack u;
    int rc = report_child(g, reply_work, &job, &rec, why, sizeof(why), e);

    if (rc == 1) {
        snprintf(detail, dsize, "not counted: %.220s", why);
    } else if (rc == 0) {
        unpack_init(&u, rec.data ? rec.data : "", rec.len);
        if (reply_unpack(&u, r, &ent, &elen, &sig, &slen) != 0) {
            snprintf(detail, dsize, "not counted: parser returned garbage");
            rc = 1;
        } else if (r->is_signed)
            rc = reply_verify(g, ent, elen, sig, slen, rs, e);
    }
    buf_free(&rec);
    return rc;
}

/* ---- which alert ------------------------------------------------------- */

/* The first PREFIX-YYYYMMDD-N... of subject into id; 0 when found. */
static int reply_subject_id(const char *subject, const char *prefix,
                            char id[ALERT_ID_MAX])
{
    size_t pl = strlen(prefix), i, d;
    const char *p = subject;

    while (pl > 0 && (p = strstr(p, prefix)) != NULL) {
        const char *q = p + pl;

        p++;
        if (q[0] != '-')
            continue;
        for (i = 1; i <= 8 && isdigit((unsigned char)q[i]); i++)
            ;
        if (i != 9 || q[9] != '-')
            continue;
        for (d = 10; d < 14 && isdigit((unsigned char)q[d]); d++)
            ;
        if (d == 10 || isdigit((unsigned char)q[d]) ||
            pl + d >= ALERT_ID_MAX)
            continue;
        snprintf(id, ALERT_ID_MAX, "%.*s", (int)(pl + d), p - 1);
        return 0;
    }
    return -1;
}

/* The alert row the reply answers: 1, 0 when none, -1. */
static int reply_alert(struct gateway *g, const struct dsn_reply *r,
                       int64_t *row, struct err *e)
{
    char msgid[DSN_MSGID_MAX + 3], id[ALERT_ID_MAX];
    size_t i;
    int k;

    for (i = 0; i < r->nrefs; i++) {
        snprintf(msgid, sizeof(msgid), "<%s>", r->refs[i]);
        if ((k = outbox_alert_of_msgid(g->store, msgid, row, e)) != 0)
            return k;
    }
    if (reply_subject_id(r->subject, g->conf->alert_prefix, id) != 0)
        return 0;
    return alerts_row_of_id(g->store, id, row, e);
}

/* ---- forward, count, settle -------------------------------------------- */

static int reply_forward(struct gateway *g, int64_t row, int64_t alert_row,
                         const struct buf *raw, struct err *e)
{
    const char *to = g->conf->ack_forward[0] ? g->conf->ack_forward
                                             : g->conf->admin;
    char label[128];
    int64_t copy;

    /* the message goes as it came; this id only names the stored copy */
    snprintf(label, sizeof(label), "<reply-%lld.%s>", (long long)row,
             g->conf->domain);
    if (outbox_copy_add(g->store, alert_row, 0, "forward", label,
                        raw->data ? raw->data : "", raw->len, &copy, e) != 0)
        return -1;
    return outbox_add(g->store, copy, to, e);
}

/* Whether r counts, and as whose acknowledgement: the detail says. */
static int reply_count(struct gateway *g, int64_t row,
                       const struct dsn_reply *r, const struct reply_sig *rs,
                       int64_t alert_row, char *detail, size_t dsize,
                       struct err *e)
{
    int verified;
    char fpr[128], id[ALERT_ID_MAX] = "", text[ERR_MSG_MAX];
    int64_t org;
    int k;

    if (alerts_get_alert_id(g->store, alert_row, id, sizeof(id), e) < 0)
        return -1;
    k = registry_contact_org(g->store, r->from, &org, fpr, sizeof(fpr), e);
    if (k <= 0) {
        snprintf(detail, dsize, "not counted: %s answers %s but is no "
                 "active contact of an organisation", r->from, id);
        return k;
    }
    verified = rs->valid && fpr[0] && strcasecmp(rs->fpr, fpr) == 0;
    k = reports_ack_add(g->store, alert_row, org, r->from, verified, row, e);
    if (k < 0)
        return -1;
    if (k == 0) {
        snprintf(detail, dsize, "not counted: %s counted before for %s, or "
                 "its organisation got no copy", r->from, id);
        return 0;
    }
    snprintf(detail, dsize, "counted: %s acknowledges %s%s", r->from, id,
             verified ? " (verified)" : "");
    snprintf(text, sizeof(text), "%s (%s)", id, verified ? "verified" :
             "unverified");
    return audit_add(g->store, alert_row, "acknowledged", text, r->from, e);
}

static int reply_record(struct gateway *g, int64_t row,
                        const struct buf *raw, const struct dsn_reply *r,
                        const struct reply_sig *rs, char *detail,
                        size_t dsize, struct err *e)
{
    int64_t alert_row = 0;
    int k = 0;

    if (r != NULL && (k = reply_alert(g, r, &alert_row, e)) < 0)
        return -1;
    if (reply_forward(g, row, k == 1 ? alert_row : 0, raw, e) != 0)
        return -1;
    if (r == NULL)
        ;       /* detail says why already */
    else if (r->automatic[0])
        snprintf(detail, dsize, "not counted: written by a machine (%s)",
                 r->automatic);
    else if (k == 0)
        snprintf(detail, dsize, "not counted: answers no alert");
    else if (reply_count(g, row, r, rs, alert_row, detail, dsize, e) != 0)
        return -1;
    return reports_settle(g->store, row, "forwarded", detail, e);
}

int report_reply_forward(struct gateway *g, int64_t row,
                         const struct buf *raw, const char *why,
                         struct err *e)
{
    char detail[ERR_MSG_MAX];
    int k;

    snprintf(detail, sizeof(detail), "not counted: %s", why);
    if (store_begin(g->store, e) != 0)
        return -1;
    k = reply_record(g, row, raw, NULL, NULL, detail, sizeof(detail), e);
    if (k == 1)
        return store_commit(g->store, e);
    store_rollback(g->store);
    return k < 0 ? -1 : 0;
}

int report_reply(struct gateway *g, int64_t row, const struct buf *raw,
                 struct err *e)
{
    struct dsn_reply *r = malloc(sizeof(*r));
    char detail[ERR_MSG_MAX] = "";
    struct reply_sig rs;
    int rc, k;

    if (r == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    memset(&rs, 0, sizeof(rs));
    rc = reply_read(g, raw, r, &rs, detail, sizeof(detail), e);
    if (rc >= 0 && store_begin(g->store, e) == 0) {
        k = reply_record(g, row, raw, rc == 0 ? r : NULL, &rs, detail,
                         sizeof(detail), e);
        if (k == 1)
            rc = store_commit(g->store, e);
        else {      /* an error, or another process settled it first */
            store_rollback(g->store);
            rc = k < 0 ? -1 : 0;
        }
    } else
        rc = -1;
    free(r);
    return rc;
}
