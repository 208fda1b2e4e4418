/* dists - distributions: the lists an alert's address feeds. */
#include "registry/registry_int.h"

#include <string.h>

#include "db/alerts.h"

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
        alerts_count_dist(s, id, &n, e) != 0)
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
