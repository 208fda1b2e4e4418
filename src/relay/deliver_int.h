/*
 * deliver_int - what the relay's files share: the handle, a transport's
 * entry in the table, one SMTP session, the recipients' outcomes and the
 * SIGPIPE guard. Private to src/relay/; other modules use deliver.h.
 *
 * deliver.c checks the envelope and drives the transports of its table:
 * dir.c, smtp.c and sendmail.c; tls.c authenticates the SMTP relay.
 */
#ifndef AGW_DELIVER_INT_H
#define AGW_DELIVER_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/x509.h>

#include <libetpan/mailsmtp.h>

#include "relay/deliver.h"
#include "util/err.h"
#include "util/sha256.h"

struct deliver;

struct deliver_ops {
    const char *prefix;
    int (*parse)(struct deliver *d, const char *arg, struct err *e);
    int (*send)(struct deliver *d, const struct deliver_msg *msg,
                struct deliver_rcpt *rcpts, size_t n, struct err *e);
    void (*close)(struct deliver *d);   /* what send kept open; or NULL */
};

/* The smtp:// connection a handle keeps between two deliver_send calls
 * (every message of one pass over one connection): owned by the handle
 * between calls, by the call's smtp_run during one, closed (QUIT) by
 * deliver_close. s == NULL: none. */
struct smtp_conn {
    mailsmtp *s;
    int fd;                 /* its socket (the stream owns it) */
    int tls_up;
    unsigned long msgs;     /* transactions begun on it */
    int64_t idle_since;     /* time() its last transaction ended */
};

struct deliver {
    const struct deliver_ops *ops;
    char *spec;         /* as configured, for messages */
    char *target;       /* dir: directory; sendmail: program; smtp: host */
    char port[6];       /* smtp only, decimal */
    int timeout;        /* seconds, per network or child operation */
    enum deliver_tls tls;   /* smtp only */
    char *user, *password;  /* smtp AUTH; NULL: none */
    char pin[SHA256_HEX];   /* smtp: SHA-256 of the relay's certificate */
    enum deliver_verify verify;     /* smtp: when to verify the chain */
    char *ca_file;                  /* smtp: trusted CAs; NULL: default */
    char *crl_file;                 /* smtp: revoked certificates; NULL */
    gnutls_x509_trust_list_t trust; /* smtp: ca_file + crl_file, once */
    int64_t deadline;   /* deliver_set_deadline; 0: none */
    struct smtp_conn conn;  /* smtp: kept open for the next message */
};

/* One attempt of the smtp:// transport, the state of smtp.c's machine
 * (see there; smtp_pipe.c is its PIPELINING state); tls.c reads its
 * session to check the relay. */
struct smtp_run {
    struct deliver *d;
    mailsmtp *s;            /* the session; NULL before connecting */
    const struct deliver_msg *msg;
    struct deliver_rcpt *rcpts;
    size_t n;
    size_t next;            /* next recipient to offer */
    size_t accepted;
    size_t answered;        /* recipients the relay answered */
    int tls_up;             /* STARTTLS done: EHLO again, then MAIL */
    struct err *e;
    int fd;                 /* the connection's socket, -1 before it */
    int late;               /* the deadline cut the body short */
    int reused;             /* the session served an earlier message */
    int rset;               /* RSET still to go before MAIL */
    int mail_sent;          /* MAIL written (PIPELINING) */
    int data_sent;          /* DATA written (PIPELINING) */
    int unusable;           /* the session may not serve another message */
    unsigned long msgs;     /* transactions begun on the session */
};

/* smtp.c's states, in protocol order: everything up to SMTP_DATA sends
 * no message, which smtp_send's deadline check relies on. SMTP_PIPE is
 * MAIL, RCPT and DATA written in groups (smtp_pipe.c). */
enum smtp_state {
    SMTP_CONNECT, SMTP_EHLO, SMTP_STARTTLS, SMTP_AUTH, SMTP_HELO, SMTP_RSET,
    SMTP_MAIL, SMTP_PIPE, SMTP_RCPT,
    SMTP_DATA, SMTP_BODY, SMTP_END, SMTP_DONE, SMTP_FAIL
};

/* SIGPIPE held back while a transport writes (deliver.c). */
struct sigpipe_guard {
    sigset_t old;
    int was_pending;
};

/* deliver.c: the deadline, the recipients' outcomes, SIGPIPE */
int deliver_late(const struct deliver *d);
void rcpt_set(struct deliver_rcpt *r, enum deliver_state state,
              int code, const char *text);
void deliver_set_pending(struct deliver_rcpt *rcpts, size_t n,
                         enum deliver_state state, int code,
                         const char *text);
void sigpipe_block(struct sigpipe_guard *g);
void sigpipe_unblock(struct sigpipe_guard *g);

/* The transports of deliver.c's table: dir.c, smtp.c, sendmail.c */
int dir_parse(struct deliver *d, const char *arg, struct err *e);
int dir_send(struct deliver *d, const struct deliver_msg *msg,
             struct deliver_rcpt *rcpts, size_t n, struct err *e);
int smtp_parse(struct deliver *d, const char *arg, struct err *e);
int smtp_send(struct deliver *d, const struct deliver_msg *msg,
              struct deliver_rcpt *rcpts, size_t n, struct err *e);
int sm_parse(struct deliver *d, const char *arg, struct err *e);
int sm_send(struct deliver *d, const struct deliver_msg *msg,
            struct deliver_rcpt *rcpts, size_t n, struct err *e);

/* smtp.c: a relay on loopback (an address literal, or "localhost");
 * the kept connection closed; what smtp_pipe.c shares with the machine:
 * a recipient's class by reply code, the accepted ones settled, the
 * whole attempt failed (code 0: connection lost; reply: its text) */
int smtp_loopback(const char *host);
void smtp_close(struct deliver *d);
enum deliver_state smtp_class(int code);
void smtp_settle(struct smtp_run *run, enum deliver_state state, int code,
                 const char *text);
enum smtp_state smtp_fail_reply(struct smtp_run *run, const char *what,
                                int code, const char *reply);

/* smtp_pipe.c: the SMTP_PIPE state (RFC 2920) and one reply read off the
 * stream (code, 0 when the connection broke or sent no reply; the text
 * after the code, lines joined by spaces, printable) */
enum smtp_state smtp_st_pipe(struct smtp_run *run);
/* RFC 3461 xtext of in into out (NUL-terminated): its length, or -1 when
 * it does not fit in size. */
int smtp_xtext(char *out, size_t size, const char *in);
/* The values of the DSN parameters, "" when the relay offers no DSN:
 * ENVID's (the message's envid as xtext; "" without one, or when it is
 * over SMTP_ENVID_MAX) and ORCPT's for addr ("rfc822;" and its xtext; ""
 * when "RCPT TO:<addr> NOTIFY=FAILURE,DELAY ORCPT=...\r\n" would be over
 * limit bytes). */
void smtp_envid(const struct smtp_run *run, char *out, size_t size);
void smtp_orcpt(const struct smtp_run *run, const char *addr, size_t limit,
                char *out, size_t size);
#define SMTP_NOTIFY " NOTIFY=FAILURE,DELAY"
int smtp_read_reply(struct smtp_run *run, char *text, size_t size);

/* tls.c: whether the chain is checked, the trust list (once per handle),
 * the chain and name, the pin */
int smtp_verify_applies(const struct deliver *d);
int smtp_trust_load(struct deliver *d, char *why, size_t size);
int smtp_cert_verify(struct smtp_run *run, char *why, size_t size);
int smtp_pin_ok(struct smtp_run *run);

#endif
