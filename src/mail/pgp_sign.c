/*
 * pgp_sign - what the gateway's key makes: detached signatures (RFC 3156
 * section 5), messages encrypted to pinned keys and signed inside
 * (section 6.2), and the signing key's passphrase.
 */
#include "mail/pgp.h"
#include "mail/pgp_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/pgp_remote.h"
#include "util/limits.h"

#define PGP_ARMOR_BEGIN "-----BEGIN PGP "

/* ---- sign ------------------------------------------------------------ */

/* RFC 3156 section 5: "pgp-" and the hash's lower-case textual name. */
static int pgp_micalg(gpgme_hash_algo_t algo, char *micalg, size_t size,
                      struct err *e)
{
    const char *name = gpgme_hash_algo_name(algo);
    size_t i;
    int n;

    if (name == NULL)
        return err_set(e, ERR_SOFTWARE, "gpgme sign: unknown hash %d",
                       (int)algo);
    n = snprintf(micalg, size, "pgp-%s", name);
    if (n < 0 || (size_t)n >= size)
        return err_set(e, ERR_SOFTWARE, "micalg buffer too small");
    for (i = 0; micalg[i] != '\0'; i++)
        micalg[i] = (char)tolower((unsigned char)micalg[i]);
    return 0;
}

/* GnuPG reports a signer it could not use as an invalid signer; its
 * reason (else the operation's error) tells a missing or unusable key
 * (permanent) from an agent that did not answer (transient). */
static int pgp_sign_failed(gpgme_sign_result_t res, gpgme_error_t rc,
                           struct err *e)
{
    gpgme_invalid_key_t inv = res ? res->invalid_signers : NULL;
    gpgme_error_t why = inv && inv->reason ? inv->reason : rc;

    if (why == 0)
        why = gpgme_error(GPG_ERR_GENERAL);
    return err_set(e, pgp_class(why), "gpgme sign: key %.64s: %s <%s>",
                   inv && inv->fpr ? inv->fpr : "?", gpgme_strerror(why),
                   gpgme_strsource(why));
}

static int pgp_sign_check(gpgme_sign_result_t res, gpgme_key_t key,
                          char *micalg, size_t size, struct err *e)
{
    gpgme_new_signature_t ns;

    if (res == NULL)
        return err_set(e, ERR_SOFTWARE, "gpgme sign: no result");
    if (res->invalid_signers != NULL)
        return pgp_sign_failed(res, 0, e);
    ns = res->signatures;
    if (ns == NULL || ns->next != NULL)
        return err_set(e, ERR_SOFTWARE, "gpgme sign: want one signature");
    if (ns->type != GPGME_SIG_MODE_DETACH)
        return err_set(e, ERR_SOFTWARE, "gpgme sign: not a detached one");
    if (ns->fpr == NULL || pgp_find_subkey(key, ns->fpr) == NULL)
        return err_set(e, ERR_SOFTWARE, "gpgme sign: signed by another key");
    return pgp_micalg(ns->hash_algo, micalg, size, e);
}

/* A fingerprint (pgp_fpr_ok), else ERR_DATA. */
static int pgp_fpr_check(const char *fpr, struct err *e)
{
    if (!pgp_fpr_ok(fpr))
        return err_set(e, ERR_DATA, "not an OpenPGP fingerprint: %.80s",
                       fpr ? fpr : "(null)");
    return 0;
}

/* The signer is looked up as a public key: a secret look-up asks the agent,
 * and an agent that is down must read as transient, not as a missing key. */
int pgp_signer_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                   struct err *e)
{
    gpgme_error_t rc;

    if (pgp_fpr_check(fpr, e) != 0)
        return -1;
    rc = pgp_key_get(p, fpr, key, 0);
    if (gpgme_err_code(rc) == GPG_ERR_EOF)
        return err_set(e, ERR_NOUSER, "no OpenPGP key %s", fpr);
    if (rc != 0)
        return pgp_fail(e, "key lookup", rc);
    return 0;
}

/* GnuPG reports an expired or revoked signing key as "No secret key".
 * Say what it is; ERR_CONFIG keeps the alert waiting for an admin. */
static int pgp_signer_usable(gpgme_key_t key, const char *fpr, struct err *e)
{
    gpgme_subkey_t sk;

    if (key->revoked)
        return err_set(e, ERR_CONFIG, "signing key %s is revoked", fpr);
    if (key->expired)
        return err_set(e, ERR_CONFIG, "signing key %s has expired", fpr);
    if (key->disabled || key->invalid)
        return err_set(e, ERR_CONFIG, "signing key %s is unusable", fpr);
    for (sk = key->subkeys; sk != NULL; sk = sk->next)
        if (sk->can_sign && !sk->expired && !sk->revoked && !sk->disabled
            && !sk->invalid)
            return 0;
    return err_set(e, ERR_CONFIG, "signing key %s: no usable signing key",
                   fpr);
}

