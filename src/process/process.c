#include "process/process.h"
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "process/auth.h"
#include "process/lifecycle.h"
#include "process/mailout.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "registry/registry.h"
#include "mail/render.h"
#include "util/buf.h"
#include "util/fault.h"

void pcopy_init(struct pcopy *c)
{
    memset(c, 0, sizeof(*c));
    buf_init(&c->msg, PROCESS_COPY_MAX);
    buf_init(&c->text, PROCESS_COPY_MAX);
    buf_init(&c->entity, PROCESS_COPY_MAX);
}

void pcopy_free(struct pcopy *c)
{
    size_t i;

    buf_free(&c->msg);
    buf_free(&c->text);
    buf_free(&c->entity);
    for (i = 0; i < c->nrcpts; i++) {
        free(c->rcpts[i].address);
        buf_free(&c->rcpts[i].msg);
    }
    free(c->rcpts);
    c->rcpts = NULL;
    c->nrcpts = 0;
}

void plists_free(struct plist *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].address);
        free(v[i].template_name);
        free(v[i].attachments);
        free(v[i].refs);
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
    return l->name && l->address && l->template_name && l->attachments ? 0
                                                                       : -1;
}

/* dist < 0: the one list named by name (preview). */
static int plists_load(struct gateway *g, int64_t dist, const char *name,
                       struct plist **out, size_t *n, struct err *e)
{
    /* orgs: a contact without an organisation counts as its own */
    static const char cols[] = "SELECT l.id, l.name, l.address, l.anonymise, "
                               "l.template, l.attachments, l.tlp_ceiling, "
                               "l.single_org, (SELECT count(DISTINCT "
                               "coalesce(c.org_id, -c.id)) FROM "
                               "list_recipients r JOIN contacts c ON c.id = "
                               "r.contact_id WHERE r.list_id = l.id), "
                               "l.encrypt FROM lists l ";
    struct store_stmt *st;
    struct plist *v;
    char sql[1024];
    int rc;

