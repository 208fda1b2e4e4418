#include "registry/registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/csv.h"
#include "util/items.h"

static const char *const registry_kinds[] = {"ngi", "nren", "isp", "csirt",
                                             "site", NULL};

int registry_valid_address(const char *addr)
{
    const char *at = strchr(addr, '@');
    size_t n = strlen(addr);
    const unsigned char *p;

    if (n == 0 || n > REGISTRY_ADDR_MAX || at == NULL || at == addr ||
        at[1] == '\0' || strchr(at + 1, '@') != NULL ||
        strchr(at, '.') == NULL)
        return 0;
    for (p = (const unsigned char *)addr; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[],;:\\\"", *p))
            return 0;
    return 1;
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
static int registry_end(struct store *s, int rc, struct err *e)
{
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
}

static int registry_one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

/* Free text kept in the registry: bounded, no control bytes (it reaches
 * terminals, CSV files and JSON). */
static int registry_text(const char *v, const char *what, struct err *e)
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

static int registry_name(const char *v, const char *what, struct err *e)
{
    if (*v == '\0' || strlen(v) > REGISTRY_NAME_MAX)
        return err_set(e, ERR_DATA, "%s name must be 1 to %d bytes", what,
                       REGISTRY_NAME_MAX);
    return registry_text(v, what, e);
}

static int registry_kind(const char *kind, int empty_ok, struct err *e)
{
    if ((empty_ok && *kind == '\0') || registry_one_of(kind, registry_kinds))
        return 0;
    return err_set(e, ERR_DATA, "organisation kind '%.40s' is not one of "
                   "ngi, nren, isp, csirt, site", kind);
}

static int registry_address(const char *a, struct err *e)
{
    if (registry_valid_address(a))
        return 0;
    return err_set(e, ERR_DATA, "'%.*s' is not a valid e-mail address", 300,
                   a);
}

/* Id of the row of table whose col is v; ERR_DATA naming what when none. */
static int registry_id(struct store *s, const char *sql, const char *v,
                       const char *what, int64_t *id, struct err *e)
{
    int rc = store_get_int(s, e, id, sql, "t", v);

    if (rc == 0)
        return err_set(e, ERR_DATA, "no %s '%.200s'", what, v);
    return rc < 0 ? -1 : 0;
}

static int registry_org_id(struct store *s, const char *name, int64_t *id,
                           struct err *e)
{
    return registry_id(s, "SELECT id FROM orgs WHERE name=?", name,
                       "organisation", id, e);
}

static int registry_list_id(struct store *s, const char *name, int64_t *id,
                            struct err *e)
{
    return registry_id(s, "SELECT id FROM lists WHERE name=?", name, "list",
                       id, e);
}

static int registry_contact_id(struct store *s, const char *addr, int64_t *id,
                               struct err *e)
{
    return registry_id(s, "SELECT id FROM contacts WHERE address=?", addr,
                       "contact", id, e);
}

/* An organisation that must be an NGI (a site's NGI); "" → 0 (none). */
static int registry_ngi_id(struct store *s, const char *ngi, int64_t *id,
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

/* One column of one row; table and col are literals of this file. */
static int registry_set(struct store *s, const char *table, const char *col,
                        int64_t id, const char *v, struct err *e)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "UPDATE %s SET %s=? WHERE id=?", table, col);
    return store_run(s, e, sql, "ti", v, id) < 0 ? -1 : 0;
}

static int registry_set_int(struct store *s, const char *table,
                            const char *col, int64_t id, int64_t v,
                            struct err *e)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "UPDATE %s SET %s=? WHERE id=?", table, col);
    return store_run(s, e, sql, "ii", v, id) < 0 ? -1 : 0;
}

/* ---- organisations ---- */

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
        store_get_int(s, e, &n, "SELECT count(*) FROM contacts WHERE "
                      "org_id=?", "i", id) < 0)
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

/* ---- contacts ---- */

static int registry_fpr(const char *in, char out[80], struct err *e)
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

/* ---- lists, memberships, rules ---- */

static int registry_kinds_list(const char *v, struct err *e)
{
    char one[16];
    const char *p = v, *q;
    size_t n;

    for (; *p; p = *q ? q + 1 : q) {
        q = p + strcspn(p, ",");
        n = (size_t)(q - p);
        if (n == 0 || n >= sizeof(one))
            return err_set(e, ERR_DATA, "audience kinds '%.80s': a "
                           "comma-separated list of ngi, nren, isp, csirt, "
                           "site", v);
        memcpy(one, p, n);
        one[n] = '\0';
        if (registry_kind(one, 0, e) != 0)
            return -1;
    }
    return 0;
}

static int registry_list_check(const struct registry_list *l, struct err *e)
{
    static const char *const att[] = {"keep", "drop", "refuse", NULL};
    static const char *const enc[] = {"never", "if-key", "always", NULL};
    const char *p;

    if (l->name && registry_name(l->name, "list", e) != 0)
        return -1;
    for (p = l->name ? l->name : ""; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return err_set(e, ERR_DATA, "list name '%s': use letters, digits,"
                           " '.', '_' and '-'", l->name);
    if (l->address && registry_address(l->address, e) != 0)
        return -1;
    if (l->attachments && !registry_one_of(l->attachments, att))
        return err_set(e, ERR_DATA, "attachments must be keep, drop or "
                       "refuse, not '%.40s'", l->attachments);
    if (l->encrypt && !registry_one_of(l->encrypt, enc))
        return err_set(e, ERR_DATA, "encrypt must be never, if-key or always, "
                       "not '%.40s'", l->encrypt);
    if (l->audience_kinds && registry_kinds_list(l->audience_kinds, e) != 0)
        return -1;
    return registry_text(l->audience, "audience", e);
}

int registry_list_add(struct store *s, const struct registry_list *l,
                      struct err *e)
{
    int rc;

    if (l->name == NULL || l->address == NULL || l->template_name == NULL)
        return err_set(e, ERR_DATA, "a list needs a name, an address and a "
                       "template");
    if (registry_list_check(l, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "INSERT INTO lists(name, address, audience, "
                   "anonymise, template, attachments, encrypt, "
                   "audience_kinds) VALUES(?,?,?,?,?,?,?,?)", "tttitttt",
                   l->name, l->address, l->audience ? l->audience : "",
                   (int64_t)(l->anonymise != 0), l->template_name,
                   l->attachments ? l->attachments : "drop",
                   l->encrypt ? l->encrypt : "never",
                   l->audience_kinds ? l->audience_kinds : "");
    if (rc < 0 && e->code == ERR_DUP)
        err_reword(e, ERR_DUP, "a list named %s or with address %s exists",
                   l->name, l->address);
    return registry_end(s, rc, e);
}

static int registry_list_update(struct store *s, const char *name,
                                const struct registry_list *l, struct err *e)
{
    static const char *const cols[] = {"audience", "template", "attachments",
                                       "encrypt", "audience_kinds"};
    const char *vals[] = {l->audience, l->template_name, l->attachments,
                          l->encrypt, l->audience_kinds};
    int64_t id;
    size_t i;

    if (registry_list_id(s, name, &id, e) != 0)
        return -1;
    for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (vals[i] && registry_set(s, "lists", cols[i], id, vals[i], e))
            return -1;
    if (l->anonymise >= 0 &&
        registry_set_int(s, "lists", "anonymise", id, l->anonymise != 0, e))
        return -1;
    if ((l->address && registry_set(s, "lists", "address", id, l->address,
                                    e)) ||
        (l->name && registry_set(s, "lists", "name", id, l->name, e))) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "another list has that name or address");
        return -1;
    }
    return 0;
}

