/*
 * indicators - finding an alert's attacker indicators and writing them
 * as CSV (indicators.h); the STIX bundle is indicators_stix.c's.
 *
 * The scanner here is deliberately simple and ASCII: it proposes
 * candidates, and the anonymiser decides. A candidate it misses stays in
 * the prose (where the receivers still read it); a victim identifier it
 * proposes is turned away by anon_scan, and on an anonymised list the
 * copy's leak check reads the attachments as it reads the body.
 */
#include "mail/indicators.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/csv.h"
#include "util/fault.h"

struct indicators *indicators_new(void)
{
    return calloc(1, sizeof(struct indicators));
}

void indicators_free(struct indicators *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++) {
        free(s->v[i].value);
        free(s->v[i].context);
    }
    free(s->v);
    free(s);
}

const char *indicators_type_name(enum ind_type t)
{
    static const char *const names[] = {
        "ipv4", "ipv6", "ipv4-net", "ipv6-net", "domain", "url", "email",
        "md5", "sha1", "sha256", "sha512", "cve",
    };

    return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* ---- one candidate -------------------------------------------------- */

/* A candidate as found: its span in the text and its value refanged. */
struct ind_cand {
    enum ind_type type;
    size_t s, e;                        /* span, as written */
    char value[INDICATOR_VALUE_MAX + 1];
};

/* The scan's state: the text, the current line, what decides. */
struct ind_scan {
    struct indicators *set;
    const struct anon *a;
    const struct sites *sites;
    const char *own;                    /* the gateway's domain, or "" */
    const char *t;
    size_t len;
    size_t ls, le;                      /* the current line [ls, le) */
    int line_clean;                     /* -1: not yet asked */
    struct err *e;
};

static int ind_tokch(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '@' ||
           c == '%' || c == '+' || c == ':';
}

/* A defanged separator at t[i] ("[.]", "(.)", "{.}", "[@]", "[:]"): its
 * length and what it stands for in *c; 0 when none. */
static size_t ind_defang(const char *t, size_t i, size_t len, char *c)
{
    if (i + 2 < len && strchr("[({", t[i]) && strchr(".@:", t[i + 1]) &&
        t[i + 2] == (t[i] == '[' ? ']' : t[i] == '(' ? ')' : '}')) {
        *c = t[i + 1];
        return 3;
    }
    return 0;
}

/* The token at i: its end, and its value refanged into v (n bytes at
 * most); 0 when too long. */
static size_t ind_token(const char *t, size_t i, size_t len, char *v,
                        size_t n)
{
    size_t k = 0, d;
    char c;

    while (i < len) {
        if ((d = ind_defang(t, i, len, &c)) > 0) {
            i += d;
        } else if (ind_tokch((unsigned char)t[i])) {
            c = t[i++];
        } else {
            break;
        }
        if (k >= n)
            return 0;
        v[k++] = c;
    }
    v[k] = '\0';
    return i;
}

static int ind_all(const char *p, size_t n, int (*is)(int))
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!is((unsigned char)p[i]))
            return 0;
    return n > 0;
}

/* File names look like host names ("loader.sh", "report.pdf"): a last
 * label that is a common file extension makes a name no domain. */
static int ind_file_ext(const char *p, size_t n)
{
    static const char *const ext[] = {
        "sh", "py", "pl", "rb", "txt", "log", "pdf", "exe", "dll", "zip",
        "gz", "tgz", "bz2", "xz", "tar", "so", "conf", "cfg", "ini", "php",
        "js", "html", "htm", "jsp", "asp", "doc", "docx", "xls", "xlsx",
        "csv", "json", "xml", "yml", "yaml", "md", "rpm", "deb", "bin",
        "dat", "tmp", "bak", "old", "sig", "asc", "pem", "key", "crt",
        "png", "jpg", "gif", "out", "err", "pid", "sock", "lock", "jar",
        "war", "elf", "img", "iso", "ps1", "bat", "vbs", "c", "h", "o",
    };
    size_t i;

    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (strlen(ext[i]) == n && strncasecmp(p, ext[i], n) == 0)
            return 1;
    return 0;
}

