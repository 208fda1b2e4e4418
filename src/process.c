#include "process.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "mailout.h"
#include "msg.h"
#include "registry.h"
#include "render.h"
#include "util/buf.h"

#define PROCESS_LISTS_MAX 64
#define PROCESS_COPY_MAX (64u * 1024 * 1024)

/* One list of the distribution, as the pipeline needs it. */
struct plist {
    int64_t id;
    char *name;
    char *address;
    char *template_name;
    char *attachments;
    int anonymise;
};

/* What every copy is made from: the authenticated content. */
struct palert {
    struct msg_content *content;
    char alert_id[ALERT_ID_MAX];
    enum alert_tlp tlp;
    char signer[PGP_FPR_MAX];
};

struct pcopy {
    struct buf msg;
    char msgid[MAILOUT_MSGID_MAX];
};

static void plists_free(struct plist *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].address);
        free(v[i].template_name);
        free(v[i].attachments);
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
    return l->name && l->address && l->template_name && l->attachments ? 0
                                                                       : -1;
}

/* dist < 0: the one list named by name (preview). */
static int plists_load(struct gateway *g, int64_t dist, const char *name,
                       struct plist **out, size_t *n, struct err *e)
{
    static const char cols[] = "SELECT l.id, l.name, l.address, l.anonymise, "
                               "l.template, l.attachments FROM lists l ";
    struct store_stmt *st;
    struct plist *v;
    char sql[512];
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
    while ((rc = store_step(st, e)) == 1 && *n < PROCESS_LISTS_MAX)
        if (plist_fill(&v[(*n)++], st) != 0) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    store_finalize(st);
    if (rc < 0 || (*n == 0 && dist < 0)) {
        plists_free(v, *n);
        return rc < 0 ? -1 : err_set(e, ERR_NOUSER, "no list '%s'", name);
    }
    *out = v;
    return 0;
}

int process_intake(struct gateway *g, int64_t dist, const char *recipient,
                   const char *raw, size_t len, int64_t *row, struct err *e)
{
    if (store_begin(g->store, e) != 0)
        return -1;
    if (store_run(g->store, e, "INSERT INTO alerts(received, recipient, "
                  "dist_id, raw) VALUES(?,?,?,?)", "itib",
                  (int64_t)time(NULL), recipient, dist, raw, len) < 0) {
        store_rollback(g->store);
        return -1;
    }
    *row = store_last_id(g->store);
    if (store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail) VALUES(?,?,'received',?)", "iit",
                  (int64_t)time(NULL), *row, recipient) < 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

/* Record a verdict that sends nothing: quarantined or held. */
static int process_stop(struct gateway *g, int64_t row,
                        struct process_result *r, struct err *e)
{
    const char *state = r->verdict == PROCESS_HELD ? "held" : "quarantined";

