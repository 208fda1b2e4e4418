/*
 * pgp_remote - the GnuPG operations a sandboxed child needs (verify,
 * decrypt, user-ID match, detached signature), done by its parent.
 *
 * The child's struct pgp (pgp_open_remote) sends each call's arguments
 * over the sandbox channel; the parent's sandbox_serve callback
 * (pgp_remote_serve, with the parent's real struct pgp as its argument)
 * runs the real operation and sends back its result. GnuPG thus keeps
 * running where it always did, in its own processes started by the
 * parent, and the verdicts are those of the same code.
 *
 * The child's side is called only from pgp.c, which dispatches to it.
 */
struct pgp_remote_server;
#ifndef AGW_PGP_REMOTE_H
#define AGW_PGP_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "mail/pgp.h"
#include "util/sandbox.h"
#include "util/buf.h"

/* The parent's side. The child may sign with the gateway key only; the
 * last good verdict served is kept, so that the parent can tell a child
 * that reports a signer GnuPG never vouched for. */
struct pgp_remote_server {
    struct pgp *pgp;
    const char *signer;
    char good_fpr[PGP_FPR_MAX];
    char good_sig[PGP_SIGID_MAX];
    /* its replay key, from the bytes GnuPG verified (never the child's
     * word): PGP_REPLAY_KEY_MAX */
    char good_key[PGP_REPLAY_KEY_MAX];
};

/* Every op of this module is below this; callers may add their own. */
#define PGP_REMOTE_OP_END 32

/* Serve one call (arg: struct pgp_remote_server). */
int pgp_remote_serve(void *arg, uint32_t op, const char *req, size_t len,
                     struct buf *reply, struct err *e);

int pgp_remote_verify_detached(struct sandbox_chan *ch, const char *data,
                               size_t dlen, const char *sig, size_t slen,
                               struct pgp_verdict *v, struct err *e);
int pgp_remote_verify_inline(struct sandbox_chan *ch, const char *msg,
                             size_t len, struct buf *plain,
                             struct pgp_verdict *v, struct err *e);
int pgp_remote_decrypt_verify(struct sandbox_chan *ch, const char *ct,
                              size_t len, struct buf *plain, int *decrypted,
                              struct pgp_verdict *v, struct err *e);
int pgp_remote_uid_match(struct sandbox_chan *ch, const char *fpr,
                         const char *name, const char *addr, struct err *e);
int pgp_remote_sign_detached(struct sandbox_chan *ch, const char *fpr,
                             const char *data, size_t dlen, struct buf *sig,
                             char *micalg, size_t micalg_size,
                             struct err *e);

#endif
