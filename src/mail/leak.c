/*
 * leak - the independent leak check (leak.h says what and why): life
 * cycle, the automaton of names, aliases and domains, one check, and the
 * line that names a finding.
 */
#include "mail/leak_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

/* Letters of a site name that is also a word ("RAL"): the anonymiser's
 * (util/limits.h), as the policy below is its policy. */
#define LEAK_WEAK_MAX ANON_WEAK_MAX

/* ---- the identifiers ------------------------------------------------- */

static int pat_push(struct leak *l, uint32_t site, uint32_t j,
                    enum leak_kind kind, uint32_t *id)
{
    struct leak_pat *p;
    size_t cap;

    if (l->npats == l->cappats) {
        cap = l->cappats ? l->cappats * 2 : 1024;
        if ((p = realloc(l->pats, cap * sizeof(*p))) == NULL)
            return -1;
        l->pats = p;
        l->cappats = cap;
    }
    *id = (uint32_t)l->npats;
    l->pats[l->npats++] = (struct leak_pat){site, j, kind};
    return 0;
}

/* The words of w (" a b c "), joined by glue, between spaces, into out;
 * reversed when rev. glue "" is a name written without its separators,
 * " dc " a domain as DN components ("/DC=example/DC=inst"). */
static int words_join(const char *w, size_t wn, const char *glue, int rev,
                      struct buf *out)
{
    size_t i, s, n = 0, starts[SITES_NAME_MAX];
    int rc = buf_puts(out, rev ? " dc " : " ");

    for (i = 1; i < wn; i++)
        if (w[i - 1] == ' ' && n < SITES_NAME_MAX)
            starts[n++] = i;
    for (i = 0; i < n && rc == 0; i++) {
        s = starts[rev ? n - 1 - i : i];
        if (i > 0)
            rc = buf_puts(out, glue);
        rc |= buf_append(out, w + s, strcspn(w + s, " "));
    }
    return rc | buf_putc(out, ' ');
}

/* One identifier in its normal form, and its variants, into the
 * automaton. */
static int leak_ident(struct leak *l, uint32_t site, uint32_t j,
                      enum leak_kind kind, const char *text, struct err *e)
{
    struct leak_text t = {text, strlen(text), NULL, NULL, 0, 0, 0, NULL, NULL,
                          0, 0};
    struct buf v;
    uint32_t id = 0;
    int rc;

