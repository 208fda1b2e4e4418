/*
 * msg - RFC 5322 / MIME in and out. The one module that includes libetpan.
 *
 * Reading: the message is copied with every line end made CRLF (Postfix
 * pipe hands us LF), checked against the caller's limits with cheap scans,
 * and only then given to libetpan, whose tree is walked once more for the
 * depth and part limits. The signed part of a multipart/signed message is
 * cut from our CRLF copy by our own boundary scan, and the positions must
 * agree with libetpan's tree: a message two parsers read differently is
 * refused rather than verified one way and shown another.
 *
 * Decoding uses libetpan for base64 and charsets (charconv) and RFC 2047
 * words; quoted-printable is decoded here (see msg_qp_decode).
 *
 * Writing: bodies, headers and boundaries are written by hand. libetpan's
 * quoted-printable writer leaves white space at the very end of the data
 * unencoded and passes bare LF through, and RFC 3156 needs both handled;
 * its base64 writer is fine and is used.
 *
 * Leniencies we tolerate on input: bare LF line ends, a lone CR kept as
 * data, an invalid QP escape kept literally, a mislabelled charset when the
 * bytes are UTF-8, header lines without a colon (skipped).
 */
#include "mail/msg.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <libetpan/libetpan.h>

#define MSG_LINE_SOFT      78u  /* RFC 5322 2.1.1: SHOULD fold before */
#define MSG_LINE_HARD      998u /* RFC 5322 2.1.1: MUST */
#define MSG_QP_LINE        76u  /* RFC 2045 6.7 rule 5, '=' included */
#define MSG_BOUNDARY_MAX   70u  /* RFC 2046 5.1.1 */
#define MSG_BOUNDARY_RAND  16u  /* random bytes in a fresh boundary */
#define MSG_BOUNDARY_TRIES 8
#define MSG_SIGNED_PARTS   2u   /* RFC 1847: content, then signature */
#define MSG_EW_CHUNK       45u  /* 45 bytes -> 60 base64 -> 72-char word */
#define MSG_FILENAME_MAX   255u /* bytes of a written filename */
#define MSG_FIELD_NAME_MAX 76u
#define MSG_COMMENT_DEPTH  256u /* RFC 5322 comments nested in a field */
#define MSG_BOUNDS_MAX     (2 * MSG_DEFAULT_MAX_PARTS) /* boundary params */
#define MSG_DELIM_WORK     (1u << 24) /* line/boundary comparisons */

static const char MSG_PGP_SIG[] = "application/pgp-signature";

struct msg_field {
    char *name;
    char *value;            /* unfolded, decoded, UTF-8, no controls */
};

struct msg {
    char *raw;              /* CRLF copy, NUL-terminated; libetpan's tree
                               points into it */
    size_t len;
    struct mailmime *mime;
    struct msg_limits lim;
    struct msg_field *fields;
    size_t nfields;
    int is_signed;
    size_t signed_off;      /* into raw */
    size_t signed_len;
    char *sig;              /* decoded signature part body */
    size_t sig_len;
};

/* One header field as it stands in the text, continuation lines included,
 * final CRLF not. namelen is 0 for a line with no colon. */
struct msg_span {
    const char *p;
    size_t len;
    size_t namelen;
};

/* Writer that remembers the first buf failure, so builders can append
 * freely and check once. */
struct msg_w {
    struct buf *b;
    int rc;
};

void msg_limits_default(struct msg_limits *lim)
{
    lim->max_size = MSG_DEFAULT_MAX_SIZE;
    lim->max_depth = MSG_DEFAULT_MAX_DEPTH;
    lim->max_parts = MSG_DEFAULT_MAX_PARTS;
    lim->max_header = MSG_DEFAULT_MAX_HEADER;
    lim->max_headers = MSG_DEFAULT_MAX_HEADERS;
    lim->max_line = MSG_DEFAULT_MAX_LINE;
}

/* ---------------------------------------------------------------- utils */

static int msg_buf_err(int rc, struct err *e, const char *what)
{
    if (rc == BUF_ETOOBIG)
        return err_set(e, ERR_TOOBIG, "%s: output over its size limit", what);
    return err_set(e, ERR_NOMEM, "%s: out of memory", what);
}

static void w_put(struct msg_w *w, const void *p, size_t n)
{
    if (w->rc == 0)
        w->rc = buf_append(w->b, p, n);
}

static void w_puts(struct msg_w *w, const char *s)
{
    w_put(w, s, strlen(s));
}

static int w_done(const struct msg_w *w, struct err *e, const char *what)
{
    return w->rc == 0 ? 0 : msg_buf_err(w->rc, e, what);
}

