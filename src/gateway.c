#include "gateway.h"

#include <string.h>

#include "registry.h"

void gateway_init(struct gateway *g, const struct conf *c)
{
    memset(g, 0, sizeof(*g));
    g->conf = c;
}

void gateway_close(struct gateway *g)
{
    anon_free(g->anon);
    sites_free(g->sites);
    pgp_free(g->pgp);
    store_close(g->store);
    memset(g, 0, sizeof(*g));
}

int gateway_store(struct gateway *g, int create, struct err *e)
{
    if (g->store)
        return 0;
    return store_open(&g->store, g->conf->db_path, create, e);
}

int gateway_pgp(struct gateway *g, struct err *e)
{
    if (g->pgp)
        return 0;
    return pgp_open(&g->pgp, g->conf->gnupg_home, e);
}

int gateway_signing_key(struct gateway *g, struct err *e)
{
    struct store_stmt *st;
    const char *k = g->conf->signing_key;
    int rc;

    if (g->signing_key[0])
        return 0;
    if (*k) {
        snprintf(g->signing_key, sizeof(g->signing_key), "%s", k);
        return 0;
    }
    if (gateway_store(g, 0, e) != 0 ||
        store_prepare(g->store, "SELECT value FROM settings "
                      "WHERE key='signing_key'", &st, e) != 0)
        return -1;
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(g->signing_key, sizeof(g->signing_key), "%s",
                 store_col_text(st, 0));
    store_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_CONFIG, "no signing key (run alertgw init)");
    return rc < 0 ? -1 : 0;
}

static int gateway_keep(struct sites *s, const char *keep, struct err *e)
{
    char host[SITES_NAME_MAX + 1];
    size_t n;

    while (*keep) {
        keep += strspn(keep, " \t,");
        n = strcspn(keep, " \t,");
        if (n == 0)
            break;
        if (n > SITES_NAME_MAX)
            return err_set(e, ERR_CONFIG, "keep-list entry too long");
        memcpy(host, keep, n);
        host[n] = '\0';
        if (sites_keep(s, host, e) != 0)
            return -1;
        keep += n;
    }
    return 0;
}

int gateway_anon(struct gateway *g, struct err *e)
{
    if (g->anon)
        return 0;
    if (g->sites == NULL) {
        g->sites = sites_new();
        if (g->sites == NULL)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (gateway_store(g, 0, e) != 0 ||
            registry_sites_load(g->store, g->sites, e) != 0)
            return -1;
        if (g->conf->sites_file[0] &&
            sites_load_file(g->sites, g->conf->sites_file, e) != 0)
            return -1;
        if (gateway_keep(g->sites, g->conf->keep, e) != 0)
            return -1;
    }
    return anon_new(&g->anon, g->sites, g->conf->rules_dir[0] ?
                    g->conf->rules_dir : NULL, e);
}
