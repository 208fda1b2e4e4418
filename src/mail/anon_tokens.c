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

static int hit_site(struct anon_run *r, size_t s, size_t e, long site)
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
static int tok_dotted(struct anon_run *r, size_t s, size_t e);
static int tok_compound(struct anon_run *r, size_t s, size_t e, int host);
static int host_conflict(struct anon_run *r, size_t s, size_t e);

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
    if (host_conflict(r, hs, e) != 0)
        return -1;
    return tok_compound(r, s, hs - 1, 0);
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
        return tok_dotted(r, s, e);
    h.is_domain = dlen == e - s;
    return anon_run_hit(r, &h);
}

static int is_part_sep(char c)
{
    return c == '_' || c == '-';
}

static int is_cut(char c)
{
    return c == '.' || c == '_' || c == '-';
}

/* ---- compounds (issue 14) ----
 *
 * A token that is not an identifier whole may hold one: a host or an
 * address glued to a file name ("log_192.0.2.45_ssh.txt",
 * "ui01.grid.inst.example-secure.log"), a PTR-style name
 * ("ip-192-0-2-45.example"), a reverse zone, a site name among the parts
 * of a storage name or a list address ("EXAMPLE-T2_DATADISK",
 * "example-t2-admins"). An attacker's host name is different: it is an
 * indicator, and is never rewritten label by label
 * ("ral.update-cdn.example.net" stays when RAL is a site); one that
 * embeds a site domain or a site's distinctive name is a conflict the
 * officer decides (the apply fails, the alert is held). */

/* File name extensions: a dotted token ending in one is a file name, not
 * a host ("wn01.grid.inst.example.log"). Country codes that are also
 * extensions (pl, sh, md) are left out: there the token is a host. */
static int is_file_ext(const char *p, size_t n)
{
    static const char *const ext[] = {
        "log", "txt", "gz", "tgz", "bz2", "xz", "zst", "zip", "tar", "pdf",
        "csv", "json", "xml", "yaml", "yml", "html", "htm", "out", "err",
        "pcap", "pcapng", "bak", "old", "conf", "cfg", "eml", "ini", "dat",
        "bin", "img", "iso", "core", "dump", "tmp", "lst", "sha256", "asc"};
    size_t i;

    /* asked of most dotted tokens of a text: the length and the first
     * letter turn nearly all away before a comparison */
    if (n < 2 || n > 6)
        return 0;
    for (i = 0; i < sizeof ext / sizeof *ext; i++)
        if (ext[i][0] == text_lower((unsigned char)p[0])
            && strlen(ext[i]) == n && strncasecmp(ext[i], p, n) == 0)
            return 1;
    return 0;
}

/* The last label of t[s..e) */
static size_t last_label(const char *t, size_t s, size_t e)
{
    size_t q = e;

    while (q > s && t[q - 1] != '.')
        q--;
    return q;
}

/* t[s..e) reads as a host name, not a file name: its last label starts
 * with a letter and is no file name extension. */
static int host_shaped(const char *t, size_t s, size_t e)
{
    size_t q = last_label(t, s, e);

    return q > s && q < e && isalpha((unsigned char)t[q])
        && !is_file_ext(t + q, e - q);
}

/* A short name of letters only ("RAL", "CERN") is also a word or a part
 * of one; inside a compound, a path or a host it counts only written in
 * capitals, as sites write it ("RAL-LCG2", not "ral_backdoor"). */
static int name_weak(const char *p, size_t n)
{
    size_t i;

    if (n > ANON_WEAK_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalpha((unsigned char)p[i]))
            return 0;
    return 1;
}

static int all_caps(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (islower((unsigned char)p[i]))
            return 0;
    return 1;
}

/* What was found is name[0..nlen): a site's name, or the site domain
 * inside the indicator (as written, lower-cased by the reader). */
static int conflict(struct anon_run *r, size_t s, size_t e, const char *what,
                    const char *name, size_t nlen)
{
    char show[ANON_SHOW_MAX], nshow[ANON_SHOW_MAX];

    return err_set(r->e, ERR_DATA, "conflict: indicator \"%s\" embeds site "
                   "%s %s (alert held: an officer decides)",
                   text_show(r->text + s, e - s, show, sizeof show), what,
                   text_show(name, nlen, nshow, sizeof nshow));
}

/* The longest prefix of t[s..e) under a site domain (and not kept) that
 * ends where a label or a part ends: its end in *q, the site or -1. At
 * most ANON_CUTS_MAX cuts are tried, from the right. */
