/*
 * mailout - what the gateway itself writes: fresh Message-IDs and Dates,
 * a text entity signed by the gateway key into a complete PGP/MIME
 * message, and notices (quarantine notices, receipts, release previews)
 * queued to one address.
 *
 * Ownership: output is appended to the caller's buffers; arguments are
 * borrowed. Errors: those of pgp (ERR_TEMP when the agent is down: never
 * an unsigned message) and msg.
 */
#ifndef AGW_MAILOUT_H
#define AGW_MAILOUT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "gateway/gateway.h"
#include "mail/msg.h"
#include "util/buf.h"
#include "util/limits.h"

/* "<LOCAL.RANDOM@domain>"; local is sanitised to [A-Za-z0-9.+-]. */
int mailout_msgid(const struct gateway *g, const char *local, char *out,
                  size_t n);
/* RFC 5322 date of now. */
void mailout_date(char *out, size_t n);

/* Sign entity with the gateway key and write the whole message: hdrs,
 * then the multipart/signed body. */
int mailout_sign(struct gateway *g, const struct msg_header_field *hdrs,
                 size_t nhdrs, const struct buf *entity, struct buf *out,
                 struct err *e);

/* Build, sign and queue a plain-text notice from the gateway to one
 * address: a row in copies (kind "notice", "receipt" or "preview", no
 * list) and one outbox row. Must run inside the caller's transaction;
 * alert_row 0 when about no stored alert. */
int mailout_notice(struct gateway *g, int64_t alert_row, const char *kind,
                   const char *to, const char *subject, const char *body,
                   struct err *e);
/* The same with a Reply-To (in the signed headers too): where an answer
 * to the notice must go (a preview's "release ID" goes to the
 * distribution address, not to the gateway's From). */
int mailout_notice_reply(struct gateway *g, int64_t alert_row,
                         const char *kind, const char *to,
                         const char *reply_to, const char *subject,
                         const char *body, struct err *e);

/* The answer of the key address (`alertgw sendkey`): a signed message to
 * `to` holding the gateway's public key as an attachment
 * (application/pgp-keys) and, in the text, its fingerprint and how to
 * check it; In-Reply-To when in_reply_to is not "". Auto-Submitted:
 * auto-replied. msgid (MAILOUT_MSGID_MAX bytes) gets its Message-ID. */
int mailout_key_answer(struct gateway *g, const char *to,
                       const char *in_reply_to, char *msgid,
                       struct buf *out, struct err *e);

#endif
