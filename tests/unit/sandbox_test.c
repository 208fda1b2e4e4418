/* sandbox: each way a child can end, as the parent sees it. A record
 * comes back; a crash, a forbidden system call, the CPU limit, a hang,
 * an exit without a record, garbage on the channel each end in a
 * definite outcome and the parent goes on; a read-only open fails and
 * the child goes on; work's error and a service's error travel intact;
 * malloc past the memory limit answers NULL. The pipeline's own use of
 * this (a crashing parser, the database opened from the child) is run
 * through the fault seam by tests/e2e/t-isolation.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sandbox.h"

/* AGW_ASAN (sandbox.h): no address-space limit, and ASan's own SEGV
 * report may end a crashing child by an exit status. */
#ifdef AGW_ASAN
#define T_ASAN 1
#else
#define T_ASAN 0
#endif

/* The child's end of its channel (sandbox.h: "fd 3"), for the cases
 * that must write to it what sandbox_call never would. */
#define T_CHILD_FD 3

static const char *const t_how[] = {
    "DONE", "FAILED", "CRASHED", "MEMORY", "CPU", "TIMEOUT", "GARBAGE",
};

static void t_limits(struct sandbox_limits *lim)
{
    sandbox_limits_default(lim);
    lim->mem_bytes = (size_t)64 << 20;
    lim->cpu_seconds = 5;
    lim->wall_seconds = 30;
    lim->frame_max = 1 << 20;
}

struct t_run {
    struct buf result;
    struct sandbox_end end;
    struct err e;
    int rc;
};

static void t_run(struct t_run *r, const struct sandbox_limits *lim,
                  sandbox_work work, void *warg, sandbox_serve serve,
                  void *sarg, size_t result_max)
{
    buf_init(&r->result, result_max);
    err_init(&r->e);
    r->rc = sandbox_run(lim, work, warg, serve, sarg, &r->result, &r->end,
                        &r->e);
    if (r->rc != 0)
        fail_msg("sandbox_run: %s", r->e.msg);
}

/* how and reason; reason NULL: any; a reason ending in '*': a prefix. */
static void t_expect(struct t_run *r, enum sandbox_how how,
                     const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;
    int ok = r->end.how == how;

    if (reason && n > 0 && reason[n - 1] == '*')
        ok = ok && strncmp(r->end.reason, reason, n - 1) == 0;
    else if (reason)
        ok = ok && strcmp(r->end.reason, reason) == 0;
    if (!ok)
        fail_msg("got %s \"%s\", want %s \"%s\"", t_how[r->end.how],
                 r->end.reason, t_how[how], reason ? reason : "(any)");
}

/* ---- work functions (they run in the child) ---------------------------- */

static int w_echo(void *arg, struct sandbox_chan *ch, struct buf *out,
                  struct err *e)
{
    return buf_printf(out, "%s from %s", (const char *)arg,
                      sandbox_inside() ? "inside" : "outside") == 0
               ? 0 : err_set(e, ERR_TOOBIG, "result");
}

/* An address no mapping covers, hidden from the compiler. */
static volatile uintptr_t t_bad_address = 16;

static int w_crash(void *arg, struct sandbox_chan *ch, struct buf *out,
                   struct err *e)
{
    /* cmocka catches SIGSEGV in this process (and so in the fork) to
     * report a failed test; the child must die of it instead */
    signal(SIGSEGV, SIG_DFL);
    *(volatile int *)t_bad_address = 1;
    return 0;
}

static int w_open_rw(void *arg, struct sandbox_chan *ch, struct buf *out,
                     struct err *e)
{
    int fd = open((const char *)arg, O_RDWR);

    buf_printf(out, "open O_RDWR returned %d", fd);
    return 0;
}

static int w_open_create(void *arg, struct sandbox_chan *ch, struct buf *out,
                         struct err *e)
{
    int fd = open((const char *)arg, O_WRONLY | O_CREAT, 0600);

    buf_printf(out, "open O_CREAT returned %d", fd);
    return 0;
}

/* A read-only open fails with EACCES, and the child goes on. */
static int w_open_ro(void *arg, struct sandbox_chan *ch, struct buf *out,
                     struct err *e)
{
    int fd, fd2;

    errno = 0;
    fd = open((const char *)arg, O_RDONLY);
    buf_printf(out, "open %d %s", fd, errno == EACCES ? "EACCES" : "?");
    errno = 0;
    fd2 = openat(AT_FDCWD, (const char *)arg, O_RDONLY | O_CLOEXEC);
    buf_printf(out, ", openat %d %s", fd2, errno == EACCES ? "EACCES" : "?");
    return 0;
}

static int w_spin(void *arg, struct sandbox_chan *ch, struct buf *out,
                  struct err *e)
{
    volatile unsigned long spin = 0;

    for (;;)
        spin++;
    return 0;
}