/* A DNS name of two labels or more whose last is letters of one case
 * (so that "end.The", a missing space, is none) and no file extension. */
static int ind_is_domain(const char *v)
{
    const char *tld = strrchr(v, '.'), *p;
    size_t n, lab = 0;

    if (tld == NULL || tld == v || strlen(v) > 253)
        return 0;
    for (p = v; *p; p++) {
        if (*p == '.') {
            if (lab == 0 || p[-1] == '-')
                return 0;
            lab = 0;
        } else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
            if (lab == 0 && *p == '-')
                return 0;
            if (++lab > 63)
                return 0;
        } else {
            return 0;
        }
    }
    tld++;
    n = strlen(tld);
    if (n < 2 || !ind_all(tld, n, isalpha) || ind_file_ext(tld, n))
        return 0;
    return ind_all(tld, n, islower) || ind_all(tld, n, isupper);
}

static void ind_lower(char *v)
{
    for (; *v; v++)
        *v = (char)tolower((unsigned char)*v);
}

static int ind_ip(const char *v, int af)
{
    unsigned char b[16];

    return inet_pton(af, v, b) == 1;
}

/* "/LEN" after an address makes it a network. */
static size_t ind_prefix(const char *t, size_t i, size_t len, int max,
                         char *v, size_t n)
{
    size_t j = i + 1;
    int bits = 0;

    if (i >= len || t[i] != '/')
        return i;
    while (j < len && isdigit((unsigned char)t[j]) && j - i <= 3)
        bits = bits * 10 + (t[j++] - '0');
    /* a full stop or colon after it ends the sentence, not the token */
    if (j == i + 1 || bits > max ||
        (j < len && ind_tokch((unsigned char)t[j]) &&
         !(strchr(".:", t[j]) &&
           (j + 1 >= len || !ind_tokch((unsigned char)t[j + 1])))))
        return i;
    if (strlen(v) + (j - i) + 1 > n)
        return i;
    strncat(v, t + i, j - i);
    return j;
}

static int ind_cve(char *v)
{
    size_t n = strlen(v);

    if (n < 13 || strncasecmp(v, "CVE-", 4) != 0 ||
        !ind_all(v + 4, 4, isdigit) || v[8] != '-' ||
        !ind_all(v + 9, n - 9, isdigit))
        return 0;
    v[0] = 'C';
    v[1] = 'V';
    v[2] = 'E';
    return 1;
}

static int ind_hash(char *v, enum ind_type *type)
{
    size_t n = strlen(v);

    if (!ind_all(v, n, isxdigit))
        return 0;
    if (n == 32)
        *type = IND_MD5;
    else if (n == 40)
        *type = IND_SHA1;
    else if (n == 64)
        *type = IND_SHA256;
    else if (n == 128)
        *type = IND_SHA512;
    else
        return 0;
    ind_lower(v);
    return 1;
}

/* Drop what prose puts after a token: a full stop, a colon, a dash. */
static void ind_trim(char *v)
{
    size_t n = strlen(v);

    while (n > 0 && strchr(".:-_", v[n - 1]))
        v[--n] = '\0';
}

/* host:port as a host; an IPv6 address keeps its colons. */
static void ind_unport(char *v)
{
    char *c = strrchr(v, ':');

    if (c && c != v && strchr(v, ':') == c && ind_all(c + 1, strlen(c + 1),
                                                      isdigit))
        *c = '\0';
}

/* What the word at t[s..] is, into c: 1 when an indicator's shape. */
static int ind_classify(const char *t, size_t s, size_t len,
                        struct ind_cand *c)
{
    char *v = c->value, *at;
    size_t e = ind_token(t, s, len, v, INDICATOR_VALUE_MAX - 4);

