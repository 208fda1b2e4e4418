/* audit: the verbs of the audit table's owner (db/audit.c) besides the
 * chain: a row about a copy and the copies read back from such rows (the
 * form release relies on), the rows of one alert and event in order and
 * a walk stopped by its callback, and a batch of rows through one
 * statement, each chained as it is inserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/audit.h"
#include "db/store.h"
#include "t_db.h"

static char t_dir[] = "/tmp/agw-audit-test.XXXXXX";

static struct store *t_db(void)
{
    static const char *const rows[] = {
        "INSERT INTO alerts(id, received, recipient) VALUES (1, 1, 'a@x'), "
        "(2, 1, 'a@x')",
    };

    return t_db_open(t_dir, rows, 1);
}

static void t_rm_db(struct store *s)
{
    t_db_remove(t_dir, s);
}

static int t_seen_row(void *arg, const char *detail, const char *rcpt,
                      struct err *e)
{
    struct t_seen *t = arg;
    size_t k = strlen(t->text);

    snprintf(t->text + k, sizeof(t->text) - k, "%s[%s|%s]", k ? " " : "",
             detail, rcpt);
    if (++t->n == t->stop_at)
        return err_set(e, ERR_TOOBIG, "stopped");
    return 0;
}

static int t_seen_copy(void *arg, int64_t copy, const char *rcpt,
                       struct err *e)
{
    struct t_seen *t = arg;
    size_t k = strlen(t->text);

    (void)e;
    snprintf(t->text + k, sizeof(t->text) - k, "%s%lld:%s", k ? " " : "",
             (long long)copy, rcpt);
    t->n++;
    return 0;
}

/* audit_add_copy writes "copy ID: text"; audit_copies_each reads back
 * the copies of one alert and event, passing over details that name none
 * the way the release's old LIKE 'copy ID:%' matched (any case, no
 * leading zero, a colon right after the digits). */
static void test_copies(void **state)
{
    static const char *const odd[] = {
        "COPY 7: upper case still names copy 7",
        "copy 07: a leading zero names none",
        "copy 8 : a blank before the colon names none",
        "copy : no digits",
        "copy 9",
        "copying 10: another word",
        "copy 99999999999999999999: too large",
        "",
    };
    struct store *s = t_db();
    struct t_seen t;
    struct err e;
    size_t i;

    (void)state;
    err_init(&e);
    assert_int_equal(audit_add_copy(s, 1, "copy-encrypted", 3,
                                    "encrypted to AAAA", "c@x", &e), 0);
    assert_int_equal(audit_add_copy(s, 1, "copy-withheld", 4,
                                    "withheld notice: no key", "d@x", &e), 0);
    assert_int_equal(audit_add_copy(s, 2, "copy-encrypted", 5,
                                    "encrypted to BBBB", "e@x", &e), 0);
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        assert_int_equal(audit_add(s, 1, "copy-encrypted", odd[i], "o@x",
                                   &e), 0);
    assert_int_equal(audit_add_copy(s, 1, "copy-encrypted", 12,
                                    "encrypted to CCCC", "f@x", &e), 0);
    t_expect(s, "SELECT alert_row, event, detail, rcpt FROM audit WHERE "
             "detail LIKE 'copy %: %' ORDER BY id LIMIT 3",
             "1|copy-encrypted|copy 3: encrypted to AAAA|c@x "
             "1|copy-withheld|copy 4: withheld notice: no key|d@x "
             "2|copy-encrypted|copy 5: encrypted to BBBB|e@x");
    memset(&t, 0, sizeof(t));
    assert_int_equal(audit_copies_each(s, 1, "copy-encrypted", t_seen_copy,
                                       &t, &e), 0);
    assert_string_equal(t.text, "3:c@x 7:o@x 12:f@x");
    memset(&t, 0, sizeof(t));
    assert_int_equal(audit_copies_each(s, 1, "copy-withheld", t_seen_copy,
                                       &t, &e), 0);
    assert_string_equal(t.text, "4:d@x");
    memset(&t, 0, sizeof(t));
    assert_int_equal(audit_copies_each(s, 3, "copy-encrypted", t_seen_copy,
                                       &t, &e), 0);
    assert_int_equal(t.n, 0);
    t_rm_db(s);
}

/* audit_each: one alert's rows of one event, oldest first; a callback
 * that answers non-zero ends the walk with that answer. */
static void test_each(void **state)
{
    struct store *s = t_db();
    struct t_seen t;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(audit_add(s, 1, "note", "first", NULL, &e), 0);
    assert_int_equal(audit_add(s, 2, "note", "other alert", NULL, &e), 0);
    assert_int_equal(audit_add(s, 1, "other", "other event", NULL, &e), 0);
    assert_int_equal(audit_add(s, 1, "note", "second", "r@x", &e), 0);
    assert_int_equal(audit_add(s, 1, "note", "third", NULL, &e), 0);
    memset(&t, 0, sizeof(t));
    assert_int_equal(audit_each(s, 1, "note", t_seen_row, &t, &e), 0);
    assert_string_equal(t.text, "[first|] [second|r@x] [third|]");
    memset(&t, 0, sizeof(t));
    t.stop_at = 2;
    assert_int_equal(audit_each(s, 1, "note", t_seen_row, &t, &e), -1);
    assert_int_equal(e.code, ERR_TOOBIG);
    assert_string_equal(t.text, "[first|] [second|r@x]");
    t_rm_db(s);
}

/* A batch: each row written with every field, alert_row <= 0 as none,
 * the statement reused; every row sealed on insert; closing twice, or a
 * batch never opened, is harmless. */
static void test_batch(void **state)
{
    struct store *s = t_db();
    struct audit_batch b = {NULL};
    struct audit_verify v;
    struct audit_row r[] = {
        {0, 1000, 1, 250, "sent", "list-1: ok", "a@x", "h1"},
        {0, 1001, 1, 450, "deferred", "list-1: later", "b@x", "h1"},
        {0, 1002, 0, 550, "failed", "notice-2: no", "c@x", "h2"},
    };
    struct err e;
    size_t i;

    (void)state;
    err_init(&e);
    audit_batch_close(&b);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(audit_batch_open(s, &b, &e), 0);
    for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
        assert_int_equal(audit_batch_add(&b, &r[i], &e), 0);
    audit_batch_close(&b);
    audit_batch_close(&b);
    assert_int_equal(store_commit(s, &e), 0);
    t_expect(s, "SELECT at, coalesce(alert_row, 'none'), event, detail, "
             "rcpt, copy_hash, code, hash <> '' FROM audit ORDER BY id",
             "1000|1|sent|list-1: ok|a@x|h1|250|1 "
             "1001|1|deferred|list-1: later|b@x|h1|450|1 "
             "1002|none|failed|notice-2: no|c@x|h2|550|1");
    assert_int_equal(audit_verify(s, &v, &e), 0);
    assert_int_equal(v.sealed, 3);
    t_rm_db(s);
}

static int t_setup(void **state)
{
    (void)state;
    return mkdtemp(t_dir) == NULL ? -1 : 0;
}

static int t_teardown(void **state)
{
    (void)state;
    return rmdir(t_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_batch),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
