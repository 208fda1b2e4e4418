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
 */
#include "mail/sites.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITES_TAB_MIN 16
#define SITES_FILE_MAX (64u << 20)  /* bytes in one sites file */
#define SITES_DOMAIN_MAX 253        /* RFC 1035 text form, no final dot */
#define SITES_LABEL_MAX 63
#define SITES_ADDR_IN_MAX 96        /* longer text is no address */
#define SITES_OCTET_DIGITS 3        /* "010" is 10; "0010" is refused */
#define SITES_SHOW_MAX 80           /* bytes of a token quoted in errors */
#define SITES_PAD 8                 /* lower_hash writes whole words */
#define SITES_FILTER_BITS 8         /* filter bits per slot (16 a key) */
#define SITES_KEY_INLINE 22         /* key bytes held in the slot itself */
#define SITES_SLOT_ALIGN 64         /* a cache line: two slots in one */
#define SITES_PFX_LOG 16            /* 2^16 bits (8 KiB) of prefix filter */
#define SITES_SNAME 32              /* bytes of a name kept in snames */

enum { SITES_ALIAS, SITES_DOMAIN, SITES_NETWORK, SITES_KINDS };

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

/* The filter holds two bits per key, SITES_FILTER_BITS bits a slot: most
 * lookups in running text miss, and a miss then costs one or two reads of
 * a small bit array instead of probes into the (large, cold) slot array.
 * Tables probed with words of running text also have a prefix filter: a
 * bit per hash of a key's first three bytes, checked on the text itself,
 * so most words are turned away before they are lower-cased and hashed. */
struct sites_tab {
    struct sites_slot *v;
    size_t cap;             /* power of two, 0 before the first insert */
    size_t n;
    uint64_t *filter;       /* cap * SITES_FILTER_BITS bits */
    uint64_t *pfx;          /* 2^SITES_PFX_LOG bits, or NULL: none */
};

struct sites_strv {
    char **v;
    size_t n, cap;
};

struct sites_site {
    char *name;
    struct sites_strv vals[SITES_KINDS];
};

struct sites_net {
    int v6;
    unsigned char addr[16]; /* IPv4 uses the first 4 bytes */
    int plen;
};

struct sites {
    struct sites_site *v;
    size_t n, cap;
    /* Names shorter than SITES_SNAME again, by index, "" for longer ones:
     * the anonymiser reads the name of every site it replaces, and this
     * dense, aligned copy costs one cache miss where v[i].name costs two. */
    char (*snames)[SITES_SNAME];
    struct sites_tab names;
    struct sites_tab phrases;
    struct sites_tab firsts;
    struct sites_tab domains;
    struct sites_tab keep;
    struct sites_tab net4[33];
    struct sites_tab net6[129];
    /* the prefix lengths in use, longest first: an address costs a probe
     * per length in use, not a look at all 129 */
    unsigned char used4[33], used6[129];
    int nused4, nused6;
};

/* ---- hash tables ---- */

/* Eight bytes at a time: every word of every alert is hashed, and a
 * byte-at-a-time hash was most of the lookup cost. */
#define SITES_K1 0x9e3779b97f4a7c15ull
#define SITES_K2 0xff51afd7ed558ccdull
#define SITES_ONES 0x0101010101010101ull

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

/* ASCII only, as tolower() in the C locale, but inlined: this runs on
 * every word of every alert. */