static int msg_is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static const char *msg_memmem_ci(const char *h, size_t hlen, const char *n)
{
    size_t nlen = strlen(n), i;

    for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (strncasecmp(h + i, n, nlen) == 0)
            return h + i;
    return NULL;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not valid:
 * overlong forms, surrogates and values past U+10FFFF included. */
static size_t msg_utf8_seq(const unsigned char *p, size_t n)
{
    size_t len, i;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

static int msg_utf8_valid(const char *s, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        k = msg_utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Decoded header text reaches templates and logs: a CR or LF smuggled in
 * an encoded word must not become a header break there, and bytes that are
 * not UTF-8 become '?'. Works in place; the string only shrinks. */
static void msg_clean_text(char *s)
{
    size_t i = 0, k, n = strlen(s);

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        k = msg_utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0) {
            s[i++] = '?';
            continue;
        }
        if (k == 1 && (c < 0x20 || c == 0x7f))
            s[i] = ' ';
        i += k;
    }
}

/* --------------------------------------------------------- line ends */

/* Copy with every bare LF made CRLF. A lone CR is left alone: it is not a
 * line end in either convention, and the signature covers it as it is. */
static int msg_crlf_copy(const char *raw, size_t len, char **out,
                         size_t *olen, struct err *e)
{
    size_t i, j, nlf = 0;
    char *p;

    for (i = 0; i < len; i++)
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
            nlf++;
    if (len > SIZE_MAX - nlf - 1)
        return err_set(e, ERR_TOOBIG, "message too big to copy");
    p = malloc(len + nlf + 1);
    if (p == NULL)
        return err_set(e, ERR_NOMEM, "message copy: out of memory");
    for (i = 0, j = 0; i < len; i++) {
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
            p[j++] = '\r';
        p[j++] = raw[i];
    }
    p[j] = '\0';
    *out = p;
    *olen = j;
    return 0;
}

/* Offset of the next CRLF at or after pos, or len. */
static size_t msg_eol(const char *p, size_t len, size_t pos)
{
    const char *q = memmem(p + pos, len - pos, "\r\n", 2);

    return q ? (size_t)(q - p) : len;
}

/* ---------------------------------------------------------- headers */

/* Next header field of the header block starting at *pos. Returns 1 and
 * fills f, or 0 at the empty line (then *pos is past it) or the end. */
static int msg_hdr_next(const char *p, size_t len, size_t *pos,
                        struct msg_span *f)
{
    size_t start = *pos, eol;
    const char *colon;

    if (start >= len)
        return 0;
    eol = msg_eol(p, len, start);
    if (eol == start) {
        *pos = start + 2 <= len ? start + 2 : len;
        return 0;
    }
    while (eol + 2 < len && msg_is_wsp(p[eol + 2]))
        eol = msg_eol(p, len, eol + 2);
    f->p = p + start;
    f->len = eol - start;
    colon = memchr(f->p, ':', f->len);
    f->namelen = colon ? (size_t)(colon - f->p) : 0;
    *pos = eol + 2 <= len ? eol + 2 : len;
    return 1;
}

/* Enforce field count and length on one header block; returns the offset
 * of the body (past the empty line) in *body when body is not NULL. */
static int msg_hdr_check(const char *p, size_t len,
                         const struct msg_limits *lim, size_t *body,
                         struct err *e)
{
    size_t pos = 0, n = 0;
    struct msg_span f;

    while (msg_hdr_next(p, len, &pos, &f)) {
        if (++n > lim->max_headers)
            return err_set(e, ERR_TOOBIG, "more than %zu header fields",
                           lim->max_headers);
        if (f.len > lim->max_header)
            return err_set(e, ERR_TOOBIG,
                           "header field of %zu bytes (limit %zu)", f.len,
                           lim->max_header);
    }
    if (body)
        *body = pos;
    return 0;
}

/* Unfold, trim, decode RFC 2047 words to UTF-8. Plain ASCII is kept as is
 * because libetpan's phrase parser collapses runs of spaces. */
static char *msg_hdr_decode(const char *v, size_t n)
{
    char *tmp, *res = NULL;
    size_t i, j = 0, idx = 0;
    int plain = 1;

    tmp = malloc(n + 1);
    if (tmp == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n')
            tmp[j++] = v[i];
    while (j > 0 && msg_is_wsp(tmp[j - 1]))
        j--;
    tmp[j] = '\0';
    for (i = 0; i < j; i++)
        if ((unsigned char)tmp[i] >= 0x80 ||
            (tmp[i] == '=' && tmp[i + 1] == '?'))
            plain = 0;
    if (!plain && mailmime_encoded_phrase_parse("utf-8", tmp, j, &idx,
                                                "utf-8", &res) == 0) {
        free(tmp);
        tmp = res;
    }
    msg_clean_text(tmp);
    return tmp;
}

/* The value of field f, decoded; NULL on allocation failure. */
static char *msg_span_value(const struct msg_span *f)
{
    size_t i = f->namelen + 1;

    while (i < f->len && msg_is_wsp(f->p[i]))
        i++;
    return msg_hdr_decode(f->p + i, f->len - i);
}

/* First field called name in the header block at p, decoded, or NULL
 * (*found tells absent from out of memory). */
static char *msg_hdr_find(const char *p, size_t len, const char *name,
                          int *found)
{
    size_t pos = 0, nlen = strlen(name);
    struct msg_span f;

    *found = 0;
    while (msg_hdr_next(p, len, &pos, &f)) {
        if (f.namelen == nlen && strncasecmp(f.p, name, nlen) == 0) {
            *found = 1;
            return msg_span_value(&f);
        }
    }
    return NULL;
}

static int msg_fields_load(struct msg *m, struct err *e)
{
    size_t pos = 0;
    struct msg_span f;

    m->fields = calloc(m->lim.max_headers ? m->lim.max_headers : 1,
                       sizeof(*m->fields));
    if (m->fields == NULL)
        return err_set(e, ERR_NOMEM, "header fields: out of memory");
    while (m->nfields < m->lim.max_headers &&
           msg_hdr_next(m->raw, m->len, &pos, &f)) {
        struct msg_field *fld = &m->fields[m->nfields];
        if (f.namelen == 0)
            continue;
        fld->name = strndup(f.p, f.namelen);
        fld->value = msg_span_value(&f);
        m->nfields++;
        if (fld->name == NULL || fld->value == NULL)
            return err_set(e, ERR_NOMEM, "header fields: out of memory");
    }
    return 0;
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

static int msg_hexval(int c);

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
static int msg_scan_line(struct msg_scan *s, const char *p, size_t n,
                         const struct msg_bounds *b, struct err *e)
{
    size_t which = 0;
    int rc;

    if (n == 0 && s->in_block) {
        s->in_block = s->body_is_block;
        s->body_is_block = 0;
        return 0;
    }
    if (b->n == 0 || (rc = msg_line_delim(s, p, n, b, &which, e)) == 0)
        return 0;
    if (rc < 0)
        return -1;
    s->in_block = 1;
    s->body_is_block = b->digest[which];
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
    struct msg_scan s = {1, 0, 0, 0};   /* the top header block at 0 */
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
    size_t i, depth = 0;

    for (i = 0; i < len; i++) {
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
static const struct mailmime *msg_top(const struct mailmime *root)
{
    if (root->mm_type == MAILMIME_MESSAGE &&
        root->mm_data.mm_message.mm_msg_mime)
        return root->mm_data.mm_message.mm_msg_mime;
    return root;
}

/* Check limits, parse text (which must outlive the tree), walk it. */
static int msg_mime_parse(const char *text, size_t len,
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

/* ------------------------------------------------------ content types */

/* "type/subtype" in lower case, no parameters; text/plain when absent
 * (RFC 2045 5.2). */
static char *msg_type_str(const struct mailmime_content *ct)
{
    static const char *const discrete[] = {
        "application", "text", "image", "audio", "video", "application",
        "application"};
    const char *type = "application", *sub = ct ? ct->ct_subtype : "plain";
    struct buf b;
    char *s;
    size_t i;

    if (ct == NULL)
        type = "text";
    else if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
        struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;
        type = d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION ?
            d->dt_extension : discrete[d->dt_type % 7];
    } else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
        struct mailmime_composite_type *c = ct->ct_type->tp_data.tp_composite_type;
        type = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" :
            c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" :
            c->ct_token;
    }
    buf_init(&b, MSG_LINE_HARD);
    if (buf_printf(&b, "%s/%s", type ? type : "application",
                   sub ? sub : "octet-stream") != 0) {
        buf_free(&b);
        return NULL;
    }
    s = buf_steal(&b, NULL);
    for (i = 0; s[i]; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
    return s;
}

static int msg_type_is(const struct mailmime_content *ct, const char *want)
{
    char *s = msg_type_str(ct);
    int r = s && strcmp(s, want) == 0;

    free(s);
    return r;
}

static const char *msg_param(const struct mailmime_content *ct,
                             const char *name)
{
    clistiter *it;

    if (ct == NULL || ct->ct_parameters == NULL)
        return NULL;
    for (it = clist_begin(ct->ct_parameters); it; it = clist_next(it)) {
        const struct mailmime_parameter *pa = clist_content(it);
        if (pa->pa_name && strcasecmp(pa->pa_name, name) == 0)
            return pa->pa_value;
    }
    return NULL;
}

/* ------------------------------------------------- multipart/signed */

struct msg_bparts {
    size_t start[MSG_SIGNED_PARTS + 1];
    size_t end[MSG_SIGNED_PARTS + 1];
    size_t n;
    int closed;
};

/* Is there a delimiter line for bnd at pos? 1: "--bnd" + LWSP + CRLF,
 * 2: the close delimiter "--bnd--". *next is the start of the next line. */
static int msg_delim_at(const char *p, size_t len, size_t pos,
                        const char *bnd, size_t *next)
{
    size_t blen = strlen(bnd), i = pos + 2 + blen, eol;

    if (len - pos < 2 + blen || p[pos] != '-' || p[pos + 1] != '-' ||
        memcmp(p + pos + 2, bnd, blen) != 0)
        return 0;
    eol = msg_eol(p, len, i);
    *next = eol + 2 <= len ? eol + 2 : len;
    if (len - i >= 2 && p[i] == '-' && p[i + 1] == '-')
        return 2;
    while (i < eol && msg_is_wsp(p[i]))
        i++;
    return i == eol ? 1 : 0;
}

/* RFC 2046 5.1.1: delimiters start a line, and the CRLF in front of one
 * belongs to it, not to the part before. Positions are into p. */
static void msg_find_parts(const char *p, size_t len, size_t body,
                           const char *bnd, struct msg_bparts *bp)
{
    size_t pos = body, next, open = 0;
    int k, in_part = 0;

    memset(bp, 0, sizeof(*bp));
    while (pos < len) {
        k = msg_delim_at(p, len, pos, bnd, &next);
        if (k && in_part) {
            bp->end[bp->n] = pos >= open + 2 ? pos - 2 : open;
            bp->n++;
        }
        if (k == 2) {
            bp->closed = 1;
            return;
        }
        if (k == 1) {
            if (bp->n > MSG_SIGNED_PARTS)
                return;
            open = bp->start[bp->n] = next;
            in_part = 1;
        }
        pos = k ? next : msg_eol(p, len, pos) + 2;
    }
}

static int msg_sig_shape(const struct mailmime *top)
{
    const char *proto;
    clist *l;

    if (top->mm_type != MAILMIME_MULTIPLE ||
        !msg_type_is(top->mm_content_type, "multipart/signed"))
        return 0;
    proto = msg_param(top->mm_content_type, "protocol");
    if (proto == NULL || strcasecmp(proto, MSG_PGP_SIG) != 0)
        return 0;
    l = top->mm_data.mm_multipart.mm_mp_list;
    if (l == NULL || clist_count(l) != MSG_SIGNED_PARTS)
        return 0;
    return msg_type_is(((struct mailmime *)clist_nth_data(l, 1))
                       ->mm_content_type, MSG_PGP_SIG);
}

static int msg_sig_decode(struct msg *m, const struct mailmime *part,
                          struct err *e)
{
    const struct mailmime_data *d = part->mm_data.mm_single;
    size_t idx = 0;
    char *res = NULL;

    if (part->mm_type != MAILMIME_SINGLE || d == NULL)
        return err_set(e, ERR_DATA, "signature part has no body");
    if (mailmime_part_parse(d->dt_data.dt_text.dt_data,
                            d->dt_data.dt_text.dt_length, &idx,
                            d->dt_encoding, &res, &m->sig_len) != 0)
        return err_set(e, ERR_DATA, "signature part cannot be decoded");
    m->sig = malloc(m->sig_len + 1);
    if (m->sig) {
        memcpy(m->sig, res, m->sig_len);
        m->sig[m->sig_len] = '\0';
    }
    mailmime_decoded_part_free(res);
    return m->sig ? 0 : err_set(e, ERR_NOMEM, "signature: out of memory");
}

/* Our boundary scan must find exactly the two parts libetpan found, at
 * the same places; otherwise what is verified and what is shown could
 * differ. */
static int msg_sig_locate(struct msg *m, const struct mailmime *top,
                          struct err *e)
{
    const char *bnd = msg_param(top->mm_content_type, "boundary");
    clist *l = top->mm_data.mm_multipart.mm_mp_list;
    const struct mailmime *p1 = clist_nth_data(l, 0), *p2 = clist_nth_data(l, 1);
    struct msg_bparts bp;
    size_t body;

    if (bnd == NULL || *bnd == '\0' || strlen(bnd) > MSG_BOUNDARY_MAX)
        return err_set(e, ERR_DATA, "multipart/signed: bad boundary");
    msg_hdr_check(m->raw, m->len, &m->lim, &body, e);
    msg_find_parts(m->raw, m->len, body, bnd, &bp);
    if (bp.n != MSG_SIGNED_PARTS || !bp.closed ||
        p1->mm_mime_start != m->raw + bp.start[0] ||
        p2->mm_mime_start != m->raw + bp.start[1] ||
        p1->mm_length != bp.end[0] - bp.start[0])
        return err_set(e, ERR_DATA,
                       "multipart/signed: parts are not where expected");
    m->signed_off = bp.start[0];
    m->signed_len = bp.end[0] - bp.start[0];
    return msg_sig_decode(m, p2, e);
}

/* ------------------------------------------------------------- parse */

/* Before anything is copied or parsed: no line longer than max_line (a
 * limit of 0 means none). */
static int msg_check_lines(const char *raw, size_t len,
                           const struct msg_limits *lim, struct err *e)
{
    const char *p = raw, *end = raw + len, *nl;
    size_t n = 1;

    for (; lim->max_line && p < end; p = nl + 1, n++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        if ((size_t)(nl - p) > lim->max_line + (nl < end && nl > p &&
                                                 nl[-1] == '\r'))
            return err_set(e, ERR_TOOBIG, "line %zu longer than %zu bytes",
                           n, lim->max_line);
    }
    return 0;
}

static int msg_check_input(const char *raw, size_t len,
                           const struct msg_limits *lim, struct err *e)
{
    if (len > lim->max_size)
        return err_set(e, ERR_TOOBIG, "message of %zu bytes (limit %zu)",
                       len, lim->max_size);
    if (memchr(raw, '\0', len))
        return err_set(e, ERR_DATA, "message holds a NUL byte");
    return msg_check_lines(raw, len, lim, e);
}

int msg_parse(const char *raw, size_t len, const struct msg_limits *lim,
              struct msg **out, struct err *e)
{
    struct msg *m;
    const struct mailmime *top;

    *out = NULL;
    if (msg_check_input(raw, len, lim, e) < 0)
        return -1;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return err_set(e, ERR_NOMEM, "message: out of memory");
    m->lim = *lim;
    if (msg_crlf_copy(raw, len, &m->raw, &m->len, e) < 0 ||
        msg_mime_parse(m->raw, m->len, lim, &m->mime, e) < 0 ||
        msg_fields_load(m, e) < 0)
        goto fail;
    top = msg_top(m->mime);
    m->is_signed = msg_sig_shape(top);
    if (m->is_signed && msg_sig_locate(m, top, e) < 0)
        goto fail;
    *out = m;
    return 0;
fail:
    msg_free(m);
    return -1;
}

void msg_free(struct msg *m)
{
    size_t i;

    if (m == NULL)
        return;
    if (m->mime)
        mailmime_free(m->mime);
    for (i = 0; i < m->nfields; i++) {
        free(m->fields[i].name);
        free(m->fields[i].value);
    }
    free(m->fields);
    free(m->sig);
    free(m->raw);
    free(m);
}

const char *msg_header(const struct msg *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->nfields; i++)
        if (strcasecmp(m->fields[i].name, name) == 0)
            return m->fields[i].value;
    return NULL;
}

int msg_is_pgp_signed(const struct msg *m)
{
    return m->is_signed;
}

int msg_signed_part(const struct msg *m, const char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!m->is_signed)
        return -1;
    *data = m->raw + m->signed_off;
    *len = m->signed_len;
    return 0;
}

int msg_signature(const struct msg *m, const char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!m->is_signed)
        return -1;
    *data = m->sig;
    *len = m->sig_len;
    return 0;
}

/* ---------------------------------------------------------- content */

static void msg_part_clear(struct msg_part *p)
{
    free(p->content_type);
    free(p->filename);
    free(p->data);
    memset(p, 0, sizeof(*p));
}

void msg_content_free(struct msg_content *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->nparts; i++)
        msg_part_clear(&c->parts[i]);
    free(c->parts);
    free(c->subject);
    free(c->from);
    free(c->signed_to);
    free(c->outer_subject);
    free(c);
}

/* Text is handed on with LF line ends: templates and rules are written
 * that way, and the writer makes CRLF again. Every CR right before a LF
 * goes, a run of them too: "\r\r\n" left as "\r\n" would be written as
 * a line break and read back one byte shorter. */
static void msg_text_lf(char *s, size_t *len)
{
    size_t i, j = 0, k;

    for (i = 0; i < *len; i++) {
        if (s[i] != '\r') {
            s[j++] = s[i];
            continue;
        }
        for (k = i; k < *len && s[k] == '\r'; k++)
            ;
        if (k == *len || s[k] != '\n')
            for (; i < k; i++)  /* CRs inside a line stay */
                s[j++] = s[i];
        i = k - 1;
    }
    s[j] = '\0';
    *len = j;
}

/* To UTF-8. An unknown charset is forgiven when the bytes are UTF-8
 * already (mislabelled mail is common); anything else is refused, since
 * rules could not be trusted to match text we cannot read. */
static int msg_text_utf8(struct msg_part *p, const char *charset,
                         struct err *e)
{
    char *res = NULL;
    size_t rlen = 0;
    int rc;

    if (charset && strcasecmp(charset, "utf-8") != 0 &&
        strcasecmp(charset, "us-ascii") != 0) {
        rc = charconv_buffer("utf-8", charset, p->data, p->len, &res, &rlen);
        if (rc == MAIL_CHARCONV_NO_ERROR) {
            free(p->data);
            p->data = malloc(rlen + 1);
            if (p->data == NULL) {
                charconv_buffer_free(res);
                return err_set(e, ERR_NOMEM, "charset: out of memory");
            }
            memcpy(p->data, res, rlen);
            p->data[rlen] = '\0';
            p->len = rlen;
            charconv_buffer_free(res);
        } else if (rc == MAIL_CHARCONV_ERROR_MEMORY) {
            return err_set(e, ERR_NOMEM, "charset: out of memory");
        }
    }
    if (memchr(p->data, '\0', p->len) || !msg_utf8_valid(p->data, p->len))
        return err_set(e, ERR_DATA, "%s part in charset \"%.64s\" cannot "
                       "be read as text", p->content_type,
                       charset ? charset : "us-ascii");
    msg_text_lf(p->data, &p->len);
    return 0;
}

static int msg_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2231 "charset'lang'pct-encoded", the single-segment form that mail
 * clients write; continuations (name*0*) are not joined. */
static char *msg_rfc2231(const char *v)
{
    const char *q = strchr(v, '\''), *r = q ? strchr(q + 1, '\'') : NULL;
    char *out, *charset, *conv = NULL;
    size_t j = 0;

    if (r == NULL || (out = malloc(strlen(r) + 1)) == NULL)
        return NULL;
    for (r++; *r; r++) {
        int hi = r[0] == '%' ? msg_hexval(r[1]) : -1;
        int lo = hi >= 0 ? msg_hexval(r[2]) : -1;
        out[j++] = lo >= 0 ? (char)(hi * 16 + lo) : *r;
        r += lo >= 0 ? 2 : 0;
    }
    out[j] = '\0';
    charset = strndup(v, (size_t)(q - v));
    if (charset && *charset &&
        charconv("utf-8", charset, out, j, &conv) == 0 && conv) {
        free(out);
        out = conv;
    }
    free(charset);
    return out;
}

static const char *msg_disp_param(const struct mailmime_disposition *d,
                                  const char *name)
{
    clistiter *it;

    if (d == NULL || d->dsp_parms == NULL)
        return NULL;
    for (it = clist_begin(d->dsp_parms); it; it = clist_next(it)) {
        const struct mailmime_disposition_parm *pa = clist_content(it);
        if (pa->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME &&
            strcasecmp(name, "filename") == 0)
            return pa->pa_data.pa_filename;
        if (pa->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
            strcasecmp(pa->pa_data.pa_parameter->pa_name, name) == 0)
            return pa->pa_data.pa_parameter->pa_value;
    }
    return NULL;
}

/* Filename from Content-Disposition, else Content-Type name; RFC 2231 and
 * RFC 2047 forms decoded. Path separators become '_' so that no consumer
 * can be steered out of a directory by it. */
static int msg_part_filename(struct msg_part *p, const struct mailmime *n,
                             struct err *e)
{
    struct mailmime_single_fields sf;
    const char *v;
    char *s = NULL;

    mailmime_single_fields_init(&sf, n->mm_mime_fields, n->mm_content_type);
    if ((v = msg_disp_param(sf.fld_disposition, "filename*")) != NULL ||
        (v = msg_param(n->mm_content_type, "name*")) != NULL)
        s = msg_rfc2231(v);
    else if ((v = sf.fld_disposition_filename) != NULL ||
             (v = sf.fld_content_name) != NULL)
        s = msg_hdr_decode(v, strlen(v));
    if (v == NULL)
        return 0;
    if (s == NULL)
        return err_set(e, ERR_NOMEM, "filename: out of memory");
    msg_clean_text(s);
    for (p->filename = s; *s; s++)
        if (*s == '/' || *s == '\\')
            *s = '_';
    return 0;
}

/* Quoted-printable decoding by hand: libetpan turns an invalid escape
 * into arbitrary bytes ("=_x" gives a NUL), where RFC 2045 6.7 asks for
 * the '=' to be kept. White space before a line end was added in transit
 * and is dropped (rule 3); "=" at a line end is a soft break. */
static size_t msg_qp_decode(const char *s, size_t n, char *out)
{
    size_t i = 0, j = 0, k;
    int hi, lo;

    while (i < n) {
        for (k = i; k < n && msg_is_wsp(s[k]); k++)
            ;
        if (k > i) {            /* a run of white space, copied at once */
            if (k < n && s[k] != '\r' && s[k] != '\n')
                for (; i < k; i++)
                    out[j++] = s[i];
            i = k;
            continue;
        }
        if (s[i] != '=') {
            out[j++] = s[i++];
            continue;
        }
        for (k = i + 1; k < n && msg_is_wsp(s[k]); k++)
            ;
        if (k == n || s[k] == '\n' || (s[k] == '\r' && k + 1 < n &&
                                        s[k + 1] == '\n')) {
            i = k == n ? n : k + (s[k] == '\r' ? 2 : 1);
            continue;
        }
        hi = i + 2 < n ? msg_hexval(s[i + 1]) : -1;
        lo = hi >= 0 ? msg_hexval(s[i + 2]) : -1;
        out[j++] = lo >= 0 ? (char)(hi * 16 + lo) : '=';
        i += lo >= 0 ? 3 : 1;
    }
    return j;
}

static int msg_part_body(struct msg_part *p, const struct mailmime *n,
                         struct err *e)
{
    const struct mailmime_data *d = n->mm_data.mm_single;
    const char *src = d ? d->dt_data.dt_text.dt_data : "";
    size_t slen = d ? d->dt_data.dt_text.dt_length : 0, idx = 0, rlen = 0;
    char *res = NULL;

    p->data = malloc(slen + 1);
    if (p->data == NULL)
        return err_set(e, ERR_NOMEM, "part body: out of memory");
    if (d && d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
        p->len = msg_qp_decode(src, slen, p->data);
    } else if (slen) {
        if (mailmime_part_parse(src, slen, &idx, d->dt_encoding, &res,
                                &rlen) != 0)
            return err_set(e, ERR_DATA, "%s part cannot be decoded",
                           p->content_type);
        if (rlen > slen) {      /* not for any encoding we know */
            free(p->data);
            p->data = malloc(rlen + 1);
        }
        if (p->data)
            memcpy(p->data, res, rlen);
        p->len = rlen;
        mailmime_decoded_part_free(res);
        if (p->data == NULL)
            return err_set(e, ERR_NOMEM, "part body: out of memory");
    }
    p->data[p->len] = '\0';
    return 0;
}

static int msg_leaf(const struct mailmime *n, struct msg_part *p,
                    struct err *e)
{
    p->content_type = msg_type_str(n->mm_content_type);
    if (p->content_type == NULL)
        return err_set(e, ERR_NOMEM, "content type: out of memory");
    p->is_text = strcmp(p->content_type, "text/plain") == 0 ||
        strcmp(p->content_type, "text/html") == 0;
    if (msg_part_filename(p, n, e) < 0 || msg_part_body(p, n, e) < 0)
        return -1;
    if (p->is_text)
        return msg_text_utf8(p, msg_param(n->mm_content_type, "charset"), e);
    return 0;
}

/* Leaves in document order. An attached message/rfc822 is descended into
 * (its text must be anonymised like any other); its own header fields are
 * not kept. Depth is bounded by the limit walk done at parse time. */
static int msg_collect(const struct mailmime *n, struct msg_content *c,
                       struct err *e)
{
    clistiter *it;

    if (n->mm_type == MAILMIME_MULTIPLE) {
        for (it = clist_begin(n->mm_data.mm_multipart.mm_mp_list); it;
             it = clist_next(it))
            if (msg_collect(clist_content(it), c, e) < 0)
                return -1;
        return 0;
    }
    if (n->mm_type == MAILMIME_MESSAGE)
        return n->mm_data.mm_message.mm_msg_mime ?
            msg_collect(n->mm_data.mm_message.mm_msg_mime, c, e) : 0;
    return msg_leaf(n, &c->parts[c->nparts++], e);
}

static int msg_content_heads(const struct msg *m, const char *ent,
                             size_t elen, struct msg_content *c,
                             struct err *e)
{
    const char *subj = msg_header(m, "Subject");
    const char *from = msg_header(m, "From");
    int found = 0, found_to = 0;

    /* What decides anything is read from the signed bytes only: a signed
     * entity without a protected Subject has none here (process reads
     * the signed body then), never the unsigned outer one. */
    if (m->is_signed) {
        c->subject = msg_hdr_find(ent, elen, "Subject", &found);
        c->signed_to = msg_hdr_find(ent, elen, "To", &found_to);
    } else {
        c->subject = strdup(subj ? subj : "");
        found = 1;
    }
    if (!found)
        c->subject = strdup("");
    if (!found_to)
        c->signed_to = strdup("");
    c->outer_subject = strdup(subj ? subj : "");
    c->from = strdup(from ? from : "");
    if (c->subject == NULL || c->from == NULL || c->signed_to == NULL ||
        c->outer_subject == NULL)
        return err_set(e, ERR_NOMEM, "content: out of memory");
    return 0;
}

int msg_content(const struct msg *m, struct msg_content **out,
                struct err *e)
{
    const char *ent = m->is_signed ? m->raw + m->signed_off : m->raw;
    size_t elen = m->is_signed ? m->signed_len : m->len;
    struct mailmime *mime = NULL;
    struct msg_content *c;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return err_set(e, ERR_NOMEM, "content: out of memory");
    /* Parsed afresh from the signed bytes, so that what is shown is what
     * the signature covers. parts[] is sized by the limit walk's bound. */
    if (msg_mime_parse(ent, elen, &m->lim, &mime, e) < 0)
        goto fail;
    c->parts = calloc(m->lim.max_parts ? m->lim.max_parts : 1,
                      sizeof(*c->parts));
    if (c->parts == NULL) {
        err_set(e, ERR_NOMEM, "content: out of memory");
        goto fail;
    }
    if (msg_content_heads(m, ent, elen, c, e) < 0 ||
        msg_collect(msg_top(mime), c, e) < 0)
        goto fail;
    mailmime_free(mime);
    *out = c;
    return 0;
fail:
    if (mime)
        mailmime_free(mime);
    msg_content_free(c);
    return -1;
}

/* ------------------------------------------- shapes for authentication */

int msg_top_type(const struct msg *m, char *out, size_t n)
{
    char *s = msg_type_str(msg_top(m->mime)->mm_content_type);
    int w;

    if (s == NULL)
        return -1;
    w = snprintf(out, n, "%s", s);
    free(s);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* RFC 3156 section 4: multipart/encrypted with protocol
 * application/pgp-encrypted, a control part, then the OpenPGP data. */
int msg_is_pgp_encrypted(const struct msg *m)
{
    const struct mailmime *top = msg_top(m->mime);
    const char *proto;
    clist *l;

    if (top->mm_type != MAILMIME_MULTIPLE ||
        !msg_type_is(top->mm_content_type, "multipart/encrypted"))
        return 0;
    proto = msg_param(top->mm_content_type, "protocol");
    l = top->mm_data.mm_multipart.mm_mp_list;
    if (proto == NULL || strcasecmp(proto, "application/pgp-encrypted") != 0
        || l == NULL || clist_count(l) != 2)
        return 0;
    return msg_type_is(((struct mailmime *)clist_nth_data(l, 0))
                       ->mm_content_type, "application/pgp-encrypted") &&
        ((struct mailmime *)clist_nth_data(l, 1))->mm_type == MAILMIME_SINGLE;
}

static int msg_single_decode(const struct mailmime *n, struct buf *out,
                             struct err *e)
{
    struct msg_part p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.content_type = msg_type_str(n->mm_content_type);
    if (p.content_type == NULL)
        return err_set(e, ERR_NOMEM, "content type: out of memory");
    rc = msg_part_body(&p, n, e);
    if (rc == 0 && buf_append(out, p.data, p.len) != 0)
        rc = err_set(e, ERR_TOOBIG, "decoded body over its limit");
    msg_part_clear(&p);
    return rc;
}

int msg_encrypted_body(const struct msg *m, struct buf *out, struct err *e)
{
    const struct mailmime *top = msg_top(m->mime);

    if (!msg_is_pgp_encrypted(m))
        return err_set(e, ERR_DATA, "not a PGP/MIME encrypted message");
    return msg_single_decode(
        clist_nth_data(top->mm_data.mm_multipart.mm_mp_list, 1), out, e);
}

int msg_body(const struct msg *m, struct buf *out, char *charset,
             size_t csz, struct err *e)
{
    const struct mailmime *top = msg_top(m->mime);
    const char *cs = msg_param(top->mm_content_type, "charset");

    if (top->mm_type != MAILMIME_SINGLE)
        return err_set(e, ERR_DATA, "not a single-part message");
    if (csz > 0)
        snprintf(charset, csz, "%s", cs ? cs : "");
    return msg_single_decode(top, out, e);
}

int msg_content_entity(const struct msg *m, const char *ent, size_t elen,
                       struct msg_content **out, struct err *e)
{
    struct msg tmp = *m;

    /* Same as msg_content over the signed part: the entity given is what
     * a signature covered, and protected headers are read from it. */
    tmp.is_signed = 1;
    tmp.raw = (char *)ent;
    tmp.signed_off = 0;
    tmp.signed_len = elen;
    return msg_content(&tmp, out, e);
}

/* No white space or specials a display name could use to pass for an
 * address: "manager@example <eve@example>" is refused, not interpreted. */
static int msg_name_ok(const char *s)
{
    return strpbrk(s, "@<>,;:\"") == NULL;
}

static int msg_author_parse(const char *v, size_t n, char *name, size_t nsz,
                            char *addr, size_t asz, struct err *e)
{
    struct mailimf_mailbox_list *l = NULL;
    struct mailimf_mailbox *mb;
    size_t idx = 0;
    char *dn = NULL;
    int rc;

    if (mailimf_mailbox_list_parse(v, n, &idx, &l) != MAILIMF_NO_ERROR)
        return err_set(e, ERR_DATA, "From has no address");
    while (idx < n && (msg_is_wsp(v[idx]) || v[idx] == '\r' || v[idx] == '\n'))
        idx++;
    if (idx != n || clist_count(l->mb_list) != 1) {
        rc = err_set(e, ERR_DATA, idx != n ? "From does not parse as one "
                     "mailbox" : "From names several mailboxes");
        goto out;
    }
    mb = clist_content(clist_begin(l->mb_list));
    if (mb->mb_display_name)
        dn = msg_hdr_decode(mb->mb_display_name, strlen(mb->mb_display_name));
    if (mb->mb_display_name && dn == NULL)
        rc = err_set(e, ERR_NOMEM, "From: out of memory");
    else if (dn && !msg_name_ok(dn))
        rc = err_set(e, ERR_DATA, "From's display name looks like an address");
    else if (strpbrk(mb->mb_addr_spec, " \t\"()<>,;:\\") ||
             strchr(mb->mb_addr_spec, '@') == NULL ||
             strchr(mb->mb_addr_spec, '@') != strrchr(mb->mb_addr_spec, '@'))
        rc = err_set(e, ERR_DATA, "From's address is not a plain addr-spec");
    else if ((size_t)snprintf(name, nsz, "%s", dn ? dn : "") >= nsz ||
             (size_t)snprintf(addr, asz, "%s", mb->mb_addr_spec) >= asz)
        rc = err_set(e, ERR_DATA, "From too long");
    else
        rc = 0;
out:
    free(dn);
    mailimf_mailbox_list_free(l);
    return rc;
}

int msg_author(const struct msg *m, char *name, size_t nsz, char *addr,
               size_t asz, struct err *e)
{
    size_t pos = 0, i, nfrom = 0;
    struct msg_span f, from;

    memset(&from, 0, sizeof(from));
    while (msg_hdr_next(m->raw, m->len, &pos, &f))
        if (f.namelen == 4 && strncasecmp(f.p, "From", 4) == 0) {
            from = f;
            nfrom++;
        }
    if (nfrom == 0)
        return err_set(e, ERR_DATA, "no From field");
    if (nfrom > 1)
        return err_set(e, ERR_DATA, "%zu From fields", nfrom);
    for (i = 5; i < from.len && msg_is_wsp(from.p[i]); i++)
        ;
    if (i >= from.len)
        return err_set(e, ERR_DATA, "From is empty");
    return msg_author_parse(from.p + i, from.len - i, name, nsz, addr, asz,
                            e);
}

/* ------------------------------------------------------------ writing */

static const char MSG_HEX[] = "0123456789ABCDEF";

static void msg_qp_escape(struct msg_w *w, unsigned char c, size_t *col)
{
    char esc[3] = {'=', MSG_HEX[c >> 4], MSG_HEX[c & 15]};

    w_put(w, esc, 3);
    *col += 3;
}

/* Must byte i be escaped? Trailing white space (RFC 2045 6.7 rule 3, and
 * RFC 3156 5: it would not survive transport), "From " at a line start
 * (mbox quoting would change signed text) and a leading '.' (SMTP dot
 * stuffing gone wrong) are escaped too. */
static int msg_qp_must(const char *s, size_t n, size_t i, size_t col)
{
    unsigned char c = (unsigned char)s[i];

    if (c == '\t' || c == ' ')
        return i + 1 == n || s[i + 1] == '\n' ||
            (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
    if (c < 33 || c > 126 || c == '=')
        return 1;
    if (col == 0 && c == '.')
        return 1;
    return col == 0 && c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0;
}

/* Quoted-printable for text: LF or CRLF in s become CRLF line breaks,
 * lines stay within 76 characters. */
static void msg_qp_encode(struct msg_w *w, const char *s, size_t n)
{
    size_t i, col = 0, need;

    for (i = 0; i < n; i++) {
        if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            i += s[i] == '\r';
            w_puts(w, "\r\n");
            col = 0;
            continue;
        }
        need = msg_qp_must(s, n, i, col) ? 3 : 1;
        if (col + need > MSG_QP_LINE - 1) {
            w_puts(w, "=\r\n");
            col = 0;
            need = msg_qp_must(s, n, i, col) ? 3 : 1;
        }
        if (need == 3)
            msg_qp_escape(w, (unsigned char)s[i], &col);
        else {
            w_put(w, s + i, 1);
            col++;
        }
    }
}

static void msg_b64_encode(struct msg_w *w, const char *s, size_t n)
{
    MMAPString *str = mmap_string_new("");
    int col = 0;

    if (str == NULL ||
        mailmime_base64_write_mem(str, &col, s, n) != MAILIMF_NO_ERROR) {
        if (w->rc == 0)
            w->rc = BUF_ENOMEM;
    } else {
        w_put(w, str->str, str->len);
    }
    if (str)
        mmap_string_free(str);
}

/* "=_agw_" + hex: "=_" cannot occur in quoted-printable or base64 output,
 * and the caller still checks the content so that nothing depends on it. */
static int msg_boundary(char *bnd, size_t size, const char *a, size_t alen,
                        const char *b, size_t blen, struct err *e)
{
    unsigned char rnd[MSG_BOUNDARY_RAND];
    size_t i, j;
    int t;

    for (t = 0; t < MSG_BOUNDARY_TRIES; t++) {
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            return err_set(e, ERR_TEMP, "no random bytes for a boundary");
        j = (size_t)snprintf(bnd, size, "=_agw_");
        for (i = 0; i < sizeof(rnd) && j + 2 < size; i++) {
            bnd[j++] = MSG_HEX[rnd[i] >> 4];
            bnd[j++] = MSG_HEX[rnd[i] & 15];
        }
        bnd[j] = '\0';
        if (!memmem(a, alen, bnd, j) && (b == NULL || !memmem(b, blen, bnd, j)))
            return 0;
    }
    return err_set(e, ERR_SOFTWARE, "no fresh MIME boundary found");
}

#define MSG_BOUNDARY_SIZE (sizeof("=_agw_") + 2 * MSG_BOUNDARY_RAND)

/* A parameter value as a quoted-string with nothing that needs quoting
 * inside: controls, quotes and backslashes become '_'. */
static void msg_put_ascii_name(struct msg_w *w, const char *s, size_t n)
{
    size_t i;

    w_puts(w, "filename=\"");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char o = (c < 0x20 || c > 0x7e || c == '"' || c == '\\' ||
                  c == '/') ? '_' : (char)c;
        w_put(w, &o, 1);
    }
    w_puts(w, "\"");
}

/* RFC 2231 extended value for a non-ASCII filename. */
static void msg_put_2231_name(struct msg_w *w, const char *s, size_t n)
{
    size_t i;

    w_puts(w, "filename*=utf-8''");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || (c && strchr("!#$&+-.^_`|~", c)))
            w_put(w, s + i, 1);
        else {
            char esc[3] = {'%', MSG_HEX[c >> 4], MSG_HEX[c & 15]};
            w_put(w, esc, 3);
        }
    }
}

