/* contacts - contacts: add, edit, remove, pin a key; the rows that the
 * imports and the export read and write. */
#include "registry/registry_int.h"

#include <time.h>

int registry_fpr(const char *in, char out[80], struct err *e)
{
    out[0] = '\0';
    if (in == NULL || *in == '\0')
        return 0;
    if (registry_norm_fpr(in, out, 80) != 0)
        return err_set(e, ERR_DATA, "'%.100s' is not an OpenPGP fingerprint",
                       in);
    return 0;
}

int registry_contact_id(struct store *s, const char *addr, int64_t *id,
                        struct err *e)
{
    return registry_id(s, "SELECT id FROM contacts WHERE address=?", addr,
                       "contact", id, e);
}

int registry_contact_lookup(struct store *s, const char *addr, int64_t *id,
                            int *manual, struct err *e)
{
    return registry_row(s, "SELECT id, source FROM contacts WHERE address=?",
                        addr, id, manual, e);
}

int registry_contacts_in_org(struct store *s, int64_t org, int64_t *n,
                             struct err *e)
{
    return store_get_int(s, e, n, "SELECT count(*) FROM contacts WHERE "
                         "org_id=?", "i", org) < 0 ? -1 : 0;
}

static int registry_contact_check(const struct registry_contact *c,
                                  struct err *e)
{
    if (c->address && registry_address(c->address, e) != 0)
        return -1;
    return registry_text(c->name, "name", e) != 0 ||
                   registry_text(c->role, "role", e) != 0 ? -1 : 0;
}

static int registry_contact_insert(struct store *s,
                                   const struct registry_contact *c,
                                   struct err *e)
{
    char fpr[80];
    int64_t org = 0;

    if (registry_fpr(c->fingerprint, fpr, e) != 0)
        return -1;
    if (c->org && *c->org && registry_org_id(s, c->org, &org, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO contacts(address, name, org_id, "
                  "fingerprint, active, role, confirmed, created) "
                  "VALUES(?,?,NULLIF(?,0),?,?,?,?,?)", "ttititii",
                  c->address, c->name ? c->name : "", org, fpr,
                  (int64_t)(c->active >= 0), c->role ? c->role : "",
                  c->confirmed, (int64_t)time(NULL)) < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "contact %s already exists", c->address);
        return -1;
    }
    return 0;
}

/* c with its role in the stored spelling (registry_role_norm) in *out,
 * role the buffer (REGISTRY_TEXT_MAX + 1 bytes) that holds it. */
static int registry_contact_norm(const struct registry_contact *c,
                                 struct registry_contact *out, char *role,
                                 struct err *e)
{
    *out = *c;
    if (registry_contact_check(c, e) != 0 ||
        registry_role_norm(c->role, role, e) != 0)
        return -1;
    if (c->role)
        out->role = role;
    return 0;
}

int registry_contact_add(struct store *s, const struct registry_contact *c,
                         struct err *e)
{
    char role[REGISTRY_TEXT_MAX + 1];
    struct registry_contact n;

    if (c->address == NULL)
        return err_set(e, ERR_DATA, "a contact needs an address");
    if (registry_contact_norm(c, &n, role, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_contact_insert(s, &n, e), e);
}

static int registry_contact_update(struct store *s, const char *address,
                                   const struct registry_contact *c,
                                   struct err *e)
{
    char fpr[80];
    int64_t id, org = 0;

    if (registry_contact_id(s, address, &id, e) != 0)
        return -1;
    if (c->org && *c->org && registry_org_id(s, c->org, &org, e) != 0)
        return -1;
    if (c->org && store_run(s, e, "UPDATE contacts SET org_id=NULLIF(?,0) "
                            "WHERE id=?", "ii", org, id) < 0)
        return -1;
    if (c->fingerprint && (registry_fpr(c->fingerprint, fpr, e) != 0 ||
                           registry_set(s, "contacts", "fingerprint", id, fpr,
                                        e) != 0))
        return -1;
    if ((c->name && registry_set(s, "contacts", "name", id, c->name, e)) ||
        (c->role && registry_set(s, "contacts", "role", id, c->role, e)) ||
        (c->active != 0 &&
         registry_set_int(s, "contacts", "active", id, c->active > 0, e)) ||
        (c->confirmed &&
         registry_set_int(s, "contacts", "confirmed", id, c->confirmed, e)) ||
        registry_set(s, "contacts", "source", id, "manual", e))
        return -1;
    if (c->address &&
        registry_set(s, "contacts", "address", id, c->address, e) != 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "contact %s already exists", c->address);
        return -1;
    }
    return 0;
}

