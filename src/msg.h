/*
 * msg - RFC 5322 / MIME in and out, through libetpan's MIME parser and
 * writer (its SMTP client is deliver's; no other module includes it).
 *
 * In: msg_parse() reads a whole message under named limits, recognises a
 * PGP/MIME signed message (RFC 3156: multipart/signed with
 * protocol="application/pgp-signature", exactly two parts) and gives the
 * exact bytes of the signed part (as they stand between the boundaries,
 * line ends made CRLF) and of the signature. msg_content() decodes the
 * content entity (the signed part when signed, else the whole message):
 * transfer encodings (quoted-printable, base64), charsets to UTF-8, RFC 2047
 * words in headers.
 *
 * Out: msg_build_entity() writes the entity that will be signed (text/plain
 * UTF-8 quoted-printable, or multipart/mixed with extra parts), CRLF, 7-bit;
 * msg_build_signed() wraps an entity and its detached signature into a
 * complete multipart/signed message with the given top-level headers.
 *
 * Bad mail is data: a message libetpan cannot parse, or one over a limit,
 * fails with ERR_DATA / ERR_TOOBIG and a reason; it never crashes.
 *
 * Ownership: struct msg owns a copy of the raw message; pointers returned
 * by accessors are borrowed until msg_free(). struct msg_content and all
 * its strings are owned by the caller, freed with msg_content_free().
 */
#ifndef AGW_MSG_H
#define AGW_MSG_H

#include <stddef.h>

#include "err.h"
#include "util/buf.h"

struct msg_limits {
    size_t max_size;        /* whole message, bytes */
    size_t max_depth;       /* MIME nesting */
    size_t max_parts;       /* MIME parts in all */
    size_t max_header;      /* one header field, bytes */
    size_t max_headers;     /* header fields in one entity */
};
#define MSG_DEFAULT_MAX_SIZE    (10u * 1024 * 1024)
#define MSG_DEFAULT_MAX_DEPTH   16u
#define MSG_DEFAULT_MAX_PARTS   256u
#define MSG_DEFAULT_MAX_HEADER  16384u
#define MSG_DEFAULT_MAX_HEADERS 1000u
void msg_limits_default(struct msg_limits *lim);

struct msg;

int msg_parse(const char *raw, size_t len, const struct msg_limits *lim,
              struct msg **out, struct err *e);
void msg_free(struct msg *m);

/* First top-level header of that name (case-insensitive), unfolded,
 * RFC 2047 decoded to UTF-8; NULL when absent. Borrowed. */
const char *msg_header(const struct msg *m, const char *name);

/* 1 when the message is PGP/MIME signed (RFC 3156 shape), else 0. */
int msg_is_pgp_signed(const struct msg *m);
/* Borrowed: the exact signed bytes (CRLF) and the signature part body. */
int msg_signed_part(const struct msg *m, const char **data, size_t *len);
int msg_signature(const struct msg *m, const char **data, size_t *len);

struct msg_part {
    int is_text;            /* text/plain (or text/html: see content_type) */
    char *content_type;     /* "text/plain", lower case, no parameters */
    char *filename;         /* NULL if none; UTF-8 */
    char *data;             /* text: UTF-8; other: decoded bytes */
    size_t len;
};

struct msg_content {
    char *subject;          /* UTF-8: the content entity's Subject (a
                               protected header) if any, else the top-level
                               one; "" when neither */
    char *from;             /* top-level From, UTF-8, "" when absent */
    struct msg_part *parts; /* leaf parts in document order */
    size_t nparts;
};

int msg_content(const struct msg *m, struct msg_content **out,
                struct err *e);
void msg_content_free(struct msg_content *c);

/* Build the entity to sign. parts[0] must be text (the body). Text parts
 * are written as UTF-8 quoted-printable, others base64. Output CRLF. */
int msg_build_entity(const struct msg_part *parts, size_t n, struct buf *out,
                     struct err *e);

struct msg_header_field {
    const char *name;
    const char *value;      /* UTF-8; RFC 2047-encoded when not ASCII */
};
/* Write headers, then a multipart/signed body holding entity and sig.
 * micalg as GPGME reported it ("pgp-sha256"). Output CRLF. Values with
 * CR or LF are refused (ERR_DATA): no header injection. */
int msg_build_signed(const struct msg_header_field *hdrs, size_t nhdrs,
                     const char *entity, size_t elen, const char *sig,
                     size_t slen, const char *micalg, struct buf *out,
                     struct err *e);

/* Write headers, MIME-Version, then the entity (from msg_build_entity):
 * a complete unsigned message. Same refusals as msg_build_signed. */
int msg_build_message(const struct msg_header_field *hdrs, size_t nhdrs,
                      const char *entity, size_t elen, struct buf *out,
                      struct err *e);

#endif
