/*
 * encrypt - per-recipient encryption (lists.encrypt if-key / always).
 *
 * The GnuPG work happens here, in the parent, before the commit's
 * transaction: each recipient of an encrypting list is classified (plain,
 * encrypted, or a withheld notice) and its own message made. Plain
 * recipients share the one signed list copy; the encrypted messages
 * carry that same signed entity, encrypted once for every key of the
 * list and cut per recipient (pgp_encrypt_each: each message names its
 * recipient's key only), so their cost barely grows with the list.
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

    if (l->affected)    /* affected_resolve filled them */
        return 0;
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

/* Whether the pinned key can receive, as the one key listing of the
 * list found it; when it cannot, r->why says why in words for the
 * recipient's notice. */
static enum encrypt_key encrypt_usable(const struct pgp_keyset *ks,
                                       struct prcpt *r)
{
    struct pgp_keyinfo ki;
    struct err ke;

    if (r->fpr[0] == '\0') {
        snprintf(r->why, sizeof(r->why), "no OpenPGP key is on file for "
                 "your address");
        return ENCRYPT_KEY_UNUSABLE;
    }
    err_init(&ke);
    if (pgp_keyset_info(ks, r->fpr, &ki, &ke) != 0) {
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

/* Every pinned key of the list in one key listing (not a gpg run per
 * recipient); *ks is the caller's. */
static int encrypt_keyset(struct pctx *c, const struct pcopy *cp,
                          struct pgp_keyset **ks, struct err *e)
{
    const char **fprs = calloc(cp->nrcpts ? cp->nrcpts : 1, sizeof(*fprs));
    size_t i, n = 0;
    int rc;

    if (fprs == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (i = 0; i < cp->nrcpts; i++)
        if (cp->rcpts[i].fpr[0] != '\0')
            fprs[n++] = cp->rcpts[i].fpr;
    rc = pgp_keyset_load(c->g->pgp, fprs, n, ks, e);
    free(fprs);
    return rc;
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

/* The list copy's multipart/signed entity, signature included: from its
 * Content-Type field (msg_build_signed writes it last in the header
 * section, after the list's fields and MIME-Version) to the end. This is
 * what RFC 3156 section 6.1 encrypts: signed, then encrypted, so one
 * signature serves the list copy and every encrypted copy of it. */
static int encrypt_entity(const struct pcopy *cp, const char **ent,
                          size_t *len, struct err *e)
{
    static const char ct[] = "\r\nContent-Type: multipart/signed;";
    const char *m = cp->msg.data, *eoh, *at = NULL;

    eoh = m ? memmem(m, cp->msg.len, "\r\n\r\n", 4) : NULL;
    if (eoh != NULL)
        at = memmem(m, (size_t)(eoh - m) + 2, ct, sizeof(ct) - 1);
    if (at == NULL)
        return err_set(e, ERR_SOFTWARE, "encrypted copy: the list copy is "
                       "not multipart/signed");
    *ent = at + 2;
    *len = cp->msg.len - (size_t)(*ent - m);
    return 0;
}

/* The outer header fields every encrypted copy of the list copy has
 * (the list copy's, with a neutral Subject). */
struct encrypt_hdrs {
    struct msg_header_field h[COPY_HEADERS_MAX];
    size_t n;
    char subject[ALERT_ID_MAX + 64], listid[512];
};

static int encrypt_hdrs(const struct pctx *c, const struct pcopy *cp,
                        struct encrypt_hdrs *eh, struct err *e)
{
    if (encrypt_subject(c, eh->subject, sizeof(eh->subject)) != 0 ||
        copy_list_id(c, eh->listid, sizeof(eh->listid)) != 0)
        return err_set(e, ERR_SOFTWARE, "encrypted copy: header too long");
    eh->n = copy_headers(c, cp, eh->subject, eh->listid, eh->h);
    return 0;
}

/* r's message: the armoured OpenPGP message ct in the list copy's
 * headers (RFC 3156 section 4). */
static int encrypt_one(struct pctx *c, const struct encrypt_hdrs *eh,
                       struct prcpt *r, const struct buf *ct, struct err *e)
{
    const char *eoh;

    if (msg_build_encrypted(eh->h, eh->n, ct->data, ct->len, &r->msg, e) != 0)
        return -1;
    r->how = RCPT_ENCRYPTED;
    /* only the header section is clear text: scan it (the ciphertext
     * could match a short name by chance and hold a clean alert) */
    eoh = memmem(r->msg.data, r->msg.len, "\r\n\r\n", 4);
    return c->l->anonymise ? anon_scan(c->g->anon, r->msg.data, eoh ?
                                       (size_t)(eoh - r->msg.data) :
                                       r->msg.len,
                                       "the encrypted copy's headers", e) : 0;
}

/* One encryption run for every usable key of the list copy (pgp.h,
 * pgp_encrypt_each), then each recipient's message. A key GnuPG refuses
 * leaves its recipient unencrypted, r->why saying so. */
/* The recipients with a usable key: who[i] gets each[i]'s message,
 * armoured into ct[i]. */
struct encrypt_work {
    struct pgp_each *each;
    struct prcpt **who;
    struct buf *ct;
    size_t n;
};

static void encrypt_work_free(struct encrypt_work *w)
{
    size_t i;

    for (i = 0; w->ct && i < w->n; i++)
        buf_free(&w->ct[i]);
    free(w->each);
    free(w->who);
    free(w->ct);
}

static int encrypt_work_make(const struct pgp_keyset *ks, struct pcopy *cp,
                             struct encrypt_work *w, struct err *e)
{
    size_t i, m = cp->nrcpts ? cp->nrcpts : 1;

    w->each = calloc(m, sizeof(*w->each));
    w->who = calloc(m, sizeof(*w->who));
    w->ct = calloc(m, sizeof(*w->ct));
    if (w->each == NULL || w->who == NULL || w->ct == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (i = 0; i < cp->nrcpts; i++) {
        if (encrypt_usable(ks, &cp->rcpts[i]) != ENCRYPT_KEY_USABLE)
            continue;
        buf_init(&w->ct[w->n], PROCESS_COPY_MAX * 2);
        w->who[w->n] = &cp->rcpts[i];
        w->each[w->n] = (struct pgp_each){cp->rcpts[i].fpr, &w->ct[w->n], 0};
        w->n++;
    }
    return 0;
}

static int encrypt_batch(struct pctx *c, struct pcopy *cp,
                         const struct pgp_keyset *ks, struct encrypt_work *w,
                         struct err *e)
{
    struct encrypt_hdrs eh;
    const char *ent = NULL;
    size_t len = 0, i;

    if (w->n == 0)
        return 0;
    if (encrypt_entity(cp, &ent, &len, e) != 0 ||
        encrypt_hdrs(c, cp, &eh, e) != 0 ||
        pgp_encrypt_each(c->g->pgp, ks, w->each, w->n, ent, len, e) != 0)
        return -1;
    for (i = 0; i < w->n; i++) {
        if (w->each[i].refused) {
            snprintf(w->who[i]->why, sizeof(w->who[i]->why), "your key %s "
                     "cannot receive encrypted mail (GnuPG refused it)",
                     w->who[i]->fpr);
            continue;
        }
        if (encrypt_one(c, &eh, w->who[i], &w->ct[i], e) != 0)
            return -1;
        buf_free(&w->ct[i]);    /* the message holds it now */
    }
    return 0;
}

/* A list that encrypts always tells a recipient it cannot encrypt for
 * that an alert was withheld and why: id, label and list, never the
 * content. Signed by the gateway, stored as a notice of the alert. */
static int encrypt_notice(struct pctx *c, struct prcpt *r, struct err *e)
{
    char subject[ALERT_ID_MAX + 128], date[MAILOUT_DATE_MAX];
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct buf body, entity;
    struct msg_part part = {1, (char *)"text/plain", NULL, NULL, 0,
                             NULL, 0};
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

/* Three gpg runs for the whole list, whatever its size: the key listing,
 * the encryption, and (made earlier) the list copy's one signature; plus
 * one signature per withheld notice. */
static int copy_encrypt(struct pctx *c, struct pcopy *cp, struct err *e)
{
    struct encrypt_work w = {NULL, NULL, NULL, 0};
    struct pgp_keyset *ks = NULL;
    struct prcpt *r;
    size_t i;
    int rc = -1;

    if (c->l->encrypt == ENCRYPT_NEVER)
        return 0;
    if (gateway_pgp(c->g, e) != 0 || gateway_signing_key(c->g, e) != 0 ||
        encrypt_load(c->g, c->l, cp, e) != 0 ||
        encrypt_keyset(c, cp, &ks, e) != 0 ||
        encrypt_work_make(ks, cp, &w, e) != 0 ||
        encrypt_batch(c, cp, ks, &w, e) != 0)
        goto out;
    for (i = 0; i < cp->nrcpts; i++) {
        r = &cp->rcpts[i];
        if (r->how == RCPT_PLAIN && c->l->encrypt == ENCRYPT_ALWAYS &&
            encrypt_notice(c, r, e) != 0)
            goto out;
    }
    rc = 0;
out:
    encrypt_work_free(&w);
    pgp_keyset_free(ks);
    return rc;
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
