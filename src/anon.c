/*
 * anon - victim-site identifiers out, placeholders in. See anon.h.
 *
 * One pass of rule patterns, then one pass of a combined token pattern:
 *
 *   1. Every rule pattern runs over the whole text. Its matches (or the
 *      (?<id>...) group of a match) become spans; overlaps are settled
 *      leftmost first, then by rule order (file name order, then order in
 *      the file). Each span becomes [CLASS-n].
 *   2. Between spans, the token pattern finds e-mail addresses, IPv6 and
 *      IPv4 addresses and networks, host names and words, in that order of
 *      preference at one position. Each token costs a few hash probes in
 *      the sites index; only hits are replaced. No regex ever holds a site
 *      name, so the cost does not depend on the number of sites.
 *
 * Word tokens ([letters digits _] joined by '.' or '-') are looked up
 *   a) as the start of a multi-word alias ("Queen Mary University of
 *      London", any white space between the words),
 *   b) whole ("EXAMPLE-T2", "T2_XX_Example"),
 *   c) split at '_': the longest run of parts that is a name, leftmost
 *      first ("EXAMPLE-T2_DATADISK" -> "[SITE-1]_DATADISK").
 * They are not split at '-' or '.', so "RAL-LCG2" or "CVE-2024-0001" are
 * whole words, and a name inside a longer word ("general") never matches.
 * A host-shaped token that is not under a site domain is also tried whole
 * as a name ("LCG.Example.xx").
 *
 * All patterns are compiled with PCRE2_MATCH_INVALID_UTF: stray bytes of
 * other charsets act as barriers instead of failing the match, and the
 * subject is not re-validated at every call (which would be quadratic).
 */
#include "anon.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define ANON_JIT_STACK_MIN (32u << 10)
#define ANON_JIT_STACK_MAX (512u << 10)
#define ANON_HEAP_LIMIT_KIB (32u << 10)   /* interpreter only */
#define ANON_RULE_FILE_MAX (1u << 20)     /* bytes in one rule file */
#define ANON_NAME_MAX 64                  /* bytes in a rule name */
#define ANON_CLASS_MAX 32                 /* bytes in a class name */
#define ANON_PH_MAX 96                    /* bytes in a placeholder */
#define ANON_PARTS_MAX 8                  /* '_' parts tried in runs */
#define ANON_SHOW_MAX 80                  /* bytes quoted in a message */
#define ANON_MAP_MIN 64
#define ANON_OUT_MAX ((size_t)1 << 30)    /* rules-test scratch buffers */

/* Token pattern groups, in order of preference at one position. */
enum { TOK_EMAIL = 1, TOK_IP6, TOK_IP4, TOK_HOST, TOK_WORD, TOK_GROUPS };

#define TOK_LABEL "[A-Za-z0-9_][A-Za-z0-9_-]*+\\."
#define TOK_TLD "[A-Za-z][A-Za-z0-9-]*+"
#define TOK_DQUAD "\\d{1,3}(?:\\.\\d{1,3}){3}"
static const char anon_tok_pattern[] =
    /* e-mail: the local part cannot hold '@', so possessive is safe */
    "([A-Za-z0-9._%+-]++@(?:" TOK_LABEL ")+" TOK_TLD ")"
    /* IPv6 candidate, checked by inet_pton later: any mix of groups and
     * colons, an IPv4 tail, a zone, a prefix length */
    "|(?<![\\w.])((?:[0-9A-Fa-f]{0,4}:){2,8}"
    "(?:" TOK_DQUAD "|[0-9A-Fa-f]{1,4})?"
    "(?:%[0-9A-Za-z._-]+)?(?:/\\d{1,3}(?!\\d))?)"
    /* IPv4, with a prefix length or a GOCDB dotted netmask */
    "|(?<![\\w.])(" TOK_DQUAD "(?:/(?:" TOK_DQUAD "|\\d{1,2}))?)"
    "(?![\\w-]|\\.\\w)"
    /* host name: two labels or more, the last starting with a letter */
    "|(?<![\\w-])((?:" TOK_LABEL ")+" TOK_TLD "\\.?)(?![\\w-])"
    /* word */
    "|([\\p{L}\\p{N}_]++(?:[.-]++[\\p{L}\\p{N}_]++)*+)";

static const char *const anon_reserved[] = {"site", "host", "email", "ip",
                                            "net"};

enum anon_kind { HIT_SITE, HIT_HOST, HIT_EMAIL, HIT_IP, HIT_NET, HIT_RULE };

struct anon_example {
    char *in, *want;
    size_t line;
};

struct anon_rule {
    char *name, *cls, *file;
    size_t line;
    pcre2_code *code;
    int jit;
    int id_group;               /* number of (?<id>...), 0 if none */
    char *pattern;              /* kept until the rule is complete */
    struct anon_example *ex;
    size_t nex, capex;
};

struct anon {
    const struct sites *sites;  /* borrowed */
    pcre2_code *tok;
    int tok_jit;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    struct anon_rule *rules;
    size_t nrules, caprules;
    uint32_t ovec;              /* ovector pairs enough for every pattern */
};

struct anon_entry {
    char *cls, *orig, *ph;
    char *key;                  /* normalised, lower-cased original */
    size_t klen;
    uint32_t hash;
};

struct anon_counter {
    char *cls;
    unsigned long n;
};

struct anon_map {
    struct anon_entry *v;
    size_t n, cap;
    size_t *slot;               /* entry index + 1; 0 = empty */
    size_t nslot;               /* power of two */
    struct anon_counter *ctr;
    size_t nctr, capctr;
};

/* One replacement candidate found in the text. */
struct anon_hit {
    enum anon_kind kind;
    size_t start, end;          /* span of the text to replace */
    long site;
    int is_domain;              /* HIT_HOST: the site domain itself */
    const struct anon_rule *rule;
};