static void msg_put_disposition(struct msg_w *w, const char *name)
{
    size_t i, n;
    int ascii = 1;

    w_puts(w, "Content-Disposition: attachment");
    if (name == NULL || *name == '\0') {
        w_puts(w, "\r\n");
        return;
    }
    n = strlen(name);
    n = n > MSG_FILENAME_MAX ? MSG_FILENAME_MAX : n;
    while (n > 0 && n < strlen(name) &&
           ((unsigned char)name[n] & 0xc0) == 0x80)
        n--;                    /* do not cut a UTF-8 sequence */
    for (i = 0; i < n; i++)
        if ((unsigned char)name[i] >= 0x80)
            ascii = 0;
    w_puts(w, ";\r\n ");
    if (ascii)
        msg_put_ascii_name(w, name, n);
    else
        msg_put_2231_name(w, name, n);
    w_puts(w, "\r\n");
}

/* A content type we write must be a plain "token/token"; anything else
 * (which came from a hostile message) is written as octet-stream. */
static int msg_type_ok(const char *t)
{
    size_t i, slash = 0;

    if (t == NULL || *t == '\0' || strlen(t) > MSG_FIELD_NAME_MAX)
        return 0;
    for (i = 0; t[i]; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '/')
            slash++;
        else if (!isalnum(c) && !strchr("!#$&-^_.+", c))
            return 0;
    }
    return slash == 1 && t[0] != '/' && t[i - 1] != '/';
}

