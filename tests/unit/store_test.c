/* store: opening (a missing database is a configuration error unless
 * created), the migrations from every older version up to
 * STORE_SCHEMA_VERSION and the refusal of a newer one, transactions and
 * the commit fault, store_run / store_get_int with each kind of bind,
 * SQLite's errors in our classes, a second writer that finds the
 * database locked, and the settings verbs. */
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

/* Only to make a database as an older alertgw left it: the migrations
 * up to some version, run the way store.c runs them. */
#include <sqlite3.h>

#include "db/schema.h"
#include "db/store.h"

static const char *const t_migrations[] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6,
    schema_v7, schema_v8, schema_v9, schema_v10, schema_v11, schema_v12,
    schema_v13,
};

static char t_dir[] = "/tmp/agw-store-test.XXXXXX";

static void t_path(char *out, size_t n, const char *name)
{
    int k = snprintf(out, n, "%s/%s", t_dir, name);

    assert_true(k > 0 && (size_t)k < n);
}

static void t_rm_db(const char *name)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    char path[256];
    size_t i;

    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s%s", t_dir, name, ext[i]);
        unlink(path);
    }
}

static struct store *t_open(const char *name)
{
    char path[256];
    struct store *s;
    struct err e;

    err_init(&e);
    t_path(path, sizeof(path), name);
    if (store_open(&s, path, 1, &e) != 0)
        fail_msg("open %s: %s", name, e.msg);
    return s;
}

static void t_exec(struct store *s, const char *sql)
{
    struct err e;

    err_init(&e);
    if (store_run(s, &e, sql, "") < 0)
        fail_msg("%s: %s", sql, e.msg);
}

static int64_t t_int(struct store *s, const char *sql)
{
    struct err e;
    int64_t v = -1;

    err_init(&e);
    if (store_get_int(s, &e, &v, sql, "") != 1)
        fail_msg("%s: no row (%s)", sql, e.msg);
    return v;
}

/* Every table, index, view and trigger with its SQL, in name order. */
static char *t_schema(struct store *s)
{
    struct store_stmt *st;
    struct err e;
    size_t len = 0, k;
    char *out = NULL, *p;
    const char *row;

    err_init(&e);
    assert_int_equal(store_prepare(s, "SELECT type || ' ' || name || ': ' "
                                   "|| coalesce(sql, '') FROM sqlite_master "
                                   "ORDER BY type, name", &st, &e), 0);
    while (store_step(st, &e) == 1) {
        row = store_col_text(st, 0);
        k = strlen(row);
        p = realloc(out, len + k + 2);
        assert_non_null(p);
        out = p;
        memcpy(out + len, row, k);
        out[len + k] = '\n';
        len += k + 1;
        out[len] = '\0';
    }
    store_finalize(st);
    assert_non_null(out);
    return out;
}

/* ---- open ------------------------------------------------------------ */