/* State of one anon_apply or anon_scan run. */
struct anon_run {
    const struct anon *a;
    const struct sites *sites;  /* NULL: rules only */
    struct anon_map *m;
    const char *text;
    size_t len;
    pcre2_match_data *md;
    struct buf *out;            /* NULL: scan mode */
    size_t copied;              /* text before this is in out */
    struct anon_changes *ch;
    size_t line, lpos;          /* line number at text offset lpos */
    const char *where;
    struct err *e;
};

/* ---- small helpers ---- */

static const char *anon_show(const char *p, size_t len, char *out,
                             size_t size)
{
    size_t i, n = len < size - 1 ? len : size - 1;

    for (i = 0; i < n; i++)
        out[i] = isprint((unsigned char)p[i]) ? p[i] : '?';
    out[n] = '\0';
    return out;
}

static char *anon_strndup(const char *p, size_t len)
{
    char *c = malloc(len + 1);

    if (c) {
        memcpy(c, p, len);
        c[len] = '\0';
    }
    return c;
}

static uint32_t hash_ci(uint32_t h, const char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)tolower((unsigned char)p[i]);
        h *= 16777619u;
    }
    return h;
}

static int eq_ci(const char *a, const char *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int pcre_err(struct err *e, enum err_code code, const char *what,
                    int rc)
{
    PCRE2_UCHAR msg[256];

    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
        snprintf((char *)msg, sizeof msg, "error %d", rc);
    return err_set(e, code, "%s: %s", what, (char *)msg);
}

/* ---- anon_map ---- */

struct anon_map *anon_map_new(void)
{
    return calloc(1, sizeof(struct anon_map));
}

void anon_map_free(struct anon_map *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->n; i++) {
        free(m->v[i].cls);
        free(m->v[i].orig);
        free(m->v[i].ph);
        free(m->v[i].key);
    }
    for (i = 0; i < m->nctr; i++)
        free(m->ctr[i].cls);
    free(m->v);
    free(m->slot);
    free(m->ctr);
    free(m);
}

size_t anon_map_count(const struct anon_map *m)
{
    return m->n;
}

int anon_map_get(const struct anon_map *m, size_t i, const char **cls,
                 const char **original, const char **placeholder)
{
    if (i >= m->n)
        return -1;
    *cls = m->v[i].cls;
    *original = m->v[i].orig;
    *placeholder = m->v[i].ph;
    return 0;
}

static uint32_t map_hash(const char *cls, const char *key, size_t klen)
{
    uint32_t h = hash_ci(2166136261u, cls, strlen(cls) + 1);

    return hash_ci(h, key, klen);
}

/* Entry for (cls, normalised key), or NULL. */
static struct anon_entry *map_find(const struct anon_map *m, const char *cls,
                                   const char *key, size_t klen)
{
    uint32_t h = map_hash(cls, key, klen);
    size_t i, mask = m->nslot - 1;

    if (m->nslot == 0)
        return NULL;
    for (i = h & mask; m->slot[i]; i = (i + 1) & mask) {
        struct anon_entry *en = &m->v[m->slot[i] - 1];

        if (en->hash == h && en->klen == klen && strcmp(en->cls, cls) == 0
            && eq_ci(en->key, key, klen))
            return en;
    }
    return NULL;
}

/* Room was made by map_rehash before the entry was pushed. */
static void map_slot_put(struct anon_map *m, size_t i)
{
    size_t j, mask = m->nslot - 1;

    for (j = m->v[i].hash & mask; m->slot[j]; j = (j + 1) & mask)
        ;
    m->slot[j] = i + 1;
}

static int map_rehash(struct anon_map *m)
{
    size_t n = m->nslot ? m->nslot * 2 : ANON_MAP_MIN, i;
    size_t *slot = calloc(n, sizeof *slot);

    if (slot == NULL)
        return -1;
    free(m->slot);
    m->slot = slot;
    m->nslot = n;
    for (i = 0; i < m->n; i++)
        map_slot_put(m, i);
    return 0;
}

static struct anon_counter *map_counter(struct anon_map *m, const char *cls)
{
    struct anon_counter *c;
    size_t i;

    for (i = 0; i < m->nctr; i++)
        if (strcmp(m->ctr[i].cls, cls) == 0)
            return &m->ctr[i];
    if (m->nctr == m->capctr) {
        size_t ncap = m->capctr ? m->capctr * 2 : 8;

        c = realloc(m->ctr, ncap * sizeof *c);
        if (c == NULL)
            return NULL;
        m->ctr = c;
        m->capctr = ncap;
    }
    c = &m->ctr[m->nctr];
    c->cls = strdup(cls);
    if (c->cls == NULL)
        return NULL;
    c->n = 0;
    m->nctr++;
    return c;
}

static int map_push(struct anon_map *m, const char *cls, const char *orig,
                    size_t olen, const char *key, size_t klen, const char *ph)
{
    struct anon_entry *en;

    if ((m->n + 1) * 2 > m->nslot && map_rehash(m) != 0)
        return -1;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;

        en = realloc(m->v, ncap * sizeof *en);
        if (en == NULL)
            return -1;
        m->v = en;
        m->cap = ncap;
    }
    en = &m->v[m->n];
    en->cls = strdup(cls);
    en->orig = anon_strndup(orig, olen);
    en->ph = strdup(ph);
    en->key = anon_strndup(key, klen);
    if (!en->cls || !en->orig || !en->ph || !en->key) {
        free(en->cls);
        free(en->orig);
        free(en->ph);
        free(en->key);
        return -1;
    }
    en->klen = klen;
    en->hash = map_hash(cls, key, klen);
    m->n++;
    map_slot_put(m, m->n - 1);
    return 0;
}

/* Map key of an original: addresses in canonical text (every notation of
 * one address is one original), host names without the final dot. */
