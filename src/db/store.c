#include "db/store.h"
#include "db/audit.h"
#include "db/schema.h"
#include "util/fault.h"
#include "util/limits.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct store {
    sqlite3 *db;
    int depth;          /* store_begin calls not yet committed or rolled back */
};

struct store_stmt {
    struct store *s;
    sqlite3_stmt *st;
};

/* Migrations in order: entry i takes the schema from version i to i+1.
 * Each version lives in its own file (schema_vN.c). */
static const char *const store_migrations[] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6,
    schema_v7, schema_v8, schema_v9, schema_v10, schema_v11, schema_v12,
    schema_v13,
};

#define STORE_NMIGRATIONS \
    (sizeof(store_migrations) / sizeof(store_migrations[0]))

_Static_assert(STORE_NMIGRATIONS == STORE_SCHEMA_VERSION,
               "one migration per schema version");

static int store_fail(struct store *s, int rc, struct err *e)
{
    const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    int ext = s && s->db ? sqlite3_extended_errcode(s->db) : rc;

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return err_set(e, ERR_TEMP, "database busy: %s", msg);
    case SQLITE_CONSTRAINT:
        if (ext == SQLITE_CONSTRAINT_UNIQUE ||
            ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return err_set(e, ERR_DUP, "already exists (%s)", msg);
        return err_set(e, ERR_DATA, "refused by the database (%s)", msg);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        return err_set(e, ERR_IO, "database: %s", msg);
    case SQLITE_NOMEM:
        return err_set(e, ERR_NOMEM, "database: out of memory");
    default:
        return err_set(e, ERR_SOFTWARE, "database: %s", msg);
    }
}

static int store_exec(struct store *s, const char *sql, struct err *e)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? 0 : store_fail(s, rc, e);
}

static int store_version(struct store *s, int64_t *v, struct err *e)
{
    return store_get_int(s, e, v, "PRAGMA user_version", "") < 0 ? -1 : 0;
}

