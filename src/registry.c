#include "registry.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"

int registry_valid_address(const char *addr)
{
    const char *at = strchr(addr, '@');
    size_t n = strlen(addr);
    const unsigned char *p;

    if (n == 0 || n > REGISTRY_ADDR_MAX || at == NULL || at == addr ||
        at[1] == '\0' || strchr(at + 1, '@') != NULL || strchr(at, '.') == NULL)
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

static int registry_org_id(struct store *s, const char *name, int64_t *id,
                           struct err *e)
{
    int rc = store_get_int(s, e, id, "SELECT id FROM orgs WHERE name=?", "t",
                           name);

    if (rc == 0)
        return err_set(e, ERR_NOUSER, "no organisation '%s'", name);
    return rc < 0 ? -1 : 0;
}

int registry_org_add(struct store *s, const char *name, const char *kind,
                     const char *country, struct err *e)
{
    static const char *const kinds[] = {"ngi", "nren", "isp", "csirt",
                                        "site"};
    size_t i;
    int rc;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i]) == 0)
            break;
    if (i == sizeof(kinds) / sizeof(kinds[0]))
        return err_set(e, ERR_DATA, "organisation kind '%s' is not one of "
                       "ngi, nren, isp, csirt, site", kind);
    if (*name == '\0' || strlen(name) > REGISTRY_NAME_MAX)
        return err_set(e, ERR_DATA, "organisation name must be 1 to %d bytes",
                       REGISTRY_NAME_MAX);
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "INSERT INTO orgs(name, kind, country) VALUES(?,?,?)",
                   "ttt", name, kind, country ? country : "");
    if (rc < 0 && e->code == ERR_DUP) {
        err_reword(e, ERR_DUP, "organisation '%s' already exists", name);
    }
    return registry_end(s, rc, e);
}

static int registry_contact_insert(struct store *s,
                                   const struct registry_contact *c,
                                   struct err *e)
{
    char fpr[80] = "";
    int64_t org = 0;

    if (c->fingerprint && *c->fingerprint &&
        registry_norm_fpr(c->fingerprint, fpr, sizeof(fpr)) != 0)
        return err_set(e, ERR_DATA, "'%s' is not an OpenPGP fingerprint",
                       c->fingerprint);
    if (c->org && registry_org_id(s, c->org, &org, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO contacts(address, name, org_id, "
                  "fingerprint, created) VALUES(?,?,NULLIF(?,0),?,?)", "ttiti",
                  c->address, c->name ? c->name : "", org, fpr,
                  (int64_t)time(NULL)) < 0) {
        if (e->code == ERR_DUP) {
            err_reword(e, ERR_DUP, "contact %s already exists", c->address);
        }
        return -1;
    }
    return 0;
}

int registry_contact_add(struct store *s, const struct registry_contact *c,
                         struct err *e)
{
    if (!registry_valid_address(c->address))
        return err_set(e, ERR_DATA, "'%s' is not a valid e-mail address",
                       c->address);
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_contact_insert(s, c, e), e);
}

int registry_contact_rm(struct store *s, const char *address, struct err *e)
{
    int rc;

    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM contacts WHERE address=?", "t", address);
    if (rc == 0)
        rc = err_set(e, ERR_NOUSER, "no contact %s", address);
    return registry_end(s, rc, e);
}

static int registry_one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

