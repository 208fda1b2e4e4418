/*
 * msg_build - the writer: MIME entities (text and attachments), header
 * fields, and the signed, plain and encrypted messages around an entity.
 *
 * Writing: bodies, headers and boundaries are written by hand. libetpan's
 * quoted-printable writer leaves white space at the very end of the data
 * unencoded and passes bare LF through, and RFC 3156 needs both handled;
 * its base64 writer is fine and is used.
 */
#include "mail/msg.h"
#include "mail/msg_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MSG_LINE_SOFT      78u  /* RFC 5322 2.1.1: SHOULD fold before */
#define MSG_QP_LINE        76u  /* RFC 2045 6.7 rule 5, '=' included */
#define MSG_BOUNDARY_TRIES 8
#define MSG_EW_CHUNK       45u  /* 45 bytes -> 60 base64 -> 72-char word */

/* Writer that remembers the first buf failure, so builders can append
 * freely and check once. */
struct msg_w {
    struct buf *b;
    int rc;
};

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
    size_t i, col = 0, need, run;

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
        if (need == 3) {
            msg_qp_escape(w, (unsigned char)s[i], &col);
            continue;
        }
        /* a run of bytes that go as they are, in one append: a byte at a
         * time was a tenth of `alertgw anonymise` */
        run = i + 1;
        while (run < n && col + (run - i) < MSG_QP_LINE - 1 &&
               s[run] != '\n' && s[run] != '\r' &&
               !msg_qp_must(s, n, run, col + (run - i)))
            run++;
        w_put(w, s + i, run - i);
        col += run - i;
        i = run - 1;
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

/* A part with a file name and no disposition gets "attachment": the name
 * is written there, and clients show a named part as one anyway. */
static void msg_put_disposition(struct msg_w *w, enum msg_disp disp,
                                const char *name)
{
    size_t i, n;
    int ascii = 1;

    if (disp == MSG_DISP_NONE && (name == NULL || *name == '\0'))
        return;
    w_puts(w, disp == MSG_DISP_INLINE ? "Content-Disposition: inline" :
           "Content-Disposition: attachment");
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
int msg_type_ok(const char *t)
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

/* The content type p is written with: text of another type
 * (octet-stream read as text by its file name) goes as text/plain, so
 * that it reads back as text whatever its name becomes. */
const char *msg_part_type(const struct msg_part *p)
{
    const char *ct = p->content_type;

    if (p->is_text)
        return msg_type_ok(ct) && msg_type_textual(ct) ? ct : "text/plain";
    return msg_type_ok(ct) ? ct : "application/octet-stream";
}

static void msg_put_part(struct msg_w *w, const struct msg_part *p,
                         enum msg_disp disp, const char *cid)
{
    w_puts(w, "Content-Type: ");
    w_puts(w, msg_part_type(p));
    w_puts(w, p->is_text ? "; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n" :
           "\r\nContent-Transfer-Encoding: base64\r\n");
    if (msg_cid_ok(cid)) {
        w_puts(w, "Content-ID: <");
        w_puts(w, cid);
        w_puts(w, ">\r\n");
    }
    msg_put_disposition(w, disp, p->filename);
    w_puts(w, "\r\n");
    if (p->is_text)
        msg_qp_encode(w, p->data, p->len);
    else
        msg_b64_encode(w, p->data, p->len);
}

/* ------------------------------------------------------------ headers */

static int msg_word_needs_ew(const char *s, size_t n)
{
    size_t i;

    /* a word too long to fold (an attached message's header may hold
     * one) goes as encoded words, which fold and decode back to it */
    if (n > MSG_LINE_HARD / 2)
        return 1;
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

    return msg_rollback(out, len0, msg_tree_entity(parts, n, 1, out, e));
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

int msg_entity_protect(const struct msg_header_field *hdrs, size_t nhdrs,
                       const struct buf *ent, struct buf *out,
                       struct err *e)
{
    struct msg_w w = {out, 0};
    size_t i;

    for (i = 0; i < nhdrs; i++)
        if (msg_put_field(&w, &hdrs[i], out->max, e) < 0)
            return -1;
    if (hdrs)
        msg_put_protected_type(&w, ent);
    else
        w_put(&w, ent->data ? ent->data : "", ent->len);
    return w_done(&w, e, "MIME entity");
}

int msg_build_entity_protected(const struct msg_part *parts, size_t n,
                               const struct msg_header_field *hdrs,
                               size_t nhdrs, struct buf *out, struct err *e)
{
    return msg_build_entity_alt(parts, n, 1, hdrs, nhdrs, out, e);
}

int msg_build_entity_alt(const struct msg_part *parts, size_t n, size_t nalt,
                         const struct msg_header_field *hdrs, size_t nhdrs,
                         struct buf *out, struct err *e)
{
    size_t len0 = out->len;
    struct buf ent;
    int rc;

    buf_init(&ent, out->max);
    rc = msg_tree_entity(parts, n, nalt, &ent, e);
    if (rc == 0)
        rc = msg_entity_protect(hdrs, nhdrs, &ent, out, e);
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

/* ---------------------------------------- for the tree (msg_tree.c) */

int msg_part_put(struct buf *out, const struct msg_part *p,
                 enum msg_disp disp, const char *cid, struct err *e)
{
    struct msg_w w = {out, 0};

    msg_put_part(&w, p, disp, cid);
    return w_done(&w, e, "MIME part");
}

int msg_disp_put(struct buf *out, enum msg_disp disp, const char *name,
                 struct err *e)
{
    struct msg_w w = {out, 0};

    msg_put_disposition(&w, disp, name);
    return w_done(&w, e, "MIME part");
}

int msg_field_put(struct buf *out, const struct msg_header_field *h,
                  struct err *e)
{
    struct msg_w w = {out, 0};

    if (msg_put_field(&w, h, out->max, e) < 0)
        return -1;
    return w_done(&w, e, "header");
}

int msg_boundary_new(char bnd[MSG_BOUNDARY_SIZE], const char *a,
                     size_t alen, struct err *e)
{
    return msg_boundary(bnd, MSG_BOUNDARY_SIZE, a, alen, NULL, 0, e);
}
