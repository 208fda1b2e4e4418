/*
 * msg_decode - the content entity decoded into parts (struct
 * msg_content): transfer encodings, charsets to UTF-8, filenames (RFC 2231
 * and RFC 2047), and the headers read from the signed bytes.
 *
 * Decoding uses libetpan for base64 and charsets (charconv) and RFC 2047
 * words; quoted-printable is decoded here (see msg_qp_decode).
 */
#include "mail/msg.h"
#include "mail/msg_int.h"
#include "mail/leak.h"  /* leak_is_text: one rule for "bytes read as text" */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------- content */

void msg_part_clear(struct msg_part *p)
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
    free(c->alt);
    for (i = 0; i < c->nnodes; i++)
        free(c->nodes[i].cid);
    free(c->nodes);
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
    const char *cr;
    size_t i = 0, j = 0, k, n = *len;

    /* from CR to CR (memchr): a 5 MiB part is mostly lines */
    while ((cr = memchr(s + i, '\r', n - i)) != NULL) {
        k = (size_t)(cr - s);
        memmove(s + j, s + i, k - i);
        j += k - i;
        for (i = k; i < n && s[i] == '\r'; i++)
            ;
        if (i == n || s[i] != '\n') {  /* CRs inside a line stay */
            memmove(s + j, s + k, i - k);
            j += i - k;
        }
    }
    memmove(s + j, s + i, n - i);
    j += n - i;
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
            p->raw = NULL;      /* data no longer shows its bytes */
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