int pgp_take_armor(gpgme_data_t out, struct buf *sig, struct err *e)
{
    size_t len = 0;
    char *mem = gpgme_data_release_and_get_mem(out, &len);
    int ret = 0;

    if (mem == NULL || len < sizeof(PGP_ARMOR_BEGIN) - 1
        || memcmp(mem, PGP_ARMOR_BEGIN, sizeof(PGP_ARMOR_BEGIN) - 1) != 0)
        ret = err_set(e, ERR_SOFTWARE, "gpgme: no armoured output");
    else if ((ret = buf_append(sig, mem, len)) != 0)
        ret = pgp_nospace(ret, e, "pgp: output over buffer limit");
    gpgme_free(mem);
    return ret;
}

static int pgp_sign_run(struct pgp *p, gpgme_key_t key, const char *data,
                        size_t dlen, gpgme_data_t *out, char *micalg,
                        size_t size, struct err *e)
{
    gpgme_data_t in = NULL;
    gpgme_error_t rc;

    rc = pgp_data_borrow(&in, data, dlen);
    if (rc == 0)
        rc = gpgme_data_new(out);
    if (rc == 0)
        rc = gpgme_signers_add(p->ctx, key);
    if (rc != 0) {
        gpgme_data_release(in);
        return pgp_fail(e, "sign set-up", rc);
    }
    rc = gpgme_op_sign(p->ctx, in, *out, GPGME_SIG_MODE_DETACH);
    gpgme_data_release(in);
    if (rc != 0)
        return pgp_sign_failed(gpgme_op_sign_result(p->ctx), rc, e);
    return pgp_sign_check(gpgme_op_sign_result(p->ctx), key, micalg, size, e);
}

int pgp_sign_detached(struct pgp *p, const char *fpr, const char *data,
                      size_t dlen, struct buf *sig, char *micalg,
                      size_t micalg_size, struct err *e)
{
    gpgme_key_t key = NULL;
    gpgme_data_t out = NULL;
    int ret;

    if (p->remote)
        return pgp_remote_sign_detached(p->remote, fpr, data, dlen, sig,
                                        micalg, micalg_size, e);

    if (micalg_size > 0)
        micalg[0] = '\0';
    if (pgp_signer_get(p, fpr, &key, e) != 0)
        return -1;
    if (pgp_signer_usable(key, fpr, e) != 0) {
        gpgme_key_unref(key);
        return -1;
    }
    gpgme_signers_clear(p->ctx);
    ret = pgp_sign_run(p, key, data, dlen, &out, micalg, micalg_size, e);
    gpgme_signers_clear(p->ctx);
    gpgme_key_unref(key);
    if (ret == 0)
        ret = pgp_take_armor(out, sig, e);
    else
        gpgme_data_release(out);
    if (ret != 0 && micalg_size > 0)
        micalg[0] = '\0';
    return ret;
}

/* ---- encrypt --------------------------------------------------------- */

/* A pinned recipient key must be able to receive: not revoked, expired,
 * disabled or invalid, with an encryption subkey that is none of these.
 * ERR_NOUSER otherwise, so that the caller can withhold and say why. */
static int pgp_rcpt_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                        struct err *e)
{
    gpgme_subkey_t sk;

    if (pgp_signer_get(p, fpr, key, e) != 0)
        return -1;
    if (!(*key)->revoked && !(*key)->expired && !(*key)->disabled &&
        !(*key)->invalid)
        for (sk = (*key)->subkeys; sk != NULL; sk = sk->next)
            if (sk->can_encrypt && !sk->revoked && !sk->expired &&
                !sk->disabled && !sk->invalid)
                return 0;
    gpgme_key_unref(*key);
    *key = NULL;
    return err_set(e, ERR_NOUSER, "key %s cannot receive encrypted mail "
                   "(revoked, expired or no encryption subkey)", fpr);
}

static void pgp_keys_unref(gpgme_key_t *keys, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        gpgme_key_unref(keys[i]);
}

/* Trust is ours to decide (fingerprints are pinned), hence ALWAYS_TRUST;
 * the GnuPG trust database is not consulted. */
static int pgp_encrypt_run(struct pgp *p, gpgme_key_t *keys,
                           const char *data, size_t len, struct buf *out,
                           struct err *e)
{
    gpgme_data_t in = NULL, cipher = NULL;
    gpgme_encrypt_result_t res;
    gpgme_error_t rc;

