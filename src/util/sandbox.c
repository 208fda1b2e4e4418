#include "util/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/limits.h"

/* valgrind cannot run a seccomp filter (it does not know the system
 * call): under valgrind the filter is not loaded, everything else is. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SANDBOX_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef SANDBOX_VALGRIND
#define SANDBOX_VALGRIND() 0
#endif

/* The child's end of the socket pair, after every other fd is closed. */
#define SANDBOX_FD 3
/* Descriptors the child may hold: stdin, stdout, stderr, its socket. */
#define SANDBOX_FILES 4
/* How long a child that closed its socket may take to exit. */
#define SANDBOX_REAP_MS 2000
#define SANDBOX_POLL_MS 5
/* The heap a child starts with: one area taken from fresh address space
 * and advised for transparent huge pages (child_heap). A 5 MiB alert
 * makes the child touch some 150 MiB (the copy, its parse, the leak
 * detector's arrays); at most a quarter of the child's memory limit. */
#define SANDBOX_HEAP_BYTES ((size_t)256 << 20)


enum frame_kind { FRAME_CALL = 1, FRAME_REPLY, FRAME_RESULT, FRAME_ERROR };

struct frame_hdr {
    uint32_t kind;
    uint32_t op;
    uint64_t len;
};

struct sandbox_chan {
    int fd;
    size_t frame_max;
};

static int sandbox_child;
static scmp_filter_ctx sandbox_filter;

int sandbox_inside(void)
{
    return sandbox_child;
}

int sandbox_valgrind(void)
{
    return SANDBOX_VALGRIND() ? 1 : 0;
}

void sandbox_limits_set(struct sandbox_limits *lim, size_t mem_bytes,
                        unsigned cpu_seconds)
{
    lim->mem_bytes = mem_bytes;
    lim->cpu_seconds = cpu_seconds;
    /* a child can only block on its channel: the wall clock is a
     * backstop, loose enough for a loaded machine */
    lim->wall_seconds = 4 * cpu_seconds + 10;
    lim->frame_max = 256u * 1024 * 1024;
}

void sandbox_limits_default(struct sandbox_limits *lim)
{
    sandbox_limits_set(lim, (size_t)LIMIT_CHILD_MEMORY_MB << 20,
                       LIMIT_CHILD_CPU_SECONDS);
}

/* ---- framed i/o ------------------------------------------------------ */

static int64_t sandbox_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for ev; deadline < 0: forever. 0 ready, -1
 * deadline passed or poll failed. The child never polls (blocked). */