int msg_hexval(int c)
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
        if (s[i] != '=') {      /* a run of plain bytes, at once */
            for (k = i + 1; k < n && s[k] != '=' && !msg_is_wsp(s[k]); k++)
                ;
            memcpy(out + j, s + i, k - i);
            j += k - i;
            i = k;
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

int msg_part_body(struct msg_part *p, const struct mailmime *n,
                  struct err *e)
{
    const struct mailmime_data *d = n->mm_data.mm_single;
    const char *src = d ? d->dt_data.dt_text.dt_data : "";
    size_t slen = d ? d->dt_data.dt_text.dt_length : 0, idx = 0, rlen = 0;
    char *res = NULL;

    p->data = malloc(slen + 1);
    if (p->data == NULL)
        return err_set(e, ERR_NOMEM, "part body: out of memory");
    /* raw only where data shows every byte of it, as it stands or as
     * its escape: not base64, whose decoder skips what is not base64 */
    if (d && d->dt_type == MAILMIME_DATA_TEXT &&
        (d->dt_encoding == MAILMIME_MECHANISM_7BIT ||
         d->dt_encoding == MAILMIME_MECHANISM_8BIT ||
         d->dt_encoding == MAILMIME_MECHANISM_BINARY ||
         d->dt_encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE)) {
        p->raw = src;
        p->raw_len = slen;
    }
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

/* Types whose content is text whatever their subtype says (an IoC list as
 * text/csv, a JSON export): they are anonymised, not attachments to drop. */
int msg_type_textual(const char *ct)
{
    static const char *const app[] = {
        "application/json", "application/xml", "application/csv",
        "application/x-yaml",
    };
    size_t i;

    if (strncmp(ct, "text/", 5) == 0)
        return 1;
    for (i = 0; i < sizeof app / sizeof *app; i++)
        if (strcmp(ct, app[i]) == 0)
            return 1;
    return 0;
}

/* An application/octet-stream part whose file name says text (a log, a
 * CSV saved by a mail client that knew no better). Its bytes must also
 * read as text (msg_leaf). */
static int msg_name_textual(const char *fn)
{
    static const char *const ext[] = {
        ".txt", ".log", ".csv", ".json", ".xml", ".yaml", ".yml", ".conf",
        ".ini", ".md",
    };
    size_t i, n = fn ? strlen(fn) : 0, k;

    for (i = 0; i < sizeof ext / sizeof *ext; i++) {
        k = strlen(ext[i]);
        if (n > k && strcasecmp(fn + n - k, ext[i]) == 0)
            return 1;
    }
    return 0;
}

/* A part of a textual type is text when it reads as text (leak_is_text:
 * the detector's rule) in its charset, or else as UTF-8 (an octet-stream
 * part, whose charset means nothing, always so); otherwise it is taken as
 * binary (is_text 0, the decoded bytes as they were), for the list's
 * attachment policy to decide. One rule both ways, so that a copy reads
 * back as it was built. text/plain and text/html are the alert itself and
 * fail instead. */
static int msg_leaf_text(const struct mailmime *n, struct msg_part *p,
                         struct err *e)
{
    const char *cs = msg_param(n->mm_content_type, "charset");
    char *raw;
    size_t len = p->len;
    struct err sub;
    int rc;

    if (strcmp(p->content_type, "text/plain") == 0 ||
        strcmp(p->content_type, "text/html") == 0)
        return msg_text_utf8(p, cs, e);
    if (!msg_type_textual(p->content_type))
        cs = NULL;
    if ((raw = malloc(len + 1)) == NULL)
        return err_set(e, ERR_NOMEM, "part body: out of memory");
    memcpy(raw, p->data, len + 1);
    err_init(&sub);
    rc = msg_text_utf8(p, cs, &sub);
    if (rc == 0 && leak_is_text(p->data, p->len)) {
        free(raw);
        return 0;
    }
    if (rc != 0 && sub.code == ERR_NOMEM) {
        free(raw);
        return err_set(e, ERR_NOMEM, "%s", sub.msg);
    }
    free(p->data);
    p->data = raw;
    p->len = len;
    p->is_text = leak_is_text(raw, len);
    if (p->is_text)     /* as UTF-8: its line ends as any text's */
        return msg_text_utf8(p, NULL, e);
    return 0;
}

static int msg_leaf(const struct mailmime *n, struct msg_part *p,
                    struct err *e)
{
    p->content_type = msg_type_str(n->mm_content_type);
    if (p->content_type == NULL)
        return err_set(e, ERR_NOMEM, "content type: out of memory");
    p->is_text = msg_type_textual(p->content_type);
    if (msg_part_filename(p, n, e) < 0 || msg_part_body(p, n, e) < 0)
        return -1;
    /* octet-stream, or a type a copy will write as octet-stream */
    if (!p->is_text && (strcmp(p->content_type, "application/octet-stream")
                        == 0 || !msg_type_ok(p->content_type)) &&
        msg_name_textual(p->filename) && leak_is_text(p->data, p->len))
        p->is_text = 1;
    if (p->is_text)
        return msg_leaf_text(n, p, e);
    return 0;
}

/* An attached message's header block as a text/rfc822-headers part (RFC
 * 6522's type for it), before its body's parts: its From, Subject,
 * Received ... are read and anonymised like any other text, not lost.
 * The limit walk counted the message node, so parts[] has room. */
static int msg_leaf_headers(const struct mailmime *n, struct msg_part *p,
                            struct err *e)
{
    const struct mailmime_data *d = n->mm_body;

    p->content_type = strdup("text/rfc822-headers");
    p->data = msg_hdr_text(d->dt_data.dt_text.dt_data,
                           d->dt_data.dt_text.dt_length, &p->len);
    if (p->content_type == NULL || p->data == NULL)
        return err_set(e, ERR_NOMEM, "attached message: out of memory");
    p->is_text = leak_is_text(p->data, p->len);
    return 0;
}

/* A Content-ID as a copy may write it back: printable ASCII, no '<' '>'
 * or white space (RFC 5322 msg-id), at most MSG_CID_MAX bytes; else none
 * (an HTML part's cid: reference then finds nothing, as it would in a
 * client that refuses the id). */
static char *msg_node_cid(const char *id)
{
    return msg_cid_ok(id) ? strdup(id) : NULL;
}

/* One node of the shape (msg.h) for entity n. The limit walk counted
 * every entity, so nodes[] has room. */
static int msg_node_add(struct msg_content *c, const struct mailmime *n,
                        enum msg_node_kind kind, unsigned depth, size_t part,
                        struct err *e)
{
    struct msg_node *o = &c->nodes[c->nnodes++];
    struct mailmime_single_fields sf;
    const struct mailmime_disposition *d;
    char *t;

    o->kind = kind;
    o->depth = depth;
    o->part = part;
    mailmime_single_fields_init(&sf, n->mm_mime_fields, n->mm_content_type);
    d = sf.fld_disposition;
    o->disp = d == NULL ? MSG_DISP_NONE :
        d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT ?
        MSG_DISP_ATTACHMENT : MSG_DISP_INLINE;
    errno = 0;
    if (sf.fld_id && (o->cid = msg_node_cid(sf.fld_id)) == NULL &&
        errno == ENOMEM)
        return err_set(e, ERR_NOMEM, "content: out of memory");
    if (kind != MSG_NODE_MULTI)
        return 0;
    if ((t = msg_type_str(n->mm_content_type)) == NULL)
        return err_set(e, ERR_NOMEM, "content: out of memory");
    /* "multipart/" is 10 bytes; an odd subtype is written as mixed */
    snprintf(o->subtype, sizeof(o->subtype), "%s",
             strlen(t) - 10 < sizeof(o->subtype) && msg_type_ok(t) ?
             t + 10 : "mixed");
    free(t);
    return 0;
}

static int msg_collect(const struct mailmime *n, unsigned depth,
                       struct msg_content *c, struct err *e);

/* An attached message: its header block as a part of its own (always
 * one, empty when libetpan found none, so that the node has its header
 * part), the file name of the message part on it, then its entity. */
static int msg_collect_message(const struct mailmime *n, unsigned depth,
                               struct msg_content *c, struct err *e)
{
    struct msg_part *p = &c->parts[c->nparts++];

    if (n->mm_body && n->mm_body->dt_type == MAILMIME_DATA_TEXT) {
        if (msg_leaf_headers(n, p, e) < 0)
            return -1;
    } else {
        p->content_type = strdup("text/rfc822-headers");
        p->data = strdup("");
        p->is_text = 1;
        if (p->content_type == NULL || p->data == NULL)
            return err_set(e, ERR_NOMEM, "attached message: out of memory");
    }
    if (msg_part_filename(p, n, e) < 0)
        return -1;
    return n->mm_data.mm_message.mm_msg_mime ?
        msg_collect(n->mm_data.mm_message.mm_msg_mime, depth + 1, c, e) : 0;
}

/* Leaves in document order, and the shape around them (c->nodes). An
 * attached message/rfc822 is descended into (its text must be anonymised
 * like any other), its header fields first as one text part. Depth is
 * bounded by the limit walk done at parse time. */
static int msg_collect(const struct mailmime *n, unsigned depth,
                       struct msg_content *c, struct err *e)
{
    clistiter *it;
    const struct mailmime *k;
    unsigned alt;

    if (msg_node_add(c, n, n->mm_type == MAILMIME_MULTIPLE ? MSG_NODE_MULTI :
                     n->mm_type == MAILMIME_MESSAGE ? MSG_NODE_MESSAGE :
                     MSG_NODE_PART, depth, c->nparts, e) < 0)
        return -1;
    if (n->mm_type == MAILMIME_MULTIPLE) {
        /* the leaves of a multipart/alternative are numbered as one group
         * (the number of its first leaf, from 1), so that a copy can be
         * an alternative again */
        alt = msg_type_is(n->mm_content_type, "multipart/alternative") ?
            (unsigned)c->nparts + 1 : 0;
        for (it = clist_begin(n->mm_data.mm_multipart.mm_mp_list); it;
             it = clist_next(it)) {
            k = clist_content(it);
            if (msg_collect(k, depth + 1, c, e) < 0)
                return -1;
            if (k->mm_type == MAILMIME_SINGLE && c->nparts > 0)
                c->alt[c->nparts - 1] = alt;
        }
        return 0;
    }
    if (n->mm_type == MAILMIME_MESSAGE)
        return msg_collect_message(n, depth, c, e);
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
    c->alt = calloc(m->lim.max_parts ? m->lim.max_parts : 1,
                    sizeof(*c->alt));
    c->nodes = calloc(m->lim.max_parts ? m->lim.max_parts : 1,
                      sizeof(*c->nodes));
    if (c->parts == NULL || c->alt == NULL || c->nodes == NULL) {
        err_set(e, ERR_NOMEM, "content: out of memory");
        goto fail;
    }
    if (msg_content_heads(m, ent, elen, c, e) < 0 ||
        msg_collect(msg_top(mime), 0, c, e) < 0)
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