int registry_list_edit(struct store *s, const char *name,
                       const struct registry_list *l, struct err *e)
{
    if (registry_list_check(l, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_list_update(s, name, l, e), e);
}

static int registry_list_delete(struct store *s, const char *name,
                                struct err *e)
{
    int64_t id, n;

    if (registry_list_id(s, name, &id, e) != 0 ||
        store_get_int(s, e, &n, "SELECT count(*) FROM copies WHERE "
                      "list_id=?", "i", id) < 0)
        return -1;
    if (n > 0)
        return err_set(e, ERR_DATA, "list %s has %lld cop%s of alerts on "
                       "record and cannot be removed (remove its members "
                       "and distributions instead)", name, (long long)n,
                       n == 1 ? "y" : "ies");
    return store_run(s, e, "DELETE FROM lists WHERE id=?", "i", id) < 0 ? -1
                                                                       : 0;
}

int registry_list_rm(struct store *s, const char *name, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_list_delete(s, name, e), e);
}

static int registry_member_insert(struct store *s, const char *list,
                                  const char *address, struct err *e)
{
    int64_t lid, cid;

    if (registry_list_id(s, list, &lid, e) != 0 ||
        registry_contact_id(s, address, &cid, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO members(list_id, contact_id) "
                  "VALUES(?,?)", "ii", lid, cid) < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "%s is already a member of %s", address,
                       list);
        return -1;
    }
    return 0;
}

int registry_member_add(struct store *s, const char *list,
                        const char *address, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_member_insert(s, list, address, e), e);
}

static int registry_member_delete(struct store *s, const char *list,
                                  const char *address, struct err *e)
{
    int64_t lid, cid;
    int rc;

    if (registry_list_id(s, list, &lid, e) != 0 ||
        registry_contact_id(s, address, &cid, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM members WHERE list_id=? AND "
                   "contact_id=?", "ii", lid, cid);
    if (rc == 0)
        return err_set(e, ERR_DATA, "%s is not a member of %s", address,
                       list);
    return rc < 0 ? -1 : 0;
}

int registry_member_rm(struct store *s, const char *list,
                       const char *address, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_member_delete(s, list, address, e), e);
}

static int registry_rule(struct store *s, const char *list, const char *kind,
                         const char *role, int add, struct err *e)
{
    int64_t lid;
    int rc;

    if (registry_list_id(s, list, &lid, e) != 0)
        return -1;
    if (add)
        rc = store_run(s, e, "INSERT INTO member_rules(list_id, org_kind, "
                       "role) VALUES(?,?,?)", "itt", lid, kind, role);
    else
        rc = store_run(s, e, "DELETE FROM member_rules WHERE list_id=? AND "
                       "org_kind=? AND role=?", "itt", lid, kind, role);
    if (rc < 0 && e->code == ERR_DUP)
        return err_reword(e, ERR_DUP, "list %s already has that rule", list);
    if (rc == 0 && !add)
        return err_set(e, ERR_DATA, "list %s has no such rule", list);
    return rc < 0 ? -1 : 0;
}

static int registry_rule_tx(struct store *s, const char *list,
                            const char *kind, const char *role, int add,
                            struct err *e)
{
    kind = kind ? kind : "";
    role = role ? role : "";
    if (registry_kind(kind, 1, e) != 0 || registry_text(role, "role", e) != 0)
        return -1;
    if (add && *kind == '\0' && *role == '\0')
        return err_set(e, ERR_DATA, "a rule needs an organisation kind, a "
                       "role or both");
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_rule(s, list, kind, role, add, e), e);
}

int registry_rule_add(struct store *s, const char *list, const char *org_kind,
                      const char *role, struct err *e)
{
    return registry_rule_tx(s, list, org_kind, role, 1, e);
}

int registry_rule_rm(struct store *s, const char *list, const char *org_kind,
                     const char *role, struct err *e)
{
    return registry_rule_tx(s, list, org_kind, role, 0, e);
}

/* ---- distributions ---- */

/* Checked where lists are given to a distribution, so that an alert
 * never meets more than the pipeline takes (process holds it if one
 * does, from a database edited by hand). */
static int registry_dist_lists_max(struct store *s, int64_t did,
                                   struct err *e)
{
    int64_t n = 0;

    if (store_get_int(s, e, &n, "SELECT count(*) FROM dist_lists WHERE "
                      "dist_id=?", "i", did) < 0)
        return -1;
    if (n > REGISTRY_DIST_LISTS_MAX)
        return err_set(e, ERR_TOOBIG, "a distribution feeds at most %d "
                       "lists (%lld given)", REGISTRY_DIST_LISTS_MAX,
                       (long long)n);
    return 0;
}

static int registry_dist_lists(struct store *s, int64_t did,
                               const char *lists, struct err *e)
{
    char one[REGISTRY_NAME_MAX + 1];
    const char *p = lists, *q;
    int64_t lid;
    size_t n;

    if (*lists == '\0')
        return err_set(e, ERR_DATA, "a distribution needs at least one list");
    if (store_run(s, e, "DELETE FROM dist_lists WHERE dist_id=?", "i",
                  did) < 0)
        return -1;
    for (; *p; p = *q ? q + 1 : q) {
        q = p + strcspn(p, ",");
        n = (size_t)(q - p);
        if (n == 0 || n > REGISTRY_NAME_MAX)
            return err_set(e, ERR_DATA, "bad list name in '%.200s'", lists);
        memcpy(one, p, n);
        one[n] = '\0';
        if (registry_list_id(s, one, &lid, e) != 0 ||
            store_run(s, e, "INSERT OR IGNORE INTO dist_lists VALUES(?,?)",
                      "ii", did, lid) < 0)
            return -1;
    }
    return registry_dist_lists_max(s, did, e);
}

