/*
 * encrypt - per-recipient encryption (lists.encrypt if-key / always).
 *
 * The GnuPG work happens here, in the parent, before the commit's
 * transaction: each recipient of an encrypting list is classified (plain,
 * encrypted, or a withheld notice) and its own message made. Plain
 * recipients share the one signed list copy.
 */
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>

#include "process/mailout.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "util/buf.h"

/* What encrypt_usable found of a recipient's pinned key. */
enum encrypt_key {
    ENCRYPT_KEY_ERROR = -1,     /* GnuPG failed (agent down: ERR_TEMP) */
    ENCRYPT_KEY_UNUSABLE = 0,   /* r->why says why, for the notice */
    ENCRYPT_KEY_USABLE = 1,
};

/* Every recipient of l, with the pinned fingerprint; read-only. Ordered,
 * so that the commit can check the list did not change meanwhile. */
int encrypt_rcpts(struct gateway *g, const struct plist *l,
                  struct store_stmt **st, struct err *e)
{
    return registry_list_recipients(g->store, l->id, st, e);
}

/* Room for one more recipient (doubling, up to the named limit). */
static int encrypt_grow(const struct plist *l, struct pcopy *cp, size_t *cap,
                        struct err *e)
{
    struct prcpt *v;
    size_t n;

    if (cp->nrcpts < *cap)
        return 0;
    if (*cap >= PROCESS_ENCRYPT_RCPTS_MAX)
        return err_set(e, ERR_TOOBIG, "list %s has more than %d recipients "
                       "to encrypt for", l->name, PROCESS_ENCRYPT_RCPTS_MAX);
    n = *cap ? *cap * 2 : 16;
    if (n > PROCESS_ENCRYPT_RCPTS_MAX)
        n = PROCESS_ENCRYPT_RCPTS_MAX;
    v = realloc(cp->rcpts, n * sizeof(*v));
    if (v == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    memset(v + *cap, 0, (n - *cap) * sizeof(*v));
    cp->rcpts = v;
    *cap = n;
    return 0;
}

static int encrypt_load(struct gateway *g, const struct plist *l,
                        struct pcopy *cp, struct err *e)
{
    struct store_stmt *st;
    struct prcpt *r;
    size_t cap = 0;
    int rc;