static void msg_put_part(struct msg_w *w, const struct msg_part *p,
                         int attach)
{
    const char *ct = p->content_type;

    if (p->is_text) {
        w_puts(w, "Content-Type: ");
        w_puts(w, msg_type_ok(ct) && strncmp(ct, "text/", 5) == 0 ?
               ct : "text/plain");
        w_puts(w, "; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n");
    } else {
        w_puts(w, "Content-Type: ");
        w_puts(w, msg_type_ok(ct) ? ct : "application/octet-stream");
        w_puts(w, "\r\nContent-Transfer-Encoding: base64\r\n");
    }
    if (attach)
        msg_put_disposition(w, p->filename);
    w_puts(w, "\r\n");
    if (p->is_text)
        msg_qp_encode(w, p->data, p->len);
    else
        msg_b64_encode(w, p->data, p->len);
}

static int msg_entity_parts(const struct msg_part *parts, size_t n,
                            struct buf *body, struct err *e)
{
    struct msg_w w = {body, 0};
    size_t i;

    for (i = 0; i < n; i++) {
        w_puts(&w, "\r\n--\001\r\n");  /* \001: boundary placeholder */
        msg_put_part(&w, &parts[i], i > 0);
    }
    w_puts(&w, "\r\n--\001--\r\n");
    return w_done(&w, e, "MIME entity");
}