    buf_init(&v, 4 * SITES_NAME_MAX * 4);
    rc = leak_text_norm(l, &t, 0, e);
    if (rc == 0 && t.wn > 2 && t.w[t.wn - 1] == ' ') {
        rc = pat_push(l, site, j, kind, &id) |
             ac_add(l->ac, t.w, t.wn, id);
        if (rc == 0 && kind != LEAK_DOMAIN && memchr(t.w + 1, ' ',
                                                     t.wn - 2))
            rc = words_join(t.w, t.wn, "", 0, &v) |
                 ac_add(l->ac, v.data, v.len, id);
        else if (rc == 0 && kind == LEAK_DOMAIN)
            rc = words_join(t.w, t.wn, " dc ", 1, &v) |
                 ac_add(l->ac, v.data, v.len, id);
        if (rc != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    buf_free(&v);
    leak_text_free(&t);
    return rc;
}

static int leak_site(struct leak *l, size_t i, struct err *e)
{
    static const struct {
        int kind;
        enum leak_kind lk;
    } vals[] = {{'a', LEAK_ALIAS}, {'d', LEAK_DOMAIN}};
    const char *v;
    size_t k, j;

    if (leak_ident(l, (uint32_t)i, 0, LEAK_NAME, sites_name(l->sites, i),
                   e) != 0)
        return -1;
    for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
        for (j = 0; (v = sites_value(l->sites, i, vals[k].kind, j)); j++)
            if (leak_ident(l, (uint32_t)i, (uint32_t)j, vals[k].lk, v,
                           e) != 0)
                return -1;
    return 0;
}

/* libxml2 sets itself up on first use; done here, before any child. */
static void leak_warm_html(void)
{
    static const char doc[] = "<p>a<span class=x>b</span>&shy;</p>";
    struct buf b;

    xmlInitParser();
    buf_init(&b, sizeof(doc) * 4);
    leak_html_render(doc, sizeof(doc) - 1, &b);
    buf_free(&b);
}

int leak_new(struct leak **out, const struct sites *s, struct err *e)
{
    struct leak *l = calloc(1, sizeof(*l));
    size_t i, n = sites_count(s);

    *out = NULL;
    if (l == NULL || (l->ac = ac_new()) == NULL) {
        free(l);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    l->sites = s;
    if (leak_fold_open(l, e) != 0)
        goto fail;
    for (i = 0; i < n; i++)
        if (leak_site(l, i, e) != 0)
            goto fail;
    if (ac_build(l->ac) != 0) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    leak_warm_html();
    *out = l;
    return 0;
fail:
    leak_free(l);
    return -1;
}

void leak_free(struct leak *l)
{
    if (l == NULL)
        return;
    ac_free(l->ac);
    free(l->pats);
    leak_text_free(&l->scratch);
    leak_fold_close(l);
    free(l);
}

/* ---- names, aliases, domains in a text ------------------------------- */

static int host_cp(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* cp[k..e] (ASCII) is a kept host. */
static int kept_at(const struct leak *l, const struct leak_text *t, size_t k,
                   size_t e)
{
    char host[SITES_NAME_MAX + 1];
    size_t i, len;

    for (i = k, len = 0; i <= e && t->cp[i] < 0x80 && len < SITES_NAME_MAX;
         i++)
        host[len++] = (char)t->cp[i];
    return i > e && sites_is_kept(l->sites, host, len);
}

/* A site domain found at cp[s..e] is part of a host on the keep-list
 * ("cvmfs.inst.example" kept, "inst.example" a site domain), or of the
 * whole host kept by the officer's Keep: line (the look-alike
 * "inst.example.badactor.example", issue 14): each host ending there or
 * at the end of the host name, label by label to the left, is looked
 * up. */
static int leak_kept(const struct leak *l, const struct leak_text *t,
                     size_t s, size_t e)
{
    size_t k = s, left, r = e;

    while (k > 0 && e + 1 - (k - 1) <= SITES_NAME_MAX && host_cp(t->cp[k - 1]))
        k--;
    while (r + 1 < t->n && r + 1 - k < SITES_NAME_MAX && host_cp(t->cp[r + 1]))
        r++;
    while (r > e && (t->cp[r] == '.' || t->cp[r] == '-'))
        r--;    /* a sentence's full stop */
    for (left = k; k <= s; k++) {
        if (k != left && t->cp[k - 1] != '.')
            continue;
        if (kept_at(l, t, k, e) || (r > e && kept_at(l, t, k, r)))
            return 1;
    }
    return 0;
}

/* A short site name of letters only ("RAL") is also a word; in a
 * compound or a path, written not in capitals, it is an attacker's label
 * ("ral.update-cdn.example.net", "/tmp/.ral/", "ral_backdoor"), which the
 * anonymiser leaves as an indicator on purpose (README, "Indicators
 * stay"): no finding. Capitals ("RAL-LCG2") and the word on its own
 * ("ral today") are. cp[s..e] is the hit. */
static int joined(const struct leak_text *t, uint32_t c, size_t beyond)
{
    uint32_t d = beyond < t->n ? t->cp[beyond] : 0;

    return (c == '.' || c == '_' || c == '-') && d < 0x80 && isalnum((int)d);
}

static int leak_weak_label(const struct leak_text *t, const char *name,
                           size_t s, size_t e)
{
    size_t i, n = strlen(name), from = t->org[s], to = leak_text_end(t, e);
    uint32_t prev = s > 0 ? t->cp[s - 1] : 0;
    uint32_t next = e + 1 < t->n ? t->cp[e + 1] : 0;
    int lower = 0;

    if (n > LEAK_WEAK_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalpha((unsigned char)name[i]))
            return 0;
    for (i = from; i < to; i++)
        lower |= t->src[i] >= 'a' && t->src[i] <= 'z';
    return lower && (prev == '/' || next == '/' ||
                     (s > 1 && joined(t, prev, s - 2)) ||
                     joined(t, next, e + 2));
}

struct leak_scan {
    const struct leak *l;
    const struct leak_text *t;
    struct leak_find *f;
};

static int leak_hit(void *arg, uint32_t id, size_t end, size_t len)
{
    struct leak_scan *sc = arg;
    const struct leak_pat *p = &sc->l->pats[id];
    const struct sites *st = sc->l->sites;
    const char *name = sites_name(st, p->site);
    size_t s = sc->t->widx[end - len + 1], e = sc->t->widx[end - 2];

    if (p->kind == LEAK_DOMAIN && leak_kept(sc->l, sc->t, s, e))
        return 0;
    if (p->kind == LEAK_NAME && leak_weak_label(sc->t, name, s, e))
        return 0;
    if (p->kind == LEAK_NAME)
        snprintf(sc->f->what, sizeof(sc->f->what), "site %s", name);
    else if (p->kind == LEAK_ALIAS)
        snprintf(sc->f->what, sizeof(sc->f->what), "alias \"%s\" of site %s",
                 sites_value(st, p->site, 'a', p->j), name);
    else
        snprintf(sc->f->what, sizeof(sc->f->what), "domain %s of site %s",
                 sites_value(st, p->site, 'd', p->j), name);
    sc->f->s = sc->t->org[s];
    sc->f->e = leak_text_end(sc->t, e);
    return 1;
}

static int leak_find_name(const struct leak *l, const struct leak_text *t,
                          struct leak_find *f)
{
    struct leak_scan sc = {l, t, f};

    return ac_scan(l->ac, t->w, t->wn, leak_hit, &sc);
}

/* ---- the finding ----------------------------------------------------- */

/* src[s..e) quoted: printable ASCII as is, anything else <U+XXXX>. */
static const char *leak_show(const char *src, size_t s, size_t e,
                             char *out, size_t size)
{
    const unsigned char *b = (const unsigned char *)src;
    size_t w = 0, k, end = e - s > LEAK_SHOW_MAX ? s + LEAK_SHOW_MAX : e;
    uint32_t c;
    int m;

    while (s < end && w + 12 < size) {
        if (b[s] >= 0x20 && b[s] < 0x7f) {
            out[w++] = (char)b[s++];
            continue;
        }
        c = b[s];
        k = 1;
        if (c >= 0xC2 && c <= 0xF4 && s + 1 < e) {
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, i;

            c &= len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07;
            for (i = 1; i < len && s + (size_t)i < e &&
                 (b[s + (size_t)i] & 0xC0) == 0x80; i++)
                c = (c << 6) | (b[s + (size_t)i] & 0x3F);
            if (i == len)
                k = (size_t)len;
            else
                c = b[s];
        }
        m = snprintf(out + w, size - w, "<U+%04X>", (unsigned)c);
        w += m > 0 ? (size_t)m : 0;
        s += k;
    }
    if (end < e && w + 4 < size)
        w += (size_t)snprintf(out + w, size - w, "...");
    out[w < size ? w : size - 1] = '\0';
    return out;
}

int leak_check(struct leak *l, const char *text, size_t len, int flags,
               const char *where, struct err *e)
{
    struct leak_text *tp = &l->scratch;
    struct leak_find f;
    struct buf html;
    char show[LEAK_NOTE_MAX];
    int rc = -1;

    buf_init(&html, LEAK_TEXT_MAX);
    if (len > LEAK_TEXT_MAX)
        return err_set(e, ERR_TOOBIG, "text too large for the leak check");
    tp->src = text;
    tp->slen = len;
    if (flags & LEAK_HTML) {
        if (leak_html_render(text, len, &html) != 0) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto out;
        }
        tp->src = html.data ? html.data : "";
        tp->slen = html.len;
    }
    if (leak_text_norm(l, tp, flags, e) != 0)
        goto out;
    if (leak_find_name(l, tp, &f) || leak_find_addr(l, tp, &f) ||
        leak_find_dn(tp, &f)) {
        err_set(e, ERR_LEAK, "leak: %s as \"%s\" in %s%s", f.what,
                leak_show(tp->src, f.s, f.e, show, sizeof(show)), where,
                flags & LEAK_HTML ? " (HTML, as rendered)" : "");
        goto out;
    }
    rc = 0;
out:
    tp->src = NULL;     /* borrowed for this check only */
    buf_free(&html);
    return rc;
}

int leak_is_text(const char *p, size_t len)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i = 0;
    int k;

    while (i < len) {
        if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\r' && b[i] != '\n' &&
            b[i] != '\f')
            return 0;
        if (b[i] < 0x80) {
            i++;
            continue;
        }
        k = b[i] >= 0xC2 && b[i] <= 0xDF ? 2 : b[i] >= 0xE0 && b[i] <= 0xEF
            ? 3 : b[i] >= 0xF0 && b[i] <= 0xF4 ? 4 : 0;
        if (k == 0 || len - i < (size_t)k)
            return 0;
        while (--k > 0)
            if ((b[++i] & 0xC0) != 0x80)
                return 0;
        i++;
    }
    return 1;
}
