/*
 * sites - the victim-site index. See sites.h for the contract.
 *
 * Every identifier kind has its own open-addressing hash table with the
 * lower-cased identifier as key and the site index as value, so a lookup
 * costs a few probes whatever the number of sites:
 *   names    site names and one-word aliases
 *   phrases  multi-word names and aliases, words joined by one space
 *   firsts   first word of a phrase -> most words of a phrase with it
 *   domains  site DNS domains (a host walks its label suffixes)
 *   keep     kept host names (exact)
 *   net4/6   one table per prefix length, key = the masked address
 * Tables never shrink and entries are never removed, so no tombstones.
 *
 * The anonymiser asks about every word and host name of an alert, and
 * nearly all of them miss; with many sites the tables are larger than the
 * caches. So a miss is settled by small filters before any probe (a prefix
 * filter on the text itself, then a bloom filter on the hash), and a hit
 * reads one cache line: short keys are held in the slot.
 *
 * This file: the hash tables, the life cycle and the lookups of words and
 * host names. sites_int.h lists the module's others.
 */
#include "mail/sites.h"
#include "mail/sites_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SITES_TAB_MIN 16
#define SITES_PAD 8                 /* lower_hash writes whole words */
#define SITES_FILTER_BITS 8         /* filter bits per slot (16 a key) */
#define SITES_KEY_INLINE 22         /* key bytes held in the slot itself */
#define SITES_PFX_LOG 16            /* 2^16 bits (8 KiB) of prefix filter */

/* 32 bytes, two to a cache line. A key of up to SITES_KEY_INLINE bytes
 * (most names, every address) is kept in the slot, so a hit reads one
 * cache line; a longer key keeps a pointer to its copy in key[]. Keys are
 * never empty: klen 0 marks an empty slot. Values are site indexes or
 * word counts, both far below 2^31. */
struct sites_slot {
    uint32_t hash;
    int32_t val;
    uint16_t klen;
    char key[SITES_KEY_INLINE];
};

/* Where in key[] a long key's pointer is kept: on an 8-byte boundary of
 * the (cache-line aligned) slot array, where leak checkers look for
 * pointers. */
#define SITES_KEY_PTR_AT ((8 - offsetof(struct sites_slot, key) % 8) % 8)
_Static_assert(SITES_KEY_PTR_AT + sizeof(char *) <= SITES_KEY_INLINE,
               "a key pointer fits in a slot");

/* ---- hash tables ---- */

/* Eight bytes at a time: every word of every alert is hashed, and a
 * byte-at-a-time hash was most of the lookup cost. */
#define SITES_K1 0x9e3779b97f4a7c15ull
#define SITES_K2 0xff51afd7ed558ccdull

static uint64_t hash_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * SITES_K1;
    return h ^ (h >> 29);
}

static uint32_t hash_end(uint64_t h, size_t len)
{
    h ^= (uint64_t)len;
    h *= SITES_K2;
    h ^= h >> 32;
    return (uint32_t)h;
}

static uint64_t load8(const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
    return w;
}

/* The last 1..7 bytes, zero-padded; a loop, not a memcpy of variable
 * length (a library call on the hot path). */
static uint64_t load_tail(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    size_t k;

    for (k = 0; k < n; k++)
        w |= (uint64_t)p[k] << (8 * k);
    return w;
}

static uint32_t sites_hash(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = SITES_K2;
    size_t i;

    for (i = 0; i + 8 <= len; i += 8)
        h = hash_mix(h, load8(b + i));
    if (i < len)
        h = hash_mix(h, load_tail(b + i, len - i));
    return hash_end(h, len);
}

static const char *slot_key(const struct sites_slot *sl)
{
    const char *p;

    if (sl->klen <= SITES_KEY_INLINE)
        return sl->key;
    memcpy(&p, sl->key + SITES_KEY_PTR_AT, sizeof p);
    return p;
}

