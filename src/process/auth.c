#include "process/auth.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/alerts.h"
#include "registry/registry.h"
#include "util/limits.h"
#include "util/text.h"

static const char AUTH_CLEAR_BEGIN[] = "-----BEGIN PGP SIGNED MESSAGE-----";
static const char AUTH_SIG_END[] = "-----END PGP SIGNATURE-----";
static const char AUTH_MSG_BEGIN[] = "-----BEGIN PGP MESSAGE-----";
static const char AUTH_MSG_END[] = "-----END PGP MESSAGE-----";
static const char AUTH_ARMOR[] = "-----BEGIN PGP ";
static const char AUTH_ARMOR_END[] = "-----END PGP ";
static const char AUTH_UNSIGNED[] = "not a PGP/MIME or inline signed message";
static const char AUTH_NOT_WHOLE[] = "not the whole message is signed";

/* What one check is about: the message as received (outer, for From and
 * the unprotected Subject) and the layer being looked at (m). */
struct auth_ctx {
    struct gateway *g;
    const struct msg *outer;
    struct auth_result *r;
    struct pgp_verdict v;
};

static int auth_refuse(struct auth_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int auth_refuse(struct auth_result *r, const char *fmt, ...)
{
    va_list ap;

    r->ok = 0;
    if (r->reason[0] != '\0')
        return 0;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
    return 0;
}

static int auth_shape(struct auth_ctx *c, const struct msg *m, int depth,
                      struct err *e);

/* The content shown is parsed from the verified bytes only. */
static int auth_take_content(struct auth_ctx *c, const char *ent, size_t len)
{
    struct err pe;

    err_init(&pe);
    if (msg_content_entity(c->outer, ent, len, &c->r->content, &pe) != 0) {
        c->r->malformed = 1;
        return auth_refuse(c->r, "malformed content: %.400s", pe.msg);
    }
    return 0;
}

static int auth_verdict_ok(struct auth_ctx *c)
{
    if (c->v.valid)
        return 1;
    auth_refuse(c->r, "signature not valid: %s", c->v.reason);
    return 0;
}

/* ---- PGP/MIME signed ------------------------------------------------- */

static int auth_mime_signed(struct auth_ctx *c, const struct msg *m,
                            struct err *e)
{
    const char *data, *sig;
    size_t dlen, slen;

    if (msg_signed_part(m, &data, &dlen) != 0 ||
        msg_signature(m, &sig, &slen) != 0)
        return auth_refuse(c->r, "%s", "malformed PGP/MIME structure");
    if (gateway_pgp(c->g, e) != 0 ||
        pgp_verify_detached(c->g->pgp, data, dlen, sig, slen, &c->v, e) != 0)
        return -1;
    if (!auth_verdict_ok(c))
        return 0;
    return auth_take_content(c, data, dlen);
}

/* ---- inline (cleartext signature) ------------------------------------ */

static int auth_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int auth_starts(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);

    return n >= k && memcmp(p, s, k) == 0;
}

/* Armour lines (BEGIN or END) at the start of a line, anywhere. */
static size_t auth_count_lines(const char *p, size_t n, const char *what)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        if ((i == 0 || p[i - 1] == '\n') && auth_starts(p + i, n - i, what))
            k++;
    return k;
}

/* RFC 4880 7: the only armour header of a cleartext signature is Hash:.
 * Anything else there is text a reader may see and no signature covers. */
static int auth_clear_headers_ok(const char *p, size_t n)
{
    size_t i = strlen(AUTH_CLEAR_BEGIN), eol;

    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        if (p[i++] == '\n')
            break;
    for (;;) {
        eol = i;
        while (eol < n && p[eol] != '\n')
            eol++;
        if (eol == i || (eol == i + 1 && p[i] == '\r'))
            return 1;
        if (!auth_starts(p + i, eol - i, "Hash: "))
            return 0;
        if (eol >= n)
            return 0;
        i = eol + 1;
    }
}

/* The block must be the whole body: one BEGIN SIGNED MESSAGE at the
 * start, one signature, END at the very end, white space around it. */
