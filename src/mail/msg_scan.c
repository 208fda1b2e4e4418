/*
 * msg_scan - what libetpan is given and what it gives back. Before it
 * sees a message, cheap scans of the text bound what it would otherwise
 * do without limit (nesting, parts, delimiter lines, comments) and check
 * every boundary it will look for; after, its tree is walked once more for
 * the depth, part and header limits and for spans outside the text.
 */
#include "mail/msg.h"
#include "mail/msg_int.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_COMMENT_DEPTH  256u /* RFC 5322 comments nested in a field */
#define MSG_DELIM_WORK     (1u << 24) /* line/boundary comparisons */

static const char *msg_memmem_ci(const char *h, size_t hlen, const char *n)
{
    size_t nlen = strlen(n), i;

    for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (strncasecmp(h + i, n, nlen) == 0)
            return h + i;
    return NULL;
}

/* ---------------------------------------------------- limits, parse */

/* Boundaries libetpan will look for, copied as it will read them (checked
 * first, so each fits), for msg_prescan_delims. */
struct msg_bounds {
    char v[MSG_BOUNDS_MAX][MSG_BOUNDARY_MAX];
    size_t len[MSG_BOUNDS_MAX];
    unsigned char digest[MSG_BOUNDS_MAX];   /* named by a multipart/digest */
    size_t n;
};

/* The RFC 2231 sections of one field (boundary*0=, boundary*1*= ...),
 * checked as the one value a parser that joins them would use. A section
 * holds at least one character, so a good value has fewer than
 * MSG_BOUNDARY_MAX of them. */
struct msg_b2231 {
    unsigned char seen[MSG_BOUNDARY_MAX];
    size_t total;           /* characters in all sections */
    size_t top;             /* highest section number seen, plus one */
    int ends_in_space;      /* the highest section does */
};

#define MSG_BAD_BOUNDARY "malformed boundary parameter: "
/* libetpan 1.9.4's atom (what it takes for an unquoted value) ends at
 * these (is_atext in mailimf.c). */
static const char MSG_ATOM_END[] = " \t\r\n<>,\":;";
/* RFC 2045 tspecials: a parameter name is a token, so one of these (or
 * white space) stands right before it. */
static const char MSG_TSPECIALS[] = "()<>@,;:\\\"/[]?=";

static int msg_bad_boundary(struct err *e, const char *why)
{
    return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "%s", why);
}

/* RFC 2046 5.1.1 bchars. */
static int msg_is_bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* Could c be the last character of a longer parameter name? */
static int msg_is_tchar(unsigned char c)
{
    return c > ' ' && c < 0x7f && strchr(MSG_TSPECIALS, c) == NULL;
}

/* Past white space, folds and (nested) comments, as libetpan skips them
 * around '=' and before a value. An unclosed comment is not skipped, nor
 * is it by libetpan. Iterative: nesting is only counted later
 * (msg_prescan_comments). */
static const char *msg_skip_cfws(const char *p, const char *end)
{
    const char *q;
    size_t depth;

    for (;;) {
        while (p < end && (msg_is_wsp(*p) || *p == '\r' || *p == '\n'))
            p++;
        if (p == end || *p != '(')
            return p;
        for (q = p, depth = 0; q < end; q++) {
            if (*q == '\\' && q + 1 < end)
                q++;
            else if (*q == '(')
                depth++;
            else if (*q == ')' && --depth == 0)
                break;
        }
        if (q == end)
            return p;
        p = q + 1;
    }
}

/* The value at *pp: a quoted-string, or what libetpan's atom takes. A
 * backslash is refused, not unescaped: a quoted-pair is only needed for
 * '"' and '\', which no boundary may hold (libetpan 1.9.4 overflows a
 * heap buffer on boundary="\""), and parsers differ on the rest. So is a
 * fold inside the quotes: no mailer writes one. */
