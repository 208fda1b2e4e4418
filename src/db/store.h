/*
 * store - the SQLite database: connection, schema and its migrations,
 * transactions, a small statement API for the modules that own a table's
 * SQL (db/alerts.c, db/outbox.c, db/audit.c, registry/), and the owner of
 * the settings table. The only module that includes sqlite3.h.
 *
 * Every connection: WAL, foreign keys on, a busy timeout, synchronous=FULL
 * (an answer of 0 to the MTA depends on the commit being on disk). Every
 * write transaction is BEGIN IMMEDIATE so that the busy timeout applies.
 * The schema version is PRAGMA user_version; store_open migrates an older
 * database in order and refuses a newer one.
 *
 * Errors: SQLITE_BUSY/LOCKED → ERR_TEMP; a UNIQUE constraint → ERR_DUP; a
 * FOREIGN KEY / CHECK constraint → ERR_DATA; I/O, full disk, read-only →
 * ERR_IO; the rest ERR_SOFTWARE. All carry SQLite's message.
 *
 * Ownership: text and blobs returned by store_col_* are borrowed until
 * the next step or finalize. A connection is never carried across fork().
 *
 * Fault points (util/fault.h): ALERTGW_FAULT=commit fails every commit as
 * a full disk would; ALERTGW_CRASH=before-commit / after-commit kill the
 * process around every commit.
 */
#ifndef AGW_STORE_H
#define AGW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_SCHEMA_VERSION 13

struct store;
struct store_stmt;

/* create: make the file if missing (init); otherwise a missing database
 * is ERR_CONFIG ("run alertgw init"). */
int store_open(struct store **out, const char *path, int create,
               struct err *e);
void store_close(struct store *s);

/* BEGIN IMMEDIATE. Inside a transaction of the same connection a begin
 * is a savepoint instead, its commit a release and its rollback a
 * rollback to it: so a caller may wrap a verb that runs its own
 * transaction (a registry change) together with rows of its own (the
 * audit row naming who made it) in one unit of work. */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);

int store_prepare(struct store *s, const char *sql, struct store_stmt **out,
                  struct err *e);
void store_finalize(struct store_stmt *st);
/* Binds, 1-based like SQLite. Text and blobs are copied by SQLite. */
int store_bind_text(struct store_stmt *st, int i, const char *v);
int store_bind_int(struct store_stmt *st, int i, int64_t v);
int store_bind_blob(struct store_stmt *st, int i, const void *p, size_t n);
int store_bind_null(struct store_stmt *st, int i);
/* 1: a row; 0: done; -1: error (e set). */
int store_step(struct store_stmt *st, struct err *e);
int store_reset(struct store_stmt *st);
const char *store_col_text(struct store_stmt *st, int i);   /* "" if NULL */
int64_t store_col_int(struct store_stmt *st, int i);
const void *store_col_blob(struct store_stmt *st, int i, size_t *n);
int store_col_is_null(struct store_stmt *st, int i);
int store_col_count(struct store_stmt *st);
const char *store_col_name(struct store_stmt *st, int i);

/* Run one statement with binds given by types: 't' text (const char *),
 * 'i' int64_t, 'b' blob (const void *, size_t), 'n' null. Returns the
 * number of rows changed, or -1. */
int store_run(struct store *s, struct err *e, const char *sql,
              const char *types, ...);
/* Like store_run for a query whose first row's first column is an integer:
 * 1 and *v set when a row came, 0 when none, -1 on error. */
int store_get_int(struct store *s, struct err *e, int64_t *v, const char *sql,
                  const char *types, ...);
int64_t store_last_id(struct store *s);

/* The settings table (key, value: the gateway's signing key, the audit
 * chain's head), whose SQL is here only. store_setting_get: 1 and the
 * value in out (cut to n), 0 and out "" when the key is not set, -1 on
 * error. store_setting_set: the value, replacing any. Both run in the
 * caller's transaction, if any. */
int store_setting_get(struct store *s, const char *key, char *out, size_t n,
                      struct err *e);
int store_setting_set(struct store *s, const char *key, const char *value,
                      struct err *e);

#endif
