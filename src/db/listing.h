/*
 * listing - the command line's listings: the rows of a view, by name.
 *
 * A listing is a view (db/schema_v8.c, or a TEMP view a command made on
 * its own connection) printed either way the command line offers:
 *
 *   table  a header line of column names, then one line a row, cells
 *          separated by tabs; a tab or line break inside a value is
 *          printed as a space so the columns hold. No rows: nothing.
 *   JSON   "[\n  {"name": value, ...},\n  {...}\n]\n", one object a
 *          line; no rows: "[]\n". Values are SQLite's json_quote():
 *          integers and reals bare, text quoted and escaped by SQLite,
 *          NULL as "" (as the table shows it). A yes/no column is a
 *          JSON boolean: its name is in listing.c's listing_bools
 *          (active, anonymise, single_org, require_release, can_sign,
 *          can_encrypt; the same name means yes/no in every view, so a
 *          new view keeps to it), and 1 or 'yes' print true, 0 or 'no'
 *          false, anything else as above. The table prints the value as
 *          the view has it (1/0, yes/no).
 *
 * and a `show` prints one row as "name: value" lines or as one JSON
 * object, "{\n  "name": value,\n  ...\n}\n".
 *
 * col, when not NULL, keeps the rows whose column col equals value
 * (compared as the view's column compares, a bound parameter); value NULL
 * keeps every row. Columns whose name begins with '_' are there for such
 * a filter only and are not printed. The order is the view's ORDER BY.
 *
 * view and col are names from the code, never input: they are written
 * into the SQL (after a check that they are plain identifiers, else
 * ERR_SOFTWARE). A view has at most LISTING_COLS_MAX columns.
 *
 * Errors: the store's, ERR_DATA from listing_show when no row matches
 * ("no WHAT 'VALUE'"). Output goes to out as rows come; a failure
 * midway leaves what was printed.
 */
#ifndef AGW_LISTING_H
#define AGW_LISTING_H

#include <stdint.h>
#include <stdio.h>

#include "db/store.h"
#include "util/err.h"
#include "util/limits.h"

int listing_print(struct store *s, const char *view, const char *col,
                  const char *value, int json, FILE *out, struct err *e);
/* The first row whose col equals value. */
int listing_show(struct store *s, const char *view, const char *col,
                 const char *value, const char *what, int json, FILE *out,
                 struct err *e);

/* *n: the rows of view whose col equals value (a listing's filter names
 * something that exists, or the command says it does not). */
int listing_count(struct store *s, const char *view, const char *col,
                  const char *value, int64_t *n, struct err *e);

/* The rows a listing would print, to fn instead of a stream (the web
 * console's tables): n printed columns, their names and values (text,
 * NULL as ""; borrowed until fn returns). max > 0: at most max rows.
 * fn answers 0 to go on, 1 to stop (listing_each then answers 0), -1
 * with e set to fail. */
typedef int (*listing_row_fn)(void *arg, int n, const char *const *names,
                              const char *const *vals, struct err *e);
int listing_each(struct store *s, const char *view, const char *col,
                 const char *value, long max, listing_row_fn fn, void *arg,
                 struct err *e);

#endif
