/*
 * preview_affected - `preview --affected DIST`: the whole copy the
 * affected audience of distribution DIST would get (issue 19), and, in
 * report, which sites the alert names and whom they add, and why, as
 * the receipt will say it. Nothing stored. The copy and the sites come
 * from a sandboxed child, as the pipeline's (affected.c).
 */
#include "process/process_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/alerts.h"
#include "registry/registry.h"

struct paff_job {
    struct gateway *g;
    const struct palert *a;
    struct plist *l;
    struct paffected *af;
};

/* In the child: the sites, one a line, a NUL, then the copy. */
static int paff_work(void *arg, struct buf *out, struct err *e)
{
    struct paff_job *j = arg;
    struct pctx c = {j->g, j->a, j->l, NULL, NULL, NULL, NULL};
    struct pcopy copy;
    size_t i;
    int rc;

    if (affected_find(j->g, j->a, j->l, j->af, e) != 0)
        return -1;
    pcopy_init(&copy);
    rc = copy_make(&c, &copy, e);
    for (i = 0; rc == 0 && i < j->af->nsites; i++)
        rc = buf_printf(out, "%s\n", j->af->sites[i]) != 0
             ? copy_nospace(BUF_ETOOBIG, e, "preview too large") : 0;
    if (rc == 0 && (buf_putc(out, '\0') != 0 ||
                    buf_append(out, copy.msg.data, copy.msg.len) != 0))
        rc = copy_nospace(BUF_ETOOBIG, e, "preview too large");
    pcopy_free(&copy);
    return rc;
}

/* The sites back from the child: names of the index, one a line. */
static int paff_sites(struct gateway *g, const char *p, size_t n,
                      struct paffected *af, struct err *e)
{
    size_t cap = sites_count(g->sites), k;
    const char *nl;

    free(af->sites);
    af->nsites = 0;
    if ((af->sites = calloc(cap ? cap : 1, sizeof(*af->sites))) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
        k = (size_t)(nl - p);
        if (af->nsites >= cap || k > SITES_NAME_MAX)
            return err_set(e, ERR_DATA, "malformed: garbage from the child");
        memcpy(af->sites[af->nsites], p, k);
        af->sites[af->nsites++][k] = '\0';
        n -= k + 1;
        p = nl + 1;
    }
    return 0;
}

static int paff_run(struct gateway *g, struct palert *a, struct plist *lists,
                    size_t n, FILE *out, FILE *report, struct err *e)
{
    struct plist *l = &lists[n];
    struct paffected af;
    struct pcopy copy;
    struct buf text, rows;
    const char *nul;
    size_t i;
    int rc = -1;

    memset(&af, 0, sizeof(af));
    pcopy_init(&copy);
    buf_init(&text, 4 * PROCESS_COPY_MAX);
    buf_init(&rows, PROCESS_COPY_MAX);
    for (i = 0; i <= n; i++)
        plist_withhold(&lists[i], a->tlp);
    if (render_load(g->conf->templates_dir, l->template_name, &l->tmpl,
                    e) != 0 || gateway_anon(g, e) != 0 ||
        gateway_pgp(g, e) != 0 || gateway_signing_key(g, e) != 0)
        goto out;
    {
        struct paff_job job = {g, a, l, &af};
        if (child_text(g, NULL, 0, paff_work, &job, &text, e) != 0)
            goto out;
    }
    nul = text.len ? memchr(text.data, '\0', text.len) : NULL;
    if (nul == NULL) {
        err_set(e, ERR_DATA, "malformed: garbage from the child");
        goto out;
    }
    if (paff_sites(g, text.data, (size_t)(nul - text.data), &af, e) != 0 ||
        affected_resolve(g, a, lists, n, l, &af, &copy, e) != 0 ||
        affected_describe(&af, &rows) != 0)
        goto out;
    fwrite(nul + 1, 1, text.len - (size_t)(nul + 1 - text.data), out);
    fprintf(report, "alertgw: preview: affected: %s\n%s", l->withheld[0]
            ? l->withheld : "sent whole to the recipients added below",
            buf_cstr(&rows));
    rc = 0;
out:
    buf_free(&text);
    buf_free(&rows);
    pcopy_free(&copy);
    paffected_free(&af);
    return rc;
}

int process_preview_affected(struct gateway *g, const char *raw, size_t len,
                             const char *dist, FILE *out, FILE *report,
                             struct err *e)
{
    struct palert a;
    struct plist *lists = NULL;
    size_t n = 0;
    int64_t id;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    if (registry_dist_find(g->store, NULL, dist, &id, e) != 0 ||
        child_content(g, raw, len, &a.content, e) != 0 ||
        process_meta(g, &a, NULL, e) != 0 ||
        process_alert_id(g, &a, e) != 0 ||
        plists_load(g, id, NULL, &lists, &n, e) != 0)
        goto out;
    alert_thread(a.alert_id, a.thread, sizeof(a.thread));
    a.update_no = alert_find_update(a.content->subject);
    if (a.tlp == TLP_NONE)
        a.tlp = TLP_AMBER;
    if (affected_plist(&lists[n], e) == 0)
        rc = paff_run(g, &a, lists, n, out, report, e);
    plists_free(lists, n + 1);
    lists = NULL;
out:
    if (lists)
        plists_free(lists, n);
    msg_content_free(a.content);
    return rc;
}
