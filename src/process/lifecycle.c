#include "process/lifecycle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/alerts.h"
#include "db/audit.h"
#include "db/outbox.h"
#include "process/mailout.h"
#include "process/process.h"
#include "registry/registry.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/rowlock.h"
#include "util/text.h"

static const char *lifecycle_skip_blank(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

enum lifecycle_verb lifecycle_command(const char *body, const char *prefix,
                                      char id[ALERT_ID_MAX])
{
    static const struct {
        const char *word;
        enum lifecycle_verb verb;
    } verbs[] = {{"release", LIFECYCLE_RELEASE}, {"cancel", LIFECYCLE_CANCEL}};
    const char *p = lifecycle_skip_blank(body), *end;
    char line[LIFECYCLE_LINE_MAX];
    size_t i, n, len;

    end = strchr(p, '\n');
    len = end ? (size_t)(end - p) : strlen(p);
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    if (len == 0 || len >= sizeof(line))
        return LIFECYCLE_NONE;
    memcpy(line, p, len);
    line[len] = '\0';
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        n = strlen(verbs[i].word);
        if (strncasecmp(line, verbs[i].word, n) != 0 ||
            !isspace((unsigned char)line[n]))
            continue;
        p = lifecycle_skip_blank(line + n);
        /* the rest of the line is the id and nothing else */
        if (alert_find_id(p, prefix, id, ALERT_ID_MAX) &&
            strcmp(p, id) == 0)
            return verbs[i].verb;
    }
    return LIFECYCLE_NONE;
}

int lifecycle_officer_email(struct gateway *g, const char *signer, char *out,
                            size_t n, struct err *e)
{
    return registry_officer_email(g->store, signer, out, n, e);
}

static int lifecycle_audit(struct gateway *g, int64_t row, const char *event,
                           const char *detail, struct err *e)
{
    return audit_add(g->store, row, event, detail, NULL, e);
}

static int receipt_list(void *arg, const char *list, const char *outcome,
                        int64_t recipients, const char *reason,
                        struct err *e)
{
    struct buf *b = arg;
    int rc;

    if (strcmp(outcome, "withheld") == 0)
        rc = buf_printf(b, "  %-16s withheld: %s\n", list, reason);
    else
        rc = buf_printf(b, "  %-16s %s: 1 signed copy for %lld "
                        "recipients%s%s\n", list,
                        strcmp(outcome, "queued") == 0 ? "queued"
                        : "awaiting release", (long long)recipients,
                        *reason ? "; " : "", reason);
    return rc != 0 ? err_set(e, ERR_TOOBIG, "receipt too long") : 0;
}

/* One line per list: "  nren       queued: 2 recipients". */
static int receipt_lists(struct gateway *g, int64_t row, struct buf *b,
                         struct err *e)
{
    return alerts_outcomes_each(g->store, row, receipt_list, b, e) != 0
           ? -1 : 0;
}

static int receipt_note(void *arg, const char *detail, const char *rcpt,
                        struct err *e)
{
    if (buf_printf(arg, "Note: %s.\n", detail) != 0)
        return err_set(e, ERR_TOOBIG, "receipt too long");
    return 0;
}

/* What processing noted about the mail itself (an outer Subject that was
 * ignored), one line each. */
static int receipt_notes(struct gateway *g, int64_t row, struct buf *body,
                         struct err *e)
{
    return audit_each(g->store, row, "outer-subject-ignored", receipt_note,
                      body, e) != 0 ? -1 : 0;
}

static int receipt_affected_one(void *arg, const char *site,
                                const char *address, const char *outcome,
                                const char *why, struct err *e)
{
    struct buf *b = arg;
    int rc;

    if (b->len == 0 &&
        buf_puts(b, "\nAffected audience (the sites this alert names):\n"))
        return err_set(e, ERR_TOOBIG, "receipt too long");
    rc = strcmp(outcome, "no-contact") == 0
         ? buf_printf(b, "  %s: coverage problem: %s\n", site, why)
         : address[0] ? buf_printf(b, "  %s: %s %s (%s)\n", site, address,
                                   strcmp(outcome, "added") == 0
                                   ? "added" : "not added", why)
         : buf_printf(b, "  %s: %s (%s)\n", site, outcome, why);
    return rc != 0 ? err_set(e, ERR_TOOBIG, "receipt too long") : 0;
}

