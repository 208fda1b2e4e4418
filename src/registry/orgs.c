/* orgs - organisations: add, edit, remove; the rows that the imports
 * and the export read and write. */
#include "registry/registry_int.h"

int registry_org_id(struct store *s, const char *name, int64_t *id,
                    struct err *e)
{
    return registry_id(s, "SELECT id FROM orgs WHERE name=?", name,
                       "organisation", id, e);
}

/* An organisation that must be an NGI (a site's NGI); "" → 0 (none). */
int registry_ngi_id(struct store *s, const char *ngi, int64_t *id,
                    struct err *e)
{
    int64_t ok;

    *id = 0;
    if (ngi == NULL || *ngi == '\0')
        return 0;
    if (registry_org_id(s, ngi, id, e) != 0)
        return -1;
    if (store_get_int(s, e, &ok, "SELECT kind='ngi' FROM orgs WHERE id=?",
                      "i", *id) != 1)
        return -1;
    return ok ? 0 : err_set(e, ERR_DATA, "organisation '%.200s' is not an "
                            "NGI", ngi);
}

int registry_org_lookup(struct store *s, const char *name, int64_t *id,
                        int *manual, struct err *e)
{
    return registry_row(s, "SELECT id, source FROM orgs WHERE name=?", name,
                        id, manual, e);
}

int registry_org_differs(struct store *s, int64_t id, const char *kind,
                         const char *country, int64_t ngi, struct err *e)
{
    int64_t n = 0;

    if (store_get_int(s, e, &n, "SELECT count(*) FROM orgs WHERE id=?1 AND "
                      "(kind <> ?2 OR (?3 <> '' AND country <> ?3) OR "
                      "(?4 <> 0 AND coalesce(ngi_id, 0) <> ?4))", "itti", id,
                      kind, country, ngi) < 0)
        return -1;
    return n > 0;
}

static int registry_org_check(const struct registry_org *o, int add,
                              struct err *e)
{
    if (o->name && registry_name(o->name, "organisation", e) != 0)
        return -1;
    if ((add || o->kind) && registry_kind(o->kind ? o->kind : "", 0, e) != 0)
        return -1;
    return registry_text(o->country, "country", e);
}

int registry_org_add(struct store *s, const struct registry_org *o,
                     struct err *e)
{
    int64_t ngi;
    int rc;

    if (o->name == NULL || registry_org_check(o, 1, e) != 0)
        return o->name ? -1 : err_set(e, ERR_DATA, "organisation needs a "
                                      "name");
    if (store_begin(s, e) != 0)
        return -1;
    rc = registry_ngi_id(s, o->ngi, &ngi, e);
    if (rc == 0)
        rc = store_run(s, e, "INSERT INTO orgs(name, kind, country, ngi_id) "
                       "VALUES(?,?,?,NULLIF(?,0))", "ttti", o->name, o->kind,
                       o->country ? o->country : "", ngi);
    if (rc < 0 && e->code == ERR_DUP)
        err_reword(e, ERR_DUP, "organisation '%s' already exists", o->name);
    return registry_end(s, rc, e);
}

static int registry_org_update(struct store *s, const char *name,
                               const struct registry_org *o, struct err *e)
{
    int64_t id, ngi;

    if (registry_org_id(s, name, &id, e) != 0)
        return -1;
    if (o->ngi) {
        if (registry_ngi_id(s, o->ngi, &ngi, e) != 0)
            return -1;
        if (ngi == id)
            return err_set(e, ERR_DATA, "an organisation cannot be its own "
                           "NGI");
        if (store_run(s, e, "UPDATE orgs SET ngi_id=NULLIF(?,0) WHERE id=?",
                      "ii", ngi, id) < 0)
            return -1;
    }
    if ((o->kind && registry_set(s, "orgs", "kind", id, o->kind, e) != 0) ||
        (o->country &&
         registry_set(s, "orgs", "country", id, o->country, e) != 0) ||
        registry_set(s, "orgs", "source", id, "manual", e) != 0)
        return -1;
    if (o->name && registry_set(s, "orgs", "name", id, o->name, e) != 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "organisation '%s' already exists",
                       o->name);
        return -1;
    }
    return 0;
}

int registry_org_edit(struct store *s, const char *name,
                      const struct registry_org *o, struct err *e)
{
    if (registry_org_check(o, 0, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_org_update(s, name, o, e), e);
}

static int registry_org_delete(struct store *s, const char *name,
                               struct err *e)
{
    int64_t id, n;

    if (registry_org_id(s, name, &id, e) != 0 ||
        registry_contacts_in_org(s, id, &n, e) != 0)
        return -1;
    if (n > 0)
        return err_set(e, ERR_DATA, "organisation '%s' still has %lld "
                       "contact(s): move or remove them first", name,
                       (long long)n);
    return store_run(s, e, "DELETE FROM orgs WHERE id=?", "i", id) < 0 ? -1
                                                                      : 0;
}

int registry_org_rm(struct store *s, const char *name, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_org_delete(s, name, e), e);
}

int registry_org_csv(struct store *s, int64_t id, const char *name,
                     const char *kind, const char *country, const char *src,
                     struct err *e)
{
    if (id != 0)
        return store_run(s, e, "UPDATE orgs SET name=?, kind=?, country=?, "
                         "source=? WHERE id=?", "tttti", name, kind, country,
                         src, id) < 0 ? -1 : 0;
    return store_run(s, e, "INSERT INTO orgs(name, kind, country, source, "
                     "origin) VALUES(?,?,?,?,'csv')", "tttt", name, kind,
                     country, src) < 0 ? -1 : 0;
}

int registry_org_set_ngi(struct store *s, const char *name, int64_t ngi,
                         struct err *e)
{
    return store_run(s, e, "UPDATE orgs SET ngi_id=NULLIF(?,0) WHERE name=?",
                     "it", ngi, name) < 0 ? -1 : 0;
}

/* An update keeps what GOCDB leaves empty (country, NGI). */
int registry_org_gocdb(struct store *s, int64_t *id, const char *name,
                       const char *kind, const char *country, int64_t ngi,
                       struct err *e)
{
    if (*id != 0)
        return store_run(s, e, "UPDATE orgs SET kind=?, country=CASE ? WHEN "
                         "'' THEN country ELSE ?2 END, ngi_id=coalesce("
                         "NULLIF(?,0), ngi_id), origin='gocdb' WHERE id=?",
                         "ttii", kind, country, ngi, *id) < 0 ? -1 : 0;
    if (store_run(s, e, "INSERT INTO orgs(name, kind, country, ngi_id, "
                  "source, origin) VALUES(?,?,?,NULLIF(?,0),'imported',"
                  "'gocdb')", "ttti", name, kind, country, ngi) < 0)
        return -1;
    *id = store_last_id(s);
    return 0;
}

int registry_orgs_rows(struct store *s, struct store_stmt **st,
                       struct err *e)
{
    return store_prepare(s, "SELECT o.name, o.kind, o.country, "
                         "coalesce(n.name, ''), o.source FROM orgs o LEFT "
                         "JOIN orgs n ON n.id = o.ngi_id ORDER BY o.name",
                         st, e);
}

int registry_orgs_unseen(struct store *s, const char *origin,
                         struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT name FROM orgs WHERE origin=? AND "
                      "source='imported' AND name NOT IN (SELECT name FROM "
                      "temp.import_seen WHERE kind='org') ORDER BY 1", st,
                      e) != 0)
        return -1;
    store_bind_text(*st, 1, origin);
    return 0;
}