static int msg_bvalue(const char **pp, const char *end, const char **v,
                      size_t *n, struct err *e)
{
    const char *p = *pp, *q;

    if (p < end && *p == '"') {
        for (q = ++p; q < end && *q != '"' && *q != '\\'; q++)
            ;
        if (q < end && *q == '\\')
            return msg_bad_boundary(e, "backslash (quoted-pair)");
        if (q == end)
            return msg_bad_boundary(e, "no closing quote");
        *pp = q + 1;
    } else {
        for (q = p; q < end && !memchr(MSG_ATOM_END, *q,
                                       sizeof MSG_ATOM_END - 1); q++)
            ;
        *pp = q;
    }
    *v = p;
    *n = (size_t)(q - p);
    return 0;
}

static int msg_bchars_check(const char *v, size_t n, struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!msg_is_bchar((unsigned char)v[i]))
            return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "byte 0x%02x is "
                           "not allowed (RFC 2046)", (unsigned char)v[i]);
    return 0;
}

/* RFC 2046 5.1.1: 1 to 70 bchars, the last not a space. */
static int msg_boundary_check(const char *v, size_t n, struct err *e)
{
    if (n == 0)
        return msg_bad_boundary(e, "empty");
    if (n > MSG_BOUNDARY_MAX)
        return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "longer than %u "
                       "characters", MSG_BOUNDARY_MAX);
    if (msg_bchars_check(v, n, e) < 0)
        return -1;
    if (v[n - 1] == ' ')
        return msg_bad_boundary(e, "ends in a space");
    return 0;
}

/* Keep v as libetpan will compare it: its quoted-string parser makes each
 * run of white space one space. */
static int msg_bounds_keep(struct msg_bounds *b, const char *v, size_t n,
                           struct err *e)
{
    char *d;
    size_t i, k = 0;

    if (b->n == MSG_BOUNDS_MAX)
        return err_set(e, ERR_TOOBIG, "more than %u MIME boundaries",
                       MSG_BOUNDS_MAX);
    d = b->v[b->n];
    for (i = 0; i < n; i++)
        if (v[i] != ' ' || k == 0 || d[k - 1] != ' ')
            d[k++] = v[i];
    b->len[b->n++] = k;
    return 0;
}

/* A plain boundary parameter: *pp is just past the name. */
static int msg_bparam(struct msg_bounds *b, const char **pp,
                      const char *end, struct err *e)
{
    const char *p = msg_skip_cfws(*pp, end), *v;
    size_t n;

    if (p == end || *p != '=')
        return 0;                       /* a word, not a parameter */
    p = msg_skip_cfws(p + 1, end);
    if (msg_bvalue(&p, end, &v, &n, e) < 0 ||
        msg_boundary_check(v, n, e) < 0 || msg_bounds_keep(b, v, n, e) < 0)
        return -1;
    *pp = p;
    return 0;
}

/* RFC 2231 3 and 4, after "boundary": "*N", "*N*" or "*", then '='.
 * Returns 0 with *pp past the '=', 1 when it is no parameter after all. */
static int msg_b2231_name(const char **pp, const char *end, size_t *sec,
                          int *ext, struct err *e)
{
    const char *p = *pp + 1;

    *sec = 0;
    *ext = 1;                           /* "boundary*=": one section */
    if (p < end && *p >= '0' && *p <= '9') {
        if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
            return msg_bad_boundary(e, "RFC 2231 section number with a "
                                    "leading zero");
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if ((*sec = *sec * 10 + (size_t)(*p - '0')) >= MSG_BOUNDARY_MAX)
                return msg_bad_boundary(e, "more RFC 2231 sections than a "
                                        "boundary has characters");
        *ext = p < end && *p == '*';
        p += *ext;
    }
    p = msg_skip_cfws(p, end);
    if (p == end || *p != '=')
        return 1;
    *pp = msg_skip_cfws(p + 1, end);
    return 0;
}

/* RFC 2231 4: an extended value is %-encoded, and the first section
 * starts with charset'language'. out holds MSG_BOUNDARY_MAX bytes. */
