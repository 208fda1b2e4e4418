/*
 * pgp_batch - many recipient keys at the cost of a few gpg runs: one key
 * listing for all pinned fingerprints, one encryption for all keys, cut
 * per key into messages that each name one key (pgp_packets.h).
 */
#include "mail/pgp.h"
#include "mail/pgp_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/pgp_packets.h"

/* A (sub)key fingerprint and the key it belongs to. */
struct pgp_ks_ent {
    const char *fpr;        /* borrowed from the key */
    size_t key;
};

struct pgp_keyset {
    gpgme_key_t *keys;
    size_t nkeys, capkeys;
    struct pgp_ks_ent *ent;     /* sorted by fpr, one per fingerprint */
    size_t nent;
};

/* ---- the key set ------------------------------------------------------ */

static int pgp_ks_cmp(const void *a, const void *b)
{
    return strcasecmp(((const struct pgp_ks_ent *)a)->fpr,
                      ((const struct pgp_ks_ent *)b)->fpr);
}

static int pgp_str_cmp(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static int pgp_ks_add(struct pgp_keyset *ks, gpgme_key_t key, struct err *e)
{
    gpgme_key_t *v;
    size_t n;

    if (ks->nkeys == ks->capkeys) {
        n = ks->capkeys ? ks->capkeys * 2 : 64;
        v = realloc(ks->keys, n * sizeof(*v));
        if (v == NULL)
            return err_set(e, ERR_NOMEM, "pgp: out of memory");
        ks->keys = v;
        ks->capkeys = n;
    }
    ks->keys[ks->nkeys++] = key;
    return 0;
}

/* One gpg run for the patterns pat[0..n) (NULL-terminated after n). */
static int pgp_ks_list(struct pgp *p, struct pgp_keyset *ks,
                       const char **pat, struct err *e)
{
    gpgme_key_t key;
    gpgme_error_t rc;

    rc = gpgme_op_keylist_ext_start(p->ctx, pat, 0, 0);
    while (rc == 0 && (rc = gpgme_op_keylist_next(p->ctx, &key)) == 0)
        if (pgp_ks_add(ks, key, e) != 0) {
            gpgme_key_unref(key);
            gpgme_op_keylist_end(p->ctx);
            return -1;
        }
    gpgme_op_keylist_end(p->ctx);
    if (gpgme_err_code(rc) != GPG_ERR_EOF)
        return pgp_fail(e, "key list", rc);
    return 0;
}

/* Every fingerprint of every key listed, sorted; one entry per
 * fingerprint (a key listed twice, from two of its fingerprints, keeps
 * its first listing). */
static int pgp_ks_index(struct pgp_keyset *ks, struct err *e)
{
    gpgme_subkey_t sk;
    size_t n = 0, i, j;

    for (i = 0; i < ks->nkeys; i++)
        for (sk = ks->keys[i]->subkeys; sk != NULL; sk = sk->next)
            n++;
    ks->ent = calloc(n ? n : 1, sizeof(*ks->ent));
    if (ks->ent == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    for (i = 0; i < ks->nkeys; i++)
        for (sk = ks->keys[i]->subkeys; sk != NULL; sk = sk->next)
            if (sk->fpr != NULL)
                ks->ent[ks->nent++] = (struct pgp_ks_ent){sk->fpr, i};
    qsort(ks->ent, ks->nent, sizeof(*ks->ent), pgp_ks_cmp);
    for (i = j = 0; i < ks->nent; i++)
        if (j == 0 || strcasecmp(ks->ent[j - 1].fpr, ks->ent[i].fpr) != 0)
            ks->ent[j++] = ks->ent[i];
        else if (ks->ent[i].key < ks->ent[j - 1].key)
            ks->ent[j - 1].key = ks->ent[i].key;
    ks->nent = j;
    return 0;
}

/* The fingerprints worth asking for, sorted and without repeats: a
 * pattern that is not a fingerprint could match another key. */
static const char **pgp_ks_patterns(const char *const *fprs, size_t n,
                                    size_t *np)
{
    const char **pat = calloc(n + 1, sizeof(*pat));
    size_t i, j = 0;

    if (pat == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        if (pgp_fpr_ok(fprs[i]))
            pat[j++] = fprs[i];
    qsort(pat, j, sizeof(*pat), pgp_str_cmp);
    for (i = *np = 0; i < j; i++)
        if (*np == 0 || strcasecmp(pat[*np - 1], pat[i]) != 0)
            pat[(*np)++] = pat[i];
    return pat;
}

static int pgp_ks_run(struct pgp *p, struct pgp_keyset *ks,
                      const char **pat, size_t np, struct err *e)
{
    const char *save;
    size_t i, k;

    for (i = 0; i < np; i += k) {
        k = np - i < PGP_KEYLIST_BATCH ? np - i : PGP_KEYLIST_BATCH;
        save = pat[i + k];
        pat[i + k] = NULL;
        if (pgp_ks_list(p, ks, pat + i, e) != 0)
            return -1;
        pat[i + k] = save;
    }
    return pgp_ks_index(ks, e);
}

int pgp_keyset_load(struct pgp *p, const char *const *fprs, size_t n,
                    struct pgp_keyset **out, struct err *e)
{
    struct pgp_keyset *ks;
    const char **pat;
    size_t np;
    int rc;

    *out = NULL;
    ks = calloc(1, sizeof(*ks));
    pat = pgp_ks_patterns(fprs, n, &np);
    if (ks == NULL || pat == NULL) {
        free(ks);
        free(pat);
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    }
    rc = pgp_ks_run(p, ks, pat, np, e);
    free(pat);
    if (rc != 0) {
        pgp_keyset_free(ks);
        return -1;
    }
    *out = ks;
    return 0;
}

void pgp_keyset_free(struct pgp_keyset *ks)
{
    size_t i;

    if (ks == NULL)
        return;
    for (i = 0; i < ks->nkeys; i++)
        gpgme_key_unref(ks->keys[i]);
    free(ks->keys);
    free(ks->ent);
    free(ks);
}

/* The index of the key with fingerprint fpr (primary or sub), or -1. */
static long pgp_ks_find(const struct pgp_keyset *ks, const char *fpr)
{
    struct pgp_ks_ent k = {fpr, 0}, *hit;

    if (!pgp_fpr_ok(fpr) || ks->nent == 0)
        return -1;
    hit = bsearch(&k, ks->ent, ks->nent, sizeof(k), pgp_ks_cmp);
    return hit ? (long)hit->key : -1;
}

int pgp_keyset_info(const struct pgp_keyset *ks, const char *fpr,
                    struct pgp_keyinfo *ki, struct err *e)
{
    long k = pgp_ks_find(ks, fpr);

    memset(ki, 0, sizeof(*ki));
    if (k < 0)
        return err_set(e, ERR_NOUSER, "no OpenPGP key %.64s", fpr);
    pgp_key_fill(ks->keys[k], ki);
    return 0;
}

/* ---- one encryption, one message per key ------------------------------- */

/* The keys one encryption is for: each distinct key once (recipients may
 * share one), and for each recipient its slot. */
struct pgp_slots {
    gpgme_key_t *keys;      /* nslots + NULL, borrowed from the key set */
    size_t nslots;
    size_t *of;             /* recipient i's slot */
    size_t *slot_of_key;    /* key set index -> slot, SIZE_MAX: none */
};

static void pgp_slots_free(struct pgp_slots *s)
{
    free(s->keys);
    free(s->of);
    free(s->slot_of_key);
}

/* A key is known by its primary fingerprint: two listings of one key
 * (pinned by two of its fingerprints) are one slot. */
static int pgp_slots_make(const struct pgp_keyset *ks, struct pgp_each *r,
                          size_t n, struct pgp_slots *s, struct err *e)
{
    size_t i;
    long k;

    s->keys = calloc(n + 1, sizeof(*s->keys));
    s->of = calloc(n ? n : 1, sizeof(*s->of));
    s->slot_of_key = malloc((ks->nkeys ? ks->nkeys : 1) *
                            sizeof(*s->slot_of_key));
    if (s->keys == NULL || s->of == NULL || s->slot_of_key == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    for (i = 0; i < ks->nkeys; i++)
        s->slot_of_key[i] = SIZE_MAX;
    for (i = 0; i < n; i++) {
        k = pgp_ks_find(ks, r[i].fpr);
        if (k >= 0 && ks->keys[k]->subkeys != NULL)
            k = pgp_ks_find(ks, ks->keys[k]->subkeys->fpr);
        if (k < 0)
            return err_set(e, ERR_SOFTWARE, "encrypt: key %.64s not in the "
                           "key set", r[i].fpr);
        if (s->slot_of_key[k] == SIZE_MAX) {
            s->slot_of_key[k] = s->nslots;
            s->keys[s->nslots++] = ks->keys[k];
        }
        s->of[i] = s->slot_of_key[k];
    }
    return 0;
}

/* GnuPG refused key fpr: its recipients are marked, its slot emptied
 * (NULL) for the next run. */
static int pgp_slots_refuse(const struct pgp_keyset *ks, struct pgp_slots *s,
                            struct pgp_each *r, size_t n, const char *fpr,
                            struct err *e)
{
    long k = fpr ? pgp_ks_find(ks, fpr) : -1;
    size_t slot, i;

    if (k >= 0 && ks->keys[k]->subkeys != NULL)
        k = pgp_ks_find(ks, ks->keys[k]->subkeys->fpr);
    if (k < 0 || (slot = s->slot_of_key[k]) == SIZE_MAX ||
        s->keys[slot] == NULL)
        return err_set(e, ERR_SOFTWARE, "gpgme encrypt: refused key %.64s "
                       "is none of ours", fpr ? fpr : "?");
    s->keys[slot] = NULL;
    for (i = 0; i < n; i++)
        if (s->of[i] == slot)
            r[i].refused = 1;
    return 0;
}

/* The slots still wanted, NULL-terminated, into v. */
static size_t pgp_slots_live(const struct pgp_slots *s, gpgme_key_t *v)
{
    size_t i, m = 0;

    for (i = 0; i < s->nslots; i++)
        if (s->keys[i] != NULL)
            v[m++] = s->keys[i];
    v[m] = NULL;
    return m;
}

/* One gpg run: binary output (the armour is made per recipient), no
 * encrypt-to keys of a gpg.conf (they would add PKESKs naming other
 * keys), trust ours (pinned fingerprints). */
static gpgme_error_t pgp_each_run(struct pgp *p, gpgme_key_t *keys,
                                  const char *data, size_t len,
                                  gpgme_data_t *cipher)
{
    gpgme_data_t in = NULL;
    gpgme_error_t rc;

    rc = pgp_data_borrow(&in, data, len);
    if (rc == 0)
        rc = gpgme_data_new(cipher);
    if (rc == 0) {
        gpgme_set_armor(p->ctx, 0);
        rc = gpgme_op_encrypt(p->ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST |
                              GPGME_ENCRYPT_NO_ENCRYPT_TO, in, *cipher);
        gpgme_set_armor(p->ctx, 1);
    }
    gpgme_data_release(in);
    return rc;
}

/* Encrypt to the live slots; a key GnuPG refuses is taken out and the
 * rest tried once more. *ct (gpgme_free) gets the binary message. */
static int pgp_each_encrypt(struct pgp *p, const struct pgp_keyset *ks,
                            struct pgp_slots *s, struct pgp_each *r,
                            size_t n, const char *data, size_t len,
                            char **ct, size_t *ctlen, struct err *e)
{
    gpgme_key_t *live = calloc(s->nslots + 1, sizeof(*live));
    gpgme_invalid_key_t inv;
    gpgme_data_t cipher = NULL;
    gpgme_error_t rc = 0;
    int tries, ret = -1;

    *ct = NULL;
    if (live == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    for (tries = 0; tries < 2; tries++) {
        if (pgp_slots_live(s, live) == 0) {
            ret = 0;                /* every key refused: nothing to do */
            goto out;
        }
        rc = pgp_each_run(p, live, data, len, &cipher);
        if (gpgme_err_code(rc) != GPG_ERR_UNUSABLE_PUBKEY)
            break;
        gpgme_data_release(cipher);
        cipher = NULL;
        inv = gpgme_op_encrypt_result(p->ctx) ?
              gpgme_op_encrypt_result(p->ctx)->invalid_recipients : NULL;
        if (inv == NULL)
            break;
        for (; inv != NULL; inv = inv->next)
            if (pgp_slots_refuse(ks, s, r, n, inv->fpr, e) != 0)
                goto out;
    }
    if (rc != 0) {
        pgp_fail(e, "encrypt", rc);
        goto out;
    }
    *ct = gpgme_data_release_and_get_mem(cipher, ctlen);
    cipher = NULL;
    if (*ct == NULL)
        err_set(e, ERR_SOFTWARE, "gpgme encrypt: no output");
    else
        ret = 0;
out:
    gpgme_data_release(cipher);
    free(live);
    return ret;
}

/* Which slot a PKESK is for: the one key among the live slots with a
 * subkey of that key id. None or several: -1 (fail closed). */
static long pgp_pkesk_slot(const struct pgp_slots *s, const uint8_t *keyid)
{
    char hex[17];
    gpgme_subkey_t sk;
    long hit = -1;
    size_t i;

    pgp_keyid_hex(keyid, hex);
    for (i = 0; i < s->nslots; i++) {
        if (s->keys[i] == NULL)
            continue;
        for (sk = s->keys[i]->subkeys; sk != NULL; sk = sk->next)
            if (sk->keyid != NULL && strcasecmp(sk->keyid, hex) == 0)
                break;
        if (sk == NULL)
            continue;
        if (hit >= 0)
            return -1;
        hit = (long)i;
    }
    return hit;
}

/* For each live slot the one PKESK naming one of its subkeys: pk[slot]. */
static int pgp_pkesk_map(const struct pgp_slots *s,
                         const struct pgp_split *sp, size_t *pk,
                         struct err *e)
{
    char hex[17];
    size_t i, live = 0;
    long slot;

    for (i = 0; i < s->nslots; i++) {
        pk[i] = SIZE_MAX;
        live += s->keys[i] != NULL;
    }
    for (i = 0; i < sp->npkesk; i++) {
        slot = pgp_pkesk_slot(s, sp->pkesk[i].keyid);
        pgp_keyid_hex(sp->pkesk[i].keyid, hex);
        if (slot < 0)
            return err_set(e, ERR_SOFTWARE, "encrypt: PKESK for key id %s "
                           "matches no single recipient key", hex);
        if (pk[slot] != SIZE_MAX)
            return err_set(e, ERR_SOFTWARE, "encrypt: two PKESKs for one "
                           "recipient key (%s)", hex);
        pk[slot] = i;
    }
    if (sp->npkesk != live)
        return err_set(e, ERR_SOFTWARE, "encrypt: %zu PKESKs for %zu keys",
                       sp->npkesk, live);
    return 0;
}

/* Every recipient's message: its key's PKESK and the shared data. */
static int pgp_each_cut(const struct pgp_slots *s, struct pgp_each *r,
                        size_t n, const unsigned char *ct, size_t ctlen,
                        struct err *e)
{
    struct pgp_split sp;
    const struct pgp_pkesk *k;
    size_t *pk, i;
    int ret = -1;

    if (pgp_split_read(ct, ctlen, &sp, e) != 0)
        return -1;
    pk = calloc(s->nslots ? s->nslots : 1, sizeof(*pk));
    if (pk == NULL) {
        err_set(e, ERR_NOMEM, "pgp: out of memory");
        goto out;
    }
    if (pgp_pkesk_map(s, &sp, pk, e) != 0)
        goto out;
    for (i = 0; i < n; i++) {
        if (r[i].refused)
            continue;
        k = &sp.pkesk[pk[s->of[i]]];
        if (pgp_armor_message2(ct + k->off, k->len, ct + sp.data_off,
                               sp.data_len, r[i].out, e) != 0)
            goto out;
    }
    ret = 0;
out:
    free(pk);
    pgp_split_free(&sp);
    return ret;
}

int pgp_encrypt_each(struct pgp *p, const struct pgp_keyset *ks,
                     struct pgp_each *r, size_t n, const char *data,
                     size_t len, struct err *e)
{
    struct pgp_slots s = {NULL, 0, NULL, NULL};
    char *ct = NULL;
    size_t ctlen = 0, i;
    int ret = -1;

    if (n > PGP_PKESK_COUNT_MAX)
        return err_set(e, ERR_SOFTWARE, "encrypt: %zu recipients (at most "
                       "%u)", n, PGP_PKESK_COUNT_MAX);
    for (i = 0; i < n; i++)
        r[i].refused = 0;
    if (n == 0)
        return 0;
    if (pgp_slots_make(ks, r, n, &s, e) == 0 &&
        pgp_each_encrypt(p, ks, &s, r, n, data, len, &ct, &ctlen, e) == 0)
        ret = ct == NULL ? 0 : pgp_each_cut(&s, r, n,
                                            (const unsigned char *)ct,
                                            ctlen, e);
    gpgme_free(ct);
    pgp_slots_free(&s);
    return ret;
}
