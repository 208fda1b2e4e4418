/*
 * pgp_keys - the keys of the home: created, imported, exported, and their
 * state (user IDs, expiry, what they can do) as the registry and the
 * pipeline ask for it.
 */
#include "mail/pgp.h"
#include "mail/pgp_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mail/pgp_remote.h"

/* ---- keys ------------------------------------------------------------ */

static int pgp_add_subkey(struct pgp *p, const char *fpr, const char *algo,
                          unsigned long expires, unsigned int use,
                          struct err *e)
{
    gpgme_key_t key = NULL;
    gpgme_error_t rc;
    unsigned int flags = use | GPGME_CREATE_NOPASSWD;

    if (expires == 0)
        flags |= GPGME_CREATE_NOEXPIRE;
    rc = pgp_key_get(p, fpr, &key, 1);
    if (rc == 0)
        rc = gpgme_op_createsubkey(p->ctx, key, algo, 0, expires, flags);
    gpgme_key_unref(key);
    if (rc != 0)
        return pgp_fail(e, "create subkey", rc);
    return 0;
}

static int pgp_add_primary(struct pgp *p, const char *uid,
                           unsigned long expires, unsigned int use,
                           char fpr[PGP_FPR_MAX], struct err *e)
{
    gpgme_genkey_result_t res;
    gpgme_error_t rc;
    unsigned int flags = use | GPGME_CREATE_NOPASSWD | GPGME_CREATE_FORCE;

    if (expires == 0)
        flags |= GPGME_CREATE_NOEXPIRE;
    rc = gpgme_op_createkey(p->ctx, uid, "ed25519", 0, expires, NULL, flags);
    if (rc != 0)
        return pgp_fail(e, "create key", rc);
    res = gpgme_op_genkey_result(p->ctx);
    if (res == NULL || !pgp_fpr_ok(res->fpr))
        return err_set(e, ERR_SOFTWARE, "gpgme create key: no fingerprint");
    pgp_fpr_copy(fpr, res->fpr);
    return 0;
}

int pgp_create_key_ex(struct pgp *p, const char *uid, unsigned long expires,
                      unsigned int flags, char fpr[PGP_FPR_MAX],
                      struct err *e)
{
    int split = (flags & PGP_CREATE_SIGN_SUBKEY) != 0;
    char got[PGP_FPR_MAX];

    fpr[0] = '\0';
    if (uid == NULL || uid[0] == '\0')
        return err_set(e, ERR_DATA, "pgp: empty user ID");
    if (pgp_add_primary(p, uid, expires,
                        split ? GPGME_CREATE_CERT : GPGME_CREATE_SIGN, got,
                        e) != 0)
        return -1;
    if (split && pgp_add_subkey(p, got, "ed25519", expires,
                                GPGME_CREATE_SIGN, e) != 0)
        return -1;
    if (pgp_add_subkey(p, got, "cv25519", expires, GPGME_CREATE_ENCR, e) != 0)
        return -1;
    pgp_fpr_copy(fpr, got);
    return 0;
}

int pgp_create_key(struct pgp *p, const char *uid, char fpr[PGP_FPR_MAX],
                   struct err *e)
{
    return pgp_create_key_ex(p, uid, 0, 0, fpr, e);
}

/* The first key GnuPG took (new or unchanged). Import results name the
 * primary key already; the look-up makes sure it is really in the home. */
static int pgp_import_first(struct pgp *p, gpgme_import_result_t res,
                            char fpr[PGP_FPR_MAX], struct err *e)
{
    gpgme_import_status_t st;
    gpgme_key_t key = NULL;
    gpgme_error_t rc;

    for (st = res->imports; st != NULL; st = st->next)
        if (st->result == 0 && pgp_fpr_ok(st->fpr))
            break;
    if (st == NULL)
        return err_set(e, ERR_DATA, "pgp import: no key imported");
    rc = pgp_key_get(p, st->fpr, &key, 0);
    if (rc != 0)
        return pgp_fail(e, "import look-up", rc);
    if (key->subkeys != NULL)
        pgp_fpr_copy(fpr, key->subkeys->fpr);
    gpgme_key_unref(key);
    if (fpr[0] == '\0')
        return err_set(e, ERR_SOFTWARE, "pgp import: key without primary");
    return 0;
}