/* Copy tmp to w, putting bnd in place of each \001 placeholder (which
 * cannot occur otherwise: the encoders write 7-bit printable text). */
static void msg_put_with_boundary(struct msg_w *w, const char *tmp,
                                  size_t len, const char *bnd)
{
    const char *p = tmp, *q, *end = tmp + len;

    while ((q = memchr(p, '\001', (size_t)(end - p))) != NULL) {
        w_put(w, p, (size_t)(q - p));
        w_puts(w, bnd);
        p = q + 1;
    }
    w_put(w, p, (size_t)(end - p));
}

static int msg_entity_write(const struct msg_part *parts, size_t n,
                            struct buf *out, struct err *e)
{
    struct msg_w w = {out, 0};
    char bnd[MSG_BOUNDARY_SIZE];
    struct buf tmp;

    if (n == 0 || !parts[0].is_text)
        return err_set(e, ERR_SOFTWARE, "entity: first part must be text");
    if (n == 1) {
        msg_put_part(&w, &parts[0], 0);
        return w_done(&w, e, "MIME entity");
    }
    buf_init(&tmp, out->max);
    if (msg_entity_parts(parts, n, &tmp, e) < 0 ||
        msg_boundary(bnd, sizeof(bnd), buf_cstr(&tmp), tmp.len, NULL, 0,
                     e) < 0) {
        buf_free(&tmp);
        return -1;
    }
    w_puts(&w, "Content-Type: multipart/mixed;\r\n boundary=\"");
    w_puts(&w, bnd);
    w_puts(&w, "\"\r\n\r\nThis is a multi-part message in MIME format.");
    msg_put_with_boundary(&w, tmp.data, tmp.len, bnd);
    buf_free(&tmp);
    return w_done(&w, e, "MIME entity");
}

