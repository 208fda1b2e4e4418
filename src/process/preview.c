/*
 * preview - what an officer runs by hand on a file, nothing stored: the
 * exact copy a list would get, or every replacement made in it
 * (process_preview); one message anonymised (process_anonymise). The
 * copy is made as the pipeline makes it, in a sandboxed child.
 */
#include "process/process_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/alerts.h"
#include "mail/msg.h"
#include "mail/render.h"
#include "registry/registry.h"
#include "util/buf.h"

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
    if (rc == 0 && (rc = c->changes ? preview_diff(c->changes, out)
                         : buf_append(out, copy.msg.data,
                                      copy.msg.len)) != 0)
        rc = copy_nospace(rc, e, "preview too large");
    pcopy_free(&copy);
    return rc;
}

/* How many recipients list l has now. */
static int preview_recipients(struct gateway *g, const struct plist *l,
                              long *n, struct err *e)
{
    struct store_stmt *st;
    int rc;

    *n = 0;
    if (registry_list_recipients(g->store, l->id, &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1)
        (*n)++;
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* The verdict for list l, one line: sent (to how many), withheld and why,
 * held for release first (the distributions that hold it). */
static int preview_verdict(struct gateway *g, const struct palert *a,
                           struct plist *l, char *out, size_t n,
                           struct err *e)
{
    char dists[ERR_MSG_MAX / 2], hold[ERR_MSG_MAX];
    long rcpts = 0;

    plist_withhold(l, a->tlp);
    if (l->withheld[0]) {
        snprintf(out, n, "list %s: withheld (%s): it would not get this "
                 "alert", l->name, l->withheld);
        return 0;
    }
    if (preview_recipients(g, l, &rcpts, e) != 0 ||
        alerts_release_dists(g->store, l->id, dists, sizeof(dists), e) != 0)
        return -1;
    hold[0] = '\0';
    if (dists[0])
        snprintf(hold, sizeof(hold), "; held for release first when it comes "
                 "in through %s (require-release)", dists);
    if (rcpts == 0)
        snprintf(out, n, "list %s: sent, but it reaches nobody (no "
                 "recipients)%s", l->name, hold);
    else
        snprintf(out, n, "list %s: sent to %ld recipient%s (%s)%s", l->name,
                 rcpts, rcpts == 1 ? "" : "s", alert_tlp_label(a->tlp),
                 hold);
    return 0;
}

static int preview_copy(struct gateway *g, struct palert *a,
                        const char *list, int diff, FILE *out, char *verdict,
                        size_t vn, struct err *e)
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
    rc = preview_verdict(g, a, l, verdict, vn, e);
out:
    anon_changes_free(&ch);
    buf_free(&text);
    plists_free(l, n);
    anon_map_free(map);
    return rc;
}

int process_preview(struct gateway *g, const char *raw, size_t len,
                    const char *list, int diff, FILE *out, char *verdict,
                    size_t vn, struct err *e)
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
    rc = preview_copy(g, &a, list, diff, out, verdict, vn, e);
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
    if (copy_shape_build(pp, NULL, 0, &entity, e) == 0)
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

/* In the child: parse, decode, anonymise, rebuild, leak-check. */
static int anonymise_work(void *arg, struct buf *out, struct err *e)
{
    static const struct plist sanitised = {
        0, (char *)"anonymise", (char *)"", (char *)"", (char *)"drop", 1,
        TLP_NONE, 0, 0, "", ENCRYPT_NEVER, 0, 0, NULL, "", NULL, NULL};
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
        size_t start = out->len;

        /* what the pipeline does before a copy leaves: the independent
         * detector too, so that what this prints is what would be sent */
        rc = anonymise_build(&c, m, out, e);
        if (rc == 0)
            rc = copy_leak_msg(&c, out->data + start, out->len - start, e);
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
