/*
 * auth - whether an inbound alert may be distributed. Only the officer's
 * whole message, signed, is: every one of these must hold, else the alert
 * is quarantined with the first reason found.
 *
 *  - Shape: PGP/MIME signed at the top level (RFC 3156 section 5); or a
 *    single text/plain body that is exactly one cleartext-signed block
 *    (white space around it only); or PGP/MIME encrypted to the gateway
 *    key (RFC 3156 section 4), whose plaintext is then signed inside the
 *    encryption over the whole plaintext or is itself one of the signed
 *    shapes. Refused with a reason: unsigned text before or after a signed
 *    block, a signed part inside an unsigned multipart, several signed
 *    blocks, a forwarded (message/rfc822) message, unsigned mail.
 *  - Signature (pgp): exactly one, good, GnuPG's summary not red, key
 *    neither expired nor revoked, hash of the SHA-2 family, one literal
 *    data packet (GPGME's double-plaintext case) and nothing after it.
 *  - Signer: the key's primary fingerprint is an active officer in the
 *    registry (never a user-ID match, never GnuPG's trust database).
 *  - Time: made at most max_signature_age ago and at most
 *    max_signature_skew in the future.
 *  - Author: exactly one From field with one mailbox, whose address (and
 *    display name, when it has one) is a user ID of the signing key.
 *
 * Replay (auth_replay) is judged after the alert id is known.
 *
 * The verdict is data: ok, or the reason for the quarantine. -1 only when
 * the check could not be made (GnuPG agent or database unavailable:
 * ERR_TEMP), so that the alert is tried again later.
 *
 * Ownership: the result owns the authenticated content; free it with
 * auth_result_free(). The message is borrowed.
 */
#ifndef AGW_AUTH_H
#define AGW_AUTH_H

#include <stdint.h>
#include <time.h>

#include "util/err.h"
#include "gateway/gateway.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "util/limits.h"

struct auth_result {
    int ok;                         /* 1: authentic, content set */
    int malformed;                  /* not ok because it does not parse */
    char signer[PGP_FPR_MAX];       /* primary fingerprint when known */
    char reason[ERR_MSG_MAX];       /* why not ok */
    time_t signed_at;
    char sig_id[PGP_SIGID_MAX];     /* the accepted signature's id */
    /* What a replay is known by (pgp.h), set by the parent from what
     * GnuPG verified, never by the child that parsed the message. */
    char signed_key[PGP_REPLAY_KEY_MAX];
    struct msg_content *content;    /* exactly what the signature covers */
    /* Not ok although the signature is good and an active officer's (a
     * stale signature, a From that is not the key's): the refusal may be
     * told to that officer at their registered address, never to the
     * From of the mail. */
    int officer;
    /* The outer From and Subject as the mail claims them, unverified, as
     * one printable line each: for the admins' notice only. */
    char claimed_from[AUTH_CLAIM_MAX];
    char claimed_subject[AUTH_CLAIM_MAX];
};

int auth_check(struct gateway *g, const struct msg *m, struct auth_result *r,
               struct err *e);
void auth_result_free(struct auth_result *r);

/* Replay check for an authentic alert stored as row: notes its replay key
 * on the row, then 1 (r->reason set) when another alert, whatever became
 * of it (queued, held, cancelled, quarantined) and whatever distribution
 * it came in for, has the same key: the same signed content, signer and
 * signature time. An update is a new signed message, never an old
 * signature under new outer headers. 0 when not a replay; -1 on a
 * database error. */
int auth_replay(struct gateway *g, int64_t row, struct auth_result *r,
                struct err *e);

#endif