static int msg_b2231_decode(const char *v, size_t n, int initial, char *out,
                            size_t *outlen, struct err *e)
{
    const char *q;
    size_t k = 0;
    int hi, lo;

    if (initial) {
        q = memchr(v, '\'', n);
        if (q == NULL || (q = memchr(q + 1, '\'', n - (size_t)(q + 1 - v)))
                         == NULL)
            return msg_bad_boundary(e, "RFC 2231 value without "
                                    "charset'language'");
        n -= (size_t)(q + 1 - v);
        v = q + 1;
    }
    for (; n > 0; v++, n--) {
        if (k == MSG_BOUNDARY_MAX)
            return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "longer than %u "
                           "characters", MSG_BOUNDARY_MAX);
        if (*v != '%') {
            out[k++] = *v;
            continue;
        }
        if (n < 3 || (hi = msg_hexval(v[1])) < 0 ||
            (lo = msg_hexval(v[2])) < 0)
            return msg_bad_boundary(e, "bad %-escape in an RFC 2231 value");
        out[k++] = (char)(hi << 4 | lo);
        v += 2;
        n -= 2;
    }
    *outlen = k;
    return 0;
}

static int msg_b2231_add(struct msg_b2231 *s, size_t sec, const char *v,
                         size_t n, struct err *e)
{
    if (s->seen[sec])
        return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "RFC 2231 section %zu "
                       "twice", sec);
    if (n == 0)
        return msg_bad_boundary(e, "empty RFC 2231 section");
    if (n > MSG_BOUNDARY_MAX - s->total)
        return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "longer than %u "
                       "characters", MSG_BOUNDARY_MAX);
    if (msg_bchars_check(v, n, e) < 0)
        return -1;
    s->seen[sec] = 1;
    s->total += n;
    if (sec + 1 >= s->top) {
        s->top = sec + 1;
        s->ends_in_space = v[n - 1] == ' ';
    }
    return 0;
}

/* One boundary*... parameter: *pp is at the '*'. */
static int msg_b2231_param(struct msg_b2231 *s, const char **pp,
                           const char *end, struct err *e)
{
    char dec[MSG_BOUNDARY_MAX];
    const char *p = *pp, *v;
    size_t sec, n;
    int ext, rc;

    if ((rc = msg_b2231_name(&p, end, &sec, &ext, e)) != 0)
        return rc < 0 ? -1 : 0;
    if (msg_bvalue(&p, end, &v, &n, e) < 0)
        return -1;
    if (ext) {
        if (msg_b2231_decode(v, n, sec == 0, dec, &n, e) < 0)
            return -1;
        v = dec;
    }
    if (msg_b2231_add(s, sec, v, n, e) < 0)
        return -1;
    *pp = p;
    return 0;
}

/* The joined value: sections 0 to top-1, each once (a gap would be read
 * differently by different parsers), not ending in a space. */
static int msg_b2231_done(const struct msg_b2231 *s, struct err *e)
{
    size_t i;

    for (i = 0; i < s->top; i++)
        if (!s->seen[i])
            return err_set(e, ERR_DATA, MSG_BAD_BOUNDARY "RFC 2231 section "
                           "%zu missing", i);
    if (s->top > 0 && s->ends_in_space)
        return msg_bad_boundary(e, "ends in a space");
    return 0;
}

/* Every boundary parameter of the Content-Type value f..f+n is checked
 * against RFC 2046, and the plain ones are kept. libetpan 1.9.4 reads no
 * RFC 2231 sections, but a later libetpan joins them, so they are checked
 * too. "boundary" is looked for anywhere but inside a longer name, so
 * one after a comment or a fold is not missed. */
static int msg_bounds_add(struct msg_bounds *b, const char *f, size_t n,
                          struct err *e)
{
    struct msg_b2231 s;
    const char *q, *start = f, *end = f + n;
    int rc = 0;

    memset(&s, 0, sizeof(s));
    while (rc == 0 &&
           (q = msg_memmem_ci(f, (size_t)(end - f), "boundary")) != NULL) {
        f = q + strlen("boundary");
        if (q > start && msg_is_tchar((unsigned char)q[-1]))
            continue;
        if (f < end && *f == '*')
            rc = msg_b2231_param(&s, &f, end, e);
        else
            rc = msg_bparam(b, &f, end, e);
    }
    return rc < 0 ? -1 : msg_b2231_done(&s, e);
}