/* Blocks reading its channel: the parent is waiting too, so only the
 * wall clock ends this. */
static int w_hang(void *arg, struct sandbox_chan *ch, struct buf *out,
                  struct err *e)
{
    char c;

    while (read(T_CHILD_FD, &c, 1) != 0)
        ;
    return 0;
}

static int w_fail(void *arg, struct sandbox_chan *ch, struct buf *out,
                  struct err *e)
{
    buf_puts(out, "half a record");
    return err_set(e, ERR_DATA, "malformed boundary parameter: \"\\\"\"");
}

static int w_nomem(void *arg, struct sandbox_chan *ch, struct buf *out,
                   struct err *e)
{
    return err_set(e, ERR_NOMEM, "out of memory");
}

static int w_exit(void *arg, struct sandbox_chan *ch, struct buf *out,
                  struct err *e)
{
    _exit(3);
}

static int w_big(void *arg, struct sandbox_chan *ch, struct buf *out,
                 struct err *e)
{
    return buf_puts(out, "0123456789") == 0 ? 0 : err_set(e, ERR_TOOBIG,
                                                          "result");
}

/* A frame of a kind no frame has (sandbox.c's frame header: kind, op,
 * a 64-bit length). */
static int w_garbage(void *arg, struct sandbox_chan *ch, struct buf *out,
                     struct err *e)
{
    static const uint32_t hdr[4] = {99, 0, 0, 0};

