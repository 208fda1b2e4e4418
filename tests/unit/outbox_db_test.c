/* outbox_db: the verbs of db/outbox.c, the owner of copies and outbox:
 * storing and queueing copies (to one address, to a list's recipients,
 * what a release queues), the worker's leases, loads and outcomes, the
 * operator's retry and purge, and the registry's questions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/outbox.h"
#include "db/store.h"
#include "t_db.h"

static char t_dir[] = "/tmp/agw-outbox-db-test.XXXXXX";

/* Alerts 1 (id T-01) and 2 (T-02); list 1 'nren' (a, b) sends in the
 * clear, list 2 'sec' (c) encrypts always, list 3 'part' (a, d) if it
 * can. */
static const char *const t_rows[] = {
    "INSERT INTO alerts(id, received, recipient, alert_id) VALUES (1, 1, "
    "'a@x', 'T-01'), (2, 1, 'a@x', 'T-02')",
    "INSERT INTO lists(id, name, address, anonymise, template, encrypt) "
    "VALUES (1, 'nren', 'nren@x', 1, 's', 'never'), (2, 'sec', 'sec@x', 0, "
    "'w', 'always'), (3, 'part', 'part@x', 0, 'w', 'if-key')",
    "INSERT INTO contacts(id, address, created) VALUES (1, 'a@x', 1), "
    "(2, 'b@x', 1), (3, 'c@x', 1), (4, 'd@x', 1)",
    "INSERT INTO members(list_id, contact_id) VALUES (1, 1), (1, 2), "
    "(2, 3), (3, 1), (3, 4)",
};

static struct store *t_db(void)
{
    return t_db_open(t_dir, t_rows, sizeof(t_rows) / sizeof(t_rows[0]));
}

static void t_rm_db(struct store *s)
{
    t_db_remove(t_dir, s);
}

static int t_copy(void *arg, int64_t copy, int64_t list, struct err *e)
{
    return t_seen_add(arg, e, "%lld:%lld", (long long)copy,
                      (long long)list);
}

static int t_owner(void *arg, const char *owner, struct err *e)
{
    return t_seen_add(arg, e, "%s", owner);
}

static int t_rcpt(void *arg, int64_t id, const char *rcpt, int64_t attempts,
                  struct err *e)
{
    return t_seen_add(arg, e, "%lld:%s:%lld", (long long)id, rcpt,
                      (long long)attempts);
}

/* A copy for a list, a notice of no list, a forwarded reply of no alert
 * (row 0 stores NULL: schema v10 allows it, issue 17), a kind copies do
 * not know refused; queued to one address and to a list's recipients;
 * the registry counts a list's copies. */
