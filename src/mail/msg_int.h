/*
 * msg_int - what the files of the msg module share: struct msg, the header
 * field reader, libetpan's parse under our limits, the content type
 * helpers. Private to the msg module: other modules see msg.h, and
 * libetpan stays inside this module.
 *
 *   msg.c         parsing a message, the signed part, the accessors
 *   msg_hdr.c     header fields as read: limits, RFC 2047, clean UTF-8
 *   msg_scan.c    the scans before libetpan sees a message (limits,
 *                 boundaries, delimiter lines, comments), the walk after
 *   msg_decode.c  the content entity decoded: transfer encodings,
 *                 charsets, filenames
 *   msg_shape.c   what authentication asks: top type, encrypted or single
 *                 body, the author
 *   msg_build.c   the writer: entities, header fields, signed, plain and
 *                 encrypted messages
 */
#ifndef AGW_MSG_INT_H
#define AGW_MSG_INT_H

#include <stddef.h>

#include <libetpan/libetpan.h>

#include "mail/msg.h"
#include "util/err.h"
#include "util/limits.h"

#define MSG_LINE_HARD      998u /* RFC 5322 2.1.1: MUST */

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

static inline int msg_is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* msg.c */
/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not valid. */
size_t msg_utf8_seq(const unsigned char *p, size_t n);
int msg_utf8_valid(const char *s, size_t n);
/* Controls to ' ', bytes that are not UTF-8 to '?'; in place. */
void msg_clean_text(char *s);
/* Offset of the next CRLF at or after pos, or len. */
size_t msg_eol(const char *p, size_t len, size_t pos);
/* "type/subtype" in lower case (text/plain when ct is NULL); the caller
 * frees it. NULL when out of memory. */
char *msg_type_str(const struct mailmime_content *ct);
int msg_type_is(const struct mailmime_content *ct, const char *want);
/* text/..., application/json, xml, csv, x-yaml: content that is text. */
int msg_type_textual(const char *ct);
/* A plain "token/token" content type, as msg_build writes one; any other
 * is written as application/octet-stream. */
int msg_type_ok(const char *t);
/* The value of parameter name, borrowed from ct, or NULL. */
const char *msg_param(const struct mailmime_content *ct, const char *name);

/* msg_hdr.c */
/* Next field of the header block at p from *pos: 1, or 0 at its end. */
int msg_hdr_next(const char *p, size_t len, size_t *pos, struct msg_span *f);
/* The header limits on one block; the body's offset in *body if wanted. */
int msg_hdr_check(const char *p, size_t len, const struct msg_limits *lim,
                  size_t *body, struct err *e);
/* v unfolded, trimmed, RFC 2047 decoded, cleaned; the caller frees it. */
/* The first field called name in the block, decoded (the caller frees
 * it), or NULL: *found tells absent from out of memory. */
char *msg_hdr_find(const char *p, size_t len, const char *name, int *found);
/* The block as "Name: value\n" lines, decoded; *outlen its length. */
char *msg_hdr_text(const char *p, size_t len, size_t *outlen);
/* m->fields from the top header block. */
int msg_fields_load(struct msg *m, struct err *e);

/* msg_scan.c */
/* The entity under root (the message/rfc822 wrapper skipped). */
const struct mailmime *msg_top(const struct mailmime *root);
/* text under lim, parsed by libetpan; text must outlive *out, which the
 * caller frees with mailmime_free. */
int msg_mime_parse(const char *text, size_t len,
                   const struct msg_limits *lim, struct mailmime **out,
                   struct err *e);

/* msg_build.c: what the tree writer (msg_tree.c) shares */
#define MSG_BOUNDARY_RAND  16u  /* random bytes in a fresh boundary */
#define MSG_BOUNDARY_SIZE (sizeof("=_agw_") + 2 * MSG_BOUNDARY_RAND)
/* The content type p is written with (borrowed). */
const char *msg_part_type(const struct msg_part *p);
/* p as msg_build_entity writes a part, with disposition disp (a file name
 * and none: attachment) and Content-ID cid (NULL: none), appended. */
int msg_part_put(struct buf *out, const struct msg_part *p,
                 enum msg_disp disp, const char *cid, struct err *e);
/* One header field, encoded and folded; the refusals of msg_build_signed. */
int msg_field_put(struct buf *out, const struct msg_header_field *h,
                  struct err *e);
/* A fresh boundary that occurs nowhere in a[0..alen). */
int msg_boundary_new(char bnd[MSG_BOUNDARY_SIZE], const char *a,
                     size_t alen, struct err *e);
/* The disposition field (none for MSG_DISP_NONE without a name). */
int msg_disp_put(struct buf *out, enum msg_disp disp, const char *name,
                 struct err *e);
/* hdrs, then the entity ent with protected-headers="v1" on its first
 * line; hdrs NULL: ent as it is. Appended to out. */
int msg_entity_protect(const struct msg_header_field *hdrs, size_t nhdrs,
                       const struct buf *ent, struct buf *out,
                       struct err *e);

/* msg_tree.c */
/* The entity of msg_build_entity_alt: parts[0..nalt) alternatives of one
 * another, the rest attachments (msg.h). */
int msg_tree_entity(const struct msg_part *parts, size_t n, size_t nalt,
                    struct buf *out, struct err *e);

/* msg_decode.c */
/* The value of hex digit c, or -1. */
int msg_hexval(int c);
/* Frees what p holds and zeroes it. */
void msg_part_clear(struct msg_part *p);
/* The decoded body of leaf n into p->data (NUL-terminated), p->len. */
int msg_part_body(struct msg_part *p, const struct mailmime *n,
                  struct err *e);

#endif
