/*
 * sites_build - the sites themselves: adding a site, its aliases and DNS
 * domains (names normalised, each owned by one site), the keep-list, and
 * reading them back. Networks are sites_net.c's. See sites.h.
 */
#include "mail/sites.h"
#include "mail/sites_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

int sites_strv_push(struct sites_strv *sv, const char *p, size_t len)
{
    char *c;

    if (sv->n == sv->cap) {
        size_t ncap = sv->cap ? sv->cap * 2 : 4;
        char **nv = realloc(sv->v, ncap * sizeof *nv);

        if (nv == NULL)
            return -1;
        sv->v = nv;
        sv->cap = ncap;
    }
    c = malloc(len + 1);
    if (c == NULL)
        return -1;
    memcpy(c, p, len);
    c[len] = '\0';
    sv->v[sv->n++] = c;
    return 0;
}

void sites_strv_free(struct sites_strv *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
}

/* ---- names and aliases ---- */

/* Lower-cased label with white space trimmed and runs of it folded to one
 * space, into out (SITES_NAME_MAX + 1 bytes). Returns the length, 0 when
 * empty, -1 when too long or holding a control byte or a quote. */
long sites_label_norm(const char *p, size_t len, char *out)
{
    size_t i, n = 0;
    int gap = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (sites_is_space(c)) {
            gap = n > 0;
            continue;
        }
        if (c < 0x20 || c == 0x7f || c == '"')
            return -1;
        if (n + gap + 1 > SITES_NAME_MAX)
            return -1;
        if (gap)
            out[n++] = ' ';
        gap = 0;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    return (long)n;
}

/* The site that owns a normalised name or alias, or -1. */
long sites_label_owner(const struct sites *s, const char *norm, size_t len)
{
    if (memchr(norm, ' ', len))
        return sites_tab_get(&s->phrases, norm, len);
    return sites_tab_get(&s->names, norm, len);
}

static int phrase_add(struct sites *s, const char *norm, size_t len,
                      size_t idx)
{
    const char *sp = memchr(norm, ' ', len);
    size_t flen = (size_t)(sp - norm), i;
    long words = 1;

    for (i = 0; i < len; i++)
        words += norm[i] == ' ';
    if (sites_tab_put(&s->phrases, norm, len, (long)idx) != 0)
        return -1;
    if (sites_tab_get(&s->firsts, norm, flen) >= words)
        return 0;
    return sites_tab_put(&s->firsts, norm, flen, words);
}

static int label_add(struct sites *s, const char *norm, size_t len,
                     size_t idx)
{
    if (memchr(norm, ' ', len))
        return phrase_add(s, norm, len, idx);
    return sites_tab_put(&s->names, norm, len, (long)idx);
}

/* ---- spellings of a name (issue 14) ----
 *
 * People write a registered "EXAMPLE-T2" as EXAMPLE_T2, "EXAMPLE T2",
 * EXAMPLE.T2 or EXAMPLET2. Each spelling of a site name with its
 * separators ('-', '_', '.', ' ') swapped for another or dropped is a key
 * of its own, so the scanner's look-ups (one hash probe a token) find
 * them at no cost per word. Limits: names with at most
 * SITES_VARIANT_SEPS separators (5^3 spellings); a spelling without
 * separators only from SITES_VARIANT_SHORT bytes on (shorter ones are
 * words); a spelling another site owns stays that site's. */

#define SITES_VARIANT_SEPS 3
#define SITES_VARIANT_SHORT 6

static int is_name_sep(char c)
{
    return c == '-' || c == '_' || c == '.' || c == ' ';
}

/* The spelling of norm[0..len) with its k-th separator replaced by
 * alt[choice[k]] ('\0': dropped), into out; its length. */
static size_t variant_make(const char *norm, size_t len, const int *choice,
                           char *out)
{
    static const char alt[] = {'-', '_', '.', ' ', '\0'};
    size_t i, n = 0, k = 0;

    for (i = 0; i < len; i++) {
        if (!is_name_sep(norm[i])) {
            out[n++] = norm[i];
            continue;
        }
        if (alt[choice[k]])
            out[n++] = alt[choice[k]];
        k++;
    }
    out[n] = '\0';
    return n;
}