    if (write(T_CHILD_FD, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
        _exit(4);
    return 0;
}

/* A header that promises more than the parent takes. */
static int w_oversized(void *arg, struct sandbox_chan *ch, struct buf *out,
                       struct err *e)
{
    static const uint32_t hdr[4] = {3, 0, 0xffffffffu, 0xffffffffu};

    if (write(T_CHILD_FD, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
        _exit(4);
    return 0;
}

/* Three calls to the parent; the replies make the record. */
static int w_calls(void *arg, struct sandbox_chan *ch, struct buf *out,
                   struct err *e)
{
    static const char *const req[] = {"one", "", "three"};
    size_t i;

    for (i = 0; i < 3; i++) {
        if (sandbox_call(ch, (uint32_t)(5 + i), req[i], strlen(req[i]), out,
                         e) != 0)
            return -1;
        buf_putc(out, '|');
    }
    return 0;
}

/* The parent refuses op 9: the child gets its error, and goes on. */
static int w_call_refused(void *arg, struct sandbox_chan *ch,
                          struct buf *out, struct err *e)
{
    struct buf reply;
    struct err ce;

    buf_init(&reply, 1024);
    err_init(&ce);
    if (sandbox_call(ch, 9, "AAAA", 4, &reply, &ce) == 0)
        buf_puts(out, "no error?");
    else
        buf_printf(out, "code %d: %s", (int)ce.code, ce.msg);
    buf_free(&reply);
    return 0;
}

/* malloc over the limit answers NULL; a small one still works. */
static int w_malloc(void *arg, struct sandbox_chan *ch, struct buf *out,
                    struct err *e)
{
    size_t mem = *(const size_t *)arg;
    char *big = malloc(mem * 2), *small;

    small = malloc(1 << 20);
    if (small)
        memset(small, 1, 1 << 20);
    buf_printf(out, "big %s, small %s", big ? "allocated" : "NULL",
               small ? "allocated" : "NULL");
    free(big);
    free(small);
    return 0;
}

/* ---- the parent's service ------------------------------------------------ */

struct t_service {
    int calls;
};

static int s_echo(void *arg, uint32_t op, const char *req, size_t len,
                  struct buf *reply, struct err *e)
{
    struct t_service *s = arg;

    s->calls++;
    if (op == 9)
        return err_set(e, ERR_NOPERM, "key %.*s is not an officer's",
                       (int)len, req);
    return buf_printf(reply, "%u:%.*s", op, (int)len, req) == 0 ? 0 :
           err_set(e, ERR_TOOBIG, "reply");
}

/* ---- the cases ------------------------------------------------------------ */

static void test_record(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    assert_int_equal(sandbox_inside(), 0);
    t_run(&r, &lim, w_echo, (void *)"hello", NULL, NULL, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    assert_string_equal(buf_cstr(&r.result), "hello from inside");
    assert_false(err_is_set(&r.e));
    buf_free(&r.result);
    /* a record over the caller's buffer is not taken */
    t_run(&r, &lim, w_big, NULL, NULL, NULL, 4);
    t_expect(&r, SANDBOX_GARBAGE, "parser result too large");
    assert_int_equal(r.result.len, 0);
    buf_free(&r.result);
}

static void test_crash(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_crash, NULL, NULL, NULL, 1024);
    /* under ASan its SEGV report may end the child (exit status 1) */
    t_expect(&r, SANDBOX_CRASHED, T_ASAN ? "parser crashed*"
                                         : "parser crashed (signal 11)");
    assert_int_equal(r.result.len, 0);
    buf_free(&r.result);
    t_run(&r, &lim, w_exit, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_CRASHED, "parser crashed (exit status 3, no "
             "result)");
    buf_free(&r.result);
}

/* Opening to write is a forbidden system call: the child is killed
 * (SIGSYS) before the file is touched. Opening to read fails. */
static void test_open(void **state)
{
    char dir[] = "/tmp/agw-sandbox-test.XXXXXX", path[64], made[64],
         want[128];
    struct sandbox_limits lim;
    struct t_run r;
    int fd;

    (void)state;
    if (sandbox_valgrind()) {
        print_message("SKIP: the seccomp filter: not loaded under valgrind\n");
        skip();
    }
    t_limits(&lim);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/db", dir);
    snprintf(made, sizeof(made), "%s/new", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(want, sizeof(want), "parser crashed (signal %d: a forbidden "
             "system call)", SIGSYS);

    t_run(&r, &lim, w_open_rw, path, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_CRASHED, want);
    buf_free(&r.result);
    t_run(&r, &lim, w_open_create, made, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_CRASHED, want);
    assert_int_not_equal(access(made, F_OK), 0);
    buf_free(&r.result);
    t_run(&r, &lim, w_open_ro, path, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    assert_string_equal(buf_cstr(&r.result), "open -1 EACCES, openat -1 "
                        "EACCES");
    buf_free(&r.result);
    unlink(path);
    rmdir(dir);
}

static void test_limits(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    lim.cpu_seconds = 1;
    lim.wall_seconds = 20;
    t_run(&r, &lim, w_spin, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_CPU, "over the CPU limit (1 s)");
    buf_free(&r.result);

    t_limits(&lim);
    lim.wall_seconds = 1;
    t_run(&r, &lim, w_hang, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_TIMEOUT, "parser did not finish within 1 s");
    buf_free(&r.result);
}

/* Work's own out-of-memory is the memory limit. */
static void test_memory_error(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_nomem, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_MEMORY, "over the memory limit (64 MB)");
    assert_false(err_is_set(&r.e));
    buf_free(&r.result);
}

static void test_memory_malloc(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    if (T_ASAN || sandbox_valgrind()) {
        print_message("SKIP: malloc past mem_bytes: no address-space limit "
                      "under AddressSanitizer or valgrind\n");
        skip();
    }
    t_limits(&lim);
    t_run(&r, &lim, w_malloc, &lim.mem_bytes, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    assert_string_equal(buf_cstr(&r.result), "big NULL, small allocated");
    buf_free(&r.result);
}

static void test_failed(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_fail, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_FAILED, "malformed boundary parameter: \"\\\"\"");
    assert_int_equal(r.e.code, ERR_DATA);
    assert_string_equal(r.e.msg, "malformed boundary parameter: \"\\\"\"");
    assert_int_equal(r.result.len, 0);      /* no half record */
    buf_free(&r.result);
}

static void test_calls(void **state)
{
    struct t_service svc = {0};
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_calls, NULL, s_echo, &svc, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    assert_string_equal(buf_cstr(&r.result), "5:one|6:|7:three|");
    assert_int_equal(svc.calls, 3);     /* served in the parent */
    buf_free(&r.result);
}

static void test_call_errors(void **state)
{
    struct t_service svc = {0};
    struct sandbox_limits lim;
    struct t_run r;
    char want[128];

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_call_refused, NULL, s_echo, &svc, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    snprintf(want, sizeof(want), "code %d: key AAAA is not an officer's",
             (int)ERR_NOPERM);
    assert_string_equal(buf_cstr(&r.result), want);
    assert_int_equal(svc.calls, 1);
    buf_free(&r.result);
    /* no service at all: the call fails, the child is not stuck */
    t_run(&r, &lim, w_call_refused, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_DONE, "");
    snprintf(want, sizeof(want), "code %d: no service for the child",
             (int)ERR_SOFTWARE);
    assert_string_equal(buf_cstr(&r.result), want);
    buf_free(&r.result);
}

static void test_garbage(void **state)
{
    struct sandbox_limits lim;
    struct t_run r;

    (void)state;
    t_limits(&lim);
    t_run(&r, &lim, w_garbage, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_GARBAGE, "parser returned garbage");
    buf_free(&r.result);
    /* a frame longer than frame_max is not read: garbage, whatever the
     * child does next */
    t_run(&r, &lim, w_oversized, NULL, NULL, NULL, 1024);
    t_expect(&r, SANDBOX_GARBAGE, "parser returned garbage");
    assert_int_equal(r.result.len, 0);
    buf_free(&r.result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_crash),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_memory_error),
        cmocka_unit_test(test_memory_malloc),
        cmocka_unit_test(test_failed),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_call_errors),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
