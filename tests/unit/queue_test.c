/* queue: the SHA-256 behind copy hashes and the audit chain (FIPS 180-4
 * vectors, block-boundary lengths against sha256sum's answers), the
 * DURATION parser of queue purge / run --watch, audit rows sealed as
 * they are inserted (schema v6) after older unsealed ones, and the
 * outbox leases two workers claim their batches by (schema v7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/audit.h"
#include "outbox/queue.h"
#include "db/schema.h"
#include "db/store.h"

static void test_sha256(void **state)
{
    static const struct {
        const char *in;
        size_t repeat;      /* the input repeated */
        const char *want;
    } cases[] = {
        {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        /* 55, 56 and 64 bytes: the padding's edge cases */
        {"a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {"a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {"a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    char got[QUEUE_HASH_HEX];
    size_t c, i;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t len = strlen(cases[c].in) * cases[c].repeat;
        char *buf = malloc(len + 1);

        assert_non_null(buf);
        for (i = 0; i < cases[c].repeat; i++)
            memcpy(buf + i * strlen(cases[c].in), cases[c].in,
                   strlen(cases[c].in));
        queue_sha256_hex(buf, len, got);
        if (strcmp(got, cases[c].want) != 0) {
            print_error("sha256 case %zu (%zu bytes): got %s, want %s\n", c,
                        len, got, cases[c].want);
            bad++;
        }
        free(buf);
    }
    assert_int_equal(bad, 0);
}

static void t_audit_add(struct store *s, const char *event)
{
    struct err e;

    err_init(&e);
    if (store_run(s, &e, "INSERT INTO audit(at, event, rcpt, code) "
                  "VALUES(1700000000, ?, 'a@b.example', 250)", "t",
                  event) < 0)
        fail_msg("insert %s: %s", event, e.msg);
}

static void t_audit_expect(struct store *s, long sealed, long unsealed)
{
    struct audit_verify v;
    struct err e;

    err_init(&e);
    assert_int_equal(audit_verify(s, &v, &e), 0);
    if (v.sealed != sealed || v.unsealed != unsealed)
        fail_msg("got %ld sealed, %ld unsealed; want %ld, %ld", v.sealed,
                 v.unsealed, sealed, unsealed);
}

/* A row is sealed in the transaction that inserts it; rows left unsealed
 * by an older schema keep their place at the head of what is to chain,
 * and new rows wait behind them until audit_seal has run. */
static void test_audit_sealed_on_insert(void **state)
{
    char dir[] = "/tmp/agw-queue-test.XXXXXX", path[64];
    struct store *s;
    struct err e;
    long n;

    (void)state;
    err_init(&e);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/a.db", dir);
    assert_int_equal(store_open(&s, path, 1, &e), 0);
    t_audit_add(s, "first");
    t_audit_add(s, "second");
    t_audit_expect(s, 2, 0);
    /* as before schema v6: a row nobody sealed */
    assert_true(store_run(s, &e, "DROP TRIGGER audit_seal", "") >= 0);
    t_audit_add(s, "legacy");
    assert_true(store_run(s, &e, schema_v6, "") >= 0);
    t_audit_add(s, "behind the legacy row");
    t_audit_expect(s, 2, 2);
    assert_int_equal(audit_seal(s, &n, &e), 0);
    assert_int_equal(n, 2);
    t_audit_add(s, "after");
    t_audit_expect(s, 5, 0);
    store_close(s);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/a.db-shm", dir);
    unlink(path);
    rmdir(dir);
}

static void t_rm_db(char *dir)
{
    static const char *const files[] = {"a.db", "a.db-wal", "a.db-shm"};
    char path[64];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* One copy with rows 1..5: 1-3 pending and due, 4 pending but not due
 * before 2000, 5 already sent. */
static void t_outbox(struct store *s)
{
    static const char *const sql[] = {
        "INSERT INTO alerts(id, received, recipient) VALUES(1, 1, "
        "'alerts@x.example')",
        "INSERT INTO copies(id, alert_row, message_id, message, created) "
        "VALUES(1, 1, '<m@x.example>', 'msg', 1)",
        "INSERT INTO outbox(id, copy_id, rcpt, updated) VALUES"
        " (1, 1, 'a@x.example', 1), (2, 1, 'b@x.example', 1),"
        " (3, 1, 'c@x.example', 1)",
        "INSERT INTO outbox(id, copy_id, rcpt, next_try, updated) VALUES"
        " (4, 1, 'd@x.example', 2000, 1)",
        "INSERT INTO outbox(id, copy_id, rcpt, state, updated) VALUES"
        " (5, 1, 'e@x.example', 'sent', 1)",
    };
    struct err e;
    size_t i;

    err_init(&e);
    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        if (store_run(s, &e, sql[i], "") < 0)
            fail_msg("%s: %s", sql[i], e.msg);
}

/* "owner@until" of every row, ids in order, "-" for an unleased one. */
static void t_leases(struct store *s, char *out, size_t n)
{
    struct store_stmt *st;
    struct err e;
    size_t k = 0;

    err_init(&e);
    out[0] = '\0';
    assert_int_equal(store_prepare(s, "SELECT lease_owner, lease_until "
                                   "FROM outbox ORDER BY id", &st, &e), 0);
    while (store_step(st, &e) == 1 && k < n) {
        if (store_col_text(st, 0)[0] == '\0')
            k += (size_t)snprintf(out + k, n - k, "%s-", k ? " " : "");
        else
            k += (size_t)snprintf(out + k, n - k, "%s%s@%lld", k ? " " : "",
                                  store_col_text(st, 0),
                                  (long long)store_col_int(st, 1));
    }
    store_finalize(st);
}

/* Two workers claim the same rows: the second gets none while the first
 * one's lease holds, and all of them once it has run out. Rows not due,
 * settled, or over the batch are not taken. */
static void test_claim(void **state)
{
    static const struct {
        const char *owner;
        int64_t now, until;
        size_t max;
        long want;
        const char *leases;     /* rows 1..5 afterwards */
    } cases[] = {
        {"w1", 1000, 1100, 2, 2, "w1@1100 w1@1100 - - -"},
        {"w2", 1000, 1150, 10, 1, "w1@1100 w1@1100 w2@1150 - -"},
        {"w3", 1050, 1200, 10, 0, "w1@1100 w1@1100 w2@1150 - -"},
        /* the lease holds up to and including lease_until */
        {"w3", 1100, 1200, 10, 0, "w1@1100 w1@1100 w2@1150 - -"},
        /* w1 died: its lease ran out, w3 takes its rows, not w2's */
        {"w3", 1101, 1300, 10, 2, "w3@1300 w3@1300 w2@1150 - -"},
        /* later still: row 4 is due, every lease has run out */
        {"w4", 2000, 2100, 10, 4, "w4@2100 w4@2100 w4@2100 w4@2100 -"},
    };
    char dir[] = "/tmp/agw-queue-test.XXXXXX", path[64], got[256];
    struct store *s;
    struct err e;
    size_t c;
    long n;

    (void)state;
    err_init(&e);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/a.db", dir);
    assert_int_equal(store_open(&s, path, 1, &e), 0);
    t_outbox(s);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        n = queue_claim(s, 1, cases[c].owner, cases[c].now, cases[c].until,
                        cases[c].max, &e);
        t_leases(s, got, sizeof(got));
        if (n != cases[c].want || strcmp(got, cases[c].leases) != 0)
            fail_msg("claim %zu (%s at %lld): got %ld rows, leases %s; "
                     "want %ld, %s", c, cases[c].owner,
                     (long long)cases[c].now, n, got, cases[c].want,
                     cases[c].leases);
    }
    assert_int_equal(queue_claim(s, 2, "w5", 3000, 3100, 10, &e), 0);
    assert_true(queue_lease_seconds(60) > 60 * QUEUE_LEASE_SEND_STEPS);
    store_close(s);
    t_rm_db(dir);
}

/* A pid that names no process: a child that has exited and been reaped
 * (its pid is not reused within this test). */
static long t_dead_pid(void)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return (long)pid;
}

/* Reaped before the claim: a lease of a dead worker of the claimant's
 * own place ("host:pidns:", where the pid is its to check) is void at
 * once; one of another place, or of a live worker, holds until it runs
 * out. */
static void test_claim_dead_owner(void **state)
{
    enum { DEAD, ME, PARENT };
    static const struct {
        const char *place;
        int who;
        int64_t now;
        long want;
    } cases[] = {
        {"h:8", DEAD, 1000, 3},     /* a dead worker elsewhere */
        {"h:7", ME, 1000, 0},       /* not ours to judge: its lease holds */
        {"h:7", DEAD, 1901, 3},     /* run out: taken by one of ours... */
        {"h:7", ME, 1902, 3},       /* ...who died: void at once */
        {"h:7", PARENT, 1903, 0},   /* alive: not taken */
    };
    char dir[] = "/tmp/agw-queue-test.XXXXXX", path[64], owner[64];
    long pids[3];
    struct store *s;
    struct err e;
    size_t c;
    long n;

    (void)state;
    pids[DEAD] = t_dead_pid();
    pids[ME] = (long)getpid();
    pids[PARENT] = (long)getppid();
    err_init(&e);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/a.db", dir);
    assert_int_equal(store_open(&s, path, 1, &e), 0);
    t_outbox(s);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        snprintf(owner, sizeof(owner), "%s:%ld:%02zx", cases[c].place,
                 pids[cases[c].who], c);
        if (queue_reap(s, owner, cases[c].now, &n, &e) != 0)
            fail_msg("reap %zu: %s", c, e.msg);
        n = queue_claim(s, 1, owner, cases[c].now, cases[c].now + 900, 10,
                        &e);
        if (n != cases[c].want)
            fail_msg("claim %zu by %s at %lld: got %ld rows, want %ld", c,
                     owner, (long long)cases[c].now, n, cases[c].want);
    }
    store_close(s);
    t_rm_db(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_audit_sealed_on_insert),
        cmocka_unit_test(test_claim),
        cmocka_unit_test(test_claim_dead_owner),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