static char lower_c(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* ASCII upper case to lower case in eight bytes at once; other bytes,
 * those of UTF-8 sequences too, stay as they are. */
static uint64_t lower8(uint64_t x)
{
    uint64_t low7 = x & (0x7f * SITES_ONES);
    uint64_t ge_a = low7 + (0x80 - 'A') * SITES_ONES;
    uint64_t gt_z = low7 + (0x7f - 'Z') * SITES_ONES;
    uint64_t up = ge_a & ~gt_z & ~x & (0x80 * SITES_ONES);

    return x | (up >> 2);
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
    k = (uint32_t)lower8(k);
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

static long tab_get(const struct sites_tab *t, const void *key, size_t klen)
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
static int tab_put(struct sites_tab *t, const void *key, size_t klen, long val)
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

static int strv_push(struct sites_strv *sv, const char *p, size_t len)
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

static void strv_free(struct sites_strv *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
}

static void lower_copy(char *dst, const char *src, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        dst[i] = lower_c(src[i]);
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
        w = lower8(load8(b + i));
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
        w = lower8(w);
        memcpy(dst + i, &w, 8);
        h = hash_mix(h, w);
    }
    return hash_end(h, len);
}

static uint32_t lower_hash(char *dst, const char *src, size_t len)
{
    return lower_hash_in(dst, src, len, len);
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
        || c == '\v';
}

static int is_word(int c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Printable, bounded copy of untrusted text for an error message. */
static const char *sites_show(const char *p, size_t len, char *out,
                              size_t size)
{
    size_t i, n = len < size - 1 ? len : size - 1;

    for (i = 0; i < n; i++)
        out[i] = isprint((unsigned char)p[i]) ? p[i] : '?';
    out[n] = '\0';
    return out;
}

/* ---- names and aliases ---- */

/* Lower-cased label with white space trimmed and runs of it folded to one
 * space, into out (SITES_NAME_MAX + 1 bytes). Returns the length, 0 when
 * empty, -1 when too long or holding a control byte or a quote. */
static long label_norm(const char *p, size_t len, char *out)
{
    size_t i, n = 0;
    int gap = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (is_space(c)) {
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
static long label_owner(const struct sites *s, const char *norm, size_t len)
{
    if (memchr(norm, ' ', len))
        return tab_get(&s->phrases, norm, len);
    return tab_get(&s->names, norm, len);
}

static int phrase_add(struct sites *s, const char *norm, size_t len,
                      size_t idx)
{
    const char *sp = memchr(norm, ' ', len);
    size_t flen = (size_t)(sp - norm), i;
    long words = 1;

    for (i = 0; i < len; i++)
        words += norm[i] == ' ';
    if (tab_put(&s->phrases, norm, len, (long)idx) != 0)
        return -1;
    if (tab_get(&s->firsts, norm, flen) >= words)
        return 0;
    return tab_put(&s->firsts, norm, flen, words);
}

static int label_add(struct sites *s, const char *norm, size_t len,
                     size_t idx)
{
    if (memchr(norm, ' ', len))
        return phrase_add(s, norm, len, idx);
    return tab_put(&s->names, norm, len, (long)idx);
}

/* ---- domains ---- */

/* Lower-cased domain without the final dot into out (SITES_NAME_MAX + 1).
 * At least two labels of letters, digits, '-' and '_', the last one with a
 * letter (so no address passes as a domain). Returns the length or -1. */
static long domain_norm(const char *p, size_t len, char *out)
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

/* ---- addresses ---- */

/* ".val" (or "val" for the first octet) at out; hot path, no printf. */
static int put_octet(char *out, size_t size, int dot, unsigned val)
{
    char d[4];
    int n = 0, w = 0;

    do {
        d[n++] = (char)('0' + val % 10);
        val /= 10;
    } while (val);
    if ((size_t)(n + dot) >= size)
        return -1;
    if (dot)
        out[w++] = '.';
    while (n > 0)
        out[w++] = d[--n];
    out[w] = '\0';
    return w;
}

/* Dotted-quad text, leading zeros allowed ("010" means 10, as in most
 * log formats, never octal), into four bytes. 0, or -1 when not one. */
static int v4_octets(const char *p, size_t len, unsigned char *out)
{
    size_t i = 0;
    int parts = 0;

    while (parts < 4) {
        unsigned val = 0, digits = 0;

        while (i < len && isdigit((unsigned char)p[i])) {
            val = val * 10 + (unsigned)(p[i++] - '0');
            if (++digits > SITES_OCTET_DIGITS)
                return -1;
        }
        if (digits == 0 || val > 255)
            return -1;
        out[parts] = (unsigned char)val;
        if (++parts < 4 && (i >= len || p[i++] != '.'))
            return -1;
    }
    return i == len ? 0 : -1;
}

/* Rewrite dotted-quad text without leading zeros. Returns the output
 * length or -1. */
static long v4_norm(const char *p, size_t len, char *out, size_t size)
{
    unsigned char o[4];
    size_t n = 0;
    int i, w;

    if (v4_octets(p, len, o) != 0)
        return -1;
    for (i = 0; i < 4; i++) {
        w = put_octet(out + n, size - n, i > 0, o[i]);
        if (w < 0)
            return -1;
        n += (size_t)w;
    }
    return (long)n;
}

static void v6_unmap(struct sites_net *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 0xff, 0xff};

    if (!a->v6 || memcmp(a->addr, mapped, sizeof mapped) != 0)
        return;
    memmove(a->addr, a->addr + 12, 4);
    memset(a->addr + 4, 0, 12);
    a->v6 = 0;
    a->plen = a->plen >= 96 ? a->plen - 96 : 32;
}

static int v6_parse(const char *p, size_t len, struct sites_net *a)
{
    char buf[SITES_ADDR_IN_MAX + 1];
    const char *colon = p, *q;
    size_t head;

    for (q = p; q < p + len; q++)
        if (*q == ':')
            colon = q + 1;
    head = (size_t)(colon - p);
    memcpy(buf, p, head);
    if (memchr(colon, '.', len - head)) {
        /* an embedded IPv4 tail gets the same leading-zero leniency */
        if (v4_norm(colon, len - head, buf + head, sizeof buf - head) < 0)
            return -1;
    } else {
        memcpy(buf + head, colon, len - head);
        buf[len] = '\0';
    }
    if (inet_pton(AF_INET6, buf, a->addr) != 1)
        return -1;
    a->v6 = 1;
    a->plen = 128;
    v6_unmap(a);
    return 0;
}

static int v4_parse(const char *p, size_t len, struct sites_net *a)
{
    memset(a->addr, 0, sizeof a->addr);
    if (v4_octets(p, len, a->addr) != 0)
        return -1;
    a->v6 = 0;
    a->plen = 32;
    return 0;
}

/* One address in any text form: brackets and an IPv6 zone are dropped,
 * IPv4-mapped IPv6 becomes IPv4. Never allocates. */
static int addr_parse(const char *p, size_t len, struct sites_net *a)
{
    const char *z;

    if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
        p++;
        len -= 2;
    }
    if (len == 0 || len > SITES_ADDR_IN_MAX)
        return -1;
    if (memchr(p, ':', len) == NULL)
        return v4_parse(p, len, a);
    z = memchr(p, '%', len);
    if (z)
        len = (size_t)(z - p);
    return v6_parse(p, len, a);
}

static int mask_len(const char *p, size_t len, int v6)
{
    struct sites_net m;
    int bits = 0, i;
    unsigned v = 0;
    size_t k;

    if (!v6 && memchr(p, '.', len)) {
        /* GOCDB writes networks as address/dotted-netmask */
        if (v4_parse(p, len, &m) != 0)
            return -1;
        for (i = 0; i < 4; i++)
            v = v << 8 | m.addr[i];
        while (v & 0x80000000u) {
            v <<= 1;
            bits++;
        }
        return v == 0 ? bits : -1;
    }
    if (len == 0 || len > 3)
        return -1;
    for (k = 0; k < len; k++) {
        if (!isdigit((unsigned char)p[k]))
            return -1;
        bits = bits * 10 + (p[k] - '0');
    }
    return bits <= (v6 ? 128 : 32) ? bits : -1;
}

static void addr_mask(unsigned char *a, int plen)
{
    int i;

    for (i = 0; i < 16; i++) {
        int keep = plen - i * 8;

        if (keep <= 0)
            a[i] = 0;
        else if (keep < 8)
            a[i] &= (unsigned char)(0xff << (8 - keep));
    }
}

/* "addr[/len|/mask]"; a bare address is a host network. Masked. */
static int net_parse(const char *p, size_t len, struct sites_net *n)
{
    const char *sl = memchr(p, '/', len);
    size_t alen = sl ? (size_t)(sl - p) : len;
    int mapped, plen;

    if (addr_parse(p, alen, n) != 0)
        return -1;
    mapped = !n->v6 && memchr(p, ':', alen) != NULL;
    if (sl) {
        plen = mask_len(sl + 1, len - alen - 1, n->v6 || mapped);
        if (plen < 0)
            return -1;
        if (mapped && plen < 96)
            return -1;  /* a mapped range wider than IPv4 space */
        n->plen = mapped ? plen - 96 : plen;
    }
    addr_mask(n->addr, n->plen);
    return 0;
}

/* Canonical text; no printf: the anonymiser keys every address it
 * replaces by this text. */
static int net_text(const struct sites_net *n, int with_len, char *out)
{
    size_t w = 0;
    int i, k;

    if (!n->v6) {
        for (i = 0; i < 4; i++)
            w += (size_t)put_octet(out + w, SITES_ADDR_TEXT_MAX - w, i > 0,
                                   n->addr[i]);
    } else if (inet_ntop(AF_INET6, n->addr, out, SITES_ADDR_TEXT_MAX)
               == NULL) {
        return -1;
    } else {
        w = strlen(out);
    }
    if (with_len) {
        if (w + 5 > SITES_ADDR_TEXT_MAX)
            return -1;
        out[w++] = '/';
        k = put_octet(out + w, SITES_ADDR_TEXT_MAX - w, 0,
                      (unsigned)n->plen);
        if (k < 0)
            return -1;
    }
    return 0;
}

static struct sites_tab *net_tab(const struct sites *s, int v6, int plen)
{
    return v6 ? (struct sites_tab *)&s->net6[plen]
              : (struct sites_tab *)&s->net4[plen];
}

static long net_owner(const struct sites *s, const struct sites_net *n)
{
    return tab_get(net_tab(s, n->v6, n->plen), n->addr, n->v6 ? 16 : 4);
}

/* Longest prefix first, one probe per non-empty prefix length. */
static long addr_find(const struct sites *s, const struct sites_net *a)
{
    const unsigned char *used = a->v6 ? s->used6 : s->used4;
    int n = a->v6 ? s->nused6 : s->nused4, i, plen;
    unsigned char m[16];

    for (i = 0; i < n; i++) {
        long r;

        plen = used[i];
        memcpy(m, a->addr, 16);
        addr_mask(m, plen);
        r = tab_get(net_tab(s, a->v6, plen), m, a->v6 ? 16 : 4);
        if (r >= 0)
            return r;
    }
    return -1;
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
            strv_free(&s->v[i].vals[k]);
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
    long len = label_norm(name, strlen(name), norm), owner;

    if (len <= 0)
        return err_set(e, ERR_DATA, "bad site name '%s'",
                       sites_show(name, strlen(name), show, sizeof show));
    if (s->n >= SITES_MAX)
        return err_set(e, ERR_TOOBIG, "more than %d sites", SITES_MAX);
    owner = label_owner(s, norm, (size_t)len);
    if (owner >= 0)
        return err_set(e, ERR_DUP, "site name '%s' already used by site %s",
                       sites_show(name, strlen(name), show, sizeof show),
                       s->v[owner].name);
    if (site_push(s, name) != 0
        || label_add(s, norm, (size_t)len, s->n - 1) != 0)
        return err_set(e, ERR_NOMEM, "out of memory adding a site");
    *idx = s->n - 1;
    return 0;
}

static int bad_idx(const struct sites *s, size_t idx, struct err *e)
{
    if (idx < s->n)
        return 0;
    return err_set(e, ERR_SOFTWARE, "no site with index %zu", idx);
}

static int dup_err(const struct sites *s, long owner, const char *what,
                   const char *p, struct err *e)
{
    char show[SITES_SHOW_MAX];

    return err_set(e, ERR_DUP, "%s '%s' already belongs to site %s", what,
                   sites_show(p, strlen(p), show, sizeof show),
                   s->v[owner].name);
}

int sites_add_alias(struct sites *s, size_t idx, const char *alias,
                    struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = label_norm(alias, strlen(alias), norm), owner;

    if (bad_idx(s, idx, e))
        return -1;
    if (len <= 0)
        return err_set(e, ERR_DATA, "bad alias '%s'",
                       sites_show(alias, strlen(alias), show, sizeof show));
    owner = label_owner(s, norm, (size_t)len);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return dup_err(s, owner, "alias", alias, e);
    if (label_add(s, norm, (size_t)len, idx) != 0
        || strv_push(&s->v[idx].vals[SITES_ALIAS], alias, strlen(alias)))
        return err_set(e, ERR_NOMEM, "out of memory adding an alias");
    return 0;
}

int sites_add_domain(struct sites *s, size_t idx, const char *domain,
                     struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = domain_norm(domain, strlen(domain), norm), owner;

    if (bad_idx(s, idx, e))
        return -1;
    if (len < 0)
        return err_set(e, ERR_DATA, "bad domain '%s'",
                       sites_show(domain, strlen(domain), show, sizeof show));
    owner = tab_get(&s->domains, norm, (size_t)len);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return dup_err(s, owner, "domain", domain, e);
    if (tab_put(&s->domains, norm, (size_t)len, (long)idx) != 0
        || strv_push(&s->v[idx].vals[SITES_DOMAIN], norm, (size_t)len))
        return err_set(e, ERR_NOMEM, "out of memory adding a domain");
    return 0;
}

/* Insert plen into the descending list (a length is added once). */
static void used_add(unsigned char *used, int *n, int plen)
{
    int i = *n;

    while (i > 0 && used[i - 1] < plen) {
        used[i] = used[i - 1];
        i--;
    }
    used[i] = (unsigned char)plen;
    (*n)++;
}

int sites_add_network(struct sites *s, size_t idx, const char *cidr,
                      struct err *e)
{
    char text[SITES_ADDR_TEXT_MAX], show[SITES_SHOW_MAX];
    struct sites_net n;
    long owner;

    if (bad_idx(s, idx, e))
        return -1;
    if (net_parse(cidr, strlen(cidr), &n) != 0 || net_text(&n, 1, text) != 0)
        return err_set(e, ERR_DATA, "bad network '%s'",
                       sites_show(cidr, strlen(cidr), show, sizeof show));
    owner = net_owner(s, &n);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return dup_err(s, owner, "network", text, e);
    if (net_tab(s, n.v6, n.plen)->n == 0)
        used_add(n.v6 ? s->used6 : s->used4, n.v6 ? &s->nused6 : &s->nused4,
                 n.plen);
    if (tab_put(net_tab(s, n.v6, n.plen), n.addr, n.v6 ? 16 : 4, (long)idx)
        || strv_push(&s->v[idx].vals[SITES_NETWORK], text, strlen(text)))
        return err_set(e, ERR_NOMEM, "out of memory adding a network");
    return 0;
}

int sites_keep(struct sites *s, const char *host, struct err *e)
{
    char norm[SITES_NAME_MAX + 1], show[SITES_SHOW_MAX];
    long len = domain_norm(host, strlen(host), norm);

    if (len < 0)
        return err_set(e, ERR_DATA, "bad host name '%s'",
                       sites_show(host, strlen(host), show, sizeof show));
    if (tab_put(&s->keep, norm, (size_t)len, 0) != 0)
        return err_set(e, ERR_NOMEM, "out of memory adding a kept host");
    return 0;
}

/* ---- public: accessors and lookups ---- */

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
            r = tab_get(&s->domains, low + off, len - off);
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

long sites_lookup_addr(const struct sites *s, const char *a, size_t len)
{
    struct sites_net n;

    if (addr_parse(a, len, &n) != 0)
        return -1;
    return addr_find(s, &n);
}

long sites_lookup_net(const struct sites *s, const char *cidr, size_t len)
{
    struct sites_net n;

    if (len > SITES_ADDR_IN_MAX || net_parse(cidr, len, &n) != 0)
        return -1;
    return addr_find(s, &n);
}

int sites_addr_canon(const char *a, size_t len, char *out)
{
    struct sites_net n;

    if (len > SITES_ADDR_IN_MAX)
        return -1;
    if (memchr(a, '/', len) == NULL) {
        if (addr_parse(a, len, &n) != 0)
            return -1;
        return net_text(&n, 0, out);
    }
    if (net_parse(a, len, &n) != 0)
        return -1;
    return net_text(&n, 1, out);
}

/* Offset just past the word (run of non-space) at t[i], and of the space
 * run after it. */
static size_t word_end(const char *t, size_t len, size_t i)
{
    while (i < len && !is_space((unsigned char)t[i]))
        i++;
    return i;
}

static size_t space_end(const char *t, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)t[i]))
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
        r = tab_get(&s->phrases, key, k + 1 + (c - j));
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