    if (encrypt_rcpts(g, l, &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1) {
        if (encrypt_grow(l, cp, &cap, e) != 0) {
            rc = -1;
            break;
        }
        r = &cp->rcpts[cp->nrcpts++];
        buf_init(&r->msg, PROCESS_COPY_MAX);
        r->address = strdup(store_col_text(st, 0));
        snprintf(r->fpr, sizeof(r->fpr), "%s", store_col_text(st, 1));
        if (r->address == NULL) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* Whether the pinned key can receive; when it cannot, r->why says why in
 * words for the recipient's notice. */
static enum encrypt_key encrypt_usable(struct gateway *g, struct prcpt *r,
                                       struct err *e)
{
    struct pgp_keyinfo ki;
    struct err ke;

    if (r->fpr[0] == '\0') {
        snprintf(r->why, sizeof(r->why), "no OpenPGP key is on file for "
                 "your address");
        return ENCRYPT_KEY_UNUSABLE;
    }
    err_init(&ke);
    if (pgp_key_info(g->pgp, r->fpr, &ki, &ke) != 0) {
        if (ke.code != ERR_NOUSER) {
            err_set(e, ke.code, "%s", ke.msg);
            return ENCRYPT_KEY_ERROR;
        }
        snprintf(r->why, sizeof(r->why), "your key %s is not in the "
                 "gateway's keyring", r->fpr);
        return ENCRYPT_KEY_UNUSABLE;
    }
    if (ki.revoked || ki.expired || ki.invalid || !ki.can_encrypt) {
        snprintf(r->why, sizeof(r->why), "your key %s %s", r->fpr,
                 ki.revoked ? "is revoked" : ki.expired ? "has expired"
                 : ki.invalid ? "is invalid"
                 : "has no usable encryption subkey");
        return ENCRYPT_KEY_UNUSABLE;
    }
    return ENCRYPT_KEY_USABLE;
}

/* Outer Subject of an encrypted copy. The list Subject is protected
 * inside (clients that read protected headers show it); outside it would
 * travel in clear through every relay, so only the id and label do. */
static int encrypt_subject(const struct pctx *c, char *out, size_t n)
{
    int len = snprintf(out, n, "[%s] Encrypted alert %s",
                       alert_tlp_label(c->a->tlp), c->a->alert_id);

    return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The list copy's signed entity, encrypted and signed in one OpenPGP
 * message (RFC 3156 6.2) to r's key, in the list copy's headers. A key
 * GnuPG finds unusable now leaves r unencrypted (r->why). */
static int encrypt_one(struct pctx *c, const struct pcopy *cp,
                       struct prcpt *r, struct err *e)
{
    struct msg_header_field h[COPY_HEADERS_MAX];
    const char *fpr = r->fpr;
    char subject[ALERT_ID_MAX + 64], listid[512];
    const char *eoh;
    struct buf ct;
    struct err pe;
    int rc = -1;

    buf_init(&ct, PROCESS_COPY_MAX * 2);
    err_init(&pe);
    if (encrypt_subject(c, subject, sizeof(subject)) != 0 ||
        copy_list_id(c, listid, sizeof(listid)) != 0) {
        err_set(e, ERR_SOFTWARE, "encrypted copy: header too long");
        goto out;
    }
    if (pgp_encrypt_sign(c->g->pgp, c->g->signing_key, &fpr, 1,
                         cp->entity.data, cp->entity.len, &ct, &pe) != 0) {
        if (pe.code != ERR_NOUSER) {
            err_set(e, pe.code, "%s", pe.msg);
            goto out;
        }
        snprintf(r->why, sizeof(r->why), "%s", pe.msg);
        rc = 0;
        goto out;
    }
    if (msg_build_encrypted(h, copy_headers(c, cp, subject, listid, h),
                            ct.data, ct.len, &r->msg, e) != 0)
        goto out;
    r->how = RCPT_ENCRYPTED;
    /* only the header section is clear text: scan it (the ciphertext
     * could match a short name by chance and hold a clean alert) */
    eoh = memmem(r->msg.data, r->msg.len, "\r\n\r\n", 4);
    rc = c->l->anonymise ? anon_scan(c->g->anon, r->msg.data, eoh ?
                                     (size_t)(eoh - r->msg.data) : r->msg.len,
                                     "the encrypted copy's headers", e) : 0;
out:
    buf_free(&ct);
    return rc;
}

/* A list that encrypts always tells a recipient it cannot encrypt for
 * that an alert was withheld and why: id, label and list, never the
 * content. Signed by the gateway, stored as a notice of the alert. */
static int encrypt_notice(struct pctx *c, struct prcpt *r, struct err *e)
{
    char subject[ALERT_ID_MAX + 128], date[MAILOUT_DATE_MAX];
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct buf body, entity;
    struct msg_part part = {1, (char *)"text/plain", NULL, NULL, 0};
    int rc = -1, len, brc = 0;

    buf_init(&body, 8192);
    buf_init(&entity, 16384);
    len = snprintf(subject, sizeof(subject), "[%s] Alert %s withheld: no "
                   "usable OpenPGP key", tlp, c->a->alert_id);
    mailout_date(date, sizeof(date));
    if (len < 0 || (size_t)len >= sizeof(subject) ||
        mailout_msgid(c->g, "withheld", r->msgid, sizeof(r->msgid)) != 0 ||
        (brc = buf_printf(&body, "Alert %s (%s) went out to the list %s "
                          "<%s>.\nThat list sends alerts only encrypted, and "
                          "no encrypted copy could be made\nfor you: %s.\n\n"
                          "The alert's content is withheld from you. To "
                          "receive the alerts of this\nlist, send your "
                          "OpenPGP public key to %s.\n", c->a->alert_id, tlp,
                          c->l->name, c->l->address, r->why,
                          c->g->conf->from)) != 0) {
        /* out of memory is temporary; a notice that does not fit is
         * a bug of ours */
        if (brc == BUF_ENOMEM)
            err_set(e, ERR_NOMEM, "out of memory");
        else
            err_set(e, ERR_SOFTWARE, "withheld notice too long");
        goto out;
    }
    part.data = body.data;
    part.len = body.len;
    {
        const struct msg_header_field ph[] = {
            {"From", c->g->conf->from}, {"To", r->address},
            {"Subject", subject},
        };
        const struct msg_header_field h[] = {
            {"From", c->g->conf->from}, {"To", r->address},
            {"Subject", subject}, {"Date", date}, {"Message-ID", r->msgid},
            {"Auto-Submitted", "auto-generated"},
        };
        if (msg_build_entity_protected(&part, 1, ph, 3, &entity, e) == 0 &&
            mailout_sign(c->g, h, sizeof(h) / sizeof(h[0]), &entity,
                         &r->msg, e) == 0) {
            r->how = RCPT_NOTICE;
            rc = 0;
        }
    }
out:
    buf_free(&body);
    buf_free(&entity);
    return rc;
}

static int copy_encrypt(struct pctx *c, struct pcopy *cp, struct err *e)
{
    struct prcpt *r;
    enum encrypt_key k;
    size_t i;

    if (c->l->encrypt == ENCRYPT_NEVER)
        return 0;
    if (gateway_pgp(c->g, e) != 0 || gateway_signing_key(c->g, e) != 0 ||
        encrypt_load(c->g, c->l, cp, e) != 0)
        return -1;
    for (i = 0; i < cp->nrcpts; i++) {
        r = &cp->rcpts[i];
        k = encrypt_usable(c->g, r, e);
        if (k == ENCRYPT_KEY_ERROR ||
            (k == ENCRYPT_KEY_USABLE && encrypt_one(c, cp, r, e) != 0))
            return -1;
        if (r->how == RCPT_PLAIN && c->l->encrypt == ENCRYPT_ALWAYS &&
            encrypt_notice(c, r, e) != 0)
            return -1;
    }
    return 0;
}

/* Per-recipient encryption of the lists that want it, by the parent:
 * GnuPG and the registry's keys, over entities the child built. */
int process_encrypt(struct gateway *g, const struct palert *a,
                    struct plist *lists, size_t n, struct pcopy *copies,
                    struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct pctx c = {g, a, &lists[i], NULL, NULL,
                         lists[i].in_reply_to[0] ? lists[i].in_reply_to
                                                 : NULL,
                         lists[i].refs ? lists[i].refs : ""};
        if (!lists[i].withheld[0] && copy_encrypt(&c, &copies[i], e) != 0)
            return -1;
    }
    return 0;
}