static int store_migrate(struct store *s, struct err *e)
{
    int64_t v;
    char sql[64];

    /* The usual case, an up-to-date database, takes no write lock. */
    if (store_version(s, &v, e) != 0)
        return -1;
    if (v == STORE_SCHEMA_VERSION)
        return 0;
    if (store_begin(s, e) != 0)
        return -1;
    if (store_version(s, &v, e) != 0)
        goto fail;
    if (v > STORE_SCHEMA_VERSION) {
        err_set(e, ERR_CONFIG, "database schema version %lld is newer than "
                "this alertgw (%d): upgrade alertgw", (long long)v,
                STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (; v < STORE_SCHEMA_VERSION; v++)
        if (store_exec(s, store_migrations[v], e) != 0)
            goto fail;
    snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", STORE_SCHEMA_VERSION);
    if (store_exec(s, sql, e) != 0)
        goto fail;
    return store_commit(s, e);
fail:
    store_rollback(s);
    return -1;
}

/* A text argument; NULL only when SQLite ran out of memory. */
static const char *store_arg_text(sqlite3_value *v)
{
    const unsigned char *t = sqlite3_value_text(v);

    if (t == NULL && sqlite3_value_type(v) == SQLITE_NULL)
        return "";
    return (const char *)t;
}

/* agw_audit_hash(prev, id, at, alert_row, code, event, detail, rcpt,
 * copy_hash): the audit_seal trigger's link (schema v6). */
static void store_audit_hash(sqlite3_context *ctx, int argc,
                             sqlite3_value **v)
{
    struct audit_row r;
    const char *prev = store_arg_text(v[0]);
    char out[SHA256_HEX];

    (void)argc;
    r.id = sqlite3_value_int64(v[1]);
    r.at = sqlite3_value_int64(v[2]);
    r.alert_row = sqlite3_value_int64(v[3]);
    r.code = sqlite3_value_int64(v[4]);
    r.event = store_arg_text(v[5]);
    r.detail = store_arg_text(v[6]);
    r.rcpt = store_arg_text(v[7]);
    r.copy_hash = store_arg_text(v[8]);
    if (!prev || !r.event || !r.detail || !r.rcpt || !r.copy_hash) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    audit_hash(&r, prev, out);
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static int store_setup(struct store *s, struct err *e)
{
    int rc;

    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);
    rc = sqlite3_create_function_v2(s->db, "agw_audit_hash", 9,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC |
                                        SQLITE_INNOCUOUS,
                                    NULL, store_audit_hash, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, e);
    if (store_exec(s, "PRAGMA journal_mode=WAL", e) != 0 ||
        store_exec(s, "PRAGMA synchronous=FULL", e) != 0 ||
        store_exec(s, "PRAGMA foreign_keys=ON", e) != 0)
        return -1;
    return store_migrate(s, e);
}

/* Say why a database cannot be opened before SQLite says "unable to open
 * database file": missing is a set-up step (init), unreadable is whose
 * the data directory is. SQLite also writes -wal and -shm files beside
 * the database, so its directory must be writable too. */
static int store_access(const char *path, struct err *e)
{
    char dir[STORE_PATH_MAX];
    const char *slash = strrchr(path, '/');
    int len = slash ? (int)(slash - path) : 1;

    snprintf(dir, sizeof(dir), "%.*s", len ? len : 1, slash ? path : ".");
    /* ENOENT only when every directory above could be searched */
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return err_set(e, ERR_CONFIG, "no database at %s (run alertgw init)",
                       path);
    if (access(dir, W_OK | X_OK) != 0 || access(path, R_OK | W_OK) != 0)
        return err_set(e, ERR_IO, "cannot open %s: %s; the data directory "
                       "must belong to the user alertgw runs as (uid %ld)",
                       path, strerror(errno), (long)geteuid());
    return 0;
}

int store_open(struct store **out, const char *path, int create,
               struct err *e)
{
    struct store *s;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc;

    *out = NULL;
    if (!create && store_access(path, e) != 0)
        return -1;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        store_fail(s, rc, e);
        store_close(s);
        return -1;
    }
    if (store_setup(s, e) != 0) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    sqlite3_close_v2(s->db);
    free(s);
}

/* A begin inside a transaction is a savepoint (store.h: a caller that
 * audits a verb's change wraps the verb's own transaction in its own). */
static int store_savepoint(struct store *s, const char *verb, struct err *e)
{
    char sql[64];

    snprintf(sql, sizeof(sql), "%s agw_%d", verb, s->depth);
    return store_exec(s, sql, e);
}

int store_begin(struct store *s, struct err *e)
{
    if (s->depth > 0) {
        if (store_savepoint(s, "SAVEPOINT", e) != 0)
            return -1;
        s->depth++;
        return 0;
    }
    if (store_exec(s, "BEGIN IMMEDIATE", e) != 0)
        return -1;
    s->depth = 1;
    return 0;
}

int store_commit(struct store *s, struct err *e)
{
    if (s->depth > 1) {
        s->depth--;
        if (store_savepoint(s, "RELEASE", e) == 0)
            return 0;
        s->depth++;
        store_rollback(s);
        return -1;
    }
    s->depth = 0;
    fault_crash("before-commit");
    if (fault_hit("commit")) {
        store_rollback(s);
        return err_set(e, ERR_IO, "database: injected fault at commit");
    }
    if (store_exec(s, "COMMIT", e) != 0) {
        store_rollback(s);
        return -1;
    }
    fault_crash("after-commit");
    return 0;
}

void store_rollback(struct store *s)
{
    char sql[64];

    if (s->depth > 1) {
        s->depth--;
        snprintf(sql, sizeof(sql), "ROLLBACK TO agw_%d; RELEASE agw_%d",
                 s->depth, s->depth);
        sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        return;
    }
    s->depth = 0;
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_prepare(struct store *s, const char *sql, struct store_stmt **out,
                  struct err *e)
{
    struct store_stmt *st;
    int rc;

    *out = NULL;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    st->s = s;
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st->st, NULL);
    if (rc != SQLITE_OK) {
        free(st);
        return store_fail(s, rc, e);
    }
    *out = st;
    return 0;
}

void store_finalize(struct store_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_finalize(st->st);
    free(st);
}

int store_bind_text(struct store_stmt *st, int i, const char *v)
{
    return sqlite3_bind_text(st->st, i, v, -1, SQLITE_TRANSIENT) ==
           SQLITE_OK ? 0 : -1;
}

int store_bind_int(struct store_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st->st, i, v) == SQLITE_OK ? 0 : -1;
}