int registry_contact_edit(struct store *s, const char *address,
                          const struct registry_contact *c, struct err *e)
{
    char role[REGISTRY_TEXT_MAX + 1];
    struct registry_contact n;

    if (registry_contact_norm(c, &n, role, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_contact_update(s, address, &n, e), e);
}

int registry_contact_rm(struct store *s, const char *address, struct err *e)
{
    int rc;

    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM contacts WHERE address=?", "t", address);
    if (rc == 0)
        rc = err_set(e, ERR_DATA, "no contact '%.200s'", address);
    return registry_end(s, rc, e);
}

int registry_contact_known(struct store *s, const char *address,
                           struct err *e)
{
    int64_t n = 0;

    if (store_get_int(s, e, &n, "SELECT count(*) FROM contacts WHERE "
                      "address=?", "t", address) < 0)
        return -1;
    return n > 0;
}

int registry_contact_org(struct store *s, const char *address,
                         int64_t *org, char *fpr, size_t fsize,
                         struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT org_id, fingerprint FROM contacts WHERE "
                      "address = ? AND active = 1 AND org_id IS NOT NULL",
                      &st, e) != 0)
        return -1;
    store_bind_text(st, 1, address);
    rc = store_step(st, e);
    if (rc == 1) {
        *org = store_col_int(st, 0);
        snprintf(fpr, fsize, "%s", store_col_text(st, 1));
    }
    store_finalize(st);
    return rc;
}

int registry_contact_pin(struct store *s, const char *address,
                         const char *fpr, struct err *e)
{
    int n = store_run(s, e, "UPDATE contacts SET fingerprint=? WHERE "
                      "address=?", "tt", fpr, address);

    return n < 0 ? -1 : n > 0;
}

int registry_contact_csv(struct store *s, int64_t id,
                         const struct registry_contact_rec *c, struct err *e)
{
    if (id == 0)
        return store_run(s, e, "INSERT INTO contacts(address, name, org_id, "
                         "role, fingerprint, active, source, confirmed, "
                         "origin, created) VALUES(?,?,NULLIF(?,0),?,?,?,?,?,"
                         "'csv',?)", "ttittitii", c->address, c->name, c->org,
                         c->role, c->fingerprint, (int64_t)c->active,
                         c->source, c->confirmed,
                         (int64_t)time(NULL)) < 0 ? -1 : 0;
    return store_run(s, e, "UPDATE contacts SET address=?, name=?, "
                     "org_id=NULLIF(?,0), role=?, fingerprint=?, active=?, "
                     "source=?, confirmed=? WHERE id=?", "ttittitii",
                     c->address, c->name, c->org, c->role, c->fingerprint,
                     (int64_t)c->active, c->source, c->confirmed,
                     id) < 0 ? -1 : 0;
}

int registry_contact_gocdb(struct store *s, int64_t id, const char *addr,
                           int64_t org, const char *role_in, struct err *e)
{
    char role[REGISTRY_TEXT_MAX + 1];

    if (registry_role_norm(role_in, role, e) != 0)
        return -1;
    if (id != 0)
        return store_run(s, e, "UPDATE contacts SET org_id=NULLIF(?,0), "
                         "role=?, origin='gocdb' WHERE id=?", "iti", org,
                         role, id) < 0 ? -1 : 0;
    return store_run(s, e, "INSERT INTO contacts(address, org_id, role, "
                     "source, origin, created) VALUES(?, NULLIF(?,0), "
                     "?, 'imported', 'gocdb', ?)", "titi", addr, org, role,
                     (int64_t)time(NULL)) < 0 ? -1 : 0;
}

int registry_contacts_rows(struct store *s, struct store_stmt **st,
                           struct err *e)
{
    return store_prepare(s, "SELECT c.address, c.name, coalesce(o.name, "
                         "''), c.role, c.fingerprint, c.active, c.source, "
                         "c.confirmed FROM contacts c LEFT JOIN orgs o ON "
                         "o.id = c.org_id ORDER BY c.address", st, e);
}

int registry_contacts_unseen(struct store *s, const char *origin,
                             struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT address FROM contacts WHERE origin=? AND "
                      "source='imported' AND address NOT IN (SELECT name "
                      "FROM temp.import_seen WHERE kind='contact') ORDER BY "
                      "1", st, e) != 0)
        return -1;
    store_bind_text(*st, 1, origin);
    return 0;
}
