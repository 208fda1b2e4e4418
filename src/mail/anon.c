/*
 * anon - victim-site identifiers out, placeholders in. See anon.h.
 *
 * One pass of rule patterns, then one pass of a combined token pattern:
 *
 *   1. Every rule pattern runs over the whole text. Its matches (or the
 *      (?<id>...) group of a match) become spans; overlaps are settled
 *      leftmost first, then by rule order (file name order, then order in
 *      the file). Each span becomes [CLASS-n].
 *   2. Between spans, a hand-written scanner finds e-mail addresses,
 *      IPv6 and IPv4 addresses and networks, host names and words, in
 *      that order of preference at one position (see "the token scanner").
 *      Each token costs a few hash probes in the sites index, most of them
 *      answered by a small filter; only hits are replaced. No regex ever
 *      holds a site name, so the cost does not depend on the number of
 *      sites.
 *
 * Word tokens ([letters digits _] joined by '.' or '-') are looked up
 *   a) as the start of a multi-word alias ("Queen Mary University of
 *      London", any white space between the words),
 *   b) whole ("EXAMPLE-T2", "T2_XX_Example"),
 *   c) when they hold a '.': each part between dots, as in b) and d)
 *      ("EXAMPLE-T2.log"),
 *   d) split at '_' and '-': the longest run of parts that is a name,
 *      leftmost first ("EXAMPLE-T2_DATADISK" -> "[SITE-1]_DATADISK",
 *      "core-EXAMPLE-T2", "RAL-LCG2" for a site RAL).
 * A name inside a longer part ("general", "RALly") never matches. A
 * host-shaped token that is not under a site domain (nor kept) is tried
 * as in b) to d) ("LCG.Example.xx", "cern.phish.example").
 *
 * Rule patterns are compiled with PCRE2_MATCH_INVALID_UTF: stray bytes of
 * other charsets act as barriers instead of failing the match, and the
 * subject is not re-validated at every call (which would be quadratic).
 * The scanner treats such bytes the same way.
 */
#include "mail/anon.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

/* Token kinds, in order of preference at one position. */
enum { TOK_NONE, TOK_EMAIL, TOK_IP6, TOK_IP4, TOK_HOST, TOK_WORD,
       TOK_PLAIN /* a word of [A-Za-z0-9_] only */,
       TOK_ALNUM /* a word of [A-Za-z0-9] only: the usual case */ };

/* Byte classes of the token scanner (ASCII; \w and \d as in PCRE2
 * without UCP). */
enum {
    CH_W = 1,           /* [A-Za-z0-9_] */
    CH_DIGIT = 2,       /* [0-9] */
    CH_HEX = 4,         /* [0-9A-Fa-f] */
    CH_ALPHA = 8,       /* [A-Za-z] */
    CH_LOCAL = 16,      /* [A-Za-z0-9._%+-]: e-mail local part */
    CH_LABEL = 32,      /* [A-Za-z0-9_-]: DNS label, also "[\w-]" */
    CH_ZONE = 64,       /* [0-9A-Za-z._-]: IPv6 zone */
    CH_START = 128      /* a token may start here: CH_LOCAL or ':' */
};

#define ANON_LABELS_MAX 128     /* DNS labels a host token holds */
#define ANON_USERINFO_MAX 256   /* bytes looked back for "//user:pw@" */
#define ANON_UNI2_MAX 0x800     /* code points with a 2-byte UTF-8 form */

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
    unsigned char ctab[256];    /* CH_* classes of each byte */
    /* \p{L} or \p{N}: a bit per code point up to U+07FF, PCRE2 above */
    unsigned char uni2[ANON_UNI2_MAX / 8];
    pcre2_code *uni;
    int uni_jit;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    struct anon_rule *rules;
    size_t nrules, caprules;
    uint32_t ovec;              /* ovector pairs enough for every pattern */
    struct timespec deadline;   /* CLOCK_MONOTONIC; tv_sec 0: none */
};

struct anon_entry {
    const char *cls;            /* the class's counter owns it */
    char *orig, *ph;            /* one allocation holds orig, ph and key */
    char *key;                  /* normalised original */
    size_t klen;
    uint32_t hash;
};

struct anon_counter {
    char *cls;
    unsigned long n;
};

/* A hash slot holds the entry's hash too: a probe past other entries
 * then reads no entry (a cache miss each in a large map). */
struct anon_slot {
    uint32_t idx1;              /* entry index + 1; 0 = empty */
    uint32_t hash;
};