    if (e == 0)
        return 0;
    c->s = s;
    c->e = e;
    if (!ind_ip(v, AF_INET6))   /* "2001:db8::" ends in colons */
        ind_trim(v);
    if (ind_cve(v)) {
        c->type = IND_CVE;
        return 1;
    }
    if (ind_hash(v, &c->type))
        return 1;
    if ((at = strchr(v, '@')) != NULL) {
        c->type = IND_EMAIL;
        if (at == v || strchr(at + 1, '@') != NULL || !ind_is_domain(at + 1))
            return 0;
        ind_lower(at);
        return 1;
    }
    if (ind_ip(v, AF_INET6) && strchr(v, ':') != strrchr(v, ':')) {
        c->type = IND_IPV6;
        ind_lower(v);
        c->e = ind_prefix(t, e, len, 128, v, INDICATOR_VALUE_MAX);
        c->type = c->e > e ? IND_NET6 : IND_IPV6;
        return 1;
    }
    ind_unport(v);
    if (ind_ip(v, AF_INET)) {
        c->e = ind_prefix(t, e, len, 32, v, INDICATOR_VALUE_MAX);
        c->type = c->e > e ? IND_NET4 : IND_IPV4;
        return 1;
    }
    c->type = IND_DOMAIN;
    if (!ind_is_domain(v))
        return 0;
    ind_lower(v);
    return 1;
}

/* A URL at t[s..]: scheme (hxxp defanged too), then up to white space
 * or a character no URL holds unescaped; prose punctuation trimmed. */
static int ind_url(const char *t, size_t s, size_t len, struct ind_cand *c)
{
    static const char *const schemes[] = {"https://", "http://", "hxxps://",
                                          "hxxp://", "ftp://"};
    size_t i, e, k = 0, d;
    char ch;

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (len - s >= strlen(schemes[i]) &&
            strncasecmp(t + s, schemes[i], strlen(schemes[i])) == 0)
            break;
    if (i == sizeof(schemes) / sizeof(schemes[0]))
        return 0;
    for (e = s; e < len && k < INDICATOR_VALUE_MAX; ) {
        unsigned char u = (unsigned char)t[e];
        if ((d = ind_defang(t, e, len, &ch)) > 0) {
            e += d;
        } else if (u > 0x20 && u < 0x7f && !strchr("<>\"'`{}|\\^", u)) {
            ch = t[e++];
        } else {
            break;
        }
        c->value[k++] = ch;
    }
    while (k > 0 && strchr(".,;:!?)]", c->value[k - 1])) {
        k--;
        e--;
    }
    c->value[k] = '\0';
    if (strncasecmp(c->value, "hxxp", 4) == 0)
        memcpy(c->value, "http", 4);
    c->type = IND_URL;
    c->s = s;
    c->e = e;
    return strstr(c->value, "://")[3] != '\0';
}

/* ---- deciding ------------------------------------------------------- */

/* The host of a value: a domain, an e-mail's domain, a URL's. */
static void ind_host(const struct ind_cand *c, char *h, size_t n)
{
    const char *v = c->value, *p = "";
    size_t k;

    if (c->type == IND_DOMAIN) {
        p = v;
    } else if (c->type == IND_EMAIL) {
        p = strchr(v, '@') + 1;
    } else if (c->type == IND_URL) {
        p = strstr(v, "://") + 3;
        if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, "/?#"))
            p = strchr(p, '@') + 1;
    }
    k = c->type == IND_URL ? strcspn(p, ":/?#") : strlen(p);
    if (k >= n)     /* longer than any DNS name: none */
        k = 0;
    memcpy(h, p, k);
    h[k] = '\0';
}

static int ind_under(const char *h, const char *dom)
{
    size_t hn = strlen(h), dn = strlen(dom);

    if (dn == 0 || hn < dn || strcasecmp(h + hn - dn, dom) != 0)
        return 0;
    return hn == dn || h[hn - dn - 1] == '.';
}

/* 1: not an attacker's (keep-list, the gateway's own, a placeholder). */
static int ind_not_attacker(const struct ind_scan *sc,
                            const struct ind_cand *c)
{
    char h[256];

    ind_host(c, h, sizeof(h));
    if (h[0] == '\0')
        return 0;
    return ind_under(h, "invalid") || ind_under(h, "localhost") ||
           ind_under(h, sc->own) ||
           (sc->sites && sites_is_kept(sc->sites, h, strlen(h)));
}

