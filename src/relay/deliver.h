/*
 * deliver - hand one message with many recipients to a relay.
 *
 * Transports, chosen by the spec string:
 *   dir:PATH            one file per message in PATH (written to a temp
 *                       name, fsynced, renamed), envelope beside it
 *   smtp://HOST:PORT    SMTP through libetpan (EHLO, STARTTLS as set by
 *                       deliver_set_tls, MAIL, one RCPT per recipient,
 *                       DATA; MAIL, RCPT and DATA pipelined when the relay
 *                       offers PIPELINING); when the relay offers DSN
 *                       (RFC 3461), MAIL carries RET=HDRS and ENVID=
 *                       the message's envid, each RCPT NOTIFY=FAILURE,
 *                       DELAY and ORCPT=rfc822;ADDR (xtext), so that a
 *                       report names the copy and the recipient as sent;
 *                       each recipient's outcome from
 *                       its numeric reply code. One connection serves
 *                       every deliver_send of a handle (RSET between
 *                       messages; a new one when the relay has hung up in
 *                       between), and deliver_close says QUIT
 *   sendmail:PATH       PATH -oi -f SENDER -- RCPT... with the message on
 *                       stdin; exit status decides (EX_TEMPFAIL: temporary)
 *
 * Envelope addresses holding CR, LF, NUL, '<', '>' or longer than
 * DELIVER_ADDR_MAX are refused before anything reaches the wire.
 *
 * Ownership: deliver_send borrows the message and recipients; it fills
 * each recipient's outcome fields.
 */
#ifndef AGW_DELIVER_H
#define AGW_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/limits.h"

#define DELIVER_TIMEOUT_S 60

enum deliver_state { DELIVER_PENDING = 0, DELIVER_OK, DELIVER_TEMP,
                     DELIVER_PERM };

struct deliver_rcpt {
    const char *addr;                   /* in */
    enum deliver_state state;           /* out */
    int code;                           /* out: SMTP code or 0 */
    char reply[DELIVER_REPLY_MAX];      /* out: printable reply text */
};

struct deliver_msg {
    const char *sender;     /* envelope sender */
    const char *data;       /* whole message, CRLF line ends */
    size_t len;
    const char *name;       /* file-name hint for dir: ([A-Za-z0-9._-]) */
    const char *envid;      /* smtp: ENVID (RFC 3461), NULL: none */
};

/* STARTTLS (smtp only; RFC 3207): off; may (when offered); require (a
 * relay that does not offer it, or fails the handshake, is a temporary
 * failure: nothing is sent, every recipient stays PENDING).
 *
 * Right after the handshake, before anything else goes over the session,
 * the relay is authenticated (libetpan over GnuTLS checks nothing, so this
 * module does):
 * - with a pin (deliver_set_pin): the certificate must hash to it, and
 *   nothing else is checked (a pinned self-signed relay is fine);
 * - otherwise, when verification applies (deliver_set_verify): the chain
 *   the relay sent must lead to a CA of the CA file, every certificate in
 *   its validity dates, and the leaf must match the host name of the spec
 *   (an IP literal against the IP addresses of subjectAltName).
 * A failure is temporary (nothing sent, every recipient PENDING, the
 * reason in the error), whatever the level: `may` never falls back to
 * clear text over a session it has found forged. With `may`, a relay that
 * offers no STARTTLS still gets clear text: that is what `may` means. */
enum deliver_tls { DELIVER_TLS_OFF = 0, DELIVER_TLS_MAY, DELIVER_TLS_REQUIRE };

/* When the certificate chain and host name are verified: auto (off
 * loopback only), yes (also on loopback), no (never: TLS then keeps only
 * passive listeners out, unless a pin is set). */
enum deliver_verify { DELIVER_VERIFY_AUTO = 0, DELIVER_VERIFY_YES,
                      DELIVER_VERIFY_NO };

#define DELIVER_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

struct deliver;

/* "off", "may", "require" → *out; -1 for anything else. */
int deliver_tls_parse(const char *s, enum deliver_tls *out);
/* DELIVER_TLS_OFF unless set. */
void deliver_set_tls(struct deliver *d, enum deliver_tls tls);
/* Pin the relay's certificate: the SHA-256 of its DER encoding, 64 hex
 * digits, colons allowed ("" = none). With a pin, a relay whose
 * certificate hashes otherwise is a temporary failure right after
 * STARTTLS (nothing sent). ERR_CONFIG for a malformed value. */
