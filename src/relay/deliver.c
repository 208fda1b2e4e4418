/*
 * deliver - hand one message with many recipients to a relay.
 *
 * Three transports behind one table: dir (files), smtp (libetpan) and
 * sendmail (fork/exec). deliver_send() checks the envelope once, for all
 * of them, before anything is written or sent.
 */
#include "relay/deliver.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <libetpan/carray.h>
#include <libetpan/mailsmtp.h>
#include <libetpan/mailsmtp_socket.h>
#include <libetpan/mailstream.h>
#include <libetpan/mailstream_socket.h>
#include <libetpan/mailstream_helper.h>
#include <libetpan/mailstream_ssl.h>
#include <libetpan/mmapstring.h>

#include "util/buf.h"
#include "util/sha256.h"

#define DELIVER_NAME_MAX 200        /* dir: file-name hint */
#define DELIVER_HOST_MAX 255        /* smtp: DNS name or address literal */
#define DELIVER_CHUNK 8192          /* sendmail: LF-converted write unit */
#define DELIVER_EX_TEMPFAIL 75      /* sysexits.h EX_TEMPFAIL */
#define DELIVER_WAIT_STEP_MS 10     /* sendmail: waitpid poll interval */

struct deliver;

struct deliver_ops {
    const char *prefix;
    int (*parse)(struct deliver *d, const char *arg, struct err *e);
    int (*send)(struct deliver *d, const struct deliver_msg *msg,
                struct deliver_rcpt *rcpts, size_t n, struct err *e);
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
};

/* Past the caller's deadline: hand nothing more to the relay. */
static int deliver_late(const struct deliver *d)
{
    return d->deadline != 0 && (int64_t)time(NULL) > d->deadline;
}

/* ---- recipients and envelope checks -------------------------------- */

/* Reply text reaches logs, the audit table and bounce notes: multi-line
 * SMTP replies (libetpan joins them with '\n') become one line, every other
 * control byte becomes '?'. */
static void deliver_printable(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src != NULL && *src != '\0' && i + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;

        if (c == '\n' || c == '\r')
            c = ' ';
        else if (c < 0x20 || c == 0x7f)
            c = '?';
        dst[i++] = (char)c;
    }
    while (i > 0 && dst[i - 1] == ' ')
        i--;
    dst[i] = '\0';
}

static void rcpt_set(struct deliver_rcpt *r, enum deliver_state state,
                     int code, const char *text)
{
    r->state = state;
    r->code = code;
    deliver_printable(r->reply, sizeof(r->reply), text);
}

/* libetpan pastes addresses into "RCPT TO:<%s>" unchecked, so a CR or LF
 * would inject commands; '<', '>' and white space would break the path
 * syntax, and the dir: envelope file is one address per line. A NUL cannot
 * occur inside a C string: whatever followed it is never sent. Only the
 * sender may be empty (the null reverse-path of RFC 5321). */
static int deliver_addr_safe(const char *a, int may_be_empty)
{
    size_t len, i;

    if (a == NULL)
        return 0;
    len = strnlen(a, DELIVER_ADDR_MAX + 1);
    if (len > DELIVER_ADDR_MAX || (len == 0 && !may_be_empty))
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)a[i];

        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
            return 0;
    }
    return 1;
}

/* Resets every outcome, refuses unsafe recipients; returns how many are
 * left to deliver. */
static size_t deliver_screen(struct deliver_rcpt *rcpts, size_t n)
{
    size_t i, left = 0;

    for (i = 0; i < n; i++) {
        rcpt_set(&rcpts[i], DELIVER_PENDING, 0, "");
        if (!deliver_addr_safe(rcpts[i].addr, 0))
            rcpt_set(&rcpts[i], DELIVER_PERM, 0, "refused: unsafe address");
        else
            left++;
    }
    return left;
}

/* Outcome for every recipient still waiting (not refused up front). */
static void deliver_set_pending(struct deliver_rcpt *rcpts, size_t n,
                                enum deliver_state state, int code,
                                const char *text)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (rcpts[i].state == DELIVER_PENDING)
            rcpt_set(&rcpts[i], state, code, text);
}

/* ---- SIGPIPE --------------------------------------------------------- */

/* Both libetpan (send() without MSG_NOSIGNAL) and the sendmail pipe can
 * raise SIGPIPE when the peer goes away. We block it for the duration
 * instead of changing the process-wide disposition, and swallow a SIGPIPE
 * we caused so it is not delivered when the mask is restored. */