/* The affected audience (issue 19): each site named, who it added and
 * why, who already had the whole alert, a site excluded, a site with no
 * contact (a coverage problem). Nothing when there was none. */
static int receipt_affected(struct gateway *g, int64_t row, struct buf *body,
                            struct err *e)
{
    struct buf part;
    int rc;

    buf_init(&part, LIFECYCLE_BODY_MAX);
    rc = alerts_affected_each(g->store, row, receipt_affected_one, &part, e);
    if (rc == 0 && part.len && buf_append(body, part.data, part.len) != 0)
        rc = err_set(e, ERR_TOOBIG, "receipt too long");
    buf_free(&part);
    return rc != 0 ? -1 : 0;
}

/* The lists that got a copy, and those of them that reached nobody: a
 * warning line each. */
struct receipt_reach {
    struct buf *warn;
    int lists, empty;
};

static int receipt_reach_one(void *arg, const char *list,
                             const char *outcome, int64_t recipients,
                             const char *reason, struct err *e)
{
    struct receipt_reach *r = arg;

    (void)reason;
    if (strcmp(outcome, "withheld") == 0)
        return 0;
    r->lists++;
    if (recipients > 0)
        return 0;
    r->empty++;
    if (buf_printf(r->warn, "Warning: list %s reached nobody (it has no "
                   "recipients).\n", list) != 0)
        return err_set(e, ERR_TOOBIG, "receipt too long");
    return 0;
}

/* What the Subject says the alert became. */
static void receipt_subject(const struct alerts_summary *a,
                            const struct receipt_reach *r, char *out,
                            size_t n)
{
    char what[64];

    if (strcmp(a->state, "queued") != 0)
        snprintf(what, sizeof(what), "not distributed");
    else if (r->lists > 0 && r->empty == r->lists)
        snprintf(what, sizeof(what), "reached nobody");
    else if (r->empty > 0)
        snprintf(what, sizeof(what), "distributed; %d list%s reached nobody",
                 r->empty, r->empty == 1 ? "" : "s");
    else
        snprintf(what, sizeof(what), "distributed");
    snprintf(out, n, "Receipt: %s %s (%s)", a->alert_id, what, a->tlp);
}

int lifecycle_receipt_queue(struct gateway *g, int64_t row, struct err *e)
{
    struct alerts_summary a;
    char to[REGISTRY_ADDR_MAX + 1], subject[ALERT_ID_MAX + 128], upd[32];
    struct buf body, warn;
    struct receipt_reach reach = {&warn, 0, 0};
    int rc = -1;

    if (alerts_summary(g->store, row, &a, e) != 0 ||
        lifecycle_officer_email(g, a.signer, to, sizeof(to), e) != 0)
        return -1;
    if (to[0] == '\0')
        return lifecycle_audit(g, row, "receipt", "not sent: the signer has "
                               "no officer address", e);
    upd[0] = '\0';
    if (a.update_no > 0)
        snprintf(upd, sizeof(upd), ", update %lld", (long long)a.update_no);
    buf_init(&body, LIFECYCLE_BODY_MAX);
    buf_init(&warn, LIFECYCLE_BODY_MAX);
    if (alerts_outcomes_each(g->store, row, receipt_reach_one, &reach,
                             e) != 0)
        goto out;
    receipt_subject(&a, &reach, subject, sizeof(subject));
    if (buf_printf(&body, "Alert %s (%s%s), received as alert #%lld, "
                   "signed by %s.\n%s%s%s%s\nPer list:\n", a.alert_id,
                   a.tlp, upd, (long long)row, a.signer,
                   a.reason[0] ? "State: " : "", a.reason,
                   a.reason[0] ? "\n" : "", buf_cstr(&warn)) != 0) {
        err_set(e, ERR_TOOBIG, "receipt too long");
        goto out;
    }
    if (receipt_notes(g, row, &body, e) != 0 ||
        receipt_lists(g, row, &body, e) != 0 ||
        receipt_affected(g, row, &body, e) != 0 ||
        buf_puts(&body, "\nEach queued copy is delivered by the gateway's "
                 "worker; `alertgw audit` shows\nper-recipient outcomes.\n")
        != 0)
        goto out;
    rc = mailout_notice(g, row, "receipt", to, subject, buf_cstr(&body), e);
out:
    buf_free(&warn);
    buf_free(&body);
    return rc;
}