static int auth_block_whole(struct auth_ctx *c, const char *p, size_t n)
{
    size_t begins = auth_count_lines(p, n, AUTH_ARMOR);
    size_t ends = auth_count_lines(p, n, AUTH_ARMOR_END);

    if (auth_count_lines(p, n, AUTH_CLEAR_BEGIN) > 1)
        return auth_refuse(c->r, "several inline signed blocks: %s",
                           AUTH_NOT_WHOLE);
    if (!auth_starts(p, n, AUTH_CLEAR_BEGIN) || n < sizeof(AUTH_SIG_END) ||
        memcmp(p + n - (sizeof(AUTH_SIG_END) - 1), AUTH_SIG_END,
               sizeof(AUTH_SIG_END) - 1) != 0)
        return auth_refuse(c->r, "unsigned text before or after the inline "
                           "signed block: %s", AUTH_NOT_WHOLE);
    if (begins != 2 || ends != 1)
        return auth_refuse(c->r, "more than one OpenPGP block in the body: "
                           "%s", AUTH_NOT_WHOLE);
    if (!auth_clear_headers_ok(p, n))
        return auth_refuse(c->r, "%s", "inline signed block with armour "
                           "headers other than Hash");
    return 1;
}

/* A MIME entity around the verified text, in the body's own charset, so
 * that msg decodes it like any other part. CRLF, as msg expects. */
static int auth_text_entity(const char *charset, const struct buf *plain,
                            struct buf *ent)
{
    size_t i;
    int rc = 0;
    int cs_ok = charset[0] != '\0';

    for (i = 0; charset[i] && cs_ok; i++)
        cs_ok = isalnum((unsigned char)charset[i]) ||
            strchr("-_.:", charset[i]) != NULL;
    rc |= buf_printf(ent, "Content-Type: text/plain%s%s\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n",
                     cs_ok ? "; charset=" : "", cs_ok ? charset : "");
    for (i = 0; i < plain->len && rc == 0; i++) {
        if (plain->data[i] == '\n' && (i == 0 || plain->data[i - 1] != '\r'))
            rc |= buf_putc(ent, '\r');
        rc |= buf_putc(ent, plain->data[i]);
    }
    return rc;
}

/* Verified text in plain: when the verdict holds, it is the content, as a
 * text/plain entity of at most limit bytes. */
static int auth_take_text(struct auth_ctx *c, const char *charset,
                          const struct buf *plain, size_t limit,
                          struct err *e)
{
    struct buf ent;
    int rc;

    if (!auth_verdict_ok(c))
        return 0;
    buf_init(&ent, limit);
    if (auth_text_entity(charset, plain, &ent) != 0)
        rc = err_set(e, ERR_TOOBIG, "inline signed text over its limit");
    else
        rc = auth_take_content(c, ent.data, ent.len);
    buf_free(&ent);
    return rc;
}

static int auth_inline_verify(struct auth_ctx *c, const char *p, size_t n,
                              const char *charset, struct err *e)
{
    size_t max = (size_t)c->g->conf->max_size;
    struct buf plain;
    int rc;

    buf_init(&plain, max);
    if (gateway_pgp(c->g, e) != 0 ||
        pgp_verify_inline(c->g->pgp, p, n, &plain, &c->v, e) != 0)
        rc = -1;
    else
        rc = auth_take_text(c, charset, &plain, max + 256, e);
    buf_free(&plain);
    return rc;
}

/* An inline OpenPGP message (not cleartext): signed, or encrypted to the
 * gateway key and signed inside. Either way the signature must cover the
 * one literal packet, which is the whole text. */
static int auth_opaque_whole(struct auth_ctx *c, const char *p, size_t n)
{
    if (!auth_starts(p, n, AUTH_MSG_BEGIN) || n < sizeof(AUTH_MSG_END) ||
        memcmp(p + n - (sizeof(AUTH_MSG_END) - 1), AUTH_MSG_END,
               sizeof(AUTH_MSG_END) - 1) != 0)
        return auth_refuse(c->r, "unsigned text before or after the inline "
                           "OpenPGP message: %s", AUTH_NOT_WHOLE);
    if (auth_count_lines(p, n, AUTH_ARMOR) != 1 ||
        auth_count_lines(p, n, AUTH_ARMOR_END) != 1)
        return auth_refuse(c->r, "more than one OpenPGP block in the body: "
                           "%s", AUTH_NOT_WHOLE);
    return 1;
}

/* Encrypted to us: decrypt and verify in one; otherwise (signed only, or
 * encrypted to someone else) verify it as a signed message. */
static int auth_opaque_open(struct auth_ctx *c, const char *p, size_t n,
                            struct buf *plain, int *decrypted, struct err *e)
{
    if (gateway_pgp(c->g, e) != 0 ||
        pgp_decrypt_verify(c->g->pgp, p, n, plain, decrypted, &c->v, e) != 0)
        return -1;
    if (*decrypted)
        return 0;
    buf_reset(plain);
    return pgp_verify_inline(c->g->pgp, p, n, plain, &c->v, e);
}