static int label_add(struct sites *s, const char *norm, size_t len,
                     size_t idx);

static int variants_add(struct sites *s, const char *norm, size_t len,
                        size_t idx)
{
    int choice[SITES_VARIANT_SEPS] = {0, 0, 0}, k, seps = 0;
    char out[SITES_NAME_MAX + 1];
    size_t i, n, total = 1;

    for (i = 0; i < len; i++)
        seps += is_name_sep(norm[i]);
    if (seps == 0 || seps > SITES_VARIANT_SEPS)
        return 0;
    for (k = 0; k < seps; k++)
        total *= 5;
    for (i = 0; i < total; i++) {
        size_t v = i;

        for (k = 0; k < seps; k++, v /= 5)
            choice[k] = (int)(v % 5);
        n = variant_make(norm, len, choice, out);
        if (n == 0 || (n < SITES_VARIANT_SHORT && !strpbrk(out, "-_. "))
            || sites_label_owner(s, out, n) >= 0)
            continue;
        if (label_add(s, out, n, idx) != 0)
            return -1;
    }
    return 0;
}

/* 1 when norm is a spelling of owner's name that variants_add made, not
 * a name or alias of its own: a real name may take it over. */
static int label_is_variant(const struct sites *s, long owner,
                            const char *norm, size_t len)
{
    char n2[SITES_NAME_MAX + 1];
    const struct sites_strv *al = &s->v[owner].vals[SITES_ALIAS];
    long l2 = sites_label_norm(s->v[owner].name, strlen(s->v[owner].name),
                               n2);
    size_t i;

    if (l2 == (long)len && memcmp(n2, norm, len) == 0)
        return 0;
    for (i = 0; i < al->n; i++) {
        l2 = sites_label_norm(al->v[i], strlen(al->v[i]), n2);
        if (l2 == (long)len && memcmp(n2, norm, len) == 0)
            return 0;
    }
    return 1;
}

long sites_label_real_owner(const struct sites *s, const char *norm,
                            size_t len)
{
    long owner = sites_label_owner(s, norm, len);

    return owner >= 0 && label_is_variant(s, owner, norm, len) ? -1 : owner;
}

/* ---- domains ---- */

/* Lower-cased domain without the final dot into out (SITES_NAME_MAX + 1).
 * At least two labels of letters, digits, '-' and '_', the last one with a
 * letter (so no address passes as a domain). Returns the length or -1. */
long sites_domain_norm(const char *p, size_t len, char *out)
{
    size_t i, lab = 0;
    int labels = 1, alpha = 0;

    if (len > 0 && p[len - 1] == '.')
        len--;
    if (len == 0 || len > SITES_DOMAIN_MAX)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c == '.') {
            if (lab == 0)
                return -1;
            lab = 0;
            alpha = 0;
            labels++;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if (++lab > SITES_LABEL_MAX)
                return -1;
            alpha |= isalpha(c) != 0;
        } else {
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    if (lab == 0 || labels < 2 || !alpha)
        return -1;
    return (long)len;
}

/* ---- public: building ---- */

/* Room for ncap names in snames, on cache-line boundaries. */
static int snames_grow(struct sites *s, size_t ncap)
{
    char (*sn)[SITES_SNAME] = aligned_alloc(SITES_SLOT_ALIGN,
                                            ncap * SITES_SNAME);

    if (sn == NULL)
        return -1;
    if (s->n)
        memcpy(sn, s->snames, s->n * SITES_SNAME);
    free(s->snames);
    s->snames = sn;
    return 0;
}

static int site_push(struct sites *s, const char *name)
{
    struct sites_site *v;
    size_t len = strlen(name);

    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;

        if (ncap > SIZE_MAX / sizeof *v || snames_grow(s, ncap) != 0)
            return -1;
        v = realloc(s->v, ncap * sizeof *v);
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = ncap;
    }
    v = &s->v[s->n];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (v->name == NULL)
        return -1;
    memset(s->snames[s->n], 0, SITES_SNAME);
    if (len < SITES_SNAME)
        memcpy(s->snames[s->n], name, len);
    s->n++;
    return 0;
}