/* libetpan 1.9.4 decodes RFC 2047 words in the whole Content-Type value
 * before it parses it (mailmime_field_parse), so that
 * "=?us-ascii?q?multipart/mixed=3B_boundary=3D=22=5C=22=22?=" is a
 * multipart with boundary="\"" to it. Decode the same way when there is
 * an encoded word or an 8-bit byte (anything else comes out the same but
 * for white space). *out is NULL when there was nothing to decode or the
 * decoder gave up (then libetpan reads the value as written). */
static int msg_ct_decode(const char *f, size_t n, char **out, struct err *e)
{
    const char *v = memchr(f, ':', n);
    size_t i, idx = 0, vlen;
    int r;

    *out = NULL;
    v = v ? v + 1 : f;
    vlen = n - (size_t)(v - f);
    for (i = 0; i < vlen && (unsigned char)v[i] < 0x80; i++)
        if (v[i] == '=' && i + 1 < vlen && v[i + 1] == '?')
            break;
    if (i == vlen)
        return 0;
    r = mailmime_encoded_phrase_parse("us-ascii", v, vlen, &idx, "utf-8",
                                      out);
    if (r == MAILIMF_ERROR_MEMORY)
        return err_set(e, ERR_NOMEM, "Content-Type: out of memory");
    if (r != MAILIMF_NO_ERROR)
        *out = NULL;
    return 0;
}

/* As msg_bounds_add, saying so when only the decoded value is bad (a
 * "=?" that starts no encoded word ends libetpan's decoding there). */
static int msg_bounds_add_decoded(struct msg_bounds *b, const char *dec,
                                  size_t dlen, struct err *e)
{
    char why[ERR_MSG_MAX];

    if (msg_bounds_add(b, dec, dlen, e) == 0)
        return 0;
    if (e->code != ERR_DATA)
        return -1;
    snprintf(why, sizeof(why), "%s", e->msg);
    return err_reword(e, ERR_DATA, "%s, once libetpan has decoded the "
                      "RFC 2047 words of its Content-Type", why);
}

/* Does the value as written, or as libetpan decodes it, name word? */
static int msg_ct_has(const char *f, size_t n, const char *dec, size_t dlen,
                      const char *word)
{
    return msg_memmem_ci(f, n, word) != NULL ||
           (dec && msg_memmem_ci(dec, dlen, word) != NULL);
}

/* Where libetpan may read a header block, followed line by line. */
struct msg_scan {
    int in_block;           /* this line may be in one */
    int body_is_block;      /* and so may the body after it */
    size_t composite;       /* composite Content-Type fields seen */
    size_t work;            /* "--" line comparisons */
    int fresh;              /* right after a delimiter line */
};

/* A composite Content-Type in a header block libetpan may read: its
 * boundaries are checked and kept, with whether they are a digest's (whose
 * parts are messages by default); the body of a message/... entity may
 * be a header block too. */
static int msg_ct_in_block(const char *f, size_t n, const char *dec,
                           size_t dlen, struct msg_scan *s,
                           struct msg_bounds *b, struct err *e)
{
    size_t i = b->n;

    if (msg_bounds_add(b, f, n, e) < 0 ||
        (dec && msg_bounds_add_decoded(b, dec, dlen, e) < 0))
        return -1;
    for (; i < b->n; i++)
        b->digest[i] = (unsigned char)msg_ct_has(f, n, dec, dlen, "digest");
    if (msg_ct_has(f, n, dec, dlen, "message"))
        s->body_is_block = 1;
    return 0;
}

/* One Content-Type field. Every composite one counts towards the nesting
 * bound of msg_prescan, wherever it stands; only one in a header block
 * libetpan may read is decoded and has its boundaries checked (a header
 * quoted in a text body is text, and quoted-printable may cut it
 * anywhere). */
static int msg_prescan_ct(const char *f, size_t n,
                          const struct msg_limits *lim, struct msg_scan *s,
                          struct msg_bounds *b, struct err *e)
{
    char *dec = NULL;
    size_t dlen;
    int rc = 0;

