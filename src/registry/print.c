/* print - query results as a table or JSON. */
#include "registry/registry_int.h"

#include <stdio.h>

static void registry_json_string(FILE *out, const char *v)
{
    const unsigned char *p;

    fputc('"', out);
    for (p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A column's value as JSON: numbers as numbers, the rest as strings. */
static void registry_json_value(FILE *out, struct store_stmt *st, int i)
{
    if (store_col_is_number(st, i))
        fputs(store_col_text(st, i), out);
    else
        registry_json_string(out, store_col_text(st, i));
}

/* Table cells: tabs and line breaks would break the columns. */
static void registry_cell(FILE *out, const char *v)
{
    const unsigned char *p;

    for (p = (const unsigned char *)v; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
}

static void registry_print_row(struct store_stmt *st, int json, int first,
                               FILE *out)
{
    int i, n = store_col_count(st);

    if (json)
        fputs(first ? "[\n  {" : ",\n  {", out);
    for (i = 0; i < n; i++) {
        if (json) {
            fputs(i ? ", " : "", out);
            registry_json_string(out, store_col_name(st, i));
            fputs(": ", out);
            registry_json_value(out, st, i);
        } else {
            fputs(i ? "\t" : "", out);
            registry_cell(out, store_col_text(st, i));
        }
    }
    fputs(json ? "}" : "\n", out);
}

int registry_print(struct store *s, const char *sql, const char *arg,
                   int json, FILE *out, struct err *e)
{
    struct store_stmt *st;
    int rc, i, rows = 0;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    if (arg)
        store_bind_text(st, 1, arg);
    while ((rc = store_step(st, e)) == 1) {
        if (!json && rows == 0)
            for (i = 0; i < store_col_count(st); i++)
                fprintf(out, "%s%s", i ? "\t" : "", store_col_name(st, i));
        if (!json && rows == 0)
            fputc('\n', out);
        registry_print_row(st, json, rows == 0, out);
        rows++;
    }
    if (json)
        fputs(rows ? "\n]\n" : "[]\n", out);
    store_finalize(st);
    return rc == 0 ? 0 : -1;
}

int registry_show(struct store *s, const char *sql, const char *arg,
                  const char *what, int json, FILE *out, struct err *e)
{
    struct store_stmt *st;
    int rc, i;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    store_bind_text(st, 1, arg);
    rc = store_step(st, e);
    if (rc == 0)
        err_set(e, ERR_DATA, "no %s '%.200s'", what, arg);
    if (rc == 1) {
        fputs(json ? "{" : "", out);
        for (i = 0; i < store_col_count(st); i++) {
            if (json) {
                fputs(i ? ",\n  " : "\n  ", out);
                registry_json_string(out, store_col_name(st, i));
                fputs(": ", out);
                registry_json_value(out, st, i);
            } else {
                fprintf(out, "%s: ", store_col_name(st, i));
                registry_cell(out, store_col_text(st, i));
                fputc('\n', out);
            }
        }
        fputs(json ? "\n}\n" : "", out);
    }
    store_finalize(st);
    return rc == 1 ? 0 : -1;
}
