/*
 * pgp - the GPGME context (open, free, errors), what the module's files
 * share (pgp_int.h), and verification: detached, inline, and inside a
 * decryption. Signing and encryption are in pgp_sign.c, keys in
 * pgp_keys.c.
 */
#include "mail/pgp.h"
#include "mail/pgp_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mail/pgp_remote.h"

/* Oldest GPGME with gpgme_op_createkey/createsubkey and the verify fields
 * we read. */
#define PGP_GPGME_MIN "1.13.0"

/* gpg-agent's longest socket name inside the home ("S.gpg-agent.browser"). */
#define PGP_SOCK_NAME_MAX (sizeof("/S.gpg-agent.browser") - 1)

/* Map a GPGME error to our codes. Anything we do not recognise as the
 * caller's fault or ours is taken as the engine or agent failing: the alert
 * waits for the worker rather than leaving unsigned or unjudged. */
enum err_code pgp_class(gpgme_error_t rc)
{
    switch (gpgme_err_code(rc)) {
    case GPG_ERR_ENOMEM:
        return ERR_NOMEM;
    case GPG_ERR_NO_DATA:
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_INV_DATA:
    case GPG_ERR_INV_PACKET:
    case GPG_ERR_INV_ARMOR:
    case GPG_ERR_UNKNOWN_PACKET:
        return ERR_DATA;
    case GPG_ERR_EOF:
    case GPG_ERR_NO_PUBKEY:
    case GPG_ERR_NO_SECKEY:
    case GPG_ERR_UNUSABLE_SECKEY:
    case GPG_ERR_UNUSABLE_PUBKEY:
    case GPG_ERR_AMBIGUOUS_NAME:
        return ERR_NOUSER;
    case GPG_ERR_KEY_EXPIRED:       /* our own key: an admin must act, */
    case GPG_ERR_CERT_REVOKED:      /* and until then the alert waits */
    case GPG_ERR_BAD_PASSPHRASE:
    case GPG_ERR_NO_PASSPHRASE:
    case GPG_ERR_NO_PIN_ENTRY:
        return ERR_CONFIG;
    case GPG_ERR_INV_VALUE:
    case GPG_ERR_NOT_IMPLEMENTED:
    case GPG_ERR_NOT_SUPPORTED:
    case GPG_ERR_INV_ENGINE:
        return ERR_SOFTWARE;
    default:
        return ERR_TEMP;
    }
}

int pgp_fail(struct err *e, const char *what, gpgme_error_t rc)
{
    return err_set(e, pgp_class(rc), "gpgme %s: %s <%s>", what,
                   gpgme_strerror(rc), gpgme_strsource(rc));
}

/* A full buffer (buf.h): out of memory is temporary (ERR_NOMEM), the
 * caller's cap is not (ERR_TOOBIG, what). */
int pgp_nospace(int rc, struct err *e, const char *what)
{
    if (rc == BUF_ENOMEM)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    return err_set(e, ERR_TOOBIG, "%s", what);
}

/* Errors that say gpg could not do its job (not there, broken
 * configuration, out of memory, disk, pipes), as opposed to what it read.
 * Verify reads hostile input: every other error is the sender's, and
 * must quarantine the alert rather than have the worker retry it forever. */
int pgp_engine_failed(gpgme_error_t rc)
{
    gpgme_err_code_t c = gpgme_err_code(rc);

    if (c & GPG_ERR_SYSTEM_ERROR)
        return 1;
    if (c >= GPG_ERR_ASS_GENERAL && c <= GPG_ERR_ASS_PARAMETER)
        return 1;
    switch (c) {
    case GPG_ERR_GENERAL:           /* gpg exited without saying why */
    case GPG_ERR_NO_AGENT:
    case GPG_ERR_AGENT:
    case GPG_ERR_CONFIGURATION:
    case GPG_ERR_INV_ENGINE:
    case GPG_ERR_ENGINE_TOO_OLD:
    case GPG_ERR_KEYRING_OPEN:
    case GPG_ERR_TIMEOUT:
    case GPG_ERR_INTERNAL:
    case GPG_ERR_BUG:
        return 1;
    default:
        return 0;
    }
}

/* Patterns given to GnuPG must be fingerprints: a user-ID substring could
 * pick a different key than the one the registry names. */
