/*
 * anon_forms - forms of a site address or domain that the token scanner
 * does not read as one token, found in a pass of their own before it
 * (issue 14; the leak detector held alerts that wrote them):
 *
 *   - a URL host as inet_aton reads it: one integer ("http://3221225985/"),
 *     hex ("0xC0000201"), octal or fewer parts ("0300.0.02.01");
 *   - an IPv4 range, "192.0.2.5-192.0.2.9" or "192.0.2.5-9", whose ends
 *     are each an address of their own;
 *   - a domain written as DC components outside a DN ("DC=example,DC=inst",
 *     "/dc=example/dc=inst", "dc=example dc=inst"), top label first as
 *     grid DNs write them or last as RFC 4514 does;
 *   - an IPv4 address with blanks around its dots ("192 . 0 . 2 . 45",
 *     "192 .0. 2 .45"), up to ANON_V4_BLANKS_MAX each side, as the
 *     detector reads it: the whole span becomes the placeholder;
 *   - an IPv6 address written with '-' for ':' ("2001-db8-77--1" of
 *     "2001-db8-77--1.ipv6-literal.net", or a PTR-style name): the
 *     address, and in an ipv6-literal.net name its zone ("s4"), become
 *     the placeholder; the rest of the name stays
 *     ("[IP-1].ipv6-literal.net", as a reverse zone keeps ".ip6.arpa").
 *
 * Each becomes a span like a rule's, its placeholder the one its plain
 * form is given (an address's [IP-n], a domain's siteN.invalid): the map is
 * keyed by the plain form. Spans here start before an overlapping rule's
 * at the same place (anon.c sorts them first), so a DC run is a domain,
 * not a [DN-n]; a DC run followed by another DN component is a DN and is
 * left to the rules.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_dig(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_dig(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int push(struct anon_run *r, struct anon_spans *sp, size_t s,
                size_t e, enum anon_kind kind, long site, int is_domain,
                const char *key)
{
    struct anon_span *v;

    if (anon_spans_push(sp, s, e, NULL) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory matching forms");
    v = &sp->v[sp->n - 1];
    v->kind = kind;
    v->site = site;
    v->is_domain = is_domain;
    snprintf(v->key, sizeof v->key, "%s", key ? key : "");
    return 0;
}

/* ---- URL hosts as inet_aton reads them ---- */

