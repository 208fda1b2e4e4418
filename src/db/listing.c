/* listing - a view's rows as a table or JSON (listing.h). The JSON is
 * SQLite's: the SELECT built here wraps every column in json_quote() and
 * joins them into one object a row, so the types are the values' own and
 * the escaping is SQLite's; this file only lays the objects out. */
#include "db/listing.h"

#include <string.h>

#include "util/buf.h"

struct listing_cols {
    int n;
    char name[LISTING_COLS_MAX][LISTING_NAME_MAX + 1];
};

/* A JSON object's punctuation: a listing's rows one a line, a show's
 * members one a line. No quote character: it goes into an SQL literal. */
struct listing_layout {
    const char *open, *sep, *close;
};

static const struct listing_layout listing_row = {"{", ", ", "}"};
static const struct listing_layout listing_one = {"{\n  ", ",\n  ", "\n}"};

/* Names are written into the SQL: letters, digits and '_' only. */
static int listing_ident(const char *name)
{
    size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    return n > 0 && n <= LISTING_NAME_MAX && name[n] == '\0';
}

/* Columns that hold yes or no, in whichever view: JSON true or false
 * (listing.h). A view cannot say so itself without json() in its SQL,
 * which the table output would then print as "true". */
static const char *const listing_bools[] = {
    "active", "anonymise", "single_org", "require_release", "can_sign",
    "can_encrypt",
};

static int listing_bool(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(listing_bools) / sizeof(listing_bools[0]); i++)
        if (strcmp(name, listing_bools[i]) == 0)
            return 1;
    return 0;
}

static int listing_hidden(const char *name)
{
    return name[0] == '_';
}

/* The view's columns, from a statement prepared and never run. */
static int listing_columns(struct store *s, const char *view,
                           struct listing_cols *c, struct err *e)
{
    struct store_stmt *st;
    char sql[LISTING_NAME_MAX + 32];
    int i;

    snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", view);
    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    c->n = store_col_count(st);
    for (i = 0; i < c->n && i < LISTING_COLS_MAX; i++) {
        const char *name = store_col_name(st, i);   /* NULL: no memory */

        if (name == NULL || !listing_ident(name))
            break;
        snprintf(c->name[i], sizeof(c->name[i]), "%s", name);
    }
    store_finalize(st);
    if (i < c->n)
        return err_set(e, ERR_SOFTWARE, "listing %s: column %d is no plain "
                       "name, or over %d columns", view, i + 1,
                       LISTING_COLS_MAX);
    return 0;
}

/* One printed column: as it is, or its JSON member "name": value.
 * coalesce: NULL is "" in JSON as in the table. */
static int listing_column(struct buf *sql, const char *name,
                          const struct listing_layout *json, int first)
{
    if (json == NULL)
        return buf_printf(sql, "%s\"%s\"", first ? "" : ", ", name);
    if (!first && buf_printf(sql, " '%s' ||", json->sep) != 0)
        return -1;
    if (listing_bool(name))
        return buf_printf(sql, " json_quote('%s') || ': ' || CASE WHEN "
                          "\"%s\" IN (1, 'yes') THEN 'true' WHEN \"%s\" IN "
                          "(0, 'no') THEN 'false' ELSE json_quote(coalesce("
                          "\"%s\", '')) END ||", name, name, name, name);
    return buf_printf(sql, " json_quote('%s') || ': ' || json_quote("
                      "coalesce(\"%s\", '')) ||", name, name);
}

/* SELECT the printed columns of view (json: one object a row) FROM view
 * [WHERE col = ?1]. */
static int listing_sql(const char *view, const struct listing_cols *c,
                       const char *col, const struct listing_layout *json,
                       struct buf *sql, struct err *e)
{
    int i, shown = 0, bad;

    bad = buf_puts(sql, "SELECT") != 0;
    if (json)
        bad |= buf_printf(sql, " '%s' ||", json->open) != 0;
    for (i = 0; i < c->n; i++)
        if (!listing_hidden(c->name[i]))
            bad |= listing_column(sql, c->name[i], json, shown++ == 0) != 0;
    if (json)
        bad |= buf_printf(sql, " '%s'", json->close) != 0;
    bad |= buf_printf(sql, " FROM \"%s\"", view) != 0;
    if (col)
        bad |= buf_printf(sql, " WHERE \"%s\" = ?1", col) != 0;
    if (shown == 0)
        return err_set(e, ERR_SOFTWARE, "listing %s: no column to print",
                       view);
    if (bad)
        return err_set(e, ERR_SOFTWARE, "listing %s: query over %d bytes",
                       view, LISTING_SQL_MAX);
    return 0;
}

