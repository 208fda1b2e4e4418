/*
 * msg_hdr - header fields as they stand in a header block: one field at a
 * time with its continuation lines, the header limits, and the values
 * unfolded and decoded (RFC 2047) to clean UTF-8.
 */
#include "mail/msg.h"
#include "mail/msg_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------- headers */

/* Next header field of the header block starting at *pos. Returns 1 and
 * fills f, or 0 at the empty line (then *pos is past it) or the end. */
int msg_hdr_next(const char *p, size_t len, size_t *pos,
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
int msg_hdr_check(const char *p, size_t len,
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
char *msg_hdr_decode(const char *v, size_t n)
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
char *msg_hdr_find(const char *p, size_t len, const char *name,
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

int msg_fields_load(struct msg *m, struct err *e)
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

/* Printable ASCII but ':' (RFC 5322 3.6.8 ftext), at least one. */
static int msg_field_name_ok(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] < 33 || p[i] > 126 || p[i] == ':')
            return 0;
    return n > 0;
}

/* The header block at p as text, one "Name: value" line a field, values
 * unfolded and decoded: what an attached message's header says, for its
 * text/rfc822-headers part (msg_decode.c). NULL on allocation failure. */
char *msg_hdr_text(const char *p, size_t len, size_t *outlen)
{
    struct buf b;
    struct msg_span f;
    size_t pos = 0;
    char *v;
    int rc = 0;

    buf_init(&b, len * 4 + 64);  /* a decoded value never grows past 4x */
    while (rc == 0 && msg_hdr_next(p, len, &pos, &f)) {
        if (!msg_field_name_ok(f.p, f.namelen))
            continue;   /* not a field (RFC 5322 ftext), and maybe not text */
        if ((v = msg_span_value(&f)) == NULL) {
            rc = -1;
            break;
        }
        rc = buf_printf(&b, "%.*s: %s\n", (int)f.namelen, f.p, v);
        free(v);
    }
    if (rc == 0)
        rc = buf_putc(&b, '\0');
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    *outlen = b.len - 1;
    return buf_steal(&b, NULL);
}