int lifecycle_preview_queue(struct gateway *g, int64_t row,
                            const struct lifecycle_preview *p,
                            struct err *e)
{
    char subject[ALERT_ID_MAX + REGISTRY_NAME_MAX + 64];
    struct buf body;
    int rc = -1;

    snprintf(subject, sizeof(subject), "Release needed: %s to list %s",
             p->alert_id, p->list);
    buf_init(&body, LIFECYCLE_PREVIEW_MAX);
    if (buf_printf(&body, "Alert %s is held: its distribution requires "
                   "release by an officer.\nBelow is the exact text list "
                   "\"%s\" (%ld recipients) will get.\n\nTo send it to every "
                   "list, send a signed mail to %s (the\nReply-To of this "
                   "message) whose body is\n\n    release %s\n\nor run "
                   "`alertgw release %s` on the gateway host. To drop it: "
                   "\"cancel %s\".\n\n----- copy for list %s -----\n",
                   p->alert_id, p->list, p->recipients, p->dist, p->alert_id,
                   p->alert_id, p->alert_id, p->list) != 0 ||
        buf_puts(&body, p->text) != 0) {
        err_set(e, ERR_TOOBIG, "preview too long");
        goto out;
    }
    rc = mailout_notice_reply(g, row, "preview", p->to, p->dist, subject,
                              buf_cstr(&body), e);
out:
    buf_free(&body);
    return rc;
}

/* What the officer can do about a quarantine, by its reason. */
static const char *quarantine_advice(const char *reason)
{
    static const struct {
        const char *starts, *advice;
    } rows[] = {
        {"signature older", "Sign the alert again now and send it again "
         "(a signature is accepted for max_signature_age only)."},
        {"signature made in the future", "Check your computer's clock, "
         "then sign the alert again and send it again."},
        {"From ", "Send it from the address and display name of a user ID "
         "of your key (not from a shared duty mailbox), or have the "
         "gateway's admins fix your key or officer entry."},
        {"From does not name", "Send it with one From address, the one of "
         "a user ID of your key."},
    };
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (strncmp(reason, rows[i].starts, strlen(rows[i].starts)) == 0)
            return rows[i].advice;
    return "Fix what the reason names and send the alert again, signed.";
}

int lifecycle_quarantine_queue(struct gateway *g, int64_t row,
                               const char *officer, const char *reason,
                               int *told, struct err *e)
{
    char to[REGISTRY_ADDR_MAX + 1], subject[96], why[ERR_MSG_MAX];
    struct buf body;
    int rc = -1;

    *told = 0;
    if (lifecycle_officer_email(g, officer, to, sizeof(to), e) != 0)
        return -1;
    if (to[0] == '\0')
        return lifecycle_audit(g, row, "officer-not-told", "the officer "
                               "whose signature it carries has no "
                               "registered address", e);
    /* the reason may quote the mail's From: printable ASCII only */
    text_show(reason, strlen(reason), why, sizeof(why));
    snprintf(subject, sizeof(subject), "Quarantined: your mail #%lld was not "
             "distributed", (long long)row);
    buf_init(&body, LIFECYCLE_BODY_MAX);
    if (buf_printf(&body, "A mail carrying your good signature (key %s) was "
                   "received as alert #%lld\nand quarantined: it will not "
                   "be distributed.\n\nReason: %s\n\nWhat to do: %s\n\n"
                   "If the fix is the gateway's (your key or officer entry), "
                   "its admins can\nrun the stored mail again through the "
                   "same checks: `alertgw alerts retry %lld`.\n", officer,
                   (long long)row, why, quarantine_advice(reason),
                   (long long)row) != 0) {
        err_set(e, ERR_TOOBIG, "notice too long");
        goto out;
    }
    rc = mailout_notice(g, row, "notice", to, subject, buf_cstr(&body), e);
    if (rc == 0)
        *told = 1;
out:
    buf_free(&body);
    return rc;
}