static struct sites_slot *tab_slot(const struct sites_tab *t, const void *key,
                                   size_t klen, uint32_t h)
{
    size_t i, mask = t->cap - 1;

    for (i = h & mask;; i = (i + 1) & mask) {
        struct sites_slot *sl = &t->v[i];

        if (sl->klen == 0)
            return sl;
        if (sl->hash == h && sl->klen == klen
            && memcmp(slot_key(sl), key, klen) == 0)
            return sl;
    }
}

/* A blocked filter: both bits of a key in one 64-bit word, so a lookup
 * costs one memory read (this runs for every word of every alert). */
static uint64_t filter_mask(uint32_t h)
{
    return (uint64_t)1 << (h >> 20 & 63) | (uint64_t)1 << (h >> 26);
}

static size_t filter_word(const struct sites_tab *t, uint32_t h)
{
    return h & (t->cap * SITES_FILTER_BITS / 64 - 1);
}

static int filter_has(const struct sites_tab *t, uint32_t h)
{
    uint64_t m = filter_mask(h);

    return (t->filter[filter_word(t, h)] & m) == m;
}

static void filter_set(struct sites_tab *t, uint32_t h)
{
    t->filter[filter_word(t, h)] |= filter_mask(h);
}

/* Bit of the prefix filter for the first three bytes of p[0..len), case
 * ignored (shorter keys are padded with zeros, so they stay apart). */
static inline uint32_t pfx_bit(const char *p, size_t len)
{
    const unsigned char *b = (const unsigned char *)p;
    uint32_t k = b[0];

    if (len > 1)
        k |= (uint32_t)b[1] << 8;
    if (len > 2)
        k |= (uint32_t)b[2] << 16;
    k = (uint32_t)text_lower8(k);
    return (k * 0x9e3779b1u) >> (32 - SITES_PFX_LOG);
}

/* 0 when no key of t can equal a text whose pfx_bit is bit, without
 * regard to case; a table without a prefix filter may hold anything. */
static inline int tab_may_hold_bit(const struct sites_tab *t, uint32_t bit)
{
    if (t->n == 0)
        return 0;
    return t->pfx == NULL || (t->pfx[bit >> 6] >> (bit & 63) & 1);
}

static inline int tab_may_hold(const struct sites_tab *t, const char *p,
                               size_t len)
{
    return len > 0 && tab_may_hold_bit(t, pfx_bit(p, len));
}

static int tab_want_pfx(struct sites_tab *t)
{
    t->pfx = calloc(((size_t)1 << SITES_PFX_LOG) / 64, sizeof *t->pfx);
    return t->pfx ? 0 : -1;
}

/* Lookup with the key's hash already known (see lower_hash). */
static long tab_get_h(const struct sites_tab *t, const void *key, size_t klen,
                      uint32_t h)
{
    struct sites_slot *sl;

    if (t->n == 0 || !filter_has(t, h))
        return -1;
    sl = tab_slot(t, key, klen, h);
    return sl->klen ? sl->val : -1;
}

long sites_tab_get(const struct sites_tab *t, const void *key, size_t klen)
{
    if (t->n == 0)
        return -1;
    return tab_get_h(t, key, klen, sites_hash(key, klen));
}

/* Slots on cache-line boundaries, so a slot never straddles two lines. */
static struct sites_slot *slots_new(size_t n)
{
    size_t size = n * sizeof(struct sites_slot);
    struct sites_slot *v = aligned_alloc(SITES_SLOT_ALIGN, size);

    if (v)
        memset(v, 0, size);
    return v;
}

static int tab_grow(struct sites_tab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : SITES_TAB_MIN, i;
    struct sites_tab nt = {NULL, ncap, t->n, NULL, t->pfx};

    if (ncap > SIZE_MAX / sizeof *nt.v / SITES_FILTER_BITS)
        return -1;
    nt.v = slots_new(ncap);
    nt.filter = calloc(ncap * SITES_FILTER_BITS / 64, sizeof *nt.filter);
    if (nt.v == NULL || nt.filter == NULL) {
        free(nt.v);
        free(nt.filter);
        return -1;
    }
    for (i = 0; i < t->cap; i++) {
        struct sites_slot *o = &t->v[i];

        if (o->klen) {
            *tab_slot(&nt, slot_key(o), o->klen, o->hash) = *o;
            filter_set(&nt, o->hash);
        }
    }
    free(t->v);
    free(t->filter);
    *t = nt;
    return 0;
}

