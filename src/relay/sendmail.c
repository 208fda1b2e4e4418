/* sendmail - the sendmail: transport: the message piped to a program. */
#include "relay/deliver_int.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DELIVER_CHUNK 8192          /* LF-converted write unit */
#define DELIVER_EX_TEMPFAIL 75      /* sysexits.h EX_TEMPFAIL */
#define DELIVER_WAIT_STEP_MS 10     /* waitpid poll interval */

int sm_parse(struct deliver *d, const char *arg, struct err *e)
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
    text_oneline(text, size, got > 0 ? raw : dflt);
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
        text_oneline(text, sizeof(text), dflt);
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

int sm_send(struct deliver *d, const struct deliver_msg *msg,
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