/* 1 when t[s..e) names no victim, 0 when it does, -1 on an error. */
static int ind_clean(const struct ind_scan *sc, const char *p, size_t n)
{
    struct err se;

    err_init(&se);
    /* the test seam that shows the copy's leak check reading the
     * attachments: victims pass here, and that check must hold it */
    if (fault_hit("indicators-unfiltered"))
        return 1;
    if (anon_scan(sc->a, p, n, "indicator", &se) == 0)
        return 1;
    if (se.code == ERR_LEAK)
        return 0;
    *sc->e = se;
    return -1;
}

/* ---- the set -------------------------------------------------------- */

static struct indicator *ind_find(struct indicators *s, enum ind_type type,
                                  const char *v)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->v[i].type == type &&
            (type == IND_URL ? strcmp(s->v[i].value, v)
                             : strcasecmp(s->v[i].value, v)) == 0)
            return &s->v[i];
    return NULL;
}

/* The line [ls, le) with its white space collapsed, cut at a character
 * boundary: a new string, NULL when memory ran out. */
static char *ind_context(const char *t, size_t ls, size_t le)
{
    char *out = malloc(INDICATOR_CONTEXT_MAX + 1);
    size_t k = 0, i;

    if (out == NULL)
        return NULL;
    for (i = ls; i < le && k < INDICATOR_CONTEXT_MAX; i++) {
        unsigned char u = (unsigned char)t[i];
        if (isspace(u) || u < 0x20 || u == 0x7f) {
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
        } else {
            out[k++] = (char)u;
        }
    }
    if (i < le) {   /* cut: no character split at the end */
        while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)out[k - 1] >= 0xc0)
            k--;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    return out;
}

/* The time after "KEY seen" on the line, as "YYYY-MM-DDTHH:MM:SSZ"
 * (UTC, as alerts state their times); "" when none. */
static void ind_seen(const char *t, size_t ls, size_t le, const char *key,
                     char out[24])
{
    size_t i, j, k = strlen(key);
    char d[20];

    out[0] = '\0';
    for (i = ls; i + k + 5 <= le; i++) {
        if (strncasecmp(t + i, key, k) != 0 ||
            !strchr(" _-", t[i + k]) || strncasecmp(t + i + k + 1, "seen", 4))
            continue;
        j = i + k + 5;
        while (j < le && strchr(" \t:=", t[j]))
            j++;
        if (j + 3 < le && strncasecmp(t + j, "at ", 3) == 0)
            j += 3;
        if (le - j < 16 || !isdigit((unsigned char)t[j]) || t[j + 4] != '-' ||
            t[j + 7] != '-' || !strchr("T ", t[j + 10]) || t[j + 13] != ':')
            continue;
        memcpy(d, t + j, 16);
        d[10] = 'T';
        if (le - j >= 19 && t[j + 16] == ':')
            memcpy(d + 16, t + j + 16, 3);
        else
            memcpy(d + 16, ":00", 3);
        d[19] = '\0';
        for (k = 0; k < 19; k++)
            if (!(isdigit((unsigned char)d[k]) || strchr("-T:", d[k])))
                return;
        snprintf(out, 24, "%sZ", d);
        return;
    }
}

static void ind_merge_seen(struct indicator *x, const char *first,
                           const char *last)
{
    if (first[0] && (x->first_seen[0] == '\0' ||
                     strcmp(first, x->first_seen) < 0))
        snprintf(x->first_seen, sizeof(x->first_seen), "%s", first);
    if (last[0] && strcmp(last, x->last_seen) > 0)
        snprintf(x->last_seen, sizeof(x->last_seen), "%s", last);
}