/* ---- sites file ---- */

struct sites_tok {
    const char *p;
    size_t len;
    int quoted;
};

/* Next token of a line: 1 found, 0 at the end or a comment, -1 when a
 * quote is not closed. '#' outside quotes starts a comment. */
static int tok_next(const char *line, size_t len, size_t *pos,
                    struct sites_tok *t)
{
    size_t i = *pos;
    const char *q;

    while (i < len && is_space((unsigned char)line[i]))
        i++;
    if (i >= len || line[i] == '#')
        return 0;
    t->quoted = line[i] == '"';
    if (t->quoted) {
        q = memchr(line + i + 1, '"', len - i - 1);
        if (q == NULL)
            return -1;
        t->p = line + i + 1;
        t->len = (size_t)(q - t->p);
        *pos = (size_t)(q - line) + 1;
        return 1;
    }
    t->p = line + i;
    while (i < len && !is_space((unsigned char)line[i]) && line[i] != '"'
           && line[i] != '#')
        i++;
    t->len = (size_t)(line + i - t->p);
    *pos = i;
    return 1;
}

/* Which table a value token goes to; -1 when it fits none. Also reports
 * the site already owning it in *owner (-1: free). */
static int tok_kind(const struct sites *s, const struct sites_tok *t,
                    long *owner)
{
    char norm[SITES_NAME_MAX + 1];
    struct sites_net n;
    long len;

    if (t->quoted) {
        len = label_norm(t->p, t->len, norm);
        if (len <= 0)
            return -1;
        *owner = label_owner(s, norm, (size_t)len);
        return SITES_ALIAS;
    }
    len = domain_norm(t->p, t->len, norm);
    if (len >= 0) {
        *owner = tab_get(&s->domains, norm, (size_t)len);
        return SITES_DOMAIN;
    }
    if (t->len <= SITES_ADDR_IN_MAX && net_parse(t->p, t->len, &n) == 0) {
        *owner = net_owner(s, &n);
        return SITES_NETWORK;
    }
    return -1;
}

