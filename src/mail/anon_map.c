/*
 * anon_map - the placeholder map of one alert: each original, by class,
 * and the placeholder it got; counters per class so that new placeholders
 * never repeat a preloaded one. See anon.h for the contract.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANON_MAP_MIN 64

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

/* ---- hashing ---- */

/* ASCII upper case to lower case in eight bytes at once (as in sites.c):
 * the mapping is hashed for every replacement. */

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
        h = (h ^ text_lower8(w)) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    h = (h ^ len) * 0xff51afd7ed558ccdull;
    return (uint32_t)(h ^ (h >> 32));
}

static int eq_ci(const char *a, const char *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (text_lower((unsigned char)a[i]) != text_lower((unsigned char)b[i]))
            return 0;
    return 1;
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
                       text_show(original, olen, show, sizeof show));
    map_key(cls, original, olen, canon, &key, &klen);
    if ((c = map_counter(m, cls)) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory in the mapping");
    h = map_hash(m, c, key, klen);
    en = map_find(m, c, key, klen, h);
    if (en && strcmp(en->ph, placeholder) == 0)
        return 0;
    if (en)
        return err_set(e, ERR_DUP, "%s '%s' already maps to %s", cls,
                       text_show(original, olen, show, sizeof show), en->ph);
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
const char *anon_map_ensure(struct anon_map *m, const char *cls,
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
unsigned long anon_map_site_no(struct anon_map *m, const struct sites *s,
                               long site, const char **ph, struct err *e)
{
    const char *name = sites_name(s, (size_t)site), *p;

    *ph = anon_map_ensure(m, "site", name, strlen(name), 0, 0, e);
    if (*ph == NULL)
        return 0;
    p = *ph;
    return num_after(&p, "[SITE-");
}