/* One part: 0x hex, 0 octal, else decimal; -1 when none or over 32 bits. */
static long long aton_part(const char *p, size_t n)
{
    unsigned long long v = 0;
    size_t i = 0;
    int base = 10, d;

    if (n > 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
        base = 16, i = 2;
    else if (n > 1 && p[0] == '0')
        base = 8, i = 1;
    if (i >= n)
        return -1;
    for (; i < n; i++) {
        char c = (char)(p[i] | 0x20);

        d = is_dig(p[i]) ? p[i] - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                              : 99;
        if (d >= base || (v = v * (unsigned)base + (unsigned)d) > 0xffffffffull)
            return -1;
    }
    return (long long)v;
}

/* h[0..n) as an address, dotted into a; -1 when it is none. A plain
 * dotted quad is the token scanner's and is left to it. */
static int aton(const char *h, size_t n, char *a, size_t asize)
{
    long long p[4];
    size_t np = 0, s = 0, i;
    int plain = 1;
    unsigned long v;

    for (i = 0; i <= n; i++)
        if (i == n || h[i] == '.') {
            if (np == 4 || (p[np++] = aton_part(h + s, i - s)) < 0)
                return -1;
            plain &= !(i - s > 1 && h[s] == '0');
            s = i + 1;
        }
    if (np == 4 && plain)
        return -1;
    for (i = 0; i + 1 < np; i++)
        if (p[i] > 255)
            return -1;
    if (p[np - 1] > (long long)(0xffffffffull >> (8 * (np - 1))))
        return -1;
    v = (unsigned long)p[np - 1];
    for (i = 0; i + 1 < np; i++)
        v |= (unsigned long)p[i] << (24 - 8 * i);
    snprintf(a, asize, "%lu.%lu.%lu.%lu", v >> 24 & 255, v >> 16 & 255,
             v >> 8 & 255, v & 255);
    return 0;
}

/* The host of every "scheme://[user@]host" read as inet_aton would. */
static int url_hosts(struct anon_run *r, struct anon_spans *sp)
{
    const char *t = r->text, *p = t;
    char a[ANON_KEY_MAX];
    size_t s, j, n;
    long site;

    while ((p = memmem(p, r->len - (size_t)(p - t), "://", 3)) != NULL) {
        s = (size_t)(p - t) + 3;
        p += 3;
        for (j = s; j < r->len && j - s < ANON_HOST_SCAN_MAX && t[j] != '/'
                    && t[j] != '?' && t[j] != '#' && (unsigned char)t[j] > ' ';
             j++)
            if (t[j] == '@')
                s = j + 1;
        for (n = 0; s + n < j && (is_alnum(t[s + n]) || t[s + n] == '.'); n++)
            ;
        if (n == 0 || (s + n < j && t[s + n] != ':')
            || aton(t + s, n, a, sizeof a) != 0)
            continue;
        site = sites_lookup_addr(r->sites, a, strlen(a));
        if (site >= 0 && push(r, sp, s, s + n, HIT_IP, site, 0, a) != 0)
            return -1;
    }
    return 0;
}

/* ---- IPv4 ranges ---- */

/* A dotted quad at t[p]: its end and the value of its last part in *last;
 * 0 when none. */
static size_t quad(const char *t, size_t len, size_t p, unsigned *last)
{
    size_t q = p, d;
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        for (d = q, v = 0; d < len && is_dig(t[d]) && d - q < 4; d++)
            v = v * 10 + (unsigned)(t[d] - '0');
        if (d == q || d - q > 3 || v > 255 || (i < 3 && (d >= len
                                                           || t[d] != '.')))
            return 0;
        q = i < 3 ? d + 1 : d;
    }
    *last = v;
    return q;
}

/* No letter, digit, '_' or '.'+letter or digit right after t[e]. */
static int range_end_ok(const char *t, size_t len, size_t e)
{
    if (e < len && (is_alnum(t[e]) || t[e] == '_' || t[e] == '-'))
        return 0;
    return !(e + 1 < len && t[e] == '.' && is_alnum(t[e + 1]));
}

/* The span of one end, when it is a site address. */
static int range_end(struct anon_run *r, struct anon_spans *sp, size_t s,
                     size_t e, const char *addr)
{
    long site = sites_lookup_addr(r->sites, addr, strlen(addr));

    return site < 0 ? 0 : push(r, sp, s, e, HIT_IP, site, 0, addr);
}

/* "A-B" at t[p] (A a quad): both ends' spans; the end of it in *next. */
static int range_at(struct anon_run *r, struct anon_spans *sp, size_t p,
                    size_t *next)
{
    const char *t = r->text;
    char a[ANON_KEY_MAX], b[ANON_KEY_MAX];
    size_t e1 = quad(t, r->len, p, &(unsigned){0}), e2, d;
    unsigned last, hi = 0;
    int shrt = 0;

    *next = p + 1;
    if (e1 == 0 || e1 + 1 >= r->len || t[e1] != '-' || !is_dig(t[e1 + 1]))
        return 0;
    *next = e1;
    if ((e2 = quad(t, r->len, e1 + 1, &last)) == 0) {
        for (d = e1 + 1; d < r->len && is_dig(t[d]) && d - e1 <= 3; d++)
            hi = hi * 10 + (unsigned)(t[d] - '0');
        if (d - (e1 + 1) > 3 || hi > 255)
            return 0;
        e2 = d;
        shrt = 1;
    }
    if (!range_end_ok(t, r->len, e2))
        return 0;
    *next = e2;
    snprintf(a, sizeof a, "%.*s", (int)(e1 - p), t + p);
    if (shrt) {
        /* "192.0.2.5-9": the short end is the address ending in it */
        const char *dot = strrchr(a, '.');

        snprintf(b, sizeof b, "%.*s.%u", (int)(dot - a), a, hi);
    } else {
        snprintf(b, sizeof b, "%.*s", (int)(e2 - e1 - 1), t + e1 + 1);
    }
    if (range_end(r, sp, p, e1, a) != 0)
        return -1;
    return range_end(r, sp, e1 + 1, e2, b);
}