/* Bad lines go through err_add: the file is read on, and each one is
 * reported on its own line (err.h). */
static int line_err(struct err *e, const char *origin, size_t lineno,
                    const char *why, const struct sites_tok *t)
{
    char show[SITES_SHOW_MAX];

    if (t == NULL)
        return err_add(e, ERR_DATA, "%s:%zu: %s", origin, lineno, why);
    return err_add(e, ERR_DATA, "%s:%zu: %s '%s'", origin, lineno, why,
                   sites_show(t->p, t->len, show, sizeof show));
}

static int owner_err(const struct sites *s, long owner, struct err *e,
                     const char *origin, size_t lineno,
                     const struct sites_tok *t)
{
    char show[SITES_SHOW_MAX];

    return err_add(e, ERR_DATA, "%s:%zu: '%s' already belongs to site %s",
                   origin, lineno, sites_show(t->p, t->len, show, sizeof show),
                   s->v[owner].name);
}

/* First pass over a line: every token valid and nothing owned by another
 * site, so the second pass cannot fail half-way but for memory. */
static int line_check(const struct sites *s, const char *line, size_t len,
                      const char *origin, size_t lineno, struct err *e)
{
    struct sites_tok t;
    size_t pos = 0;
    int r, first = 1;
    long owner;

    while ((r = tok_next(line, len, &pos, &t)) == 1) {
        if (first && t.quoted)
            return line_err(e, origin, lineno, "site name in quotes", &t);
        if (first) {
            char norm[SITES_NAME_MAX + 1];
            long n = label_norm(t.p, t.len, norm);

            if (n <= 0)
                return line_err(e, origin, lineno, "bad site name", &t);
            if (label_owner(s, norm, (size_t)n) >= 0)
                return line_err(e, origin, lineno, "duplicate site name", &t);
            first = 0;
            continue;
        }
        if (tok_kind(s, &t, &owner) < 0)
            return line_err(e, origin, lineno,
                            "neither a quoted alias, a domain nor a network",
                            &t);
        if (owner >= 0)
            return owner_err(s, owner, e, origin, lineno, &t);
    }
    return r < 0 ? line_err(e, origin, lineno, "unclosed quote", NULL) : 0;
}