static void test_store_queue(void **state)
{
    struct store *s = t_db();
    int64_t c1 = 0, c2 = 0, c3 = 0, n = -1;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(outbox_copy_add(s, 1, 1, "copy", "<1@x>", "m\0n", 3,
                                     &c1, &e), 0);
    assert_int_equal(outbox_copy_add(s, 1, 0, "notice", "<2@x>", "n", 1,
                                     &c2, &e), 0);
    assert_true(c1 > 0 && c2 > c1);
    assert_int_equal(outbox_copy_add(s, 0, 0, "forward", "<3@x>", "r", 1,
                                     &c3, &e), 0);
    assert_int_equal(outbox_copy_add(s, 1, 0, "letter", "<4@x>", "r", 1,
                                     &n, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    err_init(&e);
    t_expect(s, "SELECT id, coalesce(alert_row, 'none'), coalesce(list_id, "
             "'none'), kind, message_id, length(message), created > 0 FROM "
             "copies ORDER BY id", "1|1|1|copy|<1@x>|3|1 "
             "2|1|none|notice|<2@x>|1|1 3|none|none|forward|<3@x>|1|1");
    assert_int_equal(outbox_add(s, c2, "admin@x", &e), 0);
    assert_int_equal(outbox_add_list(s, c1, 1, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(outbox_add_list(s, c1, 9, &n, &e), 0);
    assert_int_equal(n, 0);
    t_expect(s, "SELECT copy_id, rcpt, state, attempts, updated > 0 FROM "
             "outbox ORDER BY copy_id DESC, rcpt", "2|admin@x|pending|0|1 "
             "1|a@x|pending|0|1 1|b@x|pending|0|1");
    assert_int_equal(outbox_copies_of_list(s, 1, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(outbox_copies_of_list(s, 2, &n, &e), 0);
    assert_int_equal(n, 0);
    t_rm_db(s);
}

/* What a release of alert 1 queues: list copies of lists that do not
 * encrypt always, in order; a recipient's own copy while the address is
 * still on its list; a list copy to the rest of the list only. */
static void test_release(void **state)
{
    struct store *s = t_db();
    struct t_seen t;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO copies(id, alert_row, list_id, kind, message_id, "
           "message, created) VALUES (1, 1, 1, 'copy', '<n@x>', 'm', 1), "
           "(2, 1, 2, 'copy', '<s@x>', 'm', 1), (3, 1, 3, 'copy', '<p@x>', "
           "'m', 1), (4, 1, 3, 'copy', '<p@x>', 'enc', 1), (5, 1, 3, "
           "'notice', '<q@x>', 'm', 1), (6, 2, 1, 'copy', '<o@x>', 'm', 1)");
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_list_copies_each(s, 1, t_copy, &t, &e), 0);
    assert_string_equal(t.text, "1:1 3:3 4:3");
    memset(&t, 0, sizeof(t));
    t.stop_at = 2;
    assert_int_equal(outbox_list_copies_each(s, 1, t_copy, &t, &e), -1);
    assert_string_equal(t.text, "1:1 3:3");
    err_init(&e);
    /* a's own encrypted copy 4 of list part: a is on it; z is not; copy 6
     * is not of alert 1 */
    assert_int_equal(outbox_add_member(s, 1, 4, "a@x", &e), 0);
    assert_int_equal(outbox_add_member(s, 1, 4, "z@x", &e), 0);
    assert_int_equal(outbox_add_member(s, 1, 6, "a@x", &e), 0);
    /* the list copy 3 to part's recipients but a; copy 1 to nren's */
    assert_int_equal(outbox_add_list_rest(s, 1, 3, 3, &e), 0);
    assert_int_equal(outbox_add_list_rest(s, 1, 1, 1, &e), 0);
    assert_int_equal(outbox_add_list_rest(s, 1, 1, 1, &e), 0);
    t_expect(s, "SELECT copy_id, rcpt FROM outbox ORDER BY copy_id, rcpt",
             "1|a@x 1|b@x 3|d@x 4|a@x");
    t_rm_db(s);
}

/* Leases: what is due and free, claimed up to max, given back, voided;
 * the other live owners of one place. */
static void test_leases(void **state)
{
    struct store *s = t_db();
    int64_t copy = -1;
    struct t_seen t;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO copies(id, alert_row, message_id, message, "
           "created) VALUES (1, 1, '<1@x>', 'm', 1), (2, 1, '<2@x>', 'm', 1), "
           "(3, 2, '<3@x>', 'm', 1)");
    t_exec(s, "INSERT INTO outbox(id, copy_id, rcpt, state, next_try, "
           "lease_owner, lease_until, updated) VALUES "
           "(1, 1, 'a@x', 'pending', 0, '', 0, 1), "
           "(2, 1, 'b@x', 'pending', 0, '', 0, 1), "
           "(3, 1, 'c@x', 'pending', 0, 'h:1:9:aa', 5000, 1), "
           "(4, 2, 'd@x', 'pending', 9000, '', 0, 1), "
           "(5, 3, 'e@x', 'pending', 0, 'h:1:8:bb', 500, 1), "
           "(6, 3, 'f@x', 'sent', 0, 'h:1:7:cc', 5000, 1), "
           "(7, 3, 'g@x', 'pending', 0, 'h:2:6:dd', 5000, 1), "
           "(8, 3, 'h@x', 'pending', 0, 'h:1:9:aa', 5000, 1)");
    assert_int_equal(outbox_claimed_next(s, "h:1:9:aa", 1000, 0, &copy, &e),
                     0);
    assert_int_equal(copy, 1);
    assert_int_equal(outbox_claimed_next(s, "h:1:9:aa", 1000, 1, &copy, &e),
                     0);
    assert_int_equal(copy, 3);
    assert_int_equal(outbox_claimed_next(s, "h:1:9:aa", 5001, 0, &copy, &e),
                     0);
    assert_int_equal(copy, 0);          /* its leases have run out */
    assert_int_equal(outbox_lease_claim(s, 1, "me", 1000, 1900, 1, &e), 1);
    assert_int_equal(outbox_lease_claim(s, 1, "me", 1000, 1900, 10, &e), 1);
    assert_int_equal(outbox_lease_claim(s, 1, "you", 1000, 1900, 10, &e), 0);
    assert_int_equal(outbox_lease_claim(s, 3, "me", 1000, 1900, 10, &e), 1);
    t_expect(s, "SELECT id, lease_owner, lease_until FROM outbox WHERE "
             "lease_owner = 'me' ORDER BY id", "1|me|1900 2|me|1900 "
             "5|me|1900");
    assert_int_equal(outbox_lease_return(s, 1, "me", &e), 0);
    t_expect(s, "SELECT id FROM outbox WHERE lease_owner = 'me'", "5");
    /* every copy at once: 2's row is not due, 3's others are held */
    assert_int_equal(outbox_lease_claim(s, 0, "all", 1000, 1900, 10, &e), 2);
    t_expect(s, "SELECT id FROM outbox WHERE lease_owner = 'all' ORDER BY "
             "id", "1 2");
    /* renewed only where the lease is still live */
    assert_int_equal(outbox_lease_renew(s, "all", 1900, 2500, &e), 0);
    assert_int_equal(outbox_lease_renew(s, "me", 1901, 2500, &e), 0);
    t_expect(s, "SELECT id, lease_until FROM outbox WHERE lease_owner IN "
             "('all', 'me') ORDER BY id", "1|2500 2|2500 5|1900");
    assert_int_equal(outbox_lease_return(s, 1, "all", &e), 0);
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_lease_owners(s, "h:1:1:ff", 4, 1000, t_owner, &t,
                                         &e), 0);
    assert_string_equal(t.text, "h:1:9:aa");
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_lease_owners(s, "h:1:9:aa", 4, 1000, t_owner, &t,
                                         &e), 0);
    assert_string_equal(t.text, "");
    memset(&t, 0, sizeof(t));
    t.stop_at = 1;
    assert_int_equal(outbox_lease_owners(s, "h:1:1:ff", 2, 1000, t_owner, &t,
                                         &e), -1);
    assert_int_equal(t.n, 1);
    err_init(&e);
    assert_int_equal(outbox_lease_void(s, "h:1:9:aa", &e), 0);
    t_expect(s, "SELECT id, lease_owner, lease_until FROM outbox WHERE id IN "
             "(3, 6, 8) ORDER BY id", "3||0 6|h:1:7:cc|5000 8||0");
    t_rm_db(s);
}

/* The worker's copy (its list's name, else its kind; a copy gone; a
 * message too large), the rows it holds, and one outcome per row
 * through one statement: the lease cleared only where it still holds
 * it. */
static void test_worker(void **state)
{
    struct store *s = t_db();
    struct outbox_record r = {NULL};
    struct outbox_outcome o1 = {1, "sent", 1, 2000, 250, "ok", 1500, "me"};
    struct outbox_outcome o2 = {2, "pending", 3, 4000, 451, "later", 1500,
                                "me"};
    struct outbox_copy c;
    struct t_seen t;
    struct buf b;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO copies(id, alert_row, list_id, kind, message_id, "
           "message, created) VALUES (1, 1, 1, 'copy', '<1@x>', 'hello', 77), "
           "(2, 2, NULL, 'receipt', '<2@x>', 'r', 88)");
    t_exec(s, "INSERT INTO outbox(id, copy_id, rcpt, attempts, lease_owner, "
           "lease_until, state, updated) VALUES "
           "(1, 1, 'a@x', 0, 'me', 9000, 'pending', 1), "
           "(2, 1, 'b@x', 2, 'you', 9000, 'pending', 1), "
           "(3, 1, 'c@x', 1, 'me', 9000, 'pending', 1), "
           "(4, 1, 'd@x', 0, 'me', 9000, 'sent', 1), "
           "(5, 1, 'e@x', 0, 'me', 9000, 'pending', 1)");
    buf_init(&b, 64);
    assert_int_equal(outbox_copy_load(s, 1, &b, &c, &e), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "hello", 5);
    assert_string_equal(c.label, "nren");
    assert_int_equal(c.alert_row, 1);
    assert_int_equal(c.created, 77);
    buf_free(&b);
    buf_init(&b, 64);
    assert_int_equal(outbox_copy_load(s, 2, &b, &c, &e), 0);
    assert_string_equal(c.label, "receipt");
    assert_int_equal(outbox_copy_load(s, 9, &b, &c, &e), -1);
    assert_int_equal(e.code, ERR_SOFTWARE);
    assert_string_equal(e.msg, "copy 9 is gone");
    buf_free(&b);
    buf_init(&b, 2);
    err_init(&e);
    assert_int_equal(outbox_copy_load(s, 1, &b, &c, &e), -1);
    assert_int_equal(e.code, ERR_NOMEM);
    buf_free(&b);
    err_init(&e);
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_claimed_each(s, 1, "me", 1000, 0, 2, t_rcpt, &t,
                                         &e), 0);
    assert_string_equal(t.text, "1:a@x:0 3:c@x:1");
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_claimed_each(s, 1, "me", 1000, 1, 9, t_rcpt, &t,
                                         &e), 0);
    assert_string_equal(t.text, "3:c@x:1 5:e@x:0");     /* after row 1 */
    memset(&t, 0, sizeof(t));
    assert_int_equal(outbox_claimed_each(s, 1, "me", 9001, 0, 9, t_rcpt, &t,
                                         &e), 0);
    assert_string_equal(t.text, "");                    /* run out */
    memset(&t, 0, sizeof(t));
    t.stop_at = 1;
    assert_int_equal(outbox_claimed_each(s, 1, "me", 1000, 0, 9, t_rcpt, &t,
                                         &e), -1);
    assert_int_equal(t.n, 1);
    err_init(&e);
    outbox_record_close(&r);
    assert_int_equal(outbox_record_open(s, &r, &e), 0);
    assert_int_equal(outbox_record_add(&r, &o1, &e), 0);
    assert_int_equal(outbox_record_add(&r, &o2, &e), 0);
    outbox_record_close(&r);
    outbox_record_close(&r);
    t_expect(s, "SELECT id, state, attempts, next_try, code, reply, updated, "
             "lease_owner, lease_until FROM outbox WHERE id IN (1, 2) ORDER "
             "BY id", "1|sent|1|2000|250|ok|1500||0 "
             "2|pending|3|4000|451|later|1500|you|9000");
    t_rm_db(s);
}

/* Retry makes pending and failed rows due (all, one row, one alert id's
 * copies) and answers the rows; purge removes settled rows older than
 * the bound only. The coverage view shows failed rows only. */
static void test_operator(void **state)
{
    struct store *s = t_db();
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO copies(id, alert_row, message_id, message, "
           "created) VALUES (1, 1, '<1@x>', 'm', 1), (2, 2, '<2@x>', 'm', 1)");
    t_exec(s, "INSERT INTO outbox(id, copy_id, rcpt, state, next_try, reply, "
           "updated) VALUES "
           "(1, 1, 'a@x', 'failed', 50, 'no such user', 100), "
           "(2, 1, 'b@x', 'pending', 50, '', 100), "
           "(3, 1, 'c@x', 'sent', 50, 'ok', 100), "
           "(4, 2, 'd@x', 'failed', 50, 'refused', 300), "
           "(5, 2, 'e@x', 'pending', 50, '', 100)");
    assert_int_equal(outbox_failures_view(s, &e), 0);
    assert_int_equal(outbox_failures_view(s, &e), 0);
    t_expect(s, "SELECT rcpt, reply, updated FROM outbox_failures ORDER BY "
             "rcpt", "a@x|no such user|100 d@x|refused|300");
    assert_int_equal(outbox_retry_row(s, 3, &e), 0);
    assert_int_equal(outbox_retry_row(s, 1, &e), 1);
    assert_int_equal(outbox_retry_alert(s, "T-02", &e), 2);
    assert_int_equal(outbox_retry_alert(s, "T-09", &e), 0);
    t_expect(s, "SELECT id, state, next_try FROM outbox ORDER BY id",
             "1|pending|0 2|pending|50 3|sent|50 4|pending|0 5|pending|0");
    assert_int_equal(outbox_retry_all(s, &e), 4);
    t_exec(s, "UPDATE outbox SET state = 'failed' WHERE id = 4");
    assert_int_equal(outbox_purge(s, 200, &e), 1);
    t_expect(s, "SELECT id FROM outbox ORDER BY id", "1 2 4 5");
    assert_int_equal(outbox_purge(s, 400, &e), 1);
    t_expect(s, "SELECT id FROM outbox ORDER BY id", "1 2 5");
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
        cmocka_unit_test(test_store_queue),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_leases),
        cmocka_unit_test(test_worker),
        cmocka_unit_test(test_operator),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