static void map_key(const char *cls, const char *orig, size_t olen,
                    char *canon, const char **key, size_t *klen)
{
    int addr = strcmp(cls, "ip") == 0 || strcmp(cls, "net") == 0;

    if (addr && sites_addr_canon(orig, olen, canon) == 0) {
        *key = canon;
        *klen = strlen(canon);
        return;
    }
    if (strcmp(cls, "host") == 0 && olen > 0 && orig[olen - 1] == '.')
        olen--;
    *key = orig;
    *klen = olen;
}

static int counter_bump(struct anon_map *m, const char *cls, unsigned long n)
{
    struct anon_counter *c = map_counter(m, cls);

    if (c == NULL)
        return -1;
    if (n > c->n)
        c->n = n;
    return 0;
}

/* The number right after prefix (any case) at *p, or 0; *p moves past. */
static unsigned long num_after(const char **p, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *q = *p;
    unsigned long v = 0;

    if (strncasecmp(q, prefix, n) != 0 || !isdigit((unsigned char)q[n]))
        return 0;
    for (q += n; isdigit((unsigned char)*q); q++) {
        if (v > (ULONG_MAX - 9) / 10)
            return 0;
        v = v * 10 + (unsigned long)(*q - '0');
    }
    *p = q;
    return v;
}

/* A preloaded placeholder moves the counters past its numbers, so new
 * placeholders never repeat it. Unknown shapes move nothing. */
static int map_bump(struct anon_map *m, const char *cls, const char *ph)
{
    char pre[ANON_CLASS_MAX + 3];
    const char *p = ph;
    unsigned long n;
    int w;

    if (strcmp(cls, "host") == 0 || strcmp(cls, "email") == 0) {
        n = num_after(&p, cls[0] == 'h' ? "host" : "user");
        if (n) {
            if (counter_bump(m, cls, n) != 0)
                return -1;
            if (*p == '\0')
                return 0;
            p++;    /* the '.' or '@' before "siteK" */
        }
        n = num_after(&p, "site");
        return n ? counter_bump(m, "site", n) : 0;
    }
    w = snprintf(pre, sizeof pre, "[%s-", cls);
    if (w < 0 || (size_t)w >= sizeof pre)
        return 0;
    n = num_after(&p, pre);
    return n ? counter_bump(m, cls, n) : 0;
}

int anon_map_add(struct anon_map *m, const char *cls, const char *original,
                 const char *placeholder, struct err *e)
{
    char canon[SITES_ADDR_TEXT_MAX], show[ANON_SHOW_MAX];
    const char *key;
    size_t klen, olen = strlen(original);
    struct anon_entry *en;

    if (*cls == '\0' || strlen(cls) > ANON_CLASS_MAX || olen == 0
        || *placeholder == '\0' || strlen(placeholder) >= ANON_PH_MAX)
        return err_set(e, ERR_DATA, "bad mapping '%s'",
                       anon_show(original, olen, show, sizeof show));
    map_key(cls, original, olen, canon, &key, &klen);
    en = map_find(m, cls, key, klen);
    if (en && strcmp(en->ph, placeholder) == 0)
        return 0;
    if (en)
        return err_set(e, ERR_DUP, "%s '%s' already maps to %s", cls,
                       anon_show(original, olen, show, sizeof show), en->ph);
    if (map_bump(m, cls, placeholder) != 0
        || map_push(m, cls, original, olen, key, klen, placeholder) != 0)
        return err_set(e, ERR_NOMEM, "out of memory in the mapping");
    return 0;
}

static int ph_format(char *ph, const char *cls, unsigned long n,
                     unsigned long site_no)
{
    char up[ANON_CLASS_MAX + 1];
    size_t i;
    int w;

    if (strcmp(cls, "host") == 0)
        w = snprintf(ph, ANON_PH_MAX, "host%lu.site%lu.invalid", n, site_no);
    else if (strcmp(cls, "email") == 0)
        w = snprintf(ph, ANON_PH_MAX, "user%lu@site%lu.invalid", n, site_no);
    else {
        for (i = 0; cls[i] && i < ANON_CLASS_MAX; i++)
            up[i] = (char)toupper((unsigned char)cls[i]);
        up[i] = '\0';
        w = snprintf(ph, ANON_PH_MAX, "[%s-%lu]", up, n);
    }
    return w < 0 || w >= ANON_PH_MAX ? -1 : 0;
}

/* The placeholder of an original, made on first sight. site_no is used
 * by host and e-mail placeholders; is_domain makes "siteK.invalid". */
static const char *map_ensure(struct anon_map *m, const char *cls,
                              const char *orig, size_t olen,
                              unsigned long site_no, int is_domain,
                              struct err *e)
{
    char canon[SITES_ADDR_TEXT_MAX], ph[ANON_PH_MAX];
    const char *key;
    size_t klen;
    struct anon_entry *en;
    struct anon_counter *c;

    map_key(cls, orig, olen, canon, &key, &klen);
    en = map_find(m, cls, key, klen);
    if (en)
        return en->ph;
    if (is_domain) {
        snprintf(ph, sizeof ph, "site%lu.invalid", site_no);
    } else {
        c = map_counter(m, cls);
        if (c == NULL || ph_format(ph, cls, ++c->n, site_no) != 0)
            goto nomem;
    }
    if (map_push(m, cls, orig, olen, key, klen, ph) != 0)
        goto nomem;
    return m->v[m->n - 1].ph;
nomem:
    err_set(e, ERR_NOMEM, "out of memory in the mapping");
    return NULL;
}

/* K of the site's [SITE-K] in this map, allocated on first use. */
static unsigned long map_site_no(struct anon_map *m, const struct sites *s,
                                 long site, const char **ph, struct err *e)
{
    const char *name = sites_name(s, (size_t)site), *p;

    *ph = map_ensure(m, "site", name, strlen(name), 0, 0, e);
    if (*ph == NULL)
        return 0;
    p = *ph;
    return num_after(&p, "[SITE-");
}

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

