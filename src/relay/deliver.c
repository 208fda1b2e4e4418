/*
 * deliver - hand one message with many recipients to a relay.
 *
 * Three transports behind one table: dir (files), smtp (libetpan) and
 * sendmail (fork/exec). deliver_send() checks the envelope once, for all
 * of them, before anything is written or sent.
 *
 * This file: the envelope checks and outcomes every transport shares,
 * the table and the exports. The transports are dir.c, smtp.c (the relay
 * authenticated by tls.c) and sendmail.c; deliver_int.h is their contract.
 */
#include "relay/deliver_int.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Past the caller's deadline: hand nothing more to the relay. */
int deliver_late(const struct deliver *d)
{
    return d->deadline != 0 && (int64_t)time(NULL) > d->deadline;
}

/* ---- recipients and envelope checks -------------------------------- */

/* Reply text reaches logs, the audit table and bounce notes: multi-line
 * SMTP replies (libetpan joins them with '\n') become one line, every other
 * control byte becomes '?'. */
void rcpt_set(struct deliver_rcpt *r, enum deliver_state state,
              int code, const char *text)
{
    r->state = state;
    r->code = code;
    text_oneline(r->reply, sizeof(r->reply), text);
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
void deliver_set_pending(struct deliver_rcpt *rcpts, size_t n,
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
void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t set, pending;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

void sigpipe_unblock(struct sigpipe_guard *g)
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

/* ---- the table and the exports -------------------------------------- */

static const struct deliver_ops deliver_table[] = {
    {"dir:", dir_parse, dir_send, NULL},
    {"smtp://", smtp_parse, smtp_send, smtp_close},
    {"sendmail:", sm_parse, sm_send, NULL},
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
    if (d->ops != NULL && d->ops->close != NULL)
        d->ops->close(d);
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