/* The key into an empty slot: inline when short, else a copy. */
static int slot_fill(struct sites_slot *sl, const void *key, size_t klen,
                     uint32_t h)
{
    char *c;

    if (klen <= SITES_KEY_INLINE) {
        memcpy(sl->key, key, klen);
    } else {
        c = malloc(klen);
        if (c == NULL)
            return -1;
        memcpy(c, key, klen);
        memcpy(sl->key + SITES_KEY_PTR_AT, &c, sizeof c);
    }
    sl->klen = (uint16_t)klen;
    sl->hash = h;
    return 0;
}

/* Insert or overwrite; the key is copied. Keeps the load under 1/2. */
int sites_tab_put(struct sites_tab *t, const void *key, size_t klen, long val)
{
    uint32_t h = sites_hash(key, klen), b;
    struct sites_slot *sl;

    if (klen == 0 || klen > UINT16_MAX || val < 0 || val > INT32_MAX)
        return -1;
    if ((t->n + 1) * 2 > t->cap && tab_grow(t) != 0)
        return -1;
    sl = tab_slot(t, key, klen, h);
    if (sl->klen == 0) {
        if (slot_fill(sl, key, klen, h) != 0)
            return -1;
        t->n++;
        filter_set(t, h);
        if (t->pfx) {
            b = pfx_bit(key, klen);
            t->pfx[b >> 6] |= (uint64_t)1 << (b & 63);
        }
    }
    sl->val = (int32_t)val;
    return 0;
}

static void tab_free(struct sites_tab *t)
{
    size_t i;

    for (i = 0; i < t->cap; i++)
        if (t->v[i].klen > SITES_KEY_INLINE)
            free((void *)slot_key(&t->v[i]));
    free(t->v);
    free(t->filter);
    free(t->pfx);
    t->filter = NULL;
    t->pfx = NULL;
    t->v = NULL;
    t->cap = t->n = 0;
}

/* ---- small helpers ---- */

static void lower_copy(char *dst, const char *src, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        dst[i] = (char)text_lower((unsigned char)src[i]);
}

/* lower_copy and sites_hash of the result in one pass. avail (>= len)
 * bytes may be read at src, so a short tail is one masked load; dst must
 * have room for len rounded up to 8 (SITES_PAD). */
static uint32_t lower_hash_in(char *dst, const char *src, size_t len,
                              size_t avail)
{
    const unsigned char *b = (const unsigned char *)src;
    uint64_t h = SITES_K2, w;
    size_t i;

    for (i = 0; i + 8 <= len; i += 8) {
        w = text_lower8(load8(b + i));
        memcpy(dst + i, &w, 8);
        h = hash_mix(h, w);
    }
    if (i < len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (avail - i >= 8)
            w = load8(b + i) & (~(uint64_t)0 >> (64 - 8 * (len - i)));
        else
#endif
            w = load_tail(b + i, len - i);
        w = text_lower8(w);
        memcpy(dst + i, &w, 8);
        h = hash_mix(h, w);
    }
    return hash_end(h, len);
}

static uint32_t lower_hash(char *dst, const char *src, size_t len)
{
    return lower_hash_in(dst, src, len, len);
}

static int is_word(int c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* ---- public: life cycle ---- */

/* Prefix filters on the tables probed with words and host names of the
 * text (sites_match_word, sites_match_host, sites_is_kept). */
struct sites *sites_new(void)
{
    struct sites *s = calloc(1, sizeof(struct sites));

    if (s && (tab_want_pfx(&s->names) != 0 || tab_want_pfx(&s->firsts) != 0
              || tab_want_pfx(&s->domains) != 0
              || tab_want_pfx(&s->keep) != 0)) {
        sites_free(s);
        return NULL;
    }
    return s;
}

void sites_free(struct sites *s)
{
    size_t i;
    int k;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++) {
        free(s->v[i].name);
        for (k = 0; k < SITES_KINDS; k++)
            sites_strv_free(&s->v[i].vals[k]);
    }
    free(s->v);
    free(s->snames);
    tab_free(&s->names);
    tab_free(&s->phrases);
    tab_free(&s->firsts);
    tab_free(&s->domains);
    tab_free(&s->keep);
    for (i = 0; i <= 32; i++)
        tab_free(&s->net4[i]);
    for (i = 0; i <= 128; i++)
        tab_free(&s->net6[i]);
    free(s);
}

