/* conf: defaults, overrides, ${data_dir}, errors with FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"

static char path[] = "/tmp/agw-conf.XXXXXX";

static void write_conf(const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_defaults(void **state)
{
    struct conf c;
    struct err e;

    (void)state;
    write_conf("");
    err_init(&e);
    assert_int_equal(conf_load(&c, path, &e), 0);
    assert_string_equal(c.db_path, "/var/lib/alertgw/alertgw.db");
    assert_int_equal(c.max_size, 10485760);
    conf_free(&c);
}

static void test_override(void **state)
{
    struct conf c;
    struct err e;

    (void)state;
    write_conf("[gateway]\ndata_dir = /srv/agw\nmax_size = 2048\n"
               "[delivery]\ntransport = dir:/tmp/out\n");
    err_init(&e);
    assert_int_equal(conf_load(&c, path, &e), 0);
    assert_string_equal(c.db_path, "/srv/agw/alertgw.db");
    assert_string_equal(c.gnupg_home, "/srv/agw/gnupg");
    assert_string_equal(c.transport, "dir:/tmp/out");
    assert_int_equal(c.max_size, 2048);
    conf_free(&c);
}

/* Durations take the command line's units; plain seconds still work. */
static void test_conf_durations(void **state)
{
    struct conf c;
    struct err e;

    (void)state;
    write_conf("[gateway]\ntime_budget = 2m\nmax_signature_age = 2w\n"
               "[delivery]\nretry_max_age = 5d\nsmtp_timeout = 45\n"
               "[limits]\nchild_cpu_seconds = 1m\n");
    err_init(&e);
    assert_int_equal(conf_load(&c, path, &e), 0);
    assert_int_equal(c.time_budget, 120);
    assert_int_equal(c.max_sig_age, 14 * 86400);
    assert_int_equal(c.retry_max_age, 5 * 86400);
    assert_int_equal(c.smtp_timeout, 45);
    assert_int_equal(c.child_cpu_seconds, 60);
    conf_free(&c);
    /* a unit on a count is no number; a duration out of its bounds */
    write_conf("[delivery]\nsmtp_batch = 5m\nretry_max_age = 31d\n");
    err_init(&e);
    assert_int_equal(conf_load(&c, path, &e), -1);
    assert_non_null(strstr(e.msg, "smtp_batch must be a number"));
}

static void test_errors(void **state)
{
    static const struct { const char *text, *want; } cases[] = {
        {"[gateway]\nbogus = 1\n", ":2: unknown key [gateway] bogus"},
        {"[nosuch]\nx = 1\n", ":2: unknown key [nosuch] x"},
        {"[gateway]\nmax_size = 12\n", "max_size must be a number"},
        {"[gateway]\nmax_size = lots\n", "not 'lots'"},
        {"[gateway\n", ":1: syntax error"},
    };
    struct conf c;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_conf(cases[i].text);
        err_init(&e);
        if (conf_load(&c, path, &e) == 0)
            fail_msg("case %zu: got success, want '%s'", i, cases[i].want);
        if (e.code != ERR_CONFIG || strstr(e.msg, cases[i].want) == NULL)
            fail_msg("case %zu: got '%s', want '%s'", i, e.msg,
                     cases[i].want);
    }
}

/* got, a list of error lines, against want[0..n): each a suffix of the
 * line (the temporary file's name comes first). */
static void check_lines(const struct err_list *got, const char *const *want,
                        size_t n, size_t more)
{
    size_t i;

    if (got->n != n || got->more != more)
        fail_msg("got %zu lines (+%zu more), want %zu (+%zu)", got->n,
                 got->more, n, more);
    for (i = 0; i < n; i++) {
        size_t gl = strlen(got->line[i]), wl = strlen(want[i]);

        if (gl < wl || strcmp(got->line[i] + gl - wl, want[i]) != 0 ||
            strncmp(got->line[i], path, strlen(path)) != 0)
            fail_msg("line %zu: got '%s', want '%s:...%s'", i, got->line[i],
                     path, want[i]);
    }
}

/* Regression: two unknown keys were reported as one error, with the first
 * key's line and the last key's reason ("two-bad.conf:2: unknown key
 * [delivery] bar", where line 2 held foo). */
static void test_conf_two_bad_keys_each_own_line(void **state)
{
    static const char *const want[] = {
        ":2: unknown key [delivery] foo",
        ":3: unknown key [delivery] bar",
    };
    struct err_list l;
    struct conf c;
    struct err e;

    (void)state;
    write_conf("[delivery]\nfoo = 1\nbar = 2\n");
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(conf_load(&c, path, &e), -1);
    assert_int_equal(e.code, ERR_CONFIG);
    check_lines(&l, want, 2, 0);
    assert_string_equal(e.msg, l.line[0]);
}

/* Syntax errors (inih names one a pass), unknown keys, bad numbers and
 * over-long lines come out together, in file order. */
static void test_conf_every_error_in_file_order(void **state)
{
    static const char *const want[] = {
        ":1: syntax error",
        ":3: unknown key [gateway] bogus",
        ":4: [gateway] max_size must be a number from 1024 to 1073741824, "
        "not '12'",
        ":5: syntax error",
        ":6: line longer than 197 bytes",
        ":8: [delivery] smtp_timeout must be a duration from 1s to 3600s "
        "(as 90s, 15m, 12h, 30d, 2w), not 'lots'",
        ":9: syntax error",
    };
    char text[1024];
    struct err_list l;
    struct conf c;
    struct err e;

    (void)state;
    snprintf(text, sizeof text, "[gateway\n[gateway]\nbogus = 1\n"
             "max_size = 12\nno equals sign\nkeep = %0250d\n[delivery]\n"
             "smtp_timeout = lots\n[\n", 7);
    write_conf(text);
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(conf_load(&c, path, &e), -1);
    check_lines(&l, want, sizeof want / sizeof want[0], 0);
}

/* A file of nothing but errors: CONF_ERRORS_MAX are recorded, then one
 * line says reading stopped; the list keeps ERR_LIST_MAX of them. */
static void test_conf_error_limits(void **state)
{
    struct err_list l;
    struct conf c;
    struct err e;
    FILE *fp;
    int i;

    (void)state;
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (i = 0; i < CONF_ERRORS_MAX + 50; i++)
        fputs("junk\n", fp);
    fclose(fp);
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(conf_load(&c, path, &e), -1);
    if (l.n != ERR_LIST_MAX || l.n + l.more != CONF_ERRORS_MAX + 1)
        fail_msg("got %zu lines + %zu more, want %d + %d", l.n, l.more,
                 ERR_LIST_MAX, CONF_ERRORS_MAX + 1 - ERR_LIST_MAX);
    assert_non_null(strstr(l.line[ERR_LIST_MAX - 1], ":20: syntax error"));
}

static void test_missing_file(void **state)
{
    struct conf c;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(conf_load(&c, "/nonexistent/alertgw.conf", &e), -1);
    assert_int_equal(e.code, ERR_CONFIG);
}

static int setup(void **state)
{
    int fd;

    (void)state;
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_override),
        cmocka_unit_test(test_conf_durations),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_conf_two_bad_keys_each_own_line),
        cmocka_unit_test(test_conf_every_error_in_file_order),
        cmocka_unit_test(test_conf_error_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
