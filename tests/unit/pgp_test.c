/*
 * pgp_test - pgp against a real GnuPG: keys are made on the fly in short
 * homes under /tmp (the agent socket must fit in sun_path), and the gpg
 * command line makes what GPGME will not (other digests, a back-dated
 * key, two signatures, a revocation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mail/pgp.h"

#define T_MAX (1u << 20)
#define T_HOME_MAX 32
#define T_CMD_MAX 1024

static const char t_text[] =
    "Subject: alert\r\n"
    "\r\n"
    "Host 192.0.2.7 was compromised.\r\n"
    "-- \r\n"
    "duty officer\r\n";

struct t_home {
    char dir[T_HOME_MAX];
    struct pgp *pgp;
};

/* The shared cast: s signs (keys a, c, f), v only verifies (public keys
 * imported from elsewhere), o holds a key v never learns. */
struct t_fix {
    struct t_home s, v, o;
    char a[PGP_FPR_MAX];    /* ed25519, signs with the primary */
    char c[PGP_FPR_MAX];    /* certify-only primary, signing subkey */
    char f[PGP_FPR_MAX];    /* revoked in v after signing */
    char b[PGP_FPR_MAX];    /* in o only */
    time_t t0;
};

/* ---- helpers ---------------------------------------------------------- */

/* Every home made, so a failed test (cmocka jumps out of it) still leaves
 * no agent or directory behind: the group teardown sweeps what is left. */
#define T_HOMES_MAX 32
static char t_homes[T_HOMES_MAX][T_HOME_MAX];

static void t_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void t_run(const char *fmt, ...)
{
    char cmd[T_CMD_MAX];
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: got status %d, want 0", cmd, rc);
}

