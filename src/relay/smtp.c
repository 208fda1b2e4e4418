/* smtp - the smtp:// transport: one function per protocol state,
 * through libetpan. The relay's certificate is checked in tls.c; MAIL,
 * RCPT and DATA are pipelined by smtp_pipe.c when the relay offers it.
 *
 * One connection serves every message of a handle's life (a pass of the
 * worker): after a transaction the session goes back to the handle
 * (struct smtp_conn), the next message begins with RSET, and
 * deliver_close says QUIT. A kept connection the relay has dropped in
 * between is found at that RSET, before any of the message's recipients
 * is answered, and the message starts again on a new one. */
#include "relay/deliver_int.h"
#include "util/limits.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <libetpan/mailsmtp.h>
#include <libetpan/mailsmtp_socket.h>
#include <libetpan/mailstream.h>
#include <libetpan/mailstream_socket.h>
#include <libetpan/mailstream_helper.h>
#include <libetpan/mailstream_ssl.h>
#include <libetpan/mmapstring.h>

/* A kept connection idle longer is closed rather than reused: a relay
 * that went away silently would cost a whole timeout at the RSET. */
#define SMTP_CONN_IDLE_MAX_S 30

/* ---- smtp:// : parsing --------------------------------------------- */

static int smtp_parse_port(struct deliver *d, const char *p)
{
    unsigned long v = 0;
    size_t i;

    for (i = 0; p[i] != '\0'; i++) {
        if (p[i] < '0' || p[i] > '9' || i >= 5)
            return -1;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (i == 0 || v == 0 || v > 65535)
        return -1;
    snprintf(d->port, sizeof(d->port), "%lu", v);
    return 0;
}

static int smtp_host_char(char c, int bracketed)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
        return 1;
    return bracketed && c == ':';
}