static int io_wait(int fd, short ev, int64_t deadline)
{
    struct pollfd p = {fd, ev, 0};
    int64_t left;
    int rc;

    if (deadline < 0)
        return 0;
    for (;;) {
        left = deadline - sandbox_now_ms();
        if (left <= 0)
            return -1;
        rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

/* The parent sends without SIGPIPE and without blocking on a child that
 * stopped reading; the child may only use write(2). */
static int io_write(int fd, const void *buf, size_t n, int64_t deadline)
{
    const char *p = buf;
    ssize_t k;

    while (n > 0) {
        if (io_wait(fd, POLLOUT, deadline) != 0)
            return -1;
        k = sandbox_child ? write(fd, p, n)
                          : send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* 0 all read, 1 end of stream before the first byte, -1 otherwise. */
static int io_read(int fd, void *buf, size_t n, int64_t deadline)
{
    char *p = buf;
    size_t got = 0;
    ssize_t k;

    while (got < n) {
        if (io_wait(fd, POLLIN, deadline) != 0)
            return -1;
        k = read(fd, p + got, n - got);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k == 0 && got == 0)
            return 1;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

static int frame_send(int fd, uint32_t kind, uint32_t op, const void *p,
                      size_t n, int64_t deadline)
{
    struct frame_hdr h = {kind, op, n};

    if (io_write(fd, &h, sizeof(h), deadline) != 0)
        return -1;
    return n ? io_write(fd, p, n, deadline) : 0;
}

#define FRAME_GARBLED (-2)

/* 0 a frame, 1 end of stream, FRAME_GARBLED over max, -1 short or late. */
static int frame_recv(int fd, size_t max, struct frame_hdr *h,
                      struct buf *payload, int64_t deadline)
{
    char chunk[65536];
    size_t left, k;
    int rc = io_read(fd, h, sizeof(*h), deadline);

    if (rc != 0)
        return rc;
    if (h->len > max)
        return FRAME_GARBLED;
    buf_reset(payload);
    for (left = (size_t)h->len; left > 0; left -= k) {
        k = left < sizeof(chunk) ? left : sizeof(chunk);
        if (io_read(fd, chunk, k, deadline) != 0 ||
            buf_append(payload, chunk, k) != 0)
            return -1;
    }
    return 0;
}

/* An error travels as its code and its line. */
static int frame_send_err(int fd, const struct err *e, int64_t deadline)
{
    char rec[sizeof(uint32_t) + ERR_MSG_MAX];
    uint32_t code = (uint32_t)e->code;
    size_t n = strnlen(e->msg, ERR_MSG_MAX - 1);

    memcpy(rec, &code, sizeof(code));
    memcpy(rec + sizeof(code), e->msg, n);
    return frame_send(fd, FRAME_ERROR, 0, rec, sizeof(code) + n, deadline);
}

static void frame_take_err(const struct buf *p, struct err *e)
{
    uint32_t code = ERR_SOFTWARE;
    int n = 0;

    if (p->len >= sizeof(code)) {
        memcpy(&code, p->data, sizeof(code));
        n = (int)(p->len - sizeof(code));
    }
    if (code == ERR_OK || code > ERR_SOFTWARE)
        code = ERR_SOFTWARE;
    err_init(e);
    err_set(e, (enum err_code)code, "%.*s", n,
            n ? p->data + sizeof(uint32_t) : "");
}

/* ---- the child's lock-down ------------------------------------------- */

static int filter_allow(scmp_filter_ctx f, int nr)
{
    return seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
}

/* One comparison of argument arg (libseccomp's SCMP_A* macros leave
 * fields unnamed, which clang's -Wmissing-field-initializers refuses). */
static struct scmp_arg_cmp filter_arg(unsigned arg, enum scmp_compare op,
                                      scmp_datum_t a, scmp_datum_t b)
{
    struct scmp_arg_cmp c;

    c.arg = arg;
    c.op = op;
    c.datum_a = a;
    c.datum_b = b;
    return c;
}

static int filter_if(scmp_filter_ctx f, uint32_t action, int nr,
                     struct scmp_arg_cmp c)
{
    return seccomp_rule_add_array(f, action, nr, 1, &c);
}

/* What reading bytes and building copies needs, and nothing more. */
static int filter_rules(scmp_filter_ctx f)
{
    static const int plain[] = {
        SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
        SCMP_SYS(lseek), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
        SCMP_SYS(madvise), SCMP_SYS(exit), SCMP_SYS(exit_group),
        SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
        SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack), SCMP_SYS(futex),
        SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
        SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(getpid),
        SCMP_SYS(gettid), SCMP_SYS(sched_yield), SCMP_SYS(getrusage),
    };
    const unsigned ro = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
    size_t i;
    int rc = 0;

    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        rc |= filter_allow(f, plain[i]);
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(read),
                    filter_arg(0, SCMP_CMP_EQ, SANDBOX_FD, 0));
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(write),
                    filter_arg(0, SCMP_CMP_EQ, SANDBOX_FD, 0));
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(write),
                    filter_arg(0, SCMP_CMP_EQ, STDERR_FILENO, 0));
    /* no new executable memory: the JIT compiled its code in the parent */
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap),
                    filter_arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
                    filter_arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    rc |= filter_if(f, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64),
                    filter_arg(2, SCMP_CMP_EQ, 0, 0));
    /* read-only opens fail; any other open kills */
    rc |= filter_if(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat),
                    filter_arg(2, SCMP_CMP_MASKED_EQ, ro, O_RDONLY));
    rc |= filter_if(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open),
                    filter_arg(1, SCMP_CMP_MASKED_EQ, ro, O_RDONLY));
    return rc;
}