static void t_write(const char *dir, const char *name, const char *data,
                    size_t len)
{
    char path[T_CMD_MAX];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void t_read(const char *dir, const char *name, struct buf *b)
{
    char path[T_CMD_MAX], chunk[4096];
    FILE *fp;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("open %s failed", path);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        assert_int_equal(buf_append(b, chunk, n), 0);
    fclose(fp);
}

/* mkdtemp makes it 0700, as GnuPG wants its home. */
static void t_mkdtemp(char dir[T_HOME_MAX])
{
    size_t i;

    snprintf(dir, T_HOME_MAX, "/tmp/agw.XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (i = 0; i < T_HOMES_MAX && t_homes[i][0] != '\0'; i++)
        ;
    assert_true(i < T_HOMES_MAX);
    memcpy(t_homes[i], dir, T_HOME_MAX);
}

/* gpg.conf is read by every gpg run, so writing it before the first
 * operation decides digests for everything made in that home. */
static void t_home_new(struct t_home *h, const char *gpg_conf)
{
    struct err e;

    t_mkdtemp(h->dir);
    if (gpg_conf != NULL)
        t_write(h->dir, "gpg.conf", gpg_conf, strlen(gpg_conf));
    err_init(&e);
    if (pgp_open(&h->pgp, h->dir, &e) != 0)
        fail_msg("pgp_open %s: %s", h->dir, e.msg);
}

static void t_dir_drop(char *dir)
{
    size_t i;

    t_run("gpgconf --homedir %s --kill all >/dev/null 2>&1; rm -rf %s",
          dir, dir);
    for (i = 0; i < T_HOMES_MAX; i++)
        if (strcmp(t_homes[i], dir) == 0)
            t_homes[i][0] = '\0';
    dir[0] = '\0';
}

static void t_home_drop(struct t_home *h)
{
    if (h->dir[0] == '\0')
        return;
    pgp_free(h->pgp);
    h->pgp = NULL;
    t_dir_drop(h->dir);
}

static void t_create(struct t_home *h, const char *uid, unsigned int flags,
                     char fpr[PGP_FPR_MAX])
{
    struct err e;

    err_init(&e);
    if (pgp_create_key_ex(h->pgp, uid, 0, flags, fpr, &e) != 0)
        fail_msg("create %s: %s", uid, e.msg);
    assert_int_equal(strlen(fpr), 40);
}

/* Copies the public key fpr from one home into another. */
static void t_copy_key(struct t_home *from, struct t_home *to,
                       const char *fpr)
{
    char got[PGP_FPR_MAX];
    struct buf pub;
    struct err e;

    buf_init(&pub, T_MAX);
    err_init(&e);
    if (pgp_export(from->pgp, fpr, &pub, &e) != 0
        || pgp_import(to->pgp, pub.data, pub.len, got, &e) != 0)
        fail_msg("copy %s: %s", fpr, e.msg);
    buf_free(&pub);
    assert_string_equal(got, fpr);
}

static void t_sign(struct t_home *h, const char *fpr, struct buf *sig,
                   char *micalg, size_t size)
{
    struct err e;

    err_init(&e);
    if (pgp_sign_detached(h->pgp, fpr, t_text, sizeof(t_text) - 1, sig,
                          micalg, size, &e) != 0)
        fail_msg("sign with %s: %s", fpr, e.msg);
}

/* gpg's own detached signature over t_text, with extra options. */
static void t_cli_sign(struct t_home *h, const char *opts, struct buf *sig)
{
    t_write(h->dir, "msg", t_text, sizeof(t_text) - 1);
    t_run("gpg --homedir %s --batch --yes --quiet --armor %s "
          "--detach-sign -o %s/msg.asc %s/msg 2>/dev/null",
          h->dir, opts, h->dir, h->dir);
    t_read(h->dir, "msg.asc", sig);
}

/* ---- group set-up ----------------------------------------------------- */

static int t_setup(void **state)
{
    struct t_fix *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->t0 = time(NULL);
    t_home_new(&f->s, NULL);
    t_home_new(&f->v, NULL);
    t_home_new(&f->o, NULL);
    t_create(&f->s, "Officer A <a@csirt.example>", 0, f->a);
    t_create(&f->s, "Officer C <c@csirt.example>", PGP_CREATE_SIGN_SUBKEY,
             f->c);
    t_create(&f->s, "Officer F <f@csirt.example>", 0, f->f);
    t_create(&f->o, "Stranger B <b@elsewhere.example>", 0, f->b);
    t_copy_key(&f->s, &f->v, f->a);
    t_copy_key(&f->s, &f->v, f->c);
    t_copy_key(&f->s, &f->v, f->f);
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    struct t_fix *f = *state;

    char dir[T_HOME_MAX];
    size_t i;

    t_home_drop(&f->s);
    t_home_drop(&f->v);
    t_home_drop(&f->o);
    free(f);
    for (i = 0; i < T_HOMES_MAX; i++) {
        if (t_homes[i][0] == '\0')
            continue;
        memcpy(dir, t_homes[i], sizeof(dir));
        t_dir_drop(dir);
    }
    return 0;
}

/* ---- verify: one table, one maker per case ---------------------------- */

/* A maker fills the signed data and the signature, and names the primary
 * fingerprint the verdict must carry (NULL: ""). */
typedef const char *t_maker(struct t_fix *f, struct buf *data,
                            struct buf *sig);

static const char *mk_good(struct t_fix *f, struct buf *data, struct buf *sig)
{
    char micalg[32];

    t_sign(&f->s, f->a, sig, micalg, sizeof(micalg));
    buf_append(data, t_text, sizeof(t_text) - 1);
    return f->a;
}

static const char *mk_tampered(struct t_fix *f, struct buf *data,
                               struct buf *sig)
{
    mk_good(f, data, sig);
    data->data[data->len - 3] ^= 0x01;
    return NULL;
}

/* Verifying LF text against a CRLF signature: the RFC 3156 trap. */
static const char *mk_lf(struct t_fix *f, struct buf *data, struct buf *sig)
{
    char micalg[32];
    const char *s;

    t_sign(&f->s, f->a, sig, micalg, sizeof(micalg));
    for (s = t_text; *s; s++)
        if (*s != '\r')
            buf_putc(data, *s);
    return NULL;
}

static const char *mk_unknown(struct t_fix *f, struct buf *data,
                              struct buf *sig)
{
    char micalg[32];

    t_sign(&f->o, f->b, sig, micalg, sizeof(micalg));
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

static const char *mk_subkey(struct t_fix *f, struct buf *data,
                             struct buf *sig)
{
    char micalg[32];

    t_sign(&f->s, f->c, sig, micalg, sizeof(micalg));
    buf_append(data, t_text, sizeof(t_text) - 1);
    /* Made by the subkey, not the primary: the issuer is not c. */
    t_write(f->v.dir, "sub.asc", sig->data, sig->len);
    t_run("gpg --homedir %s --list-packets %s/sub.asc 2>/dev/null "
          "| grep -q 'issuer fpr v4 %s' && exit 1 || exit 0",
          f->v.dir, f->v.dir, f->c);
    return f->c;
}

static const char *mk_cli(struct t_fix *f, struct buf *data, struct buf *sig)
{
    char opts[128];

    snprintf(opts, sizeof(opts), "-u %s", f->a);
    t_cli_sign(&f->s, opts, sig);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return f->a;
}

static const char *mk_two(struct t_fix *f, struct buf *data, struct buf *sig)
{
    char opts[256];

    snprintf(opts, sizeof(opts), "-u %s! -u %s!", f->a, f->f);
    t_cli_sign(&f->s, opts, sig);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

/* A signed message (not detached) in place of the signature: gpg would
 * verify the text inside it, which is not the text shown. */
static const char *mk_opaque(struct t_fix *f, struct buf *data,
                             struct buf *sig)
{
    char opts[128];

    snprintf(opts, sizeof(opts), "-u %s", f->a);
    t_write(f->s.dir, "other", "pay the ransom\r\n", 16);
    t_run("gpg --homedir %s --batch --yes --quiet %s --armor --sign "
          "-o %s/other.asc %s/other 2>/dev/null",
          f->s.dir, opts, f->s.dir, f->s.dir);
    t_read(f->s.dir, "other.asc", sig);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

static const char *mk_clearsigned(struct t_fix *f, struct buf *data,
                                  struct buf *sig)
{
    char opts[128];

    snprintf(opts, sizeof(opts), "-u %s", f->a);
    t_write(f->s.dir, "other", "pay the ransom\r\n", 16);
    t_run("gpg --homedir %s --batch --yes --quiet %s --clearsign "
          "-o %s/other.asc %s/other 2>/dev/null",
          f->s.dir, opts, f->s.dir, f->s.dir);
    t_read(f->s.dir, "other.asc", sig);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

/* A binary signature whose packet tag says "compressed": gpg fails with
 * an error of its own, which is still the sender's fault. */
static const char *mk_bad_packet(struct t_fix *f, struct buf *data,
                                 struct buf *sig)
{
    char opts[128];

    snprintf(opts, sizeof(opts), "--no-armor -u %s", f->a);
    t_cli_sign(&f->s, opts, sig);
    assert_int_equal((unsigned char)sig->data[0], 0x88);
    sig->data[0] = (char)0xc8;
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

static const char *mk_garbage(struct t_fix *f, struct buf *data,
                              struct buf *sig)
{
    buf_puts(sig, "-----BEGIN PGP SIGNATURE-----\n\nnot base64\n"
                  "-----END PGP SIGNATURE-----\n");
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

static const char *mk_empty(struct t_fix *f, struct buf *data,
                            struct buf *sig)
{
    buf_append(data, t_text, sizeof(t_text) - 1);
    return NULL;
}

/* A key made in its own home whose gpg.conf forces a digest. */
static const char *mk_digest(struct t_fix *f, const char *conf,
                             struct buf *data, struct buf *sig)
{
    static char fpr[PGP_FPR_MAX];
    struct t_home h;
    char opts[128];

    t_home_new(&h, conf);
    t_create(&h, "Old Digest <d@csirt.example>", 0, fpr);
    snprintf(opts, sizeof(opts), "-u %s", fpr);
    t_cli_sign(&h, opts, sig);
    t_copy_key(&h, &f->v, fpr);
    t_home_drop(&h);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return fpr;
}

static const char *mk_sha1(struct t_fix *f, struct buf *data, struct buf *sig)
{
    return mk_digest(f, "digest-algo SHA1\n", data, sig);
}

static const char *mk_sha512(struct t_fix *f, struct buf *data,
                             struct buf *sig)
{
    return mk_digest(f, "digest-algo SHA512\n", data, sig);
}

/* GnuPG 2.2 still signs with MD5 when told to, and refuses to verify it. */
static const char *mk_md5(struct t_fix *f, struct buf *data, struct buf *sig)
{
    mk_digest(f, "digest-algo MD5\n", data, sig);
    return NULL;
}

/* Back-dated with --faked-system-time: a key that expired in 2020 (no
 * sleeping, no races). Its fingerprint comes from importing it again. */
static void t_backdated_key(struct t_home *h, char fpr[PGP_FPR_MAX])
{
    struct buf pub;
    struct err e;

    t_run("gpg --homedir %s --batch --quiet --passphrase '' "
          "--faked-system-time 20200101T000000 --quick-gen-key "
          "'Expired E <e@csirt.example>' ed25519 sign 1d 2>/dev/null",
          h->dir);
    t_run("gpg --homedir %s --batch --armor --export -o %s/pub.asc",
          h->dir, h->dir);
    buf_init(&pub, T_MAX);
    t_read(h->dir, "pub.asc", &pub);
    err_init(&e);
    if (pgp_import(h->pgp, pub.data, pub.len, fpr, &e) != 0)
        fail_msg("re-import back-dated key: %s", e.msg);
    buf_free(&pub);
}

/* Signed while the key was good, checked now. */
static const char *mk_expired(struct t_fix *f, struct buf *data,
                              struct buf *sig)
{
    static char fpr[PGP_FPR_MAX];
    struct t_home h;

    t_home_new(&h, NULL);
    t_backdated_key(&h, fpr);
    t_cli_sign(&h, "--faked-system-time 20200101T120000", sig);
    t_copy_key(&h, &f->v, fpr);
    t_home_drop(&h);
    buf_append(data, t_text, sizeof(t_text) - 1);
    return fpr;
}

/* GnuPG leaves a revocation certificate for every new key, with a ':'
 * in front of its armour line against accidental import. */
static const char *mk_revoked(struct t_fix *f, struct buf *data,
                              struct buf *sig)
{
    char name[128], micalg[32], got[PGP_FPR_MAX];
    struct buf rev;
    struct err e;
    char *colon;

    t_sign(&f->s, f->f, sig, micalg, sizeof(micalg));
    buf_append(data, t_text, sizeof(t_text) - 1);
    buf_init(&rev, T_MAX);
    snprintf(name, sizeof(name), "openpgp-revocs.d/%s.rev", f->f);
    t_read(f->s.dir, name, &rev);
    colon = strstr(rev.data, ":-----BEGIN");
    assert_non_null(colon);
    memmove(colon, colon + 1, rev.len - (size_t)(colon + 1 - rev.data));
    rev.len--;
    err_init(&e);
    if (pgp_import(f->v.pgp, rev.data, rev.len, got, &e) != 0)
        fail_msg("import revocation: %s", e.msg);
    /* GnuPG does not say which key a bare revocation was for. */
    assert_string_equal(got, "");
    buf_free(&rev);
    return f->f;
}

struct vcase {
    const char *name;
    t_maker *make;
    int want_valid;
    const char *want_reason;    /* substring; "" when valid */
};

static const struct vcase vcases[] = {
    {"good", mk_good, 1, ""},
    {"tampered", mk_tampered, 0, "bad signature"},
    {"crlf-to-lf", mk_lf, 0, "bad signature"},
    {"unknown-key", mk_unknown, 0, "no public key for signature by"},
    {"signing-subkey", mk_subkey, 1, ""},
    {"gpg-cli", mk_cli, 1, ""},
    {"two-signatures", mk_two, 0, "2 signatures"},
    {"opaque-signed", mk_opaque, 0, "no signature found"},
    {"clearsigned", mk_clearsigned, 0, "no signature found"},
    {"bad-packet", mk_bad_packet, 0, "unreadable signature"},
    {"garbage", mk_garbage, 0, "no signature found"},
    {"empty", mk_empty, 0, "no signature found"},
    {"sha1", mk_sha1, 0, "SHA-1 signature refused"},
    {"sha512", mk_sha512, 1, ""},
    {"md5", mk_md5, 0, "signature not checked"},
    {"expired", mk_expired, 0, "key expired"},
    {"revoked", mk_revoked, 0, "key revoked"},
};

static void t_verify_case(struct t_fix *f, const struct vcase *c)
{
    struct pgp_verdict v;
    struct buf data, sig;
    const char *want_fpr;
    struct err e;
    int rc;

    buf_init(&data, T_MAX);
    buf_init(&sig, T_MAX);
    want_fpr = c->make(f, &data, &sig);
    err_init(&e);
    rc = pgp_verify_detached(f->v.pgp, buf_cstr(&data), data.len,
                             buf_cstr(&sig), sig.len, &v, &e);
    if (rc != 0)
        fail_msg("%s: got error %s, want a verdict", c->name, e.msg);
    if (getenv("PGP_TEST_VERBOSE") != NULL)
        print_message("%-16s valid=%d fpr=%s reason=%s\n", c->name, v.valid,
                      v.fpr, v.reason);
    if (v.valid != c->want_valid)
        fail_msg("%s: got valid %d (%s), want %d", c->name, v.valid,
                 v.reason, c->want_valid);
    if (strstr(v.reason, c->want_reason) == NULL
        || (c->want_valid && v.reason[0] != '\0'))
        fail_msg("%s: got reason \"%s\", want \"%s\"", c->name, v.reason,
                 c->want_reason);
    if (!c->want_valid && v.reason[0] == '\0')
        fail_msg("%s: got no reason, want one", c->name);
    if (strcmp(v.fpr, want_fpr ? want_fpr : "") != 0)
        fail_msg("%s: got fpr \"%s\", want \"%s\"", c->name, v.fpr,
                 want_fpr ? want_fpr : "");
    if (want_fpr != NULL && c->make != mk_expired
        && (v.created < f->t0 - 5 || v.created > time(NULL) + 5))
        fail_msg("%s: got created %lld, want about now", c->name,
                 (long long)v.created);
    buf_free(&data);
    buf_free(&sig);
}

static void test_verify(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
        t_verify_case(*state, &vcases[i]);
}

/* ---- sign ------------------------------------------------------------- */

struct mcase {
    const char *gpg_conf;
    const char *want;
};

static const struct mcase mcases[] = {
    {NULL, "pgp-sha256"},
    {"personal-digest-preferences SHA512\n", "pgp-sha512"},
    {"digest-algo SHA512\n", "pgp-sha512"},
    {"digest-algo SHA384\n", "pgp-sha384"},
};

static void t_micalg_case(const struct mcase *c)
{
    char fpr[PGP_FPR_MAX], micalg[32];
    struct pgp_verdict v;
    struct t_home h;
    struct buf sig;
    struct err e;

    t_home_new(&h, c->gpg_conf);
    t_create(&h, "Micalg <m@csirt.example>", 0, fpr);
    buf_init(&sig, T_MAX);
    t_sign(&h, fpr, &sig, micalg, sizeof(micalg));
    if (strcmp(micalg, c->want) != 0)
        fail_msg("conf \"%s\": got micalg %s, want %s",
                 c->gpg_conf ? c->gpg_conf : "", micalg, c->want);
    if (strncmp(sig.data, "-----BEGIN PGP SIGNATURE-----", 29) != 0)
        fail_msg("got signature \"%.40s\", want armour", sig.data);
    err_init(&e);
    assert_int_equal(pgp_verify_detached(h.pgp, t_text, sizeof(t_text) - 1,
                                         sig.data, sig.len, &v, &e), 0);
    if (!v.valid || strcmp(v.fpr, fpr) != 0)
        fail_msg("own signature: got valid %d fpr %s (%s), want 1 %s",
                 v.valid, v.fpr, v.reason, fpr);
    buf_free(&sig);
    t_home_drop(&h);
}

static void test_sign_micalg(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++)
        t_micalg_case(&mcases[i]);
}

struct scase {
    const char *name;
    const char *fpr;    /* "A" for key a */
    int in_v;           /* sign in the verify-only home */
    size_t micalg_size;
    enum err_code want;
};

static const struct scase scases[] = {
    {"not-a-fingerprint", "Officer A", 0, 32, ERR_DATA},
    {"short-hex", "DEADBEEF", 0, 32, ERR_DATA},
    {"unknown-key", "0123456789ABCDEF0123456789ABCDEF01234567", 0, 32,
     ERR_NOUSER},
    {"public-only", "A", 1, 32, ERR_NOUSER},
    {"micalg-too-small", "A", 0, 5, ERR_SOFTWARE},
};

static void test_sign_errors(void **state)
{
    struct t_fix *f = *state;
    char micalg[32];
    struct buf sig;
    struct err e;
    size_t i;

    for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
        const struct scase *c = &scases[i];
        const char *fpr = strcmp(c->fpr, "A") == 0 ? f->a : c->fpr;
        struct pgp *p = c->in_v ? f->v.pgp : f->s.pgp;

        buf_init(&sig, T_MAX);
        err_init(&e);
        memset(micalg, 'x', sizeof(micalg));
        if (pgp_sign_detached(p, fpr, t_text, sizeof(t_text) - 1, &sig,
                              micalg, c->micalg_size, &e) == 0)
            fail_msg("%s: got success, want %s", c->name,
                     err_code_name(c->want));
        if (e.code != c->want)
            fail_msg("%s: got %s (%s), want %s", c->name,
                     err_code_name(e.code), e.msg, err_code_name(c->want));
        if (sig.len != 0 || micalg[0] != '\0')
            fail_msg("%s: got output on failure, want none", c->name);
        buf_free(&sig);
    }
}

/* An agent that cannot start is transient: the alert waits, unsigned
 * copies never leave. */
static void test_sign_agent_down(void **state)
{
    char fpr[PGP_FPR_MAX], micalg[32];
    struct t_home h;
    struct buf sig;
    struct err e;
    const char *conf = "agent-program /bin/false\n";

    t_home_new(&h, NULL);
    t_create(&h, "Agentless <x@csirt.example>", 0, fpr);
    t_run("gpgconf --homedir %s --kill gpg-agent", h.dir);
    t_write(h.dir, "gpg.conf", conf, strlen(conf));
    buf_init(&sig, T_MAX);
    err_init(&e);
    assert_int_equal(pgp_sign_detached(h.pgp, fpr, t_text, sizeof(t_text) - 1,
                                       &sig, micalg, sizeof(micalg), &e), -1);
    if (e.code != ERR_TEMP)
        fail_msg("got %s (%s), want %s", err_code_name(e.code), e.msg,
                 err_code_name(ERR_TEMP));
    assert_int_equal(sig.len, 0);
    buf_free(&sig);
    t_home_drop(&h);
}

/* A gpg that cannot run (here: a broken gpg.conf) must not read as a
 * bad signature: the alert would be quarantined for our fault. */
static void test_verify_engine_broken(void **state)
{
    struct t_fix *f = *state;
    const char *conf = "digest-algo NO-SUCH-HASH\n";
    char micalg[32];
    struct pgp_verdict v;
    struct t_home h;
    struct buf sig;
    struct err e;
    int rc;

    buf_init(&sig, T_MAX);
    t_sign(&f->s, f->a, &sig, micalg, sizeof(micalg));
    t_home_new(&h, NULL);
    t_copy_key(&f->s, &h, f->a);
    t_write(h.dir, "gpg.conf", conf, strlen(conf));
    err_init(&e);
    rc = pgp_verify_detached(h.pgp, t_text, sizeof(t_text) - 1, sig.data,
                             sig.len, &v, &e);
    if (rc != -1 || !err_is_temp(&e))
        fail_msg("got rc %d %s (%s) valid %d \"%s\", want -1 temporary", rc,
                 err_code_name(e.code), e.msg, v.valid, v.reason);
    if (v.valid || v.fpr[0] != '\0')
        fail_msg("got valid %d fpr %s, want a zeroed verdict", v.valid, v.fpr);
    buf_free(&sig);
    t_home_drop(&h);
}

/* Our own key expired: nothing is signed, and the alert waits (config
 * is a temporary class) until an admin renews the key. */
static void test_sign_expired_key(void **state)
{
    char fpr[PGP_FPR_MAX], micalg[32];
    struct t_home h;
    struct buf sig;
    struct err e;

    t_home_new(&h, NULL);
    t_backdated_key(&h, fpr);
    buf_init(&sig, T_MAX);
    err_init(&e);
    assert_int_equal(pgp_sign_detached(h.pgp, fpr, t_text, sizeof(t_text) - 1,
                                       &sig, micalg, sizeof(micalg), &e), -1);
    if (e.code != ERR_CONFIG || !err_is_temp(&e))
        fail_msg("got %s (%s), want %s", err_code_name(e.code), e.msg,
                 err_code_name(ERR_CONFIG));
    assert_int_equal(sig.len, 0);
    buf_free(&sig);
    t_home_drop(&h);
}

/* ---- keys ------------------------------------------------------------- */

static void test_import_export(void **state)
{
    struct t_fix *f = *state;
    char got[PGP_FPR_MAX];
    struct buf pub;
    struct err e;

    buf_init(&pub, T_MAX);
    err_init(&e);
    assert_int_equal(pgp_export(f->s.pgp, f->c, &pub, &e), 0);
    if (strncmp(pub.data, "-----BEGIN PGP PUBLIC KEY BLOCK-----", 36) != 0)
        fail_msg("got export \"%.40s\", want a public key block", pub.data);
    /* Already in v: unchanged still names the key. */
    assert_int_equal(pgp_import(f->v.pgp, pub.data, pub.len, got, &e), 0);
    if (strcmp(got, f->c) != 0)
        fail_msg("re-import: got %s, want %s", got, f->c);
    buf_free(&pub);

    assert_int_equal(pgp_import(f->v.pgp, NULL, 0, got, &e), -1);
    if (e.code != ERR_DATA)
        fail_msg("empty: got %s, want %s", err_code_name(e.code),
                 err_code_name(ERR_DATA));
    err_init(&e);
    assert_int_equal(pgp_import(f->v.pgp, "hello", 5, got, &e), -1);
    if (e.code != ERR_DATA || got[0] != '\0')
        fail_msg("garbage: got %s fpr \"%s\", want %s \"\"",
                 err_code_name(e.code), got, err_code_name(ERR_DATA));

    err_init(&e);
    assert_int_equal(pgp_export(f->v.pgp, f->b, &pub, &e), -1);
    if (e.code != ERR_NOUSER)
        fail_msg("export unknown: got %s, want %s", err_code_name(e.code),
                 err_code_name(ERR_NOUSER));
    assert_int_equal(pub.len, 0);
}

struct hcase {
    const char *name;
    int home_s;         /* else v */
    const char *fpr;    /* "A", "C" or literal */
    int want;
};

static const struct hcase hcases[] = {
    {"own-key", 1, "A", 1},
    {"own-split-key", 1, "C", 1},
    {"public-only", 0, "A", 0},
    {"unknown", 1, "0123456789ABCDEF0123456789ABCDEF01234567", 0},
    {"not-a-fingerprint", 1, "Officer", 0},
};

static void test_has_secret(void **state)
{
    struct t_fix *f = *state;
    size_t i;

    for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
        const struct hcase *c = &hcases[i];
        const char *fpr = strcmp(c->fpr, "A") == 0   ? f->a
                          : strcmp(c->fpr, "C") == 0 ? f->c
                                                     : c->fpr;
        int got = pgp_has_secret(c->home_s ? f->s.pgp : f->v.pgp, fpr);

        if (got != c->want)
            fail_msg("%s: got %d, want %d", c->name, got, c->want);
    }
}

static void test_key_expiry(void **state)
{
    struct t_fix *f = *state;
    char fpr[PGP_FPR_MAX];
    time_t when;
    struct err e;

    err_init(&e);
    assert_int_equal(pgp_key_expiry(f->s.pgp, f->a, &when, &e), 0);
    if (when != 0)
        fail_msg("no expiry: got %lld, want 0", (long long)when);
    if (pgp_create_key_ex(f->s.pgp, "Short <s@csirt.example>", 86400, 0, fpr,
                          &e) != 0)
        fail_msg("create: %s", e.msg);
    assert_int_equal(pgp_key_expiry(f->s.pgp, fpr, &when, &e), 0);
    if (when < f->t0 + 86400 - 5 || when > time(NULL) + 86400 + 5)
        fail_msg("one day: got %lld, want about %lld", (long long)when,
                 (long long)(f->t0 + 86400));
    assert_int_equal(pgp_key_expiry(f->v.pgp, f->b, &when, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
}

static void test_open_errors(void **state)
{
    char dir[T_HOME_MAX], deep[300];
    struct pgp *p = NULL;
    struct err e;
    int n;

    err_init(&e);
    assert_int_equal(pgp_open(&p, "/nonexistent/agw", &e), -1);
    assert_null(p);
    if (e.code != ERR_CONFIG)
        fail_msg("missing home: got %s, want config", err_code_name(e.code));

    if (access("/run/user", F_OK) == 0)
        return;     /* socket goes to /run/user/UID: length is no issue */
    t_mkdtemp(dir);
    n = snprintf(deep, sizeof(deep), "%s/%0100d", dir, 0);
    assert_true(n > 0 && (size_t)n < sizeof(deep));
    assert_int_equal(mkdir(deep, 0700), 0);
    err_init(&e);
    assert_int_equal(pgp_open(&p, deep, &e), -1);
    if (e.code != ERR_CONFIG || strstr(e.msg, "too long") == NULL)
        fail_msg("deep home: got %s (%s), want config \"too long\"",
                 err_code_name(e.code), e.msg);
    t_dir_drop(dir);
}

/* ---- inline messages --------------------------------------------------- */

/* A literal data packet (new format, tag 11, binary, no name, time 0). */
static void t_literal(struct buf *b, const char *text)
{
    unsigned char hdr[2] = {0xCB, (unsigned char)(6 + strlen(text))};

    assert_true(strlen(text) < 180);
    buf_append(b, hdr, 2);
    buf_append(b, "b\0\0\0\0\0", 6);
    buf_append(b, text, strlen(text));
}

/* gpg's own output for the signer a with opts over "pay the ransom". */
static void t_cli_message(struct t_fix *f, const char *opts, struct buf *out)
{
    t_write(f->s.dir, "other", "pay the ransom\n", 15);
    t_run("gpg --homedir %s --batch --yes --quiet -u %s %s "
          "-o %s/other.out %s/other 2>/dev/null",
          f->s.dir, f->a, opts, f->s.dir, f->s.dir);
    t_read(f->s.dir, "other.out", out);
}

struct icase {
    const char *name;
    const char *opts;       /* gpg options making the message */
    int before, after;      /* unsigned literal packets around it */
    int want_valid;
    const char *want_reason;
};

static const struct icase icases[] = {
    {"clearsigned", "--clearsign", 0, 0, 1, ""},
    {"opaque-armoured", "--armor --sign", 0, 0, 1, ""},
    {"opaque-binary", "--sign -z 0", 0, 0, 1, ""},
    {"double-plaintext", "--sign -z 0", 1, 0, 0, "unreadable signature"},
    {"trailing-plaintext", "--sign -z 0", 0, 1, 0, "unreadable signature"},
    {"detached", "--detach-sign", 0, 0, 0, "bad signature"},
};

static void t_inline_case(struct t_fix *f, const struct icase *c)
{
    struct pgp_verdict v;
    struct buf msg, body, plain;
    struct err e;

    buf_init(&msg, T_MAX);
    buf_init(&body, T_MAX);
    buf_init(&plain, T_MAX);
    if (c->before)
        t_literal(&msg, "Johnny, you are fired!\n");
    t_cli_message(f, c->opts, &body);
    buf_append(&msg, body.data, body.len);
    if (c->after)
        t_literal(&msg, "Johnny, you are fired!\n");
    err_init(&e);
    if (pgp_verify_inline(f->v.pgp, msg.data, msg.len, &plain, &v, &e) != 0)
        fail_msg("%s: got error %s, want a verdict", c->name, e.msg);
    if (v.valid != c->want_valid || strstr(v.reason, c->want_reason) == NULL)
        fail_msg("%s: got valid %d (%s), want %d (%s)", c->name, v.valid,
                 v.reason, c->want_valid, c->want_reason);
    if (c->want_valid && (strcmp(buf_cstr(&plain), "pay the ransom\n") != 0
                          || strcmp(v.fpr, f->a) != 0 || v.sig_id[0] == 0))
        fail_msg("%s: got plain \"%s\" fpr %s id \"%s\", want the text, "
                 "%s and an id", c->name, buf_cstr(&plain), v.fpr, v.sig_id,
                 f->a);
    if (!c->want_valid && plain.len != 0)
        fail_msg("%s: got plaintext of a refused message", c->name);
    buf_free(&msg);
    buf_free(&body);
    buf_free(&plain);
}

static void test_verify_inline(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(icases) / sizeof(icases[0]); i++)
        t_inline_case(*state, &icases[i]);
}

/* Replay detection rests on this: the same signature, armoured or not,
 * has the same id; another signature over the same text another one. */
static void test_sig_id(void **state)
{
    struct t_fix *f = *state;
    struct pgp_verdict v1, v2, v3;
    struct buf a1, b1, a2, plain;
    struct err e;

    buf_init(&a1, T_MAX);
    buf_init(&b1, T_MAX);
    buf_init(&a2, T_MAX);
    buf_init(&plain, T_MAX);
    t_cli_message(f, "--sign -z 0", &b1);
    t_write(f->s.dir, "bin", b1.data, b1.len);
    t_run("gpg --homedir %s --batch --yes --quiet --enarmor -o %s/bin.asc "
          "%s/bin 2>/dev/null", f->s.dir, f->s.dir, f->s.dir);
    t_read(f->s.dir, "bin.asc", &a1);
    sleep(1);       /* a new timestamp: a different signature */
    t_cli_message(f, "--sign -z 0", &a2);
    err_init(&e);
    assert_int_equal(pgp_verify_inline(f->v.pgp, b1.data, b1.len, &plain,
                                       &v1, &e), 0);
    assert_int_equal(pgp_verify_inline(f->v.pgp, a1.data, a1.len, &plain,
                                       &v2, &e), 0);
    assert_int_equal(pgp_verify_inline(f->v.pgp, a2.data, a2.len, &plain,
                                       &v3, &e), 0);
    if (!v1.valid || !v2.valid || !v3.valid || v1.sig_id[0] == '\0')
        fail_msg("got valid %d %d %d (%s %s %s), want three good ones",
                 v1.valid, v2.valid, v3.valid, v1.reason, v2.reason,
                 v3.reason);
    if (strcmp(v1.sig_id, v2.sig_id) != 0)
        fail_msg("armoured: got id %s, want %s", v2.sig_id, v1.sig_id);
    if (strcmp(v1.sig_id, v3.sig_id) == 0)
        fail_msg("new signature: got the same id %s", v3.sig_id);
    buf_free(&a1);
    buf_free(&b1);
    buf_free(&a2);
    buf_free(&plain);
}

/* ---- user IDs ---------------------------------------------------------- */

struct ucase {
    const char *name, *addr;
    int want;
};

static const struct ucase ucases[] = {
    {"", "a@csirt.example", 1},
    {"", "A@CSIRT.EXAMPLE", 1},
    {"Officer A", "a@csirt.example", 1},
    {"officer  a", "a@csirt.example", 1},
    {"The Manager", "a@csirt.example", 0},
    {"", "c@csirt.example", 0},
    {"Officer A", "b@elsewhere.example", 0},
};

static void test_uid_match(void **state)
{
    struct t_fix *f = *state;
    struct err e;
    size_t i;
    int got;

    for (i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
        err_init(&e);
        got = pgp_uid_match(f->v.pgp, f->a, ucases[i].name, ucases[i].addr,
                            &e);
        if (got != ucases[i].want)
            fail_msg("\"%s\" <%s>: got %d (%s), want %d", ucases[i].name,
                     ucases[i].addr, got, e.msg, ucases[i].want);
    }
    err_init(&e);
    assert_int_equal(pgp_uid_match(f->v.pgp, f->b, "", "b@elsewhere.example",
                                   &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
}

/* ---- passphrase file --------------------------------------------------- */

struct pcase {
    const char *name;
    const char *content;    /* NULL: no file given */
    int mode;
    int want_open;          /* pgp_passphrase_file: 0 or -1 */
    int want_sign;          /* pgp_sign_detached: 0 or -1 */
};

/* Wrong ones first: the agent caches a passphrase once it worked. */
static const struct pcase pcases[] = {
    {"none", NULL, 0, 0, -1},
    {"group-readable", "s3cret\n", 0640, -1, -1},
    {"wrong", "secret\n", 0600, 0, -1},
    {"right", "s3cret\n", 0600, 0, 0},
};

static void t_pass_case(struct t_home *h, const char *fpr,
                        const struct pcase *c)
{
    char path[T_CMD_MAX], micalg[32];
    struct pgp *p = NULL;
    struct buf sig;
    struct err e;
    int rc;

    snprintf(path, sizeof(path), "%s/pass", h->dir);
    if (c->content) {
        t_write(h->dir, "pass", c->content, strlen(c->content));
        assert_int_equal(chmod(path, (mode_t)c->mode), 0);
    }
    err_init(&e);
    assert_int_equal(pgp_open(&p, h->dir, &e), 0);
    rc = pgp_passphrase_file(p, c->content ? path : NULL, &e);
    if (rc != c->want_open)
        fail_msg("%s: open got %d (%s), want %d", c->name, rc, e.msg,
                 c->want_open);
    buf_init(&sig, T_MAX);
    err_init(&e);
    rc = rc == 0 ? pgp_sign_detached(p, fpr, t_text, sizeof(t_text) - 1,
                                     &sig, micalg, sizeof(micalg), &e) : -1;
    if (rc != c->want_sign)
        fail_msg("%s: sign got %d (%s), want %d", c->name, rc, e.msg,
                 c->want_sign);
    /* Never an unsigned copy: a failure is one the alert waits out. */
    if (rc != 0 && e.code != ERR_CONFIG && e.code != ERR_TEMP &&
        c->want_open == 0)
        fail_msg("%s: got %s, want a temporary class", c->name,
                 err_code_name(e.code));
    buf_free(&sig);
    pgp_free(p);
}

static void test_passphrase_file(void **state)
{
    char fpr[PGP_FPR_MAX];
    struct t_home h;
    struct buf out;
    size_t i;

    (void)state;
    t_home_new(&h, NULL);
    t_run("gpg --homedir %s --batch --quiet --pinentry-mode loopback "
          "--passphrase s3cret --quick-gen-key 'Locked <l@csirt.example>' "
          "ed25519 sign never 2>/dev/null", h.dir);
    t_run("gpg --homedir %s --with-colons --list-keys | awk -F: "
          "'$1==\"fpr\"{print $10; exit}' >%s/fpr", h.dir, h.dir);
    buf_init(&out, T_MAX);
    t_read(h.dir, "fpr", &out);
    snprintf(fpr, sizeof(fpr), "%.40s", buf_cstr(&out));
    buf_free(&out);
    t_run("gpgconf --homedir %s --kill gpg-agent", h.dir);
    for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++)
        t_pass_case(&h, fpr, &pcases[i]);
    t_home_drop(&h);
}

/* ---- encrypt and sign, then decrypt and verify --------------------------- */

static void t_fpr_file(struct t_home *h, const char *uid, char fpr[PGP_FPR_MAX])
{
    struct buf out;

    t_run("gpg --homedir %s --with-colons --list-keys '%s' | awk -F: "
          "'$1==\"fpr\"{print $10; exit}' >%s/fpr", h->dir, uid, h->dir);
    buf_init(&out, T_MAX);
    t_read(h->dir, "fpr", &out);
    snprintf(fpr, PGP_FPR_MAX, "%.40s", buf_cstr(&out));
    buf_free(&out);
}

static void test_encrypt_sign(void **state)
{
    struct t_fix *f = *state;
    char signonly[PGP_FPR_MAX];
    const char *rcpt[1];
    struct pgp_verdict v;
    struct buf ct, plain;
    struct err e;
    int dec = 0;

    t_run("gpg --homedir %s --batch --quiet --pinentry-mode loopback "
          "--passphrase '' --quick-gen-key 'Sign Only <so@csirt.example>' "
          "ed25519 sign never 2>/dev/null", f->s.dir);
    t_fpr_file(&f->s, "so@csirt.example", signonly);
    buf_init(&ct, T_MAX);
    buf_init(&plain, T_MAX);
    /* Refused before anything is made: unknown, and sign-only keys. */
    rcpt[0] = f->b;
    err_init(&e);
    assert_int_equal(pgp_encrypt_sign(f->s.pgp, f->a, rcpt, 1, t_text,
                                      sizeof(t_text) - 1, &ct, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    rcpt[0] = signonly;
    err_init(&e);
    assert_int_equal(pgp_encrypt_sign(f->s.pgp, f->a, rcpt, 1, t_text,
                                      sizeof(t_text) - 1, &ct, &e), -1);
    if (e.code != ERR_NOUSER || strstr(e.msg, "cannot receive") == NULL)
        fail_msg("sign-only: got %s (%s), want nouser", err_code_name(e.code),
                 e.msg);
    assert_int_equal(ct.len, 0);
    /* To a, by a: decrypts and verifies in s, which holds a's secret. */
    rcpt[0] = f->a;
    err_init(&e);
    if (pgp_encrypt_sign(f->s.pgp, f->a, rcpt, 1, t_text, sizeof(t_text) - 1,
                         &ct, &e) != 0)
        fail_msg("encrypt: got %s, want a message", e.msg);
    assert_int_equal(pgp_decrypt_verify(f->s.pgp, ct.data, ct.len, &plain,
                                        &dec, &v, &e), 0);
    if (!dec || !v.valid || v.nsigs != 1 || strcmp(v.fpr, f->a) != 0 ||
        plain.len != sizeof(t_text) - 1 ||
        memcmp(plain.data, t_text, plain.len) != 0)
        fail_msg("decrypt: got decrypted %d valid %d (%s) fpr %s, %zu bytes",
                 dec, v.valid, v.reason, v.fpr, plain.len);
    /* v has a's public key only: not for it. */
    buf_reset(&plain);
    assert_int_equal(pgp_decrypt_verify(f->v.pgp, ct.data, ct.len, &plain,
                                        &dec, &v, &e), 0);
    if (dec || strstr(v.reason, "not encrypted to the gateway key") == NULL)
        fail_msg("no secret key: got decrypted %d (%s)", dec, v.reason);
    buf_free(&ct);
    buf_free(&plain);
}

/* Issue 15: one key listing and one encryption for many recipients, cut
 * per key. a and c (both with a cv25519 subkey) are in s with their
 * secret parts; b is not; a is pinned twice (two contacts, one key). */
static void test_encrypt_each(void **state)
{
    struct t_fix *f = *state;
    const char *fprs[] = {f->a, f->c, f->a, f->b, "not a fingerprint"};
    struct pgp_keyset *ks = NULL;
    struct pgp_keyinfo ki;
    struct pgp_verdict v;
    struct buf out[3], plain;
    struct pgp_each r[3];
    struct err e;
    size_t i;
    int dec;

    err_init(&e);
    if (pgp_keyset_load(f->s.pgp, fprs, 5, &ks, &e) != 0)
        fail_msg("keyset: got %s, want the keys", e.msg);
    assert_int_equal(pgp_keyset_info(ks, f->a, &ki, &e), 0);
    assert_true(ki.can_encrypt);
    assert_string_equal(ki.fpr, f->a);
    assert_int_equal(pgp_keyset_info(ks, f->b, &ki, &e), -1);
    assert_int_equal(e.code, ERR_NOUSER);
    err_init(&e);
    assert_int_equal(pgp_keyset_info(ks, "not a fingerprint", &ki, &e), -1);
    assert_int_equal(pgp_encrypt_each(f->s.pgp, ks, r, 0, t_text, 1, &e), 0);
    for (i = 0; i < 3; i++) {
        buf_init(&out[i], T_MAX);
        r[i] = (struct pgp_each){i == 1 ? f->c : f->a, &out[i], 1};
    }
    err_init(&e);
    if (pgp_encrypt_each(f->s.pgp, ks, r, 3, t_text, sizeof(t_text) - 1,
                         &e) != 0)
        fail_msg("encrypt each: got %s, want 3 messages", e.msg);
    buf_init(&plain, T_MAX);
    for (i = 0; i < 3; i++) {
        buf_reset(&plain);
        dec = 0;
        if (r[i].refused || out[i].len == 0 ||
            pgp_decrypt_verify(f->s.pgp, out[i].data, out[i].len, &plain,
                               &dec, &v, &e) != 0 || !dec || v.nsigs != 0 ||
            plain.len != sizeof(t_text) - 1 ||
            memcmp(plain.data, t_text, plain.len) != 0)
            fail_msg("message %zu: got refused %d, %zu bytes, decrypted %d "
                     "(%s %s), want t_text", i, r[i].refused, out[i].len,
                     dec, v.reason, e.msg);
    }
    /* one key, one message; another key, another PKESK */
    assert_int_equal(out[0].len, out[2].len);
    assert_memory_equal(out[0].data, out[2].data, out[0].len);
    assert_true(out[0].len != out[1].len ||
                memcmp(out[0].data, out[1].data, out[0].len) != 0);
    /* a key not in the set is a caller's bug, not a silent skip */
    r[0].fpr = f->b;
    err_init(&e);
    assert_int_equal(pgp_encrypt_each(f->s.pgp, ks, r, 1, t_text, 1, &e), -1);
    assert_int_equal(e.code, ERR_SOFTWARE);
    for (i = 0; i < 3; i++)
        buf_free(&out[i]);
    buf_free(&plain);
    pgp_keyset_free(ks);
    pgp_keyset_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_sign_micalg),
        cmocka_unit_test(test_sign_agent_down),
        cmocka_unit_test(test_sign_expired_key),
        cmocka_unit_test(test_sign_errors),
        cmocka_unit_test(test_has_secret),
        cmocka_unit_test(test_import_export),
        cmocka_unit_test(test_key_expiry),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_verify_engine_broken),
        cmocka_unit_test(test_verify_inline),
        cmocka_unit_test(test_sig_id),
        cmocka_unit_test(test_uid_match),
        cmocka_unit_test(test_passphrase_file),
        cmocka_unit_test(test_encrypt_sign),
        cmocka_unit_test(test_encrypt_each),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