static int auth_opaque_verify(struct auth_ctx *c, const char *p, size_t n,
                              const char *charset, struct err *e)
{
    size_t max = 2 * (size_t)c->g->conf->max_size;
    struct buf plain;
    int decrypted = 0, rc = 0;

    buf_init(&plain, max);
    if (auth_opaque_open(c, p, n, &plain, &decrypted, e) != 0)
        rc = -1;
    else if (decrypted && c->v.nsigs == 0)
        auth_refuse(c->r, "%s", "encrypted but not signed inside");
    else
        rc = auth_take_text(c, charset, &plain, max + 256, e);
    buf_free(&plain);
    return rc;
}

static int auth_inline(struct auth_ctx *c, const struct msg *m, struct err *e)
{
    char charset[AUTH_CHARSET_MAX];
    struct buf body;
    struct err pe;
    const char *p;
    size_t n;
    int rc = 0;

    buf_init(&body, (size_t)c->g->conf->max_size);
    err_init(&pe);
    if (msg_body(m, &body, charset, sizeof(charset), &pe) != 0) {
        buf_free(&body);
        c->r->malformed = 1;
        return auth_refuse(c->r, "malformed body: %.400s", pe.msg);
    }
    p = buf_cstr(&body);
    n = body.len;
    while (n > 0 && auth_is_space(*p))
        p++, n--;
    while (n > 0 && auth_is_space(p[n - 1]))
        n--;
    if (auth_count_lines(p, n, AUTH_ARMOR) == 0)
        auth_refuse(c->r, "%s", AUTH_UNSIGNED);
    else if (auth_count_lines(p, n, AUTH_MSG_BEGIN) > 0 &&
             auth_count_lines(p, n, AUTH_CLEAR_BEGIN) == 0) {
        if (auth_opaque_whole(c, p, n) == 1)
            rc = auth_opaque_verify(c, p, n, charset, e);
    } else if (auth_block_whole(c, p, n))
        rc = auth_inline_verify(c, p, n, charset, e);
    buf_free(&body);
    return rc;
}

/* ---- encrypted ------------------------------------------------------- */

/* Plaintext to CRLF in place of what GnuPG gave (either convention). */
static int auth_crlf(const struct buf *in, struct buf *out)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < in->len && rc == 0; i++) {
        if (in->data[i] == '\n' && (i == 0 || in->data[i - 1] != '\r'))
            rc |= buf_putc(out, '\r');
        rc |= buf_putc(out, in->data[i]);
    }
    return rc;
}

/* Nothing signed inside the encryption: the plaintext must be one of the
 * signed shapes itself. */
static int auth_inner(struct auth_ctx *c, const struct buf *ent, int depth,
                      struct err *e)
{
    struct msg_limits lim;
    struct msg *inner = NULL;
    struct err pe;
    int rc;

    gateway_msg_limits(c->g, &lim);
    lim.max_size += 4096;
    err_init(&pe);
    if (msg_parse(ent->data ? ent->data : "", ent->len, &lim, &inner,
                  &pe) != 0) {
        c->r->malformed = 1;
        return auth_refuse(c->r, "malformed decrypted content: %.400s",
                           pe.msg);
    }
    rc = auth_shape(c, inner, depth + 1, e);
    msg_free(inner);
    return rc;
}

static int auth_decrypted(struct auth_ctx *c, const struct buf *plain,
                          int depth, struct err *e)
{
    struct buf ent;
    int rc;

    buf_init(&ent, 2 * (size_t)c->g->conf->max_size + 2);
    if (auth_crlf(plain, &ent) != 0)
        rc = err_set(e, ERR_TOOBIG, "decrypted content over its limit");
    else if (c->v.nsigs == 0)
        rc = auth_inner(c, &ent, depth, e);
    else if (!auth_verdict_ok(c))
        rc = 0;
    else
        rc = auth_take_content(c, ent.data, ent.len);
    buf_free(&ent);
    return rc;
}

static int auth_encrypted(struct auth_ctx *c, const struct msg *m, int depth,
                          struct err *e)
{
    struct buf ct, plain;
    struct err pe;
    int decrypted = 0, rc = 0;