/* ------------------------------------------------------------ headers */

static int msg_word_needs_ew(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] < 0x20 ||
            (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
            return 1;
    return 0;
}

/* RFC 2047 B words of at most MSG_EW_CHUNK bytes each, cut between UTF-8
 * sequences, separated by a space (which decoders drop between words). */
static void msg_put_ew(struct msg_w *w, const char *s, size_t n)
{
    size_t i = 0, k, len;
    MMAPString *str;
    int col;

    while (i < n) {
        len = 0;
        while (i + len < n) {
            k = msg_utf8_seq((const unsigned char *)s + i + len, n - i - len);
            k = k ? k : 1;
            if (len + k > MSG_EW_CHUNK)
                break;
            len += k;
        }
        str = mmap_string_new("");
        col = 0;
        if (str == NULL ||
            mailmime_base64_write_mem(str, &col, s + i, len) != 0) {
            w->rc = w->rc ? w->rc : BUF_ENOMEM;
        } else {
            w_puts(w, i ? " =?UTF-8?B?" : "=?UTF-8?B?");
            w_put(w, str->str, str->len - 2);   /* its CRLF */
            w_puts(w, "?=");
        }
        if (str)
            mmap_string_free(str);
        i += len;
    }
}

/* The value with every run of words that needs it (non-ASCII, controls,
 * or something that looks like an encoded word) as encoded words; ASCII
 * words and the spacing around them are kept, so addresses survive. */
