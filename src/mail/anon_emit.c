/*
 * anon_emit - what one run does with each hit: the placeholder from the
 * map, the output up to it, the change list for `preview --diff` and the
 * record the HTML writer needs; in scan mode, the leak reported instead.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- changes ---- */

void anon_changes_free(struct anon_changes *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++) {
        free(c->v[i].original);
        free(c->v[i].placeholder);
        free(c->v[i].rule);
    }
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

void anon_changes_truncate(struct anon_changes *c, size_t n)
{
    while (c && c->n > n) {
        c->n--;
        free(c->v[c->n].original);
        free(c->v[c->n].placeholder);
        free(c->v[c->n].rule);
    }
}

static int changes_push(struct anon_changes *c, size_t line,
                        const char *orig, size_t olen, const char *ph,
                        const char *rule)
{
    struct anon_change *ch;

    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;

        ch = realloc(c->v, ncap * sizeof *ch);
        if (ch == NULL)
            return -1;
        c->v = ch;
        c->cap = ncap;
    }
    ch = &c->v[c->n];
    ch->line = line;
    ch->original = anon_strndup(orig, olen);
    ch->placeholder = strdup(ph);
    ch->rule = strdup(rule);
    if (!ch->original || !ch->placeholder || !ch->rule) {
        free(ch->original);
        free(ch->placeholder);
        free(ch->rule);
        return -1;
    }
    c->n++;
    return 0;
}

/* ---- one run: emitting hits ---- */

int anon_buf_fail(struct err *e, int rc)
{
    if (rc == BUF_ETOOBIG)
        return err_set(e, ERR_TOOBIG, "anonymised text over its size limit");
    return err_set(e, ERR_NOMEM, "out of memory writing anonymised text");
}

/* Line of text offset off; offsets only grow within a run. */
static size_t run_line(struct anon_run *r, size_t off)
{
    const char *p = r->text + r->lpos, *end = r->text + off;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        r->line++;
        p++;
    }
    r->lpos = off;
    return r->line;
}

/* anon_map_site_no through the run's memo */
static unsigned long run_site_no(struct anon_run *r, long site,
                                 const char **ph)
{
    struct anon_site_memo *mm = &r->memo[(size_t)site % ANON_SITE_MEMO];

    if (mm->site1 != site + 1) {
        mm->k = anon_map_site_no(r->m, r->sites, site, &mm->ph, r->e);
        mm->site1 = mm->ph ? site + 1 : 0;
    }
    *ph = mm->ph;
    return mm->k;
}

static const char *hit_placeholder(struct anon_run *r,
                                   const struct anon_hit *h)
{
    const char *orig = r->text + h->start, *site_ph = NULL;
    size_t olen = h->end - h->start;
    unsigned long k = 0;

    if (h->kind == HIT_RULE)
        return anon_map_ensure(r->m, h->rule->cls, orig, olen, 0, 0, r->e);
    if (h->key) {
        orig = h->key;
        olen = strlen(h->key);
    }
    if (h->kind == HIT_IP || h->kind == HIT_NET)
        return anon_map_ensure(r->m, h->kind == HIT_IP ? "ip" : "net", orig,
                               olen, 0, 0, r->e);
    k = run_site_no(r, h->site, &site_ph);
    if (site_ph == NULL || h->kind == HIT_SITE)
        return site_ph;
    return anon_map_ensure(r->m, h->kind == HIT_HOST ? "host" : "email", orig,
                           olen, k, h->is_domain, r->e);
}

static const char *hit_what(const struct anon_hit *h)
{
    static const char *const what[] = {"site", "host", "email", "ip", "net"};

    return h->kind == HIT_RULE ? h->rule->name : what[h->kind];
}

static int run_scan_hit(struct anon_run *r, const struct anon_hit *h)
{
    char show[ANON_SHOW_MAX];

    return err_set(r->e, ERR_LEAK, "identifier '%s' (site %s) in %s",
                   text_show(r->text + h->start, h->end - h->start, show,
                             sizeof show),
                   sites_name(r->sites, (size_t)h->site), r->where);
}

int anon_recs_push(struct anon_recs *rs, size_t s, size_t e,
                   const char *ph)
{
    if (rs->n == rs->cap) {
        size_t ncap = rs->cap ? rs->cap * 2 : 16;
        struct anon_rec *v = realloc(rs->v, ncap * sizeof *v);

        if (v == NULL)
            return -1;
        rs->v = v;
        rs->cap = ncap;
    }
    rs->v[rs->n].start = s;
    rs->v[rs->n].end = e;
    rs->v[rs->n].ph = ph;
    rs->n++;
    return 0;
}

int anon_run_hit(struct anon_run *r, const struct anon_hit *h)
{
    const char *ph;
    int rc;

    if (r->out == NULL)
        return run_scan_hit(r, h);
    ph = hit_placeholder(r, h);
    if (ph == NULL)
        return -1;
    rc = buf_append(r->out, r->text + r->copied, h->start - r->copied);
    if (rc == 0)
        rc = buf_puts(r->out, ph);
    if (rc != 0)
        return anon_buf_fail(r->e, rc);
    if (r->ch && changes_push(r->ch, run_line(r, h->start),
                              r->text + h->start, h->end - h->start, ph,
                              hit_what(h)) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory listing changes");
    if (r->rec && anon_recs_push(r->rec, h->start, h->end, ph) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory for HTML");
    r->copied = h->end;
    return 0;
}