static long host_prefix(const struct anon_run *r, size_t s, size_t e,
                        size_t *q, size_t *dlen)
{
    const char *t = r->text;
    size_t c = e, tried = 0;
    long site;

    for (c = e - 1; c > s && tried < ANON_CUTS_MAX; c--) {
        if (!is_cut(t[c]) || is_cut(t[c - 1]))
            continue;
        tried++;
        site = sites_match_host(r->sites, t + s, c - s, dlen);
        if (site >= 0 && !sites_is_kept(r->sites, t + s, c - s)) {
            *q = c;
            return site;
        }
    }
    return -1;
}

/* Suffixes of a site's own internal names ("wn01.inst.example.local"). */
static int is_local_tld(const char *p, size_t n)
{
    static const char *const tld[] = {"local", "lan", "internal", "intranet",
                                      "localdomain", "home", "corp", "priv"};
    size_t i;

    for (i = 0; i < sizeof tld / sizeof *tld; i++)
        if (strlen(tld[i]) == n && strncasecmp(tld[i], p, n) == 0)
            return 1;
    return 0;
}

/* One label that is a capitalised word: a sentence that goes on without
 * a blank after the full stop ("...inst.example.Then"). */
static int is_prose_word(const char *t, size_t q, size_t e)
{
    size_t i;

    if (e - q < 2 || !isupper((unsigned char)t[q]))
        return 0;
    for (i = q + 1; i < e; i++)
        if (!islower((unsigned char)t[i]))
            return 0;
    return 1;
}

/* The tail t[q..e) after a host under a site domain: a file name
 * ("-secure.log", ".tar.gz", "_access_log"), the site's own internal
 * suffix (".local"), the next sentence, or more of a host name
 * (".badactor.example": a look-alike, the only case that is not the
 * site's). */
static int tail_is_file(const char *t, size_t q, size_t e)
{
    size_t l;

    if (memchr(t + q, '.', e - q) == NULL || !host_shaped(t, q, e))
        return 1;
    l = last_label(t, q, e);
    return is_local_tld(t + l, e - l)
        || (l == q + 1 && is_prose_word(t, l, e));
}

/* A host name (or the domain of an address) that is not under a site
 * domain: a conflict when a site domain is its prefix and more host name
 * follows. */
static int host_conflict(struct anon_run *r, size_t s, size_t e)
{
    size_t q, dlen;
    long site = host_prefix(r, s, e, &q, &dlen);

    if (site < 0 || tail_is_file(r->text, q, e))
        return 0;
    return conflict(r, s, e, "domain", r->text + q - dlen, dlen);
}

/* Digits of one IPv4 group at t[p..): 1 to 3, value at most 255. */
static size_t ip4_group(const char *t, size_t p, size_t e, unsigned *v)
{
    size_t i;

    for (*v = 0, i = p; i < e && i - p < 3 && isdigit((unsigned char)t[i]);
         i++)
        *v = *v * 10 + (unsigned)(t[i] - '0');
    return i > p && *v <= 255 && (i == e || !isdigit((unsigned char)t[i]))
               ? i : 0;
}

/* An IPv4 address glued into a compound at p: four groups joined by '.'
 * (after '_' or '-': "report_192.0.2.46.txt") or by '-' or '_' (a PTR
 * name: "ip-192-0-2-45.example"), then the end of the token or a
 * separator not followed by a digit. Its end, or 0; canon gets the
 * dotted form. */