static int ranges(struct anon_run *r, struct anon_spans *sp)
{
    const char *t = r->text;
    size_t p = 0, next;

    while (p < r->len) {
        if (!is_dig(t[p]) || (p > 0 && (is_alnum(t[p - 1]) || t[p - 1] == '_'
                                        || t[p - 1] == '.'
                                        || t[p - 1] == '-'))) {
            p++;
            continue;
        }
        if (range_at(r, sp, p, &next) != 0)
            return -1;
        while (next < r->len && is_dig(t[next]))
            next++;
        p = next;
    }
    return 0;
}

/* ---- DC components ---- */

/* "DC = label" at t[p] (any case, blanks around '='): the label's [*ls,
 * *le) and the end; 0 when none. */
static size_t dc_at(const char *t, size_t len, size_t p, size_t *ls,
                    size_t *le)
{
    size_t q = p + 2;

    if (len - p < 4 || (t[p] | 0x20) != 'd' || (t[p + 1] | 0x20) != 'c'
        || (p > 0 && is_alnum(t[p - 1])))
        return 0;
    while (q < len && (t[q] == ' ' || t[q] == '\t'))
        q++;
    if (q >= len || t[q] != '=')
        return 0;
    for (q++; q < len && (t[q] == ' ' || t[q] == '\t'); q++)
        ;
    for (*ls = q; q < len && (is_alnum(t[q]) || t[q] == '-'); q++)
        ;
    *le = q;
    return q > *ls && !(q < len && t[q] == '=') ? q : 0;
}

/* Past the separator between two components at t[p] (blanks, one of
 * "/,;" with blanks around it); p when there is none. */
static size_t dc_sep(const char *t, size_t len, size_t p)
{
    size_t q = p;

    while (q < len && (t[q] == ' ' || t[q] == '\t'))
        q++;
    if (q < len && (t[q] == '/' || t[q] == ',' || t[q] == ';'))
        for (q++; q < len && (t[q] == ' ' || t[q] == '\t'); q++)
            ;
    return q;
}

/* Another DN component ("CN=", "OU = ") at t[p]: the run is a DN. */
static int dn_next(const char *t, size_t len, size_t p)
{
    size_t q = p;

    while (q < len && q - p < ANON_CLASS_MAX && is_alnum(t[q]))
        q++;
    while (q < len && t[q] == ' ')
        q++;
    return q > p && q < len && t[q] == '=';
}

/* The labels as a domain into d, top first (reversed) or as written. */
static void dc_domain(const char *t, const size_t *ls, const size_t *le,
                      size_t n, int rev, char *d, size_t dsize)
{
    size_t i, k, o = 0;

    for (i = 0; i < n && o < dsize; i++) {
        k = rev ? n - 1 - i : i;
        o += (size_t)snprintf(d + o, dsize - o, "%s%.*s", i ? "." : "",
                              (int)(le[k] - ls[k]), t + ls[k]);
    }
}

/* A run of DC components from t[p] (2 or more): its span if it spells a
 * site domain or a host under one; *next past it. */
static int dc_run(struct anon_run *r, struct anon_spans *sp, size_t p,
                  size_t *next)
{
    const char *t = r->text;
    size_t ls[ANON_DC_MAX], le[ANON_DC_MAX], n = 0, q = p, end = p, dlen;
    size_t s = p > 0 && t[p - 1] == '/' ? p - 1 : p;
    char d[ANON_KEY_MAX];
    long site = -1;
    int rev;

    while (n < ANON_DC_MAX && (q = dc_at(t, r->len, q, &ls[n], &le[n])) != 0) {
        end = q;
        n++;
        q = dc_sep(t, r->len, q);
    }
    *next = end > p ? end : p + 1;
    if (n < 2 || dn_next(t, r->len, dc_sep(t, r->len, end)))
        return 0;
    for (rev = 1; rev >= 0 && site < 0; rev--) {
        dc_domain(t, ls, le, n, rev, d, sizeof d);
        site = sites_match_host(r->sites, d, strlen(d), &dlen);
    }
    if (site < 0)
        return 0;
    return push(r, sp, s, end, HIT_HOST, site, dlen == strlen(d), d);
}