/* smtp://HOST[:PORT] or smtp://[IPV6][:PORT]; nothing after the port. */
int smtp_parse(struct deliver *d, const char *arg, struct err *e)
{
    int br = arg[0] == '[';
    const char *h = arg + br;
    size_t len = 0;

    while (h[len] != '\0' && smtp_host_char(h[len], br))
        len++;
    if (len == 0 || len > DELIVER_HOST_MAX || (br && h[len] != ']'))
        return err_set(e, ERR_CONFIG, "%s: bad host", d->spec);
    memcpy(d->port, "25", 3);
    if (h[len + br] == ':' && smtp_parse_port(d, h + len + br + 1) != 0)
        return err_set(e, ERR_CONFIG, "%s: bad port", d->spec);
    if (h[len + br] != ':' && h[len + br] != '\0')
        return err_set(e, ERR_CONFIG, "%s: bad host", d->spec);
    d->target = strndup(h, len);
    if (d->target == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

/* ---- smtp:// : the session ------------------------------------------ */

/*
 * One function per protocol state. A recipient is "accepted" while it is
 * PENDING with a 2xx RCPT code; "untried" while PENDING with code 0.
 * libetpan maps 450 and 550 to the same error, so every decision reads the
 * numeric session->response_code instead of its return value. The run's
 * state is struct smtp_run (deliver_int.h: tls.c reads it too).
 */

static int smtp_is_accepted(const struct deliver_rcpt *r)
{
    return r->state == DELIVER_PENDING && r->code / 100 == 2;
}

void smtp_settle(struct smtp_run *run, enum deliver_state state, int code,
                 const char *text)
{
    size_t i;

    for (i = 0; i < run->n; i++)
        if (smtp_is_accepted(&run->rcpts[i]))
            rcpt_set(&run->rcpts[i], state, code, text);
}

enum deliver_state smtp_class(int code)
{
    if (code / 100 == 2)
        return DELIVER_OK;
    return code / 100 == 5 ? DELIVER_PERM : DELIVER_TEMP;
}

/* The whole attempt failed: accepted recipients must be tried again;
 * untried ones stay PENDING; refused ones keep their answer. The
 * session is in no state to serve another message. */
enum smtp_state smtp_fail_reply(struct smtp_run *run, const char *what,
                                int code, const char *reply)
{
    char text[ERR_MSG_MAX];     /* room for what + code + a full reply */

    if (code == 0)
        snprintf(text, sizeof(text), "%s: connection lost or timed out",
                 what);
    else {
        char printable[DELIVER_REPLY_MAX];

        text_oneline(printable, sizeof(printable), reply);
        snprintf(text, sizeof(text), "%s: %d %s", what, code, printable);
    }
    smtp_settle(run, DELIVER_TEMP, 0, text);
    err_set(run->e, ERR_TEMP, "%s: %s", run->d->spec, text);
    run->unusable = 1;
    return SMTP_FAIL;
}

/* smtp_fail_reply for a command libetpan sent (its reply in the session) */
static enum smtp_state smtp_fail(struct smtp_run *run, const char *what,
                                 int code)
{
    return smtp_fail_reply(run, what, code, run->s->response);
}

/* The caller's deadline passed before the message was wholly handed
 * over: like a lost connection, nothing was delivered, every accepted
 * recipient is tried again. */
static enum smtp_state smtp_late(struct smtp_run *run, const char *what)
{
    char text[ERR_MSG_MAX];

    snprintf(text, sizeof(text), "deadline passed %s: nothing sent", what);
    smtp_settle(run, DELIVER_TEMP, 0, text);
    err_set(run->e, ERR_TEMP, "%s: %s", run->d->spec, text);
    run->unusable = 1;
    return SMTP_FAIL;
}

/* Called by libetpan every 4 KiB of the body. Past the deadline the
 * socket is shut down: the rest of the body and the final dot fail to
 * go, and a relay discards a message whose end never came. */
static void smtp_progress(size_t current, size_t maximum, void *ctx)
{
    struct smtp_run *run = ctx;

    (void)current;
    (void)maximum;
    if (!run->late && run->fd >= 0 && deliver_late(run->d)) {
        run->late = 1;
        shutdown(run->fd, SHUT_RDWR);
    }
}

/* The reply code, or -1 after failing the run: connection lost or timed
 * out (libetpan leaves response_code stale when a write fails, hence the
 * check of r), a code outside 2xx-5xx, or 421 (the server is closing). */
static int smtp_reply(struct smtp_run *run, int r, const char *what,
                      struct deliver_rcpt *cur)
{
    int code = run->s->response_code;

    if (r == MAILSMTP_ERROR_STREAM || code == 0) {
        smtp_fail(run, what, 0);
        return -1;
    }
    if (code == 421 && cur != NULL) {
        rcpt_set(cur, DELIVER_TEMP, code, run->s->response);
        run->answered++;
    }
    if (code < 200 || code > 599 || code == 421) {
        smtp_fail(run, what, code);
        return -1;
    }
    return code;
}

/* Every write of ours ends a command, a group of them or the body, and
 * waits for a reply: with Nagle's algorithm the last small segment of
 * the body waited for the ACK of the one before, which the relay delays
 * (about 40 ms a message on Linux). Best effort: without it, slower. */
static void smtp_nodelay(int fd)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Connect ourselves rather than with mailsmtp_socket_connect(): that one
 * opens its stream without a timeout, so the greeting read would wait for
 * libetpan's global five minutes. SO_SNDTIMEO bounds connect() on Linux. */
static int smtp_tcp_connect(struct smtp_run *run)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct timeval tv = {run->d->timeout, 0};
    int fd = -1, gai, saved = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    gai = getaddrinfo(run->d->target, run->d->port, &hints, &res);
    if (gai != 0)
        return err_set(run->e, ERR_TEMP, "%s: resolve: %s", run->d->spec,
                       gai_strerror(gai));
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return err_set(run->e, ERR_TEMP, "%s: connect: %s", run->d->spec,
                       strerror(saved));
    smtp_nodelay(fd);
    return fd;
}

/* The session closed: with QUIT when it may still take a command, without
 * when it is in no state to (cut short, mid-transaction, a body wanted). */
static void smtp_drop(struct smtp_run *run)
{
    if (run->s != NULL) {
        if (run->unusable && run->s->stream != NULL) {
            mailstream_close(run->s->stream);
            run->s->stream = NULL;
        }
        mailsmtp_free(run->s);
    }
    run->s = NULL;
    run->fd = -1;
    run->tls_up = run->reused = run->unusable = 0;
    run->msgs = 0;
}

/* A kept session serves this message (after RSET) unless it has served
 * enough or waited too long. */
static int smtp_reusable(const struct smtp_run *run)
{
    return run->msgs < SMTP_CONN_MSGS_MAX &&
           (int64_t)time(NULL) - run->d->conn.idle_since <=
           SMTP_CONN_IDLE_MAX_S;
}

static enum smtp_state smtp_st_connect(struct smtp_run *run)
{
    mailstream *stream;
    int fd, r;

    if (run->s != NULL && smtp_reusable(run))
        return SMTP_RSET;
    smtp_drop(run);
    run->s = mailsmtp_new(0, NULL);
    if (run->s == NULL) {
        err_set(run->e, ERR_NOMEM, "%s: out of memory", run->d->spec);
        return SMTP_FAIL;
    }
    mailsmtp_set_timeout(run->s, run->d->timeout);
    if ((fd = smtp_tcp_connect(run)) < 0)
        return SMTP_FAIL;
    stream = mailstream_socket_open_timeout(fd, run->d->timeout);
    if (stream == NULL) {
        close(fd);
        err_set(run->e, ERR_NOMEM, "%s: out of memory", run->d->spec);
        return SMTP_FAIL;
    }
    run->fd = fd;           /* the stream owns it; kept to cut the body */
    /* On any reply but 220 libetpan closes the stream itself. */
    r = mailsmtp_connect(run->s, stream);
    if (smtp_reply(run, r, "greeting", NULL) < 0)
        return SMTP_FAIL;
    if (run->s->response_code != 220)
        return smtp_fail(run, "greeting", run->s->response_code);
    return SMTP_EHLO;
}

/* Nothing was offered yet, so every recipient stays PENDING: a relay
 * without the TLS it must have is a temporary failure, retried later. */
static enum smtp_state smtp_no_tls(struct smtp_run *run, const char *why)
{
    err_set(run->e, ERR_TEMP, "%s: %s", run->d->spec, why);
    return SMTP_FAIL;
}

/* After a 2xx to EHLO: STARTTLS when wanted and offered (and not yet
 * done), a temporary failure when required and not offered. */
static enum smtp_state smtp_after_ehlo(struct smtp_run *run)
{
    enum smtp_state next = run->d->user ? SMTP_AUTH : SMTP_MAIL;

    if (run->tls_up || run->d->tls == DELIVER_TLS_OFF)
        return next;
    if (run->s->esmtp & MAILSMTP_ESMTP_STARTTLS)
        return SMTP_STARTTLS;
    if (run->d->tls == DELIVER_TLS_REQUIRE)
        return smtp_no_tls(run, "relay offers no STARTTLS; TLS required");
    return next;
}

static int smtp_is_ipv4(const char *host)
{
    struct in_addr a;

    return inet_pton(AF_INET, host, &a) == 1;
}

/* Only an address literal counts: a DNS name such as "127.example.org"
 * may point anywhere (and would skip certificate checks). "localhost" is
 * the exception every resolver maps to loopback. */
int smtp_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* RFC 4648 base64 of len bytes into out (room for 4 * ((len + 2) / 3) + 1),
 * by nettle (linked under GnuTLS). */
static void smtp_base64(const unsigned char *in, size_t len, char *out)
{
    base64_encode_raw(out, len, in);
    out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
}

/* AUTH PLAIN (RFC 4616) with the initial response, written here: the
 * credentials never pass through libetpan's SASL layer, whose PLAIN
 * mechanism is a plug-in that may be missing. */
static int smtp_auth_plain(struct smtp_run *run, char *text, size_t size)
{
    const char *u = run->d->user, *p = run->d->password;
    size_t ul = strlen(u), pl = strlen(p), n = 2 * ul + pl + 2;
    unsigned char *raw = malloc(n);
    char *cmd = malloc(4 * ((n + 2) / 3) + 16);
    int code = 0;

    if (raw != NULL && cmd != NULL) {
        memcpy(raw, u, ul);             /* authzid \0 authcid \0 password */
        raw[ul] = '\0';
        memcpy(raw + ul + 1, u, ul);
        raw[2 * ul + 1] = '\0';
        memcpy(raw + 2 * ul + 2, p, pl);
        memcpy(cmd, "AUTH PLAIN ", 11);
        smtp_base64(raw, n, cmd + 11);
        memcpy(cmd + strlen(cmd), "\r\n", 3);
        if (mailstream_write(run->s->stream, cmd, strlen(cmd)) ==
            (ssize_t)strlen(cmd) && mailstream_flush(run->s->stream) == 0)
            code = smtp_read_reply(run, text, size);
        explicit_bzero(cmd, strlen(cmd));
        explicit_bzero(raw, n);
    }
    free(raw);
    free(cmd);
    return code;
}

/* Credentials go only over TLS or to a relay on loopback. A refusal
 * (535 and the like) is the operator's to fix, not the recipients'
 * fault: temporary, nothing sent, every recipient stays PENDING. */
static enum smtp_state smtp_st_auth(struct smtp_run *run)
{
    char why[DELIVER_REPLY_MAX + 64], reply[DELIVER_REPLY_MAX];
    int code;

    if (!run->tls_up && !smtp_loopback(run->d->target))
        return smtp_no_tls(run, "AUTH refused without TLS to a relay off "
                           "loopback");
    if (!(run->s->auth & MAILSMTP_AUTH_PLAIN))
        return smtp_no_tls(run, "relay offers no AUTH PLAIN");
    code = smtp_auth_plain(run, reply, sizeof(reply));
    if (code == 235)
        return SMTP_MAIL;
    if (code == 0)
        snprintf(why, sizeof(why), "AUTH: connection lost or timed out");
    else
        snprintf(why, sizeof(why), "AUTH failed: %d %s", code, reply);
    return smtp_no_tls(run, why);
}

/* A 5xx to EHLO means an old server: say HELO instead. */
static enum smtp_state smtp_st_ehlo(struct smtp_run *run)
{
    int r = mailesmtp_ehlo(run->s), code;

    if (r == MAILSMTP_ERROR_HOSTNAME) {
        err_set(run->e, ERR_TEMP, "%s: cannot find own host name",
                run->d->spec);
        return SMTP_FAIL;
    }
    code = smtp_reply(run, r, "EHLO", NULL);
    if (code < 0)
        return SMTP_FAIL;
    if (code / 100 == 2)
        return smtp_after_ehlo(run);
    return code / 100 == 5 ? SMTP_HELO : smtp_fail(run, "EHLO", code);
}

/* SNI for a relay named by DNS (RFC 6066 forbids address literals there):
 * a relay serving several names picks the certificate we will check. */
static void smtp_sni(struct mailstream_ssl_context *ctx, void *data)
{
    char *host = data;      /* the handle's target: lives longer */

    if (strchr(host, ':') == NULL && !smtp_is_ipv4(host))
        mailstream_ssl_set_server_name(ctx, host);
}

static enum smtp_state smtp_st_starttls(struct smtp_run *run)
{
    char why[DELIVER_REPLY_MAX];
    int r = mailsmtp_socket_starttls_with_callback(run->s, smtp_sni,
                                                   run->d->target);

    if (r != MAILSMTP_NO_ERROR)
        return smtp_no_tls(run, "STARTTLS failed");
    run->tls_up = 1;
    if (run->d->pin[0] != '\0') {
        if (!smtp_pin_ok(run))
            return smtp_no_tls(run, "relay certificate does not match "
                               "smtp_tls_fingerprint");
    } else if (smtp_verify_applies(run->d) &&
               smtp_cert_verify(run, why, sizeof(why)) != 0) {
        return smtp_no_tls(run, why);
    }
    return SMTP_EHLO;       /* RFC 3207: forget what was said before */
}

static enum smtp_state smtp_st_helo(struct smtp_run *run)
{
    int code;

    if (run->d->tls == DELIVER_TLS_REQUIRE)
        return smtp_no_tls(run, "relay does not speak ESMTP; TLS required");
    code = smtp_reply(run, mailsmtp_helo(run->s), "HELO", NULL);

    if (code < 0)
        return SMTP_FAIL;
    return code / 100 == 2 ? SMTP_MAIL : smtp_fail(run, "HELO", code);
}

/* The kept session's last transaction is over; RSET (RFC 5321 4.1.1.5)
 * makes sure, and finds a connection the relay has dropped since. With
 * PIPELINING it goes in front of MAIL. */
static enum smtp_state smtp_st_rset(struct smtp_run *run)
{
    int code;

    run->reused = 1;
    if (run->s->esmtp & MAILSMTP_ESMTP_PIPELINING) {
        run->rset = 1;
        return SMTP_MAIL;
    }
    code = smtp_reply(run, mailsmtp_reset(run->s), "RSET", NULL);
    if (code < 0)
        return SMTP_FAIL;
    return code / 100 == 2 ? SMTP_MAIL : smtp_fail(run, "RSET", code);
}

/* A refused sender refuses the whole transaction: every recipient gets
 * the MAIL reply. */
static enum smtp_state smtp_st_mail(struct smtp_run *run)
{
    char envid[SMTP_ENVID_MAX + 1];
    int r, code;

    run->msgs++;
    if (run->s->esmtp & MAILSMTP_ESMTP_PIPELINING)
        return SMTP_PIPE;
    if (run->s->esmtp & MAILSMTP_ESMTP) {
        smtp_envid(run, envid, sizeof(envid));
        r = mailesmtp_mail_size(run->s, run->msg->sender, 0,
                                envid[0] ? envid : NULL, run->msg->len);
    } else
        r = mailsmtp_mail(run->s, run->msg->sender);
    code = smtp_reply(run, r, "MAIL", NULL);
    if (code < 0)
        return SMTP_FAIL;
    if (code / 100 == 2)
        return SMTP_RCPT;
    run->answered++;
    deliver_set_pending(run->rcpts, run->n, smtp_class(code), code,
                        run->s->response);
    return SMTP_END;
}

/* libetpan writes its commands into a buffer of 513 bytes
 * (SMTP_STRING_SIZE) and cuts what does not fit: ORCPT only when the line
 * fits there. NOTIFY and ORCPT only go out when the relay offers DSN. */
#define SMTP_LIBETPAN_LINE_MAX 512

static int smtp_rcpt(struct smtp_run *run, const char *addr)
{
    char orcpt[SMTP_LIBETPAN_LINE_MAX];

    if (!(run->s->esmtp & MAILSMTP_ESMTP_DSN))
        return mailsmtp_rcpt(run->s, addr);
    smtp_orcpt(run, addr, SMTP_LIBETPAN_LINE_MAX, orcpt, sizeof(orcpt));
    return mailesmtp_rcpt(run->s, addr, MAILSMTP_DSN_NOTIFY_FAILURE |
                          MAILSMTP_DSN_NOTIFY_DELAY,
                          orcpt[0] ? orcpt : NULL);
}

static enum smtp_state smtp_st_rcpt(struct smtp_run *run)
{
    struct deliver_rcpt *cur;
    int code;

    while (run->next < run->n &&
           run->rcpts[run->next].state != DELIVER_PENDING)
        run->next++;
    if (run->next == run->n)
        return run->accepted > 0 ? SMTP_DATA : SMTP_END;
    cur = &run->rcpts[run->next++];
    code = smtp_reply(run, smtp_rcpt(run, cur->addr), "RCPT", cur);
    if (code < 0)
        return SMTP_FAIL;
    run->answered++;
    if (code / 100 == 2) {
        rcpt_set(cur, DELIVER_PENDING, code, run->s->response);
        run->accepted++;
    } else
        rcpt_set(cur, smtp_class(code), code, run->s->response);
    return SMTP_RCPT;
}

static enum smtp_state smtp_st_data(struct smtp_run *run)
{
    int code = smtp_reply(run, mailsmtp_data(run->s), "DATA", NULL);

    if (code < 0)
        return SMTP_FAIL;
    if (code == 354)
        return SMTP_BODY;
    if (code / 100 == 2 || code / 100 == 3)
        return smtp_fail(run, "DATA", code);
    smtp_settle(run, smtp_class(code), code, run->s->response);
    return SMTP_END;
}

/* libetpan dot-stuffs, makes bare LF/CR into CRLF and always appends
 * "\r\n.\r\n"; a message that already ends in a line break would gain an
 * empty last line, so that one break is left for libetpan to write. */
static size_t smtp_body_len(const char *data, size_t len)
{
    if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
        return len - 2;
    if (len >= 1 && data[len - 1] == '\n')
        return len - 1;
    return len;
}

static enum smtp_state smtp_st_body(struct smtp_run *run)
{
    const struct deliver_msg *msg = run->msg;
    int r, code;

    /* Late after the reply to DATA: no byte of the body yet. */
    if (deliver_late(run->d))
        return smtp_late(run, "before the body");
    mailsmtp_set_progress_callback(run->s, smtp_progress, run);
    r = mailsmtp_data_message(run->s, msg->data,
                              smtp_body_len(msg->data, msg->len));
    if (run->late)
        return smtp_late(run, "in the body (connection cut)");
    code = smtp_reply(run, r, "end of DATA", NULL);
    if (code < 0)
        return SMTP_FAIL;
    smtp_settle(run, smtp_class(code), code, run->s->response);
    return SMTP_END;
}

/* The transaction is over, whatever its outcome; the session stays for
 * the next message (smtp_keep). */
static enum smtp_state smtp_st_end(struct smtp_run *run)
{
    (void)run;
    return SMTP_DONE;
}

static enum smtp_state (*const smtp_states[])(struct smtp_run *) = {
    [SMTP_CONNECT] = smtp_st_connect,
    [SMTP_EHLO] = smtp_st_ehlo,
    [SMTP_STARTTLS] = smtp_st_starttls,
    [SMTP_AUTH] = smtp_st_auth,
    [SMTP_HELO] = smtp_st_helo,
    [SMTP_RSET] = smtp_st_rset,
    [SMTP_MAIL] = smtp_st_mail,
    [SMTP_PIPE] = smtp_st_pipe,
    [SMTP_RCPT] = smtp_st_rcpt,
    [SMTP_DATA] = smtp_st_data,
    [SMTP_BODY] = smtp_st_body,
    [SMTP_END] = smtp_st_end,
};

static enum smtp_state smtp_run_states(struct smtp_run *run)
{
    enum smtp_state st = SMTP_CONNECT;

    while (st != SMTP_DONE && st != SMTP_FAIL) {
        /* Up to DATA, giving up costs nothing: no message has gone. */
        if (st <= SMTP_DATA && deliver_late(run->d))
            st = smtp_late(run, "before DATA");
        else
            st = smtp_states[st](run);
    }
    return st;
}

/* The attempt failed on a kept connection before the relay answered
 * anything of this message: the relay had hung up (or says 421) between
 * two transactions. Nothing was accepted, so all may go again. */
static int smtp_stale(const struct smtp_run *run)
{
    return run->reused && run->answered == 0 && !run->late;
}

/* A new attempt of the same message on a new connection. */
static void smtp_restart(struct smtp_run *run)
{
    smtp_drop(run);
    run->next = run->accepted = run->answered = 0;
    run->rset = run->mail_sent = run->data_sent = 0;
    err_init(run->e);
}

/* Take the handle's kept session for this call; give it back after, or
 * close it when it may not serve another message. */
static void smtp_take(struct smtp_run *run)
{
    struct smtp_conn *c = &run->d->conn;

    run->s = c->s;
    run->fd = c->s != NULL ? c->fd : -1;
    run->tls_up = c->s != NULL && c->tls_up;
    run->msgs = c->s != NULL ? c->msgs : 0;
    c->s = NULL;
}

static void smtp_keep(struct smtp_run *run, enum smtp_state st)
{
    struct smtp_conn *c = &run->d->conn;

    if (st != SMTP_DONE || run->unusable || run->s == NULL ||
        run->s->stream == NULL) {
        smtp_drop(run);
        return;
    }
    c->s = run->s;
    c->fd = run->fd;
    c->tls_up = run->tls_up;
    c->msgs = run->msgs;
    c->idle_since = (int64_t)time(NULL);
    run->s = NULL;
}

void smtp_close(struct deliver *d)
{
    struct sigpipe_guard g;

    if (d->conn.s == NULL)
        return;
    sigpipe_block(&g);
    mailsmtp_free(d->conn.s);       /* says QUIT, closes */
    sigpipe_unblock(&g);
    memset(&d->conn, 0, sizeof(d->conn));
}

int smtp_send(struct deliver *d, const struct deliver_msg *msg,
              struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    struct smtp_run run;
    struct sigpipe_guard g;
    enum smtp_state st;

    memset(&run, 0, sizeof(run));
    run.d = d;
    run.msg = msg;
    run.rcpts = rcpts;
    run.n = n;
    run.e = e;
    smtp_take(&run);
    sigpipe_block(&g);
    st = smtp_run_states(&run);
    if (st == SMTP_FAIL && smtp_stale(&run)) {
        smtp_restart(&run);
        st = smtp_run_states(&run);
    }
    smtp_keep(&run, st);
    sigpipe_unblock(&g);
    return st == SMTP_DONE ? 0 : -1;
}
