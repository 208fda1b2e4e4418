/* contacts - contacts: add, edit, remove. */
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

int registry_contact_add(struct store *s, const struct registry_contact *c,
                         struct err *e)
{
    if (c->address == NULL)
        return err_set(e, ERR_DATA, "a contact needs an address");
    if (registry_contact_check(c, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_contact_insert(s, c, e), e);
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
    if (registry_contact_check(c, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_contact_update(s, address, c, e), e);
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