static int ind_add(struct ind_scan *sc, const struct ind_cand *c)
{
    struct indicators *s = sc->set;
    struct indicator *x = ind_find(s, c->type, c->value), *nv;
    char first[24], last[24];

    ind_seen(sc->t, sc->ls, sc->le, "first", first);
    ind_seen(sc->t, sc->ls, sc->le, "last", last);
    if (x != NULL) {
        ind_merge_seen(x, first, last);
        return 0;
    }
    if (s->n >= INDICATORS_MAX) {
        s->dropped++;
        return 0;
    }
    if (sc->line_clean < 0 &&
        (sc->line_clean = ind_clean(sc, sc->t + sc->ls, sc->le - sc->ls)) < 0)
        return -1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        if ((nv = realloc(s->v, cap * sizeof(*nv))) == NULL)
            return err_set(sc->e, ERR_NOMEM, "out of memory");
        s->v = nv;
        s->cap = cap;
    }
    x = &s->v[s->n];
    memset(x, 0, sizeof(*x));
    x->type = c->type;
    x->value = strdup(c->value);
    x->context = ind_context(sc->t, sc->ls, sc->le);
    x->context_clean = sc->line_clean;
    if (x->value == NULL || x->context == NULL) {
        free(x->value);
        free(x->context);
        return err_set(sc->e, ERR_NOMEM, "out of memory");
    }
    s->n++;
    ind_merge_seen(x, first, last);
    return 0;
}

/* The candidate c, if it is an attacker's. */
static int ind_consider(struct ind_scan *sc, const struct ind_cand *c)
{
    int clean;

    if (c->type != IND_CVE && !(c->type >= IND_MD5 && c->type <= IND_SHA512)
        && ind_not_attacker(sc, c))
        return 0;
    clean = ind_clean(sc, sc->t + c->s, c->e - c->s);
    if (clean <= 0)
        return clean;
    return ind_add(sc, c);
}

/* A token may start here: not inside a word, a path ("/var/tmp/.x") or
 * a longer token. */
static int ind_starts(const char *t, size_t i)
{
    unsigned char p = i ? (unsigned char)t[i - 1] : ' ';

    return !(ind_tokch(p) || p == '/' || p == '\\' || p == '=' ||
             (t[i] == '.'));
}

static void ind_line(struct ind_scan *sc, size_t i)
{
    const char *nl;

    if (i < sc->le && i >= sc->ls)
        return;
    sc->ls = i;
    while (sc->ls > 0 && sc->t[sc->ls - 1] != '\n')
        sc->ls--;
    nl = memchr(sc->t + i, '\n', sc->len - i);
    sc->le = nl ? (size_t)(nl - sc->t) : sc->len;
    sc->line_clean = -1;
}

int indicators_scan(struct indicators *s, const struct anon *a,
                    const struct sites *sites, const char *own_domain,
                    const char *text, size_t len, struct err *e)
{
    struct ind_scan sc = {s, a, sites, own_domain ? own_domain : "", text,
                          len, 0, 0, -1, e};
    struct ind_cand *c = malloc(sizeof(*c));
    size_t i = 0;
    int rc = 0;

    if (c == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    while (rc == 0 && i < len) {
        unsigned char u = (unsigned char)text[i];
        if ((!isalnum(u) && u != '[') || !ind_starts(text, i)) {
            i++;
            continue;
        }
        ind_line(&sc, i);
        if (u == '[' && i + 1 < len && ind_classify(text, i + 1, len, c) &&
            (c->type == IND_IPV6) && c->e < len && text[c->e] == ']')
            rc = ind_consider(&sc, c);      /* [2001:db8::1]:22 */
        else if (u != '[' && (ind_url(text, i, len, c) ||
                              ind_classify(text, i, len, c)))
            rc = ind_consider(&sc, c);
        else
            c->e = i + 1;
        i = c->e > i ? c->e : i + 1;
    }
    free(c);
    return rc;
}

/* ---- CSV ------------------------------------------------------------ */

int indicators_csv(const struct indicators *s, int anonymised,
                   struct buf *out, struct err *e)
{
    static const char *const head[] = {"type", "value", "first_seen",
                                       "last_seen", "context"};
    const char *f[5];
    size_t i;

    if (csv_put(out, head, 5) != 0)
        return err_set(e, ERR_TOOBIG, "indicators.csv too large");
    for (i = 0; i < s->n; i++) {
        const struct indicator *x = &s->v[i];
        f[0] = indicators_type_name(x->type);
        f[1] = x->value;
        f[2] = x->first_seen;
        f[3] = x->last_seen;
        f[4] = anonymised && !x->context_clean ? "" : x->context;
        if (csv_put(out, f, 5) != 0)
            return err_set(e, ERR_TOOBIG, "indicators.csv too large");
    }
    return 0;
}
