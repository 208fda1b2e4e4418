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
 * Decoding (msg_decode.c) and writing (msg_build.c) have their own notes;
 * msg_int.h lists the files of the module.
 *
 * Leniencies we tolerate on input: bare LF line ends, a lone CR kept as
 * data, an invalid QP escape kept literally, a mislabelled charset when the
 * bytes are UTF-8, header lines without a colon (skipped).
 */
#include "mail/msg.h"
#include "mail/msg_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_SIGNED_PARTS   2u   /* RFC 1847: content, then signature */

static const char MSG_PGP_SIG[] = "application/pgp-signature";

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

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not valid:
 * overlong forms, surrogates and values past U+10FFFF included. */
size_t msg_utf8_seq(const unsigned char *p, size_t n)
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

int msg_utf8_valid(const char *s, size_t n)
{
    size_t i = 0, k;
    uint64_t w;

    while (i < n) {
        /* a run of ASCII, eight bytes at a time: most of any alert */
        for (; n - i >= 8; i += 8) {
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
        }
        if (i == n)
            break;
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
void msg_clean_text(char *s)
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
    const char *q, *end = raw + len;
    size_t i, j, k, nlf = 0;
    char *p;

    /* line by line (memchr), not byte by byte: a 5 MiB alert is copied
     * twice per command */
    for (q = raw; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        if (q == raw || q[-1] != '\r')
            nlf++;
    if (len > SIZE_MAX - nlf - 1)
        return err_set(e, ERR_TOOBIG, "message too big to copy");
    p = malloc(len + nlf + 1);
    if (p == NULL)
        return err_set(e, ERR_NOMEM, "message copy: out of memory");
    for (i = 0, j = 0; i < len; i = k + 1) {
        q = memchr(raw + i, '\n', len - i);
        k = q ? (size_t)(q - raw) : len;
        memcpy(p + j, raw + i, k - i);
        j += k - i;
        if (k == len)
            break;
        if (k == 0 || raw[k - 1] != '\r')
            p[j++] = '\r';
        p[j++] = '\n';
    }
    p[j] = '\0';
    *out = p;
    *olen = j;
    return 0;
}

/* Offset of the next CRLF at or after pos, or len. */
size_t msg_eol(const char *p, size_t len, size_t pos)
{
    const char *q = p + pos, *end = p + len;

    /* memchr, not memmem: this runs once a line, and memmem's set-up cost
     * more than the line */
    while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL &&
           q + 1 < end) {
        if (q[1] == '\n')
            return (size_t)(q - p);
        q++;
    }
    return len;
}

/* ------------------------------------------------------ content types */

/* "type/subtype" in lower case, no parameters; text/plain when absent
 * (RFC 2045 5.2). */
char *msg_type_str(const struct mailmime_content *ct)
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

int msg_type_is(const struct mailmime_content *ct, const char *want)
{
    char *s = msg_type_str(ct);
    int r = s && strcmp(s, want) == 0;

    free(s);
    return r;
}

const char *msg_param(const struct mailmime_content *ct,
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

void msg_bytes(const struct msg *m, const char **data, size_t *len)
{
    *data = m->raw;
    *len = m->len;
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