    if (depth >= AUTH_DEPTH_MAX)
        return auth_refuse(c->r, "%s", "encrypted inside encrypted");
    buf_init(&ct, (size_t)c->g->conf->max_size);
    buf_init(&plain, 2 * (size_t)c->g->conf->max_size);
    err_init(&pe);
    if (msg_encrypted_body(m, &ct, &pe) != 0) {
        c->r->malformed = 1;
        auth_refuse(c->r, "malformed PGP/MIME encrypted message: %.400s",
                    pe.msg);
    } else if (gateway_pgp(c->g, e) != 0 ||
               pgp_decrypt_verify(c->g->pgp, ct.data, ct.len, &plain,
                                  &decrypted, &c->v, e) != 0) {
        rc = -1;
    } else if (!decrypted) {
        auth_refuse(c->r, "encrypted: %s", c->v.reason);
    } else {
        rc = auth_decrypted(c, &plain, depth, e);
    }
    buf_free(&ct);
    buf_free(&plain);
    return rc;
}

/* ---- not signed as a whole ------------------------------------------- */

/* Name what is wrong with a multipart that is not itself signed: a signed
 * part or block inside it is the "Johnny, you are fired" shape. */
static int auth_wrapped(struct auth_ctx *c, const struct msg *m,
                        const char *type)
{
    struct msg_content *mc = NULL;
    struct err pe;
    size_t i;
    const struct msg_part *pt;

    err_init(&pe);
    if (msg_content(m, &mc, &pe) != 0)
        return auth_refuse(c->r, "%s (%s)", AUTH_UNSIGNED, type);
    for (i = 0; i < mc->nparts && c->r->reason[0] == '\0'; i++) {
        pt = &mc->parts[i];
        if (strcmp(pt->content_type, "application/pgp-signature") == 0)
            auth_refuse(c->r, "a signed part inside an unsigned %s: %s", type,
                        AUTH_NOT_WHOLE);
        else if (strcmp(pt->content_type, "application/pgp-encrypted") == 0)
            auth_refuse(c->r, "an encrypted part inside an unsigned %s: %s",
                        type, AUTH_NOT_WHOLE);
        else if (pt->is_text &&
                 auth_count_lines(pt->data, pt->len, AUTH_ARMOR) > 0)
            auth_refuse(c->r, "an inline signed block inside an unsigned "
                        "%s: %s", type, AUTH_NOT_WHOLE);
    }
    msg_content_free(mc);
    return auth_refuse(c->r, "%s (%s)", AUTH_UNSIGNED, type);
}

/* An inline block is read from text/plain only: in HTML the text around
 * it can be hidden, and what a reader sees is not what was signed. */
static int auth_other_text(struct auth_ctx *c, const struct msg *m,
                           const char *type)
{
    struct buf body;
    struct err pe;

    buf_init(&body, (size_t)c->g->conf->max_size);
    err_init(&pe);
    if (msg_body(m, &body, NULL, 0, &pe) == 0 &&
        auth_count_lines(buf_cstr(&body), body.len, AUTH_ARMOR) > 0)
        auth_refuse(c->r, "an inline signed block in a %s body: %s", type,
                    AUTH_NOT_WHOLE);
    buf_free(&body);
    return auth_refuse(c->r, "%s (%s)", AUTH_UNSIGNED, type);
}

static int auth_shape(struct auth_ctx *c, const struct msg *m, int depth,
                      struct err *e)
{
    char type[AUTH_TYPE_MAX];

    if (msg_is_pgp_signed(m))
        return auth_mime_signed(c, m, e);
    if (msg_is_pgp_encrypted(m))
        return auth_encrypted(c, m, depth, e);
    if (msg_top_type(m, type, sizeof(type)) != 0)
        return auth_refuse(c->r, "%s", AUTH_UNSIGNED);
    if (strcmp(type, "text/plain") == 0)
        return auth_inline(c, m, e);
    if (strcmp(type, "message/rfc822") == 0)
        return auth_refuse(c->r, "a forwarded message (message/rfc822): %s",
                           AUTH_NOT_WHOLE);
    if (strncmp(type, "multipart/", 10) == 0)
        return auth_wrapped(c, m, type);
    if (strncmp(type, "text/", 5) == 0)
        return auth_other_text(c, m, type);
    return auth_refuse(c->r, "%s (%s)", AUTH_UNSIGNED, type);
}

/* ---- who, when, from whom -------------------------------------------- */

