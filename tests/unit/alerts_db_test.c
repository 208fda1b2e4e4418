/* alerts_db: the verbs of db/alerts.c, the owner of alerts, alert_raw,
 * releases, list_outcomes and pseudonyms: what each writes and reads,
 * and the edges their contracts name (a row no longer new, a missing
 * row, a full buffer, a walk its callback stops). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/alerts.h"
#include "db/store.h"
#include "t_db.h"

static char t_dir[] = "/tmp/agw-alerts-db-test.XXXXXX";

/* Two distributions, two lists (named so that id and name order differ),
 * one recipient on each. */
static const char *const t_rows[] = {
    "INSERT INTO dists(id, name, address, default_tlp, require_release) "
    "VALUES (1, 'main', 'alerts@csirt.example', 'GREEN', 1), (2, 'other', "
    "'other@csirt.example', 'AMBER', 0)",
    "INSERT INTO lists(id, name, address, anonymise, template) VALUES "
    "(1, 'sec', 'sec@csirt.example', 0, 'whole'), (2, 'nren', "
    "'nren@csirt.example', 1, 'sanitised')",
};

static struct store *t_db(void)
{
    return t_db_open(t_dir, t_rows, sizeof(t_rows) / sizeof(t_rows[0]));
}

static void t_rm_db(struct store *s)
{
    t_db_remove(t_dir, s);
}

static int t_msgid(void *arg, const char *msgid, struct err *e)
{
    return t_seen_add(arg, e, "%s", msgid);
}

static int t_pseudonym(void *arg, const char *cls, const char *orig,
                       const char *ph, struct err *e)
{
    return t_seen_add(arg, e, "%s:%s=%s", cls, orig, ph);
}

static int t_outcome(void *arg, const char *list, const char *outcome,
                     int64_t n, const char *reason, struct err *e)
{
    return t_seen_add(arg, e, "%s:%s:%lld:%s", list, outcome, (long long)n,
                      reason);
}

/* Intake stores the row and the mail; the next new alert comes in id
 * order; loading gives back the bytes (a NUL among them) and the
 * distribution; a row no longer new, or a buffer too small, is refused. */
