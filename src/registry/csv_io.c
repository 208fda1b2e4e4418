/* csv_io - contacts and organisations as CSV: export and import. */
#include "registry/registry_int.h"

#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/csv.h"

static const char *const registry_contact_cols[] = {
    "address", "name", "org", "role", "fingerprint", "active", "source",
    "confirmed", NULL};
static const char *const registry_org_cols[] = {
    "name", "kind", "country", "ngi", "source", NULL};

void registry_time_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    out[0] = '\0';
    if (t > 0 && gmtime_r(&tt, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int registry_time_parse(const char *v, int64_t *t)
{
    struct tm tm;
    const char *end;

    *t = 0;
    if (*v == '\0')
        return 0;
    memset(&tm, 0, sizeof(tm));
    end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    *t = (int64_t)timegm(&tm);
    return 0;
}

/* The rows of st (from the table's owner, columns as cols; finalized
 * here) as CSV; column 7 of contacts is a time. */
static int registry_export(struct store_stmt *st, const char *const *cols,
                           int time_col, struct buf *out, struct err *e)
{
    const char *f[CSV_FIELDS_MAX];
    char when[32];
    size_t n, i;
    int rc;

    for (n = 0; cols[n]; n++)
        ;
    if (csv_put(out, cols, n) != 0) {
        store_finalize(st);
        return err_set(e, ERR_TOOBIG, "export larger than %zu bytes",
                       out->max);
    }
    while ((rc = store_step(st, e)) == 1) {
        for (i = 0; i < n; i++)
            f[i] = store_col_text(st, (int)i);
        if (time_col >= 0) {
            registry_time_text(store_col_int(st, time_col), when);
            f[time_col] = when;
        }
        if (csv_put(out, f, n) != 0) {
            rc = err_set(e, ERR_TOOBIG, "export larger than %zu bytes",
                         out->max);
            break;
        }
    }
    store_finalize(st);
    return rc == 0 ? 0 : -1;
}

int registry_contacts_export(struct store *s, struct buf *out, struct err *e)
{
    struct store_stmt *st;

    if (registry_contacts_rows(s, &st, e) != 0)
        return -1;
    return registry_export(st, registry_contact_cols, 7, out, e);
}

int registry_orgs_export(struct store *s, struct buf *out, struct err *e)
{
    struct store_stmt *st;

    if (registry_orgs_rows(s, &st, e) != 0)
        return -1;
    return registry_export(st, registry_org_cols, -1, out, e);
}

/* A CSV being read: the text, the position, the header's column map. */
struct registry_csv {
    const char *text;
    size_t len, pos, line, at;     /* at: line the current record began */
    const char *origin;
    struct buf rec;
    const char *f[CSV_FIELDS_MAX];
    size_t n;
    int col[CSV_FIELDS_MAX];        /* our column k is field col[k], or -1 */
};

/* Prefix the error with origin:line, where the input went wrong. */
static int registry_csv_fail(struct registry_csv *c, struct err *e)
{
    char m[ERR_MSG_MAX];

    memcpy(m, e->msg, sizeof(m));
    return err_reword(e, e->code == ERR_DUP ? ERR_DUP : ERR_DATA,
                      "%.100s:%zu: %s", c->origin, c->at, m);
}

static int registry_csv_row(struct registry_csv *c, struct err *e)
{
    int rc;

    c->at = c->line + 1;
    rc = csv_next(c->text, c->len, &c->pos, &c->line, &c->rec, c->f, &c->n);
    if (rc >= 0)
        return rc;
    return err_set(e, ERR_DATA, "%.100s:%zu: %s", c->origin, c->at,
                   csv_strerror(rc));
}

static int registry_csv_header(struct registry_csv *c,
                               const char *const *cols, struct err *e)
{
    size_t i, k;
    int rc = registry_csv_row(c, e);

    if (rc <= 0)
        return rc < 0 ? -1 : err_set(e, ERR_DATA, "%.100s: empty, want a "
                                     "header line", c->origin);
    for (k = 0; cols[k]; k++)
        c->col[k] = -1;
    for (i = 0; i < c->n; i++) {
        for (k = 0; cols[k] && strcmp(cols[k], c->f[i]) != 0; k++)
            ;
        if (cols[k] == NULL || c->col[k] >= 0)
            return err_set(e, ERR_DATA, "%.100s:1: column '%.40s' unknown or "
                           "repeated", c->origin, c->f[i]);
        c->col[k] = (int)i;
    }
    if (c->col[0] < 0)
        return err_set(e, ERR_DATA, "%.100s:1: no '%s' column", c->origin,
                       cols[0]);
    return 0;
}

/* Field of our column k in the current row; NULL when the file lacks
 * that column or the row is short. */
static const char *registry_csv_get(const struct registry_csv *c, size_t k)
{
    return c->col[k] >= 0 && (size_t)c->col[k] < c->n ? c->f[c->col[k]]
                                                       : NULL;
}

static int registry_csv_open(struct registry_csv *c, const char *text,
                             size_t len, const char *origin)
{
    memset(c, 0, sizeof(*c));
    c->text = text;
    c->len = len;
    c->origin = origin;
    buf_init(&c->rec, CSV_RECORD_MAX);
    return 0;
}

static int registry_flag(const char *v, int def, int *out)
{
    if (v == NULL || *v == '\0')
        *out = def;
    else if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

static int registry_source(const char *v, const char **out, struct err *e)
{
    *out = v && *v ? v : "manual";
    if (strcmp(*out, "manual") != 0 && strcmp(*out, "imported") != 0)
        return err_set(e, ERR_DATA, "source must be manual or imported, not "
                       "'%.40s'", *out);
    return 0;
}

/* One contacts row: fields checked, then added or updated. */
static int registry_contact_row(struct store *s, struct registry_csv *c,
                                struct registry_import *r, struct err *e)
{
    const char *addr = registry_csv_get(c, 0), *org = registry_csv_get(c, 2);
    const char *name = registry_csv_get(c, 1), *role = registry_csv_get(c, 3);
    struct registry_contact_rec rec = {addr, name ? name : "",
                                       role ? role : "", NULL, NULL, 0, 0, 0};
    char fpr[80], norm[REGISTRY_TEXT_MAX + 1];
    int64_t id;
    int manual, rc;

    if (addr == NULL || registry_address(addr, e) != 0 ||
        registry_text(name, "name", e) ||
        registry_role_norm(role, norm, e) != 0 ||
        registry_fpr(registry_csv_get(c, 4), fpr, e) != 0 ||
        registry_source(registry_csv_get(c, 6), &rec.source, e) != 0)
        return addr ? -1 : err_set(e, ERR_DATA, "no address");
    rec.fingerprint = fpr;
    rec.role = norm;
    if (!registry_role_known(norm))
        r->roles_unknown++;
    if (registry_flag(registry_csv_get(c, 5), 1, &rec.active) != 0)
        return err_set(e, ERR_DATA, "active must be 1 or 0");
    if (registry_time_parse(registry_csv_get(c, 7) ? registry_csv_get(c, 7)
                                                   : "", &rec.confirmed) != 0)
        return err_set(e, ERR_DATA, "confirmed must be YYYY-MM-DDTHH:MM:SSZ");
    if (org && *org && registry_org_id(s, org, &rec.org, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO temp.import_seen(kind, name) "
                  "VALUES('contact', ?)", "t", addr) < 0)
        return e->code == ERR_DUP ? err_reword(e, ERR_DUP, "contact %s "
                                               "appears twice", addr) : -1;
    rc = registry_contact_lookup(s, addr, &id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1)
        r->updated++;
    else
        r->added++;
    return registry_contact_csv(s, rc == 1 ? id : 0, &rec, e);
}

static int registry_csv_rows(struct store *s, struct registry_csv *c,
                             const char *const *cols,
                             int (*row)(struct store *, struct registry_csv *,
                                        struct registry_import *,
                                        struct err *),
                             struct registry_import *r, struct err *e)
{
    int rc;

    if (registry_csv_header(c, cols, e) != 0)
        return -1;
    while ((rc = registry_csv_row(c, e)) == 1) {
        r->read++;
        if (row(s, c, r, e) != 0)
            return registry_csv_fail(c, e);
    }
    return rc;
}

static int registry_import_csv(struct store *s, const char *text, size_t len,
                               const char *origin, const char *const *cols,
                               int (*row)(struct store *,
                                          struct registry_csv *,
                                          struct registry_import *,
                                          struct err *),
                               int (*after)(struct store *,
                                            struct registry_csv *,
                                            struct err *),
                               struct registry_import *r, struct err *e)
{
    struct registry_csv c;
    int rc;

    if (registry_import_start(s, r, e) != 0)
        return -1;
    registry_csv_open(&c, text, len, origin);
    rc = registry_csv_rows(s, &c, cols, row, r, e);
    if (rc == 0 && after) {
        buf_free(&c.rec);
        registry_csv_open(&c, text, len, origin);
        rc = after(s, &c, e);
    }
    buf_free(&c.rec);
    return registry_import_end(s, r, rc, e);
}

int registry_contacts_import(struct store *s, const char *text, size_t len,
                             const char *origin, struct registry_import *r,
                             struct err *e)
{
    return registry_import_csv(s, text, len, origin, registry_contact_cols,
                               registry_contact_row, NULL, r, e);
}

static int registry_org_row(struct store *s, struct registry_csv *c,
                            struct registry_import *r, struct err *e)
{
    const char *name = registry_csv_get(c, 0), *kind = registry_csv_get(c, 1);
    const char *country = registry_csv_get(c, 2), *src;
    int64_t id;
    int manual, rc;

    if (registry_name(name, "organisation", e) != 0 ||
        registry_kind(kind ? kind : "", 0, e) != 0 ||
        registry_text(country, "country", e) != 0 ||
        registry_source(registry_csv_get(c, 4), &src, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO temp.import_seen(kind, name) "
                  "VALUES('org', ?)", "t", name) < 0)
        return e->code == ERR_DUP ? err_reword(e, ERR_DUP, "organisation %s "
                                               "appears twice", name) : -1;
    rc = registry_org_lookup(s, name, &id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1)
        r->updated++;
    else
        r->added++;
    return registry_org_csv(s, rc == 1 ? id : 0, name, kind,
                            country ? country : "", src, e);
}

/* Second pass: NGIs, once every organisation of the file exists. */
static int registry_org_ngis(struct store *s, struct registry_csv *c,
                             struct err *e)
{
    const char *ngi;
    int64_t nid;
    int rc;

    if (registry_csv_header(c, registry_org_cols, e) != 0)
        return -1;
    while ((rc = registry_csv_row(c, e)) == 1) {
        ngi = registry_csv_get(c, 3);
        if (ngi == NULL)
            continue;
        if (registry_ngi_id(s, ngi, &nid, e) != 0 ||
            registry_org_set_ngi(s, registry_csv_get(c, 0), nid, e) != 0)
            return registry_csv_fail(c, e);
    }
    return rc;
}

int registry_orgs_import(struct store *s, const char *text, size_t len,
                         const char *origin, struct registry_import *r,
                         struct err *e)
{
    return registry_import_csv(s, text, len, origin, registry_org_cols,
                               registry_org_row, registry_org_ngis, r, e);
}
