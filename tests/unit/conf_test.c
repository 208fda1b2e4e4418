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

#include "conf.h"

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
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
