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
#include "util/limits.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- one run: tokens ---- */

int anon_hit_site(struct anon_run *r, size_t s, size_t e, long site)
{
    struct anon_hit h = {HIT_SITE, s, e, site, 0, NULL, NULL};

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

/* An address at a site domain, else (issue 14) a list or role address
 * named after a site ("example-t2-admins@lists.example.org": the local
 * part is a compound), or one at a look-alike of a site domain (a
 * conflict, as for a host). */
static int tok_email(struct anon_run *r, size_t s, size_t e, size_t from)
{
    const char *at = memchr(r->text + s, '@', e - s);
    size_t dlen, hs = (size_t)(at - r->text) + 1;
    struct anon_hit h = {HIT_EMAIL, s, e, -1, 0, NULL, NULL};

    if (is_userinfo(r, s, from))
        return tok_host(r, hs, e);
    h.site = sites_match_host(r->sites, at + 1, e - hs, &dlen);
    if (h.site >= 0)
        return anon_run_hit(r, &h);
    if (anon_host_conflict(r, hs, e) != 0)
        return -1;
    return anon_tok_compound(r, s, hs - 1, 0);
}

/* IPv6 candidates are loose; a stray colon on either side ("ip:2001:db8::1"
 * or "2001:db8::1: refused") is dropped before the address is read. */
static int tok_ip(struct anon_run *r, size_t s, size_t e, size_t from,
                  size_t to, int v6)
{
    const char *t = r->text;
    int net = memchr(t + s, '/', e - s) != NULL;
    struct anon_hit h = {net ? HIT_NET : HIT_IP, s, e, -1, 0, NULL, NULL};

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
    struct anon_hit h = {HIT_HOST, s, e, -1, 0, NULL, NULL};
    size_t dlen;

    if (r->text[e - 1] == '.')
        h.end = --e;    /* the final dot stays, it may end a sentence */
    h.site = sites_match_host(r->sites, r->text + s, e - s, &dlen);
    if (h.site < 0 && sites_is_kept(r->sites, r->text + s, e - s))
        return 0;
    if (h.site < 0)
        return anon_tok_dotted(r, s, e);
    h.is_domain = dlen == e - s;
    return anon_run_hit(r, &h);
}

/* A short name not in capitals as a component of a path ("/tmp/.ral/"):
 * a directory an attacker made, not the site. */
static int in_path(const struct anon_run *r, size_t s, size_t e, size_t to)
{
    const char *t = r->text;

    if (!anon_name_weak(t + s, e - s) || anon_all_caps(t + s, e - s))
        return 0;
    return (s > 0 && (t[s - 1] == '/' || (t[s - 1] == '.' && s > 1
                                          && t[s - 2] == '/')))
        || (e < to && t[e] == '/');
}

/* A word a rule identified elsewhere in the text (anon.c, rule_echoes):
 * 1 when replaced here (0 when not one, -1 on failure). */
static int tok_echo(struct anon_run *r, size_t s, size_t e)
{
    size_t b = ANON_ECHO_BIT(r->text + s, e - s), i;

    if (!(r->echo_filter[b / 64] >> (b % 64) & 1))
        return 0;
    for (i = 0; i < r->necho; i++)
        if (r->echo[i].len == e - s
            && memcmp(r->echo[i].w, r->text + s, e - s) == 0) {
            struct anon_hit h = {HIT_RULE, s, e, -1, 0, r->echo[i].rule,
                                 NULL};

            return anon_run_hit(r, &h) == 0 ? 1 : -1;
        }
    return 0;
}

static int tok_word(struct anon_run *r, size_t s, size_t e, size_t to,
                    int kind, size_t *next)
{
    size_t mlen, i;
    int rc;
    long site = sites_match_word(r->sites, r->text + s, e - s, to - s,
                                 &mlen);

    if (site >= 0) {
        *next = s + mlen;
        if (in_path(r, s, s + mlen, to))
            return 0;
        return anon_hit_site(r, s, s + mlen, site);
    }
    if (r->necho && (rc = tok_echo(r, s, e)) != 0)
        return rc < 0 ? -1 : 0;
    if (kind == TOK_ALNUM)
        return 0;
    /* "dump-2001:db8:77::a.pcap": the word stops at the ':' of an IPv6
     * address glued after '-' or '_'; the scan goes on at the address */
    if (e < to && r->text[e] == ':') {
        i = e;
        while (i > s && isxdigit((unsigned char)r->text[i - 1]))
            i--;
        if (i > s + 1 && i < e && anon_is_part_sep(r->text[i - 1])) {
            *next = i;
            e = i - 1;
        }
    }
    if (kind == TOK_PLAIN) {    /* no '.' nor '-'; '_' rare */
        for (i = s; i < e; i++)
            if (r->text[i] == '_')
                return anon_tok_compound(r, s, e, 0);
        return 0;
    }
    for (i = s; i < e; i++)     /* not memchr: words are short */
        if (r->text[i] == '.')
            return anon_tok_dotted(r, s, e);
    for (i = s; i < e; i++)
        if (anon_is_part_sep(r->text[i]))
            return anon_tok_compound(r, s, e, 0);
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
 *           or DQUAD(?=\.\d{1,5}(?![\w-]|\.\w)) (tcpdump's ADDR.PORT)
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

/* tcpdump's ADDR.PORT ("192.0.2.45.22 > 203.0.113.9.443"): one more
 * group of 1 to 5 digits after the address, and then an end. The address
 * is replaced, the port stays (the leak detector reads the address there
 * too). */
static int ip4_port_ok(const struct anon_run *r, size_t e, size_t to)
{
    size_t d;

    if (!byte_at(r, e, to, '.'))
        return 0;
    d = run_of(r, e + 1, to, CH_DIGIT, 6);
    return d > e + 1 && d - (e + 1) <= 5 && ip4_end_ok(r, d, to);
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
    return ip4_end_ok(r, e, to) || ip4_port_ok(r, e, to) ? e : 0;
}

static size_t m_ip6(const struct anon_run *r, size_t p, size_t to)
{
    size_t q = p, h, d;
    int groups = 0;

    /* '_' too: an address glued into a file name ("dump_2001:db8::1") */
    if (!behind_ok(r, p, CH_W, '.') && r->text[p - 1] != '_')
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
    /* a host cut short before ".LABEL" whose last label the TLD pattern
     * refused ("wn01.grid.inst.example_access_log"): a word, read whole */
    if (dot && behind_ok(r, p, CH_LABEL, -1)
        && (*end = m_domain(r, p, to, 1)) != 0
        && !(byte_at(r, *end, to, '.') && ch_at(r, *end + 1, to, CH_W)))
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