    rc = pgp_data_borrow(&in, data, len);
    if (rc == 0)
        rc = gpgme_data_new(&cipher);
    if (rc == 0)
        rc = gpgme_op_encrypt_sign(p->ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST,
                                   in, cipher);
    gpgme_data_release(in);
    if (rc != 0) {
        gpgme_data_release(cipher);
        return pgp_sign_failed(gpgme_op_sign_result(p->ctx), rc, e);
    }
    res = gpgme_op_encrypt_result(p->ctx);
    if (res != NULL && res->invalid_recipients != NULL) {
        gpgme_data_release(cipher);
        return err_set(e, ERR_NOUSER, "gpgme encrypt: recipient %.64s "
                       "refused", res->invalid_recipients->fpr ?
                       res->invalid_recipients->fpr : "?");
    }
    return pgp_take_armor(cipher, out, e);
}

int pgp_encrypt_sign(struct pgp *p, const char *signer,
                     const char *const *rcpts, size_t nrcpts,
                     const char *data, size_t len, struct buf *out,
                     struct err *e)
{
    gpgme_key_t keys[PGP_RCPT_MAX + 1], skey = NULL;
    size_t n = 0;
    int ret = -1;

    if (nrcpts == 0 || nrcpts > PGP_RCPT_MAX)
        return err_set(e, ERR_SOFTWARE, "encrypt: %zu recipients (1..%d)",
                       nrcpts, PGP_RCPT_MAX);
    for (n = 0; n < nrcpts; n++)
        if (pgp_rcpt_get(p, rcpts[n], &keys[n], e) != 0)
            goto out;
    keys[n] = NULL;
    if (pgp_signer_get(p, signer, &skey, e) != 0 ||
        pgp_signer_usable(skey, signer, e) != 0)
        goto out;
    gpgme_signers_clear(p->ctx);
    if (gpgme_signers_add(p->ctx, skey) != 0)
        err_set(e, ERR_SOFTWARE, "gpgme: cannot add signer");
    else
        ret = pgp_encrypt_run(p, keys, data, len, out, e);
    gpgme_signers_clear(p->ctx);
out:
    gpgme_key_unref(skey);
    pgp_keys_unref(keys, n);
    return ret;
}

/* ---- passphrase ------------------------------------------------------ */

/* Loopback pinentry: gpg-agent asks GPGME, GPGME asks us. Asked again
 * means the passphrase was wrong: say so rather than loop. */
static gpgme_error_t pgp_pass_cb(void *hook, const char *uid_hint,
                                 const char *info, int prev_was_bad, int fd)
{
    struct pgp *p = hook;

    (void)uid_hint;
    (void)info;
    if (prev_was_bad || p->pass == NULL)
        return gpgme_error(GPG_ERR_BAD_PASSPHRASE);
    if (gpgme_io_writen(fd, p->pass, p->passlen) != 0 ||
        gpgme_io_writen(fd, "\n", 1) != 0)
        return gpgme_error_from_syserror();
    return 0;
}

/* Only the gateway user may read it: a passphrase others can read
 * protects nothing, so refuse to use it at all. */
static int pgp_pass_open(const char *path, struct err *e)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return err_set(e, ERR_CONFIG, "passphrase_file %s: %s", path,
                       strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        close(fd);
        return err_set(e, ERR_CONFIG, "passphrase_file %s: must be a "
                       "regular file of the gateway user, mode 0600 or "
                       "0400", path);
    }
    return fd;
}

int pgp_passphrase_file(struct pgp *p, const char *path, struct err *e)
{
    char tmp[PGP_PASS_MAX + 1];
    ssize_t n;
    size_t len;
    int fd;

    if (path == NULL || path[0] == '\0')
        return 0;
    if ((fd = pgp_pass_open(path, e)) < 0)
        return -1;
    n = read(fd, tmp, sizeof(tmp) - 1);
    close(fd);
    if (n < 0)
        return err_set(e, ERR_CONFIG, "passphrase_file %s: %s", path,
                       strerror(errno));
    tmp[n] = '\0';
    len = strcspn(tmp, "\r\n");
    p->pass = malloc(len + 1);
    if (p->pass != NULL) {
        memcpy(p->pass, tmp, len);
        p->pass[len] = '\0';
        p->passlen = len;
    }
    explicit_bzero(tmp, sizeof(tmp));
    if (p->pass == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    gpgme_set_passphrase_cb(p->ctx, pgp_pass_cb, p);
    return 0;
}