    if (s->in_block && msg_ct_decode(f, n, &dec, e) < 0)
        return -1;
    dlen = dec ? strlen(dec) : 0;
    if (!msg_ct_has(f, n, dec, dlen, "multipart") &&
        !msg_ct_has(f, n, dec, dlen, "message"))
        rc = 0;
    else if (++s->composite > lim->max_parts)
        rc = err_set(e, ERR_TOOBIG, "more than %zu composite MIME entities",
                     lim->max_parts);
    else if (s->in_block)
        rc = msg_ct_in_block(f, n, dec, dlen, s, b, e);
    free(dec);
    return rc;
}

/* Index of the kept boundary that a delimiter names (p is past its "--",
 * any case, a prefix is enough), or b->n. */
static size_t msg_bound_at(const struct msg_bounds *b, const char *p,
                           size_t n)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        if (b->len[i] <= n && strncasecmp(p, b->v[i], b->len[i]) == 0)
            break;
    return i;
}

/* 1 and *which when the line holds a delimiter: at its start, or after a
 * CR inside it (libetpan's preamble scan takes a lone CR for a line end,
 * so a multipart's first part may start there). */
static int msg_line_delim(struct msg_scan *s, const char *p, size_t n,
                          const struct msg_bounds *b, size_t *which,
                          struct err *e)
{
    const char *q = p, *end = p + n;

    while (q != NULL) {
        if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
            if ((s->work += b->n) > MSG_DELIM_WORK)
                return err_set(e, ERR_TOOBIG, "too many MIME boundaries and "
                               "\"--\" lines to check");
            if ((*which = msg_bound_at(b, q + 2, (size_t)(end - q) - 2)) <
                b->n)
                return 1;
        }
        if ((q = memchr(q, '\r', (size_t)(end - q))) != NULL)
            q++;
    }
    return 0;
}

/* libetpan reads a header block at the start, after a delimiter of a
 * boundary it knows (a part), and after the header block of a message/...
 * entity or of a digest's part (an attached message); a header block ends
 * at the first empty line. Any delimiter of a kept boundary counts, so
 * this finds every block libetpan reads, and some more. */
/* A line of nothing but white space. */
static int msg_line_blank(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!msg_is_wsp(p[i]) && p[i] != '\r')
            return 0;
    return 1;
}

static int msg_scan_line(struct msg_scan *s, const char *p, size_t n,
                         const struct msg_bounds *b, struct err *e)
{
    size_t which = 0;
    int rc = 0;

    /* libetpan skips white space and empty lines after a delimiter before
     * it reads the part's header block */
    if (s->fresh && msg_line_blank(p, n))
        return 0;
    s->fresh = 0;
    if (n == 0 && s->in_block) {
        s->in_block = s->body_is_block;
        s->body_is_block = 0;
        return 0;
    }
    if (b->n > 0 && (rc = msg_line_delim(s, p, n, b, &which, e)) < 0)
        return -1;
    if (rc == 0)
        return 0;
    s->in_block = 1;
    s->body_is_block = b->digest[which];
    s->fresh = 1;
    return 0;
}

/* libetpan recurses once per nesting level and has no limit, so 10,000
 * nested multiparts would exhaust the stack before we could walk the tree.
 * Every level that recurses needs a Content-Type naming multipart or
 * message (a digest's default message/rfc822 skips at most every other
 * one), so counting such fields bounds the depth libetpan will reach.
 * The field is read with its continuation lines, so folding cannot hide
 * it, nor can RFC 2047 encoding in a header block (msg_ct_decode);
 * look-alike lines in bodies count too, and a real alert has nowhere near
 * max_parts of them. The boundaries of the fields in header blocks are
 * checked, and kept for msg_prescan_delims. */
static int msg_prescan(const char *p, size_t len,
                       const struct msg_limits *lim, struct msg_bounds *b,
                       struct err *e)
{
    struct msg_scan s = {1, 0, 0, 0, 0};    /* the top header block at 0 */
    size_t pos = 0, end, nlen = strlen("content-type");
    int rc = 0;