int pgp_fpr_ok(const char *fpr)
{
    size_t n;

    if (fpr == NULL)
        return 0;
    for (n = 0; fpr[n] != '\0'; n++)
        if (!isxdigit((unsigned char)fpr[n]))
            return 0;
    return n == 40 || n == 64;
}


void pgp_fpr_copy(char dst[PGP_FPR_MAX], const char *src)
{
    int n = snprintf(dst, PGP_FPR_MAX, "%s", src ? src : "");

    if (n < 0 || n >= PGP_FPR_MAX)
        dst[0] = '\0';
}

/* The agent's socket lives in the home unless /run/user/UID exists; past
 * sun_path it cannot be bound and every operation fails with "No agent
 * running", so say so now with the real cause. */
static int pgp_home_check(const char *home, struct err *e)
{
    struct sockaddr_un sa;
    struct stat st;
    char rundir[64];

    if (stat(home, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_CONFIG, "GnuPG home %s: not a directory", home);
    if (strlen(home) + PGP_SOCK_NAME_MAX < sizeof(sa.sun_path))
        return 0;
    snprintf(rundir, sizeof(rundir), "/run/user/%lu",
             (unsigned long)getuid());
    if (access(rundir, W_OK) == 0)
        return 0;
    return err_set(e, ERR_CONFIG,
                   "GnuPG home %s: path too long for the agent socket", home);
}

/* gpgme_check_version initialises the library; it is safe to repeat, so
 * every pgp_open calls it instead of keeping a global flag. */
static int pgp_lib_init(struct err *e)
{
    gpgme_error_t rc;

    if (gpgme_check_version(PGP_GPGME_MIN) == NULL)
        return err_set(e, ERR_CONFIG, "GPGME %s is older than %s",
                       gpgme_check_version(NULL), PGP_GPGME_MIN);
    rc = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
    if (rc != 0)
        return err_set(e, ERR_CONFIG, "GnuPG engine unusable: %s",
                       gpgme_strerror(rc));
    return 0;
}

static int pgp_ctx_setup(gpgme_ctx_t ctx, const char *home, struct err *e)
{
    gpgme_error_t rc;

    rc = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
    if (rc == 0)
        rc = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL,
                                       home);
    /* Loopback: the agent must never pop up a pinentry on a server. Keys
     * are unprotected for now; a protected one fails instead of hanging. */
    if (rc == 0)
        rc = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
    if (rc == 0)
        rc = gpgme_set_keylist_mode(ctx, GPGME_KEYLIST_MODE_LOCAL);
    if (rc != 0)
        return pgp_fail(e, "context", rc);
    gpgme_set_armor(ctx, 1);
    /* No key server look-ups (auto-key-retrieve in a gpg.conf): an
     * unknown signer stays unknown, and verify never waits on the net. */
    gpgme_set_offline(ctx, 1);
    return 0;
}

/* Two things GPGME's results do not carry: SIG_ID, GnuPG's id of a good
 * signature (the same whatever armour or line breaks carry it: what replay
 * detection needs), and how many literal data packets were met (a detached
 * signature must have none, a signed message exactly one: more is the
 * "double plaintext" attack). */
static gpgme_error_t pgp_status(void *opaque, const char *kw,
                                const char *args)
{
    struct pgp *p = opaque;
    size_t n;

    if (strcmp(kw, "PLAINTEXT") == 0) {
        p->plaintexts++;
    } else if (strcmp(kw, "SIG_ID") == 0 && args != NULL) {
        n = strcspn(args, " ");
        if (n < sizeof(p->sig_id))
            snprintf(p->sig_id, sizeof(p->sig_id), "%.*s", (int)n, args);
    }
    return 0;
}

static void pgp_status_reset(struct pgp *p)
{
    p->sig_id[0] = '\0';
    p->plaintexts = 0;
}

/* gpgme_get_key makes a context of its own for every look-up, and
 * giving it our home makes GPGME run `gpg --version` again: two gpg
 * processes per key looked up (issue 15). One look-up context, set up
 * once with the main one, costs the listing alone. */
