/*
 * process - the driver: one stored alert to its verdict (process_alert),
 * as a row of steps that each say whether the alert goes on (enum pstep,
 * process_int.h). Here: the poison accounting of attempts, loading the
 * alert, its lists and its placeholders, opening it (parse and
 * authenticate in a child, then what needs the database), the copies
 * step and its failure rule, and recording a verdict that sends nothing
 * (process_stop). The steps themselves: prepare.c (command, id, thread),
 * copy.c (made in the child), encrypt.c, commit.c.
 */
#include "process/process.h"
#include "process/process_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/alerts.h"
#include "db/audit.h"
#include "process/auth.h"
#include "process/lifecycle.h"
#include "process/mailout.h"
#include "mail/msg.h"
#include "registry/registry.h"
#include "mail/render.h"
#include "util/rowlock.h"
#include "util/buf.h"
#include "util/limits.h"

void plists_free(struct plist *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].address);
        free(v[i].template_name);
        free(v[i].attachments);
        free(v[i].refs);
        free(v[i].affected_sites);
        render_free(v[i].tmpl);
    }
    free(v);
}

static int plist_fill(struct plist *l, struct store_stmt *st)
{
    l->id = store_col_int(st, 0);
    l->name = strdup(store_col_text(st, 1));
    l->address = strdup(store_col_text(st, 2));
    l->anonymise = (int)store_col_int(st, 3);
    l->template_name = strdup(store_col_text(st, 4));
    l->attachments = strdup(store_col_text(st, 5));
    l->ceiling = alert_tlp_parse(store_col_text(st, 6));
    if (l->ceiling == TLP_NONE)
        l->ceiling = TLP_AMBER;
    l->single_org = (int)store_col_int(st, 7);
    l->orgs = store_col_int(st, 8);
    l->encrypt = strcmp(store_col_text(st, 9), "always") == 0
                 ? ENCRYPT_ALWAYS
                 : strcmp(store_col_text(st, 9), "if-key") == 0
                 ? ENCRYPT_IF_KEY : ENCRYPT_NEVER;
    l->indicators = strcmp(store_col_text(st, 10), "csv") == 0
                    ? PLIST_IND_CSV
                    : strcmp(store_col_text(st, 10), "stix") == 0
                    ? PLIST_IND_STIX
                    : strcmp(store_col_text(st, 10), "both") == 0
                    ? PLIST_IND_CSV | PLIST_IND_STIX : 0;
    return l->name && l->address && l->template_name && l->attachments ? 0
                                                                       : -1;
}

/* dist < 0: the one list named by name (preview). */
int plists_load(struct gateway *g, int64_t dist, const char *name,
                struct plist **out, size_t *n, struct err *e)
{
    struct store_stmt *st;
    struct plist *v;
    int rc;