static void auth_time(struct auth_ctx *c)
{
    const struct conf *cf = c->g->conf;
    time_t now = time(NULL);

    if (c->v.created + cf->max_sig_age < now)
        auth_refuse(c->r, "%s", "signature older than max_signature_age");
    else if (c->v.created > now + cf->max_sig_skew)
        auth_refuse(c->r, "%s", "signature made in the future (beyond "
                    "max_signature_skew)");
}

/* The author must be the signer: a good signature by an officer under a
 * From that names someone else is the 2019 study's identity attack. */
static int auth_author(struct auth_ctx *c, struct err *e)
{
    char name[AUTH_NAME_MAX], addr[REGISTRY_ADDR_MAX + 1];
    struct err pe;
    int rc;

    err_init(&pe);
    if (msg_author(c->outer, name, sizeof(name), addr, sizeof(addr),
                   &pe) != 0)
        return auth_refuse(c->r, "From does not name the signer: %.300s",
                           pe.msg);
    rc = pgp_uid_match(c->g->pgp, c->v.fpr, name, addr, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return auth_refuse(c->r, "From %s%s<%.254s> is not a user ID of the "
                           "signing key %s", name, name[0] ? " " : "", addr,
                           c->v.fpr);
    return 0;
}

static int auth_signer(struct auth_ctx *c, struct err *e)
{
    struct auth_result *r = c->r;
    int rc;

    snprintf(r->signer, sizeof(r->signer), "%s", c->v.fpr);
    snprintf(r->sig_id, sizeof(r->sig_id), "%s", c->v.sig_id);
    r->signed_at = c->v.created;
    rc = gateway_officer_active(c->g, c->v.fpr, e);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return auth_refuse(r, "signer %s is not an authorised officer",
                           c->v.fpr);
    r->officer = 1;     /* a good signature of an active officer */
    auth_time(c);
    /* Replay detection needs the id; a good signature always has one. */
    if (r->reason[0] == '\0' && r->sig_id[0] == '\0')
        auth_refuse(r, "%s", "GnuPG gave no signature id");
    if (r->reason[0] != '\0')
        return 0;
    return auth_author(c, e);
}

/* What the mail claims to be, for a notice: the outer From and Subject,
 * cut, printable ASCII only (anything else '?'): hostile text goes into
 * a mail to the admins. */
static void auth_claims(const struct msg *m, struct auth_result *r)
{
    const char *from = msg_header(m, "From"), *subj = msg_header(m, "Subject");

    from = from ? from : "";
    subj = subj ? subj : "";
    text_show(from, strlen(from), r->claimed_from, sizeof(r->claimed_from));
    text_show(subj, strlen(subj), r->claimed_subject,
              sizeof(r->claimed_subject));
}

int auth_check(struct gateway *g, const struct msg *m, struct auth_result *r,
               struct err *e)
{
    struct auth_ctx c;

    memset(r, 0, sizeof(*r));
    auth_claims(m, r);
    memset(&c, 0, sizeof(c));
    c.g = g;
    c.outer = m;
    c.r = r;
    if (auth_shape(&c, m, 0, e) != 0 ||
        (r->reason[0] == '\0' && auth_signer(&c, e) != 0)) {
        auth_result_free(r);
        return -1;
    }
    if (r->reason[0] != '\0') {
        auth_result_free(r);
        r->ok = 0;
        return 0;
    }
    r->ok = r->content != NULL;
    if (!r->ok)
        return auth_refuse(r, "%s", "nothing signed to distribute");
    return 0;
}

void auth_result_free(struct auth_result *r)
{
    if (r == NULL)
        return;
    msg_content_free(r->content);
    r->content = NULL;
}

/* ---- replay ---------------------------------------------------------- */

int auth_replay(struct gateway *g, int64_t row, struct auth_result *r,
                struct err *e)
{
    int64_t prev = 0;
    char state[32] = "";
    int rc;

    if (r->signed_key[0] == '\0')
        return err_set(e, ERR_SOFTWARE, "no replay key for alert #%lld",
                       (long long)row);
    if (alerts_set_signed_key(g->store, row, r->sig_id, r->signed_key,
                              e) != 0)
        return -1;
    rc = alerts_find_by_signed_key(g->store, r->signed_key, row, &prev, state,
                                   sizeof(state), e);
    if (rc <= 0)
        return rc;
    r->ok = 0;
    snprintf(r->reason, sizeof(r->reason), "replay: this signed content was "
             "already received as alert #%lld (%s); an update must be a new "
             "signed message", (long long)prev, state);
    return 1;
}