static void test_open(void **state)
{
    char path[256];
    struct store *s = (struct store *)1;
    struct err e;

    (void)state;
    err_init(&e);
    t_path(path, sizeof(path), "missing.db");
    assert_int_equal(store_open(&s, path, 0, &e), -1);
    assert_null(s);
    assert_int_equal(e.code, ERR_CONFIG);
    if (strstr(e.msg, "run alertgw init") == NULL)
        fail_msg("got \"%s\", want a hint to run alertgw init", e.msg);
    assert_int_not_equal(access(path, F_OK), 0);    /* nothing was made */

    err_init(&e);
    t_path(path, sizeof(path), "nodir/x.db");
    assert_int_equal(store_open(&s, path, 1, &e), -1);
    assert_int_equal(e.code, ERR_IO);

    s = t_open("new.db");
    assert_int_equal(t_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(t_int(s, "PRAGMA foreign_keys"), 1);
    assert_int_equal(t_int(s, "PRAGMA synchronous"), 2);      /* FULL */
    assert_int_equal(t_int(s, "SELECT count(*) FROM sqlite_master WHERE "
                           "name = 'alert_raw'"), 1);
    store_close(s);
    /* reopened without create: it is there now, nothing to migrate */
    err_init(&e);
    t_path(path, sizeof(path), "new.db");
    assert_int_equal(store_open(&s, path, 0, &e), 0);
    assert_int_equal(t_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    store_close(s);
    store_close(NULL);
    t_rm_db("new.db");
}

/* ---- migrations ------------------------------------------------------ */

/* A database left at version v by an older alertgw. */
static void t_make_old(const char *path, int v)
{
    char sql[64], *msg = NULL;
    sqlite3 *db;
    int i;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for (i = 0; i < v; i++)
        if (sqlite3_exec(db, t_migrations[i], NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("schema_v%d: %s", i + 1, msg ? msg : "?");
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* From every older version (0: an empty file) store_open arrives at the
 * schema a new database has, and records the version. */
static void test_migrations(void **state)
{
    char path[256], name[32];
    struct store *s;
    struct err e;
    char *want, *got;
    int v;

    (void)state;
    assert_int_equal(sizeof(t_migrations) / sizeof(t_migrations[0]),
                     STORE_SCHEMA_VERSION);
    s = t_open("fresh.db");
    want = t_schema(s);
    store_close(s);
    t_rm_db("fresh.db");
    for (v = 0; v < STORE_SCHEMA_VERSION; v++) {
        snprintf(name, sizeof(name), "v%d.db", v);
        t_path(path, sizeof(path), name);
        t_make_old(path, v);
        err_init(&e);
        if (store_open(&s, path, 0, &e) != 0)
            fail_msg("from version %d: %s", v, e.msg);
        assert_int_equal(t_int(s, "PRAGMA user_version"),
                         STORE_SCHEMA_VERSION);
        got = t_schema(s);
        if (strcmp(got, want) != 0)
            fail_msg("from version %d the schema is\n%s\nwant\n%s", v, got,
                     want);
        free(got);
        store_close(s);
        t_rm_db(name);
    }
    free(want);
}

/* A database from a newer alertgw is refused, and left as it was. */
static void test_newer_refused(void **state)
{
    char path[256];
    struct store *s;
    struct err e;

    (void)state;
    s = t_open("newer.db");
    t_exec(s, "PRAGMA user_version=99");
    store_close(s);
    err_init(&e);
    t_path(path, sizeof(path), "newer.db");
    assert_int_equal(store_open(&s, path, 0, &e), -1);
    assert_null(s);
    assert_int_equal(e.code, ERR_CONFIG);
    if (strstr(e.msg, "version 99 is newer") == NULL)
        fail_msg("got \"%s\", want \"... version 99 is newer ...\"", e.msg);
    {                               /* the version is as it was */
        sqlite3 *db;
        sqlite3_stmt *st;

        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
                                            &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 99);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    t_rm_db("newer.db");
}

/* ---- transactions ---------------------------------------------------- */

static void test_transactions(void **state)
{
    struct store *s = t_open("tx.db");
    struct err e;

    (void)state;
    t_exec(s, "CREATE TABLE t(v INTEGER)");
    err_init(&e);
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(1)");
    assert_int_equal(store_commit(s, &e), 0);

    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(2)");
    store_rollback(s);
    store_rollback(s);              /* none open: nothing happens */
    assert_int_equal(t_int(s, "SELECT group_concat(v) FROM t"), 1);

    /* a begin inside a transaction is a savepoint (issue 18: the web
     * console wraps a registry verb and its audit row in one unit): the
     * inner rollback undoes the inner part only, the outer commit keeps
     * the rest */
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(3)");
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(50)");
    store_rollback(s);
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(0)");
    assert_int_equal(store_commit(s, &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    assert_int_equal(t_int(s, "SELECT sum(v) FROM t"), 4);
    assert_int_equal(t_int(s, "SELECT count(*) FROM t"), 3);

    /* an outer rollback undoes what a committed inner one did */
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(70)");
    assert_int_equal(store_commit(s, &e), 0);
    store_rollback(s);
    assert_int_equal(t_int(s, "SELECT sum(v) FROM t"), 4);

    /* the fault seam: the commit fails as a full disk would, and what the
     * transaction did is gone */
    assert_int_equal(store_begin(s, &e), 0);
    t_exec(s, "INSERT INTO t VALUES(100)");
    assert_int_equal(setenv("ALERTGW_FAULT", "commit", 1), 0);
    assert_int_equal(store_commit(s, &e), -1);
    unsetenv("ALERTGW_FAULT");
    assert_int_equal(e.code, ERR_IO);
    assert_string_equal(e.msg, "database: injected fault at commit");
    assert_int_equal(t_int(s, "SELECT sum(v) FROM t"), 4);
    err_init(&e);
    assert_int_equal(store_begin(s, &e), 0);        /* and none is open */
    store_rollback(s);
    store_close(s);
    t_rm_db("tx.db");
}

/* ---- statements ------------------------------------------------------ */

static void test_run_binds(void **state)
{
    static const char blob[] = {'b', '\0', 'l', 'o', 'b'};
    struct store *s = t_open("binds.db");
    struct store_stmt *st;
    struct err e;
    int64_t v = -1;
    const void *p;
    size_t n;

    (void)state;
    err_init(&e);
    t_exec(s, "CREATE TABLE t(id INTEGER PRIMARY KEY, txt TEXT, num "
              "INTEGER, bin BLOB, nul TEXT)");
    /* 2^53 + 1: an integer a double would round */
    assert_int_equal(store_run(s, &e, "INSERT INTO t(txt, num, bin, nul) "
                               "VALUES(?,?,?,?)", "tibn", "héllo 'x'",
                               (int64_t)-9007199254740993LL, blob,
                               sizeof(blob)), 1);
    assert_int_equal(store_last_id(s), 1);
    assert_int_equal(store_run(s, &e, "INSERT INTO t(txt, num) VALUES(?, ?)",
                               "ti", "two", (int64_t)2), 1);
    assert_int_equal(store_last_id(s), 2);
    /* rows changed */
    assert_int_equal(store_run(s, &e, "UPDATE t SET num = num + 1", ""), 2);
    assert_int_equal(store_run(s, &e, "DELETE FROM t WHERE id = ?", "i",
                               (int64_t)42), 0);
    /* get_int: 1 and the value, 0 when no row */
    assert_int_equal(store_get_int(s, &e, &v, "SELECT num FROM t WHERE txt "
                                   "= ?", "t", "two"), 1);
    assert_int_equal(v, 3);
    v = 77;
    assert_int_equal(store_get_int(s, &e, &v, "SELECT num FROM t WHERE txt "
                                   "= ?", "t", "three"), 0);
    assert_int_equal(v, 77);

    assert_int_equal(store_prepare(s, "SELECT txt, num, bin, nul FROM t "
                                   "WHERE id = 1", &st, &e), 0);
    assert_int_equal(store_col_count(st), 4);
    assert_string_equal(store_col_name(st, 2), "bin");
    assert_int_equal(store_step(st, &e), 1);
    assert_string_equal(store_col_text(st, 0), "héllo 'x'");
    assert_true(store_col_int(st, 1) == -9007199254740992LL);
    p = store_col_blob(st, 2, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(p, blob, sizeof(blob));
    assert_int_equal(store_col_is_null(st, 3), 1);
    assert_string_equal(store_col_text(st, 3), "");    /* "" for NULL */
    assert_int_equal(store_step(st, &e), 0);
    /* reset clears the bindings: the statement runs again */
    assert_int_equal(store_reset(st), 0);
    assert_int_equal(store_step(st, &e), 1);
    store_finalize(st);
    store_finalize(NULL);

    /* a bind type nobody knows is refused before the statement runs */
    err_init(&e);
    assert_int_equal(store_run(s, &e, "DELETE FROM t WHERE id = ?", "x",
                               (int64_t)1), -1);
    assert_int_equal(e.code, ERR_SOFTWARE);
    if (strstr(e.msg, "bad binding") == NULL)
        fail_msg("got \"%s\", want \"... bad binding ...\"", e.msg);
    assert_int_equal(t_int(s, "SELECT count(*) FROM t"), 2);
    store_close(s);
    t_rm_db("binds.db");
}

/* SQLite's answers in our classes: the caller decides on the class. */
static void test_errors(void **state)
{
    static const struct {
        const char *sql;
        enum err_code want;
        const char *msg;        /* a part of the message */
    } cases[] = {
        {"INSERT INTO u(k) VALUES('a')", ERR_DUP, "already exists"},
        {"INSERT INTO u(id, k) VALUES(1, 'b')", ERR_DUP, "already exists"},
        {"INSERT INTO c(u_id) VALUES(99)", ERR_DATA, "FOREIGN KEY"},
        {"INSERT INTO u(k, n) VALUES('z', -1)", ERR_DATA, "CHECK"},
        {"INSERT INTO u(n) VALUES(1)", ERR_DATA, "NOT NULL"},
        {"SELEKT 1", ERR_SOFTWARE, "syntax error"},
        {"SELECT * FROM nowhere", ERR_SOFTWARE, "no such table"},
    };
    struct store *s = t_open("errors.db");
    struct err e;
    size_t c;

    (void)state;
    t_exec(s, "CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT NOT NULL "
              "UNIQUE, n INTEGER CHECK(n >= 0))");
    t_exec(s, "CREATE TABLE c(u_id INTEGER REFERENCES u(id))");
    t_exec(s, "INSERT INTO u(id, k) VALUES(1, 'a')");
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        err_init(&e);
        if (store_run(s, &e, cases[c].sql, "") != -1 ||
            e.code != cases[c].want || strstr(e.msg, cases[c].msg) == NULL)
            fail_msg("%s: got %s \"%s\", want %s \"...%s...\"", cases[c].sql,
                     err_code_name(e.code), e.msg,
                     err_code_name(cases[c].want), cases[c].msg);
    }
    store_close(s);
    t_rm_db("errors.db");
}

/* Two connections: a reader is never blocked by a writer (WAL); a second
 * writer waits STORE_BUSY_TIMEOUT_MS, then gets a temporary error; once
 * the first commits, the second may write. */
static void test_busy(void **state)
{
    struct store *a = t_open("busy.db"), *b = t_open("busy.db");
    struct err e;
    time_t t0;
    int64_t v;

    (void)state;
    t_exec(a, "CREATE TABLE t(v INTEGER)");
    err_init(&e);
    assert_int_equal(store_begin(a, &e), 0);
    t_exec(a, "INSERT INTO t VALUES(1)");
    assert_int_equal(store_get_int(b, &e, &v, "SELECT count(*) FROM t", ""),
                     1);
    assert_int_equal(v, 0);                 /* not committed yet */
    t0 = time(NULL);
    assert_int_equal(store_begin(b, &e), -1);
    assert_int_equal(e.code, ERR_TEMP);
    assert_true(err_is_temp(&e));
    if (strncmp(e.msg, "database busy", 13) != 0)
        fail_msg("got \"%s\", want \"database busy: ...\"", e.msg);
    if (time(NULL) - t0 < STORE_BUSY_TIMEOUT_MS / 1000 - 1)
        fail_msg("gave up after %lld s, want about %d ms",
                 (long long)(time(NULL) - t0), STORE_BUSY_TIMEOUT_MS);
    err_init(&e);
    assert_int_equal(store_commit(a, &e), 0);
    assert_int_equal(store_begin(b, &e), 0);
    t_exec(b, "INSERT INTO t VALUES(2)");
    assert_int_equal(store_commit(b, &e), 0);
    assert_int_equal(t_int(a, "SELECT sum(v) FROM t"), 3);
    store_close(a);
    store_close(b);
    t_rm_db("busy.db");
}

/* ---- settings -------------------------------------------------------- */

/* A key not set reads 0 and ""; set, it reads back (cut to the buffer);
 * set again, it is replaced; a rolled-back set leaves the old value. */
static void test_settings(void **state)
{
    struct store *s = t_open("settings.db");
    char out[8];
    struct err e;

    (void)state;
    err_init(&e);
    snprintf(out, sizeof(out), "junk");
    assert_int_equal(store_setting_get(s, "k", out, sizeof(out), &e), 0);
    assert_string_equal(out, "");
    assert_int_equal(store_setting_set(s, "k", "v1", &e), 0);
    assert_int_equal(store_setting_get(s, "k", out, sizeof(out), &e), 1);
    assert_string_equal(out, "v1");
    assert_int_equal(store_setting_set(s, "k", "0123456789", &e), 0);
    assert_int_equal(store_setting_get(s, "k", out, sizeof(out), &e), 1);
    assert_string_equal(out, "0123456");
    assert_int_equal(t_int(s, "SELECT count(*) FROM settings WHERE "
                           "key='k'"), 1);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_setting_set(s, "k", "v3", &e), 0);
    store_rollback(s);
    assert_int_equal(store_setting_get(s, "k", out, sizeof(out), &e), 1);
    assert_string_equal(out, "0123456");
    assert_int_equal(store_setting_get(s, "other", out, sizeof(out), &e), 0);
    store_close(s);
    t_rm_db("settings.db");
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
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_newer_refused),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_run_binds),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_settings),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