    *n = 0;
    /* one more: the affected audience's pseudo-list (affected.c) */
    v = calloc(PROCESS_LISTS_MAX + 1, sizeof(*v));
    if (v == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (registry_lists_of(g->store, dist, name, &st, e) != 0) {
        free(v);
        return -1;
    }
    /* never a silent truncation: an alert goes to all of its lists */
    while ((rc = store_step(st, e)) == 1) {
        if (*n >= PROCESS_LISTS_MAX) {
            rc = err_set(e, ERR_TOOBIG, "the distribution feeds more than "
                         "%d lists; none was sent (the limit is checked by "
                         "`dists add/edit`)", PROCESS_LISTS_MAX);
            break;
        }
        if (plist_fill(&v[(*n)++], st) != 0) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    }
    store_finalize(st);
    if (rc < 0 || (*n == 0 && dist < 0)) {
        plists_free(v, *n);
        *n = 0;     /* the caller frees nothing more */
        return rc < 0 ? -1 : err_set(e, ERR_NOUSER, "no list '%s'", name);
    }
    *out = v;
    return 0;
}

/* A quarantine is told to the admins' address, with what the mail
 * claimed to be; and, when its signature is good and an active
 * officer's, to that officer at their registered address (lifecycle.c).
 * Never to the mail's From (it may be a forgery's victim). Inside the
 * transaction: a transient failure (agent down) undoes the verdict and
 * the alert is retried; a permanent one (no signing key) is audited, and
 * the verdict stands. */
static int process_notice(struct gateway *g, int64_t row,
                          const struct process_result *r, struct err *e)
{
    char subj[128], body[ERR_MSG_MAX + 3 * AUTH_CLAIM_MAX + 512];
    int told = 0;
    struct err ne;

    if (r->verdict != PROCESS_QUARANTINED)
        return 0;
    err_init(&ne);
    if (r->officer[0] &&
        lifecycle_quarantine_queue(g, row, r->officer, r->reason, &told,
                                   &ne) != 0)
        goto failed;
    if (g->conf->admin[0] == '\0')
        return 0;
    snprintf(subj, sizeof(subj), "[alertgw] alert #%lld quarantined",
             (long long)row);
    snprintf(body, sizeof(body), "Alert #%lld was quarantined: it will not "
             "be distributed.\n\nReason: %s\nClaimed From: %s\nClaimed "
             "Subject: %s\n%s\nThe raw message is kept in the database: "
             "`alertgw alerts show %lld --raw`; after a key or officer fix, "
             "`alertgw alerts retry %lld`.\n", (long long)row, r->reason,
             r->claimed_from[0] ? r->claimed_from : "(none)",
             r->claimed_subject[0] ? r->claimed_subject : "(none)",
             told ? "The signature is a registered officer's, who was told "
             "at their registered address.\n" : "Its sender was not told.\n",
             (long long)row, (long long)row);
    if (mailout_notice(g, row, "notice", g->conf->admin, subj, body,
                       &ne) == 0)
        return 0;
failed:
    if (err_is_temp(&ne))
        return err_set(e, ne.code, "%s", ne.msg);
    return audit_add(g->store, row, "notice-failed", ne.msg, NULL, e);
}

/* The verdict's UPDATE changed n rows: 0 means another process (filter
 * and the worker, two workers) finished this alert first, and this
 * transaction must not store copies a second time. */
int process_claim(struct err *e, int n, int64_t row)
{
    if (n < 0)
        return -1;
    if (n == 0)
        return err_set(e, ERR_DUP, "alert #%lld was processed concurrently",
                       (long long)row);
    return 0;
}

/* Record a verdict that sends nothing: quarantined or held. */
static int process_stop(struct gateway *g, int64_t row,
                        struct process_result *r, struct err *e)
{
    const char *state = r->verdict == PROCESS_HELD ? "held" : "quarantined";

