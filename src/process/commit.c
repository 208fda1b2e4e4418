/*
 * commit - one transaction that stores what processing made of an alert:
 * its placeholders, every list's copy and each encrypting list's own
 * messages, the outbox rows (none while it awaits release), the lists'
 * outcomes, the alert's verdict and the officer's receipt or previews.
 * All of it or nothing: another process that finished the alert first
 * makes this one store nothing (ERR_DUP, process_claim).
 */
#include "process/process_int.h"

#include <string.h>

#include "db/alerts.h"
#include "db/audit.h"
#include "db/outbox.h"
#include "process/lifecycle.h"
#include "registry/registry.h"
#include "util/fault.h"

static int commit_pseudonyms(struct gateway *g, const char *alert_id,
                             const struct anon_map *map, struct err *e)
{
    const char *cls, *orig, *ph;
    size_t i;

    for (i = 0; anon_map_get(map, i, &cls, &orig, &ph) == 0; i++)
        if (alerts_pseudonym_add(g->store, alert_id, cls, orig, ph, e) != 0)
            return -1;
    return 0;
}

/* The list's registry as commit sees it must be the one its recipients
 * were classified from: a contact added, removed or re-keyed meanwhile
 * would be sent the wrong form, or nothing. Transient: the next pass
 * classifies again. */
static int commit_same_rcpts(struct gateway *g, const struct plist *l,
                             const struct pcopy *cp, struct err *e)
{
    struct store_stmt *st;
    size_t i = 0;
    int rc = 0, same = 1;

    if (encrypt_rcpts(g, l, &st, e) != 0)
        return -1;
    while (same && (rc = store_step(st, e)) == 1) {
        same = i < cp->nrcpts &&
               strcmp(cp->rcpts[i].address, store_col_text(st, 0)) == 0 &&
               strcmp(cp->rcpts[i].fpr, store_col_text(st, 1)) == 0;
        i++;
    }
    store_finalize(st);
    if (same && rc < 0)
        return -1;
    if (!same || i != cp->nrcpts)
        return err_set(e, ERR_TEMP, "the recipients of list %s changed "
                       "while its copies were encrypted", l->name);
    return 0;
}

static int commit_insert_copy(struct gateway *g, int64_t row, int64_t list,
                              const char *kind, const char *msgid,
                              const struct buf *msg, int64_t *id,
                              struct err *e)
{
    return outbox_copy_add(g->store, row, list, kind, msgid, msg->data,
                           msg->len, id, e);
}

static int commit_outbox(struct gateway *g, int64_t copy, const char *rcpt,
                         struct err *e)
{
    return outbox_add(g->store, copy, rcpt, e);
}

/* A recipient's own message: an encrypted copy (kind 'copy', the list
 * copy's Message-ID, so that updates thread for everyone) or a withheld
 * notice. The audit row names the recipient and the copy: a release
 * (lifecycle.c decide_release) queues it from there. */
static int commit_own(struct gateway *g, int64_t row, const struct plist *l,
                      const struct pcopy *cp, const struct prcpt *r,
                      int hold, struct err *e)
{
    int enc = r->how == RCPT_ENCRYPTED;
    char text[ERR_MSG_MAX + 32];
    int64_t id;

    if (commit_insert_copy(g, row, l->id, enc ? "copy" : "notice",
                           enc ? cp->msgid : r->msgid, &r->msg, &id, e) != 0)
        return -1;
    if (enc)
        snprintf(text, sizeof(text), "encrypted to %s", r->fpr);
    else
        snprintf(text, sizeof(text), "withheld notice: %s", r->why);
    if (audit_add_copy(g->store, row, enc ? "copy-encrypted"
                       : "copy-withheld", id, text, r->address, e) != 0)
        return -1;
    return hold ? 0 : commit_outbox(g, id, r->address, e);
}

/* Store the list copy and, for an encrypting list, each recipient's own
 * message; queue them unless held. *n: recipients who get the content. */
static int commit_copy(struct gateway *g, int64_t row, const struct plist *l,
                       const struct pcopy *c, int hold, int64_t *n,
                       struct err *e)
{
    int64_t cid;
    size_t i;

