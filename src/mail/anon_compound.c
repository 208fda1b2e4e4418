/*
 * anon_compound - compound tokens and reverse zones of the token pass
 * (anon_tokens.c): a host or address glued to a file name, PTR-style
 * names, reverse zones, site names among the parts of a compound, and
 * the look-alike conflicts an attacker's host name can raise. Rarer
 * than whole tokens, so kept out of the scanner's file.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
int anon_name_weak(const char *p, size_t n)
{
    size_t i;

    if (n > ANON_WEAK_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!isalpha((unsigned char)p[i]))
            return 0;
    return 1;
}

int anon_all_caps(const char *p, size_t n)
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
        if (!anon_is_cut(t[c]) || anon_is_cut(t[c - 1]))
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
int anon_host_conflict(struct anon_run *r, size_t s, size_t e)
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
            if (q >= e || !(t[q] == '.' || anon_is_part_sep(t[q]))
                || (sep && t[q] != sep))
                return 0;
            sep = t[q++];
        }
        if ((q = ip4_group(t, q, e, &v[i])) == 0)
            return 0;
    }
    if (q < e && !(anon_is_cut(t[q]) && !(q + 1 < e
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
        while (i < lend && !anon_is_part_sep(t[i]))
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

    if (anon_name_weak(t + p, q - p) && (host || !anon_all_caps(t + p, q - p)))
        return 0;
    if (host)
        return conflict(r, p, q, "name", sites_name(r->sites, (size_t)site),
                        strlen(sites_name(r->sites, (size_t)site)));
    return anon_hit_site(r, p, q, site);
}

/* Every part of t[s..e) (split at '.', '_' and '-'), left to right: an
 * address glued in, else a site name among the parts of one label. */
int anon_tok_compound(struct anon_run *r, size_t s, size_t e, int host)
{
    const char *t = r->text;
    char canon[SITES_ADDR_TEXT_MAX];
    size_t p = s, q, lend;
    long site;

    while (p < e) {
        while (p < e && anon_is_cut(t[p]))
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
        if (q == lend || anon_is_part_sep(t[q])) {
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
int anon_tok_dotted(struct anon_run *r, size_t s, size_t e)
{
    const char *t = r->text;
    long site = sites_lookup_name(r->sites, t + s, e - s);
    struct anon_hit h = {HIT_HOST, s, e, -1, 0, NULL, NULL};
    size_t dlen, q;
    int rc = 0;

    if (site >= 0 || memchr(t + s, '.', e - s) == NULL)
        return site >= 0 ? anon_hit_site(r, s, e, site) : anon_tok_compound(r, s, e, 0);
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
    return anon_tok_compound(r, s, e, host_shaped(t, s, e));
}