/* ---- public: lookups ---- */

long sites_lookup_name(const struct sites *s, const char *w, size_t len)
{
    char low[SITES_NAME_MAX + SITES_PAD];

    if (len > SITES_NAME_MAX || !tab_may_hold(&s->names, w, len))
        return -1;
    return tab_get_h(&s->names, low, len, lower_hash(low, w, len));
}

/* 0 when no label suffix of h[0..len) can be a site domain, by the
 * prefix filter alone: most host names of a text are no site's, and this
 * turns them away before they are lower-cased and hashed. */
static int host_may_match(const struct sites *s, const char *h, size_t len)
{
    const char *dot;
    size_t off = 0;

    for (;;) {
        if (tab_may_hold(&s->domains, h + off, len - off))
            return 1;
        dot = memchr(h + off, '.', len - off);
        if (dot == NULL)
            return 0;
        off = (size_t)(dot - h) + 1;
    }
}

long sites_match_host(const struct sites *s, const char *h, size_t len,
                      size_t *dlen)
{
    char low[SITES_DOMAIN_MAX + SITES_PAD];
    const char *dot;
    size_t off = 0;
    uint32_t hk;

    if (len > 0 && h[len - 1] == '.')
        len--;
    if (len == 0 || !host_may_match(s, h, len))
        return -1;
    /* over-long names cannot be kept; start at the first suffix that fits */
    while (len - off > SITES_DOMAIN_MAX) {
        dot = memchr(h + off, '.', len - off);
        if (dot == NULL)
            return -1;
        off = (size_t)(dot - h) + 1;
    }
    hk = lower_hash(low, h + off, len - off);
    if (off == 0 && tab_get_h(&s->keep, low, len, hk) >= 0)
        return -1;
    len -= off;
    for (off = 0;;) {
        long r = -1;

        if (off == 0)
            r = tab_get_h(&s->domains, low, len, hk);
        else if (tab_may_hold(&s->domains, low + off, len - off))
            r = sites_tab_get(&s->domains, low + off, len - off);
        if (r >= 0) {
            *dlen = len - off;
            return r;
        }
        dot = memchr(low + off, '.', len - off);
        if (dot == NULL)
            return -1;
        off = (size_t)(dot - low) + 1;
    }
}

int sites_is_kept(const struct sites *s, const char *h, size_t len)
{
    char low[SITES_DOMAIN_MAX + SITES_PAD];

    if (len > 0 && h[len - 1] == '.')
        len--;
    if (len > SITES_DOMAIN_MAX || !tab_may_hold(&s->keep, h, len))
        return 0;
    return tab_get_h(&s->keep, low, len, lower_hash(low, h, len)) >= 0;
}

long sites_lookup_host(const struct sites *s, const char *h, size_t len)
{
    size_t dlen;

    return sites_match_host(s, h, len, &dlen);
}

/* Offset just past the word (run of non-space) at t[i], and of the space
 * run after it. */
static size_t word_end(const char *t, size_t len, size_t i)
{
    while (i < len && !sites_is_space((unsigned char)t[i]))
        i++;
    return i;
}

static size_t space_end(const char *t, size_t len, size_t i)
{
    while (i < len && sites_is_space((unsigned char)t[i]))
        i++;
    return i;
}

/* key[0..k) holds the words before t[j..we); try the phrase ending at each
 * place in that word where no letter, digit or '_' follows. */
