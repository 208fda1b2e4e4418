#include "mail/pgp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gpgme.h>

#include "mail/pgp_remote.h"

/* Oldest GPGME with gpgme_op_createkey/createsubkey and the verify fields
 * we read. */
#define PGP_GPGME_MIN "1.13.0"

/* gpg-agent's longest socket name inside the home ("S.gpg-agent.browser"). */
#define PGP_SOCK_NAME_MAX (sizeof("/S.gpg-agent.browser") - 1)

#define PGP_ARMOR_BEGIN "-----BEGIN PGP "

struct pgp {
    gpgme_ctx_t ctx;
    /* From GnuPG's status lines during the last verify (pgp_status). */
    char sig_id[PGP_SIGID_MAX];
    int plaintexts;
    char *pass;             /* signing key passphrase, wiped on free */
    size_t passlen;
    /* In a sandboxed child: no GPGME, every call goes to the parent. */
    struct sandbox_chan *remote;
};

/* Map a GPGME error to our codes. Anything we do not recognise as the
 * caller's fault or ours is taken as the engine or agent failing: the alert
 * waits for the worker rather than leaving unsigned or unjudged. */
static enum err_code pgp_class(gpgme_error_t rc)
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

static int pgp_fail(struct err *e, const char *what, gpgme_error_t rc)
{
    return err_set(e, pgp_class(rc), "gpgme %s: %s <%s>", what,
                   gpgme_strerror(rc), gpgme_strsource(rc));
}

/* Errors that say gpg could not do its job (not there, broken
 * configuration, out of memory, disk, pipes), as opposed to what it read.
 * Verify reads hostile input: every other error is the sender's, and
 * must quarantine the alert rather than have the worker retry it forever. */
static int pgp_engine_failed(gpgme_error_t rc)
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
static int pgp_fpr_ok(const char *fpr)
{
    size_t n;

    if (fpr == NULL)
        return 0;
    for (n = 0; fpr[n] != '\0'; n++)
        if (!isxdigit((unsigned char)fpr[n]))
            return 0;
    return n == 40 || n == 64;
}

static int pgp_fpr_check(const char *fpr, struct err *e)
{
    if (!pgp_fpr_ok(fpr))
        return err_set(e, ERR_DATA, "not an OpenPGP fingerprint: %.80s",
                       fpr ? fpr : "(null)");
    return 0;
}

static void pgp_fpr_copy(char dst[PGP_FPR_MAX], const char *src)
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
    if (pgp_ctx_setup(p->ctx, gnupg_home, e) != 0) {
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
    free(p);
}

/* Borrowed: GPGME reads the caller's bytes in place (copy = 0), so they
 * must outlive the gpgme_data_t. An empty input may come as NULL. */
static gpgme_error_t pgp_data_borrow(gpgme_data_t *d, const char *mem,
                                     size_t len)
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

static gpgme_subkey_t pgp_find_subkey(gpgme_key_t key, const char *fpr)
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
    rc = gpgme_get_key(p->ctx, sig_fpr, &key, 0);
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

    if (len > 0 && buf_append(out, mem, len) != 0)
        ret = err_set(e, ERR_TOOBIG, "pgp: plaintext over buffer limit");
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

/* The signer is looked up as a public key: a secret look-up asks the agent,
 * and an agent that is down must read as transient, not as a missing key. */
static int pgp_signer_get(struct pgp *p, const char *fpr, gpgme_key_t *key,
                          struct err *e)
{
    gpgme_error_t rc;

    if (pgp_fpr_check(fpr, e) != 0)
        return -1;
    rc = gpgme_get_key(p->ctx, fpr, key, 0);
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

static int pgp_take_armor(gpgme_data_t out, struct buf *sig, struct err *e)
{
    size_t len = 0;
    char *mem = gpgme_data_release_and_get_mem(out, &len);
    int ret = 0;

    if (mem == NULL || len < sizeof(PGP_ARMOR_BEGIN) - 1
        || memcmp(mem, PGP_ARMOR_BEGIN, sizeof(PGP_ARMOR_BEGIN) - 1) != 0)
        ret = err_set(e, ERR_SOFTWARE, "gpgme: no armoured output");
    else if (buf_append(sig, mem, len) != 0)
        ret = err_set(e, ERR_TOOBIG, "pgp: output over buffer limit");
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

#define PGP_RCPT_MAX 64

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
    rc = gpgme_get_key(p->ctx, fpr, &key, 1);
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
    rc = gpgme_get_key(p->ctx, st->fpr, &key, 0);
    if (rc != 0)
        return pgp_fail(e, "import look-up", rc);
    if (key->subkeys != NULL)
        pgp_fpr_copy(fpr, key->subkeys->fpr);
    gpgme_key_unref(key);
    if (fpr[0] == '\0')
        return err_set(e, ERR_SOFTWARE, "pgp import: key without primary");
    return 0;
}

int pgp_import(struct pgp *p, const char *data, size_t len,
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
    if (gpgme_get_key(p->ctx, fpr, &key, 1) != 0)
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

static void pgp_info_fill(gpgme_key_t key, struct pgp_keyinfo *ki)
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
    pgp_info_fill(key, ki);
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
        pgp_info_fill(key, &ki);
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

/* ---- passphrase ------------------------------------------------------ */

#define PGP_PASS_MAX 1024

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