gpgme_error_t pgp_key_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                          int secret)
{
    gpgme_key_t extra = NULL;
    gpgme_error_t rc;

    *key = NULL;
    rc = gpgme_op_keylist_start(p->lctx, fpr, secret);
    if (rc == 0)
        rc = gpgme_op_keylist_next(p->lctx, key);
    /* as gpgme_get_key: the same key listed twice is not ambiguous */
    while (rc == 0 && gpgme_op_keylist_next(p->lctx, &extra) == 0) {
        int same = extra->fpr && (*key)->fpr &&
                   strcmp(extra->fpr, (*key)->fpr) == 0;

        gpgme_key_unref(extra);
        if (same)
            continue;
        gpgme_key_unref(*key);
        *key = NULL;
        rc = gpgme_error(GPG_ERR_AMBIGUOUS_NAME);
    }
    gpgme_op_keylist_end(p->lctx);
    return rc;
}

static int pgp_lctx_open(struct pgp *p, const char *home, struct err *e)
{
    gpgme_error_t rc = gpgme_new(&p->lctx);

    if (rc != 0)
        return pgp_fail(e, "new", rc);
    return pgp_ctx_setup(p->lctx, home, e);
}

int pgp_open(struct pgp **out, const char *gnupg_home, struct err *e)
{
    struct pgp *p;
    gpgme_error_t rc;

    *out = NULL;
    if (gnupg_home != NULL && pgp_home_check(gnupg_home, e) != 0)
        return -1;
    if (pgp_lib_init(e) != 0)
        return -1;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    rc = gpgme_new(&p->ctx);
    if (rc != 0) {
        free(p);
        return pgp_fail(e, "new", rc);
    }
    if (pgp_ctx_setup(p->ctx, gnupg_home, e) != 0 ||
        pgp_lctx_open(p, gnupg_home, e) != 0) {
        pgp_free(p);
        return -1;
    }
    rc = gpgme_set_ctx_flag(p->ctx, "full-status", "1");
    if (rc != 0) {
        pgp_free(p);
        return pgp_fail(e, "full-status", rc);
    }
    gpgme_set_status_cb(p->ctx, pgp_status, p);
    *out = p;
    return 0;
}

int pgp_open_remote(struct pgp **out, struct sandbox_chan *ch,
                    struct err *e)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    (*out)->remote = ch;
    return 0;
}

void pgp_free(struct pgp *p)
{
    if (p == NULL)
        return;
    if (p->pass) {
        explicit_bzero(p->pass, p->passlen);
        free(p->pass);
    }
    if (p->ctx)
        gpgme_release(p->ctx);
    if (p->lctx)
        gpgme_release(p->lctx);
    free(p);
}

/* Borrowed: GPGME reads the caller's bytes in place (copy = 0), so they
 * must outlive the gpgme_data_t. An empty input may come as NULL. */
gpgme_error_t pgp_data_borrow(gpgme_data_t *d, const char *mem, size_t len)
{
    return gpgme_data_new_from_mem(d, mem != NULL ? mem : "", len, 0);
}

/* ---- verify ---------------------------------------------------------- */

