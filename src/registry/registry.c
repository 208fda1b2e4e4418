/*
 * registry - the checks and the table-blind helpers the registry's files
 * share (registry_int.h), and the two registry.h exports: addresses and
 * fingerprints. Each table's SQL is in the one file that owns it: orgs.c,
 * contacts.c, lists.c (members, rules), dists.c (and their lists),
 * officers.c, sites_db.c (identifiers, keep-list); a statement joining
 * several is with the owner of the table it is about. sites_import.c and
 * csv_io.c bring rows in, csv_io.c and print.c take them out, and
 * coverage.c reports what an alert would miss, all through the owners'
 * verbs.
 */
#include "registry/registry_int.h"

#include <ctype.h>
#include <string.h>

#include "util/text.h"

static const char *const registry_kinds[] = {"ngi", "nren", "isp", "csirt",
                                             "site", NULL};

int registry_valid_address(const char *addr)
{
    return text_addr_ok(addr, REGISTRY_ADDR_MAX);
}

int registry_norm_fpr(const char *in, char *out, size_t outsz)
{
    size_t n = 0;

    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ' ')
            continue;
        if (!isxdigit(c) || n + 1 >= outsz)
            return -1;
        out[n++] = (char)toupper(c);
    }
    out[n] = '\0';
    return n == 40 || n == 64 ? 0 : -1;
}

/* A write wrapped in its own transaction: bad input changes nothing. */
int registry_end(struct store *s, int rc, struct err *e)
{
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
}

int registry_import_end(struct store *s, const struct registry_import *r,
                        int rc, struct err *e)
{
    if (rc >= 0 && r->dry_run) {
        store_rollback(s);
        return 0;
    }
    return registry_end(s, rc, e);
}

static const char *const registry_roles[] = {"security officer", "csirt",
                                             "abuse", "noc", "admin", "",
                                             NULL};

int registry_role_norm(const char *role, char *out, struct err *e)
{
    size_t n = 0;
    int space = 0;

    out[0] = '\0';
    if (role == NULL)
        return 0;
    if (registry_text(role, "role", e) != 0)
        return -1;
    for (; *role; role++) {
        unsigned char c = (unsigned char)*role;

        if (c == ' ' || c == '\t') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[n] = '\0';
    return 0;
}

int registry_role_known(const char *role)
{
    char norm[REGISTRY_TEXT_MAX + 1];
    struct err e;

    err_init(&e);
    return registry_role_norm(role, norm, &e) == 0 &&
           registry_one_of(norm, registry_roles);
}

int registry_one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

/* Free text kept in the registry: bounded, no control bytes (it reaches
 * terminals, CSV files and JSON). */
int registry_text(const char *v, const char *what, struct err *e)
{
    const unsigned char *p;

    if (v == NULL)
        return 0;
    if (strlen(v) > REGISTRY_TEXT_MAX)
        return err_set(e, ERR_DATA, "%s longer than %d bytes", what,
                       REGISTRY_TEXT_MAX);
    for (p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return err_set(e, ERR_DATA, "%s holds a control character",
                           what);
    return 0;
}

int registry_name(const char *v, const char *what, struct err *e)
{
    if (*v == '\0' || strlen(v) > REGISTRY_NAME_MAX)
        return err_set(e, ERR_DATA, "%s name must be 1 to %d bytes", what,
                       REGISTRY_NAME_MAX);
    return registry_text(v, what, e);
}

int registry_kind(const char *kind, int empty_ok, struct err *e)
{
    if ((empty_ok && *kind == '\0') || registry_one_of(kind, registry_kinds))
        return 0;
    return err_set(e, ERR_DATA, "organisation kind '%.40s' is not one of "
                   "ngi, nren, isp, csirt, site", kind);
}

int registry_address(const char *a, struct err *e)
{
    if (registry_valid_address(a))
        return 0;
    return err_set(e, ERR_DATA, "'%.*s' is not a valid e-mail address", 300,
                   a);
}

/* Id of the row of table whose col is v; ERR_DATA naming what when none. */
int registry_id(struct store *s, const char *sql, const char *v,
                const char *what, int64_t *id, struct err *e)
{
    int rc = store_get_int(s, e, id, sql, "t", v);

    if (rc == 0)
        return err_set(e, ERR_DATA, "no %s '%.200s'", what, v);
    return rc < 0 ? -1 : 0;
}

/* Id and source of a row by its name (sql: ?1 the name, columns id and
 * source): 1 found, 0 none, -1 error. */
int registry_row(struct store *s, const char *sql, const char *name,
                 int64_t *id, int *manual, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    store_bind_text(st, 1, name);
    rc = store_step(st, e);
    if (rc == 1) {
        *id = store_col_int(st, 0);
        *manual = strcmp(store_col_text(st, 1), "manual") == 0;
    }
    store_finalize(st);
    return rc;
}

/* One column of one row; table and col are literals of this file. */
int registry_set(struct store *s, const char *table, const char *col,
                 int64_t id, const char *v, struct err *e)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "UPDATE %s SET %s=? WHERE id=?", table, col);
    return store_run(s, e, sql, "ti", v, id) < 0 ? -1 : 0;
}

int registry_set_int(struct store *s, const char *table,
                     const char *col, int64_t id, int64_t v,
                     struct err *e)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "UPDATE %s SET %s=? WHERE id=?", table, col);
    return store_run(s, e, sql, "ii", v, id) < 0 ? -1 : 0;
}