int deliver_set_pin(struct deliver *d, const char *fpr, struct err *e);
/* verify: "auto" (or ""), "yes", "no"; ca_file: PEM bundle of trusted
 * CAs ("" = DELIVER_CA_FILE), copied. ERR_CONFIG for a bad verify value.
 * Unset: auto with DELIVER_CA_FILE. */
int deliver_set_verify(struct deliver *d, const char *verify,
                       const char *ca_file, struct err *e);
/* crl_file: PEM CRLs checked with the chain whenever it is verified
 * ("" = none), copied. The file is read with the CA file; a CRL past its
 * next update makes verification fail, as an unusable file does. */
int deliver_set_crl(struct deliver *d, const char *crl_file, struct err *e);
/* Call once the setters are done, before sending. ERR_CONFIG when TLS is
 * required to a relay off loopback that can never be authenticated (no
 * pin and verification "no"), or when verification applies and the CA
 * file holds no usable certificate (it is loaded here, once). */
int deliver_check(struct deliver *d, struct err *e);
/* smtp AUTH PLAIN (RFC 4616, written by this module, not libetpan's SASL
 * plug-ins) after EHLO and STARTTLS; sent
 * only over TLS or to a relay on loopback. A relay that offers no AUTH
 * PLAIN or refuses the credentials is a temporary failure: nothing sent,
 * every recipient PENDING. Both strings are copied (the password wiped
 * on close); ERR_CONFIG when either holds CR, LF or control bytes. */
int deliver_set_auth(struct deliver *d, const char *user,
                     const char *password, struct err *e);

/* Parse the spec; ERR_CONFIG when it is not one of the forms above. */
int deliver_open(struct deliver **out, const char *spec, struct err *e);
/* Closes what the handle kept open (smtp: QUIT) and frees it. */
void deliver_close(struct deliver *d);

/* Seconds any one network step (connect, each reply, each write) or the
 * sendmail child may take; DELIVER_TIMEOUT_S unless set. Values <= 0 are
 * ignored. */
void deliver_set_timeout(struct deliver *d, int seconds);

/* The latest time (seconds since the epoch) at which a message may still
 * be on its way to the relay; 0 (the default): none. The caller's bound
 * (queue's lease) on one deliver_send, set before each: past it nothing
 * more is handed over and the attempt fails as temporary (ERR_TEMP,
 * "deadline passed ..."), the recipients left PENDING or TEMP:
 * - every transport: not started once it has passed;
 * - smtp: checked before each step up to DATA, after the reply to DATA,
 *   and every 4 KiB of the body; in the body the connection is cut, so
 *   the relay never sees the final dot and discards the message. After
 *   the last check come at most the last writes of the body and the
 *   wait for the reply, each bounded by the timeout;
 * - sendmail: checked between writes of the message; the child is killed
 *   before its stdin is closed, so it queues nothing. */
void deliver_set_deadline(struct deliver *d, int64_t deadline);

/* Send msg to all rcpts. Returns 0 when the transport gave per-recipient
 * outcomes (some may be TEMP or PERM); -1 when the whole attempt failed
 * (relay down: ERR_TEMP; every recipient is then left PENDING or set
 * TEMP). */
int deliver_send(struct deliver *d, const struct deliver_msg *msg,
                 struct deliver_rcpt *rcpts, size_t n, struct err *e);
/* Details of the outcomes:
 * - An unsafe recipient (also: empty, white space, control bytes) is PERM
 *   with reply "refused: unsafe address" and never sent; an unsafe sender
 *   fails the call with ERR_DATA before anything is written or sent.
 * - smtp: code is the numeric reply (RCPT, or DATA / end of DATA for
 *   accepted recipients); on -1 a recipient the relay had accepted is TEMP
 *   with code 0, one not yet offered stays PENDING, and one the relay had
 *   already answered keeps that answer (a 5xx RCPT stays PERM).
 * - sendmail: code 0, reply from the program's output or its exit status.
 * - dir: code 0; a missing or unwritable directory is -1 ERR_IO. */

/* Configuration checks (relay_check.c): 0, or ERR_CONFIG saying what the
 * value should be. The signature is conf.h's conf_check_fn. */
int relay_check_transport(const char *value, struct err *e);
int relay_check_tls(const char *value, struct err *e);
int relay_check_verify(const char *value, struct err *e);
int relay_check_pin(const char *value, struct err *e);

#endif