static int tok_add(struct sites *s, size_t idx, const struct sites_tok *t,
                   struct err *e)
{
    char v[SITES_LINE_MAX + 1];
    long owner;
    int kind = tok_kind(s, t, &owner);

    memcpy(v, t->p, t->len);
    v[t->len] = '\0';
    if (kind == SITES_ALIAS)
        return sites_add_alias(s, idx, v, e);
    if (kind == SITES_DOMAIN)
        return sites_add_domain(s, idx, v, e);
    return sites_add_network(s, idx, v, e);
}

static int line_add(struct sites *s, const char *line, size_t len,
                    struct err *e)
{
    char name[SITES_NAME_MAX + 1];
    struct sites_tok t;
    size_t pos = 0, idx;

    if (tok_next(line, len, &pos, &t) != 1)
        return 0;
    memcpy(name, t.p, t.len);  /* line_check bounded it */
    name[t.len] = '\0';
    if (sites_add(s, name, &idx, e) != 0)
        return -1;
    while (tok_next(line, len, &pos, &t) == 1)
        if (tok_add(s, idx, &t, e) != 0)
            return -1;
    return 0;
}

/* 0 added (or nothing to add), 1 a bad line, reported and skipped, -1
 * when the index cannot take more (memory, SITES_MAX): reading stops. */