    if (store_begin(g->store, e) != 0)
        return -1;
    if (process_claim(e, alerts_set_state(g->store, row, state, r->reason,
                                          r->alert_id, e), row) != 0 ||
        audit_add(g->store, row, state, r->reason, NULL, e) != 0 ||
        process_notice(g, row, r, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

/* A verdict that stops the alert: process_stop records it. */
static enum pstep process_verdict(struct process_result *r,
                                  enum process_verdict v, const char *reason)
{
    r->verdict = v;
    snprintf(r->reason, sizeof(r->reason), "%.*s", ERR_MSG_MAX - 1, reason);
    return PSTEP_STOP;
}

/* child_open and child_copies answer 0, 1 (the child failed: r holds the
 * quarantine) or -1. */
static enum pstep process_child_step(int rc)
{
    return rc == 0 ? PSTEP_GO : rc == 1 ? PSTEP_STOP : PSTEP_ERROR;
}

const char *process_body_text(const struct msg_content *c)
{
    long i = msg_content_body(c);

    return i >= 0 ? c->parts[i].data : "";
}

static int process_map_add(void *map, const char *cls, const char *orig,
                           const char *ph, struct err *e)
{
    return anon_map_add(map, cls, orig, ph, e) != 0 ? -1 : 0;
}

int process_map_load(struct gateway *g, const char *alert_id,
                     struct anon_map *map, struct err *e)
{
    return alerts_pseudonyms_each(g->store, alert_id, process_map_add, map,
                                  e) != 0 ? -1 : 0;
}

void plist_withhold(struct plist *l, enum alert_tlp tlp)
{
    if (tlp == TLP_RED)
        snprintf(l->withheld, sizeof(l->withheld), "TLP:RED is never "
                 "fanned out");
    else if (tlp > l->ceiling)
        snprintf(l->withheld, sizeof(l->withheld), "%s is above the list's "
                 "ceiling %s", alert_tlp_label(tlp),
                 alert_tlp_label(l->ceiling));
    else if (tlp == TLP_AMBER_STRICT && (!l->single_org || l->orgs > 1))
        snprintf(l->withheld, sizeof(l->withheld), "TLP:AMBER+STRICT never "
                 "goes to a list spanning organisations (%s, %lld "
                 "organisations)", l->single_org ? "single-org list"
                 : "not marked single-org", (long long)l->orgs);
    else
        l->withheld[0] = '\0';
}

/* Message-IDs of this list's earlier copies of the thread, oldest first:
 * the last is In-Reply-To; References keeps the first and the latest
 * (RFC 5322 3.6.4 allows trimming the middle). Encrypted copies share
 * their list copy's Message-ID: each id counts once. */
struct process_refs {
    struct buf *refs;
    char *last;
    size_t lastsz;
    int64_t total, k;
};

static int process_ref(void *arg, const char *id, struct err *e)
{
    struct process_refs *p = arg;
    int brc = 0;

    if (p->k++ == 0 || p->total - p->k < PROCESS_REFS_MAX - 1)
        if ((p->refs->len && (brc = buf_puts(p->refs, " ")) != 0) ||
            (brc = buf_puts(p->refs, id)) != 0)
            return copy_nospace(brc, e, "References too long");
    snprintf(p->last, p->lastsz, "%s", id);
    return 0;
}

static int process_refs(struct gateway *g, int64_t row, const char *thread,
                        int64_t list_id, struct buf *refs, char *last,
                        size_t lastsz, struct err *e)
{
    struct process_refs p = {refs, last, lastsz, 0, 0};

    last[0] = '\0';
    if (alerts_thread_msgid_count(g->store, thread, row, list_id, &p.total,
                                  e) != 0 ||
        alerts_thread_msgids(g->store, thread, row, list_id, process_ref, &p,
                             e) != 0)
        return -1;
    return 0;
}

/* What a list's copy needs from the database and the disk, read before
 * the child that makes it runs: whether TLP withholds it, the thread
 * headers of an update, the template. */
static int process_list_prep(struct gateway *g, int64_t row,
                             const struct palert *a, struct plist *l,
                             struct err *e)
{
    struct buf refs;
    int rc = 0;

    plist_withhold(l, a->tlp);
    if (l->withheld[0])
        return 0;
    if (l->affected)    /* no thread of its own: each alert stands alone */
        return render_load(g->conf->templates_dir, l->template_name,
                           &l->tmpl, e);
    buf_init(&refs, PROCESS_REFS_MAX * MAILOUT_MSGID_MAX);
    if (process_refs(g, row, a->thread, l->id, &refs, l->in_reply_to,
                     sizeof(l->in_reply_to), e) != 0)
        rc = -1;
    else if ((l->refs = strdup(buf_cstr(&refs))) == NULL)
        rc = err_set(e, ERR_NOMEM, "out of memory");
    buf_free(&refs);
    if (rc == 0)
        rc = render_load(g->conf->templates_dir, l->template_name, &l->tmpl,
                         e);
    return rc;
}

static int process_copies_ready(struct gateway *g, int64_t row,
                                const struct palert *a, struct plist *lists,
                                size_t n, struct err *e)
{
    size_t i;

    if (gateway_anon(g, e) != 0 || gateway_pgp(g, e) != 0 ||
        gateway_signing_key(g, e) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (process_list_prep(g, row, a, &lists[i], e) != 0)
            return -1;
    return 0;
}

/* Make every list's copy, encrypt and commit them; any failure of one
 * stops all (an alert goes to all of its lists or to none; a list
 * withheld by TLP is policy, not a failure). DONE: committed, the verdict
 * recorded (queued, awaiting release, or held when every list withholds
 * it); STOP: the copies' child failed, r holds the quarantine; ERROR: e
 * says why, and the driver's rule (process_copies_failed) decides. */
static enum pstep process_copies(struct gateway *g, int64_t row,
                                 const struct pdist *d, struct palert *a,
                                 struct process_result *r, struct err *e)
{
    struct anon_map *map = anon_map_new();
    struct paffected af;
    struct plist *lists = NULL;
    struct pcopy *copies = NULL;
    enum pstep step = PSTEP_ERROR;
    size_t n = 0, all, i;

    memset(&af, 0, sizeof(af));
    if (map == NULL || plists_load(g, d->id, NULL, &lists, &n, e) != 0 ||
        process_map_load(g, a->thread, map, e) != 0 ||
        (copies = calloc(n + 1, sizeof(*copies))) == NULL) {
        /* the first error wins: this one names a failed allocation */
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    all = n;
    for (i = 0; i <= n; i++)
        pcopy_init(&copies[i]);
    /* the affected audience: one more copy, lists[n] (affected.c) */
    if (d->affected && affected_plist(&lists[all++], e) != 0)
        goto out;
    if (process_copies_ready(g, row, a, lists, all, e) != 0)
        goto out;
    anon_set_deadline(g->anon, g->conf->process_budget * 1000L);
    step = process_child_step(child_copies(g, a, lists, all, &map, copies,
                                           all > n ? &af : NULL, r, e));
    if (step == PSTEP_GO &&
        ((all > n && affected_resolve(g, a, lists, n, &lists[n], &af,
                                      &copies[n], e) != 0) ||
         process_encrypt(g, a, lists, all, copies, e) != 0 ||
         process_commit(g, row, d, a, map, lists, copies, n,
                        all > n ? &af : NULL, r, e) != 0))
        step = PSTEP_ERROR;
    else if (step == PSTEP_GO)
        step = PSTEP_DONE;      /* committed: the verdict is recorded */
out:
    for (i = 0; copies && i <= n; i++)
        pcopy_free(&copies[i]);
    free(copies);
    plists_free(lists, d->affected && lists ? n + 1 : n);
    paffected_free(&af);
    anon_map_free(map);
    if (g->anon)
        anon_set_deadline(g->anon, 0);
    return step;
}

/* The rule when making an alert's copies fails: a permanent failure (a
 * leak, an attachment a list refuses, a template that does not render, a
 * copy over its cap) holds the alert, the error its reason, for an
 * officer to look at; a temporary one (database busy, agent down, out of
 * memory) leaves it new for the next pass; ERR_DUP means another process
 * finished it first, and there is nothing to record. */
static enum pstep process_copies_failed(struct process_result *r,
                                        struct err *e)
{
    if (!err_is_set(e) || err_is_temp(e) || e->code == ERR_DUP)
        return PSTEP_ERROR;
    process_verdict(r, PROCESS_HELD, e->msg);
    err_init(e);
    return PSTEP_STOP;
}

static int process_load(struct gateway *g, int64_t row, struct buf *raw,
                        struct pdist *d, struct err *e)
{
    struct alerts_dist ad;

    if (alerts_raw_load(g->store, row, raw, &ad, e) != 0)
        return -1;
    d->id = ad.id;
    d->default_tlp = alert_tlp_parse(ad.default_tlp);
    if (d->default_tlp == TLP_NONE)
        d->default_tlp = TLP_AMBER;
    d->require_release = ad.require_release;
    d->affected = ad.affected;
    snprintf(d->address, sizeof(d->address), "%s", ad.address);
    return 0;
}

static void process_not_affected(void *arg, const char *name)
{
    struct palert *a = arg;

    if (a->n_not_affected < ALERT_NOT_AFFECTED_MAX)
        snprintf(a->not_affected[a->n_not_affected++],
                 sizeof(a->not_affected[0]), "%s", name);
}

/* What the text says of itself: id (if it names one), TLP (the most
 * restrictive label in Subject or body: a copy never carries a less
 * restrictive one than the original), risk. Writes nothing. */
int process_meta(struct gateway *g, struct palert *a,
                 struct process_result *r, struct err *e)
{
    const char *body = process_body_text(a->content);
    enum alert_tlp t;

    (void)e;
    if (process_find_id(g, a) && r)
        snprintf(r->alert_id, sizeof(r->alert_id), "%s", a->alert_id);
    a->tlp = alert_strictest_tlp(a->content->subject);
    t = alert_strictest_tlp(body);
    if (t > a->tlp)
        a->tlp = t;
    if (!alert_find_risk(a->content->subject, a->risk, sizeof(a->risk)))
        alert_find_risk(body, a->risk, sizeof(a->risk));
    a->n_not_affected = 0;
    alert_not_affected(body, process_not_affected, a);
    return 0;
}

/* A signed entity without a protected Subject: the signed body may give
 * one in a "Subject:" line at its top (blank lines before it aside). The
 * outer Subject is never used: nothing signs it. */
static int process_body_subject(struct palert *a, struct err *e)
{
    static const char key[] = "Subject:";
    const char *body = process_body_text(a->content), *p;
    size_t i, n;
    char *s;

    if (a->content->subject[0] != '\0')
        return 0;
    i = strspn(body, "\n \t");
    if (strncasecmp(body + i, key, sizeof(key) - 1) != 0)
        return 0;
    i += sizeof(key) - 1;
    i += strspn(body + i, " \t");
    p = body + i;
    n = strcspn(p, "\n");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    if (n > PROCESS_BODY_SUBJECT_MAX)
        n = PROCESS_BODY_SUBJECT_MAX;
    if ((s = strndup(p, n)) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    free(a->content->subject);
    a->content->subject = s;
    return 0;
}

/* The outer Subject is not signed: when it says something else than the
 * signed one it is ignored, and the audit (hence the receipt) says so. */
static int process_note_outer(struct gateway *g, int64_t row,
                              const struct palert *a, struct err *e)
{
    const struct msg_content *c = a->content;
    char detail[ERR_MSG_MAX];

    if (c->outer_subject[0] == '\0' ||
        strcmp(c->outer_subject, c->subject) == 0)
        return 0;
    snprintf(detail, sizeof(detail), "the unsigned outer Subject \"%.200s\" "
             "differs from the signed one and was ignored",
             c->outer_subject);
    return audit_add(g->store, row, "outer-subject-ignored", detail, NULL, e);
}

/* 1 when addr stands in list as an address of its own (not inside a
 * longer one), case aside. */
static int process_names_addr(const char *list, const char *addr)
{
    size_t n = strlen(addr);
    const char *p;

    if (n == 0)
        return 0;
    for (p = list; (p = strcasestr(p, addr)) != NULL; p++) {
        int before = p == list || strchr(" \t<,;:\"", p[-1]) != NULL;
        int after = p[n] == '\0' || strchr(" \t>,;\"", p[n]) != NULL;
        if (before && after)
            return 1;
    }
    return 0;
}

/* A signed To: binds the alert to the distributions it names. GO, or
 * STOP (quarantined). */
static enum pstep process_bound(const struct palert *a,
                                const struct pdist *d,
                                struct process_result *r)
{
    char why[ERR_MSG_MAX];

    if (a->content->signed_to[0] == '\0' ||
        process_names_addr(a->content->signed_to, d->address))
        return PSTEP_GO;
    snprintf(why, sizeof(why), "signed for another distribution: the signed "
             "To: names %.200s, not %.200s", a->content->signed_to,
             d->address);
    return process_verdict(r, PROCESS_QUARANTINED, why);
}

/* Parse and authenticate. GO; STOP: a verdict that stops it is in r;
 * ERROR. */
static enum pstep process_open(struct gateway *g, int64_t row,
                               const struct buf *raw, const struct pdist *d,
                               struct palert *a, struct process_result *r,
                               struct err *e)
{
    struct auth_result ar;
    enum pstep step;

    step = process_child_step(child_open(g, raw->data ? raw->data : "",
                                         raw->len, &ar, r, e));
    if (step != PSTEP_GO)
        return step;
    snprintf(r->claimed_from, sizeof(r->claimed_from), "%s",
             ar.claimed_from);
    snprintf(r->claimed_subject, sizeof(r->claimed_subject), "%s",
             ar.claimed_subject);
    if (!ar.ok) {
        r->malformed = ar.malformed;
        if (ar.officer)
            snprintf(r->officer, sizeof(r->officer), "%s", ar.signer);
        return process_verdict(r, PROCESS_QUARANTINED, ar.reason);
    }
    snprintf(a->signer, sizeof(a->signer), "%s", ar.signer);
    a->signed_at = ar.signed_at;
    a->content = ar.content;        /* ownership moves to the alert */
    ar.content = NULL;
    if (process_body_subject(a, e) != 0 || process_meta(g, a, r, e) != 0)
        return PSTEP_ERROR;
    switch (auth_replay(g, row, &ar, e)) {
    case 0:
        if (process_bound(a, d, r) != PSTEP_GO)
            return PSTEP_STOP;
        return process_note_outer(g, row, a, e) == 0 ? PSTEP_GO
                                                     : PSTEP_ERROR;
    case 1:     /* a replay: ar says of what */
        return process_verdict(r, PROCESS_QUARANTINED, ar.reason);
    default:
        return PSTEP_ERROR;
    }
}

/* Poison accounting: one more attempt is committed before each one, so
 * that an alert whose processing kills the whole worker (not only the
 * sandboxed child) is not taken first forever. GO; STOP: it was started
 * PROCESS_ATTEMPTS_MAX times without an outcome, r holds the quarantine;
 * ERROR (ERR_DUP: another process finished it). */
static enum pstep process_attempt(struct gateway *g, int64_t row,
                                  struct process_result *r, struct err *e)
{
    int64_t n = -1;
    char why[96];

    if (store_begin(g->store, e) != 0)
        return PSTEP_ERROR;
    if (alerts_count_attempt(g->store, row, PROCESS_ATTEMPTS_MAX, &n,
                             e) != 0) {
        store_rollback(g->store);
        return PSTEP_ERROR;
    }
    if (store_commit(g->store, e) != 0)
        return PSTEP_ERROR;
    if (n < 0) {
        err_set(e, ERR_DUP, "alert #%lld was processed concurrently",
                (long long)row);
        return PSTEP_ERROR;
    }
    if (n < PROCESS_ATTEMPTS_MAX)
        return PSTEP_GO;
    r->malformed = 1;
    snprintf(why, sizeof(why), "malformed: processing never finished (%d "
             "attempts)", PROCESS_ATTEMPTS_MAX);
    return process_verdict(r, PROCESS_QUARANTINED, why);
}

/* This attempt ended with an answer (a transient error included): it
 * does not count against the alert. */
static void process_attempt_done(struct gateway *g, int64_t row)
{
    struct err ue;

    err_init(&ue);
    alerts_uncount_attempt(g->store, row, &ue);
}

/* Each step runs while the one before says GO: a command ends at DONE
 * (recorded), an alert at its commit (DONE) or at a verdict that sends
 * nothing (STOP, recorded here). */
int process_alert(struct gateway *g, int64_t row, struct process_result *r,
                  struct err *e)
{
    struct palert a;
    struct pdist d;
    struct buf raw;
    enum pstep step;
    int rc;

    memset(r, 0, sizeof(*r));
    memset(&a, 0, sizeof(a));
    memset(&d, 0, sizeof(d));
    step = process_attempt(g, row, r, e);
    if (step != PSTEP_GO)
        return step == PSTEP_STOP ? process_stop(g, row, r, e) : -1;
    buf_init(&raw, (size_t)g->conf->max_size + 1);
    step = process_load(g, row, &raw, &d, e) == 0 ? PSTEP_GO : PSTEP_ERROR;
    if (step == PSTEP_GO)
        step = process_open(g, row, &raw, &d, &a, r, e);
    if (step == PSTEP_GO)
        step = process_command(g, row, &a, r, e);   /* GO: not a command */
    if (step == PSTEP_GO)
        step = process_prepare(g, row, &d, &a, r, e);
    if (step == PSTEP_GO) {
        step = process_copies(g, row, &d, &a, r, e);
        if (step == PSTEP_ERROR)
            step = process_copies_failed(r, e);
    }
    rc = step == PSTEP_STOP ? process_stop(g, row, r, e)
         : step == PSTEP_ERROR ? -1 : 0;
    if (rc != 0)
        process_attempt_done(g, row);
    msg_content_free(a.content);
    buf_free(&raw);
    return rc;
}

int process_lock_alert(struct gateway *g, int64_t row, int *fd,
                       struct err *e)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s.lock", g->conf->db_path) >=
        (int)sizeof(path)) {
        *fd = -1;
        return err_set(e, ERR_CONFIG, "db path too long for its lock file");
    }
    return rowlock_try(path, g->conf->db_path, row, fd, e);
}

int process_pending(struct gateway *g, long *n, struct err *e)
{
    struct process_result r;
    int64_t row = 0;
    struct err ae;
    int failed = 0, fd, got;

    *n = 0;
    for (;;) {
        if (alerts_next_new(g->store, row, &row, e) != 0)
            return -1;
        if (row == 0)
            return failed ? -1 : 0;
        err_init(&ae);
        /* one a detached filter child is processing is left to it */
        got = process_lock_alert(g, row, &fd, &ae);
        if (got == 1 && process_alert(g, row, &r, &ae) == 0)
            (*n)++;
        else if (got != 0 && ae.code != ERR_DUP && !failed++)
            *e = ae;    /* the first error is kept, the rest still tried */
        rowlock_release(&fd);
    }
}