static int registry_dist_insert(struct store *s, const char *name,
                                const char *address, const char *lists,
                                struct err *e)
{
    if (store_run(s, e, "INSERT INTO dists(name, address) VALUES(?,?)", "tt",
                  name, address) < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "a distribution named %s or with address "
                       "%s exists", name, address);
        return -1;
    }
    return registry_dist_lists(s, store_last_id(s), lists, e);
}

int registry_dist_add(struct store *s, const char *name, const char *address,
                      const char *lists, struct err *e)
{
    if (registry_name(name, "distribution", e) != 0 ||
        registry_address(address, e) != 0)
        return -1;
    if (*lists == '\0')
        return err_set(e, ERR_DATA, "a distribution needs at least one list");
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_dist_insert(s, name, address, lists, e),
                        e);
}

static int registry_dist_update(struct store *s, const char *name,
                                const char *address, const char *lists,
                                struct err *e)
{
    int64_t id;

    if (registry_id(s, "SELECT id FROM dists WHERE name=?", name,
                    "distribution", &id, e) != 0)
        return -1;
    if (address && registry_set(s, "dists", "address", id, address, e)) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "another distribution has address %s",
                       address);
        return -1;
    }
    return lists ? registry_dist_lists(s, id, lists, e) : 0;
}

int registry_dist_edit(struct store *s, const char *name, const char *address,
                       const char *lists, struct err *e)
{
    if (address && registry_address(address, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_dist_update(s, name, address, lists, e),
                        e);
}

static int registry_dist_delete(struct store *s, const char *name,
                                struct err *e)
{
    int64_t id, n;

    if (registry_id(s, "SELECT id FROM dists WHERE name=?", name,
                    "distribution", &id, e) != 0 ||
        store_get_int(s, e, &n, "SELECT count(*) FROM alerts WHERE "
                      "dist_id=?", "i", id) < 0)
        return -1;
    if (n > 0)
        return err_set(e, ERR_DATA, "distribution %s has %lld alert(s) on "
                       "record and cannot be removed (change its address "
                       "or lists instead)", name, (long long)n);
    return store_run(s, e, "DELETE FROM dists WHERE id=?", "i", id) < 0 ? -1
                                                                       : 0;
}

int registry_dist_rm(struct store *s, const char *name, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_dist_delete(s, name, e), e);
}

int registry_dist_find(struct store *s, const char *address, const char *name,
                       int64_t *id, struct err *e)
{
    int rc;

    if (address)
        rc = store_get_int(s, e, id, "SELECT id FROM dists WHERE address=?",
                           "t", address);
    else
        rc = store_get_int(s, e, id, "SELECT id FROM dists WHERE name=?", "t",
                           name);
    if (rc == 0)
        return err_set(e, ERR_NOUSER, "no distribution %s",
                       address ? address : name);
    return rc < 0 ? -1 : 0;
}

/* ---- officers (commands in cli_keys) ---- */

#define REGISTRY_FPR_BUF 80

/* An officer's fingerprint in its stored form; "" or not hex: ERR_DATA. */
static int registry_officer_fpr(const char *in, char out[REGISTRY_FPR_BUF],
                                struct err *e)
{
    if (registry_norm_fpr(in, out, REGISTRY_FPR_BUF) != 0)
        return err_set(e, ERR_DATA, "'%.100s' is not an OpenPGP fingerprint",
                       in);
    return 0;
}

static int registry_officer_check(const char *name, const char *email,
                                  const char *by, struct err *e)
{
    if (registry_text(name, "officer name", e) != 0 ||
        registry_text(by, "who", e) != 0)
        return -1;
    if (email && *email)
        return registry_address(email, e);
    return 0;
}

/* Every change to who may make the gateway speak is in the audit chain
 * (no alert row: it concerns none), in the change's own transaction. */
static int registry_officer_audit(struct store *s, const char *event,
                                  const char *fpr, const char *what,
                                  const char *by, struct err *e)
{
    char detail[REGISTRY_TEXT_MAX * 4];

    snprintf(detail, sizeof(detail), "%s%s%s (%s)", fpr, *what ? ": " : "",
             what, by && *by ? by : "unknown");
    return store_run(s, e, "INSERT INTO audit(at, event, detail) "
                     "VALUES(?,?,?)", "itt", (int64_t)time(NULL), event,
                     detail) < 0 ? -1 : 0;
}

static int registry_officer_insert(struct store *s, const char *fpr,
                                   const char *name, const char *email,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 16];

    if (store_run(s, e, "INSERT INTO officers(fingerprint, name, email, "
                  "added_at, added_by) VALUES(?,?,?,?,?)", "tttit", fpr,
                  name ? name : "", email ? email : "", (int64_t)time(NULL),
                  by ? by : "") < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "officer %s already registered", fpr);
        return -1;
    }
    snprintf(what, sizeof(what), "%s <%s>", name ? name : "",
             email ? email : "");
    return registry_officer_audit(s, "officer-added", fpr, what, by, e);
}

int registry_officer_add(struct store *s, const char *fpr, const char *name,
                         const char *email, const char *by, struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_officer_check(name, email, by, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_insert(s, norm, name, email, by,
                                                   e), e);
}

static int registry_officer_id(struct store *s, const char *fpr, int64_t *id,
                               struct err *e)
{
    return registry_id(s, "SELECT id FROM officers WHERE fingerprint=?", fpr,
                       "officer", id, e);
}

/* "active no; name 'X'; email 'Y'": what an edit changed, for the audit. */
static void registry_officer_what(const struct registry_officer *o,
                                  char *out, size_t n)
{
    int k = 0;

    out[0] = '\0';
    if (o->active != 0)
        k = snprintf(out, n, "active %s", o->active > 0 ? "yes" : "no");
    if (o->name && k >= 0 && (size_t)k < n)
        k += snprintf(out + k, n - (size_t)k, "%sname '%s'", k ? "; " : "",
                      o->name);
    if (o->email && k >= 0 && (size_t)k < n)
        snprintf(out + k, n - (size_t)k, "%semail '%s'", k ? "; " : "",
                 o->email);
}

static int registry_officer_update(struct store *s, const char *fpr,
                                   const struct registry_officer *o,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 64];
    int64_t id;

    if (registry_officer_id(s, fpr, &id, e) != 0)
        return -1;
    if ((o->name && registry_set(s, "officers", "name", id, o->name, e)) ||
        (o->email && registry_set(s, "officers", "email", id, o->email, e)) ||
        (o->active != 0 &&
         registry_set_int(s, "officers", "active", id, o->active > 0, e)))
        return -1;
    registry_officer_what(o, what, sizeof(what));
    return registry_officer_audit(s, "officer-edited", fpr, what, by, e);
}

int registry_officer_edit(struct store *s, const char *fpr,
                          const struct registry_officer *o, const char *by,
                          struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_officer_check(o->name, o->email, by, e) != 0)
        return -1;
    if (o->active == 0 && o->name == NULL && o->email == NULL)
        return err_set(e, ERR_DATA, "nothing to change for officer %s",
                       norm);
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_update(s, norm, o, by, e), e);
}