static void phrase_try(const struct sites *s, char *key, size_t k,
                       const char *t, size_t j, size_t we, size_t *best,
                       long *site)
{
    size_t c, n = we - j;

    if (k + 1 + n > SITES_NAME_MAX)
        n = SITES_NAME_MAX - k - 1;
    key[k] = ' ';
    lower_copy(key + k + 1, t + j, n);
    for (c = j + 1; c <= j + n; c++) {
        long r;

        if (c < we && is_word(t[c]))
            continue;
        r = sites_tab_get(&s->phrases, key, k + 1 + (c - j));
        if (r >= 0 && c > *best) {
            *best = c;
            *site = r;
        }
    }
}

/* The rest of a phrase match: key[0..k) holds the lower-cased first word,
 * t[0..i) (i == k) in the text, hf its hash. Candidate phrases are built
 * from the text word by word and looked up whole, so the cost is a few
 * probes per word whatever the number of aliases sharing a first word
 * ("University of ..."). */
static long phrase_rest(const struct sites *s, char *key, size_t k,
                        uint32_t hf, const char *t, size_t len, size_t *mlen)
{
    size_t i = k, best = 0, j;
    long words = 1, maxw = tab_get_h(&s->firsts, key, k, hf), site = -1;

    while (words < maxw && k + 2 < SITES_NAME_MAX) {
        size_t we;

        j = space_end(t, len, i);
        if (j == i || j == len)
            break;
        we = word_end(t, len - j < SITES_NAME_MAX ? len : j + SITES_NAME_MAX,
                      j);
        phrase_try(s, key, k, t, j, we, &best, &site);
        k += 1 + (we - j);
        i = we;
        words++;
    }
    if (site >= 0)
        *mlen = best;
    return site;
}

/* The first word of a phrase is the run of non-blanks at t, bounded: a
 * long run without blanks (base64, a URL) holds many word tokens, and
 * each would otherwise scan it to its end. */
static size_t first_word(const char *t, size_t len, size_t from)
{
    return word_end(t, len < SITES_NAME_MAX ? len : SITES_NAME_MAX, from);
}

long sites_match_phrase(const struct sites *s, const char *t, size_t len,
                        size_t *mlen)
{
    char key[SITES_NAME_MAX + SITES_PAD];
    size_t i = first_word(t, len, 0);

    if (i >= SITES_NAME_MAX || !tab_may_hold(&s->firsts, t, i))
        return -1;
    return phrase_rest(s, key, i, lower_hash(key, t, i), t, len, mlen);
}

/* The phrase part of sites_match_word: a phrase whose first word is the
 * run of non-blanks at t, hashed into key (*h, *hlen), or -1. */
static long word_phrase(const struct sites *s, char *key, const char *t,
                        size_t wlen, size_t len, uint32_t *h, size_t *hlen,
                        size_t *mlen)
{
    size_t i = first_word(t, len, wlen);    /* no blank in a word token */

    if (i >= SITES_NAME_MAX || !tab_may_hold(&s->firsts, t, i))
        return -1;
    *h = lower_hash_in(key, t, i, len);
    *hlen = i;
    return phrase_rest(s, key, i, *h, t, len, mlen);
}

/* Most words of a text start no name and no phrase: the prefix filters
 * turn them away unhashed (from three bytes on, the word and the run of
 * non-blanks holding it share their prefix). When the word is all of a
 * phrase's first word, the usual case ("Queen Mary ..."), one hash serves
 * both tables. */
long sites_match_word(const struct sites *s, const char *t, size_t wlen,
                      size_t len, size_t *mlen)
{
    char key[SITES_NAME_MAX + SITES_PAD];
    size_t hlen = 0;
    uint32_t h = 0, bit;
    long site;

    if (wlen == 0 || wlen > SITES_NAME_MAX)
        return -1;
    bit = pfx_bit(t, wlen);
    if (wlen < 3 ? s->firsts.n > 0 : tab_may_hold_bit(&s->firsts, bit)) {
        site = word_phrase(s, key, t, wlen, len, &h, &hlen, mlen);
        if (site >= 0)
            return site;
    }
    if (!tab_may_hold_bit(&s->names, bit))
        return -1;
    if (hlen != wlen)
        h = lower_hash_in(key, t, wlen, len);
    *mlen = wlen;
    return tab_get_h(&s->names, key, wlen, h);
}