static size_t glued_ip4(const char *t, size_t p, size_t e, char *canon,
                        size_t size)
{
    unsigned v[4];
    size_t q = p;
    char sep = 0;
    int i;

    for (i = 0; i < 4; i++) {
        if (i > 0) {
            if (q >= e || !(t[q] == '.' || is_part_sep(t[q]))
                || (sep && t[q] != sep))
                return 0;
            sep = t[q++];
        }
        if ((q = ip4_group(t, q, e, &v[i])) == 0)
            return 0;
    }
    if (q < e && !(is_cut(t[q]) && !(q + 1 < e
                                     && isdigit((unsigned char)t[q + 1]))))
        return 0;
    snprintf(canon, size, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return q;
}

static int hit_addr(struct anon_run *r, size_t s, size_t e, const char *key,
                    int net, long site)
{
    struct anon_hit h = {net ? HIT_NET : HIT_IP, s, e, site, 0, NULL, key};

    return site < 0 ? 0 : anon_run_hit(r, &h);
}

/* A site name among the parts of t[p..) up to the end of its label: the
 * longest run of up to ANON_PARTS_MAX parts, split at '_' and '-'. Its
 * end in *q (else the first part's end) and the site, or -1. */
static long parts_name(const struct anon_run *r, size_t p, size_t lend,
                       size_t *q)
{
    const char *t = r->text;
    size_t ends[ANON_PARTS_MAX], n = 0, i;
    long site;

    for (i = p; i < lend && n < ANON_PARTS_MAX; i++) {
        while (i < lend && !is_part_sep(t[i]))
            i++;
        ends[n++] = i;
    }
    *q = n ? ends[0] : lend;
    for (; n > 0; n--) {
        site = sites_lookup_name(r->sites, t + p, ends[n - 1] - p);
        if (site >= 0) {
            *q = ends[n - 1];
            return site;
        }
    }
    return -1;
}

/* A name found in a compound: replaced; in an attacker's host (host 1) a
 * conflict; a short name not in capitals stays (name_weak). */
static int compound_name(struct anon_run *r, size_t p, size_t q, long site,
                         int host)
{
    const char *t = r->text;

    if (name_weak(t + p, q - p) && (host || !all_caps(t + p, q - p)))
        return 0;
    if (host)
        return conflict(r, p, q, "name", sites_name(r->sites, (size_t)site),
                        strlen(sites_name(r->sites, (size_t)site)));
    return hit_site(r, p, q, site);
}

/* Every part of t[s..e) (split at '.', '_' and '-'), left to right: an
 * address glued in, else a site name among the parts of one label. */
static int tok_compound(struct anon_run *r, size_t s, size_t e, int host)
{
    const char *t = r->text;
    char canon[SITES_ADDR_TEXT_MAX];
    size_t p = s, q, lend;
    long site;

    while (p < e) {
        while (p < e && is_cut(t[p]))
            p++;
        if (p >= e)
            break;
        if (isdigit((unsigned char)t[p]) && (p == s || t[p - 1] != '.')
            && (q = glued_ip4(t, p, e, canon, sizeof canon)) != 0) {
            site = sites_lookup_addr(r->sites, canon, strlen(canon));
            if (hit_addr(r, p, q, canon, 0, site) != 0)
                return -1;
            p = q;
            continue;
        }
        for (lend = p; lend < e && t[lend] != '.'; lend++)
            ;
        /* a run starting with a number ("2024-05-11") is no name */
        for (q = p; q < lend && isdigit((unsigned char)t[q]); q++)
            ;
        if (q == lend || is_part_sep(t[q])) {
            p = q;
            continue;
        }
        site = parts_name(r, p, lend, &q);
        if (site >= 0 && compound_name(r, p, q, site, host) != 0)
            return -1;
        p = q;
    }
    return 0;
}

/* ---- reverse zones ---- */

/* asked of every dotted token: the last byte turns nearly all away */
static int suffix_ci(const char *t, size_t s, size_t e, const char *suf,
                     size_t n)
{
    return e - s > n && text_lower((unsigned char)t[e - 1]) == suf[n - 1]
        && strncasecmp(t + e - n, suf, n) == 0;
}

/* "45.2.0.192.in-addr.arpa": the address (or for fewer labels the
 * network) in canon; the end of the labels in *q. 1 for an address, 2
 * for a network, 0 when it is none. */
static int rev4(const char *t, size_t s, size_t e, size_t *q, char *canon,
                size_t size)
{
    unsigned v[4] = {0, 0, 0, 0}, x;
    size_t p = s, n = 0, k, z = e - strlen(".in-addr.arpa");

    while (p < z && n < 4) {
        k = ip4_group(t, p, z, &x);
        if (k == 0 || (k < z && t[k] != '.'))
            return 0;
        v[n++] = x;
        p = k + (k < z);
    }
    if (p != z || t[z - 1] == '.' || n == 0)
        return 0;
    *q = z;
    if (n == 4) {
        snprintf(canon, size, "%u.%u.%u.%u", v[3], v[2], v[1], v[0]);
        return 1;
    }
    for (k = 0; k < n / 2; k++) {
        x = v[k];
        v[k] = v[n - 1 - k];
        v[n - 1 - k] = x;
    }
    snprintf(canon, size, "%u.%u.%u.%u/%zu", v[0], v[1], v[2], v[3], n * 8);
    return 2;
}

/* "b.a.9.8.7.6.5.4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.
 * arpa": nibbles, reversed; fewer than 32 name a network. As rev4. */
static int rev6(const char *t, size_t s, size_t e, size_t *q, char *canon,
                size_t size)
{
    char nib[32];
    size_t p = s, n = 0, z = e - strlen(".ip6.arpa"), i, o = 0;

    while (p < z && n < 32) {
        if (!isxdigit((unsigned char)t[p]) || (p + 1 < z && t[p + 1] != '.'))
            return 0;
        nib[n++] = (char)text_lower((unsigned char)t[p]);
        p += 2;
    }
    if (p != z + 1 || n == 0)
        return 0;
    *q = z;
    for (i = 0; i < 32; i++) {
        canon[o++] = i < n ? nib[n - 1 - i] : '0';
        if (i % 4 == 3 && i < 31)
            canon[o++] = ':';
    }
    canon[o] = '\0';
    if (n < 32)
        snprintf(canon + o, size - o, "/%zu", n * 4);
    return n < 32 ? 2 : 1;
}

/* A reverse zone of a site address or network: the labels that spell it
 * replaced, ".in-addr.arpa" kept. 1 when t[s..e) was one (hit or not). */
static int tok_reverse(struct anon_run *r, size_t s, size_t e, int *rc)
{
    char canon[SITES_ADDR_TEXT_MAX];
    size_t q;
    int kind = 0;
    long site;

    if (suffix_ci(r->text, s, e, ".in-addr.arpa", sizeof ".in-addr.arpa" - 1))
        kind = rev4(r->text, s, e, &q, canon, sizeof canon);
    else if (suffix_ci(r->text, s, e, ".ip6.arpa", sizeof ".ip6.arpa" - 1))
        kind = rev6(r->text, s, e, &q, canon, sizeof canon);
    if (kind == 0)
        return 0;
    site = kind == 1 ? sites_lookup_addr(r->sites, canon, strlen(canon))
                     : sites_lookup_net(r->sites, canon, strlen(canon));
    *rc = hit_addr(r, s, q, canon, kind == 2, site);
    return 1;
}

/* A dotted token that is neither under a site domain nor a name whole
 * ("LCG.Example.xx" is): a reverse zone; a host under a site domain with
 * a file name glued to it ("wn01.grid.inst.example.log", "...-secure.log",
 * "..._access_log"), or a look-alike (conflict); then its parts as a
 * compound, an attacker's host name without replacing names in it. */
static int tok_dotted(struct anon_run *r, size_t s, size_t e)
{
    const char *t = r->text;
    long site = sites_lookup_name(r->sites, t + s, e - s);
    struct anon_hit h = {HIT_HOST, s, e, -1, 0, NULL, NULL};
    size_t dlen, q;
    int rc = 0;

    if (site >= 0 || memchr(t + s, '.', e - s) == NULL)
        return site >= 0 ? hit_site(r, s, e, site) : tok_compound(r, s, e, 0);
    if (tok_reverse(r, s, e, &rc))
        return rc;
    /* whole too: a word token is host-shaped once a neighbour is
     * replaced ("::1inst.example" -> "[IP-1]inst.example") */
    h.site = sites_match_host(r->sites, t + s, e - s, &dlen);
    if (h.site >= 0 && !sites_is_kept(r->sites, t + s, e - s)) {
        h.is_domain = dlen == e - s;
        return anon_run_hit(r, &h);
    }
    h.site = host_prefix(r, s, e, &q, &dlen);
    if (h.site >= 0) {
        if (!tail_is_file(t, q, e))
            return conflict(r, s, e, "domain", t + q - dlen, dlen);
        h.end = q;
        h.is_domain = dlen == q - s;
        return anon_run_hit(r, &h);
    }
    return tok_compound(r, s, e, host_shaped(t, s, e));
}

/* A short name not in capitals as a component of a path ("/tmp/.ral/"):
 * a directory an attacker made, not the site. */
static int in_path(const struct anon_run *r, size_t s, size_t e, size_t to)
{
    const char *t = r->text;

    if (!name_weak(t + s, e - s) || all_caps(t + s, e - s))
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
        return hit_site(r, s, s + mlen, site);
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
        if (i > s + 1 && i < e && is_part_sep(r->text[i - 1])) {
            *next = i;
            e = i - 1;
        }
    }
    if (kind == TOK_PLAIN) {    /* no '.' nor '-'; '_' rare */
        for (i = s; i < e; i++)
            if (r->text[i] == '_')
                return tok_compound(r, s, e, 0);
        return 0;
    }
    for (i = s; i < e; i++)     /* not memchr: words are short */
        if (r->text[i] == '.')
            return tok_dotted(r, s, e);
    for (i = s; i < e; i++)
        if (is_part_sep(r->text[i]))
            return tok_compound(r, s, e, 0);
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