/* Alerts keep their signer as text (no foreign key), so the alerts it
 * signed stay as they are; the audit row keeps its name. */
static int registry_officer_delete(struct store *s, const char *fpr,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 16] = "";
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT name, email FROM officers WHERE "
                      "fingerprint=?", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, fpr);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(what, sizeof(what), "%s <%s>", store_col_text(st, 0),
                 store_col_text(st, 1));
    store_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_DATA, "no officer '%s'", fpr);
    if (rc < 0 || store_run(s, e, "DELETE FROM officers WHERE fingerprint=?",
                            "t", fpr) < 0)
        return -1;
    return registry_officer_audit(s, "officer-removed", fpr, what, by, e);
}

int registry_officer_rm(struct store *s, const char *fpr, const char *by,
                        struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_text(by, "who", e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_delete(s, norm, by, e), e);
}

int registry_officer_active(struct store *s, const char *fpr, struct err *e)
{
    int64_t v;

    return store_get_int(s, e, &v, "SELECT 1 FROM officers WHERE "
                         "fingerprint=? AND active=1", "t", fpr);
}

/* ---- sites ---- */

static const struct {
    int kind;
    const char *name;
} registry_idkinds[] = {{'a', "alias"}, {'d', "domain"}, {'n', "network"}};

#define REGISTRY_NIDKINDS \
    (sizeof(registry_idkinds) / sizeof(registry_idkinds[0]))

/* One line of an import report, names made printable (they come from
 * files and GOCDB). */