/* 1 when data holds a secret key, 0 when not, -1 when GnuPG cannot say.
 * Listed without importing: a secret key for someone else's user id must
 * never reach the gateway's home, even for a moment. */
static int pgp_data_has_secret(struct pgp *p, const char *data, size_t len,
                               struct err *e)
{
    gpgme_data_t in = NULL;
    gpgme_key_t key;
    gpgme_error_t rc;
    int found = 0;

    rc = pgp_data_borrow(&in, data, len);
    if (rc == 0)
        rc = gpgme_op_keylist_from_data_start(p->ctx, in, 0);
    while (rc == 0 && (rc = gpgme_op_keylist_next(p->ctx, &key)) == 0) {
        found |= key->secret;
        gpgme_key_unref(key);
    }
    gpgme_op_keylist_end(p->ctx);
    gpgme_data_release(in);
    if (rc != 0 && gpgme_err_code(rc) != GPG_ERR_EOF) {
        if (pgp_engine_failed(rc))
            return pgp_fail(e, "import check", rc);
        return 0;   /* not a key GnuPG can list: the import says why */
    }
    return found;
}

static int pgp_import_any(struct pgp *p, const char *data, size_t len,
                          char fpr[PGP_FPR_MAX], struct err *e)
{
    gpgme_data_t in = NULL;
    gpgme_import_result_t res;
    gpgme_error_t rc;

    fpr[0] = '\0';
    rc = pgp_data_borrow(&in, data, len);
    if (rc == 0)
        rc = gpgme_op_import(p->ctx, in);
    gpgme_data_release(in);
    if (rc != 0 && !pgp_engine_failed(rc))
        return err_set(e, ERR_DATA, "pgp import: %s", gpgme_strerror(rc));
    if (rc != 0)
        return pgp_fail(e, "import", rc);
    res = gpgme_op_import_result(p->ctx);
    if (res == NULL || res->considered == 0)
        return err_set(e, ERR_DATA, "pgp import: no OpenPGP key found");
    /* A bare revocation certificate is taken but GnuPG names no key for
     * it (no IMPORT_OK): success, fpr "". */
    if (res->imports == NULL && res->new_revocations > 0)
        return 0;
    if (res->imported == 0 && res->unchanged == 0
        && res->secret_imported == 0 && res->secret_unchanged == 0)
        return err_set(e, ERR_DATA, "pgp import: %d keys, none taken",
                       res->considered);
    return pgp_import_first(p, res, fpr, e);
}

int pgp_import(struct pgp *p, const char *data, size_t len,
               char fpr[PGP_FPR_MAX], struct err *e)
{
    int secret = pgp_data_has_secret(p, data, len, e);

    fpr[0] = '\0';
    if (secret < 0)
        return -1;
    if (secret)
        return err_set(e, ERR_DATA, "pgp import: refused, the file holds a "
                       "secret key (give the public key only: gpg --export "
                       "--armor FINGERPRINT)");
    return pgp_import_any(p, data, len, fpr, e);
}

int pgp_import_secret(struct pgp *p, const char *data, size_t len,
                      char fpr[PGP_FPR_MAX], struct err *e)
{
    return pgp_import_any(p, data, len, fpr, e);
}

int pgp_export(struct pgp *p, const char *fpr, struct buf *out,
               struct err *e)
{
    gpgme_key_t key = NULL;
    gpgme_data_t d = NULL;
    gpgme_error_t rc;

    /* Look up first: exporting an unknown key "succeeds" with no output. */
    if (pgp_signer_get(p, fpr, &key, e) != 0)
        return -1;
    gpgme_key_unref(key);
    rc = gpgme_data_new(&d);
    if (rc == 0)
        rc = gpgme_op_export(p->ctx, fpr, 0, d);
    if (rc != 0) {
        gpgme_data_release(d);
        return pgp_fail(e, "export", rc);
    }
    return pgp_take_armor(d, out, e);
}

int pgp_has_secret(struct pgp *p, const char *fpr)
{
    gpgme_key_t key = NULL;
    int has;

    if (!pgp_fpr_ok(fpr))
        return 0;
    if (pgp_key_get(p, fpr, &key, 1) != 0)
        return 0;
    has = key->secret && key->subkeys != NULL
          && strcasecmp(key->subkeys->fpr, fpr) == 0;
    gpgme_key_unref(key);
    return has;
}