static int dc_runs(struct anon_run *r, struct anon_spans *sp)
{
    const char *t = r->text, *p = t;
    size_t i, next;

    while ((p = memchr(p, '=', r->len - (size_t)(p - t))) != NULL) {
        i = (size_t)(p - t);
        p++;
        /* back from the first '=' to its "DC" */
        while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t'))
            i--;
        if (i < 2 || (t[i - 1] | 0x20) != 'c' || (t[i - 2] | 0x20) != 'd')
            continue;
        if (dc_run(r, sp, i - 2, &next) != 0)
            return -1;
        if (next > (size_t)(p - t))
            p = t + next;
    }
    return 0;
}

/* ---- IPv4 with blanks around its dots ---- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Blanks at t[p..), at most ANON_V4_BLANKS_MAX: how many. */
static size_t blanks(const char *t, size_t len, size_t p)
{
    size_t b = 0;

    while (p + b < len && b < ANON_V4_BLANKS_MAX && is_blank(t[p + b]))
        b++;
    return b;
}

/* The separator at t[p] before the next group: '.' with blanks around
 * it, then a digit. Its length, 0 when none; *spaced 1 when it has
 * blanks. */
static size_t v4_sep(const char *t, size_t len, size_t p, int *spaced)
{
    size_t q = p + blanks(t, len, p), b;

    if (q >= len || t[q] != '.')
        return 0;
    b = blanks(t, len, q + 1);
    *spaced = q > p || b > 0;
    q += 1 + b;
    return q < len && is_dig(t[q]) ? q - p : 0;
}

/* Groups of one run: where each starts and ends, its value (-1 when it
 * is no octet) and whether blanks stand before it. */
struct v4_run {
    size_t st[ANON_V4_GROUPS_MAX], en[ANON_V4_GROUPS_MAX], n;
    int val[ANON_V4_GROUPS_MAX], spaced[ANON_V4_GROUPS_MAX];
};

/* The run of groups from t[p] (a digit); its end. */
static size_t v4_run_read(const char *t, size_t len, size_t p,
                          struct v4_run *g)
{
    size_t j = p, k;
    int v, sp = 0;

    for (g->n = 0; g->n < ANON_V4_GROUPS_MAX;) {
        g->st[g->n] = j;
        for (v = 0; j < len && is_dig(t[j]) && j - g->st[g->n] < 4; j++)
            v = v * 10 + (t[j] - '0');
        g->val[g->n] = j - g->st[g->n] <= 3 && v <= 255
                       && !(j < len && is_dig(t[j])) ? v : -1;
        g->spaced[g->n] = sp;
        g->en[g->n++] = j;
        if ((k = v4_sep(t, len, j, &sp)) == 0)
            break;
        j += k;
    }
    return j;
}

/* Every four groups in a row with blanks somewhere between them that
 * make a site address: a span each (four plain dots are the token
 * scanner's). */
static int v4_run_spans(struct anon_run *r, struct anon_spans *sp,
                        const struct v4_run *g)
{
    char a[ANON_KEY_MAX];
    size_t w, k;
    long site;

    for (w = 0; w + 4 <= g->n; w++) {
        for (k = w; k < w + 4 && g->val[k] >= 0; k++)
            ;
        if (k < w + 4 || !(g->spaced[w + 1] || g->spaced[w + 2]
                           || g->spaced[w + 3]))
            continue;
        snprintf(a, sizeof a, "%d.%d.%d.%d", g->val[w], g->val[w + 1],
                 g->val[w + 2], g->val[w + 3]);
        site = sites_lookup_addr(r->sites, a, strlen(a));
        if (site < 0)
            continue;
        if (push(r, sp, g->st[w], g->en[w + 3], HIT_IP, site, 0, a) != 0)
            return -1;
        w += 3;
    }
    return 0;
}

/* A '.' at t[d] with a blank beside it and a group before it: the runs
 * from the groups that start up to ANON_V4_BACK_MAX bytes before it, up
 * to their end; *done past the last. */