    while (rc == 0 && pos < len) {
        end = msg_eol(p, len, pos);
        if (end - pos >= nlen &&
            strncasecmp(p + pos, "content-type", nlen) == 0) {
            while (end + 2 < len && msg_is_wsp(p[end + 2]))
                end = msg_eol(p, len, end + 2);
            rc = msg_prescan_ct(p + pos, end - pos, lim, &s, b, e);
        } else {
            rc = msg_scan_line(&s, p + pos, end - pos, b, e);
        }
        pos = end + 2;
    }
    return rc;
}

/* libetpan makes a part of every delimiter line before our part limit can
 * look at the tree: 10 MB of tiny parts took 390 MB. A delimiter line is
 * "--" and a boundary; counting lines that start so (any boundary, any
 * case: never fewer than libetpan finds) bounds the parts, with one
 * closing line per composite entity on top. The comparisons are bounded
 * too, for a text of many boundaries and many "--" lines. */
static int msg_prescan_delims(const char *p, size_t len,
                              const struct msg_limits *lim,
                              const struct msg_bounds *b, struct err *e)
{
    size_t pos = 0, n = 0, work = 0, i, rest;

    while (b->n > 0 && pos + 2 < len) {
        if (p[pos] == '-' && p[pos + 1] == '-') {
            rest = len - pos - 2;
            for (i = 0; i < b->n; i++)
                if (b->len[i] <= rest &&
                    strncasecmp(p + pos + 2, b->v[i], b->len[i]) == 0)
                    break;
            if (i < b->n && ++n > 2 * lim->max_parts)
                return err_set(e, ERR_TOOBIG, "more than %zu MIME "
                               "delimiter lines", 2 * lim->max_parts);
            if ((work += b->n) > MSG_DELIM_WORK)
                return err_set(e, ERR_TOOBIG, "too many MIME boundaries "
                               "and \"--\" lines to check");
        }
        pos = msg_eol(p, len, pos) + 2;
    }
    return 0;
}

/* libetpan parses RFC 5322 comments recursively, in every header block
 * it meets, and the header limits above reach only the top-level block:
 * a nested message with 2 MB of '(' overflows the stack. So count comment
 * nesting over the whole text, per field (a line not starting with white
 * space starts afresh). An escaped ')' does not close, so the count is
 * never below libetpan's; '(' in bodies counts too, which real text never
 * nests this deep. */
static int msg_prescan_comments(const char *p, size_t len, struct err *e)
{
    const char *q;
    size_t i, depth = 0;

    for (i = 0; i < len; i++) {
        /* outside a comment only '(' counts: skip to the next one */
        if (depth == 0) {
            if ((q = memchr(p + i, '(', len - i)) == NULL)
                break;
            i = (size_t)(q - p);
        }
        if (p[i] == '\n' && i + 1 < len && !msg_is_wsp(p[i + 1]))
            depth = 0;
        else if (p[i] == '(' && ++depth > MSG_COMMENT_DEPTH)
            return err_set(e, ERR_TOOBIG, "comments nested deeper than %u",
                           MSG_COMMENT_DEPTH);
        else if (p[i] == ')' && depth > 0 && (i == 0 || p[i - 1] != '\\'))
            depth--;
    }
    return 0;
}

struct msg_walk {
    const struct msg_limits *lim;
    size_t parts;
    const char *text;       /* what libetpan parsed: every span in its */
    size_t len;             /* tree must lie inside */
};

static int msg_span_in(const struct msg_walk *w, const char *p, size_t n)
{
    return p >= w->text && p <= w->text + w->len &&
           n <= (size_t)(w->text + w->len - p);
}

static int msg_data_in(const struct msg_walk *w,
                       const struct mailmime_data *d)
{
    return d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
           msg_span_in(w, d->dt_data.dt_text.dt_data,
                       d->dt_data.dt_text.dt_length);
}

/* libetpan 1.9.4 gives a multipart body with no line starting with "--"
 * a preamble of 2^64 - 3 bytes (fixed upstream after 1.9.4, 24c4854);
 * whatever read it would run off the message. Nothing here reads a
 * preamble, but a span outside the text is libetpan's mistake, and the
 * message is refused before anyone can trust the tree. */
