/*
 * anon_tokens - the token pass of one run (step 2 of anon.c's opening
 * comment): the hand-written scanner finds the tokens between the rule
 * spans, and the sites index says what each is: an e-mail address or host
 * name under a site domain, a site address or network, a site name whole,
 * in its dotted parts or in its '_' and '-' parts. Hits go to
 * anon_run_hit. Scanner and look-ups share one file so that the look-ups
 * are inlined into the scanner's loop: a call per token cost 3% of the
 * instructions of a run of the benchmark.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#define ANON_PARTS_MAX 8                  /* '_' parts tried in runs */
#define ANON_LABELS_MAX 128     /* DNS labels a host token holds */
#define ANON_USERINFO_MAX 256   /* bytes looked back for "//user:pw@" */

/* ---- one run: tokens ---- */

static int hit_site(struct anon_run *r, size_t s, size_t e, long site)
{
    struct anon_hit h = {HIT_SITE, s, e, site, 0, NULL};

    return site < 0 ? 0 : anon_run_hit(r, &h);
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
    return h.site < 0 ? 0 : anon_run_hit(r, &h);
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
    return anon_run_hit(r, &h);
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
    return anon_run_hit(r, &h);
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
            return anon_run_hit(r, &h);
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

/* Every token of text[from..to) looked up and handed to anon_run_hit. */
int anon_run_tokens(struct anon_run *r, size_t from, size_t to)
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