    *n = 0;
    if (commit_insert_copy(g, row, l->id, "copy", c->msgid, &c->msg, &cid,
                           e) != 0)
        return -1;
    if (l->encrypt == ENCRYPT_NEVER) {
        if (hold)
            return store_get_int(g->store, e, n, "SELECT count(*) FROM "
                                 "list_recipients WHERE list_id = ?", "i",
                                 l->id) < 0 ? -1 : 0;
        return outbox_add_list(g->store, cid, l->id, n, e);
    }
    if (commit_same_rcpts(g, l, c, e) != 0)
        return -1;
    for (i = 0; i < c->nrcpts; i++) {
        const struct prcpt *r = &c->rcpts[i];
        if (r->how != RCPT_NOTICE)
            (*n)++;
        if (r->how != RCPT_PLAIN) {
            if (commit_own(g, row, l, c, r, hold, e) != 0)
                return -1;
        } else if (!hold && commit_outbox(g, cid, r->address, e) != 0) {
            return -1;
        }
    }
    return 0;
}

/* What the receipt says of an encrypting list: who got which form. */
static void commit_why(const struct plist *l, const struct pcopy *c,
                       char *why, size_t n)
{
    size_t i, cnt[3] = {0, 0, 0};

    for (i = 0; i < c->nrcpts; i++)
        cnt[c->rcpts[i].how]++;
    if (l->encrypt == ENCRYPT_ALWAYS)
        snprintf(why, n, "%zu encrypted to their own keys; %zu withheld "
                 "(no usable OpenPGP key, the list encrypts always: told so "
                 "in a signed notice)", cnt[RCPT_ENCRYPTED], cnt[RCPT_NOTICE]);
    else
        snprintf(why, n, "%zu of them encrypted to their own keys, %zu "
                 "without a usable key sent the plain signed copy",
                 cnt[RCPT_ENCRYPTED], cnt[RCPT_PLAIN]);
}

/* Append a note to why, "; " between. */
static void commit_note(char *why, size_t size, const char *note)
{
    size_t len = strlen(why);

    snprintf(why + len, size - len, "%s%s", len ? "; " : "", note);
}

static int commit_outcome(struct gateway *g, int64_t row,
                          const struct palert *a, const struct plist *l,
                          const struct pcopy *c, const char *outcome,
                          int64_t n, struct err *e)
{
    char why[ERR_MSG_MAX];

    snprintf(why, sizeof(why), "%s", l->withheld);
    if (why[0] == '\0' && l->encrypt != ENCRYPT_NEVER)
        commit_why(l, c, why, sizeof(why));
    if (l->withheld[0] == '\0' && n == 0)
        commit_note(why, sizeof(why), "the list reached nobody: it has no "
                    "recipients");
    /* an update threads on the list's earlier copies: none, and its
     * recipients get an update of something they never saw */
    if (l->withheld[0] == '\0' && a->update_no > 0 &&
        l->in_reply_to[0] == '\0')
        commit_note(why, sizeof(why), "an update, but this list never got "
                    "the original");
    return alerts_outcome_set(g->store, row, l->id, outcome, why, n, e);
}

/* A list that reached nobody: counted and named for submit's warning. */
static void commit_empty(struct process_result *r, const char *name)
{
    size_t len = strlen(r->empty_names), size = sizeof(r->empty_names);
    int k;

    r->empty++;
    k = snprintf(r->empty_names + len, size - len, "%s%s", len ? ", " : "",
                 name);
    if (k < 0 || (size_t)k >= size - len)
        snprintf(r->empty_names + size - 4, 4, "...");
}

/* One list: withheld, held for release (copy and preview), or queued. */
static int commit_list(struct gateway *g, int64_t row, const struct pdist *d,
                       const struct palert *a, const struct plist *l,
                       const struct pcopy *c, const char *officer, int hold,
                       struct process_result *r, struct err *e)
{
    struct lifecycle_preview p;
    int64_t n = 0;

    if (l->withheld[0]) {
        r->withheld++;
        return commit_outcome(g, row, a, l, c, "withheld", 0, e);
    }
    if (commit_copy(g, row, l, c, hold, &n, e) != 0 ||
        commit_outcome(g, row, a, l, c, hold ? "awaiting" : "queued", n,
                       e) != 0)
        return -1;
    r->copies++;
    if (n == 0)
        commit_empty(r, l->name);
    if (!hold) {
        r->recipients += n;
        return 0;
    }
    if (officer[0] == '\0')
        return 0;
    p = (struct lifecycle_preview){officer, d->address, a->alert_id,
                                   l->name, c->text.data ? c->text.data : "",
                                   (long)n};
    return lifecycle_preview_queue(g, row, &p, e);
}

/* The affected audience (affected.c): its rows, and, when it adds
 * anyone, its copy and each recipient's form of it (plain on the copy, or
 * encrypted to their key), queued unless held. */
