/*
 * leak_addr - addresses of site networks and DNs in a text's normal form
 * (leak.h, step 5: folded and refanged, punctuation kept). Candidates are
 * parsed here; whether one is a site's is asked of the sites index
 * (sites_lookup_addr, sites_lookup_net), never of the anonymiser.
 */
#include "mail/leak_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>


static int is_dig(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(uint32_t c)
{
    return is_dig(c) || (c >= 'a' && c <= 'f');
}

static int is_alnum(uint32_t c)
{
    return is_dig(c) || (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* cp[i..) spells the ASCII w[0..len); cp_at(t, i, "literal") */
#define cp_at(t, i, w) cp_at_n(t, i, w, sizeof(w) - 1)

static int cp_at_n(const struct leak_text *t, size_t i, const char *w,
                   size_t len)
{
    size_t k;

    if (i >= t->n || t->cp[i] != (unsigned char)w[0] || t->n - i < len)
        return 0;
    for (k = 0; k < len; k++)
        if (t->cp[i + k] != (unsigned char)w[k])
            return 0;
    return 1;
}

static void found(const struct leak_text *t, long site, const char *name,
                  size_t s, size_t e, struct leak_find *f)
{
    snprintf(f->what, sizeof(f->what), "network of site %s", name);
    (void)site;
    f->s = t->org[s];
    f->e = leak_text_end(t, e);
}

static int v4_test(const struct leak *l, const struct leak_text *t,
                   const uint32_t v[4], size_t s, size_t e,
                   struct leak_find *f)
{
    char a[INET_ADDRSTRLEN];
    long site;
    int n = snprintf(a, sizeof(a), "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);

    site = sites_lookup_addr(l->sites, a, (size_t)n);
    if (site < 0)
        return 0;
    found(t, site, sites_name(l->sites, (size_t)site), s, e, f);
    return 1;
}

static int is_blank(uint32_t c)
{
    return c == ' ' || c == '\t';
}

/* The separator between two decimal groups at cp[j], up to the next
 * group's first digit: '.', '-' or '_', or a '.' with blanks around it
 * ("192 . 0 . 2 . 45", as some write addresses so that nothing links
 * them); its length, 0 when none. */
static size_t v4_sep(const struct leak_text *t, size_t j)
{
    size_t k = j, b;

    if (k + 1 < t->n && (t->cp[k] == '-' || t->cp[k] == '_') &&
        is_dig(t->cp[k + 1]))
        return 1;
    for (b = 0; k < t->n && is_blank(t->cp[k]) && b < LEAK_V4_BLANKS_MAX;
         k++, b++)
        ;
    if (k >= t->n || t->cp[k] != '.')
        return 0;
    for (k++, b = 0; k < t->n && is_blank(t->cp[k]) && b < LEAK_V4_BLANKS_MAX;
         k++, b++)
        ;
    return k < t->n && is_dig(t->cp[k]) ? k - j : 0;
}

/* Runs of decimal groups joined by '.', '-' or '_' (192.0.2.45,
 * ip-192-0-2-45, log_192_0_2_45) or by " . ": every four groups in a
 * row. */
static int find_v4(const struct leak *l, const struct leak_text *t,
                   struct leak_find *f)
{
    size_t i = 0, j, g, w, k, st[LEAK_V4_GROUPS_MAX], en[LEAK_V4_GROUPS_MAX];
    uint32_t val[LEAK_V4_GROUPS_MAX];
    int ok[LEAK_V4_GROUPS_MAX];

    while (i < t->n) {
        if (!is_dig(t->cp[i]) || (i > 0 && is_dig(t->cp[i - 1]))) {
            i++;
            continue;
        }
        for (g = 0, j = i; g < LEAK_V4_GROUPS_MAX;) {
            st[g] = j;
            val[g] = 0;
            for (; j < t->n && is_dig(t->cp[j]) && j - st[g] < 4; j++)
                val[g] = val[g] * 10 + (t->cp[j] - '0');
            ok[g] = j - st[g] <= 3 && !(j < t->n && is_dig(t->cp[j])) &&
                    val[g] <= 255;
            en[g++] = j - 1;
            if ((k = v4_sep(t, j)) == 0)
                break;
            j += k;
        }
        for (w = 0; w + 4 <= g; w++)
            if (ok[w] && ok[w + 1] && ok[w + 2] && ok[w + 3] &&
                v4_test(l, t, val + w, st[w], en[w + 3], f))
                return 1;
        while (j < t->n && is_dig(t->cp[j]))
            j++;
        i = j > i ? j : i + 1;
    }
    return 0;
}

/* One part of a URL host as inet_aton reads it: 0x hex, 0 octal, else
 * decimal. -1 when not a number or over 32 bits. */
static long long aton_part(const char *p, size_t n)
{
    unsigned long long v = 0;
    size_t i = 0;
    int base = 10, d;

    if (n > 2 && p[0] == '0' && p[1] == 'x')
        base = 16, i = 2;
    else if (n > 1 && p[0] == '0')
        base = 8, i = 1;
    if (i >= n)
        return -1;
    for (; i < n; i++) {
        d = is_dig((unsigned char)p[i]) ? p[i] - '0'
            : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 : 99;
        if (d >= base || (v = v * (unsigned)base + (unsigned)d) > 0xffffffffull)
            return -1;
    }
    return (long long)v;
}

/* A URL host h (3221226029, 0xc000022d, 0300.0.2.45, 192.0.2.45) as an
 * IPv4 address into v; -1 when it is none. */
static int aton(const char *h, size_t n, uint32_t v[4])
{
    long long p[4];
    size_t np = 0, s = 0, i;
    uint32_t a;

    for (i = 0; i <= n; i++)
        if (i == n || h[i] == '.') {
            if (np == 4 || (p[np++] = aton_part(h + s, i - s)) < 0)
                return -1;
            s = i + 1;
        }
    for (i = 0; i + 1 < np; i++)
        if (p[i] > 255)
            return -1;
    if (p[np - 1] > (long long)(0xffffffffull >> (8 * (np - 1))))
        return -1;
    a = (uint32_t)p[np - 1];
    for (i = 0; i + 1 < np; i++)
        a |= (uint32_t)p[i] << (24 - 8 * i);
    for (i = 0; i < 4; i++)
        v[i] = (a >> (24 - 8 * i)) & 255;
    return 0;
}

/* The host of every "scheme://[user@]host" as inet_aton would take it. */
static int find_url(const struct leak *l, const struct leak_text *t,
                    struct leak_find *f)
{
    char h[LEAK_HOST_MAX + 1];
    size_t i, j, s, n;
    uint32_t v[4];

    for (i = 0; i + 3 < t->n; i++) {
        if (t->cp[i] != ':' || !cp_at(t, i, "://"))
            continue;
        s = i + 3;
        for (j = s; j < t->n && j - s < LEAK_HOST_MAX && t->cp[j] != '/' &&
             t->cp[j] != '?' && t->cp[j] != '#' && t->cp[j] > ' '; j++)
            if (t->cp[j] == '@')
                s = j + 1;
        for (n = 0; s + n < j && t->cp[s + n] < 0x80 &&
             t->cp[s + n] != ':'; n++)
            h[n] = (char)t->cp[s + n];
        if (n > 0 && aton(h, n, v) == 0 && v4_test(l, t, v, s, s + n - 1, f))
            return 1;
    }
    return 0;
}

static int v6_char(uint32_t c)
{
    return is_hex(c) || c == ':' || c == '.';
}

/* Every run of [0-9a-f:.] with two colons or more, as an address; runs
 * are found from their colons, the rarer character. */
/* cp[s..e) with the colon trimming of a sentence ("... ::1." or
 * "2001:db8::1:"), looked up. */
static long v6_lookup(const struct leak *l, const struct leak_text *t,
                      size_t *ps, size_t *pe)
{
    char a[LEAK_V6_TEXT_MAX + 1];
    size_t s = *ps, e = *pe, k;

    if (t->cp[s] == ':' && !(s + 1 < e && t->cp[s + 1] == ':'))
        s++;
    while (e > s && (t->cp[e - 1] == '.' || (t->cp[e - 1] == ':' &&
           !(e > s + 2 && t->cp[e - 2] == ':'))))
        e--;
    if (e <= s || e - s > LEAK_V6_TEXT_MAX)
        return -1;
    for (k = s; k < e; k++)
        a[k - s] = (char)t->cp[k];
    *ps = s;
    *pe = e;
    return sites_lookup_addr(l->sites, a, e - s);
}

static int find_v6(const struct leak *l, const struct leak_text *t,
                   struct leak_find *f)
{
    size_t i, j = 0, s, e, c;
    long site;

    for (i = 0; i < t->n; i++) {
        if (t->cp[i] != ':' || i < j)
            continue;
        for (s = i; s > 0 && v6_char(t->cp[s - 1]); s--)
            ;
        for (j = i, c = 0; j < t->n && v6_char(t->cp[j]); j++)
            c += t->cp[j] == ':';
        if (c < 2)
            continue;
        /* the run as a whole; then from its first colon on, as in
         * "addr:2001:db8::1", where "dd" is hex too */
        e = j;
        site = s > 0 && is_alnum(t->cp[s - 1]) ? -1 : v6_lookup(l, t, &s, &e);
        if (site < 0 && (s = i + 1, e = j, c > 2))
            site = v6_lookup(l, t, &s, &e);
        if (site >= 0) {
            found(t, site, sites_name(l->sites, (size_t)site), s, e - 1, f);
            return 1;
        }
    }
    return 0;
}

static int v6_dash_char(uint32_t c)
{
    return is_hex(c) || c == '-';
}

/* cp[s..e) with each '-' as ':' ("2001-db8-77--1"), looked up. */
static long v6_dash_lookup(const struct leak *l, const struct leak_text *t,
                           size_t s, size_t e)
{
    char a[LEAK_V6_TEXT_MAX + 1];
    size_t k;

    while (s < e && t->cp[s] == '-' && !(s + 1 < e && t->cp[s + 1] == '-'))
        s++;
    while (e > s && t->cp[e - 1] == '-' && !(e > s + 1 && t->cp[e - 2] == '-'))
        e--;
    if (e <= s || e - s > LEAK_V6_TEXT_MAX)
        return -1;
    for (k = s; k < e; k++)
        a[k - s] = t->cp[k] == '-' ? ':' : (char)t->cp[k];
    return sites_lookup_addr(l->sites, a, e - s);
}

/* IPv6 written with '-' for ':' (ipv6-literal.net names, PTR-like names
 * "2001-db8-77--1.example"): every run of [0-9a-f-] with two '-' or
 * more, whole and from after its first '-' ("ip-" is no group, "dead-"
 * may be). A zone ("s4" in ipv6-literal.net) ends the run. */
static int find_v6_dash(const struct leak *l, const struct leak_text *t,
                        struct leak_find *f)
{
    size_t i = 0, j, c, first;
    long site;

    while (i < t->n) {
        if (!v6_dash_char(t->cp[i]) || (i > 0 && is_alnum(t->cp[i - 1]) &&
                                         !is_hex(t->cp[i - 1]))) {
            i++;
            continue;
        }
        for (j = i, c = 0, first = 0; j < t->n && v6_dash_char(t->cp[j]); j++)
            if (t->cp[j] == '-' && c++ == 0)
                first = j;
        site = -1;
        if (c >= 2 && !(j < t->n && is_alnum(t->cp[j]) && t->cp[j] != 's'))
            site = v6_dash_lookup(l, t, i, j);
        if (site < 0 && c >= 3)
            site = v6_dash_lookup(l, t, first + 1, j);
        if (site >= 0) {
            found(t, site, sites_name(l->sites, (size_t)site), i, j - 1, f);
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

static int net_test(const struct leak *l, const struct leak_text *t,
                    const char *cidr, size_t s, size_t e,
                    struct leak_find *f)
{
    long site = sites_lookup_net(l->sites, cidr, strlen(cidr));

    if (site < 0)
        return 0;
    found(t, site, sites_name(l->sites, (size_t)site), s, e, f);
    return 1;
}

/* "45.2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa": the groups before
 * the suffix, read backwards, are the network. */
static int find_in_addr(const struct leak *l, const struct leak_text *t,
                        size_t i, struct leak_find *f)
{
    uint32_t v[4] = {0, 0, 0, 0};
    size_t k = i, g = 0, d, s = i;
    char cidr[INET_ADDRSTRLEN + 4];

    /* cp[i - 1] is the '.' before "in-addr" */
    while (g < 4 && k >= 2 && is_dig(t->cp[k - 2])) {
        for (d = k - 1; d > 0 && is_dig(t->cp[d - 1]) && k - d < 4; d--)
            ;
        if (k - 1 - d > 3 || (d > 0 && is_dig(t->cp[d - 1])))
            break;
        for (s = d; s < k - 1; s++)
            v[g] = v[g] * 10 + (t->cp[s] - '0');
        if (v[g] > 255)
            break;
        s = d;
        g++;
        if (d == 0 || t->cp[d - 1] != '.')
            break;
        k = d;
    }
    if (g == 0)
        return 0;
    snprintf(cidr, sizeof(cidr), "%u.%u.%u.%u/%zu", v[0], v[1], v[2], v[3],
             8 * g);
    return net_test(l, t, cidr, s, i + 11, f);
}

/* "...b.a.8.b.d.0.1.0.0.2.ip6.arpa": nibbles backwards from the suffix. */
static int find_ip6_arpa(const struct leak *l, const struct leak_text *t,
                         size_t i, struct leak_find *f)
{
    unsigned char b[16];
    char a[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 5];
    size_t k = i, g = 0, s = i;
    uint32_t c;

    memset(b, 0, sizeof(b));
    while (g < 32 && k >= 2 && is_hex(t->cp[k - 2]) &&
           (k == 2 || !is_alnum(t->cp[k - 3]))) {
        c = t->cp[k - 2];
        b[g / 2] |= (unsigned char)((is_dig(c) ? c - '0' : c - 'a' + 10)
                                    << (g % 2 ? 0 : 4));
        g++;
        s = k - 2;
        if (k == 2 || t->cp[k - 3] != '.')
            break;
        k -= 2;
    }
    if (g == 0 || inet_ntop(AF_INET6, b, a, sizeof(a)) == NULL)
        return 0;
    snprintf(cidr, sizeof(cidr), "%s/%zu", a, 4 * g);
    return net_test(l, t, cidr, s, i + 7, f);
}

static int find_arpa(const struct leak *l, const struct leak_text *t,
                     struct leak_find *f)
{
    size_t i;

    for (i = 1; i < t->n; i++) {
        if (t->cp[i - 1] != '.' || (t->cp[i] != 'i'))
            continue;
        if (cp_at(t, i, "in-addr.arpa") && find_in_addr(l, t, i, f))
            return 1;
        if (cp_at(t, i, "ip6.arpa") && find_ip6_arpa(l, t, i, f))
            return 1;
    }
    return 0;
}

int leak_find_addr(const struct leak *l, const struct leak_text *t,
                   struct leak_find *f)
{
    return find_v4(l, t, f) || find_url(l, t, f) || find_v6(l, t, f) ||
           find_v6_dash(l, t, f) || find_arpa(l, t, f);
}

/* ---- DNs ------------------------------------------------------------- */

/* "KEY =" of a DN component at i (a word start): its length, *strong
 * when the key is one only DNs use (DC, CN, OU, UID). */
static size_t dn_key(const struct leak_text *t, size_t i, int *strong)
{
    static const char *const keys[] = {"dc", "cn", "ou", "uid",
                                       "emailaddress", "st", "c", "o", "l",
                                       "e"};
    size_t k, j;

    if (i > 0 && is_alnum(t->cp[i - 1]))
        return 0;
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        if (!cp_at_n(t, i, keys[k], strlen(keys[k])))
            continue;
        for (j = i + strlen(keys[k]); j < t->n && t->cp[j] == ' '; j++)
            ;
        if (j < t->n && t->cp[j] == '=') {
            *strong = k < 4;
            return j + 1 - i;
        }
    }
    return 0;
}

/* The component at i follows the one whose '=' is at eq: only its value
 * and a '/', ',' or ';' between them, on one line. */
static int dn_follows(const struct leak_text *t, size_t eq, size_t i)
{
    size_t p = i, k;

    if (i - eq > LEAK_DN_GAP)
        return 0;
    while (p > eq + 1 && t->cp[p - 1] == ' ')
        p--;
    if (p <= eq + 1 || !(t->cp[p - 1] == '/' || t->cp[p - 1] == ',' ||
                         t->cp[p - 1] == ';'))
        return 0;
    for (k = eq + 1; k < p - 1; k++)
        if (t->cp[k] == '\n' || t->cp[k] == '=')
            return 0;
    return 1;
}

int leak_find_dn(const struct leak_text *t, struct leak_find *f)
{
    size_t i, k, first = 0, eq = 0, count = 0, e;
    int strong, any = 0;

    for (i = 0; i < t->n; i++) {
        switch (t->cp[i]) {     /* the first letters of the keys */
        case 'd': case 'c': case 'o': case 'u': case 'e': case 's': case 'l':
            break;
        default:
            continue;
        }
        if ((k = dn_key(t, i, &strong)) == 0)
            continue;
        if (count > 0 && dn_follows(t, eq, i)) {
            count++;
            any |= strong;
        } else {
            count = 1;
            any = strong;
            first = i > 0 && t->cp[i - 1] == '/' ? i - 1 : i;
        }
        eq = i + k - 1;
        if (count >= 2 && any) {
            for (e = eq + 1; e < t->n && e - eq < LEAK_SHOW_MAX &&
                 t->cp[e] != '/' && t->cp[e] != ',' && t->cp[e] != ';' &&
                 t->cp[e] != '\n' && t->cp[e] != '"'; e++)
                ;
            snprintf(f->what, sizeof(f->what), "DN");
            f->s = t->org[first];
            f->e = leak_text_end(t, e - 1);
            return 1;
        }
        i = eq;
    }
    return 0;
}
