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
 * complete multipart/signed message with the given top-level headers;
 * msg_build_encrypted() wraps an OpenPGP message into multipart/encrypted.
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

#include "util/err.h"
#include "util/buf.h"
#include "util/limits.h"

struct msg_limits {
    size_t max_size;        /* whole message, bytes */
    size_t max_depth;       /* MIME nesting */
    size_t max_parts;       /* MIME parts in all */
    size_t max_header;      /* one header field, bytes */
    size_t max_headers;     /* header fields in one entity */
    size_t max_line;        /* one line, bytes, line end not counted */
};
/* The defaults of the configuration's limits (util/limits.h). The line
 * limit: RFC 5322 says 998; real mail (minified HTML, 8bit text a
 * paragraph a line) is longer, and nothing in a sane alert comes near
 * 64 KiB. */
#define MSG_DEFAULT_MAX_SIZE    ((unsigned)LIMIT_MAX_SIZE)
#define MSG_DEFAULT_MAX_DEPTH   ((unsigned)LIMIT_MAX_MIME_DEPTH)
#define MSG_DEFAULT_MAX_PARTS   ((unsigned)LIMIT_MAX_PARTS)
#define MSG_DEFAULT_MAX_HEADER  ((unsigned)LIMIT_MAX_HEADER_LENGTH)
#define MSG_DEFAULT_MAX_HEADERS ((unsigned)LIMIT_MAX_HEADERS)
#define MSG_DEFAULT_MAX_LINE    ((unsigned)LIMIT_MAX_LINE_LENGTH)
void msg_limits_default(struct msg_limits *lim);

struct msg;

int msg_parse(const char *raw, size_t len, const struct msg_limits *lim,
              struct msg **out, struct err *e);
void msg_free(struct msg *m);

/* First top-level header of that name (case-insensitive), unfolded,
 * RFC 2047 decoded to UTF-8; NULL when absent. Borrowed. */
const char *msg_header(const struct msg *m, const char *name);

/* Borrowed: the message as parsed (the bytes given, each bare LF made
 * CRLF), which msg_part's raw points into. */
void msg_bytes(const struct msg *m, const char **data, size_t *len);

/* 1 when the message is PGP/MIME signed (RFC 3156 shape), else 0. */
int msg_is_pgp_signed(const struct msg *m);
/* Borrowed: the exact signed bytes (CRLF) and the signature part body. */
int msg_signed_part(const struct msg *m, const char **data, size_t *len);
int msg_signature(const struct msg *m, const char **data, size_t *len);

struct msg_part {
    int is_text;            /* data is UTF-8 text: text/..., application/
                               json, xml, csv, x-yaml in a charset that
                               reads, or octet-stream with a text file
                               name (.txt .log .csv ...) and text bytes */
    char *content_type;     /* "text/plain", lower case, no parameters */
    char *filename;         /* NULL if none; UTF-8 */
    char *data;             /* text: UTF-8; other: decoded bytes */
    size_t len;
    const char *raw;        /* from msg_content: the body as written,
                               transfer-encoded, in the message's own
                               bytes (msg_bytes; borrowed, until msg_free;
                               from msg_content_entity, in the entity
                               given), where data shows every byte of it
                               as it stands or as its escape (7bit, 8bit,
                               binary, quoted-printable, no charset
                               converted); else NULL */
    size_t raw_len;
};

/* The shape of an entity: its MIME entities in document order, each with
 * its depth (0: the entity itself); a node's children are the nodes one
 * deeper that follow it. msg_content gives the alert's; msg_build_tree
 * writes one. */
enum msg_node_kind {
    MSG_NODE_PART,          /* a leaf: parts[part] */
    MSG_NODE_MULTI,         /* multipart/subtype */
    MSG_NODE_MESSAGE,       /* message/rfc822: its header is parts[part]
                               (text/rfc822-headers: "Name: value" lines,
                               decoded; the part's filename is the
                               attached message's), its entity the one
                               child (none: an empty body) */
};
enum msg_disp { MSG_DISP_NONE, MSG_DISP_INLINE, MSG_DISP_ATTACHMENT };
struct msg_node {
    enum msg_node_kind kind;
    unsigned depth;
    enum msg_disp disp;     /* Content-Disposition as written */
    size_t part;            /* PART, MESSAGE: an index into parts */
    char subtype[MSG_SUBTYPE_MAX];  /* MULTI: "mixed", "alternative",
                                       "related", ... lower case */
    char *cid;              /* Content-ID without <>, printable ASCII;
                               NULL: none. Owned by the array's owner */
};

/* A Content-ID as we write it back: 1 to MSG_CID_MAX bytes of printable
 * ASCII, no white space, '<' or '>' (RFC 5322 msg-id, without its
 * brackets). */
static inline int msg_cid_ok(const char *s)
{
    size_t i;

    for (i = 0; s && s[i]; i++)
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '<' || s[i] == '>' ||
            i >= MSG_CID_MAX)
            return 0;
    return s && i > 0;
}