/* Built once in the parent; each child loads it. */
static int filter_ready(struct err *e)
{
    if (sandbox_filter != NULL || SANDBOX_VALGRIND())
        return 0;
    sandbox_filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (sandbox_filter == NULL)     /* a kernel before 4.14 */
        sandbox_filter = seccomp_init(SCMP_ACT_KILL);
    if (sandbox_filter == NULL || filter_rules(sandbox_filter) != 0) {
        if (sandbox_filter)
            seccomp_release(sandbox_filter);
        sandbox_filter = NULL;
        return err_set(e, ERR_SOFTWARE, "cannot build the seccomp filter");
    }
    return 0;
}

#ifndef AGW_ASAN
/* Address space in use now, from /proc (read before the filter). */
static size_t child_vm_bytes(void)
{
    unsigned long pages = 0;
    FILE *fp = fopen("/proc/self/statm", "r");

    if (fp == NULL)
        return 0;
    if (fscanf(fp, "%lu", &pages) != 1)
        pages = 0;
    fclose(fp);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

static int child_limit(int what, rlim_t soft, rlim_t hard)
{
    struct rlimit r = {soft, hard};

    return setrlimit(what, &r);
}

/* valgrind keeps descriptors and address space of its own and refuses
 * these two limits; its runs check memory, not the sandbox. */
static int child_limits(const struct sandbox_limits *lim)
{
    int rc = 0;

#ifndef AGW_ASAN
    size_t vm = SANDBOX_VALGRIND() ? 1 : child_vm_bytes();

    if (vm == 0)
        return -1;
    if (!SANDBOX_VALGRIND())
        rc |= child_limit(RLIMIT_AS, vm + lim->mem_bytes,
                          vm + lim->mem_bytes);
#endif
    rc |= child_limit(RLIMIT_CPU, lim->cpu_seconds, lim->cpu_seconds + 1);
    if (!SANDBOX_VALGRIND())
        rc |= child_limit(RLIMIT_NOFILE, SANDBOX_FILES, SANDBOX_FILES);
    rc |= child_limit(RLIMIT_CORE, 0, 0);
    return rc;
}

static int child_fds(int fd)
{
    if (fd != SANDBOX_FD && dup2(fd, SANDBOX_FD) != SANDBOX_FD)
        return -1;
    return close_range(SANDBOX_FD + 1, ~0U, 0);
}

static void child_fail(const char *what)
{
    static const char pre[] = "alertgw: sandbox: cannot ";

    if (write(STDERR_FILENO, pre, sizeof(pre) - 1) < 0 ||
        write(STDERR_FILENO, what, strlen(what)) < 0 ||
        write(STDERR_FILENO, "\n", 1) < 0)
        _exit(71);
    _exit(71);
}

/* A child's work touches fresh memory that it frees soon after: the
 * inherited heap's free pages are the parent's (each first write a
 * copy-on-write fault), and new ones come in 4 KiB page faults, which
 * cost the whole command more than its parse and its leak check did
 * together. So the child gives back the free top of the inherited heap,
 * then grows its heap once by an area advised for huge pages (a fault
 * per 2 MiB where the kernel has them; 4 KiB pages otherwise) and keeps
 * it: large blocks come from there, not from mmap, and free() does not
 * hand them back. Only the pages touched are memory; the address space
 * counts against the limit, hence the cap. ASan's allocator is not
 * malloc's: nothing to do there. */
static void child_heap(const struct sandbox_limits *lim)
{
#ifndef AGW_ASAN
    size_t n = SANDBOX_HEAP_BYTES < lim->mem_bytes / 4 ? SANDBOX_HEAP_BYTES
                                                     : lim->mem_bytes / 4;
    uintptr_t a, z;
    char *p;

    malloc_trim(0);
    if (mallopt(M_MMAP_THRESHOLD, (int)(2 * n + 1)) != 1 ||
        mallopt(M_TRIM_THRESHOLD, INT_MAX) != 1 || (p = malloc(n)) == NULL)
        return;
    a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
    z = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (z > a)
        (void)madvise((void *)a, z - a, MADV_HUGEPAGE);
    free(p);
#else
    (void)lim;
#endif
}

static void child_main(const struct sandbox_limits *lim, pid_t parent,
                       int fd, sandbox_work work, void *warg)
{
    struct sandbox_chan ch = {SANDBOX_FD, lim->frame_max};
    struct buf result;
    struct err e;

    sandbox_child = 1;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(71);
    signal(SIGPIPE, SIG_DFL);
    if (child_fds(fd) != 0)
        child_fail("close descriptors");
    if (child_limits(lim) != 0)
        child_fail("set resource limits");
    if (sandbox_filter != NULL && seccomp_load(sandbox_filter) != 0)
        child_fail("load the seccomp filter");
    child_heap(lim);
    buf_init(&result, lim->frame_max);
    err_init(&e);
    if (work(warg, &ch, &result, &e) == 0)
        frame_send(ch.fd, FRAME_RESULT, 0, result.data, result.len, -1);
    else
        frame_send_err(ch.fd, &e, -1);
    _exit(0);
}

/* ---- the parent ------------------------------------------------------- */

struct run {
    const struct sandbox_limits *lim;
    pid_t pid;
    int fd;
    int64_t deadline;
    struct sandbox_end *end;
};

static void run_end(struct run *r, enum sandbox_how how, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));

