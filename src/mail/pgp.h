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

#include "util/err.h"
#include "util/buf.h"
#include "util/limits.h"

struct pgp;

int pgp_open(struct pgp **out, const char *gnupg_home, struct err *e);
void pgp_free(struct pgp *p);
/* In a sandboxed child: a pgp whose verify, decrypt, user-ID match and
 * detached signing are done by the parent (pgp_remote.h); every other
 * operation must not be called there. */
struct sandbox_chan;
int pgp_open_remote(struct pgp **out, struct sandbox_chan *ch,
                    struct err *e);

struct pgp_verdict {
    int valid;              /* 1: exactly one good signature, key usable,
                               hash not MD5/SHA-1 */
    char fpr[PGP_FPR_MAX];  /* primary key fingerprint ("" when unknown) */
    time_t created;         /* signature creation time */
    char reason[256];       /* why not valid */
    int nsigs;              /* signatures found */
    char sig_id[PGP_SIGID_MAX]; /* GnuPG's id of the good signature: the
                               same signature gives the same id however it
                               is armoured ("" when not good) */
};

/* Verify a detached signature over data. Returns 0 when verification ran
 * (v says valid or why not), -1 on a transient or internal failure. */
int pgp_verify_detached(struct pgp *p, const char *data, size_t dlen,
                        const char *sig, size_t slen, struct pgp_verdict *v,
                        struct err *e);

/* Verify an inline OpenPGP message: a cleartext-signed block (RFC 4880
 * section 7) or a signed message. On a valid signature plain gets exactly
 * the text it covers (dash-escaping undone). A message with more or fewer
 * than one literal data packet (GPGME's "double plaintext" case) is not
 * valid. Returns as pgp_verify_detached. */
int pgp_verify_inline(struct pgp *p, const char *msg, size_t len,
                      struct buf *plain, struct pgp_verdict *v,
                      struct err *e);

/* Decrypt an OpenPGP message with a secret key of the home, verifying a
 * signature made inside the encryption. *decrypted 1: plain holds the
 * plaintext and v judges its signature (v->nsigs 0: none was made inside;
 * the plaintext may be a signed entity of its own). *decrypted 0: v->reason
 * says why not (not for our key, corrupt, no integrity protection). -1 only
 * for a transient or internal failure. */
int pgp_decrypt_verify(struct pgp *p, const char *ct, size_t len,
                       struct buf *plain, int *decrypted,
                       struct pgp_verdict *v, struct err *e);

/* 1 when a user ID of key fpr (neither revoked nor invalid) carries the
 * address addr (case-insensitive) and, when name is not "", that name
 * (case and repeated spaces aside); 0 when none does; -1 on error
 * (ERR_NOUSER: no such key). */
int pgp_uid_match(struct pgp *p, const char *fpr, const char *name,
                  const char *addr, struct err *e);

struct pgp_keyinfo {
    char fpr[PGP_FPR_MAX];  /* primary */
    char uid[256];          /* first user ID */
    int revoked, expired, invalid;      /* the primary key's state */
    int can_sign, can_encrypt;          /* some usable (sub)key can */
    time_t expires;         /* primary key expiry, 0: never */
    time_t use_expires;     /* earliest expiry of a usable subkey, 0: never */
};
/* State of key fpr; ERR_NOUSER when the home does not hold it. */
int pgp_key_info(struct pgp *p, const char *fpr, struct pgp_keyinfo *ki,
                 struct err *e);
/* Call fn for every public key of the home; fn returns non-zero (and sets
 * its own error) to stop with -1. */
int pgp_key_each(struct pgp *p, int (*fn)(void *arg,
                 const struct pgp_keyinfo *ki), void *arg, struct err *e);

/* Detached ASCII-armoured signature over data by the key fpr; micalg gets
 * the RFC 3156 name of the hash GPGME used ("pgp-sha256"). */
int pgp_sign_detached(struct pgp *p, const char *fpr, const char *data,
                      size_t dlen, struct buf *sig, char *micalg,
                      size_t micalg_size, struct err *e);

