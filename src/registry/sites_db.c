/* sites_db - sites by hand, the keep-list, and loading both into the
 * anonymiser's index; the rows that the imports read and write. */
#include "registry/registry_int.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"

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

/* Comma-separated values of one option into site 0 of ids. */
static int registry_site_values(struct sites *ids, const char *v,
                                int (*add)(struct sites *, size_t,
                                           const char *, struct err *),
                                struct err *e)
{
    char one[SITES_NAME_MAX + 1];
    const char *p = v, *q;
    size_t n;

    for (; p && *p; p = *q ? q + 1 : q) {
        q = p + strcspn(p, ",");
        n = (size_t)(q - p);
        if (n == 0 || n > SITES_NAME_MAX)
            return err_set(e, ERR_DATA, "bad value in '%.100s'", v);
        memcpy(one, p, n);
        one[n] = '\0';
        if (add(ids, 0, one, e) != 0)
            return -1;
    }
    return 0;
}

/* The identifiers given, as site 0 of a new index (the caller frees). */
static struct sites *registry_site_given_ids(
    const struct registry_site_given *g, struct err *e)
{
    struct sites *ids = sites_new();
    size_t idx;

    if (ids == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (sites_add(ids, g->name ? g->name : "", &idx, e) != 0 ||
        (g->alias && sites_add_alias(ids, 0, g->alias, e) != 0) ||
        registry_site_values(ids, g->domains, sites_add_domain, e) != 0 ||
        registry_site_values(ids, g->networks, sites_add_network, e) != 0) {
        sites_free(ids);
        return NULL;
    }
    return ids;
}

/* Add (edit 0) or change (edit 1) a site from what the operator gave. */
static int registry_site_given(struct store *s,
                               const struct registry_site_given *g, int edit,
                               struct err *e)
{
    struct sites *ids = registry_site_given_ids(g, e);
    int rc;

    if (ids == NULL)
        return -1;
    rc = edit ? registry_site_edit(s, g->name, ids, g->rm, g->org, e)
              : registry_site_add(s, ids, g->org, e);
    sites_free(ids);
    return rc;
}

int registry_site_add_given(struct store *s,
                            const struct registry_site_given *g,
                            struct err *e)
{
    return registry_site_given(s, g, 0, e);
}

int registry_site_edit_given(struct store *s,
                             const struct registry_site_given *g,
                             struct err *e)
{
    return registry_site_given(s, g, 1, e);
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
                                store_col_text(st, 3), e) != 0) {
            /* a row stored before the check it fails now (a network too
             * wide for a site): name the site, so that `sites edit --rm`
             * can take it out */
            char why[ERR_MSG_MAX];

            snprintf(why, sizeof why, "%s", e->msg);
            err_reword(e, e->code, "site %s: %s", store_col_text(st, 1), why);
            break;
        }
    }
    store_finalize(st);
    if (rc != 0)
        return -1;
    return registry_keep_load(s, idx, e);
}

int registry_site_lookup(struct store *s, const char *name, int64_t *id,
                         int *manual, struct err *e)
{
    return registry_row(s, "SELECT id, source FROM sites WHERE name=?", name,
                        id, manual, e);
}

/* An alias may not be another site's name either: the anonymiser
 * matches both alike. */
int registry_site_id_holder(struct store *s, int64_t sid, const char *kind,
                            const char *v, char *name, size_t n,
                            struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT s.name FROM site_ids i JOIN sites s ON "
                      "s.id = i.site_id WHERE i.kind=?1 AND i.value=?2 AND "
                      "i.site_id<>?3 UNION ALL SELECT name FROM sites WHERE "
                      "?1='alias' AND name=?2 AND id<>?3", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, v);
    store_bind_int(st, 3, sid);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(name, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc;
}

/* A value another site holds is left to it (the caller checks). */
int registry_site_id_add(struct store *s, int64_t sid, const char *kind,
                         const char *v, const char *src, struct err *e)
{
    return store_run(s, e, "INSERT INTO site_ids(site_id, kind, value, "
                     "source) VALUES(?,?,?,?) ON CONFLICT(kind, value) DO "
                     "NOTHING", "itt" "t", sid, kind, v, src) < 0 ? -1 : 0;
}

int registry_site_ids_release(struct store *s, int64_t sid, struct err *e)
{
    return store_run(s, e, "DELETE FROM site_ids WHERE site_id=? AND "
                     "source='imported'", "i", sid) < 0 ? -1 : 0;
}

int registry_site_sig(struct store *s, int64_t sid, struct buf *out,
                      struct err *e)
{
    struct store_stmt *st;
    int rc;

    buf_reset(out);
    if (store_prepare(s, "SELECT coalesce(group_concat(kind || ':' || value, "
                      "' '), '') || '|' || coalesce((SELECT org_id FROM "
                      "sites WHERE id=?1), '') FROM (SELECT kind, value FROM "
                      "site_ids WHERE site_id=?1 ORDER BY kind, value)", &st,
                      e) != 0)
        return -1;
    store_bind_int(st, 1, sid);
    rc = store_step(st, e);
    if (rc == 1 && buf_puts(out, store_col_text(st, 0)) != 0)
        rc = err_set(e, ERR_NOMEM, "out of memory");
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int registry_site_imported(struct store *s, int64_t *sid, const char *name,
                           const char *origin, int64_t org, struct err *e)
{
    if (*sid != 0)
        return store_run(s, e, "UPDATE sites SET origin=?, org_id=NULLIF(?,"
                         "0) WHERE id=?", "tii", origin, org, *sid) < 0 ? -1
                                                                        : 0;
    if (store_run(s, e, "INSERT INTO sites(name, source, origin, org_id) "
                  "VALUES(?, 'imported', ?, NULLIF(?,0))", "tti", name,
                  origin, org) < 0)
        return -1;
    *sid = store_last_id(s);
    return 0;
}

int registry_sites_unseen(struct store *s, const char *origin,
                          struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT name FROM sites WHERE origin=? AND "
                      "source='imported' AND name NOT IN (SELECT name FROM "
                      "temp.import_seen WHERE kind='site') ORDER BY 1", st,
                      e) != 0)
        return -1;
    store_bind_text(*st, 1, origin);
    return 0;
}

int registry_site_recipients(struct store *s, const char *site,
                             struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT c.address, c.fingerprint, 'site', o.name "
                      "FROM sites t JOIN orgs o ON o.id = t.org_id JOIN "
                      "contacts c ON c.org_id = o.id AND c.active = 1 WHERE "
                      "t.name = ?1 UNION ALL SELECT c.address, c.fingerprint, "
                      "'ngi', n.name FROM sites t JOIN orgs o ON o.id = "
                      "t.org_id JOIN orgs n ON n.id = o.ngi_id JOIN contacts "
                      "c ON c.org_id = n.id AND c.active = 1 AND c.role = "
                      "'security officer' WHERE t.name = ?1", st, e) != 0)
        return -1;
    store_bind_text(*st, 1, site);
    return 0;
}
