/*
 * sites_net - addresses and networks: IPv4 and IPv6 text in any form
 * read, its canonical text, networks added to a site, and the site whose
 * network holds an address (a probe per prefix length in use). See
 * sites.h.
 */
#include "mail/sites.h"
#include "mail/sites_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#define SITES_OCTET_DIGITS 3        /* "010" is 10; "0010" is refused */

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
int sites_net_parse(const char *p, size_t len, struct sites_net *n)
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

long sites_net_owner(const struct sites *s, const struct sites_net *n)
{
    return sites_tab_get(net_tab(s, n->v6, n->plen), n->addr, n->v6 ? 16 : 4);
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
        r = sites_tab_get(net_tab(s, a->v6, plen), m, a->v6 ? 16 : 4);
        if (r >= 0)
            return r;
    }
    return -1;
}

/* ---- public: networks ---- */

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

/* The reasons are literals: a message holds no number worked out here. */
#define SITES_STR_(x) #x
#define SITES_STR(x) SITES_STR_(x)

const char *sites_net_too_wide(const struct sites_net *n)
{
    if (n->v6 && n->plen < SITES_NET6_PREFIX_MIN)
        return "too wide for a site (an IPv6 prefix shorter than /"
               SITES_STR(SITES_NET6_PREFIX_MIN)
               " would replace addresses of the whole Internet)";
    if (!n->v6 && n->plen < SITES_NET4_PREFIX_MIN)
        return "too wide for a site (an IPv4 prefix shorter than /"
               SITES_STR(SITES_NET4_PREFIX_MIN)
               " would replace addresses of the whole Internet)";
    return NULL;
}

int sites_add_network(struct sites *s, size_t idx, const char *cidr,
                      struct err *e)
{
    const char *wide;
    char text[SITES_ADDR_TEXT_MAX], show[SITES_SHOW_MAX];
    struct sites_net n;
    long owner;

    if (sites_bad_idx(s, idx, e))
        return -1;
    if (sites_net_parse(cidr, strlen(cidr), &n) != 0
        || net_text(&n, 1, text) != 0)
        return err_set(e, ERR_DATA, "bad network '%s'",
                       text_show(cidr, strlen(cidr), show, sizeof show));
    if ((wide = sites_net_too_wide(&n)) != NULL)
        return err_set(e, ERR_DATA, "network '%s' %s",
                       text_show(cidr, strlen(cidr), show, sizeof show), wide);
    owner = sites_net_owner(s, &n);
    if (owner == (long)idx)
        return 0;
    if (owner >= 0)
        return sites_dup_err(s, owner, "network", text, e);
    if (net_tab(s, n.v6, n.plen)->n == 0)
        used_add(n.v6 ? s->used6 : s->used4, n.v6 ? &s->nused6 : &s->nused4,
                 n.plen);
    if (sites_tab_put(net_tab(s, n.v6, n.plen), n.addr, n.v6 ? 16 : 4,
                      (long)idx)
        || sites_strv_push(&s->v[idx].vals[SITES_NETWORK], text, strlen(text)))
        return err_set(e, ERR_NOMEM, "out of memory adding a network");
    return 0;
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

    if (len > SITES_ADDR_IN_MAX || sites_net_parse(cidr, len, &n) != 0)
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
    if (sites_net_parse(a, len, &n) != 0)
        return -1;
    return net_text(&n, 1, out);
}