static void test_intake_load(void **state)
{
    static const char raw[] = {'F', 'r', 'o', 'm', ':', 0, 'x', '\n'};
    struct store *s = t_db();
    struct alerts_dist d;
    int64_t r1 = 0, r2 = 0, r3 = 0, next = -1;
    struct buf b;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(alerts_insert(s, 1, "alerts@csirt.example", &r1, &e),
                     0);
    assert_int_equal(alerts_raw_insert(s, r1, raw, sizeof(raw), &e), 0);
    assert_int_equal(alerts_insert(s, 2, "other@csirt.example", &r2, &e), 0);
    assert_int_equal(alerts_raw_insert(s, r2, "b", 1, &e), 0);
    assert_int_equal(alerts_insert(s, 1, "alerts@csirt.example", &r3, &e),
                     0);
    assert_true(r1 > 0 && r2 > r1 && r3 > r2);
    t_expect(s, "SELECT recipient, dist_id, state, received > 0 FROM alerts "
             "ORDER BY id", "alerts@csirt.example|1|new|1 "
             "other@csirt.example|2|new|1 alerts@csirt.example|1|new|1");
    assert_int_equal(alerts_next_new(s, 0, &next, &e), 0);
    assert_int_equal(next, r1);
    assert_int_equal(alerts_next_new(s, r1, &next, &e), 0);
    assert_int_equal(next, r2);
    t_exec(s, "UPDATE alerts SET state = 'held' WHERE id = 3");
    assert_int_equal(alerts_next_new(s, r2, &next, &e), 0);
    assert_int_equal(next, 0);

    buf_init(&b, 64);
    assert_int_equal(alerts_raw_load(s, r1, &b, &d, &e), 0);
    assert_int_equal(b.len, sizeof(raw));
    assert_memory_equal(b.data, raw, sizeof(raw));
    assert_int_equal(d.id, 1);
    assert_string_equal(d.default_tlp, "GREEN");
    assert_int_equal(d.require_release, 1);
    assert_string_equal(d.address, "alerts@csirt.example");
    buf_free(&b);
    buf_init(&b, 4);
    assert_int_equal(alerts_raw_load(s, r1, &b, &d, &e), -1);
    assert_int_equal(e.code, ERR_NOMEM);
    buf_free(&b);
    err_init(&e);
    buf_init(&b, 64);
    assert_int_equal(alerts_raw_load(s, r3, &b, &d, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    assert_string_equal(e.msg, "no new alert #3");
    buf_free(&b);
    t_rm_db(s);
}

/* Poison accounting: counted up to max, then only told; an attempt
 * given back never goes below 0; a row no longer new reads -1. */
static void test_attempts(void **state)
{
    struct store *s = t_db();
    int64_t n = 0, i;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient) VALUES (1, 1, "
           "'a@x'), (2, 1, 'a@x')");
    for (i = 0; i < 3; i++) {
        assert_int_equal(alerts_count_attempt(s, 1, 3, &n, &e), 0);
        assert_int_equal(n, i);
    }
    assert_int_equal(alerts_count_attempt(s, 1, 3, &n, &e), 0);
    assert_int_equal(n, 3);
    t_expect(s, "SELECT attempts FROM alerts WHERE id = 1", "3");
    assert_int_equal(alerts_uncount_attempt(s, 1, &e), 0);
    t_expect(s, "SELECT attempts FROM alerts WHERE id = 1", "2");
    assert_int_equal(alerts_uncount_attempt(s, 2, &e), 0);
    t_expect(s, "SELECT attempts FROM alerts WHERE id = 2", "0");
    t_exec(s, "UPDATE alerts SET state = 'queued' WHERE id = 1");
    assert_int_equal(alerts_count_attempt(s, 1, 3, &n, &e), 0);
    assert_int_equal(n, -1);
    assert_int_equal(alerts_uncount_attempt(s, 1, &e), 0);
    t_expect(s, "SELECT attempts FROM alerts WHERE id = 1", "2");
    assert_int_equal(alerts_count_attempt(s, 9, 3, &n, &e), 0);
    assert_int_equal(n, -1);
    t_rm_db(s);
}

/* Ids: stored and read back (0 for a missing row, out untouched); the
 * highest sequence number under a base; a refused command marked. */
static void test_ids(void **state)
{
    struct store *s = t_db();
    char out[ALERTS_ID_MAX];
    struct err e;
    long max = -1;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient, alert_id) VALUES "
           "(1, 1, 'a@x', ''), (2, 1, 'a@x', 'EGI-20260706-07'), (3, 1, "
           "'a@x', 'EGI-20260706-120'), (4, 1, 'a@x', 'EGI-20260706-1a'), "
           "(5, 1, 'a@x', 'EGI-20260706-'), (6, 1, 'a@x', "
           "'EGI-20260707-999'), (7, 1, 'a@x', 'XEGI-20260706-500')");
    assert_int_equal(alerts_get_alert_id(s, 1, out, sizeof(out), &e), 1);
    assert_string_equal(out, "");
    assert_int_equal(alerts_set_alert_id(s, 1, "EGI-20260706-121", &e), 0);
    assert_int_equal(alerts_get_alert_id(s, 1, out, sizeof(out), &e), 1);
    assert_string_equal(out, "EGI-20260706-121");
    snprintf(out, sizeof(out), "kept");
    assert_int_equal(alerts_get_alert_id(s, 99, out, sizeof(out), &e), 0);
    assert_string_equal(out, "kept");
    assert_int_equal(alerts_max_seq(s, "EGI-20260706-", &max, &e), 0);
    assert_int_equal(max, 121);
    assert_int_equal(alerts_max_seq(s, "EGI-20260708-", &max, &e), 0);
    assert_int_equal(max, 0);
    assert_int_equal(alerts_set_command(s, 2, "release", &e), 0);
    t_expect(s, "SELECT id FROM alerts WHERE command = 'release'", "2");
    t_rm_db(s);
}

/* Replay keys: set, then found on another row (the lowest), never on
 * the row asking. */
static void test_signed_key(void **state)
{
    struct store *s = t_db();
    char st[16];
    int64_t row = 0;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient, state) VALUES "
           "(1, 1, 'a@x', 'queued'), (2, 1, 'a@x', 'new'), (3, 1, 'a@x', "
           "'new')");
    assert_int_equal(alerts_set_signed_key(s, 1, "sig1", "K", &e), 0);
    assert_int_equal(alerts_set_signed_key(s, 3, "sig3", "K", &e), 0);
    assert_int_equal(alerts_set_signed_key(s, 2, "sig2", "L", &e), 0);
    t_expect(s, "SELECT id, sig_id, signed_key FROM alerts ORDER BY id",
             "1|sig1|K 2|sig2|L 3|sig3|K");
    assert_int_equal(alerts_find_by_signed_key(s, "K", 3, &row, st,
                                               sizeof(st), &e), 1);
    assert_int_equal(row, 1);
    assert_string_equal(st, "queued");
    assert_int_equal(alerts_find_by_signed_key(s, "K", 1, &row, st,
                                               sizeof(st), &e), 1);
    assert_int_equal(row, 3);
    assert_string_equal(st, "new");
    assert_int_equal(alerts_find_by_signed_key(s, "L", 2, &row, st,
                                               sizeof(st), &e), 0);
    t_rm_db(s);
}