static int commit_affected(struct gateway *g, int64_t row,
                           const struct plist *l, const struct pcopy *c,
                           const struct paffected *af, int hold,
                           struct process_result *r, struct err *e)
{
    int64_t cid;
    size_t i;

    for (i = 0; i < af->n; i++)
        if (alerts_affected_add(g->store, row, af->v[i].site,
                                af->v[i].address, af->v[i].outcome,
                                af->v[i].why, e) != 0)
            return -1;
    if (l->withheld[0])
        return 0;
    if (commit_insert_copy(g, row, 0, "copy", c->msgid, &c->msg, &cid,
                           e) != 0 ||
        audit_add_copy(g->store, row, "copy-affected", cid, "the affected "
                       "audience's whole copy", NULL, e) != 0)
        return -1;
    for (i = 0; i < c->nrcpts; i++) {
        const struct prcpt *rc = &c->rcpts[i];
        if (rc->how == RCPT_ENCRYPTED) {
            if (commit_own(g, row, l, c, rc, hold, e) != 0)
                return -1;
        } else if (!hold && commit_outbox(g, cid, rc->address, e) != 0) {
            return -1;
        }
    }
    r->copies++;
    if (!hold)
        r->recipients += (long)c->nrcpts;
    return 0;
}

/* The alert's own row: what it became, and why. */
static int commit_state(struct gateway *g, int64_t row,
                        const struct palert *a, const char *state,
                        const char *reason, struct err *e)
{
    struct alerts_verdict v = {state, reason, a->alert_id, a->signer,
                               a->content->subject, a->thread,
                               alert_tlp_label(a->tlp),
                               (int64_t)a->update_no};

    if (process_claim(e, alerts_set_verdict(g->store, row, &v, e),
                      row) != 0 ||
        audit_add(g->store, row,
                  strcmp(state, "queued") == 0 ? "queued" : "held",
                  reason[0] ? reason : a->alert_id, NULL, e) != 0)
        return -1;
    return 0;
}

/* Verdict of a committed alert: queued, awaiting release, or held because
 * every list withheld it (the first list's reason says why). */
static const char *commit_verdict(const struct plist *lists, size_t n,
                                  int hold, struct process_result *r)
{
    if ((size_t)r->withheld == n) {
        snprintf(r->reason, sizeof(r->reason),
                 "withheld from every list%s%.400s", n ? ": " : "",
                 n ? lists[0].withheld : "");
        r->verdict = PROCESS_HELD;
        return "held";
    }
    if (hold) {
        snprintf(r->reason, sizeof(r->reason), "awaiting release");
        r->verdict = PROCESS_AWAITING;
        return "held";
    }
    r->verdict = PROCESS_QUEUED;
    return "queued";
}

int process_commit(struct gateway *g, int64_t row, const struct pdist *d,
                   const struct palert *a, const struct anon_map *map,
                   const struct plist *lists, const struct pcopy *copies,
                   size_t n, const struct paffected *af,
                   struct process_result *r, struct err *e)
{
    char officer[REGISTRY_ADDR_MAX];
    const char *state;
    size_t i;
    int hold;

    if (lifecycle_officer_email(g, a->signer, officer, sizeof(officer),
                                e) != 0 ||
        store_begin(g->store, e) != 0)
        return -1;
    hold = d->require_release;
    r->copies = r->withheld = r->empty = 0;
    r->empty_names[0] = '\0';
    r->recipients = 0;
    if (commit_pseudonyms(g, a->thread, map, e) != 0)
        goto fail;
    for (i = 0; i < n; i++)
        if (commit_list(g, row, d, a, &lists[i], &copies[i], officer, hold,
                        r, e) != 0)
            goto fail;
    if (af && commit_affected(g, row, &lists[n], &copies[n], af, hold, r,
                              e) != 0)
        goto fail;
    state = commit_verdict(lists, n, hold, r);
    hold = r->verdict == PROCESS_AWAITING;
    if (commit_state(g, row, a, state, r->verdict == PROCESS_QUEUED ? ""
                     : r->reason, e) != 0 ||
        (hold && alerts_release_request(g->store, row, a->alert_id,
                                        e) != 0) ||
        (!hold && lifecycle_receipt_queue(g, row, e) != 0))
        goto fail;
    fault_crash("process-before-commit");   /* crash tests */
    if (store_commit(g->store, e) != 0)
        return -1;
    fault_crash("process-after-commit");
    return 0;
fail:
    store_rollback(g->store);
    return -1;
}