static int registry_list_check(const struct registry_list *l, struct err *e)
{
    static const char *const att[] = {"keep", "drop", "refuse", NULL};
    static const char *const enc[] = {"never", "if-key", "always", NULL};
    const char *p;

    if (*l->name == '\0' || strlen(l->name) > REGISTRY_NAME_MAX)
        return err_set(e, ERR_DATA, "list name must be 1 to %d bytes",
                       REGISTRY_NAME_MAX);
    for (p = l->name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return err_set(e, ERR_DATA, "list name '%s': use letters, digits,"
                           " '.', '_' and '-'", l->name);
    if (!registry_valid_address(l->address))
        return err_set(e, ERR_DATA, "'%s' is not a valid e-mail address",
                       l->address);
    if (!registry_one_of(l->attachments, att))
        return err_set(e, ERR_DATA, "attachments must be keep, drop or "
                       "refuse, not '%s'", l->attachments);
    if (!registry_one_of(l->encrypt, enc))
        return err_set(e, ERR_DATA, "encrypt must be never, if-key or always, "
                       "not '%s'", l->encrypt);
    return 0;
}

int registry_list_add(struct store *s, const struct registry_list *l,
                      struct err *e)
{
    int rc;

    if (registry_list_check(l, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "INSERT INTO lists(name, address, audience, "
                   "anonymise, template, attachments, encrypt) "
                   "VALUES(?,?,?,?,?,?,?)", "tttitt" "t", l->name, l->address,
                   l->audience, (int64_t)(l->anonymise != 0), l->template_name,
                   l->attachments, l->encrypt);
    if (rc < 0 && e->code == ERR_DUP) {
        err_reword(e, ERR_DUP, "a list named %s or with address %s exists",
                l->name, l->address);
    }
    return registry_end(s, rc, e);
}

static int registry_list_id(struct store *s, const char *name, int64_t *id,
                            struct err *e)
{
    int rc = store_get_int(s, e, id, "SELECT id FROM lists WHERE name=?", "t",
                           name);

    if (rc == 0)
        return err_set(e, ERR_NOUSER, "no list '%s'", name);
    return rc < 0 ? -1 : 0;
}

static int registry_member_insert(struct store *s, const char *list,
                                  const char *address, struct err *e)
{
    int64_t lid, cid;
    int rc;

    if (registry_list_id(s, list, &lid, e) != 0)
        return -1;
    rc = store_get_int(s, e, &cid, "SELECT id FROM contacts WHERE address=?",
                       "t", address);
    if (rc == 0)
        return err_set(e, ERR_NOUSER, "no contact %s (add it with alertgw "
                       "contacts add)", address);
    if (rc < 0)
        return -1;
    if (store_run(s, e, "INSERT INTO members(list_id, contact_id) "
                  "VALUES(?,?)", "ii", lid, cid) < 0) {
        if (e->code == ERR_DUP) {
            err_reword(e, ERR_DUP, "%s is already a member of %s", address,
                    list);
        }
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

static int registry_dist_insert(struct store *s, const char *name,
                                const char *address, const char *lists,
                                struct err *e)
{
    char one[REGISTRY_NAME_MAX + 1];
    int64_t did, lid;
    const char *p = lists, *q;
    size_t n;

    if (store_run(s, e, "INSERT INTO dists(name, address) VALUES(?,?)", "tt",
                  name, address) < 0) {
        if (e->code == ERR_DUP) {
            err_reword(e, ERR_DUP, "a distribution named %s or with address %s "
                    "exists", name, address);
        }
        return -1;
    }
    did = store_last_id(s);
    for (; *p; p = *q ? q + 1 : q) {
        q = strchr(p, ',');
        if (q == NULL)
            q = p + strlen(p);
        n = (size_t)(q - p);
        if (n == 0 || n > REGISTRY_NAME_MAX)
            return err_set(e, ERR_DATA, "bad list name in '%s'", lists);
        memcpy(one, p, n);
        one[n] = '\0';
        if (registry_list_id(s, one, &lid, e) != 0 ||
            store_run(s, e, "INSERT OR IGNORE INTO dist_lists VALUES(?,?)",
                      "ii", did, lid) < 0)
            return -1;
    }
    return 0;
}

int registry_dist_add(struct store *s, const char *name, const char *address,
                      const char *lists, struct err *e)
{
    if (*name == '\0' || strlen(name) > REGISTRY_NAME_MAX)
        return err_set(e, ERR_DATA, "distribution name must be 1 to %d bytes",
                       REGISTRY_NAME_MAX);
    if (!registry_valid_address(address))
        return err_set(e, ERR_DATA, "'%s' is not a valid e-mail address",
                       address);
    if (*lists == '\0')
        return err_set(e, ERR_DATA, "a distribution needs at least one list");
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_dist_insert(s, name, address, lists, e),
                        e);
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

int registry_officer_add(struct store *s, const char *fpr, const char *name,
                         const char *email, struct err *e)
{
    char norm[80];
    int rc;

    if (registry_norm_fpr(fpr, norm, sizeof(norm)) != 0)
        return err_set(e, ERR_DATA, "'%s' is not an OpenPGP fingerprint", fpr);
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "INSERT INTO officers(fingerprint, name, email) "
                   "VALUES(?,?,?)", "ttt", norm, name ? name : "",
                   email ? email : "");
    if (rc < 0 && e->code == ERR_DUP) {
        err_reword(e, ERR_DUP, "officer %s already registered", norm);
    }
    return registry_end(s, rc, e);
}

int registry_officer_active(struct store *s, const char *fpr, struct err *e)
{
    int64_t v;

    return store_get_int(s, e, &v, "SELECT 1 FROM officers WHERE "
                         "fingerprint=? AND active=1", "t", fpr);
}

static int registry_site_insert(struct store *s, const struct sites *idx,
                                size_t i, long *added, struct err *e)
{
    static const struct { int kind; const char *name; } kinds[] = {
        {'a', "alias"}, {'d', "domain"}, {'n', "network"}};
    int64_t sid;
    const char *v;
    size_t k, j;
    int rc;

    rc = store_run(s, e, "INSERT OR IGNORE INTO sites(name) VALUES(?)", "t",
                   sites_name(idx, i));
    if (rc < 0)
        return -1;
    *added += rc;
    if (store_get_int(s, e, &sid, "SELECT id FROM sites WHERE name=?", "t",
                      sites_name(idx, i)) != 1)
        return -1;
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        for (j = 0; (v = sites_value(idx, i, kinds[k].kind, j)) != NULL; j++)
            if (store_run(s, e, "INSERT INTO site_ids(site_id, kind, value) "
                          "VALUES(?,?,?) ON CONFLICT(kind, value) DO NOTHING",
                          "itt", sid, kinds[k].name, v) < 0)
                return -1;
    return 0;
}

int registry_sites_import(struct store *s, const struct sites *idx,
                          long *added, struct err *e)
{
    size_t i, n = sites_count(idx);

    *added = 0;
    if (store_begin(s, e) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (registry_site_insert(s, idx, i, added, e) != 0)
            return registry_end(s, -1, e);
    return registry_end(s, 0, e);
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
    return rc == 0 ? 0 : -1;
}

static void registry_json_string(FILE *out, const char *v)
{
    const unsigned char *p;

    fputc('"', out);
    for (p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
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
            fprintf(out, "%s%s", i ? "\t" : "", store_col_text(st, i));
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