int sites_add(struct sites *s, const char *name, size_t *idx, struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = sites_label_norm(name, strlen(name), norm), owner;

    if (len <= 0)
        return err_set(e, ERR_DATA, "bad site name '%s'",
                       text_show(name, strlen(name), show, sizeof show));
    if (s->n >= SITES_MAX)
        return err_set(e, ERR_TOOBIG, "more than %d sites", SITES_MAX);
    owner = sites_label_real_owner(s, norm, (size_t)len);
    if (owner >= 0)
        return err_set(e, ERR_DUP, "site name '%s' already used by site %s",
                       text_show(name, strlen(name), show, sizeof show),
                       s->v[owner].name);
    if (site_push(s, name) != 0
        || label_add(s, norm, (size_t)len, s->n - 1) != 0
        || variants_add(s, norm, (size_t)len, s->n - 1) != 0)
        return err_set(e, ERR_NOMEM, "out of memory adding a site");
    *idx = s->n - 1;
    return 0;
}

int sites_bad_idx(const struct sites *s, size_t idx, struct err *e)
{
    if (idx < s->n)
        return 0;
    return err_set(e, ERR_SOFTWARE, "no site with index %zu", idx);
}

int sites_dup_err(const struct sites *s, long owner, const char *what,
                  const char *p, struct err *e)
{
    char show[SITES_SHOW_MAX];

    return err_set(e, ERR_DUP, "%s '%s' already belongs to site %s", what,
                   text_show(p, strlen(p), show, sizeof show),
                   s->v[owner].name);
}

int sites_add_alias(struct sites *s, size_t idx, const char *alias,
                    struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = sites_label_norm(alias, strlen(alias), norm), owner;

    if (sites_bad_idx(s, idx, e))
        return -1;
    if (len <= 0)
        return err_set(e, ERR_DATA, "bad alias '%s'",
                       text_show(alias, strlen(alias), show, sizeof show));
    owner = sites_label_real_owner(s, norm, (size_t)len);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return sites_dup_err(s, owner, "alias", alias, e);
    if (label_add(s, norm, (size_t)len, idx) != 0
        || sites_strv_push(&s->v[idx].vals[SITES_ALIAS], alias, strlen(alias)))
        return err_set(e, ERR_NOMEM, "out of memory adding an alias");
    return 0;
}

int sites_add_domain(struct sites *s, size_t idx, const char *domain,
                     struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = sites_domain_norm(domain, strlen(domain), norm), owner;

    if (sites_bad_idx(s, idx, e))
        return -1;
    if (len < 0)
        return err_set(e, ERR_DATA, "bad domain '%s'",
                       text_show(domain, strlen(domain), show, sizeof show));
    owner = sites_tab_get(&s->domains, norm, (size_t)len);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return sites_dup_err(s, owner, "domain", domain, e);
    if (sites_tab_put(&s->domains, norm, (size_t)len, (long)idx) != 0
        || sites_strv_push(&s->v[idx].vals[SITES_DOMAIN], norm, (size_t)len))
        return err_set(e, ERR_NOMEM, "out of memory adding a domain");
    return 0;
}

int sites_keep(struct sites *s, const char *host, struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = sites_domain_norm(host, strlen(host), norm);

    if (len < 0)
        return err_set(e, ERR_DATA, "bad host name '%s'",
                       text_show(host, strlen(host), show, sizeof show));
    if (sites_tab_put(&s->keep, norm, (size_t)len, 0) != 0)
        return err_set(e, ERR_NOMEM, "out of memory adding a kept host");
    return 0;
}

/* ---- public: accessors ---- */

size_t sites_count(const struct sites *s)
{
    return s->n;
}

const char *sites_name(const struct sites *s, size_t idx)
{
    if (idx >= s->n)
        return NULL;
    return s->snames[idx][0] ? s->snames[idx] : s->v[idx].name;
}

const char *sites_value(const struct sites *s, size_t idx, int kind,
                        size_t j)
{
    const char *kinds = "adn", *k = kind ? strchr(kinds, kind) : NULL;
    const struct sites_strv *sv;

    if (idx >= s->n || k == NULL)
        return NULL;
    sv = &s->v[idx].vals[k - kinds];
    return j < sv->n ? sv->v[j] : NULL;
}