static void run_end(struct run *r, enum sandbox_how how, const char *fmt,
                    ...)
{
    va_list ap;

    r->end->how = how;
    va_start(ap, fmt);
    vsnprintf(r->end->reason, sizeof(r->end->reason), fmt, ap);
    va_end(ap);
}

/* Make sure the child is gone and reaped. A killed child dies at once, so
 * waiting for it blocks only briefly; one that closed its socket by
 * itself gets a grace period to exit before it is killed. */
static int run_reap(struct run *r, int kill_first)
{
    int64_t until = sandbox_now_ms() + SANDBOX_REAP_MS;
    int status = 0, nap = 0;
    pid_t w;

    if (!kill_first) {
        for (;;) {
            w = waitpid(r->pid, &status, WNOHANG);
            if (w == r->pid || (w < 0 && errno != EINTR))
                return status;
            if (sandbox_now_ms() >= until)
                break;
            nap = nap < SANDBOX_POLL_MS ? nap + 1 : SANDBOX_POLL_MS;
            poll(NULL, 0, nap);
        }
    }
    kill(r->pid, SIGKILL);
    while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

static void run_judge_exit(struct run *r, int status)
{
    int sig;

    if (WIFSIGNALED(status)) {
        sig = WTERMSIG(status);
        if (sig == SIGXCPU)
            run_end(r, SANDBOX_CPU, "over the CPU limit (%u s)",
                    r->lim->cpu_seconds);
        else if (sig == SIGSYS)
            run_end(r, SANDBOX_CRASHED, "parser crashed (signal %d: a "
                    "forbidden system call)", sig);
        else
            run_end(r, SANDBOX_CRASHED, "parser crashed (signal %d)", sig);
    } else {
        run_end(r, SANDBOX_CRASHED, "parser crashed (exit status %d, no "
                "result)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

static int run_serve(struct run *r, const struct frame_hdr *h,
                     const struct buf *req, sandbox_serve serve, void *sarg)
{
    struct buf reply;
    struct err e;
    int rc;

    buf_init(&reply, r->lim->frame_max);
    err_init(&e);
    if (serve == NULL)
        err_set(&e, ERR_SOFTWARE, "no service for the child");
    if (serve != NULL && serve(sarg, h->op, req->data ? req->data : "",
                               req->len, &reply, &e) == 0)
        rc = frame_send(r->fd, FRAME_REPLY, h->op, reply.data, reply.len,
                        r->deadline);
    else
        rc = frame_send_err(r->fd, &e, r->deadline);
    buf_free(&reply);
    return rc;
}

/* Read frames until the child hands back its record or ends. */
static void run_loop(struct run *r, sandbox_serve serve, void *sarg,
                     struct buf *result, struct err *e)
{
    struct frame_hdr h;
    struct buf in;
    int rc;

    buf_init(&in, r->lim->frame_max);
    for (;;) {
        rc = frame_recv(r->fd, r->lim->frame_max, &h, &in, r->deadline);
        if (rc == FRAME_GARBLED) {
            run_reap(r, 1);
            run_end(r, SANDBOX_GARBAGE, "%s", "parser returned garbage");
        } else if (rc != 0 && sandbox_now_ms() >= r->deadline) {
            run_reap(r, 1);
            run_end(r, SANDBOX_TIMEOUT, "parser did not finish within %u s",
                    r->lim->wall_seconds);
        } else if (rc != 0) {
            run_judge_exit(r, run_reap(r, 0));
        } else if (h.kind == FRAME_CALL) {
            run_serve(r, &h, &in, serve, sarg);
            continue;
        } else if (h.kind == FRAME_RESULT) {
            run_reap(r, 1);
            if (buf_append(result, in.data ? in.data : "", in.len) != 0)
                run_end(r, SANDBOX_GARBAGE, "%s", "parser result too large");
            else
                run_end(r, SANDBOX_DONE, "%s", "");
        } else if (h.kind == FRAME_ERROR) {
            run_reap(r, 1);
            frame_take_err(&in, e);
            if (e->code == ERR_NOMEM) {
                err_init(e);
                run_end(r, SANDBOX_MEMORY, "over the memory limit (%zu MB)",
                        r->lim->mem_bytes >> 20);
            } else {
                run_end(r, SANDBOX_FAILED, "%s", e->msg);
            }
        } else {
            run_reap(r, 1);
            run_end(r, SANDBOX_GARBAGE, "%s", "parser returned garbage");
        }
        break;
    }
    buf_free(&in);
}

int sandbox_run(const struct sandbox_limits *lim, sandbox_work work,
                void *warg, sandbox_serve serve, void *sarg,
                struct buf *result, struct sandbox_end *end, struct err *e)
{
    struct run r = {lim, 0, -1, 0, end};
    pid_t parent = getpid();
    int sv[2];

    memset(end, 0, sizeof(*end));
    if (filter_ready(e) != 0)
        return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return err_set(e, ERR_TEMP, "socketpair: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    r.pid = fork();
    if (r.pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return err_set(e, ERR_TEMP, "fork: %s", strerror(errno));
    }
    if (r.pid == 0) {
        close(sv[0]);
        child_main(lim, parent, sv[1], work, warg);
    }
    close(sv[1]);
    r.fd = sv[0];
    r.deadline = sandbox_now_ms() + (int64_t)lim->wall_seconds * 1000;
    run_loop(&r, serve, sarg, result, e);
    close(r.fd);
    return 0;
}

int sandbox_call(struct sandbox_chan *ch, uint32_t op, const char *req,
                 size_t len, struct buf *reply, struct err *e)
{
    struct frame_hdr h;
    struct buf in;
    int rc = -1;

    buf_init(&in, ch->frame_max);
    if (frame_send(ch->fd, FRAME_CALL, op, req, len, -1) != 0 ||
        frame_recv(ch->fd, ch->frame_max, &h, &in, -1) != 0)
        err_set(e, ERR_SOFTWARE, "sandbox: the channel to the parent broke");
    else if (h.kind == FRAME_ERROR)
        frame_take_err(&in, e);
    else if (h.kind != FRAME_REPLY || h.op != op)
        err_set(e, ERR_SOFTWARE, "sandbox: unexpected reply");
    else if (buf_append(reply, in.data ? in.data : "", in.len) != 0)
        err_set(e, ERR_TOOBIG, "sandbox: reply too large");
    else
        rc = 0;
    buf_free(&in);
    return rc;
}