/* Why row cannot be retried. */
static int retry_refused(struct gateway *g, int64_t row, struct err *e)
{
    struct alerts_summary a;

    if (alerts_summary(g->store, row, &a, e) != 0)
        return -1;
    if (strcmp(a.state, "held") == 0)
        return err_set(e, ERR_DATA, "alert row %lld is held with copies or "
                       "outcomes stored (%.300s): nothing to retry; release "
                       "or cancel it", (long long)row, a.reason);
    return err_set(e, ERR_DATA, "alert row %lld is %s%s%.300s%s: only a "
                   "quarantined or held alert is retried", (long long)row,
                   a.state, a.reason[0] ? " (" : "", a.reason,
                   a.reason[0] ? ")" : "");
}

static int lifecycle_retry_locked(struct gateway *g, int64_t row,
                                  const char *by, struct process_result *r,
                                  struct err *e)
{
    struct alerts_summary a;
    char why[ERR_MSG_MAX];
    int n;

    if (store_begin(g->store, e) != 0)
        return -1;
    if (alerts_summary(g->store, row, &a, e) != 0)
        goto fail;
    snprintf(why, sizeof(why), "by %s; was %s: %.400s", by, a.state,
             a.reason);
    n = alerts_retry_reset(g->store, row, e);
    if (n < 0)
        goto fail;
    if (n == 0) {
        retry_refused(g, row, e);
        goto fail;
    }
    if (lifecycle_audit(g, row, "retried", why, e) != 0 ||
        store_commit(g->store, e) != 0)
        goto fail;
    return process_alert(g, row, r, e);
fail:
    store_rollback(g->store);
    return -1;
}

/* The alert's processing lock is taken before it is made new again, so
 * that the worker, which takes every new alert whose lock is free, cannot
 * process it at the same time. */
int lifecycle_retry(struct gateway *g, int64_t row, const char *by,
                    struct process_result *r, struct err *e)
{
    int fd = -1, got, rc;

    got = process_lock_alert(g, row, &fd, e);
    if (got < 0)
        return -1;
    if (got == 0)
        return err_set(e, ERR_TEMP, "alert row %lld is being processed by "
                       "another process; try again", (long long)row);
    rc = lifecycle_retry_locked(g, row, by, r, e);
    rowlock_release(&fd);
    return rc;
}

/* What a release queues: alert row's held copies; own: the copies a
 * recipient owns (encrypted for them), sorted. */
struct release {
    struct gateway *g;
    int64_t row;
    int64_t *own;
    size_t n, cap;
};

/* Queued if that address is still on the copy's list. */
static int release_own_one(void *arg, int64_t copy, const char *rcpt,
                           struct err *e)
{
    const struct release *r = arg;

    return outbox_add_member(r->g->store, r->row, copy, rcpt, e);
}

/* A recipient's own message of a held alert (an encrypted copy, or the
 * notice that an 'always' list withheld it) was stored at processing with
 * an audit row naming recipient and copy (commit.c commit_own): queued
 * if that address is still on the list. */
static int release_own(struct release *r, struct err *e)
{
    if (audit_copies_each(r->g->store, r->row, "copy-encrypted",
                          release_own_one, r, e) != 0 ||
        audit_copies_each(r->g->store, r->row, "copy-withheld",
                          release_own_one, r, e) != 0)
        return -1;
    return 0;
}

static int release_owned(void *arg, int64_t copy, const char *rcpt,
                         struct err *e)
{
    struct release *r = arg;
    int64_t *v;

    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        if ((v = realloc(r->own, r->cap * sizeof(*v))) == NULL)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->own = v;
    }
    r->own[r->n++] = copy;
    return 0;
}

static int release_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* The list copy of list: to the list's recipients as they are now, except
 * those queued their own message of this alert and list above. */
static int release_shared_one(void *arg, int64_t copy, int64_t list,
                              struct err *e)
{
    const struct release *r = arg;

