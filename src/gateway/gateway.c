#include "gateway/gateway.h"

#include <string.h>

#include "registry/registry.h"
#include "util/pack.h"

/* The child's own call, beside pgp_remote's. */
#define GATEWAY_OP_OFFICER (PGP_REMOTE_OP_END + 1)

void gateway_init(struct gateway *g, const struct conf *c)
{
    memset(g, 0, sizeof(*g));
    g->conf = c;
}

void gateway_close(struct gateway *g)
{
    leak_free(g->leak);
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
    if (pgp_open(&g->pgp, g->conf->gnupg_home, e) != 0)
        return -1;
    if (pgp_passphrase_file(g->pgp, g->conf->passphrase_file, e) != 0) {
        pgp_free(g->pgp);
        g->pgp = NULL;
        return -1;
    }
    return 0;
}

int gateway_signing_key(struct gateway *g, struct err *e)
{
    const char *k = g->conf->signing_key;
    int rc;

    if (g->signing_key[0])
        return 0;
    if (*k) {
        snprintf(g->signing_key, sizeof(g->signing_key), "%s", k);
        return 0;
    }
    if (gateway_store(g, 0, e) != 0)
        return -1;
    rc = store_setting_get(g->store, "signing_key", g->signing_key,
                           sizeof(g->signing_key), e);
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
    struct anon_limits lim;

    if (g->anon && g->leak)
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
    if (g->anon == NULL) {
        /* no rules at all would anonymise no account and no DN */
        if (g->conf->rules_dir[0] == '\0')
            return err_set(e, ERR_CONFIG, "[anonymise] rules_dir is empty");
        if (anon_new(&g->anon, g->sites, g->conf->rules_dir, e) != 0)
            return -1;
        gateway_anon_limits(g->conf, &lim);
        if (anon_set_limits(g->anon, &lim, e) != 0)
            return -1;
    }
    /* here, in the parent: a sandboxed child inherits it with ICU and
     * libxml2 already loaded, so it opens no file */
    return g->leak ? 0 : leak_new(&g->leak, g->sites, e);
}

void gateway_anon_limits(const struct conf *c, struct anon_limits *l)
{
    l->match_limit = (unsigned long)c->pcre2_match_limit;
    l->depth_limit = (unsigned long)c->pcre2_depth_limit;
    l->heap_kib = (unsigned long)c->pcre2_heap_limit;
    l->jit_stack_kib = (unsigned long)c->pcre2_jit_stack;
}

void gateway_msg_limits(const struct gateway *g, struct msg_limits *lim)
{
    const struct conf *c = g->conf;

    msg_limits_default(lim);
    lim->max_size = (size_t)c->max_size;
    lim->max_headers = (size_t)c->max_headers;
    lim->max_header = (size_t)c->max_header_length;
    lim->max_line = (size_t)c->max_line_length;
    lim->max_depth = (size_t)c->max_mime_depth;
    lim->max_parts = (size_t)c->max_parts;
}

int gateway_officer_active(struct gateway *g, const char *fpr,
                           struct err *e)
{
    struct buf reply;
    struct unpack u;
    int64_t yes = -1;

    if (g->remote == NULL)
        return registry_officer_active(g->store, fpr, e);
    buf_init(&reply, 64);
    if (sandbox_call(g->remote, GATEWAY_OP_OFFICER, fpr, strlen(fpr), &reply,
                     e) == 0) {
        unpack_init(&u, reply.data ? reply.data : "", reply.len);
        yes = unpack_i64(&u);
        if (!unpack_done(&u) || yes < 0 || yes > 1)
            yes = err_set(e, ERR_SOFTWARE, "%s", "garbled officer reply");
    }
    buf_free(&reply);
    return (int)yes;
}

int gateway_enter_sandbox(struct gateway *g, struct sandbox_chan *ch,
                          struct err *e)
{
    g->store = NULL;
    g->remote = ch;
    return pgp_open_remote(&g->pgp, ch, e);
}

void gateway_server_init(struct gateway_server *s, struct gateway *g)
{
    memset(s, 0, sizeof(*s));
    s->g = g;
    s->pgp.pgp = g->pgp;
    s->pgp.signer = g->signing_key[0] ? g->signing_key : NULL;
}

static int gateway_serve_officer(struct gateway *g, const char *req,
                                 size_t len, struct buf *reply, struct err *e)
{
    char fpr[PGP_FPR_MAX];
    int yes;

    if (len >= sizeof(fpr) || memchr(req, '\0', len) != NULL)
        return err_set(e, ERR_SOFTWARE, "%s", "bad officer request");
    memcpy(fpr, req, len);
    fpr[len] = '\0';
    yes = registry_officer_active(g->store, fpr, e);
    return yes < 0 ? -1 : pack_i64(reply, yes);
}

int gateway_serve(void *arg, uint32_t op, const char *req, size_t len,
                  struct buf *reply, struct err *e)
{
    struct gateway_server *s = arg;

    if (op == GATEWAY_OP_OFFICER)
        return gateway_serve_officer(s->g, req, len, reply, e);
    if (op < PGP_REMOTE_OP_END && s->pgp.pgp != NULL)
        return pgp_remote_serve(&s->pgp, op, req, len, reply, e);
    return err_set(e, ERR_SOFTWARE, "unknown call %u from the child", op);
}