/* A thread: its queued alerts (by thread, or by id when they have none)
 * but this one and commands; their copies' Message-IDs for one list,
 * each once (an encrypted copy shares its list copy's), oldest first. */
static void test_thread(void **state)
{
    struct store *s = t_db();
    struct t_seen t;
    struct err e;
    int64_t n = -1;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient, state, alert_id, "
           "thread, command) VALUES "
           "(1, 1, 'a@x', 'queued', 'T-01', '', ''), "
           "(2, 1, 'a@x', 'queued', 'T-01', 'T-01', ''), "
           "(3, 1, 'a@x', 'held', 'T-01', 'T-01', ''), "
           "(4, 1, 'a@x', 'queued', 'T-01', 'T-01', 'release'), "
           "(5, 1, 'a@x', 'queued', 'U-01', 'U-01', ''), "
           "(6, 1, 'a@x', 'new', 'T-01', 'T-01', '')");
    t_exec(s, "INSERT INTO copies(id, alert_row, list_id, kind, message_id, "
           "message, created) VALUES "
           "(1, 2, 1, 'copy', '<b@x>', 'm', 1), "
           "(2, 1, 1, 'copy', '<a@x>', 'm', 1), "
           "(3, 2, 1, 'copy', '<b@x>', 'm', 1), "
           "(4, 1, 2, 'copy', '<other-list@x>', 'm', 1), "
           "(5, 1, 1, 'notice', '<notice@x>', 'm', 1), "
           "(6, 3, 1, 'copy', '<held@x>', 'm', 1), "
           "(7, 5, 1, 'copy', '<other-thread@x>', 'm', 1), "
           "(8, 6, 1, 'copy', '<self@x>', 'm', 1)");
    assert_int_equal(alerts_count_thread(s, "T-01", 6, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(alerts_count_thread(s, "T-01", 2, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts_thread_msgid_count(s, "T-01", 6, 1, &n, &e), 0);
    assert_int_equal(n, 2);
    memset(&t, 0, sizeof(t));
    assert_int_equal(alerts_thread_msgids(s, "T-01", 6, 1, t_msgid, &t, &e),
                     0);
    assert_string_equal(t.text, "<b@x> <a@x>");
    memset(&t, 0, sizeof(t));
    t.stop_at = 1;
    assert_int_equal(alerts_thread_msgids(s, "T-01", 6, 1, t_msgid, &t, &e),
                     -1);
    assert_string_equal(t.text, "<b@x>");
    assert_int_equal(alerts_thread_msgid_count(s, "V-01", 6, 1, &n, &e), 0);
    assert_int_equal(n, 0);
    t_rm_db(s);
}

/* Placeholders: an original keeps its first one; read in the order
 * added, per thread. */
static void test_pseudonyms(void **state)
{
    struct store *s = t_db();
    struct t_seen t;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(alerts_pseudonym_add(s, "T-01", "ip", "192.0.2.1",
                                          "IP-1", &e), 0);
    assert_int_equal(alerts_pseudonym_add(s, "T-01", "host", "a.example",
                                          "HOST-1", &e), 0);
    assert_int_equal(alerts_pseudonym_add(s, "T-01", "ip", "192.0.2.1",
                                          "IP-9", &e), 0);
    assert_int_equal(alerts_pseudonym_add(s, "U-01", "ip", "192.0.2.1",
                                          "IP-1", &e), 0);
    memset(&t, 0, sizeof(t));
    assert_int_equal(alerts_pseudonyms_each(s, "T-01", t_pseudonym, &t, &e),
                     0);
    assert_string_equal(t.text, "ip:192.0.2.1=IP-1 host:a.example=HOST-1");
    memset(&t, 0, sizeof(t));
    t.stop_at = 1;
    assert_int_equal(alerts_pseudonyms_each(s, "T-01", t_pseudonym, &t, &e),
                     -1);
    assert_int_equal(t.n, 1);
    t_rm_db(s);
}

/* Verdicts are taken while the alert is new only (0 rows the second
 * time); the summary reads them back; a missing row is ERR_NOUSER. */
static void test_verdicts(void **state)
{
    struct store *s = t_db();
    struct alerts_verdict v = {"queued", "", "T-01", "AAAA", "Subject",
                               "T-01", "AMBER", 2};
    struct alerts_summary a;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient) VALUES (1, 1, "
           "'a@x'), (2, 1, 'a@x')");
    assert_int_equal(alerts_set_verdict(s, 1, &v, &e), 1);
    assert_int_equal(alerts_set_verdict(s, 1, &v, &e), 0);
    assert_int_equal(alerts_set_state(s, 2, "quarantined", "bad", "", &e), 1);
    assert_int_equal(alerts_set_state(s, 2, "held", "again", "", &e), 0);
    assert_int_equal(alerts_set_state(s, 1, "held", "late", "", &e), 0);
    t_expect(s, "SELECT id, state, reason, alert_id, signer, subject, "
             "thread, update_no, tlp FROM alerts ORDER BY id",
             "1|queued||T-01|AAAA|Subject|T-01|2|AMBER "
             "2|quarantined|bad|||||0|");
    assert_int_equal(alerts_summary(s, 1, &a, &e), 0);
    assert_string_equal(a.alert_id, "T-01");
    assert_string_equal(a.tlp, "AMBER");
    assert_string_equal(a.signer, "AAAA");
    assert_string_equal(a.state, "queued");
    assert_string_equal(a.reason, "");
    assert_int_equal(a.update_no, 2);
    assert_int_equal(alerts_summary(s, 9, &a, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    t_rm_db(s);
}

/* Retry (issue 16: a quarantined mail could not be run again): only a
 * quarantined row, or one held before anything of it was stored, becomes
 * new again, what processing learnt and the attempts cleared, its alert
 * id kept; a held row with outcomes, an awaiting or cancelled one, a
 * queued one and a missing one are left alone. The raw mail of any row. */
static void test_retry_raw(void **state)
{
    struct store *s = t_db();
    struct buf raw;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient, state, reason, "
           "alert_id, signer, attempts, signed_key, command) VALUES "
           "(1, 1, 'a@x', 'quarantined', 'stale', 'T-01', 'AAAA', 3, 'k1', "
           "''), (2, 1, 'a@x', 'held', 'leak', 'T-02', 'AAAA', 1, 'k2', ''), "
           "(3, 1, 'a@x', 'held', 'TLP:RED', 'T-03', 'AAAA', 1, 'k3', ''), "
           "(4, 1, 'a@x', 'held', 'awaiting release', 'T-04', 'AAAA', 1, "
           "'k4', ''), (5, 1, 'a@x', 'queued', '', 'T-05', 'AAAA', 1, 'k5', "
           "'')");
    t_exec(s, "INSERT INTO list_outcomes(alert_row, list_id, outcome) "
           "VALUES (3, 1, 'withheld')");
    t_exec(s, "INSERT INTO releases(alert_row, alert_id, requested) VALUES "
           "(4, 'T-04', 1)");
    t_exec(s, "INSERT INTO alert_raw(alert_row, raw) VALUES (1, 'the "
           "mail')");
    assert_int_equal(alerts_retry_reset(s, 1, &e), 1);
    assert_int_equal(alerts_retry_reset(s, 2, &e), 1);
    assert_int_equal(alerts_retry_reset(s, 3, &e), 0);
    assert_int_equal(alerts_retry_reset(s, 4, &e), 0);
    assert_int_equal(alerts_retry_reset(s, 5, &e), 0);
    assert_int_equal(alerts_retry_reset(s, 9, &e), 0);
    t_expect(s, "SELECT id, state, reason, alert_id, signer, attempts, "
             "signed_key FROM alerts ORDER BY id",
             "1|new||T-01||0| 2|new||T-02||0| 3|held|TLP:RED|T-03|AAAA|1|k3 "
             "4|held|awaiting release|T-04|AAAA|1|k4 5|queued||T-05|AAAA|1|"
             "k5");
    buf_init(&raw, 64);
    assert_int_equal(alerts_raw_get(s, 1, &raw, &e), 0);
    assert_string_equal(buf_cstr(&raw), "the mail");
    assert_int_equal(alerts_raw_get(s, 2, &raw, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    buf_free(&raw);
    t_rm_db(s);
}

/* Per list outcomes (replaced when set again, read by list name); a
 * release requested, found, decided once; released lists count the
 * recipients queued now of their list copies; cancelled ones are
 * withheld with the reason; the command row records what it did. */
static void test_outcomes_release(void **state)
{
    struct store *s = t_db();
    struct t_seen t;
    char st[16];
    int64_t row = -1, at = -7, n = -1;
    struct err e;

    (void)state;
    err_init(&e);
    t_exec(s, "INSERT INTO alerts(id, received, recipient, dist_id, state, "
           "alert_id) VALUES (1, 1, 'a@x', 1, 'held', 'T-01'), (2, 1, 'a@x', "
           "1, 'held', 'T-01'), (3, 1, 'a@x', 2, 'new', '')");
    assert_int_equal(alerts_outcome_set(s, 1, 1, "queued", "", 9, &e), 0);
    assert_int_equal(alerts_outcome_set(s, 1, 1, "awaiting", "", 0, &e), 0);
    assert_int_equal(alerts_outcome_set(s, 1, 2, "withheld", "TLP", 0, &e),
                     0);
    assert_int_equal(alerts_outcome_set(s, 2, 1, "awaiting", "", 0, &e), 0);
    memset(&t, 0, sizeof(t));
    assert_int_equal(alerts_outcomes_each(s, 1, t_outcome, &t, &e), 0);
    assert_string_equal(t.text, "nren:withheld:0:TLP sec:awaiting:0:");

    assert_int_equal(alerts_release_next(s, "T-01", &row, &e), 0);
    assert_int_equal(row, 0);
    assert_int_equal(alerts_release_last(s, "T-01", st, sizeof(st), &e), 0);
    assert_int_equal(alerts_release_requested(s, 1, &at, &e), 0);
    assert_int_equal(at, -7);
    assert_int_equal(alerts_release_request(s, 2, "T-01", &e), 0);
    assert_int_equal(alerts_release_request(s, 1, "T-01", &e), 0);
    assert_int_equal(alerts_release_next(s, "T-01", &row, &e), 0);
    assert_int_equal(row, 1);
    assert_int_equal(alerts_release_requested(s, 1, &at, &e), 0);
    assert_true(at > 0);
    assert_int_equal(alerts_release_decide(s, 1, "released", "BBBB", "mail",
                                           &e), 1);
    assert_int_equal(alerts_release_decide(s, 1, "cancelled", "host:x",
                                           "command", &e), 0);
    assert_int_equal(alerts_release_next(s, "T-01", &row, &e), 0);
    assert_int_equal(row, 2);
    assert_int_equal(alerts_release_last(s, "T-01", st, sizeof(st), &e), 1);
    assert_string_equal(st, "awaiting");

    /* list 1's copy of alert 1 and an encrypted one of its own, two
     * recipients queued in all; a notice does not count */
    t_exec(s, "INSERT INTO copies(id, alert_row, list_id, kind, message_id, "
           "message, created) VALUES (1, 1, 1, 'copy', '<a@x>', 'm', 1), "
           "(2, 1, 1, 'copy', '<a@x>', 'm', 1), (3, 1, 1, 'notice', "
           "'<n@x>', 'm', 1)");
    t_exec(s, "INSERT INTO outbox(copy_id, rcpt, updated) VALUES (1, "
           "'p@x', 1), (2, 'q@x', 1), (3, 'r@x', 1)");
    assert_int_equal(alerts_released(s, 1, &e), 0);
    assert_int_equal(alerts_release_decide(s, 2, "cancelled", "host:x",
                                           "command", &e), 1);
    assert_int_equal(alerts_release_last(s, "T-01", st, sizeof(st), &e), 1);
    assert_string_equal(st, "cancelled");
    assert_int_equal(alerts_cancelled(s, 2, "cancelled by host:x", &e), 0);
    assert_int_equal(alerts_command_done(s, 3, "released T-01 (1 alert)",
                                         "T-01", "BBBB", "release", &e), 0);
    t_expect(s, "SELECT alert_row, list_id, outcome, recipients, reason "
             "FROM list_outcomes ORDER BY alert_row, list_id",
             "1|1|queued|2| 1|2|withheld|0|TLP "
             "2|1|withheld|0|cancelled by host:x");
    t_expect(s, "SELECT alert_row, state, decided > 0, decided_by, via FROM "
             "releases ORDER BY alert_row", "1|released|1|BBBB|mail "
             "2|cancelled|1|host:x|command");
    t_expect(s, "SELECT id, state, reason, alert_id, signer, command FROM "
             "alerts ORDER BY id", "1|queued||T-01|| "
             "2|held|cancelled by host:x|T-01|| "
             "3|queued|released T-01 (1 alert)|T-01|BBBB|release");
    assert_int_equal(alerts_count_dist(s, 1, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(alerts_count_dist(s, 3, &n, &e), 0);
    assert_int_equal(n, 0);
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
        cmocka_unit_test(test_intake_load),
        cmocka_unit_test(test_attempts),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_signed_key),
        cmocka_unit_test(test_thread),
        cmocka_unit_test(test_pseudonyms),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_outcomes_release),
        cmocka_unit_test(test_retry_raw),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