static void changes_truncate(struct anon_changes *c, size_t n)
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

static int buf_fail(struct err *e, int rc)
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

static const char *hit_placeholder(struct anon_run *r,
                                   const struct anon_hit *h)
{
    const char *orig = r->text + h->start, *site_ph = NULL;
    size_t olen = h->end - h->start;
    unsigned long k = 0;

    if (h->kind == HIT_RULE)
        return map_ensure(r->m, h->rule->cls, orig, olen, 0, 0, r->e);
    if (h->kind == HIT_IP || h->kind == HIT_NET)
        return map_ensure(r->m, h->kind == HIT_IP ? "ip" : "net", orig, olen,
                          0, 0, r->e);
    k = map_site_no(r->m, r->sites, h->site, &site_ph, r->e);
    if (site_ph == NULL || h->kind == HIT_SITE)
        return site_ph;
    return map_ensure(r->m, h->kind == HIT_HOST ? "host" : "email", orig,
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
                   anon_show(r->text + h->start, h->end - h->start, show,
                             sizeof show),
                   sites_name(r->sites, (size_t)h->site), r->where);
}

static int run_hit(struct anon_run *r, const struct anon_hit *h)
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
        return buf_fail(r->e, rc);
    if (r->ch && changes_push(r->ch, run_line(r, h->start),
                              r->text + h->start, h->end - h->start, ph,
                              hit_what(h)) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory listing changes");
    r->copied = h->end;
    return 0;
}

static int hit_site(struct anon_run *r, size_t s, size_t e, long site)
{
    struct anon_hit h = {HIT_SITE, s, e, site, 0, NULL};

    return site < 0 ? 0 : run_hit(r, &h);
}

/* ---- one run: tokens ---- */

static int run_match(const struct anon_run *r, const pcre2_code *code,
                     int jit, size_t end, size_t off)
{
    const PCRE2_SPTR t = (PCRE2_SPTR)r->text;

    if (jit)
        return pcre2_jit_match(code, t, end, off, 0, r->md, r->a->mctx);
    return pcre2_match(code, t, end, off, 0, r->md, r->a->mctx);
}

/* "scheme://USER@host" or "scheme://user:PASS@host": user info, not an
 * e-mail address; only the host is an identifier there. */
static int is_userinfo(const struct anon_run *r, size_t s, size_t from)
{
    const char *t = r->text;

    if (s > from && t[s - 1] == ':')
        for (s--; s > from && t[s - 1] != '/' && !isspace((unsigned char)t[s - 1]);)
            s--;
    return s >= from + 2 && t[s - 1] == '/' && t[s - 2] == '/';
}

static int tok_host(struct anon_run *r, size_t s, size_t e);

static int tok_email(struct anon_run *r, size_t s, size_t e, size_t from)
{
    const char *at = memchr(r->text + s, '@', e - s);
    size_t dlen, hs = (size_t)(at - r->text) + 1;
    struct anon_hit h = {HIT_EMAIL, s, e, -1, 0, NULL};

    if (is_userinfo(r, s, from))
        return tok_host(r, hs, e);
    h.site = sites_match_host(r->sites, at + 1, e - hs, &dlen);
    return h.site < 0 ? 0 : run_hit(r, &h);
}

/* IPv6 candidates are loose; a stray colon on either side ("ip:2001:db8::1"
 * or "2001:db8::1: refused") is dropped before the address is read. */
static int tok_ip(struct anon_run *r, size_t s, size_t e, size_t from,
                  size_t to, int v6)
{
    const char *t = r->text;
    int net = memchr(t + s, '/', e - s) != NULL;
    struct anon_hit h = {net ? HIT_NET : HIT_IP, s, e, -1, 0, NULL};

    if (v6 && e - s > 2 && t[s] == ':' && t[s + 1] != ':')
        s++;
    if (v6 && e - s > 2 && t[e - 1] == ':' && t[e - 2] != ':')
        e--;
    h.site = net ? sites_lookup_net(r->sites, t + s, e - s)
                 : sites_lookup_addr(r->sites, t + s, e - s);
    if (h.site < 0)
        return 0;
    h.start = s;
    h.end = e;
    /* "[2001:db8::1]:443" becomes "[IP-1]:443", not "[[IP-1]]:443" */
    if (!net && s > from && e < to && t[s - 1] == '[' && t[e] == ']') {
        h.start--;
        h.end++;
    }
    return run_hit(r, &h);
}

static int tok_host(struct anon_run *r, size_t s, size_t e)
{
    struct anon_hit h = {HIT_HOST, s, e, -1, 0, NULL};
    size_t dlen;

    if (r->text[e - 1] == '.')
        h.end = --e;    /* the final dot stays, it may end a sentence */
    h.site = sites_match_host(r->sites, r->text + s, e - s, &dlen);
    if (h.site < 0)
        return hit_site(r, s, e, sites_lookup_name(r->sites, r->text + s,
                                                   e - s));
    h.is_domain = dlen == e - s;
    return run_hit(r, &h);
}

/* Parts of a word split at '_': the longest run of up to ANON_PARTS_MAX
 * parts that is a name, leftmost first. */
static int tok_parts(struct anon_run *r, size_t s, size_t e)
{
    const char *t = r->text;
    size_t ends[ANON_PARTS_MAX], n, p = s, q;
    long site = -1;

    while (p < e) {
        while (p < e && t[p] == '_')
            p++;
        for (n = 0, q = p; q < e && n < ANON_PARTS_MAX; q++) {
            const char *u = memchr(t + q, '_', e - q);

            q = u ? (size_t)(u - t) : e;
            ends[n++] = q;
        }
        if (n == 0)
            break;
        while (n > 0) {
            site = sites_lookup_name(r->sites, t + p, ends[n - 1] - p);
            if (site >= 0)
                break;
            n--;
        }
        if (site >= 0 && hit_site(r, p, ends[n - 1], site) != 0)
            return -1;
        p = site >= 0 ? ends[n - 1] : ends[0];
        site = -1;
    }
    return 0;
}

