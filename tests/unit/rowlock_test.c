/* rowlock: one process at a time holds a row's lock; other rows are
 * free; a release or the holder's death (kill -9) frees it at once; an
 * unopenable file is an error. Another process is a forked child that
 * answers what it got in its exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/rowlock.h"

static char t_dir[] = "/tmp/agw-rowlock-test.XXXXXX";
static char t_path[64];

/* What another process gets for row: 1, 0 or 2 (error). */
static int t_other(int64_t row)
{
    struct err e;
    pid_t pid;
    int st, fd, got;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        err_init(&e);
        got = rowlock_try(t_path, t_path, row, &fd, &e);
        _exit(got < 0 ? 2 : got);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_rows(void **state)
{
    static const struct {
        const char *what;
        int64_t row;
        int want;
    } cases[] = {
        {"the row this process holds", 7, 0},
        {"another row", 8, 1},
        {"row 0", 0, 1},
        {"a large row", (int64_t)1 << 40, 1},
    };
    struct err e;
    size_t c;
    int fd = -1, got;

    (void)state;
    err_init(&e);
    assert_int_equal(rowlock_try(t_path, t_path, 7, &fd, &e), 1);
    assert_true(fd >= 0);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        got = t_other(cases[c].row);
        if (got != cases[c].want)
            fail_msg("%s: another process got %d, want %d", cases[c].what,
                     got, cases[c].want);
    }
    rowlock_release(&fd);
    assert_int_equal(fd, -1);
    rowlock_release(&fd);                       /* twice: nothing */
    assert_int_equal(t_other(7), 1);            /* released: free */
}

/* A holder killed with the lock held: free at once. */
static void test_holder_dies(void **state)
{
    int p[2], fd;
    struct err e;
    pid_t pid;
    char b;

    (void)state;
    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        err_init(&e);
        if (rowlock_try(t_path, t_path, 3, &fd, &e) == 1 &&
            write(p[1], "x", 1) == 1)
            pause();
        _exit(1);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &b, 1), 1);
    close(p[0]);
    assert_int_equal(t_other(3), 0);            /* held by the child */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_int_equal(t_other(3), 1);            /* its death freed it */
}

static void test_unopenable(void **state)
{
    struct err e;
    int fd = 5;

    (void)state;
    err_init(&e);
    assert_int_equal(rowlock_try("/nonexistent-dir/x.lock", t_path, 1, &fd,
                                 &e), -1);
    assert_int_equal(fd, -1);
    assert_int_equal(e.code, ERR_IO);
    assert_non_null(strstr(e.msg, "lock file /nonexistent-dir/x.lock"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_holder_dies),
        cmocka_unit_test(test_unopenable),
    };
    int rc;

    if (mkdtemp(t_dir) == NULL)
        return 1;
    snprintf(t_path, sizeof(t_path), "%s/a.db.lock", t_dir);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(t_path);
    rmdir(t_dir);
    return rc;
}
