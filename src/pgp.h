/*
 * pgp - OpenPGP through GPGME (the only module that includes gpgme.h).
 *
 * One struct pgp per GnuPG home. Verification trusts nothing of GnuPG's
 * trust database: it reports the primary-key fingerprint of the key that
 * made the signature, and the caller decides against the pinned officers.
 *
 * Errors: ERR_TEMP when the agent or the engine is unavailable (retry
 * later; never send unsigned), ERR_DATA for bad input (not OpenPGP data),
 * ERR_NOUSER for a missing key, ERR_SOFTWARE for the rest.
 *
 * Ownership: returned buffers are appended to the caller's struct buf.
 */
#ifndef AGW_PGP_H
#define AGW_PGP_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "util/buf.h"

#define PGP_FPR_MAX 64          /* hex fingerprint + NUL, v4 and v5 */

struct pgp;

int pgp_open(struct pgp **out, const char *gnupg_home, struct err *e);
void pgp_free(struct pgp *p);

struct pgp_verdict {
    int valid;              /* 1: exactly one good signature, key usable,
                               hash not MD5/SHA-1 */
    char fpr[PGP_FPR_MAX];  /* primary key fingerprint ("" when unknown) */
    time_t created;         /* signature creation time */
    char reason[256];       /* why not valid */
};

/* Verify a detached signature over data. Returns 0 when verification ran
 * (v says valid or why not), -1 on a transient or internal failure. */
int pgp_verify_detached(struct pgp *p, const char *data, size_t dlen,
                        const char *sig, size_t slen, struct pgp_verdict *v,
                        struct err *e);

/* Detached ASCII-armoured signature over data by the key fpr; micalg gets
 * the RFC 3156 name of the hash GPGME used ("pgp-sha256"). */
int pgp_sign_detached(struct pgp *p, const char *fpr, const char *data,
                      size_t dlen, struct buf *sig, char *micalg,
                      size_t micalg_size, struct err *e);

/* New ed25519 signing key (cv25519 encryption subkey), no passphrase, for
 * `init`, the demo and tests. */
int pgp_create_key(struct pgp *p, const char *uid, char fpr[PGP_FPR_MAX],
                   struct err *e);
/* Import keys; fpr gets the primary fingerprint of the first key. Data
 * holding only revocation certificates is applied with fpr "" (GnuPG does
 * not say which key it revoked). ERR_DATA when no key was taken. */
int pgp_import(struct pgp *p, const char *data, size_t len,
               char fpr[PGP_FPR_MAX], struct err *e);
/* Armoured public key. */
int pgp_export(struct pgp *p, const char *fpr, struct buf *out,
               struct err *e);
/* 1 when a secret key with that fingerprint is in the home. */
int pgp_has_secret(struct pgp *p, const char *fpr);

/* pgp_create_key with options: expires is seconds from now (0: never);
 * PGP_CREATE_SIGN_SUBKEY makes a certify-only primary key with a separate
 * ed25519 signing subkey. fpr gets the primary fingerprint. */
#define PGP_CREATE_SIGN_SUBKEY 0x1u
int pgp_create_key_ex(struct pgp *p, const char *uid, unsigned long expires,
                      unsigned int flags, char fpr[PGP_FPR_MAX],
                      struct err *e);
/* Expiry of the primary key fpr (0: never). ERR_NOUSER when unknown. */
int pgp_key_expiry(struct pgp *p, const char *fpr, time_t *expires,
                   struct err *e);

#endif