static int tok_word(struct anon_run *r, size_t s, size_t e, size_t to,
                    size_t *next)
{
    size_t mlen;
    long site = sites_match_phrase(r->sites, r->text + s, to - s, &mlen);

    if (site >= 0) {
        *next = s + mlen;
        return hit_site(r, s, s + mlen, site);
    }
    site = sites_lookup_name(r->sites, r->text + s, e - s);
    if (site >= 0)
        return hit_site(r, s, e, site);
    if (memchr(r->text + s, '_', e - s))
        return tok_parts(r, s, e);
    return 0;
}

static int tok_one(struct anon_run *r, int g, size_t from, size_t to,
                   size_t *next)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    size_t s = ov[2 * g], e = ov[2 * g + 1];

    switch (g) {
    case TOK_EMAIL:
        return tok_email(r, s, e, from);
    case TOK_IP6:
    case TOK_IP4:
        return tok_ip(r, s, e, from, to, g == TOK_IP6);
    case TOK_HOST:
        return tok_host(r, s, e);
    default:
        return tok_word(r, s, e, to, next);
    }
}

static int match_fail(struct err *e, const char *what, int rc)
{
    char m[ANON_SHOW_MAX];

    snprintf(m, sizeof m, "%s: match failed (alert held)", what);
    return pcre_err(e, ERR_DATA, m, rc);
}

/* Every token of text[from..to) looked up and handed to run_hit. */
static int run_tokens(struct anon_run *r, size_t from, size_t to)
{
    size_t off = from, next;
    int rc, g;

    while (off < to) {
        PCRE2_SIZE *ov;

        rc = run_match(r, r->a->tok, r->a->tok_jit, to, off);
        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0)
            return match_fail(r->e, "token pattern", rc);
        ov = pcre2_get_ovector_pointer(r->md);
        for (g = TOK_EMAIL; g < rc && ov[2 * g] == PCRE2_UNSET; g++)
            ;
        next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        if (g < rc && tok_one(r, g, from, to, &next) != 0)
            return -1;
        off = next;
    }
    return 0;
}

/* ---- one run: rules ---- */

struct anon_span {
    size_t start, end;
    const struct anon_rule *rule;
};

struct anon_spans {
    struct anon_span *v;
    size_t n, cap;
};

static int spans_push(struct anon_spans *sp, size_t s, size_t e,
                      const struct anon_rule *rule)
{
    if (sp->n == sp->cap) {
        size_t ncap = sp->cap ? sp->cap * 2 : 16;
        struct anon_span *v = realloc(sp->v, ncap * sizeof *v);

        if (v == NULL)
            return -1;
        sp->v = v;
        sp->cap = ncap;
    }
    sp->v[sp->n].start = s;
    sp->v[sp->n].end = e;
    sp->v[sp->n].rule = rule;
    sp->n++;
    return 0;
}

/* Offset of the character after off (UTF-8 continuation bytes skipped). */
static size_t next_char(const char *t, size_t len, size_t off)
{
    off++;
    while (off < len && ((unsigned char)t[off] & 0xc0) == 0x80)
        off++;
    return off;
}

static int rule_spans(struct anon_run *r, const struct anon_rule *rule,
                      struct anon_spans *sp)
{
    size_t off = 0;

    while (off <= r->len) {
        PCRE2_SIZE *ov, s, e;
        int rc = run_match(r, rule->code, rule->jit, r->len, off);

        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0)
            return match_fail(r->e, rule->name, rc);
        ov = pcre2_get_ovector_pointer(r->md);
        s = ov[0];
        e = ov[1];
        if (rule->id_group && rc > rule->id_group
            && ov[2 * rule->id_group] != PCRE2_UNSET) {
            s = ov[2 * rule->id_group];
            e = ov[2 * rule->id_group + 1];
        }
        if (e > s && spans_push(sp, s, e, rule) != 0)
            return err_set(r->e, ERR_NOMEM, "out of memory matching rules");
        off = ov[1] > ov[0] ? ov[1] : next_char(r->text, r->len, ov[0]);
    }
    return 0;
}

