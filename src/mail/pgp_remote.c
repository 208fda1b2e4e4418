#include "mail/pgp_remote.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>

#include "util/pack.h"
#include "util/limits.h"

enum pgp_op {
    PGP_OP_VERIFY_DETACHED = 1,
    PGP_OP_VERIFY_INLINE,
    PGP_OP_DECRYPT_VERIFY,
    PGP_OP_UID_MATCH,
    PGP_OP_SIGN_DETACHED
};

static int remote_pack_verdict(struct buf *b, const struct pgp_verdict *v)
{
    return pack_i64(b, v->valid) | pack_puts(b, v->fpr) |
           pack_i64(b, (int64_t)v->created) | pack_puts(b, v->reason) |
           pack_i64(b, v->nsigs) | pack_puts(b, v->sig_id);
}

static void remote_unpack_verdict(struct unpack *u, struct pgp_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->valid = unpack_i64(u) != 0;
    unpack_fixed(u, v->fpr, sizeof(v->fpr));
    v->created = (time_t)unpack_i64(u);
    unpack_fixed(u, v->reason, sizeof(v->reason));
    v->nsigs = (int)unpack_i64(u);
    unpack_fixed(u, v->sig_id, sizeof(v->sig_id));
}

/* ---- the child's side ------------------------------------------------ */

/* One call: request in req, reply parsed by the caller from *u. */
static int remote_call(struct sandbox_chan *ch, uint32_t op,
                       const struct buf *req, struct buf *reply,
                       struct unpack *u, struct err *e)
{
    if (sandbox_call(ch, op, req->data ? req->data : "", req->len, reply,
                     e) != 0)
        return -1;
    unpack_init(u, reply->data ? reply->data : "", reply->len);
    return 0;
}

static int remote_garbled(struct err *e)
{
    return err_set(e, ERR_SOFTWARE, "%s", "pgp: garbled reply from the "
                   "parent");
}

static int remote_plain_verdict(struct sandbox_chan *ch, uint32_t op,
                                const struct buf *req, struct buf *plain,
                                int *flag, struct pgp_verdict *v,
                                struct err *e)
{
    struct buf reply;
    struct unpack u;
    const char *p;
    size_t n;
    int rc = -1;

    buf_init(&reply, PGP_REMOTE_ARG_MAX);
    if (remote_call(ch, op, req, &reply, &u, e) == 0) {
        if (flag)
            *flag = unpack_i64(&u) != 0;
        remote_unpack_verdict(&u, v);
        p = unpack_bytes(&u, &n);
        if (!unpack_done(&u))
            remote_garbled(e);
        else if (buf_append(plain, p, n) != 0)
            err_set(e, ERR_TOOBIG, "%s", "pgp: plaintext over its limit");
        else
            rc = 0;
    }
    buf_free(&reply);
    return rc;
}

int pgp_remote_verify_detached(struct sandbox_chan *ch, const char *data,
                               size_t dlen, const char *sig, size_t slen,
                               struct pgp_verdict *v, struct err *e)
{
    struct buf req, none;
    int rc = -1;

    buf_init(&req, PGP_REMOTE_ARG_MAX);
    buf_init(&none, 0);
    if (pack_put(&req, data, dlen) != 0 || pack_put(&req, sig, slen) != 0)
        err_set(e, ERR_TOOBIG, "%s", "pgp: request too large");
    else
        rc = remote_plain_verdict(ch, PGP_OP_VERIFY_DETACHED, &req, &none,
                                  NULL, v, e);
    buf_free(&req);
    buf_free(&none);
    return rc;
}

int pgp_remote_verify_inline(struct sandbox_chan *ch, const char *msg,
                             size_t len, struct buf *plain,
                             struct pgp_verdict *v, struct err *e)
{
    struct buf req;
    int rc = -1;

    buf_init(&req, PGP_REMOTE_ARG_MAX);
    if (pack_put(&req, msg, len) != 0)
        err_set(e, ERR_TOOBIG, "%s", "pgp: request too large");
    else
        rc = remote_plain_verdict(ch, PGP_OP_VERIFY_INLINE, &req, plain,
                                  NULL, v, e);
    buf_free(&req);
    return rc;
}

int pgp_remote_decrypt_verify(struct sandbox_chan *ch, const char *ct,
                              size_t len, struct buf *plain, int *decrypted,
                              struct pgp_verdict *v, struct err *e)
{
    struct buf req;
    int rc = -1;