int store_bind_blob(struct store_stmt *st, int i, const void *p, size_t n)
{
    return sqlite3_bind_blob64(st->st, i, p, n, SQLITE_TRANSIENT) ==
           SQLITE_OK ? 0 : -1;
}

int store_bind_null(struct store_stmt *st, int i)
{
    return sqlite3_bind_null(st->st, i) == SQLITE_OK ? 0 : -1;
}

int store_step(struct store_stmt *st, struct err *e)
{
    int rc = sqlite3_step(st->st);

    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return store_fail(st->s, rc, e);
}

int store_reset(struct store_stmt *st)
{
    sqlite3_reset(st->st);
    return sqlite3_clear_bindings(st->st) == SQLITE_OK ? 0 : -1;
}

const char *store_col_text(struct store_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st->st, i);

    return t ? (const char *)t : "";
}

int64_t store_col_int(struct store_stmt *st, int i)
{
    return sqlite3_column_int64(st->st, i);
}

const void *store_col_blob(struct store_stmt *st, int i, size_t *n)
{
    const void *p = sqlite3_column_blob(st->st, i);

    *n = (size_t)sqlite3_column_bytes(st->st, i);
    return p;
}

int store_col_is_null(struct store_stmt *st, int i)
{
    return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

static int store_vbind(struct store_stmt *st, const char *types, va_list ap)
{
    int i, rc = 0;

    for (i = 1; *types && rc == 0; types++, i++) {
        switch (*types) {
        case 't':
            rc = store_bind_text(st, i, va_arg(ap, const char *));
            break;
        case 'i':
            rc = store_bind_int(st, i, va_arg(ap, int64_t));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            rc = store_bind_blob(st, i, p, va_arg(ap, size_t));
            break;
        }
        case 'n':
            rc = store_bind_null(st, i);
            break;
        default:
            rc = -1;
        }
    }
    return rc;
}

static int store_vrun(struct store *s, struct err *e, int64_t *v,
                      const char *sql, const char *types, va_list ap)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    if (store_vbind(st, types, ap) != 0) {
        store_finalize(st);
        return err_set(e, ERR_SOFTWARE, "database: bad binding for: %s", sql);
    }
    rc = store_step(st, e);
    if (v == NULL && rc > 0) {
        while ((rc = store_step(st, e)) > 0)
            ;
    }
    if (rc == 0 && v == NULL)
        rc = sqlite3_changes(s->db);
    else if (rc == 1 && v)
        *v = store_col_int(st, 0);
    store_finalize(st);
    return rc;
}

int store_run(struct store *s, struct err *e, const char *sql,
              const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = store_vrun(s, e, NULL, sql, types, ap);
    va_end(ap);
    return rc;
}

int store_get_int(struct store *s, struct err *e, int64_t *v, const char *sql,
                  const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = store_vrun(s, e, v, sql, types, ap);
    va_end(ap);
    return rc;
}

int64_t store_last_id(struct store *s)
{
    return sqlite3_last_insert_rowid(s->db);
}

int store_col_count(struct store_stmt *st)
{
    return sqlite3_column_count(st->st);
}

const char *store_col_name(struct store_stmt *st, int i)
{
    return sqlite3_column_name(st->st, i);
}

int store_setting_get(struct store *s, const char *key, char *out, size_t n,
                      struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (n > 0)
        out[0] = '\0';
    if (store_prepare(s, "SELECT value FROM settings WHERE key=?", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, key);
    rc = store_step(st, e);
    if (rc == 1 && n > 0)
        snprintf(out, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc;
}

int store_setting_set(struct store *s, const char *key, const char *value,
                      struct err *e)
{
    return store_run(s, e, "INSERT OR REPLACE INTO settings(key, value) "
                     "VALUES(?, ?)", "tt", key, value) < 0 ? -1 : 0;
}