static void msg_encode_value(struct msg_w *w, const char *v)
{
    size_t n = strlen(v), i = 0, j, run_end;

    while (i < n) {
        j = i;
        while (j < n && !msg_is_wsp(v[j]))
            j++;
        if (!msg_word_needs_ew(v + i, j - i)) {
            while (j < n && msg_is_wsp(v[j]))
                j++;
            w_put(w, v + i, j - i);
            i = j;
            continue;
        }
        run_end = j;
        for (;;) {              /* join following words that need it */
            size_t a = run_end, b;
            while (a < n && msg_is_wsp(v[a]))
                a++;
            for (b = a; b < n && !msg_is_wsp(v[b]); b++)
                ;
            if (a == n || !msg_word_needs_ew(v + a, b - a))
                break;
            run_end = b;
        }
        msg_put_ew(w, v + i, run_end - i);
        i = run_end;
    }
}

/* Fold "Name: value" before white space so no line passes 78 where a
 * break exists; unfolding gives the same text back (RFC 5322 2.2.3). */
static int msg_fold(struct msg_w *w, const char *s, size_t n, size_t nlen,
                    struct err *e)
{
    size_t start = 0, ws = 0, i;

    for (i = 0; i < n; i++) {
        /* break only where a run of white space starts: a break inside
         * the run would leave a line of white space alone, which
         * libetpan (and others) read as the end of the header block;
         * nor right after a comment's ')': libetpan 1.9.4 then ends the
         * header block at the continuation line (fuzz_msg regression) */
        if (i > start && i > nlen + 1 && msg_is_wsp(s[i]) &&
            !msg_is_wsp(s[i - 1]) && s[i - 1] != ')')
            ws = i;
        if (i - start >= MSG_LINE_SOFT && ws > start) {
            w_put(w, s + start, ws - start);
            w_puts(w, "\r\n");
            start = ws;
        }
        if (i - start >= MSG_LINE_HARD)
            return err_set(e, ERR_DATA, "header %.*s: a word too long to "
                           "fold", (int)nlen, s);
    }
    w_put(w, s + start, n - start);
    w_puts(w, "\r\n");
    return 0;
}

static int msg_field_ok(const struct msg_header_field *h, struct err *e)
{
    size_t i, n = strlen(h->name);

    if (n == 0 || n > MSG_FIELD_NAME_MAX)
        return err_set(e, ERR_DATA, "header field name of %zu bytes", n);
    for (i = 0; i < n; i++)
        if ((unsigned char)h->name[i] <= 32 ||
            (unsigned char)h->name[i] >= 127 || h->name[i] == ':')
            return err_set(e, ERR_DATA, "bad header field name");
    if (strcasecmp(h->name, "MIME-Version") == 0 ||
        strncasecmp(h->name, "Content-", 8) == 0)
        return err_set(e, ERR_DATA, "header %.76s is written by msg",
                       h->name);
    if (strpbrk(h->value, "\r\n"))
        return err_set(e, ERR_DATA, "header %.76s: CR or LF in value",
                       h->name);
    return 0;
}

static int msg_put_field(struct msg_w *w, const struct msg_header_field *h,
                         size_t max, struct err *e)
{
    struct buf line;
    struct msg_w lw;
    size_t n;
    int rc;

    if (msg_field_ok(h, e) < 0)
        return -1;
    buf_init(&line, max);
    lw.b = &line;
    lw.rc = 0;
    w_puts(&lw, h->name);
    w_puts(&lw, ": ");
    msg_encode_value(&lw, h->value);
    n = line.len;
    while (n > 0 && msg_is_wsp(line.data[n - 1]))
        n--;                    /* no line of only white space when folded */
    rc = w_done(&lw, e, "header");
    if (rc == 0)
        rc = msg_fold(w, line.data, n, strlen(h->name), e);
    buf_free(&line);
    return rc;
}

/* micalg is written into a header: a token, nothing else. */
static int msg_micalg_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return i > 0 && i <= MSG_FIELD_NAME_MAX;
}

/* The entity goes out verbatim and is what was signed: it must already be
 * canonical CRLF text, since a relay would otherwise change it. */
static int msg_entity_ok(const char *s, size_t n, struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || c >= 0x80 ||
            (c == '\n' && (i == 0 || s[i - 1] != '\r')) ||
            (c == '\r' && (i + 1 == n || s[i + 1] != '\n')))
            return err_set(e, ERR_DATA,
                           "entity is not 7-bit CRLF text at byte %zu", i);
    }
    return 0;
}

static int msg_sig_ok(const char *s, size_t n, struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == 0 || (unsigned char)s[i] >= 0x80)
            return err_set(e, ERR_DATA, "signature is not ASCII armoured");
    return 0;
}

/* LF or CRLF in, CRLF out. */
static void msg_put_crlf(struct msg_w *w, const char *s, size_t n)
{
    size_t i, from = 0;

    for (i = 0; i < n; i++) {
        if (s[i] != '\n' || (i > 0 && s[i - 1] == '\r'))
            continue;
        w_put(w, s + from, i - from);
        w_puts(w, "\r\n");
        from = i + 1;
    }
    w_put(w, s + from, n - from);
}