/* A passphrase-protected signing key: the first line of path is given to
 * gpg-agent through loopback pinentry (never a pinentry window). The file
 * must be a regular file owned by the gateway user and readable by nobody
 * else (ERR_CONFIG otherwise). A wrong passphrase is not retried: signing
 * fails with ERR_CONFIG, and the alert waits. The passphrase is kept in p
 * and wiped by pgp_free. path NULL or "": no passphrase (unprotected key). */
int pgp_passphrase_file(struct pgp *p, const char *path, struct err *e);

/* Encrypt data to the pinned keys rcpts (fingerprints) and sign it inside
 * the encryption with signer, in one OpenPGP message (RFC 3156 section
 * 6.2), ASCII-armoured into out. A recipient key that cannot receive
 * (revoked, expired, unknown, no encryption subkey) is ERR_NOUSER, naming
 * it, before anything is made; signer failures as pgp_sign_detached. At
 * most 64 recipients. */
int pgp_encrypt_sign(struct pgp *p, const char *signer,
                     const char *const *rcpts, size_t nrcpts,
                     const char *data, size_t len, struct buf *out,
                     struct err *e);

/* ---- many recipients at once (pgp_batch.c; issue 15) ----------------
 * GPGME runs gpg once per operation: looking up or encrypting to each
 * recipient's key on its own costs several gpg processes per recipient.
 * These load every key of a list in one listing and encrypt for all of
 * them in one operation. */

/* Pinned keys looked up together; opaque. */
struct pgp_keyset;
/* Fingerprints given to one key listing (one gpg run); a longer list
 * takes several. Bounded so that gpg's command line stays small. */
#define PGP_KEYLIST_BATCH 1000
/* The keys fprs[0..n) (duplicates and non-fingerprints allowed: the
 * latter are never found) in one listing per PGP_KEYLIST_BATCH. *out is
 * the caller's (pgp_keyset_free). ERR_TEMP when gpg fails. */
int pgp_keyset_load(struct pgp *p, const char *const *fprs, size_t n,
                    struct pgp_keyset **out, struct err *e);
void pgp_keyset_free(struct pgp_keyset *ks);
/* State of key fpr as the listing found it, as pgp_key_info does
 * (ERR_NOUSER: the home does not hold it). No gpg run. */
int pgp_keyset_info(const struct pgp_keyset *ks, const char *fpr,
                    struct pgp_keyinfo *ki, struct err *e);

struct pgp_each {
    const char *fpr;    /* in: a key of the keyset (borrowed) */
    struct buf *out;    /* in: its message is appended here (borrowed) */
    int refused;        /* out: 1 when GnuPG would not encrypt to it (out
                           untouched) */
};
/* data encrypted once, in one gpg run, to the keys of r[0..n) (trust is
 * the caller's: pinned fingerprints), and cut into one message per key:
 * that key's PKESK and the shared encrypted data, ASCII-armoured into
 * r[i].out. Each message names only its recipient's key: a PKESK that
 * maps to no key, to two keys, or a key with no or two PKESKs fails the
 * whole call (ERR_SOFTWARE) rather than risk a message naming another
 * recipient. Recipients may share a key. A key GnuPG refuses is marked
 * refused and the rest encrypted without it (one more run). At most
 * PGP_PKESK_COUNT_MAX keys (pgp_packets.h). */
int pgp_encrypt_each(struct pgp *p, const struct pgp_keyset *ks,
                     struct pgp_each *r, size_t n, const char *data,
                     size_t len, struct err *e);

/* New ed25519 signing key (cv25519 encryption subkey), no passphrase, for
 * `init`, the demo and tests. */
int pgp_create_key(struct pgp *p, const char *uid, char fpr[PGP_FPR_MAX],
                   struct err *e);
/* Import public keys; fpr gets the primary fingerprint of the first key.
 * Data holding only revocation certificates is applied with fpr "" (GnuPG
 * does not say which key it revoked). ERR_DATA when no key was taken, and
 * when the data holds a secret key: nothing of it is imported then. */
int pgp_import(struct pgp *p, const char *data, size_t len,
               char fpr[PGP_FPR_MAX], struct err *e);
/* The same, secret keys taken: only `init --import-key`, for the
 * gateway's own signing key. */
int pgp_import_secret(struct pgp *p, const char *data, size_t len,
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