static int msg_walk_spans(const struct msg_walk *w, const struct mailmime *n,
                          struct err *e)
{
    int ok = (n->mm_mime_start == NULL ||
              msg_span_in(w, n->mm_mime_start, n->mm_length)) &&
             msg_data_in(w, n->mm_body);

    if (ok && n->mm_type == MAILMIME_MULTIPLE)
        ok = msg_data_in(w, n->mm_data.mm_multipart.mm_preamble) &&
             msg_data_in(w, n->mm_data.mm_multipart.mm_epilogue);
    return ok ? 0 : err_set(e, ERR_DATA, "malformed multipart: no "
                            "delimiter line (a part would lie outside the "
                            "message)");
}

static int msg_walk_limits(struct msg_walk *w, const struct mailmime *n,
                           size_t depth, struct err *e)
{
    clistiter *it;

    if (msg_walk_spans(w, n, e) < 0)
        return -1;
    if (depth > w->lim->max_depth)
        return err_set(e, ERR_TOOBIG, "MIME nesting deeper than %zu",
                       w->lim->max_depth);
    if (++w->parts > w->lim->max_parts)
        return err_set(e, ERR_TOOBIG, "more than %zu MIME parts",
                       w->lim->max_parts);
    if (n->mm_mime_start &&
        msg_hdr_check(n->mm_mime_start, n->mm_length, w->lim, NULL, e) < 0)
        return -1;
    /* an attached message's own header block starts at the part's body */
    if (n->mm_type == MAILMIME_MESSAGE && n->mm_body &&
        msg_hdr_check(n->mm_body->dt_data.dt_text.dt_data,
                      n->mm_body->dt_data.dt_text.dt_length, w->lim, NULL,
                      e) < 0)
        return -1;
    if (n->mm_type == MAILMIME_MULTIPLE) {
        for (it = clist_begin(n->mm_data.mm_multipart.mm_mp_list); it;
             it = clist_next(it))
            if (msg_walk_limits(w, clist_content(it), depth + 1, e) < 0)
                return -1;
    } else if (n->mm_type == MAILMIME_MESSAGE &&
               n->mm_data.mm_message.mm_msg_mime) {
        if (msg_walk_limits(w, n->mm_data.mm_message.mm_msg_mime,
                            depth + 1, e) < 0)
            return -1;
    }
    return 0;
}

/* The entity itself: mailmime_parse wraps a whole message in a
 * message/rfc822 node that is not a level of nesting. */
const struct mailmime *msg_top(const struct mailmime *root)
{
    if (root->mm_type == MAILMIME_MESSAGE &&
        root->mm_data.mm_message.mm_msg_mime)
        return root->mm_data.mm_message.mm_msg_mime;
    return root;
}

/* Check limits, parse text (which must outlive the tree), walk it. */
int msg_mime_parse(const char *text, size_t len,
                   const struct msg_limits *lim,
                   struct mailmime **out, struct err *e)
{
    struct msg_walk w = {lim, 0, text, len};
    struct msg_bounds *b;
    struct mailmime *mime = NULL;
    size_t idx = 0;
    int rc;

    if ((b = calloc(1, sizeof(*b))) == NULL)
        return err_set(e, ERR_NOMEM, "message: out of memory");
    rc = msg_hdr_check(text, len, lim, NULL, e) < 0 ||
         msg_prescan(text, len, lim, b, e) < 0 ||
         msg_prescan_delims(text, len, lim, b, e) < 0 ||
         msg_prescan_comments(text, len, e) < 0;
    free(b);
    if (rc)
        return -1;
    if (mailmime_parse(text, len, &idx, &mime) != MAILIMF_NO_ERROR)
        return err_set(e, ERR_DATA, "message is not parseable as MIME");
    if (msg_walk_limits(&w, msg_top(mime), 0, e) < 0) {
        mailmime_free(mime);
        return -1;
    }
    *out = mime;
    return 0;
}