/* Record why a signature is refused; the first reason wins, like err. */
static void pgp_refuse(struct pgp_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pgp_refuse(struct pgp_verdict *v, const char *fmt, ...)
{
    va_list ap;

    v->valid = 0;
    if (v->reason[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
    va_end(ap);
}

/* Only the SHA-2 family: MD5 and SHA-1 collide, and RIPEMD-160 and
 * friends have no place in new signatures either. */
static void pgp_judge_hash(gpgme_hash_algo_t algo, struct pgp_verdict *v)
{
    const char *name;

    switch (algo) {
    case GPGME_MD_SHA224:
    case GPGME_MD_SHA256:
    case GPGME_MD_SHA384:
    case GPGME_MD_SHA512:
        return;
    case GPGME_MD_MD5:
        pgp_refuse(v, "MD5 signature refused");
        return;
    case GPGME_MD_SHA1:
        pgp_refuse(v, "SHA-1 signature refused");
        return;
    default:
        name = gpgme_hash_algo_name(algo);
        pgp_refuse(v, "%s signature refused", name ? name : "unknown hash");
    }
}

/* GnuPG's own status first: it says what the cryptography found. */
static void pgp_judge_status(gpgme_signature_t sig, struct pgp_verdict *v)
{
    const char *by = sig->fpr ? sig->fpr : "unknown key";

    switch (gpgme_err_code(sig->status)) {
    case GPG_ERR_NO_ERROR:
        return;
    case GPG_ERR_BAD_SIGNATURE:
        pgp_refuse(v, "bad signature");
        return;
    case GPG_ERR_NO_PUBKEY:
        pgp_refuse(v, "no public key for signature by %.64s", by);
        return;
    case GPG_ERR_KEY_EXPIRED:
        pgp_refuse(v, "key expired");
        return;
    case GPG_ERR_CERT_REVOKED:
        pgp_refuse(v, "key revoked");
        return;
    case GPG_ERR_SIG_EXPIRED:
        pgp_refuse(v, "signature expired");
        return;
    default:
        pgp_refuse(v, "signature not checked: %s",
                   gpgme_strerror(sig->status));
    }
}

/* The summary is GnuPG's opinion including its trust database. We ignore
 * the trust part (GREEN/VALID need owner trust we do not keep; the caller
 * pins fingerprints) but honour every bit that says "do not believe". */
static void pgp_judge_summary(gpgme_signature_t sig, struct pgp_verdict *v)
{
    gpgme_sigsum_t s = sig->summary;

    if (s & GPGME_SIGSUM_RED)
        pgp_refuse(v, "bad signature");
    if (s & GPGME_SIGSUM_KEY_MISSING)
        pgp_refuse(v, "no public key for signature by %.64s",
                   sig->fpr ? sig->fpr : "unknown key");
    if (s & GPGME_SIGSUM_KEY_REVOKED)
        pgp_refuse(v, "key revoked");
    if (s & GPGME_SIGSUM_KEY_EXPIRED)
        pgp_refuse(v, "key expired");
    if (s & GPGME_SIGSUM_SIG_EXPIRED)
        pgp_refuse(v, "signature expired");
    if (s & GPGME_SIGSUM_SYS_ERROR)
        pgp_refuse(v, "signature not checked: system error");
    if (sig->wrong_key_usage)
        pgp_refuse(v, "key not for signing");
}

gpgme_subkey_t pgp_find_subkey(gpgme_key_t key, const char *fpr)
{
    gpgme_subkey_t sk;

    for (sk = key->subkeys; sk != NULL; sk = sk->next)
        if (sk->fpr != NULL && strcasecmp(sk->fpr, fpr) == 0)
            return sk;
    return NULL;
}

static void pgp_judge_key(gpgme_key_t key, const char *sig_fpr,
                          struct pgp_verdict *v)
{
    gpgme_subkey_t sk = pgp_find_subkey(key, sig_fpr);

    if (key->revoked || (sk && sk->revoked))
        pgp_refuse(v, "key revoked");
    if (key->expired || (sk && sk->expired))
        pgp_refuse(v, "key expired");
    if (key->disabled || (sk && sk->disabled))
        pgp_refuse(v, "key disabled");
    if (key->invalid || (sk && sk->invalid))
        pgp_refuse(v, "key invalid");
    if (sk == NULL)
        pgp_refuse(v, "signing key %.64s not in its certificate", sig_fpr);
    else if (!sk->can_sign)
        pgp_refuse(v, "key not for signing");
}

/* sig->fpr may name a signing subkey; the officer is pinned by the
 * primary key, so look the certificate up and report that. */
static int pgp_lookup_signer(struct pgp *p, const char *sig_fpr,
                             struct pgp_verdict *v, struct err *e)
{
    gpgme_key_t key = NULL;
    gpgme_error_t rc;

    if (!pgp_fpr_ok(sig_fpr)) {
        pgp_refuse(v, "no usable fingerprint in signature");
        return 0;
    }
    rc = pgp_key_get(p, sig_fpr, &key, 0);
    if (gpgme_err_code(rc) == GPG_ERR_EOF) {
        pgp_refuse(v, "no public key for signature by %s", sig_fpr);
        return 0;
    }
    if (rc != 0)
        return pgp_fail(e, "key lookup", rc);
    if (key->subkeys != NULL)
        pgp_fpr_copy(v->fpr, key->subkeys->fpr);
    pgp_judge_key(key, sig_fpr, v);
    gpgme_key_unref(key);
    return 0;
}

/* Statuses after which the signature is cryptographically sound, so the
 * signer is known and worth naming even when we refuse it. */
static int pgp_signer_known(gpgme_error_t status)
{
    switch (gpgme_err_code(status)) {
    case GPG_ERR_NO_ERROR:
    case GPG_ERR_KEY_EXPIRED:
    case GPG_ERR_CERT_REVOKED:
    case GPG_ERR_SIG_EXPIRED:
        return 1;
    default:
        return 0;
    }
}

static int pgp_judge(struct pgp *p, gpgme_verify_result_t res,
                     struct pgp_verdict *v, struct err *e)
{
    gpgme_signature_t sig;
    char sig_fpr[PGP_FPR_MAX];
    int n = 0;

    for (sig = res ? res->signatures : NULL; sig != NULL; sig = sig->next)
        n++;
    v->nsigs = n;
    if (n == 0) {
        pgp_refuse(v, "no signature found");
        return 0;
    }
    if (n > 1) {
        pgp_refuse(v, "%d signatures", n);
        return 0;
    }
    sig = res->signatures;
    v->created = (time_t)sig->timestamp;
    pgp_judge_status(sig, v);
    pgp_judge_summary(sig, v);
    pgp_judge_hash(sig->hash_algo, v);
    if (!pgp_signer_known(sig->status))
        return 0;
    /* Copy: the key look-up below may reuse the context's result. */
    pgp_fpr_copy(sig_fpr, sig->fpr);
    return pgp_lookup_signer(p, sig_fpr, v, e);
}

/* Literal data packets: none in a detached signature (else gpg verifies
 * the data it carries, not ours), exactly one in a signed message. */
static void pgp_judge_plaintexts(const struct pgp *p, int want,
                                 struct pgp_verdict *v)
{
    if (want == 0 && p->plaintexts > 0)
        pgp_refuse(v, "signature part carries signed data of its own");
    else if (want == 1 && p->plaintexts != 1)
        pgp_refuse(v, "%d plaintexts in one signed message",
                   p->plaintexts);
}

static int pgp_verify_run(struct pgp *p, gpgme_data_t sigd, gpgme_data_t txt,
                          gpgme_data_t plain, struct pgp_verdict *v,
                          struct err *e)
{
    gpgme_error_t rc;

    pgp_status_reset(p);
    rc = gpgme_op_verify(p->ctx, sigd, txt, plain);

    if (rc != 0 && pgp_engine_failed(rc))
        return pgp_fail(e, "verify", rc);
    if (gpgme_err_code(rc) == GPG_ERR_NO_DATA) {
        pgp_refuse(v, "no signature found");
        return 0;
    }
    if (rc != 0) {
        pgp_refuse(v, "unreadable signature: %s", gpgme_strerror(rc));
        return 0;
    }
    if (pgp_judge(p, gpgme_op_verify_result(p->ctx), v, e) != 0)
        return -1;
    pgp_judge_plaintexts(p, plain != NULL, v);
    snprintf(v->sig_id, sizeof(v->sig_id), "%s", p->sig_id);
    v->valid = v->reason[0] == '\0';
    return 0;
}

int pgp_verify_detached(struct pgp *p, const char *data, size_t dlen,
                        const char *sig, size_t slen, struct pgp_verdict *v,
                        struct err *e)
{
    gpgme_data_t sigd = NULL, txt = NULL;
    gpgme_error_t rc;
    int ret;

    if (p->remote)
        return pgp_remote_verify_detached(p->remote, data, dlen, sig, slen,
                                          v, e);

    memset(v, 0, sizeof(*v));
    rc = pgp_data_borrow(&sigd, sig, slen);
    if (rc == 0)
        rc = pgp_data_borrow(&txt, data, dlen);
    if (rc != 0)
        ret = pgp_fail(e, "data", rc);
    else
        ret = pgp_verify_run(p, sigd, txt, NULL, v, e);
    gpgme_data_release(sigd);
    gpgme_data_release(txt);
    if (ret != 0)
        memset(v, 0, sizeof(*v));
    return ret;
}

/* What GnuPG wrote into plain, appended to out. */
static int pgp_take_plain(gpgme_data_t plain, struct buf *out, struct err *e)
{
    size_t len = 0;
    char *mem = gpgme_data_release_and_get_mem(plain, &len);
    int ret = 0;

    if (len > 0 && (ret = buf_append(out, mem, len)) != 0)
        ret = pgp_nospace(ret, e, "pgp: plaintext over buffer limit");
    gpgme_free(mem);
    return ret;
}

int pgp_verify_inline(struct pgp *p, const char *msg, size_t len,
                      struct buf *plain, struct pgp_verdict *v,
                      struct err *e)
{
    gpgme_data_t in = NULL, out = NULL;
    gpgme_error_t rc;
    int ret;

    if (p->remote)
        return pgp_remote_verify_inline(p->remote, msg, len, plain, v, e);

    memset(v, 0, sizeof(*v));
    rc = pgp_data_borrow(&in, msg, len);
    if (rc == 0)
        rc = gpgme_data_new(&out);
    if (rc != 0)
        ret = pgp_fail(e, "data", rc);
    else
        ret = pgp_verify_run(p, in, NULL, out, v, e);
    gpgme_data_release(in);
    if (ret == 0 && v->valid)
        ret = pgp_take_plain(out, plain, e);
    else
        gpgme_data_release(out);
    if (ret != 0)
        memset(v, 0, sizeof(*v));
    return ret;
}

/* Decryption failures that are the sender's (not for our key, corrupt,
 * no integrity protection): a verdict, not an error. */
static int pgp_decrypt_refused(gpgme_error_t rc, struct pgp_verdict *v)
{
    switch (gpgme_err_code(rc)) {
    case GPG_ERR_NO_SECKEY:
        pgp_refuse(v, "not encrypted to the gateway key");
        return 1;
    case GPG_ERR_DECRYPT_FAILED:
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_NO_DATA:
    case GPG_ERR_INV_PACKET:
    case GPG_ERR_UNKNOWN_PACKET:
    case GPG_ERR_BAD_MPI:
    case GPG_ERR_CIPHER_ALGO:
    case GPG_ERR_UNSUPPORTED_ALGORITHM:
        pgp_refuse(v, "cannot decrypt: %s", gpgme_strerror(rc));
        return 1;
    default:
        return 0;
    }
}

static int pgp_decrypt_judge(struct pgp *p, struct pgp_verdict *v,
                             struct err *e)
{
    gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(p->ctx);
    gpgme_verify_result_t vr = gpgme_op_verify_result(p->ctx);

    if (dr == NULL || dr->unsupported_algorithm || dr->legacy_cipher_nomdc) {
        pgp_refuse(v, "encryption without integrity protection");
        return 0;
    }
    if (vr == NULL || vr->signatures == NULL) {
        v->nsigs = 0;
        pgp_judge_plaintexts(p, 1, v);
        return 0;
    }
    if (pgp_judge(p, vr, v, e) != 0)
        return -1;
    pgp_judge_plaintexts(p, 1, v);
    snprintf(v->sig_id, sizeof(v->sig_id), "%s", p->sig_id);
    v->valid = v->reason[0] == '\0';
    return 0;
}

static int pgp_decrypt_run(struct pgp *p, gpgme_data_t in, gpgme_data_t out,
                           int *decrypted, struct pgp_verdict *v,
                           struct err *e)
{
    gpgme_error_t rc;

    pgp_status_reset(p);
    rc = gpgme_op_decrypt_verify(p->ctx, in, out);
    if (rc != 0 && pgp_engine_failed(rc))
        return pgp_fail(e, "decrypt", rc);
    if (rc != 0 && pgp_decrypt_refused(rc, v))
        return 0;
    if (rc != 0)
        return pgp_fail(e, "decrypt", rc);
    *decrypted = 1;
    return pgp_decrypt_judge(p, v, e);
}

int pgp_decrypt_verify(struct pgp *p, const char *ct, size_t len,
                       struct buf *plain, int *decrypted,
                       struct pgp_verdict *v, struct err *e)
{
    gpgme_data_t in = NULL, out = NULL;
    gpgme_error_t rc;
    int ret;

    if (p->remote)
        return pgp_remote_decrypt_verify(p->remote, ct, len, plain,
                                         decrypted, v, e);

    memset(v, 0, sizeof(*v));
    *decrypted = 0;
    rc = pgp_data_borrow(&in, ct, len);
    if (rc == 0)
        rc = gpgme_data_new(&out);
    if (rc != 0)
        ret = pgp_fail(e, "data", rc);
    else
        ret = pgp_decrypt_run(p, in, out, decrypted, v, e);
    gpgme_data_release(in);
    if (ret == 0 && *decrypted && v->reason[0] == '\0')
        ret = pgp_take_plain(out, plain, e);
    else
        gpgme_data_release(out);
    if (ret != 0 || v->reason[0] != '\0')
        *decrypted = 0;
    return ret;
}
