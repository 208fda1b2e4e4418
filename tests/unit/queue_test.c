/* queue: the SHA-256 behind copy hashes and the audit chain (FIPS 180-4
 * vectors, block-boundary lengths against sha256sum's answers), the
 * DURATION parser of queue purge / run --watch, and audit rows sealed as
 * they are inserted (schema v6) after older unsealed ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "schema.h"
#include "store.h"

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

static void test_duration(void **state)
{
    static const struct {
        const char *in;
        int64_t want;
    } cases[] = {
        {"0", 0}, {"90", 90}, {"90s", 90}, {"15m", 900}, {"12h", 43200},
        {"30d", 2592000}, {"2w", 1209600}, {"", -1}, {"h", -1}, {"1x", -1},
        {"1hh", -1}, {"-1", -1}, {" 1", -1}, {"1 h", -1},
        {"99999999999999999999", -1},
    };
    size_t c;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int64_t got = queue_duration(cases[c].in);

        if (got != cases[c].want) {
            print_error("duration '%s': got %lld, want %lld\n", cases[c].in,
                        (long long)got, (long long)cases[c].want);
            bad++;
        }
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
    struct queue_verify v;
    struct err e;

    err_init(&e);
    assert_int_equal(queue_audit_verify(s, &v, &e), 0);
    if (v.sealed != sealed || v.unsealed != unsealed)
        fail_msg("got %ld sealed, %ld unsealed; want %ld, %ld", v.sealed,
                 v.unsealed, sealed, unsealed);
}

/* A row is sealed in the transaction that inserts it; rows left unsealed
 * by an older schema keep their place at the head of what is to chain,
 * and new rows wait behind them until queue_audit_seal has run. */
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
    assert_int_equal(queue_audit_seal(s, &n, &e), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_audit_sealed_on_insert),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
