/* registry (and store under it): validation, duplicates, transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

static char dir[] = "/tmp/agw-reg.XXXXXX";

static struct store *open_db(void)
{
    char path[256];
    struct store *s;
    struct err e;

    snprintf(path, sizeof(path), "%s/t.db", dir);
    err_init(&e);
    if (store_open(&s, path, 1, &e) != 0)
        fail_msg("store_open: %s", e.msg);
    return s;
}

static int64_t count(struct store *s, const char *table)
{
    char sql[128];
    int64_t n = -1;
    struct err e;

    err_init(&e);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    store_get_int(s, &e, &n, sql, "");
    return n;
}

static void test_addresses(void **state)
{
    static const struct { const char *a; int ok; } cases[] = {
        {"cert@nren.example", 1}, {"a.b+c@x.example", 1},
        {"no-at.example", 0}, {"two@@x.example", 0}, {"@x.example", 0},
        {"x@nodot", 0}, {"sp ace@x.example", 0}, {"cr\r@x.example", 0},
        {"lf\n@x.example", 0}, {"<x@y.example>", 0}, {"", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (registry_valid_address(cases[i].a) != cases[i].ok)
            fail_msg("'%s': got %d, want %d", cases[i].a, !cases[i].ok,
                     cases[i].ok);
}

static void test_errors_change_nothing(void **state)
{
    struct store *s = open_db();
    struct registry_contact c = {"cert@nren.example", "CERT", NULL, NULL};
    struct registry_list l = {"nren", "nren@csirt.example", "", 1,
                              "sanitised", "drop", "never"};
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), 0);
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    c.address = "bad address";
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    c.address = "x@nren.example";
    c.org = "NoSuchOrg";
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    assert_int_equal(count(s, "contacts"), 1);

    err_init(&e);
    assert_int_equal(registry_list_add(s, &l, &e), 0);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nolist", "cert@nren.example",
                                         &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nren", "cert@nren.example", &e),
                     0);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nren", "cert@nren.example", &e),
                     -1);
    assert_int_equal(e.code, ERR_DUP);

    /* A distribution naming one unknown list adds nothing at all. */
    err_init(&e);
    assert_int_equal(registry_dist_add(s, "alerts", "alerts@csirt.example",
                                       "nren,nosuch", &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    assert_int_equal(count(s, "dists"), 0);
    assert_int_equal(count(s, "dist_lists"), 0);
    store_close(s);
}

static void test_officers(void **state)
{
    struct store *s = open_db();
    const char *fpr = "aa48 2b4f f773 584f 58d1 4563 f182 73c6 fb57 9be4";
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_officer_add(s, fpr, "Manager", NULL, &e), 0);
    assert_int_equal(registry_officer_active(s,
        "AA482B4FF773584F58D14563F18273C6FB579BE4", &e), 1);
    assert_int_equal(registry_officer_active(s,
        "F9E600725878C6DAE30688CA4B568F486E960FB5", &e), 0);
    err_init(&e);
    assert_int_equal(registry_officer_add(s, "1234", NULL, NULL, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    store_close(s);
}

static void test_schema_newer_refused(void **state)
{
    struct store *s = open_db();
    char path[256];
    struct err e;

    (void)state;
    err_init(&e);
    assert_true(store_run(s, &e, "PRAGMA user_version=99", "") >= 0);
    store_close(s);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    err_init(&e);
    assert_int_equal(store_open(&s, path, 0, &e), -1);
    assert_non_null(strstr(e.msg, "newer"));
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_errors_change_nothing),
        cmocka_unit_test(test_officers),
        cmocka_unit_test(test_schema_newer_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