int pgp_key_expiry(struct pgp *p, const char *fpr, time_t *expires,
                   struct err *e)
{
    gpgme_key_t key = NULL;

    *expires = 0;
    if (pgp_signer_get(p, fpr, &key, e) != 0)
        return -1;
    if (key->subkeys != NULL)
        *expires = (time_t)key->subkeys->expires;
    gpgme_key_unref(key);
    return 0;
}

/* ---- user IDs and key state ------------------------------------------ */

static int pgp_same_name(const char *a, const char *b)
{
    /* Case and runs of white space do not make another person. */
    while (*a || *b) {
        while (*a == ' ' && a[1] == ' ')
            a++;
        while (*b == ' ' && b[1] == ' ')
            b++;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        if (*a)
            a++;
        if (*b)
            b++;
    }
    return 1;
}

int pgp_uid_match(struct pgp *p, const char *fpr, const char *name,
                  const char *addr, struct err *e)
{
    gpgme_key_t key = NULL;
    gpgme_user_id_t u;
    int hit = 0;

    if (p->remote)
        return pgp_remote_uid_match(p->remote, fpr, name, addr, e);

    if (pgp_signer_get(p, fpr, &key, e) != 0)
        return -1;
    for (u = key->uids; u != NULL && !hit; u = u->next) {
        if (u->revoked || u->invalid || u->email == NULL)
            continue;
        if (strcasecmp(u->email, addr) != 0)
            continue;
        hit = name[0] == '\0' || (u->name && pgp_same_name(u->name, name));
    }
    gpgme_key_unref(key);
    return hit;
}

void pgp_key_fill(gpgme_key_t key, struct pgp_keyinfo *ki)
{
    gpgme_subkey_t sk;

    pgp_fpr_copy(ki->fpr, key->subkeys ? key->subkeys->fpr : "");
    snprintf(ki->uid, sizeof(ki->uid), "%s",
             key->uids && key->uids->uid ? key->uids->uid : "");
    ki->revoked = key->revoked;
    ki->expired = key->expired;
    ki->invalid = key->invalid || key->disabled;
    ki->expires = key->subkeys ? (time_t)key->subkeys->expires : 0;
    for (sk = key->subkeys; sk != NULL; sk = sk->next) {
        if (sk->revoked || sk->expired || sk->disabled || sk->invalid)
            continue;
        ki->can_sign |= sk->can_sign;
        ki->can_encrypt |= sk->can_encrypt;
        /* The key is as good as its last usable part for what it does. */
        if (sk->expires != 0 && (ki->use_expires == 0 ||
                                 (time_t)sk->expires < ki->use_expires))
            ki->use_expires = (time_t)sk->expires;
    }
}

int pgp_key_info(struct pgp *p, const char *fpr, struct pgp_keyinfo *ki,
                 struct err *e)
{
    gpgme_key_t key = NULL;

    memset(ki, 0, sizeof(*ki));
    if (pgp_signer_get(p, fpr, &key, e) != 0)
        return -1;
    pgp_key_fill(key, ki);
    gpgme_key_unref(key);
    return 0;
}

int pgp_key_each(struct pgp *p, int (*fn)(void *arg,
                 const struct pgp_keyinfo *ki), void *arg, struct err *e)
{
    struct pgp_keyinfo ki;
    gpgme_key_t key;
    gpgme_error_t rc;
    int ret = 0;

    rc = gpgme_op_keylist_start(p->ctx, NULL, 0);
    while (rc == 0 && ret == 0 &&
           (rc = gpgme_op_keylist_next(p->ctx, &key)) == 0) {
        memset(&ki, 0, sizeof(ki));
        pgp_key_fill(key, &ki);
        gpgme_key_unref(key);
        ret = fn(arg, &ki);
    }
    gpgme_op_keylist_end(p->ctx);
    if (ret != 0)
        return -1;
    if (gpgme_err_code(rc) != GPG_ERR_EOF)
        return pgp_fail(e, "key list", rc);
    return 0;
}