    buf_init(&req, PGP_REMOTE_ARG_MAX);
    if (pack_put(&req, ct, len) != 0)
        err_set(e, ERR_TOOBIG, "%s", "pgp: request too large");
    else
        rc = remote_plain_verdict(ch, PGP_OP_DECRYPT_VERIFY, &req, plain,
                                  decrypted, v, e);
    buf_free(&req);
    return rc;
}

int pgp_remote_uid_match(struct sandbox_chan *ch, const char *fpr,
                         const char *name, const char *addr, struct err *e)
{
    struct buf req, reply;
    struct unpack u;
    int64_t hit = -1;

    buf_init(&req, 3 * PGP_REMOTE_NAME_MAX);
    buf_init(&reply, 64);
    if (pack_puts(&req, fpr) != 0 || pack_puts(&req, name) != 0 ||
        pack_puts(&req, addr) != 0)
        err_set(e, ERR_TOOBIG, "%s", "pgp: request too large");
    else if (remote_call(ch, PGP_OP_UID_MATCH, &req, &reply, &u, e) == 0) {
        hit = unpack_i64(&u);
        if (!unpack_done(&u) || hit < 0 || hit > 1) {
            hit = -1;
            remote_garbled(e);
        }
    }
    buf_free(&req);
    buf_free(&reply);
    return (int)hit;
}

int pgp_remote_sign_detached(struct sandbox_chan *ch, const char *fpr,
                             const char *data, size_t dlen, struct buf *sig,
                             char *micalg, size_t micalg_size,
                             struct err *e)
{
    struct buf req, reply;
    struct unpack u;
    const char *p;
    size_t n;
    int rc = -1;

    buf_init(&req, PGP_REMOTE_ARG_MAX);
    buf_init(&reply, PGP_REMOTE_ARG_MAX);
    if (pack_puts(&req, fpr) != 0 || pack_put(&req, data, dlen) != 0)
        err_set(e, ERR_TOOBIG, "%s", "pgp: request too large");
    else if (remote_call(ch, PGP_OP_SIGN_DETACHED, &req, &reply, &u,
                         e) == 0) {
        unpack_fixed(&u, micalg, micalg_size);
        p = unpack_bytes(&u, &n);
        if (!unpack_done(&u))
            remote_garbled(e);
        else if (buf_append(sig, p, n) != 0)
            err_set(e, ERR_TOOBIG, "%s", "pgp: signature over its limit");
        else
            rc = 0;
    }
    buf_free(&req);
    buf_free(&reply);
    return rc;
}

/* ---- the parent's side ----------------------------------------------- */

static int serve_bad(struct err *e)
{
    return err_set(e, ERR_SOFTWARE, "%s", "pgp: malformed request from the "
                   "child");
}

static int serve_verdict(struct buf *reply, int flag, int with_flag,
                         const struct pgp_verdict *v, const struct buf *plain,
                         struct err *e)
{
    if ((with_flag && pack_i64(reply, flag) != 0) ||
        remote_pack_verdict(reply, v) != 0 ||
        pack_put(reply, plain->data ? plain->data : "", plain->len) != 0)
        return err_set(e, ERR_TOOBIG, "%s", "pgp: reply too large");
    return 0;
}

/* A replay is the same signed content by the same key at the same time:
 * neither a re-encoded signature (ECDSA's s and n-s) nor new outer
 * headers change it. */
static int serve_replay_key(const struct pgp_verdict *v, const char *content,
                            size_t len, char out[PGP_REPLAY_KEY_MAX])
{
    unsigned char md[32];
    char hex[2 * sizeof(md) + 1];
    size_t i;

    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, content, len, md) != 0)
        return -1;
    for (i = 0; i < sizeof(md); i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(out, PGP_REPLAY_KEY_MAX, "%s:%s:%lld", hex, v->fpr,
             (long long)v->created);
    return 0;
}

static int serve_note_good(struct pgp_remote_server *srv,
                           const struct pgp_verdict *v, const char *content,
                           size_t len, struct err *e)
{
    if (!v->valid)
        return 0;
    snprintf(srv->good_fpr, sizeof(srv->good_fpr), "%s", v->fpr);
    snprintf(srv->good_sig, sizeof(srv->good_sig), "%s", v->sig_id);
    if (serve_replay_key(v, content, len, srv->good_key) != 0)
        return err_set(e, ERR_SOFTWARE, "%s", "pgp: cannot hash the signed "
                       "content");
    return 0;
}