static int span_cmp(const void *x, const void *y)
{
    const struct anon_span *a = x, *b = y;

    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* All rule spans, sorted, overlaps dropped (leftmost, then rule order). */
static int run_rule_spans(struct anon_run *r, struct anon_spans *sp)
{
    size_t i, n = 0, end = 0;

    for (i = 0; i < r->a->nrules; i++)
        if (rule_spans(r, &r->a->rules[i], sp) != 0)
            return -1;
    if (sp->n > 1)
        qsort(sp->v, sp->n, sizeof *sp->v, span_cmp);
    for (i = 0; i < sp->n; i++) {
        if (n > 0 && sp->v[i].start < end)
            continue;
        sp->v[n++] = sp->v[i];
        end = sp->v[i].end;
    }
    sp->n = n;
    return 0;
}

static int run_body(struct anon_run *r)
{
    struct anon_spans sp = {NULL, 0, 0};
    size_t i, pos = 0;
    int rc = run_rule_spans(r, &sp);

    for (i = 0; rc == 0 && i < sp.n; i++) {
        struct anon_hit h = {HIT_RULE, sp.v[i].start, sp.v[i].end, -1, 0,
                             sp.v[i].rule};

        if (r->sites)
            rc = run_tokens(r, pos, h.start);
        if (rc == 0)
            rc = run_hit(r, &h);
        pos = h.end;
    }
    if (rc == 0 && r->sites)
        rc = run_tokens(r, pos, r->len);
    free(sp.v);
    return rc;
}

static int run_apply(const struct anon *a, const struct sites *sites,
                     struct anon_map *m, const char *in, size_t len,
                     struct buf *out, struct anon_changes *changes,
                     struct err *e)
{
    struct anon_run r = {a, sites, m, in, len, NULL, out, 0, changes,
                         1, 0, NULL, e};
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    int rc;

    r.md = pcre2_match_data_create(a->ovec, NULL);
    if (r.md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for match data");
    rc = run_body(&r);
    if (rc == 0) {
        rc = buf_append(out, in + r.copied, len - r.copied);
        if (rc != 0)
            rc = buf_fail(e, rc);
    }
    if (rc != 0) {
        /* never a partly anonymised text */
        out->len = out0;
        if (out->data)
            out->data[out0] = '\0';
        changes_truncate(changes, ch0);
    }
    pcre2_match_data_free(r.md);
    return rc;
}

int anon_apply(const struct anon *a, struct anon_map *m, const char *in,
               size_t len, struct buf *out, struct anon_changes *changes,
               struct err *e)
{
    return run_apply(a, a->sites, m, in, len, out, changes, e);
}

int anon_scan(const struct anon *a, const char *text, size_t len,
              const char *where, struct err *e)
{
    struct anon_run r = {a, a->sites, NULL, text, len, NULL, NULL, 0, NULL,
                         1, 0, where, e};
    int rc;

    if (a->sites == NULL)
        return 0;
    r.md = pcre2_match_data_create(a->ovec, NULL);
    if (r.md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for match data");
    rc = run_tokens(&r, 0, len);
    pcre2_match_data_free(r.md);
    return rc;
}

/* ---- rule files ---- */

/* Parsing state of one rule file. */
struct anon_load {
    struct anon *a;
    const char *file;
    size_t line;
    struct anon_rule *cur;      /* the rule being read, or NULL */
    struct err *e;
};

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(l->e, ERR_CONFIG, "%s:%zu: %s", l->file, line, msg);
}

static void rule_free(struct anon_rule *r)
{
    size_t i;

    for (i = 0; i < r->nex; i++) {
        free(r->ex[i].in);
        free(r->ex[i].want);
    }
    free(r->ex);
    free(r->name);
    free(r->cls);
    free(r->file);
    free(r->pattern);
    pcre2_code_free(r->code);
}

static int rule_finish(struct anon_load *l)
{
    struct anon_rule *r = l->cur;

    l->cur = NULL;
    if (r == NULL)
        return 0;
    if (r->code == NULL)
        return load_err(l, r->line, "rule %s has no pattern", r->name);
    if (r->cls == NULL)
        return load_err(l, r->line, "rule %s has no class", r->name);
    if (r->nex == 0)
        return load_err(l, r->line, "rule %s has no example", r->name);
    return 0;
}

static int name_ok(const char *p, size_t len, size_t max, int lower_only)
{
    size_t i;

    if (len == 0 || len > max || !isalpha((unsigned char)p[0]))
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (lower_only ? !(islower(c) || isdigit(c) || c == '-' || c == '_')
                       : !(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int kw_rule(struct anon_load *l, const char *arg, size_t len)
{
    struct anon *a = l->a;
    struct anon_rule *r;
    size_t i;

    if (rule_finish(l) != 0)
        return -1;
    if (!name_ok(arg, len, ANON_NAME_MAX, 0))
        return load_err(l, l->line, "bad rule name");
    for (i = 0; i < a->nrules; i++)
        if (strlen(a->rules[i].name) == len
            && memcmp(a->rules[i].name, arg, len) == 0)
            return load_err(l, l->line, "rule %s already defined at %s:%zu",
                            a->rules[i].name, a->rules[i].file,
                            a->rules[i].line);
    if (a->nrules >= ANON_RULES_MAX)
        return load_err(l, l->line, "more than %d rules", ANON_RULES_MAX);
    if (a->nrules == a->caprules) {
        size_t ncap = a->caprules ? a->caprules * 2 : 16;

        r = realloc(a->rules, ncap * sizeof *r);
        if (r == NULL)
            return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
        a->rules = r;
        a->caprules = ncap;
    }
    r = &a->rules[a->nrules++];
    memset(r, 0, sizeof *r);
    r->line = l->line;
    r->name = anon_strndup(arg, len);
    r->file = strdup(l->file);
    if (r->name == NULL || r->file == NULL)
        return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    l->cur = r;
    return 0;
}

static int kw_class(struct anon_load *l, const char *arg, size_t len)
{
    size_t i;

    if (l->cur->cls)
        return load_err(l, l->line, "second class for rule %s",
                        l->cur->name);
    if (!name_ok(arg, len, ANON_CLASS_MAX, 1))
        return load_err(l, l->line,
                        "bad class (lower-case letters, digits, - and _)");
    for (i = 0; i < sizeof anon_reserved / sizeof *anon_reserved; i++)
        if (strlen(anon_reserved[i]) == len
            && memcmp(anon_reserved[i], arg, len) == 0)
            return load_err(l, l->line, "class %s is reserved",
                            anon_reserved[i]);
    l->cur->cls = anon_strndup(arg, len);
    return l->cur->cls ? 0
                       : err_set(l->e, ERR_NOMEM, "out of memory loading rules");
}

static uint32_t code_groups(const pcre2_code *code)
{
    uint32_t n = 0;

    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    return n + 1;
}

static pcre2_code *pattern_compile(const char *p, size_t len, int *jit,
                                   int *errcode, PCRE2_SIZE *erroff)
{
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, len,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF
                                         | PCRE2_NEVER_BACKSLASH_C,
                                     errcode, erroff, NULL);

    /* no JIT (unsupported CPU): the interpreter, same limits */
    if (code)
        *jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    return code;
}

static int kw_pattern(struct anon_load *l, const char *arg, size_t len)
{
    struct anon_rule *r = l->cur;
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE off;
    int code, id;

    if (r->code)
        return load_err(l, l->line, "second pattern for rule %s", r->name);
    if (len == 0)
        return load_err(l, l->line, "empty pattern");
    r->code = pattern_compile(arg, len, &r->jit, &code, &off);
    if (r->code == NULL) {
        pcre2_get_error_message(code, msg, sizeof msg);
        return load_err(l, l->line, "bad pattern: %s at offset %zu",
                        (char *)msg, (size_t)off);
    }
    id = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR) "id");
    r->id_group = id > 0 ? id : 0;
    if (code_groups(r->code) > l->a->ovec)
        l->a->ovec = code_groups(r->code);
    return 0;
}

/* A double-quoted string with \" \\ \n \t escapes at p[*pos]. */
static int quoted(struct anon_load *l, const char *p, size_t len,
                  size_t *pos, struct buf *b)
{
    size_t i = *pos;
    int rc = 0;

    if (i >= len || p[i] != '"')
        return load_err(l, l->line, "example: expected '\"'");
    for (i++; i < len && p[i] != '"' && rc == 0; i++) {
        char c = p[i];

        if (c == '\\' && i + 1 < len) {
            c = p[++i];
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c != '"' && c != '\\')
                return load_err(l, l->line, "example: bad escape \\%c", c);
        }
        rc = buf_putc(b, c);
    }
    if (rc != 0)
        return buf_fail(l->e, rc);
    if (i >= len)
        return load_err(l, l->line, "example: unclosed quote");
    *pos = i + 1;
    if (b->data == NULL)
        return buf_fail(l->e, buf_append(b, "", 0));
    return 0;
}

static size_t skip_space(const char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i;
}

static int example_push(struct anon_rule *r, struct buf *in, struct buf *want,
                        size_t line)
{
    struct anon_example *ex;

    if (r->nex == r->capex) {
        size_t ncap = r->capex ? r->capex * 2 : 4;

        ex = realloc(r->ex, ncap * sizeof *ex);
        if (ex == NULL)
            return -1;
        r->ex = ex;
        r->capex = ncap;
    }
    ex = &r->ex[r->nex++];
    ex->in = buf_steal(in, NULL);
    ex->want = buf_steal(want, NULL);
    ex->line = line;
    return ex->in && ex->want ? 0 : -1;
}

static int kw_example(struct anon_load *l, const char *arg, size_t len)
{
    struct buf in, want;
    size_t pos = 0;
    int rc;

    buf_init(&in, ANON_RULE_LINE_MAX);
    buf_init(&want, ANON_RULE_LINE_MAX);
    rc = quoted(l, arg, len, &pos, &in);
    pos = skip_space(arg, len, pos);
    if (rc == 0 && (len - pos < 2 || memcmp(arg + pos, "=>", 2) != 0))
        rc = load_err(l, l->line, "example: expected '=>'");
    if (rc == 0) {
        pos = skip_space(arg, len, pos + 2);
        rc = quoted(l, arg, len, &pos, &want);
    }
    if (rc == 0 && skip_space(arg, len, pos) != len)
        rc = load_err(l, l->line, "example: text after the expected output");
    if (rc == 0 && example_push(l->cur, &in, &want, l->line) != 0)
        rc = err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    buf_free(&in);
    buf_free(&want);
    return rc;
}

static const struct {
    const char *kw;
    int in_rule;                /* only inside a rule block */
    int (*fn)(struct anon_load *l, const char *arg, size_t len);
} anon_keywords[] = {
    {"rule", 0, kw_rule},
    {"class", 1, kw_class},
    {"pattern", 1, kw_pattern},
    {"example", 1, kw_example},
};

static int load_line(struct anon_load *l, const char *p, size_t len)
{
    size_t i, kw, arg;

    if (len > ANON_RULE_LINE_MAX)
        return load_err(l, l->line, "line too long");
    if (memchr(p, '\0', len))
        return load_err(l, l->line, "NUL byte");
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;  /* a pattern wanting a final space writes \x20 */
    i = skip_space(p, len, 0);
    if (i == len || p[i] == '#')
        return 0;
    for (kw = i; i < len && !isspace((unsigned char)p[i]); i++)
        ;
    arg = skip_space(p, len, i);
    for (size_t k = 0; k < sizeof anon_keywords / sizeof *anon_keywords; k++) {
        if (strlen(anon_keywords[k].kw) != i - kw
            || memcmp(anon_keywords[k].kw, p + kw, i - kw) != 0)
            continue;
        if (anon_keywords[k].in_rule && l->cur == NULL)
            return load_err(l, l->line, "%s outside a rule",
                            anon_keywords[k].kw);
        return anon_keywords[k].fn(l, p + arg, len - arg);
    }
    return load_err(l, l->line, "unknown keyword '%.*s'", (int)(i - kw),
                    p + kw);
}

static int read_file(const char *path, struct buf *b, struct err *e)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc = 0;

    if (f == NULL)
        return err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(b, chunk, n);
    if (rc == BUF_ETOOBIG)
        err_set(e, ERR_CONFIG, "%s: over %zu bytes", path, b->max);
    else if (rc != 0)
        buf_fail(e, rc);
    else if (ferror(f))
        rc = err_set(e, ERR_CONFIG, "%s: read error", path);
    fclose(f);
    return rc != 0 ? -1 : 0;
}

