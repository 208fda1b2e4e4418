/*
 * pgp_int - what the files of the pgp module share: the handle and the
 * helpers each of them needs. Not for other modules (they see pgp.h, and
 * gpgme.h stays inside this module).
 *
 *   pgp.c       the context, errors, verification and decryption
 *   pgp_sign.c  signing, encryption, the signing key's passphrase
 *   pgp_keys.c  creating, importing and exporting keys, their state
 *   pgp_batch.c many keys in one listing, one encryption cut per key
 */
#ifndef AGW_PGP_INT_H
#define AGW_PGP_INT_H

#include <stddef.h>

#include <gpgme.h>

#include "mail/pgp.h"
#include "util/buf.h"
#include "util/err.h"

struct pgp {
    gpgme_ctx_t ctx;
    /* Key look-ups (pgp_key_get), so that they leave ctx's results alone
     * without a context per look-up. */
    gpgme_ctx_t lctx;
    /* From GnuPG's status lines during the last verify (pgp_status). */
    char sig_id[PGP_SIGID_MAX];
    int plaintexts;
    char *pass;             /* signing key passphrase, wiped on free */
    size_t passlen;
    /* In a sandboxed child: no GPGME, every call goes to the parent. */
    struct sandbox_chan *remote;
};

/* pgp.c */
/* Our code for a GPGME error; pgp_fail sets e with it ("gpgme what: ...")
 * and returns -1. */
enum err_code pgp_class(gpgme_error_t rc);
int pgp_fail(struct err *e, const char *what, gpgme_error_t rc);
/* A failed buf_append (rc): ERR_NOMEM, or ERR_TOOBIG with what; -1. */
int pgp_nospace(int rc, struct err *e, const char *what);
/* 1 when gpg could not do its job (as opposed to what it read). */
int pgp_engine_failed(gpgme_error_t rc);
/* 1 when fpr is a v4 or v5 hex fingerprint. */
int pgp_fpr_ok(const char *fpr);
/* src into dst, or "" when it does not fit. */
void pgp_fpr_copy(char dst[PGP_FPR_MAX], const char *src);
/* mem, borrowed: it must outlive *d. */
gpgme_error_t pgp_data_borrow(gpgme_data_t *d, const char *mem, size_t len);
/* gpgme_get_key without its cost: key fpr (secret: with its secret
 * parts) from p's look-up context. Same answers: GPG_ERR_EOF when the
 * home has no such key, GPG_ERR_AMBIGUOUS_NAME when two match; *key is
 * the caller's (gpgme_key_unref). */
gpgme_error_t pgp_key_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                          int secret);
/* The (sub)key of key with fingerprint fpr, or NULL. */
gpgme_subkey_t pgp_find_subkey(gpgme_key_t key, const char *fpr);

/* pgp_keys.c */
/* What ki says of key (usable parts, expiry, first user ID). */
void pgp_key_fill(gpgme_key_t key, struct pgp_keyinfo *ki);

/* pgp_sign.c */
/* The public key fpr (ERR_NOUSER when the home has none); the caller
 * unrefs *key. */
int pgp_signer_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                   struct err *e);
/* GnuPG's armoured output appended to sig; out is released. */
int pgp_take_armor(gpgme_data_t out, struct buf *sig, struct err *e);

#endif