static int serve_verify(struct pgp_remote_server *srv, uint32_t op,
                        struct unpack *u, struct buf *reply, struct err *e)
{
    struct pgp *p = srv->pgp;
    struct pgp_verdict v;
    struct buf plain;
    const char *a, *b = NULL;
    size_t an, bn = 0;
    int decrypted = 0, rc = -1;

    a = unpack_bytes(u, &an);
    if (op == PGP_OP_VERIFY_DETACHED)
        b = unpack_bytes(u, &bn);
    if (!unpack_done(u))
        return serve_bad(e);
    memset(&v, 0, sizeof(v));
    buf_init(&plain, PGP_REMOTE_ARG_MAX);
    if (op == PGP_OP_VERIFY_DETACHED)
        rc = pgp_verify_detached(p, a, an, b, bn, &v, e);
    else if (op == PGP_OP_VERIFY_INLINE)
        rc = pgp_verify_inline(p, a, an, &plain, &v, e);
    else
        rc = pgp_decrypt_verify(p, a, an, &plain, &decrypted, &v, e);
    if (rc == 0)
        rc = op == PGP_OP_VERIFY_DETACHED
             ? serve_note_good(srv, &v, a, an, e)
             : serve_note_good(srv, &v, plain.data ? plain.data : "",
                               plain.len, e);
    if (rc == 0)
        rc = serve_verdict(reply, decrypted, op == PGP_OP_DECRYPT_VERIFY, &v,
                           &plain, e);
    buf_free(&plain);
    return rc;
}

static int serve_uid_match(struct pgp *p, struct unpack *u,
                           struct buf *reply, struct err *e)
{
    char *fpr = unpack_str(u, PGP_REMOTE_NAME_MAX);
    char *name = unpack_str(u, PGP_REMOTE_NAME_MAX);
    char *addr = unpack_str(u, PGP_REMOTE_NAME_MAX);
    int rc = -1, hit;

    if (!unpack_done(u))
        serve_bad(e);
    else if ((hit = pgp_uid_match(p, fpr, name, addr, e)) >= 0)
        rc = pack_i64(reply, hit);
    free(fpr);
    free(name);
    free(addr);
    return rc;
}

static int serve_sign(struct pgp_remote_server *srv, struct unpack *u,
                      struct buf *reply, struct err *e)
{
    char *fpr = unpack_str(u, PGP_REMOTE_NAME_MAX);
    char micalg[64];
    const char *data;
    struct buf sig;
    size_t n;
    int rc = -1;

    data = unpack_bytes(u, &n);
    buf_init(&sig, PGP_REMOTE_ARG_MAX);
    if (!unpack_done(u))
        serve_bad(e);
    else if (srv->signer == NULL || strcasecmp(fpr, srv->signer) != 0)
        err_set(e, ERR_SOFTWARE, "%s", "pgp: the child asked for a "
                "signature by another key than the gateway's");
    else if (pgp_sign_detached(srv->pgp, fpr, data, n, &sig, micalg,
                               sizeof(micalg), e) == 0) {
        rc = pack_puts(reply, micalg) | pack_put(reply, sig.data ? sig.data
                                                 : "", sig.len);
        if (rc != 0)
            err_set(e, ERR_TOOBIG, "%s", "pgp: reply too large");
    }
    buf_free(&sig);
    free(fpr);
    return rc;
}

int pgp_remote_serve(void *arg, uint32_t op, const char *req, size_t len,
                     struct buf *reply, struct err *e)
{
    struct pgp_remote_server *srv = arg;
    struct unpack u;

    unpack_init(&u, req, len);
    switch (op) {
    case PGP_OP_VERIFY_DETACHED:
    case PGP_OP_VERIFY_INLINE:
    case PGP_OP_DECRYPT_VERIFY:
        return serve_verify(srv, op, &u, reply, e);
    case PGP_OP_UID_MATCH:
        return serve_uid_match(srv->pgp, &u, reply, e);
    case PGP_OP_SIGN_DETACHED:
        return serve_sign(srv, &u, reply, e);
    default:
        return serve_bad(e);
    }
}