struct msg_content {
    char *subject;          /* UTF-8: of a signed entity, its protected
                               Subject ("" when it has none: the outer one
                               is not signed); of an unsigned message, its
                               Subject; "" when absent */
    char *from;             /* top-level From, UTF-8, "" when absent */
    char *signed_to;        /* a signed entity's protected To, "" when none */
    char *outer_subject;    /* top-level Subject, never signed, "" when
                               absent: only to note that it disagrees */
    struct msg_part *parts; /* leaf parts in document order */
    size_t nparts;
    unsigned *alt;          /* per part, not 0: an alternative of the
                               other parts with this number (the leaves of
                               one multipart/alternative); 0: a part of its
                               own. NULL: none is */
    struct msg_node *nodes; /* the entity's shape, parts[] its leaves and
                               attached messages' headers */
    size_t nnodes;
};

int msg_content(const struct msg *m, struct msg_content **out,
                struct err *e);
void msg_content_free(struct msg_content *c);
/* The body: the first text/plain part outside attached messages, or -1.
 * What an attached message says is a sample, never the alert's text. */
long msg_content_body(const struct msg_content *c);
/* 0 when nodes[0..nn) is a shape msg_build_tree can write over parts of
 * nparts (depths, kinds, indices, children), else -1. */
int msg_nodes_check(const struct msg_node *nodes, size_t nn,
                    const struct msg_part *parts, size_t nparts);

/* Build the entity to sign. parts[0] must be text (the body). Text parts
 * are written as UTF-8 quoted-printable, others base64. Output CRLF. */
int msg_build_entity(const struct msg_part *parts, size_t n, struct buf *out,
                     struct err *e);

/* A header value unfolded, trimmed and RFC 2047-decoded to clean UTF-8
 * (plain ASCII kept as is); malloc'ed, NULL on allocation failure. For
 * the sandboxed child only, like every reading of untrusted mail. */
char *msg_hdr_decode(const char *v, size_t n);

struct msg_header_field {
    const char *name;
    const char *value;      /* UTF-8; RFC 2047-encoded when not ASCII */
};
/* msg_build_entity with protected headers (Subject, From, To ... as the
 * outer message will carry them) at the top of the entity, so that the
 * signature covers them; the Content-Type says protected-headers="v1".
 * Same refusals as msg_build_signed for the fields. */
int msg_build_entity_protected(const struct msg_part *parts, size_t n,
                               const struct msg_header_field *hdrs,
                               size_t nhdrs, struct buf *out, struct err *e);
/* msg_build_entity_protected where parts[0..nalt) are alternatives of one
 * another (the body, then e.g. its HTML form): one multipart/alternative,
 * inline, the whole entity when nalt == n, else the first part of a
 * multipart/mixed whose other parts are attachments. hdrs may be NULL. */
int msg_build_entity_alt(const struct msg_part *parts, size_t n, size_t nalt,
                         const struct msg_header_field *hdrs, size_t nhdrs,
                         struct buf *out, struct err *e);
/* Write the entity of shape nodes (msg_nodes_check) over parts: text as
 * msg_build_entity does, multiparts with fresh boundaries, attached
 * messages with their header fields (Content-* and MIME-Version of the
 * header part are the writer's, not copied) and entity; hdrs as
 * msg_build_entity_alt's (may be NULL). ERR_SOFTWARE for a bad shape,
 * ERR_DATA for a header line that cannot be written. Output CRLF, 7-bit. */
int msg_build_tree(const struct msg_part *parts, size_t nparts,
                   const struct msg_node *nodes, size_t nn,
                   const struct msg_header_field *hdrs, size_t nhdrs,
                   struct buf *out, struct err *e);
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

/* Write headers, then a multipart/encrypted body (RFC 3156 section 4:
 * protocol="application/pgp-encrypted", a "Version: 1" control part and
 * the ASCII-armoured OpenPGP message ct, which msg_build_entity's output
 * encrypted and signed in one message, as pgp_encrypt_sign makes it).
 * Output CRLF, 7-bit. Same refusals as msg_build_signed; ct that is not
 * ASCII is ERR_DATA. */
int msg_build_encrypted(const struct msg_header_field *hdrs, size_t nhdrs,
                        const char *ct, size_t clen, struct buf *out,
                        struct err *e);

/* ---- shapes for authentication (auth) ---- */

/* Top-level content type, lower case, no parameters ("text/plain" when
 * absent). -1 when it does not fit. */
int msg_top_type(const struct msg *m, char *out, size_t n);
/* 1 when the message is PGP/MIME encrypted (RFC 3156 section 4 shape). */
int msg_is_pgp_encrypted(const struct msg *m);
/* The decoded OpenPGP data of a PGP/MIME encrypted message, appended. */
int msg_encrypted_body(const struct msg *m, struct buf *out, struct err *e);
/* Transfer-decoded body of a single-part message (no charset conversion:
 * an inline signature covers the bytes as written); charset gets the
 * parameter ("" when none). ERR_DATA for a multipart. */
int msg_body(const struct msg *m, struct buf *out, char *charset,
             size_t csz, struct err *e);
/* msg_content over an entity that m does not hold (a decrypted one, or
 * the verified text of an inline signature): parts and protected headers
 * from ent, the rest from m's top level. ent is borrowed for the call. */
int msg_content_entity(const struct msg *m, const char *ent, size_t elen,
                       struct msg_content **out, struct err *e);
/* The one author: exactly one From field holding exactly one mailbox that
 * parses whole, a display name that does not look like an address. name
 * gets the display name (UTF-8, "" when none), addr the addr-spec.
 * ERR_DATA with the reason otherwise. */
int msg_author(const struct msg *m, char *name, size_t nsz, char *addr,
               size_t asz, struct err *e);

#endif