static int load_file(struct anon *a, const char *path, struct err *e)
{
    struct anon_load l = {a, path, 0, NULL, e};
    struct buf b;
    size_t pos = 0;
    int rc;

    buf_init(&b, ANON_RULE_FILE_MAX);
    rc = read_file(path, &b, e);
    while (rc == 0 && pos < b.len) {
        const char *nl = memchr(b.data + pos, '\n', b.len - pos);
        size_t end = nl ? (size_t)(nl - b.data) : b.len;

        l.line++;
        rc = load_line(&l, b.data + pos, end - pos);
        pos = end + 1;
    }
    if (rc == 0)
        rc = rule_finish(&l);
    buf_free(&b);
    return rc;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int is_rule_file(const char *n)
{
    size_t len = strlen(n);

    return n[0] != '.' && len > 6 && strcmp(n + len - 6, ".rules") == 0;
}

/* Names of the .rules files in dir, sorted; the caller frees each and v. */
static int list_dir(const char *dir, char ***names, size_t *n, struct err *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    int rc = 0;

    *n = 0;
    if (d == NULL)
        return err_set(e, ERR_CONFIG, "%s: %s", dir, strerror(errno));
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!is_rule_file(de->d_name))
            continue;
        if (*n >= ANON_RULE_FILES_MAX) {
            rc = err_set(e, ERR_CONFIG, "%s: more than %d rule files", dir,
                         ANON_RULE_FILES_MAX);
            break;
        }
        if (v == NULL)
            v = calloc(ANON_RULE_FILES_MAX, sizeof *v);
        if (v == NULL || (v[*n] = strdup(de->d_name)) == NULL)
            rc = err_set(e, ERR_NOMEM, "out of memory listing %s", dir);
        else
            (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(v, *n, sizeof *v, str_cmp);
    *names = v;
    return rc;
}

static int load_dir(struct anon *a, const char *dir, struct err *e)
{
    char **names = NULL;
    size_t n = 0, i;
    struct buf path;
    int rc = list_dir(dir, &names, &n, e);

    buf_init(&path, PATH_MAX);
    for (i = 0; i < n; i++) {
        buf_reset(&path);
        if (rc == 0 && buf_printf(&path, "%s/%s", dir, names[i]) != 0)
            rc = err_set(e, ERR_CONFIG, "%s: path too long", dir);
        if (rc == 0)
            rc = load_file(a, buf_cstr(&path), e);
        free(names[i]);
    }
    free(names);
    buf_free(&path);
    return rc;
}

/* ---- life cycle ---- */

static int anon_setup(struct anon *a, struct err *e)
{
    int code;
    PCRE2_SIZE off;

    a->mctx = pcre2_match_context_create(NULL);
    a->jstack = pcre2_jit_stack_create(ANON_JIT_STACK_MIN, ANON_JIT_STACK_MAX,
                                       NULL);
    if (a->mctx == NULL || a->jstack == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for PCRE2");
    pcre2_set_match_limit(a->mctx, ANON_MATCH_LIMIT);
    pcre2_set_depth_limit(a->mctx, ANON_DEPTH_LIMIT);
    pcre2_set_heap_limit(a->mctx, ANON_HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(a->mctx, NULL, a->jstack);
    a->tok = pattern_compile(anon_tok_pattern, sizeof anon_tok_pattern - 1,
                             &a->tok_jit, &code, &off);
    if (a->tok == NULL)
        return pcre_err(e, ERR_SOFTWARE, "token pattern", code);
    a->ovec = code_groups(a->tok);
    return 0;
}

int anon_new(struct anon **out, const struct sites *sites,
             const char *rules_dir, struct err *e)
{
    struct anon *a = calloc(1, sizeof *a);

    *out = NULL;
    if (a == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    a->sites = sites;
    if (anon_setup(a, e) != 0 || (rules_dir && load_dir(a, rules_dir, e))) {
        anon_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void anon_free(struct anon *a)
{
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < a->nrules; i++)
        rule_free(&a->rules[i]);
    free(a->rules);
    pcre2_code_free(a->tok);
    pcre2_match_context_free(a->mctx);
    pcre2_jit_stack_free(a->jstack);
    free(a);
}

/* ---- rules test ---- */

/* Text as it would be written in a rule file example. */
static int put_quoted(struct buf *out, const char *s)
{
    int rc = buf_putc(out, '"');

    for (; *s && rc == 0; s++) {
        if (*s == '\n')
            rc = buf_puts(out, "\\n");
        else if (*s == '\t')
            rc = buf_puts(out, "\\t");
        else if (*s == '"' || *s == '\\')
            rc = buf_printf(out, "\\%c", *s);
        else
            rc = buf_putc(out, *s);
    }
    return rc == 0 ? buf_putc(out, '"') : rc;
}

/* 1 when the example fails (reported to out), 0 when it passes. */
static int example_run(const struct anon *a, const struct anon_rule *r,
                       const struct anon_example *ex, struct buf *out,
                       struct err *e)
{
    struct anon_map *m = anon_map_new();
    struct buf got;
    struct err sub;
    int rc, bad = 0;

    buf_init(&got, ANON_OUT_MAX);
    err_init(&sub);
    if (m == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = run_apply(a, NULL, m, ex->in, strlen(ex->in), &got, NULL, &sub);
    if (rc != 0) {
        bad = buf_printf(out, "%s:%zu: %s\n", r->file, ex->line, sub.msg);
        bad = bad ? bad : 1;
    } else if (strcmp(buf_cstr(&got), ex->want) != 0) {
        bad = buf_printf(out, "%s:%zu: got ", r->file, ex->line);
        bad = bad ? bad : put_quoted(out, buf_cstr(&got));
        bad = bad ? bad : buf_puts(out, ", want ");
        bad = bad ? bad : put_quoted(out, ex->want);
        bad = bad ? bad : buf_putc(out, '\n');
        bad = bad ? bad : 1;
    }
    buf_free(&got);
    anon_map_free(m);
    return bad < 0 ? buf_fail(e, bad) : bad;
}

int anon_rules_test(const struct anon *a, struct buf *out, struct err *e)
{
    size_t i, j, n = 0, failed = 0;

    for (i = 0; i < a->nrules; i++) {
        const struct anon_rule *r = &a->rules[i];

        for (j = 0; j < r->nex; j++, n++) {
            int rc = example_run(a, r, &r->ex[j], out, e);

            if (rc < 0)
                return -1;
            failed += (size_t)rc;
        }
    }
    if (failed)
        return err_set(e, ERR_CONFIG, "%zu of %zu rule examples failed",
                       failed, n);
    return 0;
}