    if (store_begin(g->store, e) != 0)
        return -1;
    if (store_run(g->store, e, "UPDATE alerts SET state=?, reason=?, "
                  "alert_id=? WHERE id=?", "ttti", state, r->reason,
                  r->alert_id, row) < 0 ||
        store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail) VALUES(?,?,?,?)", "iitt", (int64_t)time(NULL), row,
                  state, r->reason) < 0) {
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

/* An update reuses its id; a new alert without one gets the next free
 * PREFIX-YYYYMMDD-NN. */
static int process_alert_id(struct gateway *g, struct palert *a,
                            struct err *e)
{
    char day[16];
    int64_t n = 0;
    time_t now = time(NULL);
    struct tm tm;

    if (alert_find_id(a->content->subject, g->conf->alert_prefix,
                      a->alert_id, sizeof(a->alert_id)) ||
        alert_find_id(process_body_text(a->content), g->conf->alert_prefix,
                      a->alert_id, sizeof(a->alert_id)))
        return 0;
    gmtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    snprintf(a->alert_id, sizeof(a->alert_id), "%s-%s-", g->conf->alert_prefix,
             day);
    if (store_get_int(g->store, e, &n, "SELECT count(DISTINCT alert_id) FROM "
                      "alerts WHERE alert_id LIKE ? || '%'", "t",
                      a->alert_id) < 0)
        return -1;
    snprintf(a->alert_id + strlen(a->alert_id),
             sizeof(a->alert_id) - strlen(a->alert_id), "%02d", (int)n + 1);
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

/* What one copy is being made from and for. */
struct pctx {
    struct gateway *g;
    const struct palert *a;
    const struct plist *l;
    struct anon_map *map;
    struct anon_changes *changes;   /* NULL unless preview --diff */
};

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
    if (p->is_text)
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
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct render_var vars[] = {
        {"alert_id", c->a->alert_id}, {"tlp", tlp}, {"subject", subject},
        {"body", body}, {"list", c->l->name}, {"date", date},
        {"risk", ""}, {"update", ""},
    };
    int rc;

    mailout_date(date, sizeof(date));
    if (render_load(c->g->conf->templates_dir, c->l->template_name, &t,
                    e) != 0)
        return -1;
    rc = render_apply(t, vars, sizeof(vars) / sizeof(vars[0]), subj_out,
                      body_out, e);
    render_free(t);
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

static int copy_sign(struct pctx *c, const char *subject, struct buf *entity,
                     struct pcopy *out, struct err *e)
{
    char date[MAILOUT_DATE_MAX], local[ALERT_ID_MAX + 64];
    struct buf listid;
    int rc = -1;

    buf_init(&listid, 512);
    mailout_date(date, sizeof(date));
    snprintf(local, sizeof(local), "%s.%s", c->a->alert_id, c->l->name);
    if (mailout_msgid(c->g, local, out->msgid, sizeof(out->msgid)) != 0 ||
        buf_printf(&listid, "<%s.%s>", c->l->name, c->g->conf->domain) != 0) {
        err_set(e, ERR_SOFTWARE, "cannot make a Message-ID");
    } else {
        const struct msg_header_field h[] = {
            {"From", c->g->conf->from}, {"To", c->l->address},
            {"Subject", subject}, {"Date", date},
            {"Message-ID", out->msgid}, {"List-Id", buf_cstr(&listid)},
        };
        rc = mailout_sign(c->g, h, sizeof(h) / sizeof(h[0]), entity,
                          &out->msg, e);
    }
    buf_free(&listid);
    return rc;
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

static int copy_make(struct pctx *c, struct pcopy *out, struct err *e)
{
    struct buf subj, body, rsubj, rbody, entity;
    struct pparts *pp = calloc(1, sizeof(*pp));
    int rc = -1;

    buf_init(&subj, PROCESS_COPY_MAX);
    buf_init(&body, PROCESS_COPY_MAX);
    buf_init(&rsubj, PROCESS_COPY_MAX);
    buf_init(&rbody, PROCESS_COPY_MAX);
    buf_init(&entity, PROCESS_COPY_MAX);
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
    if (msg_build_entity(pp->v, pp->n, &entity, e) != 0 ||
        copy_sign(c, buf_cstr(&rsubj), &entity, out, e) != 0)
        goto out;
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
    buf_free(&entity);
    return rc;
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

static int commit_copy(struct gateway *g, int64_t row, const struct plist *l,
                       const struct pcopy *c, struct process_result *r,
                       struct err *e)
{
    int64_t now = (int64_t)time(NULL), cid;
    int n;

    if (store_run(g->store, e, "INSERT INTO copies(alert_row, list_id, "
                  "message_id, message, created) VALUES(?,?,?,?,?)", "iitbi",
                  row, l->id, c->msgid, c->msg.data, c->msg.len, now) < 0)
        return -1;
    cid = store_last_id(g->store);
    n = store_run(g->store, e, "INSERT INTO outbox(copy_id, rcpt, updated) "
                  "SELECT ?, c.address, ? FROM members m JOIN contacts c ON "
                  "c.id = m.contact_id WHERE m.list_id = ? AND c.active = 1",
                  "iii", cid, now, l->id);
    if (n < 0)
        return -1;
    r->copies++;
    r->recipients += n;
    return 0;
}

static int process_commit(struct gateway *g, int64_t row,
                          const struct palert *a, const struct anon_map *map,
                          const struct plist *lists, const struct pcopy *copies,
                          size_t n, struct process_result *r, struct err *e)
{
    size_t i;

    if (store_begin(g->store, e) != 0)
        return -1;
    if (commit_pseudonyms(g, a->alert_id, map, e) != 0)
        goto fail;
    for (i = 0; i < n; i++)
        if (commit_copy(g, row, &lists[i], &copies[i], r, e) != 0)
            goto fail;
    if (store_run(g->store, e, "UPDATE alerts SET state='queued', reason='', "
                  "alert_id=?, signer=?, subject=? WHERE id=?", "ttti",
                  a->alert_id, a->signer, a->content->subject, row) < 0 ||
        store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                  "detail) VALUES(?,?,'queued',?)", "iit", (int64_t)time(NULL),
                  row, a->alert_id) < 0)
        goto fail;
    return store_commit(g->store, e);
fail:
    store_rollback(g->store);
    return -1;
}

/* Make every list's copy; any failure of one stops all (an alert goes to
 * all of its lists or to none). 1: held (r says why); -1: error. */
static int process_copies(struct gateway *g, int64_t row, int64_t dist,
                          struct palert *a, struct process_result *r,
                          struct err *e)
{
    struct anon_map *map = anon_map_new();
    struct plist *lists = NULL;
    struct pcopy *copies = NULL;
    size_t n = 0, i;
    int rc = -1;

    if (map == NULL || plists_load(g, dist, NULL, &lists, &n, e) != 0 ||
        process_map_load(g, a->alert_id, map, e) != 0 ||
        gateway_anon(g, e) != 0 ||
        (copies = calloc(n ? n : 1, sizeof(*copies))) == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        struct pctx c = {g, a, &lists[i], map, NULL};
        buf_init(&copies[i].msg, PROCESS_COPY_MAX);
        if (copy_make(&c, &copies[i], e) != 0)
            goto out;
    }
    rc = process_commit(g, row, a, map, lists, copies, n, r, e);
out:
    if (rc != 0 && !err_is_temp(e) && err_is_set(e)) {
        rc = process_verdict(r, PROCESS_HELD, e->msg);
        err_init(e);
    }
    for (i = 0; copies && i < n; i++)
        buf_free(&copies[i].msg);
    free(copies);
    plists_free(lists, n);
    anon_map_free(map);
    return rc;
}

static int process_load(struct gateway *g, int64_t row, struct buf *raw,
                        int64_t *dist, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(g->store, "SELECT raw, dist_id FROM alerts WHERE id=? "
                      "AND state='new'", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        *dist = store_col_int(st, 1);
        if (buf_append(raw, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOUSER, "no new alert #%lld", (long long)row);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* Alert id and TLP of authenticated content. 1: held (r says why). */
static int process_meta(struct gateway *g, struct palert *a,
                        struct process_result *r, struct err *e)
{
    if (process_alert_id(g, a, e) != 0)
        return -1;
    snprintf(r->alert_id, sizeof(r->alert_id), "%s", a->alert_id);
    a->tlp = alert_find_tlp(a->content->subject);
    if (a->tlp == TLP_NONE)
        a->tlp = alert_find_tlp(process_body_text(a->content));
    if (a->tlp == TLP_NONE)
        a->tlp = TLP_AMBER;
    if (a->tlp == TLP_RED)
        return process_verdict(r, PROCESS_HELD,
                               "TLP:RED is never fanned out");
    return 0;
}

/* Parse and authenticate; 1: a verdict that stops it is in r. */
static int process_open(struct gateway *g, const struct buf *raw,
                        struct msg **m, struct palert *a,
                        struct process_result *r, struct err *e)
{
    struct msg_limits lim;
    struct auth_result ar;
    struct err pe;
    char why[ERR_MSG_MAX + 32];

    msg_limits_default(&lim);
    lim.max_size = (size_t)g->conf->max_size;
    err_init(&pe);
    if (msg_parse(raw->data ? raw->data : "", raw->len, &lim, m, &pe) != 0) {
        snprintf(why, sizeof(why), "malformed: %s", pe.msg);
        r->malformed = 1;
        return process_verdict(r, PROCESS_QUARANTINED, why);
    }
    if (auth_check(g, *m, &ar, e) != 0)
        return -1;
    if (!ar.ok) {
        r->malformed = ar.malformed;
        return process_verdict(r, PROCESS_QUARANTINED, ar.reason);
    }
    snprintf(a->signer, sizeof(a->signer), "%s", ar.signer);
    a->content = ar.content;        /* ownership moves to the alert */
    ar.content = NULL;
    return process_meta(g, a, r, e);
}

int process_alert(struct gateway *g, int64_t row, struct process_result *r,
                  struct err *e)
{
    struct palert a;
    struct msg *m = NULL;
    struct buf raw;
    int64_t dist = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    memset(&a, 0, sizeof(a));
    buf_init(&raw, (size_t)g->conf->max_size + 1);
    if (process_load(g, row, &raw, &dist, e) != 0) {
        buf_free(&raw);
        return -1;
    }
    rc = process_open(g, &raw, &m, &a, r, e);
    if (rc == 0)
        rc = process_copies(g, row, dist, &a, r, e);
    if (rc == 1)
        rc = process_stop(g, row, r, e);
    msg_content_free(a.content);
    msg_free(m);
    buf_free(&raw);
    return rc;
}

int process_pending(struct gateway *g, long *n, struct err *e)
{
    struct process_result r;
    int64_t row = 0;
    int rc;

    *n = 0;
    for (;;) {
        rc = store_get_int(g->store, e, &row, "SELECT min(id) FROM alerts "
                           "WHERE state='new' AND id > ?", "i", row);
        if (rc < 0)
            return -1;
        if (row == 0)
            return 0;
        if (process_alert(g, row, &r, e) != 0)
            return -1;
        (*n)++;
    }
}

static void preview_diff(const struct anon_changes *ch, FILE *out)
{
    size_t i;

    fprintf(out, "line\toriginal\tplaceholder\trule\n");
    for (i = 0; i < ch->n; i++)
        fprintf(out, "%zu\t%s\t%s\t%s\n", ch->v[i].line, ch->v[i].original,
                ch->v[i].placeholder, ch->v[i].rule);
}

static int preview_copy(struct gateway *g, struct palert *a,
                        const char *list, int diff, FILE *out, struct err *e)
{
    struct anon_changes ch = {NULL, 0, 0};
    struct anon_map *map = anon_map_new();
    struct plist *l = NULL;
    struct pcopy copy;
    size_t n = 0;
    int rc = -1;

    buf_init(&copy.msg, PROCESS_COPY_MAX);
    if (map == NULL || plists_load(g, -1, list, &l, &n, e) != 0 ||
        process_map_load(g, a->alert_id, map, e) != 0 ||
        gateway_anon(g, e) != 0)
        goto out;
    {
        struct pctx c = {g, a, l, map, diff ? &ch : NULL};
        if (copy_make(&c, &copy, e) != 0)
            goto out;
    }
    if (diff)
        preview_diff(&ch, out);
    else
        fwrite(copy.msg.data, 1, copy.msg.len, out);
    rc = 0;
out:
    anon_changes_free(&ch);
    buf_free(&copy.msg);
    plists_free(l, n);
    anon_map_free(map);
    return rc;
}

int process_preview(struct gateway *g, const char *raw, size_t len,
                    const char *list, int diff, FILE *out, struct err *e)
{
    struct msg_limits lim;
    struct palert a;
    struct msg *m = NULL;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    msg_limits_default(&lim);
    lim.max_size = (size_t)g->conf->max_size;
    if (msg_parse(raw, len, &lim, &m, e) != 0 ||
        msg_content(m, &a.content, e) != 0 ||
        process_alert_id(g, &a, e) != 0)
        goto out;
    a.tlp = alert_find_tlp(a.content->subject);
    if (a.tlp == TLP_NONE)
        a.tlp = TLP_AMBER;
    rc = preview_copy(g, &a, list, diff, out, e);
out:
    msg_content_free(a.content);
    msg_free(m);
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

int process_anonymise(struct gateway *g, const char *alert_id,
                      const char *raw, size_t len, struct buf *out,
                      struct err *e)
{
    static const struct plist sanitised = {
        0, (char *)"anonymise", (char *)"", (char *)"", (char *)"drop", 1};
    struct msg_limits lim;
    struct palert a;
    struct anon_map *map = anon_map_new();
    struct msg *m = NULL;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    msg_limits_default(&lim);
    lim.max_size = (size_t)g->conf->max_size;
    if (map == NULL || gateway_anon(g, e) != 0 ||
        (alert_id && g->store &&
         process_map_load(g, alert_id, map, e) != 0) ||
        msg_parse(raw, len, &lim, &m, e) != 0 ||
        msg_content(m, &a.content, e) != 0)
        goto out;
    {
        struct pctx c = {g, &a, &sanitised, map, NULL};
        rc = anonymise_build(&c, m, out, e);
    }
out:
    msg_content_free(a.content);
    msg_free(m);
    anon_map_free(map);
    return rc;
}