/* The statement for view, filtered when col and value are given. */
static int listing_prepare(struct store *s, const char *view,
                           const char *col, const char *value,
                           const struct listing_layout *json,
                           struct store_stmt **st, struct err *e)
{
    struct listing_cols c;
    struct buf sql;
    int rc = -1;

    if (!listing_ident(view) || (col && !listing_ident(col)))
        return err_set(e, ERR_SOFTWARE, "listing: bad view or column name");
    if (value == NULL)
        col = NULL;
    if (listing_columns(s, view, &c, e) != 0)
        return -1;
    buf_init(&sql, LISTING_SQL_MAX);
    if (listing_sql(view, &c, col, json, &sql, e) == 0 &&
        store_prepare(s, buf_cstr(&sql), st, e) == 0) {
        rc = 0;
        if (col && store_bind_text(*st, 1, value) != 0) {
            store_finalize(*st);
            rc = err_set(e, ERR_NOMEM, "listing %s: out of memory", view);
        }
    }
    buf_free(&sql);
    return rc;
}

/* Table cells: tabs and line breaks would break the columns. */
static void listing_cell(FILE *out, const char *v)
{
    const unsigned char *p;

    for (p = (const unsigned char *)v; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
}

static void listing_table_row(struct store_stmt *st, int header, FILE *out)
{
    int i, n = store_col_count(st);

    for (i = 0; i < n; i++) {
        fputs(i ? "\t" : "", out);
        if (header)
            fputs(store_col_name(st, i), out);
        else
            listing_cell(out, store_col_text(st, i));
    }
    fputc('\n', out);
}

int listing_print(struct store *s, const char *view, const char *col,
                  const char *value, int json, FILE *out, struct err *e)
{
    struct store_stmt *st;
    int rc, rows = 0;

    if (listing_prepare(s, view, col, value, json ? &listing_row : NULL,
                        &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1) {
        if (json) {
            fputs(rows ? ",\n  " : "[\n  ", out);
            fputs(store_col_text(st, 0), out);
        } else {
            if (rows == 0)
                listing_table_row(st, 1, out);
            listing_table_row(st, 0, out);
        }
        rows++;
    }
    if (json)
        fputs(rows ? "\n]\n" : "[]\n", out);
    store_finalize(st);
    return rc == 0 ? 0 : -1;
}

int listing_show(struct store *s, const char *view, const char *col,
                 const char *value, const char *what, int json, FILE *out,
                 struct err *e)
{
    struct store_stmt *st;
    int rc, i;

    if (listing_prepare(s, view, col, value, json ? &listing_one : NULL,
                        &st, e) != 0)
        return -1;
    rc = store_step(st, e);
    if (rc == 0)
        err_set(e, ERR_DATA, "no %s '%.200s'", what, value ? value : "");
    for (i = 0; rc == 1 && !json && i < store_col_count(st); i++) {
        fprintf(out, "%s: ", store_col_name(st, i));
        listing_cell(out, store_col_text(st, i));
        fputc('\n', out);
    }
    if (rc == 1 && json)
        fprintf(out, "%s\n", store_col_text(st, 0));
    store_finalize(st);
    return rc == 1 ? 0 : -1;
}

int listing_count(struct store *s, const char *view, const char *col,
                  const char *value, int64_t *n, struct err *e)
{
    char sql[LISTING_SQL_MAX];

    if (!listing_ident(view) || !listing_ident(col))
        return err_set(e, ERR_SOFTWARE, "listing: bad view or column name");
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" WHERE \"%s\" = ?",
             view, col);
    return store_get_int(s, e, n, sql, "t", value) < 0 ? -1 : 0;
}

int listing_each(struct store *s, const char *view, const char *col,
                 const char *value, long max, listing_row_fn fn, void *arg,
                 struct err *e)
{
    const char *names[LISTING_COLS_MAX], *vals[LISTING_COLS_MAX];
    struct store_stmt *st;
    long rows = 0;
    int rc = 0, i, n, stop = 0;

    if (listing_prepare(s, view, col, value, NULL, &st, e) != 0)
        return -1;
    n = store_col_count(st);
    for (i = 0; i < n; i++)
        names[i] = store_col_name(st, i);
    while (!stop && (max <= 0 || rows < max) &&
           (rc = store_step(st, e)) == 1) {
        for (i = 0; i < n; i++)
            vals[i] = store_col_text(st, i);
        stop = fn(arg, n, names, vals, e);
        rows++;
    }
    store_finalize(st);
    if (stop)
        return stop < 0 ? -1 : 0;
    return rc == 0 || (max > 0 && rows >= max) ? 0 : -1;
}