struct anon_map {
    struct anon_entry *v;
    size_t n, cap;
    struct anon_slot *slot;
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

/* Replacements of one run, kept for the HTML writer. ph is the map's. */
struct anon_rec {
    size_t start, end;
    const char *ph;
};

struct anon_recs {
    struct anon_rec *v;
    size_t n, cap;
};

/* A site's [SITE-K] as looked up in the map; site1 is the site index + 1
 * (0: empty), so a zeroed memo is empty. */
struct anon_site_memo {
    long site1;
    unsigned long k;
    const char *ph;             /* the map's */
};

#define ANON_SITE_MEMO 64       /* sites remembered per run (direct-mapped) */

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
    size_t lrun_s, lrun_e;      /* last CH_LOCAL run seen: [s, e) */
    size_t ldot;                /* first '.' at or after a point, or lrun_e */
    int lplain;                 /* that run is all [A-Za-z0-9_] */
    int lus;                    /* that run holds a '_' */
    struct anon_recs *rec;      /* HTML: every replacement, or NULL */
    /* a site named once is often named again nearby (its name, host
     * names, e-mail addresses): K without a map lookup */
    struct anon_site_memo memo[ANON_SITE_MEMO];
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

/* ASCII only (the C locale's tolower, inlined for the hot path) */
static unsigned char lower_c(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ASCII upper case to lower case in eight bytes at once (as in sites.c):
 * the mapping is hashed for every replacement. */
#define ANON_ONES 0x0101010101010101ull

static uint64_t lower8(uint64_t x)
{
    uint64_t low7 = x & (0x7f * ANON_ONES);
    uint64_t up = (low7 + (0x80 - 'A') * ANON_ONES)
                  & ~(low7 + (0x7f - 'Z') * ANON_ONES) & ~x
                  & (0x80 * ANON_ONES);

    return x | (up >> 2);
}

static uint32_t hash_ci(uint32_t seed, const char *p, size_t len)
{
    const unsigned char *b = (const unsigned char *)p;
    uint64_t h = seed * 0x9e3779b97f4a7c15ull, w;
    size_t i, k;

    for (i = 0; i < len; i += 8) {
        w = 0;
        if (len - i >= 8) {
            memcpy(&w, b + i, 8);
        } else {
            for (k = 0; i + k < len; k++)
                w |= (uint64_t)b[i + k] << (8 * k);
        }
        h = (h ^ lower8(w)) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    h = (h ^ len) * 0xff51afd7ed558ccdull;
    return (uint32_t)(h ^ (h >> 32));
}

static int eq_ci(const char *a, const char *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (lower_c((unsigned char)a[i]) != lower_c((unsigned char)b[i]))
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
    for (i = 0; i < m->n; i++)
        free(m->v[i].orig);
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

/* Classes are told apart by their counter (one per class, never moved
 * in the counter array), so a lookup compares no class names. */
static uint32_t map_hash(const struct anon_map *m, const struct anon_counter *c,
                         const char *key, size_t klen)
{
    return hash_ci((uint32_t)(c - m->ctr) + 1, key, klen);
}

/* Entry for (class c, normalised key with hash h), or NULL. */
static struct anon_entry *map_find(const struct anon_map *m,
                                   const struct anon_counter *c,
                                   const char *key, size_t klen, uint32_t h)
{
    size_t i, mask = m->nslot - 1;

    if (m->nslot == 0)
        return NULL;
    for (i = h & mask; m->slot[i].idx1; i = (i + 1) & mask) {
        struct anon_entry *en = &m->v[m->slot[i].idx1 - 1];

        if (m->slot[i].hash == h && en->klen == klen && en->cls == c->cls
            && eq_ci(en->key, key, klen))
            return en;
    }
    return NULL;
}

/* Room was made by map_rehash before the entry was pushed. */
static void map_slot_put(struct anon_map *m, size_t i)
{
    size_t j, mask = m->nslot - 1;

    for (j = m->v[i].hash & mask; m->slot[j].idx1; j = (j + 1) & mask)
        ;
    m->slot[j].idx1 = (uint32_t)(i + 1);
    m->slot[j].hash = m->v[i].hash;
}

static int map_rehash(struct anon_map *m)
{
    size_t n = m->nslot ? m->nslot * 2 : ANON_MAP_MIN, i;
    struct anon_slot *slot = calloc(n, sizeof *slot);

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
        if (m->ctr[i].cls[0] == cls[0] && strcmp(m->ctr[i].cls, cls) == 0)
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

/* A new entry of class c; h is map_hash of its key. */
static int map_push(struct anon_map *m, const struct anon_counter *c,
                    const char *orig, size_t olen, const char *key,
                    size_t klen, const char *ph, uint32_t h)
{
    struct anon_entry *en;
    size_t plen = strlen(ph);
    char *blk;

    if (m->n >= UINT32_MAX - 1
        || ((m->n + 1) * 2 > m->nslot && map_rehash(m) != 0))
        return -1;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;

        en = realloc(m->v, ncap * sizeof *en);
        if (en == NULL)
            return -1;
        m->v = en;
        m->cap = ncap;
    }
    /* one block: "orig\0ph\0key\0", all bounded by the callers */
    blk = malloc(olen + plen + klen + 3);
    if (blk == NULL)
        return -1;
    en = &m->v[m->n];
    en->cls = c->cls;
    en->orig = blk;
    memcpy(en->orig, orig, olen);
    en->orig[olen] = '\0';
    en->ph = en->orig + olen + 1;
    memcpy(en->ph, ph, plen + 1);
    en->key = en->ph + plen + 1;
    memcpy(en->key, key, klen);
    en->key[klen] = '\0';
    en->klen = klen;
    en->hash = h;
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
    struct anon_counter *c;
    uint32_t h;

    if (*cls == '\0' || strlen(cls) > ANON_CLASS_MAX || olen == 0
        || *placeholder == '\0' || strlen(placeholder) >= ANON_PH_MAX)
        return err_set(e, ERR_DATA, "bad mapping '%s'",
                       anon_show(original, olen, show, sizeof show));
    map_key(cls, original, olen, canon, &key, &klen);
    if ((c = map_counter(m, cls)) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory in the mapping");
    h = map_hash(m, c, key, klen);
    en = map_find(m, c, key, klen, h);
    if (en && strcmp(en->ph, placeholder) == 0)
        return 0;
    if (en)
        return err_set(e, ERR_DUP, "%s '%s' already maps to %s", cls,
                       anon_show(original, olen, show, sizeof show), en->ph);
    /* map_bump may add counters and so move c */
    if (map_bump(m, cls, placeholder) != 0
        || (c = map_counter(m, cls)) == NULL
        || map_push(m, c, original, olen, key, klen, placeholder, h) != 0)
        return err_set(e, ERR_NOMEM, "out of memory in the mapping");
    return 0;
}

/* s then n in decimal at ph[*w]; snprintf was a visible cost here. */
static int ph_put(char *ph, size_t *w, const char *s, unsigned long n)
{
    char d[24];
    size_t k = 0, len = strlen(s);

    do {
        d[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    if (*w + len + k >= ANON_PH_MAX)
        return -1;
    memcpy(ph + *w, s, len);
    *w += len;
    while (k > 0)
        ph[(*w)++] = d[--k];
    ph[*w] = '\0';
    return 0;
}

static int ph_format(char *ph, const char *cls, unsigned long n,
                     unsigned long site_no)
{
    char up[ANON_CLASS_MAX + 3];
    size_t i, w = 0;

    if (strcmp(cls, "host") == 0 || strcmp(cls, "email") == 0) {
        int host = cls[0] == 'h';

        if (ph_put(ph, &w, host ? "host" : "user", n) != 0
            || ph_put(ph, &w, host ? ".site" : "@site", site_no) != 0
            || w + sizeof ".invalid" > ANON_PH_MAX)
            return -1;
        memcpy(ph + w, ".invalid", sizeof ".invalid");
        return 0;
    }
    up[0] = '[';
    for (i = 0; cls[i] && i < ANON_CLASS_MAX; i++)
        up[i + 1] = (char)toupper((unsigned char)cls[i]);
    up[i + 1] = '-';
    up[i + 2] = '\0';
    if (ph_put(ph, &w, up, n) != 0 || w + 2 > ANON_PH_MAX)
        return -1;
    ph[w++] = ']';
    ph[w] = '\0';
    return 0;
}

/* "siteK.invalid", the placeholder of a site domain itself */
static int ph_domain(char *ph, unsigned long site_no)
{
    size_t w = 0;

    if (ph_put(ph, &w, "site", site_no) != 0
        || w + sizeof ".invalid" > ANON_PH_MAX)
        return -1;
    memcpy(ph + w, ".invalid", sizeof ".invalid");
    return 0;
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
    struct anon_counter *c = map_counter(m, cls);
    uint32_t h;

    if (c == NULL)
        goto nomem;
    map_key(cls, orig, olen, canon, &key, &klen);
    h = map_hash(m, c, key, klen);
    en = map_find(m, c, key, klen, h);
    if (en)
        return en->ph;
    if (is_domain ? ph_domain(ph, site_no)
                  : ph_format(ph, cls, ++c->n, site_no))
        goto nomem;
    if (map_push(m, c, orig, olen, key, klen, ph, h) != 0)
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

/* map_site_no through the run's memo */
static unsigned long run_site_no(struct anon_run *r, long site,
                                 const char **ph)
{
    struct anon_site_memo *mm = &r->memo[(size_t)site % ANON_SITE_MEMO];

    if (mm->site1 != site + 1) {
        mm->k = map_site_no(r->m, r->sites, site, &mm->ph, r->e);
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
        return map_ensure(r->m, h->rule->cls, orig, olen, 0, 0, r->e);
    if (h->kind == HIT_IP || h->kind == HIT_NET)
        return map_ensure(r->m, h->kind == HIT_IP ? "ip" : "net", orig, olen,
                          0, 0, r->e);
    k = run_site_no(r, h->site, &site_ph);
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

static int recs_push(struct anon_recs *rs, size_t s, size_t e,
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
    if (r->rec && recs_push(r->rec, h->start, h->end, ph) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory for HTML");
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
static int tok_dotted(struct anon_run *r, size_t s, size_t e);

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
    if (h.site < 0 && sites_is_kept(r->sites, r->text + s, e - s))
        return 0;
    if (h.site < 0)
        return tok_dotted(r, s, e);
    h.is_domain = dlen == e - s;
    return run_hit(r, &h);
}

static int is_part_sep(char c)
{
    return c == '_' || c == '-';
}

/* Parts of a word split at '_' and '-': the longest run of up to
 * ANON_PARTS_MAX parts that is a name, leftmost first
 * ("EXAMPLE-T2_DATADISK", "core-EXAMPLE-T2", "RAL-LCG2" for a site RAL).
 * A name inside a part ("general", "RALly") is never one. */
static int tok_parts(struct anon_run *r, size_t s, size_t e)
{
    const char *t = r->text;
    size_t ends[ANON_PARTS_MAX], n, p = s, q;
    long site = -1;

    while (p < e) {
        while (p < e && is_part_sep(t[p]))
            p++;
        for (n = 0, q = p; q < e && n < ANON_PARTS_MAX; q++) {
            while (q < e && !is_part_sep(t[q]))
                q++;
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

/* The last '.' in t[s..q), or s. */
static size_t dotted_prev(const char *t, size_t s, size_t q)
{
    while (q > s && t[q - 1] != '.')
        q--;
    return q > s ? q - 1 : s;
}

/* A dotted token that is neither under a site domain nor a name whole
 * ("LCG.Example.xx" is): each part between dots is looked up as a name,
 * so "EXAMPLE-T2.log" or "ral.phish.example" lose the name. An attacker
 * domain that holds a site's name as a label names its victim too. */
static int tok_dotted(struct anon_run *r, size_t s, size_t e)
{
    const char *t = r->text;
    size_t p = s, q, i;
    long site = sites_lookup_name(r->sites, t + s, e - s);
    struct anon_hit h = {HIT_HOST, s, e, -1, 0, NULL};
    size_t dlen;

    if (site >= 0 || memchr(t + s, '.', e - s) == NULL)
        return hit_site(r, s, e, site);
    /* a host name with a file name extension after it ("wn01.grid.inst.
     * example.log"): the longest prefix under a site domain */
    for (q = e; q > s; q = dotted_prev(t, s, q)) {
        /* whole too: a word token is host-shaped once a neighbour is
         * replaced ("::1inst.example" -> "[IP-1]inst.example") */
        h.site = sites_match_host(r->sites, t + s, q - s, &dlen);
        if (h.site >= 0 && !sites_is_kept(r->sites, t + s, q - s)) {
            h.end = q;
            h.is_domain = dlen == q - s;
            return run_hit(r, &h);
        }
    }
    for (; p < e; p = q + 1) {
        const char *d = memchr(t + p, '.', e - p);

        q = d ? (size_t)(d - t) : e;
        if (q == p)
            continue;
        site = sites_lookup_name(r->sites, t + p, q - p);
        if (site >= 0 && hit_site(r, p, q, site) != 0)
            return -1;
        for (i = p; site < 0 && i < q; i++)
            if (is_part_sep(t[i])) {
                if (tok_parts(r, p, q) != 0)
                    return -1;
                break;
            }
    }
    return 0;
}

static int tok_word(struct anon_run *r, size_t s, size_t e, size_t to,
                    int kind, size_t *next)
{
    size_t mlen, i;
    long site = sites_match_word(r->sites, r->text + s, e - s, to - s,
                                 &mlen);

    if (site >= 0) {
        *next = s + mlen;
        return hit_site(r, s, s + mlen, site);
    }
    if (kind == TOK_ALNUM)
        return 0;
    if (kind == TOK_PLAIN) {    /* no '.' nor '-'; '_' rare */
        for (i = s; i < e; i++)
            if (r->text[i] == '_')
                return tok_parts(r, s, e);
        return 0;
    }
    for (i = s; i < e; i++)     /* not memchr: words are short */
        if (r->text[i] == '.')
            return tok_dotted(r, s, e);
    for (i = s; i < e; i++)
        if (is_part_sep(r->text[i]))
            return tok_parts(r, s, e);
    return 0;
}

static int tok_one(struct anon_run *r, int kind, size_t s, size_t e,
                   size_t from, size_t to, size_t *next)
{
    switch (kind) {
    case TOK_EMAIL:
        return tok_email(r, s, e, from);
    case TOK_IP6:
    case TOK_IP4:
        return tok_ip(r, s, e, from, to, kind == TOK_IP6);
    case TOK_HOST:
        return tok_host(r, s, e);
    default:
        return tok_word(r, s, e, to, kind, next);
    }
}

/* ---- the token scanner ----
 *
 * Hand-written; it replaced one PCRE2 alternation that cost more than all
 * the lookups together. At each place where a token may start it tries,
 * in this order, what these patterns would match there (possessive where
 * marked '+' after a quantifier, backtracking elsewhere):
 *
 *   e-mail  [A-Za-z0-9._%+-]++@(?:LABEL\.)+TLD
 *   IPv6    (?<![\w.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:DQUAD|[0-9A-Fa-f]{1,4})?
 *           (?:%[0-9A-Za-z._-]+)?(?:/\d{1,3}(?!\d))?
 *   IPv4    (?<![\w.])DQUAD(?:/(?:DQUAD|\d{1,2}))?(?![\w-]|\.\w)
 *   host    (?<![\w-])(?:LABEL\.)+TLD\.?(?![\w-])
 *   word    [\p{L}\p{N}_]++(?:[.-]++[\p{L}\p{N}_]++)*+
 *
 * with LABEL [A-Za-z0-9_][A-Za-z0-9_-]*+, TLD [A-Za-z][A-Za-z0-9-]*+ and
 * DQUAD \d{1,3}(?:\.\d{1,3}){3}. IPv6 candidates are loose; inet_pton
 * decides later. Look-behind sees the text before `from`, look-ahead stops
 * at `to`. Bytes that are not UTF-8 are barriers, as PCRE2's
 * MATCH_INVALID_UTF made them. Every step is bounded or cached so that
 * no input makes the scan worse than linear. */

static int ch_at(const struct anon_run *r, size_t i, size_t to,
                 unsigned bits)
{
    return i < to && (r->a->ctab[(unsigned char)r->text[i]] & bits);
}

static int byte_at(const struct anon_run *r, size_t i, size_t to, char c)
{
    return i < to && r->text[i] == c;
}

/* (?<![class]) at p, class being bits or the byte extra (-1: none) */
static int behind_ok(const struct anon_run *r, size_t p, unsigned bits,
                     int extra)
{
    unsigned char c;

    if (p == 0)
        return 1;
    c = (unsigned char)r->text[p - 1];
    return !(r->a->ctab[c] & bits) && (int)c != extra;
}

/* End of the run of bytes in bits from i, at most max bytes long. */
static size_t run_of(const struct anon_run *r, size_t i, size_t to,
                     unsigned bits, size_t max)
{
    size_t lim = to - i > max ? i + max : to;

    while (i < lim && (r->a->ctab[(unsigned char)r->text[i]] & bits))
        i++;
    return i;
}

/* Length of the UTF-8 sequence at i when it is a letter or a number,
 * else 0 (also for bytes that are not UTF-8). */
static size_t uni_word(struct anon_run *r, size_t i, size_t to)
{
    const unsigned char *u = (const unsigned char *)r->text + i;
    size_t n = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2, k;
    uint32_t cp;
    int rc;

    if (u[0] < 0xc2 || u[0] > 0xf4 || to - i < n)
        return 0;
    for (k = 1; k < n; k++)
        if ((u[k] & 0xc0) != 0x80)
            return 0;
    if (n == 2) {
        cp = (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
        return r->a->uni2[cp >> 3] >> (cp & 7) & 1 ? 2 : 0;
    }
    /* overlong, surrogate and out-of-range forms are not UTF-8 */
    if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0)
        || (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
        return 0;
    rc = r->a->uni_jit
             ? pcre2_jit_match(r->a->uni, u, n, 0, 0, r->md, r->a->mctx)
             : pcre2_match(r->a->uni, u, n, 0, 0, r->md, r->a->mctx);
    return rc > 0 ? n : 0;
}

/* [\p{L}\p{N}_]++ from i */
static size_t word_run(struct anon_run *r, size_t i, size_t to)
{
    while (i < to) {
        unsigned char c = (unsigned char)r->text[i];
        size_t n;

        if (c < 0x80) {
            if (!(r->a->ctab[c] & CH_W))
                break;
            i++;
        } else if ((n = uni_word(r, i, to)) > 0) {
            i += n;
        } else {
            break;
        }
    }
    return i;
}

static size_t m_word(struct anon_run *r, size_t p, size_t to)
{
    size_t q = word_run(r, p, to);

    while (q > p && q < to && (r->text[q] == '.' || r->text[q] == '-')) {
        size_t d = q, w;

        while (d < to && (r->text[d] == '.' || r->text[d] == '-'))
            d++;
        w = word_run(r, d, to);
        if (w == d)
            break;
        q = w;
    }
    return q;
}

/* (?:LABEL\.)+TLD at p, then for a host \.?(?![\w-]); the group gives
 * labels back from the right until the rest matches. 0: no match. */
static size_t m_domain(const struct anon_run *r, size_t p, size_t to,
                       int host)
{
    size_t x[ANON_LABELS_MAX], n = 0, q = p, k;

    while (n < ANON_LABELS_MAX && ch_at(r, q, to, CH_W)) {
        size_t y = run_of(r, q, to, CH_LABEL, SIZE_MAX);

        if (!byte_at(r, y, to, '.'))
            break;
        q = x[n++] = y + 1;
    }
    for (k = n; k > 0; k--) {
        size_t z = x[k - 1];

        if (!ch_at(r, z, to, CH_ALPHA))
            continue;
        while (z < to && r->text[z] != '_' && ch_at(r, z, to, CH_LABEL))
            z++;
        if (!host)
            return z;
        if (byte_at(r, z, to, '.') && !ch_at(r, z + 1, to, CH_LABEL))
            return z + 1;
        if (!ch_at(r, z, to, CH_LABEL))
            return z;
    }
    return 0;
}

/* DQUAD at p: its end (the last group takes up to three digits), or 0. */
static size_t m_dquad(const struct anon_run *r, size_t p, size_t to)
{
    size_t q = p, d;
    int i;

    for (i = 0; i < 4; i++) {
        d = run_of(r, q, to, CH_DIGIT, 4);
        if (d == q || (i < 3 && (d - q > 3 || !byte_at(r, d, to, '.'))))
            return 0;
        q = i < 3 ? d + 1 : (d - q > 3 ? q + 3 : d);
    }
    return q;
}

/* (?![\w-]|\.\w) at e */
static int ip4_end_ok(const struct anon_run *r, size_t e, size_t to)
{
    if (ch_at(r, e, to, CH_LABEL))
        return 0;
    return !(byte_at(r, e, to, '.') && ch_at(r, e + 1, to, CH_W));
}

static size_t m_ip4(const struct anon_run *r, size_t p, size_t to)
{
    size_t e, m, d;

    if (!behind_ok(r, p, CH_W, '.') || (e = m_dquad(r, p, to)) == 0)
        return 0;
    if (byte_at(r, e, to, '/')) {
        m = m_dquad(r, e + 1, to);
        if (m && ip4_end_ok(r, m, to))
            return m;
        d = run_of(r, e + 1, to, CH_DIGIT, 3);
        if (d > e + 1 && d - (e + 1) <= 2 && ip4_end_ok(r, d, to))
            return d;
    }
    return ip4_end_ok(r, e, to) ? e : 0;
}

static size_t m_ip6(const struct anon_run *r, size_t p, size_t to)
{
    size_t q = p, h, d;
    int groups = 0;

    if (!behind_ok(r, p, CH_W, '.'))
        return 0;
    for (; groups < 8; groups++) {
        h = run_of(r, q, to, CH_HEX, 5);
        if (h - q > 4 || !byte_at(r, h, to, ':'))
            break;
        q = h + 1;
    }
    if (groups < 2)
        return 0;
    d = m_dquad(r, q, to);
    q = d ? d : run_of(r, q, to, CH_HEX, 4);
    if (byte_at(r, q, to, '%') && ch_at(r, q + 1, to, CH_ZONE))
        q = run_of(r, q + 1, to, CH_ZONE, SIZE_MAX);
    if (byte_at(r, q, to, '/')) {
        d = run_of(r, q + 1, to, CH_DIGIT, 4);
        if (d > q + 1 && d - (q + 1) <= 3)
            q = d;
    }
    return q;
}

/* 0x80 in each byte of x that is an ASCII letter or digit. No byte
 * carries into the next: each sum stays below 0x100. */
static uint64_t alnum8(uint64_t x)
{
    uint64_t v = x & (0x7f * ANON_ONES), l = v | (0x20 * ANON_ONES);
    uint64_t letter = (l + (0x80 - 'a') * ANON_ONES)
                      & ~(l + (0x7f - 'z') * ANON_ONES);
    uint64_t digit = (v + (0x80 - '0') * ANON_ONES)
                     & ~(v + (0x7f - '9') * ANON_ONES);

    return (letter | digit) & ~x & (0x80 * ANON_ONES);
}

/* End of the run of [A-Za-z0-9] from i, eight bytes at a time where the
 * byte order allows: most of a text is such words. */
static size_t alnum_end(const char *t, size_t i, size_t to)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (to - i >= 8) {
        uint64_t x, stop;

        memcpy(&x, t + i, 8);
        stop = ~alnum8(x) & (0x80 * ANON_ONES);
        if (stop)
            return i + (size_t)__builtin_ctzll(stop) / 8;
        i += 8;
    }
#endif
    while (i < to && isalnum((unsigned char)t[i]))
        i++;
    return i;
}

/* The CH_LOCAL run holding p, and whether a '.' follows p inside it.
 * Cached: p only grows within one scan, and a long run (base64, a
 * URL) holds many tokens that would each scan it again. */
static size_t local_run(struct anon_run *r, size_t p, size_t to, int *dot)
{
    const unsigned char *ct = r->a->ctab;
    const char *t = r->text;
    size_t i;

    if (p >= r->lrun_e || p < r->lrun_s) {
        r->ldot = SIZE_MAX;
        r->lplain = 1;
        r->lus = 0;
        for (i = alnum_end(t, p, to);
             i < to && (ct[(unsigned char)t[i]] & CH_LOCAL); i++) {
            if (t[i] == '_')
                r->lus = 1;
            if (ct[(unsigned char)t[i]] & CH_W)
                continue;
            r->lplain = 0;
            if (t[i] == '.' && r->ldot == SIZE_MAX)
                r->ldot = i;
        }
        r->lrun_s = p;
        r->lrun_e = i;
        if (r->ldot == SIZE_MAX)
            r->ldot = i;
    } else if (r->ldot < p) {
        for (i = p; i < r->lrun_e && t[i] != '.'; i++)
            ;
        r->ldot = i;
    }
    *dot = r->ldot < r->lrun_e;
    return r->lrun_e;
}

/* The token starting at p (ASCII byte of class CH_START): kind, end. */
static int tok_find(struct anon_run *r, size_t p, size_t to, size_t *end)
{
    unsigned c = r->a->ctab[(unsigned char)r->text[p]];
    int dot = 0;

    if (c & CH_LOCAL) {
        size_t q = local_run(r, p, to, &dot);

        /* the common case, a plain ASCII word: nothing else can start */
        if (r->lplain && (q == to || ((unsigned char)r->text[q] < 0x80
                                      && r->text[q] != '@'
                                      && r->text[q] != ':'))) {
            *end = q;
            return p == r->lrun_s && !r->lus ? TOK_ALNUM : TOK_PLAIN;
        }
        if (q > p && byte_at(r, q, to, '@')
            && (*end = m_domain(r, q + 1, to, 0)) != 0)
            return TOK_EMAIL;
    }
    if ((c & CH_HEX) || r->text[p] == ':')
        if ((*end = m_ip6(r, p, to)) != 0)
            return TOK_IP6;
    if (!(c & CH_W))
        return TOK_NONE;
    if (dot && (c & CH_DIGIT) && (*end = m_ip4(r, p, to)) != 0)
        return TOK_IP4;
    if (dot && behind_ok(r, p, CH_LABEL, -1)
        && (*end = m_domain(r, p, to, 1)) != 0)
        return TOK_HOST;
    *end = m_word(r, p, to);
    return TOK_WORD;
}

/* Every token of text[from..to) looked up and handed to run_hit. */
static int run_tokens(struct anon_run *r, size_t from, size_t to)
{
    size_t p = from, end = 0, next;

    r->lrun_s = r->lrun_e = 0;
    r->ldot = SIZE_MAX;
    while (p < to) {
        unsigned char c = (unsigned char)r->text[p];
        int kind = TOK_NONE;

        if (c >= 0x80) {
            if (uni_word(r, p, to) > 0) {
                kind = TOK_WORD;
                end = m_word(r, p, to);
            }
        } else if (r->a->ctab[c] & CH_START) {
            kind = tok_find(r, p, to, &end);
        }
        if (kind == TOK_NONE) {
            p++;
            continue;
        }
        next = end;
        if (tok_one(r, kind, p, end, from, to, &next) != 0)
            return -1;
        p = next;
    }
    return 0;
}

static int match_fail(struct err *e, const char *what, int rc)
{
    char m[ANON_SHOW_MAX];

    snprintf(m, sizeof m, "%s: match failed (alert held)", what);
    return pcre_err(e, ERR_DATA, m, rc);
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

/* Past the deadline of anon_set_deadline: a rule that stays under its
 * PCRE2 limits on each match can still take long over many matches. */
static int anon_late(const struct anon_run *r, const char *what)
{
    struct timespec now;
    const struct timespec *d = &r->a->deadline;

    if (d->tv_sec == 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 0;
    if (now.tv_sec < d->tv_sec ||
        (now.tv_sec == d->tv_sec && now.tv_nsec <= d->tv_nsec))
        return 0;
    return err_set(r->e, ERR_DATA, "%s: over the time budget of one alert "
                   "(alert held)", what);
}

static int rule_spans(struct anon_run *r, const struct anon_rule *rule,
                      struct anon_spans *sp)
{
    size_t off = 0;

    while (off <= r->len) {
        PCRE2_SIZE *ov, s, e;
        int rc = anon_late(r, rule->name);

        if (rc != 0)
            return rc;
        rc = run_match(r, rule->code, rule->jit, r->len, off);

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

/* End of the sorted run of spans from i. */
static size_t spans_run(const struct anon_span *v, size_t i, size_t n)
{
    for (i++; i < n && span_cmp(&v[i - 1], &v[i]) <= 0; i++)
        ;
    return i;
}

/* v[i..mid) and v[mid..end) merged into out[i..end), left first on ties */
static void spans_merge(const struct anon_span *v, size_t i, size_t mid,
                        size_t end, struct anon_span *out)
{
    size_t j = mid, k = i;

    while (i < mid && j < end)
        out[k++] = span_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < mid)
        out[k++] = v[i++];
    while (j < end)
        out[k++] = v[j++];
}

/* A stable sort by span_cmp. Each rule's spans come in order, so they are
 * a few sorted runs to merge (qsort cost more than some rules). */
static int spans_sort(struct anon_spans *sp)
{
    struct anon_span *tmp, *src = sp->v, *dst, *t;
    size_t n = sp->n, i, mid, end, runs;

    if (n < 2 || spans_run(sp->v, 0, n) == n)
        return 0;
    tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    dst = tmp;
    do {
        for (runs = 0, i = 0; i < n; i = end, runs++) {
            mid = spans_run(src, i, n);
            end = mid < n ? spans_run(src, mid, n) : n;
            spans_merge(src, i, mid, end, dst);
        }
        t = src;
        src = dst;
        dst = t;
    } while (runs > 1);
    if (src != sp->v)
        memcpy(sp->v, src, n * sizeof *src);
    free(tmp);
    return 0;
}

/* All rule spans, sorted, overlaps dropped (leftmost, then rule order). */
static int run_rule_spans(struct anon_run *r, struct anon_spans *sp)
{
    size_t i, n = 0, end = 0;

    for (i = 0; i < r->a->nrules; i++)
        if (rule_spans(r, &r->a->rules[i], sp) != 0)
            return -1;
    if (spans_sort(sp) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory matching rules");
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

/* Room in out for about the whole output (about the input's size) up
 * front: one allocation instead of a dozen reallocations and copies of a
 * growing buffer. buf has no reserve call, so the input is appended and
 * taken back. Past the cap nothing is reserved: the output may still fit,
 * placeholders being shorter than some originals. */
static void out_reserve(struct buf *out, const char *in, size_t len)
{
    size_t out0 = out->len;

    if (out->cap - out0 > len || buf_append(out, in, len) != 0)
        return;
    out->len = out0;
    out->data[out0] = '\0';
}

static int run_apply(const struct anon *a, const struct sites *sites,
                     struct anon_map *m, const char *in, size_t len,
                     struct buf *out, struct anon_changes *changes,
                     struct anon_recs *rec, struct err *e)
{
    struct anon_run r = {.a = a, .sites = sites, .m = m, .text = in,
                         .len = len, .out = out, .ch = changes, .line = 1,
                         .e = e, .rec = rec};
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    int rc;

    r.md = pcre2_match_data_create(a->ovec, NULL);
    if (r.md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for match data");
    out_reserve(out, in, len);
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
    return run_apply(a, a->sites, m, in, len, out, changes, NULL, e);
}

int anon_scan(const struct anon *a, const char *text, size_t len,
              const char *where, struct err *e)
{
    struct anon_run r = {.a = a, .sites = a->sites, .text = text, .len = len,
                         .line = 1, .where = where, .e = e};
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

/* ---- HTML ----
 *
 * An HTML part is matched as a reader sees it: a shadow text holds the
 * text with entities decoded (&#46; &amp; &nbsp; ...), attribute values and
 * comments, each byte remembering the range of the HTML it came from.
 * Inline tags without attributes (<b>, </span>) take no room, so
 * "cern</b>.ch" reads "cern.ch"; other tags read as a line break, and
 * attribute values and comments are fenced by a byte no token or alias
 * crosses. The rules and lookups run on the shadow; the writer copies the
 * HTML between replacements untouched, writes each placeholder escaped,
 * and keeps the tags a replacement covered, so the output is still HTML.
 * Limitation: an inline tag with attributes inside a name ("cern<span
 * class=x>.ch") splits it. */

/* Between attribute values, comments and text: a line break for the
 * rules (which mostly stop at white space), and a byte no token or alias
 * holds. A replacement that still crosses one fails (alert held). */
#define ANON_HTML_FENCE "\n\x01\n"
#define ANON_FENCE_LEN 3
#define ANON_ENTITY_MAX 12      /* bytes of "&name;" or "&#x10ffff;" */

struct html_shadow {
    struct buf s;               /* the text a reader sees */
    size_t *os, *oe;            /* per byte of s: its source [os, oe) */
    size_t cap;
};

static int sh_put(struct html_shadow *sh, const char *p, size_t n,
                  size_t os, size_t oe)
{
    size_t i;

    if (sh->s.len + n > sh->cap) {
        size_t ncap = (sh->s.len + n) * 2 + 64;
        size_t *a = realloc(sh->os, ncap * sizeof *a), *b;

        if (a == NULL)
            return -1;
        sh->os = a;
        b = realloc(sh->oe, ncap * sizeof *b);
        if (b == NULL)
            return -1;
        sh->oe = b;
        sh->cap = ncap;
    }
    for (i = 0; i < n; i++) {
        sh->os[sh->s.len + i] = os;
        sh->oe[sh->s.len + i] = oe;
    }
    return buf_append(&sh->s, p, n) == 0 ? 0 : -1;
}

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* &#N; &#xH; (';' optional, as browsers read it) */
static size_t entity_num(const char *p, size_t len, uint32_t *cp)
{
    size_t i = 2;
    int hex = i < len && (p[i] == 'x' || p[i] == 'X'), digits = 0;
    uint32_t v = 0;

    i += (size_t)hex;
    for (; i < len && digits < 8; i++, digits++) {
        int c = (unsigned char)p[i], d;

        if (isdigit(c))
            d = c - '0';
        else if (hex && isxdigit(c))
            d = tolower(c) - 'a' + 10;
        else
            break;
        v = v * (hex ? 16u : 10u) + (uint32_t)d;
    }
    if (digits == 0 || v == 0 || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
        return 0;
    *cp = v;
    return i < len && p[i] == ';' ? i + 1 : i;
}

/* The entity at p ('&'): its length, the decoded bytes in o, *n of them;
 * 0 when it is no entity we read (then it stays as it is). */
static size_t html_entity(const char *p, size_t len, char *o, size_t *n)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
                 {"apos", '\''}, {"nbsp", ' '}, {"period", '.'},
                 {"commat", '@'}, {"colon", ':'}, {"sol", '/'},
                 {"lowbar", '_'}, {"hyphen", '-'}, {"dash", '-'}};
    uint32_t cp = 0;
    size_t k, i, nl;

    if (len > ANON_ENTITY_MAX)
        len = ANON_ENTITY_MAX;
    if (len > 2 && p[1] == '#') {
        k = entity_num(p, len, &cp);
    } else {
        for (k = 0, i = 0; i < sizeof named / sizeof *named; i++) {
            nl = strlen(named[i].name);
            if (len > nl + 1 && memcmp(p + 1, named[i].name, nl) == 0
                && p[nl + 1] == ';') {
                cp = named[i].cp;
                k = nl + 2;
                break;
            }
        }
    }
    if (k)
        *n = utf8_put(cp, o);
    return k;
}

/* Text (or an attribute value) p[from..to) into the shadow, decoded. */
static int sh_text(struct html_shadow *sh, const char *p, size_t from,
                   size_t to)
{
    size_t i = from, run = from, k, n;
    char o[4];

    while (i < to) {
        if (p[i] != '&' || (k = html_entity(p + i, to - i, o, &n)) == 0) {
            i++;
            continue;
        }
        for (; run < i; run++)
            if (sh_put(sh, p + run, 1, run, run + 1) != 0)
                return -1;
        if (sh_put(sh, o, n, i, i + k) != 0)
            return -1;
        i += k;
        run = i;
    }
    for (; run < to; run++)
        if (sh_put(sh, p + run, 1, run, run + 1) != 0)
            return -1;
    return 0;
}

static int is_inline_tag(const char *name, size_t n)
{
    static const char *const tags[] = {"a", "b", "i", "u", "s", "em",
        "strong", "span", "font", "small", "big", "code", "tt", "sub",
        "sup", "abbr", "mark", "q", "wbr", "kbd", "samp", "var", "del",
        "ins", "strike", "cite", "dfn", "bdi", "bdo", "time", "data"};
    size_t i;

    for (i = 0; i < sizeof tags / sizeof *tags; i++)
        if (strlen(tags[i]) == n && strncasecmp(tags[i], name, n) == 0)
            return 1;
    return 0;
}

/* End of the markup at p[i] ('<'): past its '>' (quotes respected), or
 * past "-->" for a comment; len when unterminated. */
static size_t tag_end(const char *p, size_t len, size_t i)
{
    char q = 0;

    if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
        const char *e = memmem(p + i + 4, len - i - 4, "-->", 3);

        return e ? (size_t)(e - p) + 3 : len;
    }
    for (i++; i < len; i++) {
        if (q) {
            q = p[i] == q ? 0 : q;
        } else if (p[i] == '"' || p[i] == '\'') {
            q = p[i];
        } else if (p[i] == '>') {
            return i + 1;
        }
    }
    return len;
}

/* Attribute values of the tag p[ts..te) into the shadow, fenced. */
static int sh_attrs(struct html_shadow *sh, const char *p, size_t ts,
                    size_t te, int *any)
{
    size_t i = ts, vs, ve;

    *any = 0;
    while (i < te) {
        if (p[i] != '=') {
            i++;
            continue;
        }
        for (i++; i < te && isspace((unsigned char)p[i]); i++)
            ;
        if (i < te && (p[i] == '"' || p[i] == '\'')) {
            const char *q = memchr(p + i + 1, p[i], te - i - 1);

            vs = i + 1;
            ve = q ? (size_t)(q - p) : te - 1;
        } else {
            for (vs = i; i < te && !isspace((unsigned char)p[i])
                         && p[i] != '>'; i++)
                ;
            ve = i;
        }
        if (sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, vs, vs) != 0
            || sh_text(sh, p, vs, ve) != 0)
            return -1;
        *any = 1;
        i = ve + 1;
    }
    return 0;
}

static int sh_markup(struct html_shadow *sh, const char *p, size_t ts,
                     size_t te)
{
    size_t n = ts + 1, ns;
    int any = 0;

    if (te - ts >= 4 && memcmp(p + ts, "<!--", 4) == 0) {
        size_t ce = te - ts >= 7 ? te - 3 : te;

        return sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, ts, ts)
                       || sh_text(sh, p, ts + 4, ce)
                       || sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, te, te)
                   ? -1 : 0;
    }
    if (n < te && p[n] == '/')
        n++;
    for (ns = n; n < te && isalnum((unsigned char)p[n]); n++)
        ;
    if (sh_attrs(sh, p, n, te, &any) != 0)
        return -1;
    if (any)
        return sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, te, te);
    if (is_inline_tag(p + ns, n - ns))
        return 0;
    return sh_put(sh, "\n", 1, ts, te);
}

static void sh_free(struct html_shadow *sh)
{
    buf_free(&sh->s);
    free(sh->os);
    free(sh->oe);
}

static int sh_build(struct html_shadow *sh, const char *p, size_t len,
                    struct err *e)
{
    size_t i = 0, ts = 0;

    memset(sh, 0, sizeof *sh);
    buf_init(&sh->s, len * 2 + 64);
    while (i < len) {
        if (p[i] == '<' && i + 1 < len
            && (isalpha((unsigned char)p[i + 1]) || p[i + 1] == '/'
                || p[i + 1] == '!' || p[i + 1] == '?')) {
            size_t te = tag_end(p, len, i);

            if (sh_text(sh, p, ts, i) != 0 || sh_markup(sh, p, i, te) != 0)
                goto nomem;
            i = ts = te;
        } else {
            i++;
        }
    }
    if (sh_text(sh, p, ts, len) != 0 || buf_append(&sh->s, "", 0) != 0)
        goto nomem;
    return 0;
nomem:
    return err_set(e, ERR_NOMEM, "out of memory reading HTML");
}

static int put_escaped(struct buf *out, const char *s)
{
    int rc = 0;

    for (; *s && rc == 0; s++) {
        if (*s == '&')
            rc = buf_puts(out, "&amp;");
        else if (*s == '<')
            rc = buf_puts(out, "&lt;");
        else if (*s == '>')
            rc = buf_puts(out, "&gt;");
        else if (*s == '"')
            rc = buf_puts(out, "&quot;");
        else
            rc = buf_putc(out, *s);
    }
    return rc;
}

/* The tags inside p[os..oe) (a replaced range), in order. */
static int put_tags(struct buf *out, const char *p, size_t os, size_t oe)
{
    int rc = 0;

    while (rc == 0 && os < oe) {
        const char *lt = memchr(p + os, '<', oe - os);
        size_t te;

        if (lt == NULL)
            break;
        te = tag_end(p, oe, (size_t)(lt - p));
        rc = buf_append(out, lt, te - (size_t)(lt - p));
        os = te;
    }
    return rc;
}

static int html_write(const char *in, size_t len,
                      const struct html_shadow *sh,
                      const struct anon_recs *rs, struct buf *out,
                      struct err *e)
{
    size_t i, pos = 0;
    int rc = 0;

    for (i = 0; rc == 0 && i < rs->n; i++) {
        size_t os = sh->os[rs->v[i].start], oe = sh->oe[rs->v[i].end - 1];

        if (memchr(sh->s.data + rs->v[i].start, '\x01',
                   rs->v[i].end - rs->v[i].start))
            return err_set(e, ERR_DATA, "a replacement crosses HTML markup "
                           "(alert held)");
        if (os < pos)
            os = pos;   /* never: ranges grow with the shadow */
        rc = buf_append(out, in + pos, os - pos);
        if (rc == 0)
            rc = put_escaped(out, rs->v[i].ph);
        if (rc == 0)
            rc = put_tags(out, in, os, oe);
        pos = oe > pos ? oe : pos;
    }
    if (rc == 0)
        rc = buf_append(out, in + pos, len - pos);
    return rc ? buf_fail(e, rc) : 0;
}

/* Lines of the changes this call added, in the HTML's own numbering. */
static void html_lines(const char *in, const struct html_shadow *sh,
                       const struct anon_recs *rs, struct anon_changes *ch,
                       size_t ch0)
{
    size_t i, line = 1, pos = 0;

    for (i = 0; ch && i < rs->n && ch0 + i < ch->n; i++) {
        size_t os = sh->os[rs->v[i].start];

        for (; pos < os; pos++)
            line += in[pos] == '\n';
        ch->v[ch0 + i].line = line;
    }
}

int anon_apply_html(const struct anon *a, struct anon_map *m, const char *in,
                    size_t len, struct buf *out, struct anon_changes *changes,
                    struct err *e)
{
    struct html_shadow sh;
    struct anon_recs rs = {NULL, 0, 0};
    struct buf scratch;
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    int rc = sh_build(&sh, in, len, e);

    buf_init(&scratch, out->max);
    if (rc == 0)
        rc = run_apply(a, a->sites, m, sh.s.data, sh.s.len, &scratch,
                       changes, &rs, e);
    if (rc == 0) {
        html_lines(in, &sh, &rs, changes, ch0);
        rc = html_write(in, len, &sh, &rs, out, e);
    }
    if (rc != 0) {
        out->len = out0;
        if (out->data)
            out->data[out0] = '\0';
        changes_truncate(changes, ch0);
    }
    buf_free(&scratch);
    free(rs.v);
    sh_free(&sh);
    return rc;
}

int anon_scan_html(const struct anon *a, const char *text, size_t len,
                   const char *where, struct err *e)
{
    struct html_shadow sh;
    int rc = sh_build(&sh, text, len, e);

    if (rc == 0)
        rc = anon_scan(a, sh.s.data, sh.s.len, where, e);
    sh_free(&sh);
    return rc;
}

/* ---- rule files ---- */

/* Parsing state of one rule file. A bad line is reported and reading goes
 * on, so that one run names every error of every file (err_add, err.h);
 * the state below keeps one mistake from being reported again as others. */
struct anon_load {
    struct anon *a;
    const char *file;
    size_t line;
    struct anon_rule *cur;      /* the rule being read, or NULL */
    struct err *e;
    size_t bad;                 /* lines reported so far */
    unsigned tried;             /* LOAD_*: keywords cur had, good or bad */
    int skip;                   /* a bad "rule" line: skip its block */
};

/* A rule whose pattern line was bad has no pattern, but saying so again
 * at its end would only repeat the error. */
#define LOAD_CLASS 1u
#define LOAD_PATTERN 2u
#define LOAD_EXAMPLE 4u

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    l->bad++;
    return err_add(l->e, ERR_CONFIG, "%s:%zu: %s", l->file, line, msg);
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
    if (r->code == NULL && !(l->tried & LOAD_PATTERN))
        return load_err(l, r->line, "rule %s has no pattern", r->name);
    if (r->cls == NULL && !(l->tried & LOAD_CLASS))
        return load_err(l, r->line, "rule %s has no class", r->name);
    if (r->nex == 0 && !(l->tried & LOAD_EXAMPLE))
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

    (void)rule_finish(l);   /* reported; this line is read all the same */
    l->tried = 0;
    l->skip = 1;            /* until this rule line turns out good */
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
    l->skip = 0;
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

    l->tried |= LOAD_CLASS;
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

    l->tried |= LOAD_PATTERN;
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

    l->tried |= LOAD_EXAMPLE;
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
            return l->skip ? 0 : load_err(l, l->line, "%s outside a rule",
                                          anon_keywords[k].kw);
        return anon_keywords[k].fn(l, p + arg, len - arg);
    }
    return load_err(l, l->line, "unknown keyword '%.*s'", (int)(i - kw),
                    p + kw);
}

/* An unreadable or oversized file: one more error of the load. */
static int file_err(struct anon_load *l, const char *why)
{
    l->bad++;
    return err_add(l->e, ERR_CONFIG, "%s: %s", l->file, why);
}

static int read_file(struct anon_load *l, struct buf *b)
{
    char chunk[65536], why[64];
    FILE *f = fopen(l->file, "rb");
    size_t n;
    int rc = 0, bad;

    if (f == NULL)
        return file_err(l, strerror(errno));
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(b, chunk, n);
    bad = ferror(f);
    fclose(f);
    if (rc == BUF_ETOOBIG) {
        snprintf(why, sizeof why, "over %zu bytes", b->max);
        return file_err(l, why);
    }
    if (rc != 0)
        return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    return bad ? file_err(l, "read error") : 0;
}

/* Every line, a bad one reported and passed over; -1 only when memory ran
 * out (load_line failed without reporting a line). */
static int load_lines(struct anon_load *l, const struct buf *b)
{
    size_t pos = 0, before;

    while (pos < b->len) {
        const char *nl = memchr(b->data + pos, '\n', b->len - pos);
        size_t end = nl ? (size_t)(nl - b->data) : b->len;

        l->line++;
        before = l->bad;
        if (load_line(l, b->data + pos, end - pos) != 0 && l->bad == before)
            return -1;
        pos = end + 1;
    }
    (void)rule_finish(l);
    return 0;
}

/* 0 when the file was read (its bad lines, or the file itself if it could
 * not be read, added to *bad); -1 when memory ran out and loading stops. */
static int load_file(struct anon *a, const char *path, size_t *bad,
                     struct err *e)
{
    struct anon_load l = {a, path, 0, NULL, e, 0, 0, 0};
    struct buf b;
    int rc;

    buf_init(&b, ANON_RULE_FILE_MAX);
    if (read_file(&l, &b) != 0)
        rc = l.bad ? 0 : -1;
    else
        rc = load_lines(&l, &b);
    buf_free(&b);
    *bad += l.bad;
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
    size_t n = 0, i, bad = 0;
    struct buf path;
    int rc = list_dir(dir, &names, &n, e);

    buf_init(&path, PATH_MAX);
    for (i = 0; i < n; i++) {
        buf_reset(&path);
        if (rc == 0 && buf_printf(&path, "%s/%s", dir, names[i]) != 0)
            rc = err_set(e, ERR_CONFIG, "%s: path too long", dir);
        if (rc == 0)
            rc = load_file(a, buf_cstr(&path), &bad, e);
        free(names[i]);
    }
    free(names);
    buf_free(&path);
    return rc != 0 || bad > 0 ? -1 : 0;
}

/* ---- life cycle ---- */

static void ctab_init(unsigned char *t)
{
    int c;

    for (c = 0; c < 256; c++) {
        unsigned v = 0;

        if (c >= 0x80)
            continue;
        if (isalnum(c) || c == '_')
            v |= CH_W | CH_LOCAL | CH_LABEL | CH_ZONE;
        if (isdigit(c))
            v |= CH_DIGIT;
        if (isxdigit(c))
            v |= CH_HEX;
        if (isalpha(c))
            v |= CH_ALPHA;
        if (c == '.' || c == '%' || c == '+' || c == '-')
            v |= CH_LOCAL;
        if (c == '-')
            v |= CH_LABEL | CH_ZONE;
        if (c == '.')
            v |= CH_ZONE;
        if ((v & CH_LOCAL) || c == ':')
            v |= CH_START;
        t[c] = (unsigned char)v;
    }
}

/* \p{L} or \p{N} for code points with a 2-byte form, asked of PCRE2 once;
 * the rest are asked per character (rare in alerts). */
static int uni_init(struct anon *a, struct err *e)
{
    static const char pat[] = "[\\p{L}\\p{N}]";
    pcre2_match_data *md;
    PCRE2_SIZE off;
    uint32_t cp;
    int code;

    a->uni = pattern_compile(pat, sizeof pat - 1, &a->uni_jit, &code, &off);
    if (a->uni == NULL)
        return pcre_err(e, ERR_SOFTWARE, "letter pattern", code);
    md = pcre2_match_data_create(1, NULL);
    if (md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for PCRE2");
    for (cp = 0x80; cp < ANON_UNI2_MAX; cp++) {
        unsigned char u[2] = {(unsigned char)(0xc0 | cp >> 6),
                              (unsigned char)(0x80 | (cp & 0x3f))};

        if (pcre2_match(a->uni, u, 2, 0, PCRE2_ANCHORED, md, NULL) > 0)
            a->uni2[cp >> 3] |= (unsigned char)(1u << (cp & 7));
    }
    pcre2_match_data_free(md);
    return 0;
}

static int anon_setup(struct anon *a, struct err *e)
{
    a->mctx = pcre2_match_context_create(NULL);
    a->jstack = pcre2_jit_stack_create(ANON_JIT_STACK_MIN, ANON_JIT_STACK_MAX,
                                       NULL);
    if (a->mctx == NULL || a->jstack == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for PCRE2");
    pcre2_set_match_limit(a->mctx, ANON_MATCH_LIMIT);
    pcre2_set_depth_limit(a->mctx, ANON_DEPTH_LIMIT);
    pcre2_set_heap_limit(a->mctx, ANON_HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(a->mctx, NULL, a->jstack);
    ctab_init(a->ctab);
    a->ovec = 1;
    return uni_init(a, e);
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
    pcre2_code_free(a->uni);
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
    rc = run_apply(a, NULL, m, ex->in, strlen(ex->in), &got, NULL, NULL,
                   &sub);
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

/* ---- limits (conf [limits]) ---- */

int anon_set_limits(struct anon *a, const struct anon_limits *l,
                    struct err *e)
{
    size_t max = (size_t)l->jit_stack_kib << 10;
    pcre2_jit_stack *js;

    js = pcre2_jit_stack_create(max < ANON_JIT_STACK_MIN ? max
                                                         : ANON_JIT_STACK_MIN,
                                max, NULL);
    if (js == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for the PCRE2 JIT stack");
    pcre2_jit_stack_assign(a->mctx, NULL, js);
    pcre2_jit_stack_free(a->jstack);
    a->jstack = js;
    pcre2_set_match_limit(a->mctx, (uint32_t)l->match_limit);
    pcre2_set_depth_limit(a->mctx, (uint32_t)l->depth_limit);
    pcre2_set_heap_limit(a->mctx, (PCRE2_SIZE)l->heap_kib);
    return 0;
}

void anon_set_deadline(struct anon *a, long ms)
{
    a->deadline.tv_sec = 0;
    a->deadline.tv_nsec = 0;
    if (ms <= 0 || clock_gettime(CLOCK_MONOTONIC, &a->deadline) != 0)
        return;
    a->deadline.tv_sec += ms / 1000 + (a->deadline.tv_sec == 0);
    a->deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (a->deadline.tv_nsec >= 1000000000L) {
        a->deadline.tv_sec++;
        a->deadline.tv_nsec -= 1000000000L;
    }
}
