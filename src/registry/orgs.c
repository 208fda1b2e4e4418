/* orgs - organisations: add, edit, remove. */
#include "registry/registry_int.h"

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
