#include "auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

static int auth_refuse(struct auth_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int auth_refuse(struct auth_result *r, const char *fmt, ...)
{
    va_list ap;

    r->ok = 0;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
    return 0;
}

/* PGP/MIME (RFC 3156): the first part is what was signed. */
static int auth_pgp_mime(struct gateway *g, const struct msg *m,
                         struct pgp_verdict *v, struct auth_result *r,
                         struct err *e)
{
    const char *data, *sig;
    size_t dlen, slen;

    if (msg_signed_part(m, &data, &dlen) != 0 ||
        msg_signature(m, &sig, &slen) != 0)
        return auth_refuse(r, "%s", "malformed PGP/MIME structure");
    if (gateway_pgp(g, e) != 0 ||
        pgp_verify_detached(g->pgp, data, dlen, sig, slen, v, e) != 0)
        return -1;
    r->ok = 1;
    return 0;
}

static int auth_officer(struct gateway *g, const struct pgp_verdict *v,
                        struct auth_result *r, struct err *e)
{
    int rc;

    snprintf(r->signer, sizeof(r->signer), "%s", v->fpr);
    r->signed_at = v->created;
    if (!v->valid)
        return auth_refuse(r, "signature not valid: %s", v->reason);
    rc = registry_officer_active(g->store, v->fpr, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return auth_refuse(r, "signer %s is not an authorised officer",
                           v->fpr);
    if (v->created + g->conf->max_sig_age < time(NULL))
        return auth_refuse(r, "%s", "signature older than "
                           "max_signature_age");
    return 0;
}

int auth_check(struct gateway *g, const struct msg *m, struct auth_result *r,
               struct err *e)
{
    struct pgp_verdict v;
    struct err pe;

    memset(r, 0, sizeof(*r));
    memset(&v, 0, sizeof(v));
    if (!msg_is_pgp_signed(m))
        return auth_refuse(r, "%s", "not a PGP/MIME signed message");
    if (auth_pgp_mime(g, m, &v, r, e) != 0)
        return -1;
    if (!r->ok)
        return 0;
    r->ok = 0;
    if (auth_officer(g, &v, r, e) != 0)
        return -1;
    if (r->reason[0])
        return 0;
    err_init(&pe);
    if (msg_content(m, &r->content, &pe) != 0) {
        r->malformed = 1;
        return auth_refuse(r, "malformed content: %.400s", pe.msg);
    }
    r->ok = 1;
    return 0;
}

void auth_result_free(struct auth_result *r)
{
    if (r == NULL)
        return;
    msg_content_free(r->content);
    r->content = NULL;
}