    if (r->n && bsearch(&copy, r->own, r->n, sizeof(*r->own), release_cmp))
        return 0;
    if (list == 0)      /* the affected audience's whole copy */
        return outbox_add_affected_rest(r->g->store, r->row, copy, e);
    return outbox_add_list_rest(r->g->store, r->row, copy, list, e);
}

/* The list copy (the copy row no recipient owns: no copy-encrypted audit
 * row names it) goes to the list's recipients as they are now, except
 * those queued their own message above; a list that encrypts always never
 * sends it (someone who joined after processing gets nothing of this
 * alert). */
static int release_shared(struct release *r, struct err *e)
{
    if (audit_copies_each(r->g->store, r->row, "copy-encrypted",
                          release_owned, r, e) != 0)
        return -1;
    if (r->n)
        qsort(r->own, r->n, sizeof(*r->own), release_cmp);
    return outbox_list_copies_each(r->g->store, r->row, release_shared_one,
                                   r, e) != 0 ? -1 : 0;
}

/* Queue every held copy of row to its list's recipients as they are now. */
static int decide_release(struct gateway *g, int64_t row, struct err *e)
{
    struct release r = {g, row, NULL, 0, 0};
    int rc = release_own(&r, e) == 0 && release_shared(&r, e) == 0 ? 0 : -1;

    free(r.own);
    if (rc != 0 || alerts_released(g->store, row, e) != 0)
        return -1;
    return 0;
}

static int decide_cancel(struct gateway *g, int64_t row, const char *who,
                         struct err *e)
{
    char why[ERR_MSG_MAX];

    snprintf(why, sizeof(why), "cancelled by %s", who);
    return alerts_cancelled(g->store, row, why, e);
}

/* Why nothing awaits release under id: decided before (ERR_DUP), an
 * alert in another state (ERR_DATA: it exists, 65), or no alert of that
 * id at all (ERR_NOUSER, 67). */
static int decide_none(struct gateway *g, const struct lifecycle_decision *d,
                       struct err *e)
{
    const char *id = d->alert_id;
    char state[16], reason[ERR_MSG_MAX];
    int rc = alerts_release_last(g->store, id, state, sizeof(state), e);

    if (rc == 1)
        return err_set(e, ERR_DUP, "%s was already %s", id, state);
    if (rc == 0)
        rc = alerts_id_state(g->store, id, state, sizeof(state), reason,
                             sizeof(reason), e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_set(e, ERR_NOUSER, "no alert %s", id);
    if (strcmp(state, "held") == 0)   /* only a release gets here */
        return err_set(e, ERR_DATA, "%s is held, not awaiting release "
                       "(%.300s): nothing can release it; `cancel %s` "
                       "drops it", id, reason, id);
    return err_set(e, ERR_DATA, "%s is %s%s%.300s%s: nothing awaits release",
                   id, state, reason[0] ? " (" : "", reason,
                   reason[0] ? ")" : "");
}

/* A mail command signed before when: a replay of an older decision. */
static int decide_replay(const struct lifecycle_decision *d, int64_t when,
                         struct err *e)
{
    if (d->signed_at && (int64_t)d->signed_at < when)
        return err_set(e, ERR_NOPERM, "the %s of %s was signed before the "
                       "alert was held: a replay", d->verb ==
                       LIFECYCLE_RELEASE ? "release" : "cancel", d->alert_id);
    return 0;
}

/* Cancel an alert held for good (every list withheld it: TLP:RED; or its
 * copies failed): nothing was ever queued, so the cancellation only
 * records its end, once (a 'cancelled' release row), and tells the
 * signer. */
static int decide_held(struct gateway *g, const struct lifecycle_decision *d,
                       int64_t row, int64_t received, struct err *e)
{
    char who[PGP_FPR_MAX + 32], why[ERR_MSG_MAX];

    snprintf(who, sizeof(who), "%s (%s)", d->by, d->via);
    snprintf(why, sizeof(why), "cancelled by %s", who);
    if (decide_replay(d, received, e) != 0 ||
        alerts_held_cancel(g->store, row, d->by, d->via, why, e) != 0 ||
        lifecycle_audit(g, row, "cancelled", who, e) != 0)
        return -1;
    return lifecycle_receipt_queue(g, row, e);
}

/* Cancel every alert held for good under d->alert_id; *n counts them. */
static int decide_held_all(struct gateway *g,
                           const struct lifecycle_decision *d, long *n,
                           struct err *e)
{
    int64_t row = 0, received = 0;

