/*
 * t_db - what the unit tests of the database's owners share: a scratch
 * database made with some rows, removed with its WAL files; a statement
 * run or failing the test; a query's rows compared as text; and a record
 * of what a walk's callback saw. Included by one test file each (static
 * inline: a file uses what it needs).
 */
#ifndef AGW_T_DB_H
#define AGW_T_DB_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/store.h"
#include "util/err.h"

/* DIR/a.db, new, with the statements rows[0..n) run in it. */
static inline struct store *t_db_open(const char *dir,
                                      const char *const *rows, size_t n)
{
    char path[256];
    struct store *s;
    struct err e;
    size_t i;

    err_init(&e);
    snprintf(path, sizeof(path), "%s/a.db", dir);
    if (store_open(&s, path, 1, &e) != 0)
        fail_msg("open: %s", e.msg);
    for (i = 0; i < n; i++)
        if (store_run(s, &e, rows[i], "") < 0)
            fail_msg("%s: %s", rows[i], e.msg);
    return s;
}

static inline void t_db_remove(const char *dir, struct store *s)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    char path[256];
    size_t i;

    store_close(s);
    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        snprintf(path, sizeof(path), "%s/a.db%s", dir, ext[i]);
        unlink(path);
    }
}

static inline void t_exec(struct store *s, const char *sql)
{
    struct err e;

    err_init(&e);
    if (store_run(s, &e, sql, "") < 0)
        fail_msg("%s: %s", sql, e.msg);
}

/* The rows of a query, columns joined with '|' and rows with ' '. */
static inline void t_expect(struct store *s, const char *sql,
                            const char *want)
{
    struct store_stmt *st;
    char got[2048];
    struct err e;
    size_t k = 0;
    int i;

    err_init(&e);
    got[0] = '\0';
    if (store_prepare(s, sql, &st, &e) != 0)
        fail_msg("%s: %s", sql, e.msg);
    while (store_step(st, &e) == 1 && k < sizeof(got))
        for (i = 0; i < store_col_count(st); i++)
            k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s",
                                  i ? "|" : k ? " " : "",
                                  store_col_text(st, i));
    store_finalize(st);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got \"%s\"\nwant \"%s\"", sql, got, want);
}

/* What the walks saw, and the row at which the callback stops them. */
struct t_seen {
    char text[1024];
    int stop_at;
    int n;
};

static inline int t_seen_add(struct t_seen *t, struct err *e,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int t_seen_add(struct t_seen *t, struct err *e,
                             const char *fmt, ...)
{
    size_t k = strlen(t->text);
    va_list ap;

    if (k)
        snprintf(t->text + k, sizeof(t->text) - k, " ");
    k = strlen(t->text);
    va_start(ap, fmt);
    vsnprintf(t->text + k, sizeof(t->text) - k, fmt, ap);
    va_end(ap);
    if (++t->n == t->stop_at)
        return err_set(e, ERR_TOOBIG, "stopped");
    return 0;
}

#endif