static int load_line(struct sites *s, const char *line, size_t len,
                     const char *origin, size_t lineno, struct err *e)
{
    const char *why = len > SITES_LINE_MAX ? "line too long"
                      : memchr(line, '\0', len) ? "NUL byte" : NULL;
    struct err sub;

    if (why) {
        line_err(e, origin, lineno, why, NULL);
        return 1;
    }
    if (line_check(s, line, len, origin, lineno, e) != 0)
        return 1;
    err_init(&sub);
    if (line_add(s, line, len, &sub) != 0)
        return err_add(e, sub.code, "%s:%zu: %s", origin, lineno, sub.msg);
    return 0;
}

int sites_load_text(struct sites *s, const char *text, size_t len,
                    const char *origin, struct err *e)
{
    size_t pos = 0, lineno = 0;
    int r, bad = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;

        lineno++;
        r = load_line(s, text + pos, end - pos, origin, lineno, e);
        if (r < 0)
            return -1;
        bad |= r;
        pos = end + 1;
    }
    return bad ? -1 : 0;
}

int sites_load_file(struct sites *s, const char *path, struct err *e)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    int rc = -1;

    if (f == NULL)
        return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
    for (;;) {
        if (len == cap) {
            char *nd;

            cap = cap ? cap * 2 : 65536;
            if (cap > SITES_FILE_MAX + 1)
                cap = SITES_FILE_MAX + 1;
            if (len == cap) {
                err_set(e, ERR_TOOBIG, "%s: over %u bytes", path,
                        SITES_FILE_MAX);
                goto out;
            }
            nd = realloc(data, cap);
            if (nd == NULL) {
                err_set(e, ERR_NOMEM, "%s: out of memory", path);
                goto out;
            }
            data = nd;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        err_set(e, ERR_IO, "%s: read error", path);
    else
        rc = sites_load_text(s, data ? data : "", len, path, e);
out:
    free(data);
    fclose(f);
    return rc;
}