    for (;;) {
        if (alerts_held_next(g->store, d->alert_id, &row, &received, e) != 0)
            return -1;
        if (row == 0)
            return 0;
        if (decide_held(g, d, row, received, e) != 0)
            return -1;
        (*n)++;
    }
}

/* The previews of a decided alert that the worker has not sent yet are
 * moot (and their "release ID" a trap): dropped, and the audit says so. */
static int decide_previews(struct gateway *g, int64_t row, const char *who,
                           const char *verb, struct err *e)
{
    char why[ERR_MSG_MAX];
    int64_t n = 0;

    if (outbox_previews_drop(g->store, row, &n, e) != 0)
        return -1;
    if (n == 0)
        return 0;
    snprintf(why, sizeof(why), "%lld preview%s not sent: %s by %s before "
             "the worker sent %s", (long long)n, n == 1 ? "" : "s", verb,
             who, n == 1 ? "it" : "them");
    return lifecycle_audit(g, row, "preview-dropped", why, e);
}

static int decide_one(struct gateway *g, const struct lifecycle_decision *d,
                      int64_t row, struct err *e)
{
    char who[PGP_FPR_MAX + 32];
    int64_t requested = 0;
    int n;

    snprintf(who, sizeof(who), "%s (%s)", d->by, d->via);
    if (alerts_release_requested(g->store, row, &requested, e) != 0)
        return -1;
    if (decide_replay(d, requested, e) != 0)
        return -1;
    n = alerts_release_decide(g->store, row, d->verb == LIFECYCLE_RELEASE ?
                              "released" : "cancelled", d->by, d->via, e);
    if (n < 0)
        return -1;
    if (n != 1)
        return err_set(e, ERR_DUP, "%s was already decided", d->alert_id);
    if ((d->verb == LIFECYCLE_RELEASE ? decide_release(g, row, e)
                                      : decide_cancel(g, row, who, e)) != 0 ||
        lifecycle_audit(g, row, d->verb == LIFECYCLE_RELEASE ? "released"
                        : "cancelled", who, e) != 0 ||
        decide_previews(g, row, who, d->verb == LIFECYCLE_RELEASE ?
                        "released" : "cancelled", e) != 0)
        return -1;
    return lifecycle_receipt_queue(g, row, e);
}

/* The command mail's own row: what it did. */
static int decide_record(struct gateway *g, const struct lifecycle_decision *d,
                         long n, struct err *e)
{
    char why[ERR_MSG_MAX];

    snprintf(why, sizeof(why), "%s %s (%ld alert%s)", d->verb ==
             LIFECYCLE_RELEASE ? "released" : "cancelled", d->alert_id, n,
             n == 1 ? "" : "s");
    if (alerts_command_done(g->store, d->command_row, why, d->alert_id, d->by,
                            d->verb == LIFECYCLE_RELEASE ? "release"
                            : "cancel", e) != 0)
        return -1;
    return lifecycle_audit(g, d->command_row, "command", why, e);
}

int lifecycle_decide(struct gateway *g, const struct lifecycle_decision *d,
                     long *n, struct err *e)
{
    int64_t row = 0;

    *n = 0;
    if (store_begin(g->store, e) != 0)
        return -1;
    for (;;) {
        if (alerts_release_next(g->store, d->alert_id, &row, e) != 0)
            goto fail;
        if (row == 0)
            break;
        if (decide_one(g, d, row, e) != 0)
            goto fail;
        (*n)++;
    }
    if (d->verb == LIFECYCLE_CANCEL && decide_held_all(g, d, n, e) != 0)
        goto fail;
    if (*n == 0) {
        decide_none(g, d, e);
        goto fail;
    }
    if (d->command_row && decide_record(g, d, *n, e) != 0)
        goto fail;
    return store_commit(g->store, e);
fail:
    store_rollback(g->store);
    return -1;
}