static void msg_put_signed_body(struct msg_w *w, const char *bnd,
                                const char *entity, size_t elen,
                                const char *sig, size_t slen)
{
    w_puts(w, "\r\nThis is an OpenPGP/MIME signed message (RFC 4880 and "
           "3156)\r\n--");
    w_puts(w, bnd);
    w_puts(w, "\r\n");
    w_put(w, entity, elen);
    w_puts(w, "\r\n--");
    w_puts(w, bnd);
    w_puts(w, "\r\nContent-Type: application/pgp-signature; "
           "name=\"signature.asc\"\r\n"
           "Content-Description: OpenPGP digital signature\r\n"
           "Content-Disposition: attachment; filename=\"signature.asc\"\r\n"
           "\r\n");
    msg_put_crlf(w, sig, slen);
    w_puts(w, "\r\n--");
    w_puts(w, bnd);
    w_puts(w, "--\r\n");
}

static int msg_signed_write(const struct msg_header_field *hdrs,
                            size_t nhdrs, const char *entity, size_t elen,
                            const char *sig, size_t slen, const char *micalg,
                            struct buf *out, struct err *e)
{
    struct msg_w w = {out, 0};
    char bnd[MSG_BOUNDARY_SIZE];
    size_t i;

    if (!msg_micalg_ok(micalg))
        return err_set(e, ERR_DATA, "micalg is not a token");
    if (msg_entity_ok(entity, elen, e) < 0 || msg_sig_ok(sig, slen, e) < 0 ||
        msg_boundary(bnd, sizeof(bnd), entity, elen, sig, slen, e) < 0)
        return -1;
    for (i = 0; i < nhdrs; i++)
        if (msg_put_field(&w, &hdrs[i], out->max, e) < 0)
            return -1;
    w_puts(&w, "MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
           "micalg=");
    w_puts(&w, micalg);
    w_puts(&w, ";\r\n protocol=\"application/pgp-signature\";\r\n "
           "boundary=\"");
    w_puts(&w, bnd);
    w_puts(&w, "\"\r\n");
    msg_put_signed_body(&w, bnd, entity, elen, sig, slen);
    return w_done(&w, e, "signed message");
}

/* On failure out is put back as it was: half a message must not be sent
 * by a caller that ignores the return code. */
static int msg_rollback(struct buf *out, size_t len0, int rc)
{
    if (rc != 0 && out->data) {
        out->len = len0;
        out->data[len0] = '\0';
    }
    return rc;
}

int msg_build_entity(const struct msg_part *parts, size_t n, struct buf *out,
                     struct err *e)
{
    size_t len0 = out->len;

    return msg_rollback(out, len0, msg_entity_write(parts, n, out, e));
}

/* The entity's first header line, with protected-headers="v1" added as a
 * parameter of its Content-Type (before a trailing ';' when the value
 * goes on, as multipart/mixed's boundary does). */
static void msg_put_protected_type(struct msg_w *w, const struct buf *ent)
{
    const char *eol = memmem(ent->data, ent->len, "\r\n", 2);
    size_t n = eol ? (size_t)(eol - ent->data) : ent->len;
    int more = n > 0 && ent->data[n - 1] == ';';

    w_put(w, ent->data, more ? n - 1 : n);
    w_puts(w, more ? "; protected-headers=\"v1\";" :
           "; protected-headers=\"v1\"");
    w_put(w, ent->data + n, ent->len - n);
}

int msg_build_entity_protected(const struct msg_part *parts, size_t n,
                               const struct msg_header_field *hdrs,
                               size_t nhdrs, struct buf *out, struct err *e)
{
    struct msg_w w = {out, 0};
    size_t len0 = out->len, i;
    struct buf ent;
    int rc = 0;

    buf_init(&ent, out->max);
    for (i = 0; i < nhdrs && rc == 0; i++)
        rc = msg_put_field(&w, &hdrs[i], out->max, e);
    if (rc == 0)
        rc = msg_entity_write(parts, n, &ent, e);
    if (rc == 0) {
        msg_put_protected_type(&w, &ent);
        rc = w_done(&w, e, "MIME entity");
    }
    buf_free(&ent);
    return msg_rollback(out, len0, rc);
}

int msg_build_signed(const struct msg_header_field *hdrs, size_t nhdrs,
                     const char *entity, size_t elen, const char *sig,
                     size_t slen, const char *micalg, struct buf *out,
                     struct err *e)
{
    size_t len0 = out->len;

    return msg_rollback(out, len0, msg_signed_write(hdrs, nhdrs, entity,
                        elen, sig, slen, micalg, out, e));
}

static int msg_plain_write(const struct msg_header_field *hdrs, size_t nhdrs,
                           const char *entity, size_t elen, struct buf *out,
                           struct err *e)
{
    struct msg_w w = {out, 0};
    size_t i;

    if (msg_entity_ok(entity, elen, e) < 0)
        return -1;
    for (i = 0; i < nhdrs; i++)
        if (msg_put_field(&w, &hdrs[i], out->max, e) < 0)
            return -1;
    /* The entity begins with its own Content-* fields: they continue
     * this header block. */
    w_puts(&w, "MIME-Version: 1.0\r\n");
    w_put(&w, entity, elen);
    return w_done(&w, e, "message");
}

int msg_build_message(const struct msg_header_field *hdrs, size_t nhdrs,
                      const char *entity, size_t elen, struct buf *out,
                      struct err *e)
{
    size_t len0 = out->len;

    return msg_rollback(out, len0, msg_plain_write(hdrs, nhdrs, entity, elen,
                                                    out, e));
}

/* RFC 3156 section 4: the control part says "Version: 1", the second
 * part is the armoured OpenPGP message. The armour is 7-bit already. */
static void msg_put_encrypted_body(struct msg_w *w, const char *bnd,
                                   const char *ct, size_t clen)
{
    w_puts(w, "\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and "
           "3156)\r\n--");
    w_puts(w, bnd);
    w_puts(w, "\r\nContent-Type: application/pgp-encrypted\r\n"
           "Content-Description: PGP/MIME version identification\r\n"
           "\r\nVersion: 1\r\n\r\n--");
    w_puts(w, bnd);
    w_puts(w, "\r\nContent-Type: application/octet-stream; "
           "name=\"encrypted.asc\"\r\n"
           "Content-Description: OpenPGP encrypted message\r\n"
           "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
           "\r\n");
    msg_put_crlf(w, ct, clen);
    w_puts(w, "\r\n--");
    w_puts(w, bnd);
    w_puts(w, "--\r\n");
}

static int msg_encrypted_write(const struct msg_header_field *hdrs,
                               size_t nhdrs, const char *ct, size_t clen,
                               struct buf *out, struct err *e)
{
    struct msg_w w = {out, 0};
    char bnd[MSG_BOUNDARY_SIZE];
    size_t i;

    if (msg_sig_ok(ct, clen, e) < 0 ||
        msg_boundary(bnd, sizeof(bnd), ct, clen, NULL, 0, e) < 0)
        return -1;
    for (i = 0; i < nhdrs; i++)
        if (msg_put_field(&w, &hdrs[i], out->max, e) < 0)
            return -1;
    w_puts(&w, "MIME-Version: 1.0\r\nContent-Type: multipart/encrypted;\r\n"
           " protocol=\"application/pgp-encrypted\";\r\n boundary=\"");
    w_puts(&w, bnd);
    w_puts(&w, "\"\r\n");
    msg_put_encrypted_body(&w, bnd, ct, clen);
    return w_done(&w, e, "encrypted message");
}

int msg_build_encrypted(const struct msg_header_field *hdrs, size_t nhdrs,
                        const char *ct, size_t clen, struct buf *out,
                        struct err *e)
{
    size_t len0 = out->len;

    return msg_rollback(out, len0, msg_encrypted_write(hdrs, nhdrs, ct, clen,
                                                       out, e));
}