struct sigpipe_guard {
    sigset_t old;
    int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void sigpipe_unblock(struct sigpipe_guard *g)
{
    sigset_t set, pending;
    struct timespec zero = {0, 0};

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    if (!g->was_pending && sigismember(&pending, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) == -1 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- shared I/O ------------------------------------------------------ */

static int fd_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* ---- dir: ------------------------------------------------------------ */

static int dir_parse(struct deliver *d, const char *arg, struct err *e)
{
    if (*arg == '\0' || strlen(arg) > PATH_MAX / 2)
        return err_set(e, ERR_CONFIG, "%s: bad directory", d->spec);
    d->target = strdup(arg);
    if (d->target == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

/* The hint becomes a file name: no '/', nothing a shell or a later glob
 * could misread. Letters are tested by range, not isalnum(), so the locale
 * cannot widen the set. */
static int dir_name_ok(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0')
        return 0;
    for (i = 0; name[i] != '\0'; i++) {
        char c = name[i];

        if (i >= DELIVER_NAME_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A rename is durable only once the directory itself is synced. */
static int dir_sync(struct deliver *d, struct err *e)
{
    int fd = open(d->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return err_set(e, ERR_IO, "%s: open directory: %s", d->spec,
                       strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return err_set(e, ERR_IO, "%s: fsync directory: %s", d->spec,
                       strerror(errno));
    return 0;
}

static int dir_fill(int fd, const char *data, size_t len)
{
    if (fd_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return close(fd);
}

/* Write to a temporary name in the same directory, fsync, rename: readers
 * see the whole file or none, and a retry after a crash just replaces it. */
static int dir_write(struct deliver *d, const char *name, const char *ext,
                     const char *data, size_t len, struct err *e)
{
    struct buf tmp, dst;
    int fd, rc = -1;

    buf_init(&tmp, PATH_MAX);
    buf_init(&dst, PATH_MAX);
    if (buf_printf(&tmp, "%s/.%s%s.XXXXXX", d->target, name, ext) != 0 ||
        buf_printf(&dst, "%s/%s%s", d->target, name, ext) != 0) {
        err_set(e, ERR_DATA, "%s: path too long", d->spec);
        goto out;
    }
    fd = mkostemp(tmp.data, O_CLOEXEC);
    if (fd < 0) {
        err_set(e, ERR_IO, "%s: create %s: %s", d->spec, tmp.data,
                strerror(errno));
        goto out;
    }
    if (dir_fill(fd, data, len) != 0 || rename(tmp.data, dst.data) != 0) {
        err_set(e, ERR_IO, "%s: write %s: %s", d->spec, dst.data,
                strerror(errno));
        unlink(tmp.data);
        goto out;
    }
    rc = dir_sync(d, e);
out:
    buf_free(&tmp);
    buf_free(&dst);
    return rc;
}

/* Envelope file: the sender on the first line, then one recipient a line.
 * Addresses were screened, so none holds a line break. */
static int dir_envelope(struct buf *b, const struct deliver_msg *msg,
                        const struct deliver_rcpt *rcpts, size_t n)
{
    size_t i;

    if (buf_printf(b, "%s\n", msg->sender) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (rcpts[i].state == DELIVER_PENDING &&
            buf_printf(b, "%s\n", rcpts[i].addr) != 0)
            return -1;
    return 0;
}

/* The message goes first and the envelope second, so a complete .rcpt
 * file always has its .eml beside it. */
static int dir_send(struct deliver *d, const struct deliver_msg *msg,
                    struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    struct buf env;
    int rc = -1;

    if (!dir_name_ok(msg->name))
        return err_set(e, ERR_DATA, "%s: bad message name", d->spec);
    buf_init(&env, SIZE_MAX / 2);
    if (dir_envelope(&env, msg, rcpts, n) != 0) {
        err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
        goto out;
    }
    if (dir_write(d, msg->name, ".eml", msg->data, msg->len, e) != 0 ||
        dir_write(d, msg->name, ".rcpt", env.data, env.len, e) != 0)
        goto out;
    deliver_set_pending(rcpts, n, DELIVER_OK, 0, "stored");
    rc = 0;
out:
    buf_free(&env);
    return rc;
}

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
static int smtp_parse(struct deliver *d, const char *arg, struct err *e)
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
 * numeric session->response_code instead of its return value.
 */
struct smtp_run {
    struct deliver *d;
    mailsmtp *s;
    const struct deliver_msg *msg;
    struct deliver_rcpt *rcpts;
    size_t n;
    size_t next;            /* next recipient to offer */
    size_t accepted;
    int tls_up;             /* STARTTLS done: EHLO again, then MAIL */
    struct err *e;
    int fd;                 /* the connection's socket, -1 before it */
    int late;               /* the deadline cut the body short */
};

/* In protocol order: everything up to SMTP_DATA sends no message, which
 * smtp_send's deadline check relies on. */
enum smtp_state {
    SMTP_CONNECT, SMTP_EHLO, SMTP_STARTTLS, SMTP_AUTH, SMTP_HELO, SMTP_MAIL,
    SMTP_RCPT,
    SMTP_DATA, SMTP_BODY, SMTP_QUIT, SMTP_DONE, SMTP_FAIL
};

static int smtp_is_accepted(const struct deliver_rcpt *r)
{
    return r->state == DELIVER_PENDING && r->code / 100 == 2;
}

static void smtp_settle(struct smtp_run *run, enum deliver_state state,
                        int code, const char *text)
{
    size_t i;

    for (i = 0; i < run->n; i++)
        if (smtp_is_accepted(&run->rcpts[i]))
            rcpt_set(&run->rcpts[i], state, code, text);
}

static enum deliver_state smtp_class(int code)
{
    if (code / 100 == 2)
        return DELIVER_OK;
    return code / 100 == 5 ? DELIVER_PERM : DELIVER_TEMP;
}

/* The whole attempt failed: accepted recipients must be tried again;
 * untried ones stay PENDING; refused ones keep their answer. */
static enum smtp_state smtp_fail(struct smtp_run *run, const char *what,
                                 int code)
{
    char text[ERR_MSG_MAX];     /* room for what + code + a full reply */

    if (code == 0)
        snprintf(text, sizeof(text), "%s: connection lost or timed out",
                 what);
    else {
        char reply[DELIVER_REPLY_MAX];

        deliver_printable(reply, sizeof(reply), run->s->response);
        snprintf(text, sizeof(text), "%s: %d %s", what, code, reply);
    }
    smtp_settle(run, DELIVER_TEMP, 0, text);
    err_set(run->e, ERR_TEMP, "%s: %s", run->d->spec, text);
    return SMTP_FAIL;
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
    if (code == 421 && cur != NULL)
        rcpt_set(cur, DELIVER_TEMP, code, run->s->response);
    if (code < 200 || code > 599 || code == 421) {
        smtp_fail(run, what, code);
        return -1;
    }
    return code;
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
    return fd;
}

static enum smtp_state smtp_st_connect(struct smtp_run *run)
{
    mailstream *stream;
    int fd = smtp_tcp_connect(run), r;

    if (fd < 0)
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
static int smtp_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* ---- smtp:// : authenticating the relay after STARTTLS -------------- */

static int smtp_verify_applies(const struct deliver *d)
{
    if (d->verify == DELIVER_VERIFY_AUTO)
        return !smtp_loopback(d->target);
    return d->verify == DELIVER_VERIFY_YES;
}

static const char *smtp_ca_file(const struct deliver *d)
{
    return d->ca_file ? d->ca_file : DELIVER_CA_FILE;
}

/* A CRL past its next update may miss a revocation made since: refused
 * like a CA file that cannot be used, so the operator refreshes it. */
static int smtp_crl_fresh(gnutls_x509_crl_t *crls, unsigned n,
                          const char *file, char *why, size_t size)
{
    time_t now = time(NULL), next;
    unsigned i;

    for (i = 0; i < n; i++) {
        next = gnutls_x509_crl_get_next_update(crls[i]);
        if (next != (time_t)-1 && next < now) {
            snprintf(why, size, "smtp_tls_crl_file %s: CRL %u is out of "
                     "date (next update was due %lld seconds ago)", file,
                     i + 1, (long long)(now - next));
            return -1;
        }
    }
    return 0;
}

/* The CRL file into the trust list. Its CRLs are trusted as the CA file
 * is (both are the operator's), so they are not verified against the
 * roots: GnuTLS would drop every CRL an intermediate issued. The list
 * owns the CRLs once they are added. */
static int smtp_crl_load(struct deliver *d, char *why, size_t size)
{
    gnutls_datum_t raw = {NULL, 0};
    gnutls_x509_crl_t *crls = NULL;
    unsigned i, n = 0;
    int rc;

    if (d->crl_file == NULL)
        return 0;
    rc = gnutls_load_file(d->crl_file, &raw);
    if (rc >= 0)
        rc = gnutls_x509_crl_list_import2(&crls, &n, &raw,
                                          GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(raw.data);
    if (rc < 0 || n == 0) {
        snprintf(why, size, "smtp_tls_crl_file %s: %s", d->crl_file,
                 rc < 0 ? gnutls_strerror(rc) : "no CRL in it");
        return -1;
    }
    if (smtp_crl_fresh(crls, n, d->crl_file, why, size) != 0) {
        for (i = 0; i < n; i++)
            gnutls_x509_crl_deinit(crls[i]);
        gnutls_free(crls);
        return -1;
    }
    /* Added CRLs belong to the list, even when a later one fails (out of
     * memory): those are left to it, never freed twice. */
    rc = gnutls_x509_trust_list_add_crls(d->trust, crls, n, 0, 0);
    gnutls_free(crls);
    if (rc >= 0)
        return 0;
    snprintf(why, size, "smtp_tls_crl_file %s: %s", d->crl_file,
             gnutls_strerror(rc));
    return -1;
}

/* The CA and CRL files, once per deliver handle (the Debian bundle holds
 * ~150 certificates: a few ms, not worth paying per connection). */
static int smtp_trust_load(struct deliver *d, char *why, size_t size)
{
    int n;

    if (d->trust != NULL)
        return 0;
    if (gnutls_x509_trust_list_init(&d->trust, 0) < 0) {
        d->trust = NULL;
        snprintf(why, size, "cannot set up a trust list");
        return -1;
    }
    n = gnutls_x509_trust_list_add_trust_file(d->trust, smtp_ca_file(d),
                                              NULL, GNUTLS_X509_FMT_PEM,
                                              0, 0);
    if (n > 0 && smtp_crl_load(d, why, size) == 0)
        return 0;
    if (n <= 0)
        snprintf(why, size, "smtp_tls_ca_file %s: %s", smtp_ca_file(d),
                 n < 0 ? gnutls_strerror(n) : "no CA certificate in it");
    gnutls_x509_trust_list_deinit(d->trust, 1);
    d->trust = NULL;
    return -1;
}

/* The certificates the relay sent, leaf first: libetpan hands over the
 * whole list (gnutls_certificate_get_peers), so intermediates need not be
 * in the CA file. At most DELIVER_CHAIN_MAX are kept; the rest cannot
 * matter to a sane chain. Returns how many are in crts (0: none). */
static unsigned smtp_chain_get(mailstream *stream, gnutls_x509_crt_t *crts)
{
    carray *chain = mailstream_get_certificate_chain(stream);
    unsigned i, n = 0;

    for (i = 0; chain != NULL && i < carray_count(chain); i++) {
        MMAPString *der = carray_get(chain, i);
        gnutls_datum_t dt = {(unsigned char *)der->str, (unsigned)der->len};

        if (n < DELIVER_CHAIN_MAX && gnutls_x509_crt_init(&crts[n]) >= 0) {
            if (gnutls_x509_crt_import(crts[n], &dt, GNUTLS_X509_FMT_DER) < 0)
                gnutls_x509_crt_deinit(crts[n]);
            else
                n++;
        }
        mmap_string_free(der);
    }
    if (chain != NULL)
        carray_free(chain);
    return n;
}

/* GnuTLS verification status → the first reason an operator can act on. */
static const char *smtp_status_text(unsigned status)
{
    static const struct { unsigned bit; const char *text; } tab[] = {
        {GNUTLS_CERT_EXPIRED, "certificate expired"},
        {GNUTLS_CERT_NOT_ACTIVATED, "certificate not yet valid"},
        {GNUTLS_CERT_REVOKED, "certificate revoked"},
        {GNUTLS_CERT_SIGNER_NOT_FOUND, "issuer not in smtp_tls_ca_file"},
        {GNUTLS_CERT_SIGNER_NOT_CA, "issuer is not a CA"},
        {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure signature algorithm"},
        {GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature"},
        {GNUTLS_CERT_PURPOSE_MISMATCH, "not a TLS server certificate"},
        {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "issuer constraints"},
    };
    size_t i;

    for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (status & tab[i].bit)
            return tab[i].text;
    return "chain does not verify";
}

/* Chain against the CA file (dates included: GnuTLS checks them unless
 * told not to), then the leaf against the host name of the spec. 0 when
 * both pass; otherwise why holds the reason. */
static int smtp_cert_verify(struct smtp_run *run, char *why, size_t size)
{
    gnutls_x509_crt_t crts[DELIVER_CHAIN_MAX];
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER,
                                     0};
    const char *host = run->d->target, *bad = NULL;
    unsigned n, i, status = 0;
    char load[DELIVER_REPLY_MAX];

    if (smtp_trust_load(run->d, load, sizeof(load)) != 0) {
        snprintf(why, size, "relay certificate not verified: %.200s", load);
        return -1;
    }
    n = smtp_chain_get(run->s->stream, crts);
    if (n == 0)
        bad = "no X.509 certificate";
    else if (gnutls_x509_trust_list_verify_crt2(run->d->trust, crts, n,
                                                &purpose, 1, 0, &status,
                                                NULL) < 0 || status != 0)
        bad = smtp_status_text(status);
    else if (!gnutls_x509_crt_check_hostname2(crts[0], host, 0))
        bad = "certificate does not name the relay";
    for (i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    if (bad == NULL)
        return 0;
    snprintf(why, size, "relay certificate not verified: %s", bad);
    return -1;
}

/* RFC 4648 base64 of len bytes into out (room for 4 * ((len + 2) / 3) + 1). */
static void smtp_base64(const unsigned char *in, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *out++ = tab[in[i] >> 2];
        *out++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
        *out++ = tab[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
        *out++ = tab[in[i + 2] & 63];
    }
    if (i < len) {
        *out++ = tab[in[i] >> 2];
        *out++ = tab[(in[i] & 3) << 4 | (i + 1 < len ? in[i + 1] >> 4 : 0)];
        *out++ = i + 1 < len ? tab[(in[i + 1] & 15) << 2] : '=';
        *out++ = '=';
    }
    *out = '\0';
}

/* The reply to a command we wrote ourselves: its code, the last line's
 * text in text; 0 when the connection broke. Multi-line replies
 * ("235-...") are read to their last line. */
static int smtp_raw_reply(struct smtp_run *run, char *text, size_t size)
{
    MMAPString *line = mmap_string_new("");
    int code = 0;
    char *l;

    text[0] = '\0';
    while (line != NULL &&
           (l = mailstream_read_line_remove_eol(run->s->stream, line))) {
        if (strlen(l) < 3 || !isdigit((unsigned char)l[0]) ||
            !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]))
            break;
        code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
        deliver_printable(text, size, l);
        if (l[3] != '-')
            break;
        code = 0;
    }
    if (line)
        mmap_string_free(line);
    return code;
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
            code = smtp_raw_reply(run, text, size);
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
        snprintf(why, sizeof(why), "AUTH failed: %s", reply);
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

/* The relay's certificate (DER) must hash to the pin, when one is set:
 * checked before anything but EHLO and STARTTLS went over the session. */
static int smtp_pin_ok(struct smtp_run *run)
{
    unsigned char *der = NULL;
    ssize_t n;
    char got[SHA256_HEX];

    n = mailstream_ssl_get_certificate(run->s->stream, &der);
    if (n <= 0 || der == NULL) {
        free(der);
        return 0;
    }
    sha256_hex_of(der, (size_t)n, got);
    free(der);
    return strcmp(got, run->d->pin) == 0;
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

/* A refused sender refuses the whole transaction: every recipient gets
 * the MAIL reply. */
static enum smtp_state smtp_st_mail(struct smtp_run *run)
{
    int r, code;

    if (run->s->esmtp & MAILSMTP_ESMTP)
        r = mailesmtp_mail_size(run->s, run->msg->sender, 0, NULL,
                                run->msg->len);
    else
        r = mailsmtp_mail(run->s, run->msg->sender);
    code = smtp_reply(run, r, "MAIL", NULL);
    if (code < 0)
        return SMTP_FAIL;
    if (code / 100 == 2)
        return SMTP_RCPT;
    deliver_set_pending(run->rcpts, run->n, smtp_class(code), code,
                        run->s->response);
    return SMTP_QUIT;
}

static enum smtp_state smtp_st_rcpt(struct smtp_run *run)
{
    struct deliver_rcpt *cur;
    int code;

    while (run->next < run->n &&
           run->rcpts[run->next].state != DELIVER_PENDING)
        run->next++;
    if (run->next == run->n)
        return run->accepted > 0 ? SMTP_DATA : SMTP_QUIT;
    cur = &run->rcpts[run->next++];
    code = smtp_reply(run, mailsmtp_rcpt(run->s, cur->addr), "RCPT", cur);
    if (code < 0)
        return SMTP_FAIL;
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
    return SMTP_QUIT;
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
    return SMTP_QUIT;
}

/* QUIT's reply changes nothing, so libetpan does not wait for it. */
static enum smtp_state smtp_st_quit(struct smtp_run *run)
{
    mailsmtp_quit(run->s);
    return SMTP_DONE;
}

static enum smtp_state (*const smtp_states[])(struct smtp_run *) = {
    [SMTP_CONNECT] = smtp_st_connect,
    [SMTP_EHLO] = smtp_st_ehlo,
    [SMTP_STARTTLS] = smtp_st_starttls,
    [SMTP_AUTH] = smtp_st_auth,
    [SMTP_HELO] = smtp_st_helo,
    [SMTP_MAIL] = smtp_st_mail,
    [SMTP_RCPT] = smtp_st_rcpt,
    [SMTP_DATA] = smtp_st_data,
    [SMTP_BODY] = smtp_st_body,
    [SMTP_QUIT] = smtp_st_quit,
};

static int smtp_send(struct deliver *d, const struct deliver_msg *msg,
                     struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    struct smtp_run run = {d, NULL, msg, rcpts, n, 0, 0, 0, e, -1, 0};
    struct sigpipe_guard g;
    enum smtp_state st = SMTP_CONNECT;

    run.s = mailsmtp_new(0, NULL);
    if (run.s == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    mailsmtp_set_timeout(run.s, d->timeout);
    sigpipe_block(&g);
    while (st != SMTP_DONE && st != SMTP_FAIL) {
        /* Up to DATA, giving up costs nothing: no message has gone. */
        if (st <= SMTP_DATA && deliver_late(d))
            st = smtp_late(&run, "before DATA");
        else
            st = smtp_states[st](&run);
    }
    mailsmtp_free(run.s);       /* sends QUIT if still connected */
    sigpipe_unblock(&g);
    return st == SMTP_DONE ? 0 : -1;
}

/* ---- sendmail: ------------------------------------------------------- */

static int sm_parse(struct deliver *d, const char *arg, struct err *e)
{
    /* No PATH search: the configured program is the one that runs. */
    if (arg[0] != '/')
        return err_set(e, ERR_CONFIG, "%s: path must be absolute", d->spec);
    d->target = strdup(arg);
    if (d->target == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

/* PATH -oi -f SENDER -- RCPT...: "--" keeps a recipient from being read
 * as an option; -oi keeps a lone "." line from ending the message. */
static char **sm_argv(struct deliver *d, const struct deliver_msg *msg,
                      const struct deliver_rcpt *rcpts, size_t n)
{
    char **argv = calloc(n + 6, sizeof(*argv));
    size_t i, k = 0;

    if (argv == NULL || n > SIZE_MAX - 6) {
        free(argv);
        return NULL;
    }
    argv[k++] = d->target;
    argv[k++] = (char *)"-oi";
    argv[k++] = (char *)"-f";
    argv[k++] = (char *)msg->sender;
    argv[k++] = (char *)"--";
    for (i = 0; i < n; i++)
        if (rcpts[i].state == DELIVER_PENDING)
            argv[k++] = (char *)rcpts[i].addr;
    argv[k] = NULL;
    return argv;
}

struct sm_child {
    pid_t pid;
    int in;             /* write end of the child's stdin */
    FILE *out;          /* the child's stdout and stderr */
    int broken;         /* child stopped reading before the end */
};

/* Between fork and exec only async-signal-safe calls. */
static void sm_exec(char **argv, int in, int out, int status,
                    const sigset_t *mask)
{
    int err;

    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
        err = errno;
    } else {
        sigprocmask(SIG_SETMASK, mask, NULL);
        execv(argv[0], argv);
        err = errno;
    }
    if (write(status, &err, sizeof(err)) != (ssize_t)sizeof(err))
        err = 0;                /* parent sees EOF; status 127 remains */
    _exit(127);
}

/* The status pipe is close-on-exec: EOF means exec succeeded, an int
 * means it failed with that errno. */
static int sm_exec_status(int fd)
{
    int err = 0;
    ssize_t r;

    do
        r = read(fd, &err, sizeof(err));
    while (r < 0 && errno == EINTR);
    close(fd);
    return r == (ssize_t)sizeof(err) ? err : 0;
}

static int sm_spawn(struct deliver *d, char **argv, struct sm_child *c,
                    const sigset_t *mask, struct err *e)
{
    int in[2], st[2], err;

    if (pipe2(in, O_CLOEXEC) != 0)
        return err_set(e, ERR_IO, "%s: pipe: %s", d->spec, strerror(errno));
    if (pipe2(st, O_CLOEXEC) != 0) {
        err = errno;
        close(in[0]);
        close(in[1]);
        return err_set(e, ERR_IO, "%s: pipe: %s", d->spec, strerror(err));
    }
    c->pid = fork();
    if (c->pid == 0)
        sm_exec(argv, in[0], fileno(c->out), st[1], mask);
    err = errno;
    close(in[0]);
    close(st[1]);
    c->in = in[1];
    if (c->pid < 0) {
        close(st[0]);
        close(in[1]);
        c->in = -1;
        return err_set(e, ERR_TEMP, "%s: fork: %s", d->spec, strerror(err));
    }
    err = sm_exec_status(st[0]);
    if (err != 0) {
        close(c->in);
        c->in = -1;
        return err_set(e, ERR_TEMP, "%s: exec %s: %s", d->spec, argv[0],
                       strerror(err));
    }
    return 0;
}

/* A child that neither reads nor exits must not hold the worker: every
 * write waits at most the timeout. 1: child closed its stdin. */
static int sm_write(struct deliver *d, int fd, const char *p, size_t len)
{
    struct pollfd pfd = {fd, POLLOUT, 0};

    while (len > 0) {
        ssize_t w;

        int pr = poll(&pfd, 1, d->timeout * 1000);

        if (pr < 0 && errno == EINTR)
            continue;
        if (pr != 1)
            return -1;
        w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno == EPIPE ? 1 : -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* sendmail wants local line ends: CRLF becomes LF. */
static int sm_feed(struct deliver *d, int fd, const char *data, size_t len)
{
    char chunk[DELIVER_CHUNK];
    size_t i, k = 0;
    int rc;

    for (i = 0; i < len; i++) {
        if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            continue;
        chunk[k++] = data[i];
        if (k == sizeof(chunk)) {
            /* Past the deadline: killed before its stdin is closed, the
             * child queues nothing. */
            if (deliver_late(d))
                return -1;
            rc = sm_write(d, fd, chunk, k);
            if (rc != 0)
                return rc;
            k = 0;
        }
    }
    return sm_write(d, fd, chunk, k);
}

/* Reaps the child within the timeout, else kills it. 0: status filled. */
static int sm_wait(struct deliver *d, pid_t pid, int *status)
{
    long waited = 0, limit = (long)d->timeout * 1000;
    struct timespec step = {0, DELIVER_WAIT_STEP_MS * 1000000L};

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);

        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (waited >= limit)
            break;
        nanosleep(&step, NULL);
        waited += DELIVER_WAIT_STEP_MS;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/* The child's own words make the reply; fall back to the status. */
static void sm_reply(FILE *out, char *text, size_t size, const char *dflt)
{
    char raw[DELIVER_REPLY_MAX];
    size_t got;

    rewind(out);
    got = fread(raw, 1, sizeof(raw) - 1, out);
    raw[got] = '\0';
    deliver_printable(text, size, got > 0 ? raw : dflt);
}

/* Exit 0 after the child stopped reading may mean half a message was
 * queued; we call it temporary: a duplicate is better than a loss. */
static enum deliver_state sm_state(const struct sm_child *c, int status,
                                   char *dflt, size_t size)
{
    int x;

    if (!WIFEXITED(status)) {
        snprintf(dflt, size, "sendmail killed by signal %d",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return DELIVER_TEMP;
    }
    x = WEXITSTATUS(status);
    snprintf(dflt, size, "sendmail exited with status %d", x);
    if (x == 0 && c->broken) {
        snprintf(dflt, size, "sendmail exited 0 before reading the message");
        return DELIVER_TEMP;
    }
    if (x == 0)
        return DELIVER_OK;
    return x == DELIVER_EX_TEMPFAIL ? DELIVER_TEMP : DELIVER_PERM;
}

static void sm_outcome(const struct sm_child *c, int status,
                       struct deliver_rcpt *rcpts, size_t n)
{
    char dflt[64], text[DELIVER_REPLY_MAX];
    enum deliver_state state = sm_state(c, status, dflt, sizeof(dflt));

    if (c->broken)
        deliver_printable(text, sizeof(text), dflt);
    else
        sm_reply(c->out, text, sizeof(text), dflt);
    deliver_set_pending(rcpts, n, state, 0, text);
}

static int sm_run(struct deliver *d, const struct deliver_msg *msg,
                  struct deliver_rcpt *rcpts, size_t n, char **argv,
                  struct err *e)
{
    struct sm_child c = {-1, -1, NULL, 0};
    struct sigpipe_guard g;
    int status = 0, rc = -1, w;

    c.out = tmpfile();
    if (c.out == NULL)
        return err_set(e, ERR_IO, "%s: tmpfile: %s", d->spec,
                       strerror(errno));
    fcntl(fileno(c.out), F_SETFD, FD_CLOEXEC);
    sigpipe_block(&g);
    if (sm_spawn(d, argv, &c, &g.old, e) != 0)
        goto out;
    w = sm_feed(d, c.in, msg->data, msg->len);
    close(c.in);
    c.broken = w == 1;
    if (w < 0)
        kill(c.pid, SIGKILL);       /* stuck: do not wait for it twice */
    if (sm_wait(d, c.pid, &status) != 0 || w < 0) {
        err_set(e, ERR_TEMP, "%s: %s", d->spec, w < 0 ?
                "writing the message failed, timed out or passed the "
                "deadline" : "timed out");
        c.pid = -1;
        goto out;
    }
    c.pid = -1;
    sm_outcome(&c, status, rcpts, n);
    rc = 0;
out:
    if (c.pid > 0)                  /* exec failed: the child has exited */
        sm_wait(d, c.pid, &status);
    sigpipe_unblock(&g);
    fclose(c.out);
    return rc;
}

static int sm_send(struct deliver *d, const struct deliver_msg *msg,
                   struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    char **argv = sm_argv(d, msg, rcpts, n);
    int rc;

    if (argv == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    rc = sm_run(d, msg, rcpts, n, argv, e);
    free(argv);
    return rc;
}

/* ---- the table and the exports -------------------------------------- */

static const struct deliver_ops deliver_table[] = {
    {"dir:", dir_parse, dir_send},
    {"smtp://", smtp_parse, smtp_send},
    {"sendmail:", sm_parse, sm_send},
};

#define DELIVER_NTABLE (sizeof(deliver_table) / sizeof(deliver_table[0]))

int deliver_open(struct deliver **out, const char *spec, struct err *e)
{
    struct deliver *d;
    size_t i, plen;

    *out = NULL;
    for (i = 0; spec != NULL && i < DELIVER_NTABLE; i++) {
        plen = strlen(deliver_table[i].prefix);
        if (strncmp(spec, deliver_table[i].prefix, plen) == 0)
            break;
    }
    if (spec == NULL || i == DELIVER_NTABLE)
        return err_set(e, ERR_CONFIG, "relay '%s': want dir:PATH, "
                       "smtp://HOST:PORT or sendmail:PATH",
                       spec ? spec : "");
    d = calloc(1, sizeof(*d));
    if (d == NULL || (d->spec = strdup(spec)) == NULL) {
        free(d);
        return err_set(e, ERR_NOMEM, "relay: out of memory");
    }
    d->ops = &deliver_table[i];
    d->timeout = DELIVER_TIMEOUT_S;
    if (d->ops->parse(d, spec + plen, e) != 0) {
        deliver_close(d);
        return -1;
    }
    *out = d;
    return 0;
}

void deliver_close(struct deliver *d)
{
    if (d == NULL)
        return;
    free(d->spec);
    free(d->target);
    free(d->user);
    free(d->ca_file);
    free(d->crl_file);
    if (d->trust)
        gnutls_x509_trust_list_deinit(d->trust, 1);
    if (d->password) {
        explicit_bzero(d->password, strlen(d->password));
        free(d->password);
    }
    free(d);
}

void deliver_set_deadline(struct deliver *d, int64_t deadline)
{
    d->deadline = deadline;
}

void deliver_set_timeout(struct deliver *d, int seconds)
{
    if (seconds > 0)
        d->timeout = seconds;
}

int deliver_tls_parse(const char *s, enum deliver_tls *out)
{
    static const char *const names[] = {"off", "may", "require"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum deliver_tls)i;
            return 0;
        }
    return -1;
}

void deliver_set_tls(struct deliver *d, enum deliver_tls tls)
{
    d->tls = tls;
}

/* "AB:CD:..." or "abcd..." (64 hex digits) → lower case, no colons. */
int deliver_set_pin(struct deliver *d, const char *fpr, struct err *e)
{
    size_t n = 0;

    for (; *fpr; fpr++) {
        if (*fpr == ':')
            continue;
        if (!isxdigit((unsigned char)*fpr) || n >= SHA256_HEX - 1)
            return err_set(e, ERR_CONFIG, "smtp_tls_fingerprint: want the "
                           "SHA-256 of the certificate, 64 hex digits");
        d->pin[n++] = (char)tolower((unsigned char)*fpr);
    }
    d->pin[n] = '\0';
    if (n != 0 && n != SHA256_HEX - 1)
        return err_set(e, ERR_CONFIG, "smtp_tls_fingerprint: want 64 hex "
                       "digits, got %zu", n);
    return 0;
}

static void smtp_trust_drop(struct deliver *d)
{
    if (d->trust) {
        gnutls_x509_trust_list_deinit(d->trust, 1);
        d->trust = NULL;
    }
}

int deliver_set_crl(struct deliver *d, const char *crl_file, struct err *e)
{
    free(d->crl_file);
    d->crl_file = NULL;
    smtp_trust_drop(d);
    if (crl_file[0] != '\0' && (d->crl_file = strdup(crl_file)) == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

int deliver_set_verify(struct deliver *d, const char *verify,
                       const char *ca_file, struct err *e)
{
    static const char *const names[] = {"auto", "yes", "no"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(verify, names[i]) == 0 || (i == 0 && verify[0] == '\0'))
            break;
    if (i == sizeof(names) / sizeof(names[0]))
        return err_set(e, ERR_CONFIG, "smtp_tls_verify '%s': want auto, yes "
                       "or no", verify);
    d->verify = (enum deliver_verify)i;
    free(d->ca_file);
    d->ca_file = NULL;
    smtp_trust_drop(d);
    if (ca_file[0] != '\0' && (d->ca_file = strdup(ca_file)) == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

/* TLS to a relay off loopback is worth its name only when the relay is
 * authenticated, by a pin or by its chain and name: require with neither
 * is a configuration error. A CA file that cannot be used is found here,
 * at start, rather than as every relay failing later. */
int deliver_check(struct deliver *d, struct err *e)
{
    char why[DELIVER_REPLY_MAX];

    if (d->ops->send != smtp_send || d->tls == DELIVER_TLS_OFF ||
        d->pin[0] != '\0')
        return 0;
    if (smtp_verify_applies(d))
        return smtp_trust_load(d, why, sizeof(why)) == 0 ? 0 :
               err_set(e, ERR_CONFIG, "%s: %s", d->spec, why);
    if (d->tls != DELIVER_TLS_REQUIRE || smtp_loopback(d->target))
        return 0;
    return err_set(e, ERR_CONFIG, "%s: smtp_tls = require to a relay off "
                   "loopback with smtp_tls_verify = no needs "
                   "smtp_tls_fingerprint (the relay is not authenticated "
                   "otherwise)", d->spec);
}

int deliver_set_auth(struct deliver *d, const char *user,
                     const char *password, struct err *e)
{
    if (!deliver_addr_safe(user, 0) || strchr(password, '\n') ||
        strchr(password, '\r'))
        return err_set(e, ERR_CONFIG, "%s: unusable AUTH user or password",
                       d->spec);
    free(d->user);
    if (d->password) {
        explicit_bzero(d->password, strlen(d->password));
        free(d->password);
    }
    d->user = strdup(user);
    d->password = strdup(password);
    if (d->user == NULL || d->password == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

int deliver_send(struct deliver *d, const struct deliver_msg *msg,
                 struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    size_t left = deliver_screen(rcpts, n);

    if (msg->data == NULL && msg->len > 0)
        return err_set(e, ERR_SOFTWARE, "deliver: no message data");
    if (!deliver_addr_safe(msg->sender, 1))
        return err_set(e, ERR_DATA, "%s: refused: unsafe sender address",
                       d->spec);
    if (left == 0)
        return 0;
    if (deliver_late(d))
        return err_set(e, ERR_TEMP, "%s: deadline passed before sending: "
                       "nothing sent", d->spec);
    return d->ops->send(d, msg, rcpts, n, e);
}