static int v4_spaced_at(struct anon_run *r, struct anon_spans *sp, size_t d,
                        size_t from, size_t *done)
{
    const char *t = r->text;
    size_t i = d - from > ANON_V4_BACK_MAX ? d - ANON_V4_BACK_MAX : from;
    size_t q = d;
    struct v4_run g;

    while (q > from && d - q < ANON_V4_BLANKS_MAX && is_blank(t[q - 1]))
        q--;
    if (q == from || !is_dig(t[q - 1]))
        return 0;
    for (*done = d + 1; i < d; i++) {
        if (!is_dig(t[i]) || (i > 0 && is_dig(t[i - 1])))
            continue;
        i = v4_run_read(t, r->len, i, &g);
        if (v4_run_spans(r, sp, &g) != 0)
            return -1;
        if (i > *done)
            *done = i;
    }
    return 0;
}

/* ---- IPv6 with '-' for ':' ---- */

static int is_hex(char c)
{
    return is_dig(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int v6_dash_char(char c)
{
    return is_hex(c) || c == '-';
}

/* t[s..e) could be an IPv6 address with '-' for ':': groups of at most
 * four hex digits, and "--" or eight groups. Dates ("2024-05-11") and
 * ids ("CVE-2024-3094") fail here, before the costlier lookup: they are
 * most of the runs a text has. */
static int v6_dash_shaped(const char *t, size_t s, size_t e)
{
    size_t k, g = 0, dashes = 0;
    int dd = 0;

    for (k = s; k < e; k++) {
        if (t[k] != '-') {
            if (++g > 4)
                return 0;
            continue;
        }
        dd |= k > s && t[k - 1] == '-';
        dashes++;
        g = 0;
    }
    return dd ? dashes <= 8 : dashes == 7;
}

/* t[s..e), a lone '-' at either end left out ("ip-"), each '-' read as
 * ':': the site whose network holds it, or -1. The span in *ps, *pe,
 * the address in a. */
static long v6_dash_lookup(const struct anon_run *r, size_t s, size_t e,
                           size_t *ps, size_t *pe, char *a)
{
    const char *t = r->text;
    size_t k;

    while (s < e && t[s] == '-' && !(s + 1 < e && t[s + 1] == '-'))
        s++;
    while (e > s && t[e - 1] == '-' && !(e > s + 1 && t[e - 2] == '-'))
        e--;
    if (e <= s || e - s > ANON_V6_TEXT_MAX || !v6_dash_shaped(t, s, e))
        return -1;
    for (k = s; k < e; k++)
        a[k - s] = t[k] == '-' ? ':' : (char)text_lower((unsigned char)t[k]);
    a[e - s] = '\0';
    *ps = s;
    *pe = e;
    return sites_lookup_addr(r->sites, a, e - s);
}

/* After an address at t[e]: its zone in an ipv6-literal.net name
 * ("s4.ipv6-literal.net"): the zone's end, else e. */
static size_t v6_zone_end(const char *t, size_t len, size_t e)
{
    static const char suf[] = ".ipv6-literal.net";
    size_t q = e + 1;

    if (e >= len || (t[e] | 0x20) != 's')
        return e;
    while (q < len && is_alnum(t[q]))
        q++;
    return q > e + 1 && len - q >= sizeof suf - 1
           && strncasecmp(t + q, suf, sizeof suf - 1) == 0 ? q : e;
}

/* The run of [0-9a-f-] around the '-' at t[d], from before it at most
 * back to from: as the detector reads it, whole (when no letter but a
 * zone's 's' follows) and, with three '-' or more, from after its first
 * '-' ("dead-2001-db8-..."). Its span if it is a site address; *next
 * past the run. */
static int v6_dash_at(struct anon_run *r, struct anon_spans *sp, size_t d,
                      size_t from, size_t *next)
{
    const char *t = r->text;
    char a[ANON_V6_TEXT_MAX + 1];
    size_t s = d, e, c = 0, first = 0, ps, pe;
    long site = -1;

    while (s > from && v6_dash_char(t[s - 1]))
        s--;
    for (e = s; e < r->len && v6_dash_char(t[e]); e++)
        if (t[e] == '-' && c++ == 0)
            first = e;
    *next = e;
    if (c < 2)
        return 0;
    if (!(e < r->len && is_alnum(t[e]) && (t[e] | 0x20) != 's'))
        site = v6_dash_lookup(r, s, e, &ps, &pe, a);
    if (site < 0 && c >= 3)
        site = v6_dash_lookup(r, first + 1, e, &ps, &pe, a);
    if (site < 0)
        return 0;
    if (pe == e)
        pe = v6_zone_end(t, r->len, e);
    return push(r, sp, ps, pe, HIT_IP, site, 0, a);
}

/* ---- one sweep for both ---- */

/* Where each pass has got to: the runs it read end there. */
struct sweep {
    size_t v4, v6;
};

/* A '.' with a blank beside it at t[k], a candidate for v4_spaced_at. */
static int dot_spaced(const char *t, size_t len, size_t k)
{
    return t[k] == '.' && ((k > 0 && is_blank(t[k - 1]))
                           || (k + 1 < len && is_blank(t[k + 1])));
}

static int sweep_dot(struct anon_run *r, struct anon_spans *sp, size_t k,
                     struct sweep *w)
{
    return k < w->v4 ? 0 : v4_spaced_at(r, sp, k, w->v4, &w->v4);
}

static int sweep_dash(struct anon_run *r, struct anon_spans *sp, size_t k,
                      struct sweep *w)
{
    return k < w->v6 ? 0 : v6_dash_at(r, sp, k, w->v6, &w->v6);
}

/* t[i..end) a byte at a time. */
static int sweep_bytes(struct anon_run *r, struct anon_spans *sp, size_t i,
                       size_t end, struct sweep *w)
{
    for (; i < end; i++) {
        if (dot_spaced(r->text, r->len, i) && sweep_dot(r, sp, i, w) != 0)
            return -1;
        if (r->text[i] == '-' && sweep_dash(r, sp, i, w) != 0)
            return -1;
    }
    return 0;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen bytes at a time. Text is full of dots and dashes (host names,
 * dates), and this pass runs over every text: only a dot with a blank
 * beside it is looked at, and the dashes of a block with three of them
 * or "--" (an address written so has a "--", or seven dashes at most
 * five bytes apart, over three blocks at most: one has three). */
static int sweep_text(struct anon_run *r, struct anon_spans *sp)
{
    const char *t = r->text;
    const __m128i dot = _mm_set1_epi8('.'), dash = _mm_set1_epi8('-');
    const __m128i sp8 = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
    struct sweep w = {0, 0};
    size_t i;

    for (i = 0; r->len - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        unsigned dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, dot));
        unsigned dashes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, dash));
        unsigned bl, near, two;

        if (dots) {
            bl = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(x, sp8), _mm_cmpeq_epi8(x, tab)));
            /* a blank before or after, the neighbours' bytes too */
            near = bl << 1 | bl >> 1 | (i > 0 && is_blank(t[i - 1]))
                   | (unsigned)(i + 16 < r->len && is_blank(t[i + 16])) << 15;
            for (dots &= near; dots; dots &= dots - 1)
                if (sweep_dot(r, sp, i + (size_t)__builtin_ctz(dots), &w) != 0)
                    return -1;
        }
        two = dashes & (dashes - 1);
        if (!(two & (two - 1)) && !(dashes & dashes >> 1)
            && !(dashes >> 15 && i + 16 < r->len && t[i + 16] == '-'))
            continue;
        for (; dashes; dashes &= dashes - 1)
            if (sweep_dash(r, sp, i + (size_t)__builtin_ctz(dashes), &w) != 0)
                return -1;
    }
    return sweep_bytes(r, sp, i, r->len, &w);
}
#else
static int sweep_text(struct anon_run *r, struct anon_spans *sp)
{
    struct sweep w = {0, 0};

    return sweep_bytes(r, sp, 0, r->len, &w);
}
#endif

int anon_form_spans(struct anon_run *r, struct anon_spans *sp)
{
    if (url_hosts(r, sp) != 0 || ranges(r, sp) != 0 || dc_runs(r, sp) != 0
        || sweep_text(r, sp) != 0)
        return -1;
    return 0;
}