    *n = 0;
    v = calloc(PROCESS_LISTS_MAX, sizeof(*v));
    if (v == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(sql, sizeof(sql), "%s%s", cols, dist >= 0 ?
             "JOIN dist_lists d ON d.list_id = l.id WHERE d.dist_id = ? "
             "ORDER BY l.name" : "WHERE l.name = ?");
    if (store_prepare(g->store, sql, &st, e) != 0) {
        free(v);
        return -1;
    }
    if (dist >= 0)
        store_bind_int(st, 1, dist);
    else
        store_bind_text(st, 1, name);
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

/* A quarantine is told to the admins' address only, never to the claimed
 * sender (who may be the victim of a forgery). Inside the transaction: a
 * transient failure (agent down) undoes the verdict and the alert is
 * retried; a permanent one (no signing key) is audited, and the verdict
 * stands. */
static int process_notice(struct gateway *g, int64_t row,
                          const struct process_result *r, struct err *e)
{
    char subj[128], body[ERR_MSG_MAX + 512];
    struct err ne;

    if (r->verdict != PROCESS_QUARANTINED || g->conf->admin[0] == '\0')
        return 0;
    snprintf(subj, sizeof(subj), "[alertgw] alert #%lld quarantined",
             (long long)row);
    snprintf(body, sizeof(body), "Alert #%lld was quarantined: it will not "
             "be distributed, and its sender was not told.\n\nReason: %s\n"
             "\nThe raw message is kept in the database (alerts row %lld)."
             "\n", (long long)row, r->reason, (long long)row);
    err_init(&ne);
    if (mailout_notice(g, row, "notice", g->conf->admin, subj, body,
                       &ne) == 0)
        return 0;
    if (err_is_temp(&ne))
        return err_set(e, ne.code, "%s", ne.msg);
    return store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                     "detail) VALUES(?,?,'notice-failed',?)", "iit",
                     (int64_t)time(NULL), row, ne.msg) < 0 ? -1 : 0;
}

/* The verdict's UPDATE changed n rows: 0 means another process (filter
 * and the worker, two workers) finished this alert first, and this
 * transaction must not store copies a second time. */
static int process_claim(struct err *e, int n, int64_t row)
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
    if (process_claim(e, store_run(g->store, e, "UPDATE alerts "
                      "SET state=?, reason=?, alert_id=? WHERE id=? AND "
                      "state='new'", "ttti", state, r->reason, r->alert_id,
                      row), row) != 0 ||
        store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail) VALUES(?,?,?,?)", "iitt", (int64_t)time(NULL), row,
                  state, r->reason) < 0 ||
        process_notice(g, row, r, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

static int process_verdict(struct process_result *r, enum process_verdict v,
                           const char *reason)
{
    r->verdict = v;
    snprintf(r->reason, sizeof(r->reason), "%.*s", ERR_MSG_MAX - 1, reason);
    return 1;
}

static const char *process_body_text(const struct msg_content *c)
{
    size_t i;

    for (i = 0; i < c->nparts; i++)
        if (c->parts[i].is_text &&
            strcmp(c->parts[i].content_type, "text/plain") == 0)
            return c->parts[i].data;
    return "";
}

/* The id the alert names in its Subject, else in its body; 1 found. */
static int process_find_id(struct gateway *g, struct palert *a)
{
    return alert_find_id(a->content->subject, g->conf->alert_prefix,
                         a->alert_id, sizeof(a->alert_id)) ||
           alert_find_id(process_body_text(a->content), g->conf->alert_prefix,
                         a->alert_id, sizeof(a->alert_id));
}

#define PROCESS_SEQ_MAX 999     /* alert_find_id reads 2 or 3 digits */

/* The next free PREFIX-YYYYMMDD-NN of today into a->alert_id. Read only:
 * the caller makes it race-free by running it in the transaction that
 * also stores the id. */
static int process_next_id(struct gateway *g, struct palert *a,
                           struct err *e)
{
    struct store_stmt *st;
    char day[16], base[ALERT_ID_MAX];
    time_t now = time(NULL);
    struct tm tm;
    long max = 0, v;
    char *end;
    int rc;

    gmtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    snprintf(base, sizeof(base), "%s-%s-", g->conf->alert_prefix, day);
    if (store_prepare(g->store, "SELECT alert_id FROM alerts WHERE "
                      "substr(alert_id, 1, ?) = ?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, (int64_t)strlen(base));
    store_bind_text(st, 2, base);
    while ((rc = store_step(st, e)) == 1) {
        const char *t = store_col_text(st, 0) + strlen(base);
        v = strtol(t, &end, 10);
        if (end != t && *end == '\0' && v > max)
            max = v;
    }
    store_finalize(st);
    if (rc < 0)
        return -1;
    if (max >= PROCESS_SEQ_MAX)
        return err_set(e, ERR_DATA, "no free alert id left for %s", day);
    rc = snprintf(a->alert_id, sizeof(a->alert_id), "%s%02d", base,
                  (int)max + 1);
    if (rc < 0 || (size_t)rc >= sizeof(a->alert_id))
        return err_set(e, ERR_CONFIG, "alert_prefix too long");
    return 0;
}

/* Preview: the id the alert names, or the one it would get. */
static int process_alert_id(struct gateway *g, struct palert *a,
                            struct err *e)
{
    if (process_find_id(g, a))
        return 0;
    return process_next_id(g, a, e);
}

/* An alert naming no id gets the next free one, allocated and stored in
 * one write transaction (BEGIN IMMEDIATE: two gateways never pick the same
 * number); processed again after a temporary failure, it keeps it. */
static int process_reserve_id(struct gateway *g, int64_t row,
                              struct palert *a, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (process_find_id(g, a))
        return 0;
    if (store_prepare(g->store, "SELECT alert_id FROM alerts WHERE id=?",
                      &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(a->alert_id, sizeof(a->alert_id), "%s",
                 store_col_text(st, 0));
    store_finalize(st);
    if (rc < 0)
        return -1;
    if (a->alert_id[0])
        return 0;
    if (store_begin(g->store, e) != 0)
        return -1;
    if (process_next_id(g, a, e) != 0 ||
        store_run(g->store, e, "UPDATE alerts SET alert_id=? WHERE id=?",
                  "ti", a->alert_id, row) < 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

/* Thread and update number: an id already distributed makes this an
 * update; "UPDATE n" in the Subject wins over the count of earlier mails. */
static int process_thread(struct gateway *g, int64_t row, struct palert *a,
                          struct err *e)
{
    int64_t prior = 0;

    alert_thread(a->alert_id, a->thread, sizeof(a->thread));
    if (store_get_int(g->store, e, &prior, "SELECT count(*) FROM alerts "
                      "WHERE (thread = ?1 OR (thread = '' AND alert_id = ?1))"
                      " AND state = 'queued' AND command = '' AND id <> ?2",
                      "ti", a->thread, row) < 0)
        return -1;
    a->update_no = alert_find_update(a->content->subject);
    if (a->update_no == 0 && prior > 0)
        a->update_no = prior > ALERT_UPDATE_MAX ? ALERT_UPDATE_MAX
                                                : (int)prior;
    return 0;
}

static int process_map_load(struct gateway *g, const char *alert_id,
                            struct anon_map *map, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(g->store, "SELECT cls, original, placeholder FROM "
                      "pseudonyms WHERE alert_id=? ORDER BY rowid", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, alert_id);
    while ((rc = store_step(st, e)) == 1)
        if (anon_map_add(map, store_col_text(st, 0), store_col_text(st, 1),
                         store_col_text(st, 2), e) != 0) {
            rc = -1;
            break;
        }
    store_finalize(st);
    return rc;
}


static int copy_text(struct pctx *c, const char *in, size_t len,
                     struct buf *out, struct err *e)
{
    if (!c->l->anonymise) {
        if (buf_append(out, in, len) != 0)
            return err_set(e, ERR_TOOBIG, "copy too large");
        return 0;
    }
    return anon_apply(c->g->anon, c->map, in, len, out, c->changes, e);
}

static int copy_note_drop(struct pctx *c, const struct msg_part *p,
                          struct buf *notes, struct err *e)
{
    struct buf name;
    const char *fn = p->filename ? p->filename : "(unnamed)";
    int rc;

    buf_init(&name, SITES_NAME_MAX * 4);
    rc = copy_text(c, fn, strlen(fn), &name, e);
    if (rc == 0 && buf_printf(notes, "\n[alertgw: attachment \"%s\" (%s, %zu "
                              "bytes) was dropped from this copy: it cannot "
                              "be checked for site identifiers.]\n",
                              buf_cstr(&name), p->content_type, p->len) != 0)
        rc = err_set(e, ERR_TOOBIG, "copy too large");
    buf_free(&name);
    return rc;
}

/* Attachments after the body part: text is anonymised like the body;
 * what cannot be inspected follows the list's policy. */
struct pparts {
    struct msg_part v[MSG_DEFAULT_MAX_PARTS + 1];
    struct buf data[MSG_DEFAULT_MAX_PARTS + 1];
    size_t n;
};

static void pparts_free(struct pparts *pp)
{
    size_t i;

    for (i = 0; i < pp->n; i++) {
        buf_free(&pp->data[i]);
        free(pp->v[i].filename);
    }
}

static int copy_attachment(struct pctx *c, const struct msg_part *p,
                           struct pparts *pp, struct buf *notes,
                           struct err *e)
{
    struct msg_part *o = &pp->v[pp->n];
    struct buf *d = &pp->data[pp->n];
    struct buf fn;
    int rc = 0;

    if (c->l->anonymise && !p->is_text) {
        if (strcmp(c->l->attachments, "refuse") == 0)
            return err_set(e, ERR_LEAK, "attachment \"%s\" (%s) cannot be "
                           "inspected and list %s refuses such alerts",
                           p->filename ? p->filename : "(unnamed)",
                           p->content_type, c->l->name);
        if (strcmp(c->l->attachments, "drop") == 0)
            return copy_note_drop(c, p, notes, e);
    }
    if (pp->n >= MSG_DEFAULT_MAX_PARTS)
        return err_set(e, ERR_TOOBIG, "too many parts");
    buf_init(d, PROCESS_COPY_MAX);
    buf_init(&fn, SITES_NAME_MAX * 4);
    pp->n++;
    *o = *p;
    o->filename = NULL;
    if (p->is_text && c->l->anonymise
        && strcmp(p->content_type, "text/html") == 0)
        rc = anon_apply_html(c->g->anon, c->map, p->data, p->len, d,
                             c->changes, e);
    else if (p->is_text)
        rc = copy_text(c, p->data, p->len, d, e);
    else if (buf_append(d, p->data, p->len) != 0)
        rc = err_set(e, ERR_TOOBIG, "copy too large");
    if (rc == 0 && p->filename)
        rc = copy_text(c, p->filename, strlen(p->filename), &fn, e);
    if (rc == 0 && p->filename)
        o->filename = buf_steal(&fn, NULL);
    buf_free(&fn);
    o->data = d->data ? d->data : (char *)"";
    o->len = d->len;
    return rc;
}

static int copy_render(struct pctx *c, const char *subject, const char *body,
                       struct buf *subj_out, struct buf *body_out,
                       struct err *e)
{
    struct render_tmpl *t;
    char date[MAILOUT_DATE_MAX];
    char update[16], update_label[32];
    struct buf idsubj;
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct render_var vars[] = {
        {"alert_id", c->a->alert_id}, {"tlp", tlp}, {"subject", subject},
        {"body", body}, {"list", c->l->name}, {"date", date},
        {"risk", c->a->risk[0] ? c->a->risk : "not stated"},
        {"update", update}, {"update_label", update_label},
        {"contact", c->g->conf->from}, {"report_to", c->g->conf->from},
    };
    int rc;

    buf_init(&idsubj, PROCESS_SUBJECT_MAX);
    mailout_date(date, sizeof(date));
    /* {{subject}} always names the alert id (an allocated id is not in
     * the officer's Subject): recipients filter and thread on it */
    if (strstr(subject, c->a->alert_id) == NULL) {
        if (buf_printf(&idsubj, "%s: %s", c->a->alert_id, subject) != 0) {
            buf_free(&idsubj);
            return err_set(e, ERR_TOOBIG, "Subject too long");
        }
        vars[2].value = buf_cstr(&idsubj);
    }
    update[0] = update_label[0] = '\0';
    if (c->a->update_no > 0) {
        snprintf(update, sizeof(update), "%d", c->a->update_no);
        snprintf(update_label, sizeof(update_label), "UPDATE %d ",
                 c->a->update_no);
    }
    t = c->l->tmpl;
    rc = t ? 0 : render_load(c->g->conf->templates_dir, c->l->template_name,
                             &t, e);
    if (rc == 0)
        rc = render_apply(t, vars, sizeof(vars) / sizeof(vars[0]), subj_out,
                          body_out, e);
    if (t != c->l->tmpl)
        render_free(t);
    buf_free(&idsubj);
    return rc;
}

/* Body: the first text/plain part; every other part is an attachment. */
static int copy_content(struct pctx *c, struct buf *subject, struct buf *body,
                        struct pparts *pp, struct err *e)
{
    const struct msg_content *mc = c->a->content;
    struct buf notes;
    const char *first = process_body_text(mc);
    size_t i;
    int rc = 0;

    buf_init(&notes, PROCESS_COPY_MAX);
    if (copy_text(c, mc->subject, strlen(mc->subject), subject, e) != 0 ||
        copy_text(c, first, strlen(first), body, e) != 0)
        rc = -1;
    for (i = 0; rc == 0 && i < mc->nparts; i++)
        if (mc->parts[i].data != first)
            rc = copy_attachment(c, &mc->parts[i], pp, &notes, e);
    if (rc == 0 && notes.len && buf_append(body, notes.data, notes.len) != 0)
        rc = err_set(e, ERR_TOOBIG, "copy too large");
    buf_free(&notes);
    return rc;
}

#define COPY_HEADERS_MAX 12

/* Fresh headers only (README "Outgoing headers" says why each is there):
 * nothing of the original's header section reaches a copy. The list copy
 * and its encrypted variants share them, Message-ID included. */
static size_t copy_headers(const struct pctx *c, const struct pcopy *cp,
                           const char *subject, const char *listid,
                           struct msg_header_field h[COPY_HEADERS_MAX])
{
    size_t n = 0;

    h[n++] = (struct msg_header_field){"From", c->g->conf->from};
    h[n++] = (struct msg_header_field){"To", c->l->address};
    h[n++] = (struct msg_header_field){"Subject", subject};
    h[n++] = (struct msg_header_field){"Date", cp->date};
    h[n++] = (struct msg_header_field){"Message-ID", cp->msgid};
    if (c->in_reply_to) {
        h[n++] = (struct msg_header_field){"In-Reply-To", c->in_reply_to};
        h[n++] = (struct msg_header_field){"References", c->references};
    }
    h[n++] = (struct msg_header_field){"List-Id", listid};
    h[n++] = (struct msg_header_field){"List-Post", "NO"};
    h[n++] = (struct msg_header_field){"Precedence", "list"};
    h[n++] = (struct msg_header_field){"Auto-Submitted", "auto-generated"};
    return n;
}

static int copy_list_id(const struct pctx *c, char *out, size_t n)
{
    int len = snprintf(out, n, "<%s.%s>", c->l->name, c->g->conf->domain);

    return len > 0 && (size_t)len < n ? 0 : -1;
}

static int copy_sign(struct pctx *c, const char *subject, struct pcopy *out,
                     struct err *e)
{
    char local[ALERT_ID_MAX + 64], listid[512];
    struct msg_header_field h[COPY_HEADERS_MAX];

    mailout_date(out->date, sizeof(out->date));
    snprintf(local, sizeof(local), "%s.%s", c->a->alert_id, c->l->name);
    if (mailout_msgid(c->g, local, out->msgid, sizeof(out->msgid)) != 0 ||
        copy_list_id(c, listid, sizeof(listid)) != 0)
        return err_set(e, ERR_SOFTWARE, "cannot make a Message-ID");
    return mailout_sign(c->g, h, copy_headers(c, out, subject, listid, h),
                        &out->entity, &out->msg, e);
}

/* Fail closed: parse what will leave and scan every decoded byte. */
static int copy_leak_check(struct pctx *c, const struct pcopy *out,
                           struct err *e)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *mc = NULL;
    char where[128];
    size_t i;
    int rc = -1;

    msg_limits_default(&lim);
    lim.max_size = PROCESS_COPY_MAX;
    if (anon_scan(c->g->anon, out->msg.data, out->msg.len, "the raw copy",
                  e) != 0 ||
        msg_parse(out->msg.data, out->msg.len, &lim, &m, e) != 0 ||
        msg_content(m, &mc, e) != 0 ||
        anon_scan(c->g->anon, mc->subject, strlen(mc->subject), "Subject",
                  e) != 0)
        goto out;
    for (i = 0; i < mc->nparts; i++) {
        snprintf(where, sizeof(where), "part %zu", i + 1);
        if ((mc->parts[i].is_text &&
             anon_scan(c->g->anon, mc->parts[i].data, mc->parts[i].len, where,
                       e) != 0) ||
            /* HTML also as a reader sees it: entities decoded */
            (mc->parts[i].is_text &&
             strcmp(mc->parts[i].content_type, "text/html") == 0 &&
             anon_scan_html(c->g->anon, mc->parts[i].data, mc->parts[i].len,
                            where, e) != 0) ||
            (mc->parts[i].filename &&
             anon_scan(c->g->anon, mc->parts[i].filename,
                       strlen(mc->parts[i].filename), where, e) != 0))
            goto out;
    }
    rc = 0;
out:
    msg_content_free(mc);
    msg_free(m);
    return rc;
}

/* Protected headers (Subject, From, To inside the signed entity): a
 * recipient can see that the gateway signed the Subject it reads. */
static int copy_entity(struct pctx *c, const struct pparts *pp,
                       const char *subject, struct buf *entity,
                       struct err *e)
{
    const struct msg_header_field ph[] = {
        {"From", c->g->conf->from}, {"To", c->l->address},
        {"Subject", subject},
    };

    return msg_build_entity_protected(pp->v, pp->n, ph,
                                      sizeof(ph) / sizeof(ph[0]), entity, e);
}

int copy_make(struct pctx *c, struct pcopy *out, struct err *e)
{
    struct buf subj, body, rsubj, rbody;
    struct pparts *pp = calloc(1, sizeof(*pp));
    int rc = -1;

    buf_init(&subj, PROCESS_COPY_MAX);
    buf_init(&body, PROCESS_COPY_MAX);
    buf_init(&rsubj, PROCESS_COPY_MAX);
    buf_init(&rbody, PROCESS_COPY_MAX);
    if (pp == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    pp->n = 1;      /* v[0] is the rendered body */
    if (copy_content(c, &subj, &body, pp, e) != 0 ||
        copy_render(c, buf_cstr(&subj), buf_cstr(&body), &rsubj, &rbody,
                    e) != 0)
        goto out;
    pp->v[0].is_text = 1;
    pp->v[0].content_type = (char *)"text/plain";
    pp->v[0].data = rbody.data ? rbody.data : (char *)"";
    pp->v[0].len = rbody.len;
    if (copy_entity(c, pp, buf_cstr(&rsubj), &out->entity, e) != 0 ||
        copy_sign(c, buf_cstr(&rsubj), out, e) != 0)
        goto out;
    if (buf_printf(&out->text, "Subject: %s\n\n", buf_cstr(&rsubj)) != 0 ||
        buf_append(&out->text, rbody.data ? rbody.data : "", rbody.len) != 0) {
        err_set(e, ERR_TOOBIG, "copy too large");
        goto out;
    }
    rc = c->l->anonymise ? copy_leak_check(c, out, e) : 0;
out:
    if (pp) {
        pp->v[0].filename = NULL;
        pparts_free(pp);
        free(pp);
    }
    buf_free(&subj);
    buf_free(&body);
    buf_free(&rsubj);
    buf_free(&rbody);
    return rc;
}

/* ---- per-recipient encryption (lists.encrypt if-key / always) ----------
 *
 * The GnuPG work happens here, before the commit's transaction: each
 * recipient of an encrypting list is classified (plain, encrypted, or
 * a withheld notice) and its own message made. Plain recipients share the
 * one signed list copy. */

/* Every recipient of l, with the pinned fingerprint; read-only. Ordered,
 * so that the commit can check the list did not change meanwhile. */
#define ENCRYPT_RCPTS_SQL "SELECT r.address, c.fingerprint FROM " \
    "list_recipients r JOIN contacts c ON c.id = r.contact_id WHERE " \
    "r.list_id = ? ORDER BY r.address, c.fingerprint"

/* Room for one more recipient (doubling, up to the named limit). */
static int encrypt_grow(const struct plist *l, struct pcopy *cp, size_t *cap,
                        struct err *e)
{
    struct prcpt *v;
    size_t n;

    if (cp->nrcpts < *cap)
        return 0;
    if (*cap >= PROCESS_ENCRYPT_RCPTS_MAX)
        return err_set(e, ERR_TOOBIG, "list %s has more than %d recipients "
                       "to encrypt for", l->name, PROCESS_ENCRYPT_RCPTS_MAX);
    n = *cap ? *cap * 2 : 16;
    if (n > PROCESS_ENCRYPT_RCPTS_MAX)
        n = PROCESS_ENCRYPT_RCPTS_MAX;
    v = realloc(cp->rcpts, n * sizeof(*v));
    if (v == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    memset(v + *cap, 0, (n - *cap) * sizeof(*v));
    cp->rcpts = v;
    *cap = n;
    return 0;
}

static int encrypt_load(struct gateway *g, const struct plist *l,
                        struct pcopy *cp, struct err *e)
{
    struct store_stmt *st;
    struct prcpt *r;
    size_t cap = 0;
    int rc;

    if (store_prepare(g->store, ENCRYPT_RCPTS_SQL, &st, e) != 0)
        return -1;
    store_bind_int(st, 1, l->id);
    while ((rc = store_step(st, e)) == 1) {
        if (encrypt_grow(l, cp, &cap, e) != 0) {
            rc = -1;
            break;
        }
        r = &cp->rcpts[cp->nrcpts++];
        buf_init(&r->msg, PROCESS_COPY_MAX);
        r->address = strdup(store_col_text(st, 0));
        snprintf(r->fpr, sizeof(r->fpr), "%s", store_col_text(st, 1));
        if (r->address == NULL) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* 1: the pinned key can receive; 0: it cannot, r->why says why (words
 * for the recipient's notice); -1: GnuPG failed (agent down: ERR_TEMP). */
static int encrypt_usable(struct gateway *g, struct prcpt *r, struct err *e)
{
    struct pgp_keyinfo ki;
    struct err ke;

    if (r->fpr[0] == '\0') {
        snprintf(r->why, sizeof(r->why), "no OpenPGP key is on file for "
                 "your address");
        return 0;
    }
    err_init(&ke);
    if (pgp_key_info(g->pgp, r->fpr, &ki, &ke) != 0) {
        if (ke.code != ERR_NOUSER)
            return err_set(e, ke.code, "%s", ke.msg);
        snprintf(r->why, sizeof(r->why), "your key %s is not in the "
                 "gateway's keyring", r->fpr);
        return 0;
    }
    if (ki.revoked || ki.expired || ki.invalid || !ki.can_encrypt) {
        snprintf(r->why, sizeof(r->why), "your key %s %s", r->fpr,
                 ki.revoked ? "is revoked" : ki.expired ? "has expired"
                 : ki.invalid ? "is invalid"
                 : "has no usable encryption subkey");
        return 0;
    }
    return 1;
}

/* Outer Subject of an encrypted copy. The list Subject is protected
 * inside (clients that read protected headers show it); outside it would
 * travel in clear through every relay, so only the id and label do. */
static int encrypt_subject(const struct pctx *c, char *out, size_t n)
{
    int len = snprintf(out, n, "[%s] Encrypted alert %s",
                       alert_tlp_label(c->a->tlp), c->a->alert_id);

    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The list copy's signed entity, encrypted and signed in one OpenPGP
 * message (RFC 3156 6.2) to r's key, in the list copy's headers. A key
 * GnuPG finds unusable now leaves r unencrypted (r->why). */
static int encrypt_one(struct pctx *c, const struct pcopy *cp,
                       struct prcpt *r, struct err *e)
{
    struct msg_header_field h[COPY_HEADERS_MAX];
    const char *fpr = r->fpr;
    char subject[ALERT_ID_MAX + 64], listid[512];
    const char *eoh;
    struct buf ct;
    struct err pe;
    int rc = -1;

    buf_init(&ct, PROCESS_COPY_MAX * 2);
    err_init(&pe);
    if (encrypt_subject(c, subject, sizeof(subject)) != 0 ||
        copy_list_id(c, listid, sizeof(listid)) != 0) {
        err_set(e, ERR_SOFTWARE, "encrypted copy: header too long");
        goto out;
    }
    if (pgp_encrypt_sign(c->g->pgp, c->g->signing_key, &fpr, 1,
                         cp->entity.data, cp->entity.len, &ct, &pe) != 0) {
        if (pe.code != ERR_NOUSER) {
            err_set(e, pe.code, "%s", pe.msg);
            goto out;
        }
        snprintf(r->why, sizeof(r->why), "%s", pe.msg);
        rc = 0;
        goto out;
    }
    if (msg_build_encrypted(h, copy_headers(c, cp, subject, listid, h),
                            ct.data, ct.len, &r->msg, e) != 0)
        goto out;
    r->how = RCPT_ENCRYPTED;
    /* only the header section is clear text: scan it (the ciphertext
     * could match a short name by chance and hold a clean alert) */
    eoh = memmem(r->msg.data, r->msg.len, "\r\n\r\n", 4);
    rc = c->l->anonymise ? anon_scan(c->g->anon, r->msg.data, eoh ?
                                     (size_t)(eoh - r->msg.data) : r->msg.len,
                                     "the encrypted copy's headers", e) : 0;
out:
    buf_free(&ct);
    return rc;
}

/* A list that encrypts always tells a recipient it cannot encrypt for
 * that an alert was withheld and why: id, label and list, never the
 * content. Signed by the gateway, stored as a notice of the alert. */
static int encrypt_notice(struct pctx *c, struct prcpt *r, struct err *e)
{
    char subject[ALERT_ID_MAX + 128], date[MAILOUT_DATE_MAX];
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct buf body, entity;
    struct msg_part part = {1, (char *)"text/plain", NULL, NULL, 0};
    int rc = -1, len;

    buf_init(&body, 8192);
    buf_init(&entity, 16384);
    len = snprintf(subject, sizeof(subject), "[%s] Alert %s withheld: no "
                   "usable OpenPGP key", tlp, c->a->alert_id);
    mailout_date(date, sizeof(date));
    if (len < 0 || (size_t)len >= sizeof(subject) ||
        mailout_msgid(c->g, "withheld", r->msgid, sizeof(r->msgid)) != 0 ||
        buf_printf(&body, "Alert %s (%s) went out to the list %s <%s>.\n"
                   "That list sends alerts only encrypted, and no encrypted "
                   "copy could be made\nfor you: %s.\n\nThe alert's content "
                   "is withheld from you. To receive the alerts of this\n"
                   "list, send your OpenPGP public key to %s.\n",
                   c->a->alert_id, tlp, c->l->name, c->l->address, r->why,
                   c->g->conf->from) != 0) {
        err_set(e, ERR_SOFTWARE, "withheld notice too long");
        goto out;
    }
    part.data = body.data;
    part.len = body.len;
    {
        const struct msg_header_field ph[] = {
            {"From", c->g->conf->from}, {"To", r->address},
            {"Subject", subject},
        };
        const struct msg_header_field h[] = {
            {"From", c->g->conf->from}, {"To", r->address},
            {"Subject", subject}, {"Date", date}, {"Message-ID", r->msgid},
            {"Auto-Submitted", "auto-generated"},
        };
        if (msg_build_entity_protected(&part, 1, ph, 3, &entity, e) == 0 &&
            mailout_sign(c->g, h, sizeof(h) / sizeof(h[0]), &entity,
                         &r->msg, e) == 0) {
            r->how = RCPT_NOTICE;
            rc = 0;
        }
    }
out:
    buf_free(&body);
    buf_free(&entity);
    return rc;
}

static int copy_encrypt(struct pctx *c, struct pcopy *cp, struct err *e)
{
    struct prcpt *r;
    size_t i;
    int u;

    if (c->l->encrypt == ENCRYPT_NEVER)
        return 0;
    if (gateway_pgp(c->g, e) != 0 || gateway_signing_key(c->g, e) != 0 ||
        encrypt_load(c->g, c->l, cp, e) != 0)
        return -1;
    for (i = 0; i < cp->nrcpts; i++) {
        r = &cp->rcpts[i];
        u = encrypt_usable(c->g, r, e);
        if (u < 0 || (u == 1 && encrypt_one(c, cp, r, e) != 0))
            return -1;
        if (r->how == RCPT_PLAIN && c->l->encrypt == ENCRYPT_ALWAYS &&
            encrypt_notice(c, r, e) != 0)
            return -1;
    }
    return 0;
}

static int commit_pseudonyms(struct gateway *g, const char *alert_id,
                             const struct anon_map *map, struct err *e)
{
    const char *cls, *orig, *ph;
    size_t i;

    for (i = 0; anon_map_get(map, i, &cls, &orig, &ph) == 0; i++)
        if (store_run(g->store, e, "INSERT OR IGNORE INTO pseudonyms(alert_id,"
                      " cls, original, placeholder) VALUES(?,?,?,?)", "tttt",
                      alert_id, cls, orig, ph) < 0)
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

    if (store_prepare(g->store, ENCRYPT_RCPTS_SQL, &st, e) != 0)
        return -1;
    store_bind_int(st, 1, l->id);
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
    if (store_run(g->store, e, "INSERT INTO copies(alert_row, list_id, kind,"
                  " message_id, message, created) VALUES(?,?,?,?,?,?)",
                  "iittbi", row, list, kind, msgid, msg->data, msg->len,
                  (int64_t)time(NULL)) < 0)
        return -1;
    *id = store_last_id(g->store);
    return 0;
}

static int commit_outbox(struct gateway *g, int64_t copy, const char *rcpt,
                         struct err *e)
{
    return store_run(g->store, e, "INSERT INTO outbox(copy_id, rcpt, "
                     "updated) VALUES(?,?,?)", "iti", copy, rcpt,
                     (int64_t)time(NULL)) < 0 ? -1 : 0;
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
    char detail[ERR_MSG_MAX + 64];
    int64_t id;

    if (commit_insert_copy(g, row, l->id, enc ? "copy" : "notice",
                           enc ? cp->msgid : r->msgid, &r->msg, &id, e) != 0)
        return -1;
    if (enc)
        snprintf(detail, sizeof(detail), "copy %lld: encrypted to %s",
                 (long long)id, r->fpr);
    else
        snprintf(detail, sizeof(detail), "copy %lld: withheld notice: %s",
                 (long long)id, r->why);
    if (store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail, rcpt) VALUES(?,?,?,?,?)", "iittt",
                  (int64_t)time(NULL), row, enc ? "copy-encrypted"
                  : "copy-withheld", detail, r->address) < 0)
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
    int k;

    *n = 0;
    if (commit_insert_copy(g, row, l->id, "copy", c->msgid, &c->msg, &cid,
                           e) != 0)
        return -1;
    if (l->encrypt == ENCRYPT_NEVER) {
        if (hold)
            return store_get_int(g->store, e, n, "SELECT count(*) FROM "
                                 "list_recipients WHERE list_id = ?", "i",
                                 l->id) < 0 ? -1 : 0;
        k = store_run(g->store, e, "INSERT INTO outbox(copy_id, rcpt, "
                      "updated) SELECT ?, address, ? FROM list_recipients "
                      "WHERE list_id = ?", "iii", cid, (int64_t)time(NULL),
                      l->id);
        *n = k;
        return k < 0 ? -1 : 0;
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

static int commit_outcome(struct gateway *g, int64_t row,
                          const struct plist *l, const struct pcopy *c,
                          const char *outcome, int64_t n, struct err *e)
{
    char why[ERR_MSG_MAX];

    snprintf(why, sizeof(why), "%s", l->withheld);
    if (why[0] == '\0' && l->encrypt != ENCRYPT_NEVER)
        commit_why(l, c, why, sizeof(why));
    return store_run(g->store, e, "INSERT OR REPLACE INTO list_outcomes("
                     "alert_row, list_id, outcome, reason, recipients) "
                     "VALUES(?,?,?,?,?)", "iitti", row, l->id, outcome, why,
                     n) < 0 ? -1 : 0;
}

/* One list: withheld, held for release (copy and preview), or queued. */
static int commit_list(struct gateway *g, int64_t row, const struct palert *a,
                       const struct plist *l, const struct pcopy *c,
                       const char *officer, int hold,
                       struct process_result *r, struct err *e)
{
    int64_t n = 0;

    if (l->withheld[0]) {
        r->withheld++;
        return commit_outcome(g, row, l, c, "withheld", 0, e);
    }
    if (commit_copy(g, row, l, c, hold, &n, e) != 0 ||
        commit_outcome(g, row, l, c, hold ? "awaiting" : "queued", n, e) != 0)
        return -1;
    r->copies++;
    if (!hold) {
        r->recipients += n;
        return 0;
    }
    if (officer[0] == '\0')
        return 0;
    return lifecycle_preview_queue(g, row, officer, a->alert_id, l->name, n,
                                   c->text.data ? c->text.data : "", e);
}

/* The alert's own row: what it became, and why. */
static int commit_state(struct gateway *g, int64_t row,
                        const struct palert *a, const char *state,
                        const char *reason, struct err *e)
{
    if (process_claim(e, store_run(g->store, e, "UPDATE alerts "
                      "SET state=?, reason=?, alert_id=?, signer=?, "
                      "subject=?, thread=?, update_no=?, tlp=? WHERE id=? "
                      "AND state='new'", "ttttttiti", state, reason,
                      a->alert_id, a->signer, a->content->subject, a->thread,
                      (int64_t)a->update_no, alert_tlp_label(a->tlp), row),
                      row) != 0 ||
        store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail) VALUES(?,?,?,?)", "iitt", (int64_t)time(NULL), row,
                  strcmp(state, "queued") == 0 ? "queued" : "held",
                  reason[0] ? reason : a->alert_id) < 0)
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

static int process_commit(struct gateway *g, int64_t row,
                          const struct pdist *d, const struct palert *a,
                          const struct anon_map *map,
                          const struct plist *lists,
                          const struct pcopy *copies, size_t n,
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
    r->copies = r->withheld = 0;
    r->recipients = 0;
    if (commit_pseudonyms(g, a->thread, map, e) != 0)
        goto fail;
    for (i = 0; i < n; i++)
        if (commit_list(g, row, a, &lists[i], &copies[i], officer, hold, r,
                        e) != 0)
            goto fail;
    state = commit_verdict(lists, n, hold, r);
    hold = r->verdict == PROCESS_AWAITING;
    if (commit_state(g, row, a, state, r->verdict == PROCESS_QUEUED ? ""
                     : r->reason, e) != 0 ||
        (hold && store_run(g->store, e, "INSERT INTO releases(alert_row, "
                           "alert_id, requested) VALUES(?,?,?)", "iti", row,
                           a->alert_id, (int64_t)time(NULL)) < 0) ||
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

/* Why a list does not get this alert, or "" when it does. */
static void plist_withhold(struct plist *l, enum alert_tlp tlp)
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

#define PROCESS_REFS_MAX 10     /* References: the first and the latest */

/* Message-IDs of this list's earlier copies of the thread, oldest first:
 * the last is In-Reply-To; References keeps the first and the latest
 * (RFC 5322 3.6.4 allows trimming the middle). Encrypted copies share
 * their list copy's Message-ID: each id counts once. */
static int process_refs(struct gateway *g, int64_t row, const char *thread,
                        int64_t list_id, struct buf *refs, char *last,
                        size_t lastsz, struct err *e)
{
    struct store_stmt *st;
    int64_t total = 0, k = 0;
    int rc;

    last[0] = '\0';
    if (store_get_int(g->store, e, &total, "SELECT count(DISTINCT "
                      "c.message_id) FROM copies c "
                      "JOIN alerts a ON a.id = c.alert_row WHERE (a.thread "
                      "= ?1 OR (a.thread = '' AND a.alert_id = ?1)) AND "
                      "a.state = 'queued' AND a.id <> ?2 AND c.list_id = ?3 "
                      "AND c.kind = 'copy' AND a.command = ''", "tii", thread,
                      row, list_id) < 0 ||
        store_prepare(g->store, "SELECT c.message_id FROM copies c JOIN "
                      "alerts a ON a.id = c.alert_row WHERE (a.thread = ?1 OR"
                      " (a.thread = '' AND a.alert_id = ?1)) AND a.state = "
                      "'queued' AND a.id <> ?2 AND c.list_id = ?3 AND c.kind "
                      "= 'copy' GROUP BY c.message_id ORDER BY min(c.id)",
                      &st, e) != 0)
        return -1;
    store_bind_text(st, 1, thread);
    store_bind_int(st, 2, row);
    store_bind_int(st, 3, list_id);
    while ((rc = store_step(st, e)) == 1) {
        const char *id = store_col_text(st, 0);
        if (k++ == 0 || total - k < PROCESS_REFS_MAX - 1)
            if ((refs->len && buf_puts(refs, " ") != 0) ||
                buf_puts(refs, id) != 0) {
                rc = err_set(e, ERR_TOOBIG, "References too long");
                break;
            }
        snprintf(last, lastsz, "%s", id);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
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

/* Per-recipient encryption of the lists that want it, by the parent:
 * GnuPG and the registry's keys, over entities the child built. */
static int process_encrypt(struct gateway *g, const struct palert *a,
                           struct plist *lists, size_t n, struct pcopy *copies,
                           struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct pctx c = {g, a, &lists[i], NULL, NULL,
                         lists[i].in_reply_to[0] ? lists[i].in_reply_to
                                                 : NULL,
                         lists[i].refs ? lists[i].refs : ""};
        if (!lists[i].withheld[0] && copy_encrypt(&c, &copies[i], e) != 0)
            return -1;
    }
    return 0;
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

/* Make every list's copy; any failure of one stops all (an alert goes to
 * all of its lists or to none; a list withheld by TLP is policy, not a
 * failure). 1: held or quarantined (r says why); -1: error. */
static int process_copies(struct gateway *g, int64_t row,
                          const struct pdist *d, struct palert *a,
                          struct process_result *r, struct err *e)
{
    struct anon_map *map = anon_map_new();
    struct plist *lists = NULL;
    struct pcopy *copies = NULL;
    size_t n = 0, i;
    int rc = -1;

    if (map == NULL || plists_load(g, d->id, NULL, &lists, &n, e) != 0 ||
        process_map_load(g, a->thread, map, e) != 0 ||
        (copies = calloc(n ? n : 1, sizeof(*copies))) == NULL)
        goto out;
    for (i = 0; i < n; i++)
        pcopy_init(&copies[i]);
    if (process_copies_ready(g, row, a, lists, n, e) != 0)
        goto out;
    anon_set_deadline(g->anon, g->conf->process_budget * 1000L);
    rc = child_copies(g, a, lists, n, &map, copies, r, e);
    if (rc == 0)
        rc = process_encrypt(g, a, lists, n, copies, e);
    if (rc == 0)
        rc = process_commit(g, row, d, a, map, lists, copies, n, r, e);
    if (rc == 0 && r->verdict != PROCESS_QUEUED)
        rc = 2;     /* committed, and not queued: nothing more to record */
out:
    if (rc < 0 && !err_is_temp(e) && err_is_set(e) && e->code != ERR_DUP) {
        rc = process_verdict(r, PROCESS_HELD, e->msg);
        err_init(e);
    }
    for (i = 0; copies && i < n; i++)
        pcopy_free(&copies[i]);
    free(copies);
    plists_free(lists, n);
    anon_map_free(map);
    if (g->anon)
        anon_set_deadline(g->anon, 0);
    return rc == 2 ? 0 : rc;
}

static int process_load(struct gateway *g, int64_t row, struct buf *raw,
                        struct pdist *d, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(g->store, "SELECT r.raw, a.dist_id, d.default_tlp, "
                      "d.require_release, d.address FROM alerts a JOIN "
                      "alert_raw r ON r.alert_row = a.id LEFT JOIN dists d "
                      "ON d.id = a.dist_id WHERE a.id=? AND a.state='new'", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        d->id = store_col_int(st, 1);
        d->default_tlp = alert_tlp_parse(store_col_text(st, 2));
        if (d->default_tlp == TLP_NONE)
            d->default_tlp = TLP_AMBER;
        d->require_release = (int)store_col_int(st, 3);
        snprintf(d->address, sizeof(d->address), "%s",
                 store_col_text(st, 4));
        if (buf_append(raw, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOUSER, "no new alert #%lld", (long long)row);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* What the text says of itself: id (if it names one), TLP (the most
 * restrictive label in Subject or body: a copy never carries a less
 * restrictive one than the original), risk. Writes nothing. */
static int process_meta(struct gateway *g, struct palert *a,
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
    return store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                     "detail) VALUES(?,?,'outer-subject-ignored',?)", "iit",
                     (int64_t)time(NULL), row, detail) < 0 ? -1 : 0;
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

/* A signed To: binds the alert to the distributions it names. */
static int process_bound(const struct palert *a, const struct pdist *d,
                         struct process_result *r)
{
    char why[ERR_MSG_MAX];

    if (a->content->signed_to[0] == '\0' ||
        process_names_addr(a->content->signed_to, d->address))
        return 0;
    snprintf(why, sizeof(why), "signed for another distribution: the signed "
             "To: names %.200s, not %.200s", a->content->signed_to,
             d->address);
    return process_verdict(r, PROCESS_QUARANTINED, why);
}

/* Parse and authenticate; 1: a verdict that stops it is in r. */
static int process_open(struct gateway *g, int64_t row,
                        const struct buf *raw, const struct pdist *d,
                        struct palert *a, struct process_result *r,
                        struct err *e)
{
    struct auth_result ar;

    switch (child_open(g, raw->data ? raw->data : "", raw->len, &ar, r, e)) {
    case 0:
        break;
    case 1:
        return 1;
    default:
        return -1;
    }
    if (!ar.ok) {
        r->malformed = ar.malformed;
        return process_verdict(r, PROCESS_QUARANTINED, ar.reason);
    }
    snprintf(a->signer, sizeof(a->signer), "%s", ar.signer);
    a->signed_at = ar.signed_at;
    a->content = ar.content;        /* ownership moves to the alert */
    ar.content = NULL;
    if (process_body_subject(a, e) != 0 || process_meta(g, a, r, e) != 0)
        return -1;
    switch (auth_replay(g, row, &ar, e)) {
    case 0:
        if (process_bound(a, d, r) != 0)
            return 1;
        return process_note_outer(g, row, a, e);
    case 1:
        return process_verdict(r, PROCESS_QUARANTINED, ar.reason);
    default:
        return -1;
    }
}

/* An officer's signed "release ID" / "cancel ID". 2: not a command; 1:
 * refused (r says why); 0: done and recorded. */
static int process_command(struct gateway *g, int64_t row, struct palert *a,
                           struct process_result *r, struct err *e)
{
    struct lifecycle_decision d;
    char id[ALERT_ID_MAX];
    struct err ue;
    long n = 0;

    memset(&d, 0, sizeof(d));
    d.verb = lifecycle_command(process_body_text(a->content),
                               g->conf->alert_prefix, id);
    if (d.verb == LIFECYCLE_NONE)
        return 2;
    d.alert_id = id;
    d.by = a->signer;
    d.via = "mail";
    d.signed_at = a->signed_at;
    d.command_row = row;
    snprintf(r->alert_id, sizeof(r->alert_id), "%s", id);
    if (lifecycle_decide(g, &d, &n, e) == 0) {
        r->verdict = PROCESS_QUEUED;
        snprintf(r->reason, sizeof(r->reason), "%s %s",
                 d.verb == LIFECYCLE_RELEASE ? "released" : "cancelled", id);
        return 0;
    }
    if (err_is_temp(e))
        return -1;
    /* process_stop records the refusal; mark the row as a command so
     * that it never counts as an alert of that id */
    err_init(&ue);
    if (store_run(g->store, &ue, "UPDATE alerts SET command=? WHERE id=?",
                  "ti", d.verb == LIFECYCLE_RELEASE ? "release" : "cancel",
                  row) < 0) {
        err_reword(e, ue.code, "%s", ue.msg);
        return -1;
    }
    snprintf(r->reason, sizeof(r->reason), "%s refused: %.400s",
             d.verb == LIFECYCLE_RELEASE ? "release" : "cancel", e->msg);
    err_init(e);
    r->verdict = PROCESS_HELD;
    return 1;
}

/* Id (reserved if new), thread, update number, TLP default. */
static int process_prepare(struct gateway *g, int64_t row,
                           const struct pdist *d, struct palert *a,
                           struct process_result *r, struct err *e)
{
    if (process_reserve_id(g, row, a, e) != 0 ||
        process_thread(g, row, a, e) != 0)
        return -1;
    snprintf(r->alert_id, sizeof(r->alert_id), "%s", a->alert_id);
    if (a->tlp == TLP_NONE)
        a->tlp = d->default_tlp;
    return 0;
}

/* Poison accounting: one more attempt is committed before each one, so
 * that an alert whose processing kills the whole worker (not only the
 * sandboxed child) is not taken first forever. 1: it was started
 * PROCESS_ATTEMPTS_MAX times without an outcome, r holds the quarantine. */
static int process_attempt(struct gateway *g, int64_t row,
                           struct process_result *r, struct err *e)
{
    int64_t n = -1;
    char why[96];

    if (store_begin(g->store, e) != 0)
        return -1;
    if (store_get_int(g->store, e, &n, "SELECT attempts FROM alerts WHERE "
                      "id=? AND state='new'", "i", row) < 0 ||
        (n >= 0 && n < PROCESS_ATTEMPTS_MAX &&
         store_run(g->store, e, "UPDATE alerts SET attempts=attempts+1 "
                   "WHERE id=?", "i", row) < 0)) {
        store_rollback(g->store);
        return -1;
    }
    if (store_commit(g->store, e) != 0)
        return -1;
    if (n < 0)
        return err_set(e, ERR_DUP, "alert #%lld was processed concurrently",
                       (long long)row);
    if (n < PROCESS_ATTEMPTS_MAX)
        return 0;
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
    store_run(g->store, &ue, "UPDATE alerts SET attempts=attempts-1 WHERE "
              "id=? AND state='new' AND attempts>0", "i", row);
}

int process_alert(struct gateway *g, int64_t row, struct process_result *r,
                  struct err *e)
{
    struct palert a;
    struct pdist d;
    struct buf raw;
    int rc;

    memset(r, 0, sizeof(*r));
    memset(&a, 0, sizeof(a));
    memset(&d, 0, sizeof(d));
    rc = process_attempt(g, row, r, e);
    if (rc != 0)
        return rc == 1 ? process_stop(g, row, r, e) : -1;
    buf_init(&raw, (size_t)g->conf->max_size + 1);
    if (process_load(g, row, &raw, &d, e) != 0) {
        buf_free(&raw);
        process_attempt_done(g, row);
        return -1;
    }
    rc = process_open(g, row, &raw, &d, &a, r, e);
    if (rc == 0) {
        rc = process_command(g, row, &a, r, e);     /* 2: not a command */
        if (rc == 2)
            rc = process_prepare(g, row, &d, &a, r, e);
        if (rc == 0 && a.thread[0])
            rc = process_copies(g, row, &d, &a, r, e);
    }
    if (rc == 1)
        rc = process_stop(g, row, r, e);
    if (rc != 0)
        process_attempt_done(g, row);
    msg_content_free(a.content);
    buf_free(&raw);
    return rc;
}

int process_pending(struct gateway *g, long *n, struct err *e)
{
    struct process_result r;
    int64_t row = 0;
    struct err ae;
    int rc, failed = 0;

    *n = 0;
    for (;;) {
        rc = store_get_int(g->store, e, &row, "SELECT min(id) FROM alerts "
                           "WHERE state='new' AND id > ?", "i", row);
        if (rc < 0)
            return -1;
        if (row == 0)
            return failed ? -1 : 0;
        err_init(&ae);
        if (process_alert(g, row, &r, &ae) == 0)
            (*n)++;
        else if (ae.code != ERR_DUP && !failed++)
            *e = ae;    /* the first error is kept, the rest still tried */
    }
}

static int preview_diff(const struct anon_changes *ch, struct buf *out)
{
    size_t i;
    int rc = buf_puts(out, "line\toriginal\tplaceholder\trule\n");

    for (i = 0; i < ch->n && rc == 0; i++)
        rc = buf_printf(out, "%zu\t%s\t%s\t%s\n", ch->v[i].line,
                        ch->v[i].original, ch->v[i].placeholder,
                        ch->v[i].rule);
    return rc;
}

/* In the child: the copy, or every replacement made in it. */
static int preview_work(void *arg, struct buf *out, struct err *e)
{
    struct pctx *c = arg;
    struct pcopy copy;
    int rc;

    pcopy_init(&copy);
    rc = copy_make(c, &copy, e);
    if (rc == 0 && (c->changes ? preview_diff(c->changes, out)
                    : buf_append(out, copy.msg.data, copy.msg.len)) != 0)
        rc = err_set(e, ERR_TOOBIG, "preview too large");
    pcopy_free(&copy);
    return rc;
}

static int preview_copy(struct gateway *g, struct palert *a,
                        const char *list, int diff, FILE *out, struct err *e)
{
    struct anon_changes ch = {NULL, 0, 0};
    struct anon_map *map = anon_map_new();
    struct plist *l = NULL;
    struct buf text;
    size_t n = 0;
    int rc = -1;

    buf_init(&text, 4 * PROCESS_COPY_MAX);
    if (map == NULL || plists_load(g, -1, list, &l, &n, e) != 0 ||
        process_map_load(g, a->thread, map, e) != 0 ||
        gateway_anon(g, e) != 0 || gateway_pgp(g, e) != 0 ||
        gateway_signing_key(g, e) != 0 ||
        render_load(g->conf->templates_dir, l->template_name, &l->tmpl,
                    e) != 0)
        goto out;
    {
        struct pctx c = {g, a, l, map, diff ? &ch : NULL, NULL, NULL};
        if (child_text(g, NULL, 0, preview_work, &c, &text, e) != 0)
            goto out;
    }
    fwrite(text.data ? text.data : "", 1, text.len, out);
    rc = 0;
out:
    anon_changes_free(&ch);
    buf_free(&text);
    plists_free(l, n);
    anon_map_free(map);
    return rc;
}

int process_preview(struct gateway *g, const char *raw, size_t len,
                    const char *list, int diff, FILE *out, struct err *e)
{
    struct palert a;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    if (child_content(g, raw, len, &a.content, e) != 0 ||
        process_meta(g, &a, NULL, e) != 0 ||
        process_alert_id(g, &a, e) != 0)
        goto out;
    alert_thread(a.alert_id, a.thread, sizeof(a.thread));
    a.update_no = alert_find_update(a.content->subject);
    if (a.tlp == TLP_NONE)
        a.tlp = TLP_AMBER;      /* no distribution here: the usual default */
    rc = preview_copy(g, &a, list, diff, out, e);
out:
    msg_content_free(a.content);
    return rc;
}

/* Headers an anonymised message keeps, each value anonymised; the rest
 * (Received, X-*, ...) could name a site and is dropped. */
static const char *const anonymise_keep[] = {
    "From", "To", "Cc", "Date", "Message-ID", "In-Reply-To", "References",
};
#define ANONYMISE_NKEEP (sizeof(anonymise_keep) / sizeof(anonymise_keep[0]))

static int anonymise_headers(struct pctx *c, const struct msg *m,
                             struct buf *vals, struct msg_header_field *h,
                             size_t *nh, struct err *e)
{
    const char *v;
    size_t i;

    for (i = 0; i < ANONYMISE_NKEEP; i++) {
        v = msg_header(m, anonymise_keep[i]);
        if (v == NULL)
            continue;
        h[*nh].name = anonymise_keep[i];
        if (copy_text(c, v, strlen(v), &vals[(*nh)++], e) != 0)
            return -1;
    }
    for (i = 0; i < *nh; i++)
        h[i].value = buf_cstr(&vals[i]);
    return 0;
}

static int anonymise_build(struct pctx *c, const struct msg *m,
                           struct buf *out, struct err *e)
{
    struct msg_header_field h[ANONYMISE_NKEEP + 1];
    struct buf vals[ANONYMISE_NKEEP], subj, body, entity;
    struct pparts *pp = calloc(1, sizeof(*pp));
    size_t nh = 0, i;
    int rc = -1;

    for (i = 0; i < ANONYMISE_NKEEP; i++)
        buf_init(&vals[i], PROCESS_COPY_MAX);
    buf_init(&subj, PROCESS_COPY_MAX);
    buf_init(&body, PROCESS_COPY_MAX);
    buf_init(&entity, PROCESS_COPY_MAX);
    if (pp == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    pp->n = 1;
    if (anonymise_headers(c, m, vals, h, &nh, e) != 0 ||
        copy_content(c, &subj, &body, pp, e) != 0)
        goto out;
    h[nh].name = "Subject";
    h[nh++].value = buf_cstr(&subj);
    pp->v[0].is_text = 1;
    pp->v[0].content_type = (char *)"text/plain";
    pp->v[0].data = (char *)buf_cstr(&body);
    pp->v[0].len = body.len;
    if (msg_build_entity(pp->v, pp->n, &entity, e) == 0)
        rc = msg_build_message(h, nh, entity.data, entity.len, out, e);
out:
    for (i = 0; i < ANONYMISE_NKEEP; i++)
        buf_free(&vals[i]);
    if (pp) {
        pparts_free(pp);
        free(pp);
    }
    buf_free(&subj);
    buf_free(&body);
    buf_free(&entity);
    return rc;
}

struct anonymise_job {
    struct gateway *g;
    const char *alert_id;
    const char *raw;
    size_t len;
    struct anon_map *map;
};

/* In the child: parse, decode, anonymise, rebuild. */
static int anonymise_work(void *arg, struct buf *out, struct err *e)
{
    static const struct plist sanitised = {
        0, (char *)"anonymise", (char *)"", (char *)"", (char *)"drop", 1,
        TLP_NONE, 0, 0, "", ENCRYPT_NEVER, NULL, "", NULL};
    struct anonymise_job *j = arg;
    struct msg_limits lim;
    struct palert a;
    struct msg *m = NULL;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    gateway_msg_limits(j->g, &lim);
    if (msg_parse(j->raw, j->len, &lim, &m, e) == 0 &&
        msg_content(m, &a.content, e) == 0) {
        struct pctx c = {j->g, &a, &sanitised, j->map, NULL, NULL, NULL};
        rc = anonymise_build(&c, m, out, e);
    }
    msg_content_free(a.content);
    msg_free(m);
    return rc;
}

int process_anonymise(struct gateway *g, const char *alert_id,
                      const char *raw, size_t len, struct buf *out,
                      struct err *e)
{
    struct anonymise_job job = {g, alert_id, raw, len, anon_map_new()};
    char thread[ALERT_ID_MAX];
    int rc = -1;

    if (alert_id)
        alert_thread(alert_id, thread, sizeof(thread));
    if (job.map != NULL && gateway_anon(g, e) == 0 &&
        (alert_id == NULL || g->store == NULL ||
         process_map_load(g, thread, job.map, e) == 0))
        rc = child_text(g, raw, len, anonymise_work, &job, out, e);
    anon_map_free(job.map);
    return rc;
}