static void registry_report(FILE *out, const char *what, const char *name,
                            const char *why)
{
    const unsigned char *p;

    if (out == NULL)
        return;
    fprintf(out, "%s ", what);
    for (p = (const unsigned char *)name; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    fprintf(out, ": %s\n", why);
}

/* Another site's hold on an identifier: reported, and the import goes
 * on without it (the officer decides which site it belongs to). */
static int registry_id_conflict(struct store *s, int64_t sid,
                                const char *kind, const char *v, FILE *out,
                                struct registry_import *r, struct err *e)
{
    struct store_stmt *st;
    char why[400];
    int rc;

    /* An alias may not be another site's name either: the anonymiser
     * matches both alike. */
    if (store_prepare(s, "SELECT s.name FROM site_ids i JOIN sites s ON "
                      "s.id = i.site_id WHERE i.kind=?1 AND i.value=?2 AND "
                      "i.site_id<>?3 UNION ALL SELECT name FROM sites WHERE "
                      "?1='alias' AND name=?2 AND id<>?3", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, v);
    store_bind_int(st, 3, sid);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(why, sizeof(why), "%s %.150s already belongs to site "
                 "%.150s; not added", kind, v, store_col_text(st, 0));
        if (r)
            r->conflicts++;
    }
    store_finalize(st);
    if (rc == 1 && r)
        registry_report(out, "conflict:", v, why);
    return rc;
}

/* Identifiers of site i of idx for the row sid. By hand (r NULL) a value
 * that another site holds is an error; an import reports and skips it. */
static int registry_site_ids(struct store *s, int64_t sid,
                             const struct sites *idx, size_t i,
                             const char *src, FILE *out,
                             struct registry_import *r, struct err *e)
{
    const char *v, *kind;
    size_t k, j;
    int rc;

    for (k = 0; k < REGISTRY_NIDKINDS; k++) {
        kind = registry_idkinds[k].name;
        for (j = 0; (v = sites_value(idx, i, registry_idkinds[k].kind, j));
             j++) {
            if (r && (rc = registry_id_conflict(s, sid, kind, v, out, r,
                                                e)) != 0) {
                if (rc < 0)
                    return -1;
                continue;
            }
            if (store_run(s, e, "INSERT INTO site_ids(site_id, kind, value, "
                          "source) VALUES(?,?,?,?) ON CONFLICT(kind, value) "
                          "DO NOTHING", "itt" "t", sid, kind, v, src) < 0)
                return -1;
            if (r == NULL && registry_id_conflict(s, sid, kind, v, NULL, NULL,
                                                  e) == 1)
                return err_set(e, ERR_DUP, "%s %.200s already belongs to "
                               "another site", kind, v);
        }
    }
    return 0;
}

/* The first column of a one-row text query, copied into out. */
static int registry_get_text(struct store *s, const char *sql, int64_t id,
                             struct buf *out, struct err *e)
{
    struct store_stmt *st;
    int rc;

    buf_reset(out);
    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    store_bind_int(st, 1, id);
    rc = store_step(st, e);
    if (rc == 1 && buf_puts(out, store_col_text(st, 0)) != 0)
        rc = err_set(e, ERR_NOMEM, "out of memory");
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int registry_site_sig(struct store *s, int64_t sid, struct buf *out,
                             struct err *e)
{
    return registry_get_text(s, "SELECT coalesce(group_concat(kind || ':' || "
                             "value, ' '), '') || '|' || coalesce((SELECT "
                             "org_id FROM sites WHERE id=?1), '') FROM "
                             "(SELECT kind, value FROM site_ids WHERE "
                             "site_id=?1 ORDER BY kind, value)", sid, out, e);
}

static int registry_seen(struct store *s, const char *kind, const char *name,
                         struct err *e)
{
    return store_run(s, e, "INSERT OR IGNORE INTO temp.import_seen(kind, "
                     "name) VALUES(?,?)", "tt", kind, name) < 0 ? -1 : 0;
}

/* Id and source of a row by name; 0 when none. */
static int registry_row(struct store *s, const char *sql, const char *name,
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

#define REGISTRY_SITE_ROW "SELECT id, source FROM sites WHERE name=?"

/* Phase one of an import, over every site of the source: note an
 * imported site's identifiers and let go of them, so that an identifier
 * moving between two sites of the same source is no conflict. */
static int registry_site_release(struct store *s, const char *name,
                                 struct err *e)
{
    struct buf sig;
    int64_t sid;
    int manual = 0, rc;

    rc = registry_row(s, REGISTRY_SITE_ROW, name, &sid, &manual, e);
    if (rc <= 0 || manual)
        return rc < 0 ? -1 : registry_seen(s, "site", name, e);
    buf_init(&sig, 1u << 24);
    rc = registry_site_sig(s, sid, &sig, e);
    if (rc == 0 && (store_run(s, e, "INSERT INTO temp.import_seen VALUES("
                              "'site',?,?)", "tt", name, buf_cstr(&sig)) < 0 ||
                    store_run(s, e, "DELETE FROM site_ids WHERE site_id=? AND "
                              "source='imported'", "i", sid) < 0))
        rc = -1;
    buf_free(&sig);
    return rc;
}

static int registry_sites_release(struct store *s, const struct sites *idx,
                                  struct err *e)
{
    size_t i, n = sites_count(idx);

    for (i = 0; i < n; i++)
        if (registry_site_release(s, sites_name(idx, i), e) != 0)
            return -1;
    return 0;
}

static int registry_site_refresh(struct store *s, int64_t sid,
                                 const struct sites *idx, size_t i,
                                 const char *origin, int64_t org, FILE *out,
                                 struct registry_import *r, struct err *e)
{
    struct buf after;
    int64_t same = 0;
    int rc = -1;

    buf_init(&after, 1u << 24);
    if (store_run(s, e, "UPDATE sites SET origin=?, org_id=NULLIF(?,0) WHERE "
                  "id=?", "tii", origin, org, sid) >= 0 &&
        registry_site_ids(s, sid, idx, i, "imported", out, r, e) == 0 &&
        registry_site_sig(s, sid, &after, e) == 0 &&
        store_get_int(s, e, &same, "SELECT sig=? FROM temp.import_seen "
                      "WHERE kind='site' AND name=?", "tt", buf_cstr(&after),
                      sites_name(idx, i)) >= 0) {
        if (same)
            r->unchanged++;
        else
            r->updated++;
        rc = 0;
    }
    buf_free(&after);
    return rc;
}

/* Phase two: bring site i of idx into the registry. */
static int registry_site_sync(struct store *s, const struct sites *idx,
                              size_t i, const char *origin, int64_t org,
                              FILE *out, struct registry_import *r,
                              struct err *e)
{
    const char *name = sites_name(idx, i);
    int64_t sid;
    int manual = 0, rc;

    r->read++;
    rc = registry_row(s, REGISTRY_SITE_ROW, name, &sid, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1 && manual) {
        r->kept++;
        registry_report(out, "kept: site", name, "edited by hand, not "
                        "updated");
        return 0;
    }
    if (rc == 1)
        return registry_site_refresh(s, sid, idx, i, origin, org, out, r, e);
    if (store_run(s, e, "INSERT INTO sites(name, source, origin, org_id) "
                  "VALUES(?, 'imported', ?, NULLIF(?,0))", "tti", name,
                  origin, org) < 0)
        return -1;
    r->added++;
    return registry_site_ids(s, store_last_id(s), idx, i, "imported", out, r,
                             e);
}

static int registry_import_start(struct store *s, struct registry_import *r,
                                 struct err *e)
{
    memset(r, 0, sizeof(*r));
    if (store_begin(s, e) != 0)
        return -1;
    if (store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS import_seen(kind "
                  "TEXT, name TEXT COLLATE NOCASE, sig TEXT, PRIMARY "
                  "KEY(kind, name))",
                  "") < 0 ||
        store_run(s, e, "DELETE FROM temp.import_seen", "") < 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}

/* Imported rows of origin that this import did not see: reported. */
static int registry_gone(struct store *s, const char *table, const char *kind,
                         const char *col, const char *origin, FILE *out,
                         long *gone, struct err *e)
{
    struct store_stmt *st;
    char sql[256], what[32];
    int rc;

    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE origin=? AND "
             "source='imported' AND %s NOT IN (SELECT name FROM "
             "temp.import_seen WHERE kind=?) ORDER BY 1", col, table, col);
    snprintf(what, sizeof(what), "gone: %s", kind);
    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    store_bind_text(st, 1, origin);
    store_bind_text(st, 2, kind);
    while ((rc = store_step(st, e)) == 1) {
        (*gone)++;
        registry_report(out, what, store_col_text(st, 0), "no longer in the "
                        "source; kept (remove it by hand if it is gone)");
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* What is stored must load into the anonymiser's index (names and
 * aliases unique across sites, every value well-formed): checked inside
 * the transaction, so a change that would break loading changes nothing. */
static int registry_sites_verify(struct store *s, struct err *e)
{
    struct sites *idx = sites_new();
    struct err mine;
    int rc;

    if (idx == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    err_init(&mine);
    rc = registry_sites_load(s, idx, &mine);
    sites_free(idx);
    if (rc != 0)
        return err_set(e, mine.code == ERR_TEMP ? ERR_TEMP : ERR_DATA,
                       "refused: the sites would not load: %s", mine.msg);
    return 0;
}

int registry_sites_import(struct store *s, const struct sites *idx,
                          const char *origin, FILE *out,
                          struct registry_import *r, struct err *e)
{
    size_t i, n = sites_count(idx);
    int rc = 0;

    if (registry_import_start(s, r, e) != 0)
        return -1;
    rc = registry_sites_release(s, idx, e);
    for (i = 0; i < n && rc == 0; i++)
        rc = registry_site_sync(s, idx, i, origin, 0, out, r, e);
    if (rc == 0)
        rc = registry_gone(s, "sites", "site", "name", origin, out, &r->gone,
                           e);
    if (rc == 0)
        rc = registry_sites_verify(s, e);
    return registry_end(s, rc, e);
}

/* An organisation from GOCDB: added as imported when missing, updated
 * when imported, left alone when manual. *id gets its id. */
static int registry_org_sync(struct store *s, const char *name,
                             const char *kind, const char *country,
                             int64_t ngi, FILE *out, struct registry_import *r,
                             int64_t *id, struct err *e)
{
    int manual = 0, rc;

    if (registry_name(name, "organisation", e) != 0 ||
        registry_text(country, "country", e) != 0 ||
        registry_seen(s, "org", name, e) != 0)
        return -1;
    rc = registry_row(s, "SELECT id, source FROM orgs WHERE name=?", name,
                      id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        r->orgs_added++;
        if (store_run(s, e, "INSERT INTO orgs(name, kind, country, ngi_id, "
                      "source, origin) VALUES(?,?,?,NULLIF(?,0),'imported',"
                      "'gocdb')", "ttti", name, kind, country, ngi) < 0)
            return -1;
        *id = store_last_id(s);
        return 0;
    }
    if (manual) {
        registry_report(out, "kept: organisation", name, "edited by hand, "
                        "not updated");
        return 0;
    }
    return store_run(s, e, "UPDATE orgs SET kind=?, country=CASE ? WHEN '' "
                     "THEN country ELSE ?2 END, ngi_id=coalesce(NULLIF(?,0),"
                     " ngi_id), origin='gocdb' WHERE id=?", "ttii", kind,
                     country, ngi, *id) < 0 ? -1 : 0;
}

static int registry_csirt_sync(struct store *s, const char *addr, int64_t org,
                               FILE *out, struct registry_import *r,
                               struct err *e)
{
    int64_t id;
    int manual = 0, rc;

    if (registry_seen(s, "contact", addr, e) != 0)
        return -1;
    rc = registry_row(s, "SELECT id, source FROM contacts WHERE address=?",
                      addr, &id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1 && manual) {
        registry_report(out, "kept: contact", addr, "edited by hand, not "
                        "updated");
        return 0;
    }
    if (rc == 1) {
        r->contacts_updated++;
        return store_run(s, e, "UPDATE contacts SET org_id=NULLIF(?,0), "
                         "role='csirt', origin='gocdb' WHERE id=?", "ii", org,
                         id) < 0 ? -1 : 0;
    }
    r->contacts_added++;
    return store_run(s, e, "INSERT INTO contacts(address, org_id, role, "
                     "source, origin, created) VALUES(?, NULLIF(?,0), "
                     "'csirt', 'imported', 'gocdb', ?)", "tii", addr, org,
                     (int64_t)time(NULL)) < 0 ? -1 : 0;
}

/* CSIRT_EMAIL may list several addresses (',' or ';'). */
static int registry_csirts(struct store *s, const struct gocdb_site *gs,
                           int64_t org, FILE *out, struct registry_import *r,
                           struct err *e)
{
    char one[REGISTRY_ADDR_MAX + 1];
    const char *p = gs->csirt_email;
    int rc;

    while ((rc = items_next(&p, one, sizeof(one))) != 0) {
        if (rc < 0)
            return err_set(e, ERR_DATA, "GOCDB site %.80s: CSIRT_EMAIL too "
                           "long", gs->name);
        if (!registry_valid_address(one))
            return err_set(e, ERR_DATA, "GOCDB site %.80s: CSIRT_EMAIL "
                           "'%.100s' is not a valid e-mail address", gs->name,
                           one);
        if (registry_csirt_sync(s, one, org, out, r, e) != 0)
            return -1;
    }
    return 0;
}

static int registry_gocdb_site(struct store *s, const struct gocdb *g,
                               size_t i, FILE *out, struct registry_import *r,
                               struct err *e)
{
    const struct gocdb_site *gs = gocdb_site(g, i);
    int64_t ngi = 0, org = 0;

    if (*gs->roc && registry_org_sync(s, gs->roc, "ngi", "", 0, out, r, &ngi,
                                      e) != 0)
        return -1;
    if (registry_org_sync(s, gs->name, "site", gs->country, ngi, out, r, &org,
                          e) != 0 ||
        registry_site_sync(s, gocdb_sites(g), i, "gocdb", org, out, r, e) != 0)
        return -1;
    return registry_csirts(s, gs, org, out, r, e);
}

int registry_gocdb_import(struct store *s, const struct gocdb *g, FILE *out,
                          struct registry_import *r, struct err *e)
{
    size_t i, n = gocdb_count(g);
    long orgs_gone = 0;
    int rc = 0;

    if (registry_import_start(s, r, e) != 0)
        return -1;
    rc = registry_sites_release(s, gocdb_sites(g), e);
    for (i = 0; i < n && rc == 0; i++)
        rc = registry_gocdb_site(s, g, i, out, r, e);
    if (rc == 0)
        rc = registry_gone(s, "sites", "site", "name", "gocdb", out, &r->gone,
                           e);
    if (rc == 0)
        rc = registry_gone(s, "orgs", "org", "name", "gocdb", out,
                           &orgs_gone, e);
    if (rc == 0)
        rc = registry_gone(s, "contacts", "contact", "address", "gocdb", out,
                           &orgs_gone, e);
    if (rc == 0)
        rc = registry_sites_verify(s, e);
    return registry_end(s, rc, e);
}

/* ---- sites by hand ---- */

static int registry_site_org(struct store *s, int64_t sid, const char *org,
                             struct err *e)
{
    int64_t oid = 0;

    if (org == NULL)
        return 0;
    if (*org && registry_org_id(s, org, &oid, e) != 0)
        return -1;
    return store_run(s, e, "UPDATE sites SET org_id=NULLIF(?,0) WHERE id=?",
                     "ii", oid, sid) < 0 ? -1 : 0;
}

static int registry_site_insert(struct store *s, const struct sites *ids,
                                const char *org, struct err *e)
{
    int64_t sid;

    if (store_run(s, e, "INSERT INTO sites(name, source) VALUES(?, "
                  "'manual')", "t", sites_name(ids, 0)) < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "site %s already exists",
                       sites_name(ids, 0));
        return -1;
    }
    sid = store_last_id(s);
    if (registry_site_ids(s, sid, ids, 0, "manual", NULL, NULL, e) != 0 ||
        registry_site_org(s, sid, org, e) != 0)
        return -1;
    return registry_sites_verify(s, e);
}

int registry_site_add(struct store *s, const struct sites *ids,
                      const char *org, struct err *e)
{
    if (sites_count(ids) != 1)
        return err_set(e, ERR_SOFTWARE, "registry_site_add: one site");
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_site_insert(s, ids, org, e), e);
}

static int registry_site_id(struct store *s, const char *name, int64_t *id,
                            struct err *e)
{
    return registry_id(s, "SELECT id FROM sites WHERE name=?", name, "site",
                       id, e);
}

static int registry_site_unset(struct store *s, int64_t sid, const char *v,
                               struct err *e)
{
    char canon[SITES_ADDR_TEXT_MAX];
    int rc;

    if (sites_addr_canon(v, strlen(v), canon) != 0)
        canon[0] = '\0';
    rc = store_run(s, e, "DELETE FROM site_ids WHERE site_id=? AND (value=? "
                   "OR value=?)", "itt", sid, v, canon);
    if (rc == 0)
        return err_set(e, ERR_DATA, "the site has no identifier '%.200s'", v);
    return rc < 0 ? -1 : 0;
}

static int registry_site_update(struct store *s, const char *name,
                                const struct sites *ids, const char *rm_value,
                                const char *org, struct err *e)
{
    int64_t sid;

    if (registry_site_id(s, name, &sid, e) != 0 ||
        (ids && registry_site_ids(s, sid, ids, 0, "manual", NULL, NULL,
                                  e) != 0) ||
        (rm_value && registry_site_unset(s, sid, rm_value, e) != 0) ||
        registry_site_org(s, sid, org, e) != 0)
        return -1;
    /* Every identifier now belongs to the hand-edited site: a re-import
     * must not take back what an officer changed. */
    if (store_run(s, e, "UPDATE sites SET source='manual' WHERE id=?", "i",
                  sid) < 0)
        return -1;
    return registry_sites_verify(s, e);
}

int registry_site_edit(struct store *s, const char *name,
                       const struct sites *ids, const char *rm_value,
                       const char *org, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_site_update(s, name, ids, rm_value, org,
                                                e), e);
}

int registry_site_rm(struct store *s, const char *name, struct err *e)
{
    int rc;

    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM sites WHERE name=?", "t", name);
    if (rc == 0)
        rc = err_set(e, ERR_DATA, "no site '%.200s'", name);
    return registry_end(s, rc, e);
}

int registry_keep(struct store *s, const char *host, int remove,
                  struct err *e)
{
    struct sites *check = sites_new();
    int rc;

    if (check == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = remove ? 0 : sites_keep(check, host, e);
    sites_free(check);
    if (rc != 0 || store_begin(s, e) != 0)
        return -1;
    if (remove) {
        rc = store_run(s, e, "DELETE FROM keep_hosts WHERE host=?", "t",
                       host);
        if (rc == 0)
            rc = err_set(e, ERR_DATA, "'%.200s' is not on the keep-list",
                         host);
    } else {
        rc = store_run(s, e, "INSERT INTO keep_hosts VALUES(?)", "t", host);
        if (rc < 0 && e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "'%.200s' is already on the keep-list",
                       host);
    }
    return registry_end(s, rc, e);
}

static int registry_site_value(struct sites *idx, size_t site,
                               const char *kind, const char *value,
                               struct err *e)
{
    if (strcmp(kind, "alias") == 0)
        return sites_add_alias(idx, site, value, e);
    if (strcmp(kind, "domain") == 0)
        return sites_add_domain(idx, site, value, e);
    return sites_add_network(idx, site, value, e);
}

static int registry_keep_load(struct store *s, struct sites *idx,
                              struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT host FROM keep_hosts", &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1)
        if (sites_keep(idx, store_col_text(st, 0), e) != 0) {
            rc = -1;
            break;
        }
    store_finalize(st);
    return rc == 0 ? 0 : -1;
}

int registry_sites_load(struct store *s, struct sites *idx, struct err *e)
{
    struct store_stmt *st;
    int64_t last = -1;
    size_t site = 0;
    int rc;

    if (store_prepare(s, "SELECT s.id, s.name, i.kind, i.value FROM sites s "
                      "LEFT JOIN site_ids i ON i.site_id = s.id "
                      "ORDER BY s.id", &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1) {
        if (store_col_int(st, 0) != last) {
            last = store_col_int(st, 0);
            if (sites_add(idx, store_col_text(st, 1), &site, e) != 0)
                break;
        }
        if (!store_col_is_null(st, 2) &&
            registry_site_value(idx, site, store_col_text(st, 2),
                                store_col_text(st, 3), e) != 0)
            break;
    }
    store_finalize(st);
    if (rc != 0)
        return -1;
    return registry_keep_load(s, idx, e);
}

/* ---- CSV ---- */

static const char *const registry_contact_cols[] = {
    "address", "name", "org", "role", "fingerprint", "active", "source",
    "confirmed", NULL};
static const char *const registry_org_cols[] = {
    "name", "kind", "country", "ngi", "source", NULL};

static void registry_time_text(int64_t t, char out[32])
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

/* Rows of a query as CSV; column 7 of contacts is a time. */
static int registry_export(struct store *s, const char *sql,
                           const char *const *cols, int time_col,
                           struct buf *out, struct err *e)
{
    const char *f[CSV_FIELDS_MAX];
    char when[32];
    struct store_stmt *st;
    size_t n, i;
    int rc;

    for (n = 0; cols[n]; n++)
        ;
    if (csv_put(out, cols, n) != 0)
        return err_set(e, ERR_TOOBIG, "export larger than %zu bytes",
                       out->max);
    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
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
    return registry_export(s, "SELECT c.address, c.name, coalesce(o.name, "
                           "''), c.role, c.fingerprint, c.active, c.source, "
                           "c.confirmed FROM contacts c LEFT JOIN orgs o ON "
                           "o.id = c.org_id ORDER BY c.address",
                           registry_contact_cols, 7, out, e);
}

int registry_orgs_export(struct store *s, struct buf *out, struct err *e)
{
    return registry_export(s, "SELECT o.name, o.kind, o.country, "
                           "coalesce(n.name, ''), o.source FROM orgs o LEFT "
                           "JOIN orgs n ON n.id = o.ngi_id ORDER BY o.name",
                           registry_org_cols, -1, out, e);
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
    const char *src;
    char fpr[80];
    int64_t oid = 0, confirmed, id;
    int active, rc;

    if (addr == NULL || registry_address(addr, e) != 0 ||
        registry_text(name, "name", e) || registry_text(role, "role", e) ||
        registry_fpr(registry_csv_get(c, 4), fpr, e) != 0 ||
        registry_source(registry_csv_get(c, 6), &src, e) != 0)
        return addr ? -1 : err_set(e, ERR_DATA, "no address");
    if (registry_flag(registry_csv_get(c, 5), 1, &active) != 0)
        return err_set(e, ERR_DATA, "active must be 1 or 0");
    if (registry_time_parse(registry_csv_get(c, 7) ? registry_csv_get(c, 7)
                                                   : "", &confirmed) != 0)
        return err_set(e, ERR_DATA, "confirmed must be YYYY-MM-DDTHH:MM:SSZ");
    if (org && *org && registry_org_id(s, org, &oid, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO temp.import_seen(kind, name) "
                  "VALUES('contact', ?)", "t", addr) < 0)
        return e->code == ERR_DUP ? err_reword(e, ERR_DUP, "contact %s "
                                               "appears twice", addr) : -1;
    rc = store_get_int(s, e, &id, "SELECT id FROM contacts WHERE address=?",
                       "t", addr);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        r->added++;
        return store_run(s, e, "INSERT INTO contacts(address, name, org_id, "
                         "role, fingerprint, active, source, confirmed, "
                         "origin, created) VALUES(?,?,NULLIF(?,0),?,?,?,?,?,"
                         "'csv',?)", "ttittitii", addr, name ? name : "", oid,
                         role ? role : "", fpr, (int64_t)active, src,
                         confirmed, (int64_t)time(NULL)) < 0 ? -1 : 0;
    }
    r->updated++;
    return store_run(s, e, "UPDATE contacts SET address=?, name=?, "
                     "org_id=NULLIF(?,0), role=?, fingerprint=?, active=?, "
                     "source=?, confirmed=? WHERE id=?", "ttittitii", addr,
                     name ? name : "", oid, role ? role : "", fpr,
                     (int64_t)active, src, confirmed, id) < 0 ? -1 : 0;
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
    return registry_end(s, rc, e);
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
    int rc;

    if (registry_name(name, "organisation", e) != 0 ||
        registry_kind(kind ? kind : "", 0, e) != 0 ||
        registry_text(country, "country", e) != 0 ||
        registry_source(registry_csv_get(c, 4), &src, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO temp.import_seen(kind, name) "
                  "VALUES('org', ?)", "t", name) < 0)
        return e->code == ERR_DUP ? err_reword(e, ERR_DUP, "organisation %s "
                                               "appears twice", name) : -1;
    rc = store_get_int(s, e, &id, "SELECT id FROM orgs WHERE name=?", "t",
                       name);
    if (rc < 0)
        return -1;
    if (rc == 1)
        r->updated++;
    else
        r->added++;
    if (rc == 1)
        return store_run(s, e, "UPDATE orgs SET name=?, kind=?, country=?, "
                         "source=? WHERE id=?", "tttti", name, kind,
                         country ? country : "", src, id) < 0 ? -1 : 0;
    return store_run(s, e, "INSERT INTO orgs(name, kind, country, source, "
                     "origin) VALUES(?,?,?,?,'csv')", "tttt", name, kind,
                     country ? country : "", src) < 0 ? -1 : 0;
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
            store_run(s, e, "UPDATE orgs SET ngi_id=NULLIF(?,0) WHERE name=?",
                      "it", nid, registry_csv_get(c, 0)) < 0)
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

/* ---- coverage ---- */

/* ?1 the list name or NULL, ?2 the time before which is "too long ago". */
static const char *const registry_coverage_sql[] = {
    "INSERT INTO temp.coverage SELECT l.name, 'no-contact', o.name, "
    "'no active recipient for this ' || o.kind FROM lists l JOIN orgs o ON "
    "(instr(',' || l.audience_kinds || ',', ',' || o.kind || ',') > 0 OR "
    "EXISTS (SELECT 1 FROM member_rules mr WHERE mr.list_id = l.id AND "
    "mr.org_kind = o.kind)) WHERE (?1 IS NULL OR l.name = ?1) AND NOT "
    "EXISTS (SELECT 1 FROM list_recipients r JOIN contacts c ON c.id = "
    "r.contact_id WHERE r.list_id = l.id AND c.org_id = o.id)",
    "INSERT INTO temp.coverage SELECT l.name, 'no-key', r.address, "
    "'the list encrypts (' || l.encrypt || ') and no key is pinned' FROM "
    "lists l JOIN list_recipients r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND l.encrypt <> "
    "'never' AND c.fingerprint = ''",
    "INSERT INTO temp.coverage SELECT l.name, 'unconfirmed', r.address, "
    "CASE c.confirmed WHEN 0 THEN 'never confirmed' ELSE 'last confirmed ' "
    "|| strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END FROM "
    "lists l JOIN list_recipients r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND c.confirmed "
    "< ?2",
    "INSERT INTO temp.coverage SELECT l.name, 'failed', r.address, "
    "count(*) || ' delivery(ies) failed permanently, last: ' || "
    "max(o.reply) FROM lists l JOIN list_recipients r ON r.list_id = l.id "
    "JOIN outbox o ON o.rcpt = r.address COLLATE NOCASE AND o.state = "
    "'failed' AND o.updated >= ?2 WHERE (?1 IS NULL OR l.name = ?1) GROUP "
    "BY l.name, r.address",
};

static int registry_coverage_run(struct store *s, const char *sql,
                                 const char *list, int64_t since,
                                 struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    if (list)
        store_bind_text(st, 1, list);
    store_bind_int(st, 2, since);
    rc = store_step(st, e);
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int registry_coverage_add(struct store *s, const char *list,
                                 const char *problem, const char *subject,
                                 const char *detail, struct err *e)
{
    return store_run(s, e, "INSERT INTO temp.coverage VALUES(?,?,?,?)",
                     "tttt", list, problem, subject, detail) < 0 ? -1 : 0;
}

/* One pinned key: unknown or expired keys are unusable where the list
 * encrypts; any key expiring before horizon is reported. */
static int registry_coverage_key(struct store *s, struct store_stmt *st,
                                 time_t now, time_t horizon,
                                 registry_key_expiry_fn key_expiry, void *ctx,
                                 struct err *e)
{
    const char *list = store_col_text(st, 0), *addr = store_col_text(st, 2);
    int encrypts = strcmp(store_col_text(st, 1), "never") != 0;
    char when[32], detail[160];
    time_t exp = 0;
    int rc = key_expiry(ctx, store_col_text(st, 3), &exp, e);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return encrypts ? registry_coverage_add(s, list, "no-key", addr,
                                                "the pinned key is not in the"
                                                " gateway's keyring", e) : 0;
    if (exp == 0 || exp > horizon)
        return 0;
    registry_time_text((int64_t)exp, when);
    snprintf(detail, sizeof(detail), "key %s %s", exp <= now ? "expired"
             : "expires", when);
    if (registry_coverage_add(s, list, "key-expiring", addr, detail, e) != 0)
        return -1;
    return encrypts && exp <= now ?
        registry_coverage_add(s, list, "no-key", addr, detail, e) : 0;
}

static int registry_coverage_keys(struct store *s, const char *list,
                                  time_t now, long days,
                                  registry_key_expiry_fn key_expiry,
                                  void *ctx, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT l.name, l.encrypt, r.address, "
                      "c.fingerprint FROM lists l JOIN list_recipients r ON "
                      "r.list_id = l.id JOIN contacts c ON c.id = "
                      "r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND "
                      "c.fingerprint <> '' ORDER BY 1, 3", &st, e) != 0)
        return -1;
    if (list)
        store_bind_text(st, 1, list);
    while ((rc = store_step(st, e)) == 1)
        if (registry_coverage_key(s, st, now, now + (time_t)days * 86400,
                                  key_expiry, ctx, e) != 0) {
            rc = -1;
            break;
        }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

long registry_coverage(struct store *s, const char *list, long days,
                       time_t now, registry_key_expiry_fn key_expiry,
                       void *ctx, struct err *e)
{
    int64_t id, n;
    size_t i;

    if (days < 0 || days > 36500)
        return err_set(e, ERR_DATA, "days must be 0 to 36500");
    if (list && registry_list_id(s, list, &id, e) != 0)
        return -1;
    if (store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS coverage(list TEXT,"
                  " problem TEXT, subject TEXT, detail TEXT)", "") < 0 ||
        store_run(s, e, "DELETE FROM temp.coverage", "") < 0)
        return -1;
    for (i = 0; i < sizeof(registry_coverage_sql) /
                    sizeof(registry_coverage_sql[0]); i++)
        if (registry_coverage_run(s, registry_coverage_sql[i], list,
                                  (int64_t)now - (int64_t)days * 86400,
                                  e) != 0)
            return -1;
    if (key_expiry &&
        registry_coverage_keys(s, list, now, days, key_expiry, ctx, e) != 0)
        return -1;
    if (store_get_int(s, e, &n, "SELECT count(*) FROM temp.coverage", "") < 0)
        return -1;
    return (long)n;
}

/* ---- printing ---- */

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
            registry_json_string(out, store_col_text(st, i));
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
                registry_json_string(out, store_col_text(st, i));
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
