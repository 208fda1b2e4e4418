/* envid: the envelope ids the gateway gives its transactions verify only
 * with the gateway's own key; a forged or altered one names no copy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/envid.h"
#include "t_db.h"

static char dir[] = "/tmp/agw-envid-test.XXXXXX";

static void test_round_trip(void **state)
{
    struct store *s = t_db_open(dir, NULL, 0);
    char id[ENVID_MAX], bad[ENVID_MAX + 8];
    int64_t copy;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(envid_make(s, 4711, id, &e), 0);
    assert_int_equal(strncmp(id, "4711.", 5), 0);
    assert_int_equal(strlen(id), 5 + ENVID_MAC_HEX);
    assert_int_equal(envid_copy(s, id, &copy, &e), 0);
    assert_int_equal(copy, 4711);
    /* the copy id alone, another copy's MAC, a flipped digit, junk */
    assert_int_equal(envid_copy(s, "4711", &copy, &e), 0);
    assert_int_equal(copy, 0);
    snprintf(bad, sizeof(bad), "4712%s", strchr(id, '.'));
    assert_int_equal(envid_copy(s, bad, &copy, &e), 0);
    assert_int_equal(copy, 0);
    snprintf(bad, sizeof(bad), "%s", id);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    assert_int_equal(envid_copy(s, bad, &copy, &e), 0);
    assert_int_equal(copy, 0);
    assert_int_equal(envid_copy(s, ".0123456789abcdef", &copy, &e), 0);
    assert_int_equal(copy, 0);
    assert_int_equal(envid_copy(s, "12x4.0123456789abcdef", &copy, &e), 0);
    assert_int_equal(copy, 0);
    assert_int_equal(envid_copy(s, "", &copy, &e), 0);
    assert_int_equal(copy, 0);
    t_db_remove(dir, s);
}

/* Each database its own key: one gateway's ids do not verify at another. */
static void test_key_per_database(void **state)
{
    struct store *s = t_db_open(dir, NULL, 0);
    char id[ENVID_MAX];
    int64_t copy;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(envid_make(s, 1, id, &e), 0);
    t_db_remove(dir, s);
    s = t_db_open(dir, NULL, 0);
    assert_int_equal(envid_copy(s, id, &copy, &e), 0);
    assert_int_equal(copy, 0);
    /* no key: an error, not a guess */
    t_exec(s, "DELETE FROM settings WHERE key = 'envid_key'");
    assert_int_equal(envid_make(s, 1, id, &e), -1);
    t_db_remove(dir, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_key_per_database),
    };
    int rc;

    if (mkdtemp(dir) == NULL)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return rc;
}
