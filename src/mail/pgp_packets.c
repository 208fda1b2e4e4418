/*
 * pgp_packets - OpenPGP packet headers (RFC 9580 section 4.2), the split
 * of a message encrypted to many keys, and ASCII armour (section 6).
 */
#include "mail/pgp_packets.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

/* Armour: GnuPG's line length (RFC 9580 allows up to 76). */
#define PGP_ARMOR_LINE 64
#define PGP_ARMOR_HEAD "-----BEGIN PGP MESSAGE-----\n\n"
#define PGP_ARMOR_TAIL "-----END PGP MESSAGE-----\n"

/* ---- packet headers ------------------------------------------------- */

static int pgp_pkt_short(size_t off, struct err *e)
{
    return err_set(e, ERR_DATA, "OpenPGP packet at %zu: truncated", off);
}

/* Data packets, the only ones RFC 9580 lets use partial lengths. Of
 * them only the encrypted ones can be the top level of our output. */
static int pgp_tag_partial_ok(int tag)
{
    return tag == PGP_TAG_SED || tag == PGP_TAG_SEIPD || tag == PGP_TAG_OCB;
}

/* Old format (bit 6 clear): tag in bits 5-2, length type in bits 1-0. */
static int pgp_old_len(const unsigned char *in, size_t len, size_t *pos,
                       int ltype, size_t *body, struct err *e)
{
    static const size_t width[3] = {1, 2, 4};
    size_t i, n, off = *pos - 1;
    uint32_t v = 0;

    if (ltype == 3)
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: indeterminate "
                       "length refused", off);
    n = width[ltype];
    if (len - *pos < n)
        return pgp_pkt_short(off, e);
    for (i = 0; i < n; i++)
        v = (v << 8) | in[*pos + i];
    *pos += n;
    *body = v;
    return 0;
}

/* One new-format length (RFC 9580 section 4.2.1): *chunk is 1 when it is
 * a partial length, which another length follows. */
static int pgp_new_len(const unsigned char *in, size_t len, size_t *pos,
                       size_t off, size_t *body, int *chunk, struct err *e)
{
    unsigned b;

    if (*pos >= len)
        return pgp_pkt_short(off, e);
    b = in[(*pos)++];
    *chunk = 0;
    if (b < 192) {
        *body = b;
    } else if (b < 224) {
        if (*pos >= len)
            return pgp_pkt_short(off, e);
        *body = ((size_t)(b - 192) << 8) + in[(*pos)++] + 192;
    } else if (b < 255) {
        *body = (size_t)1 << (b & 0x1f);
        *chunk = 1;
    } else {
        if (len - *pos < 4)
            return pgp_pkt_short(off, e);
        *body = (size_t)in[*pos] << 24 | (size_t)in[*pos + 1] << 16 |
                (size_t)in[*pos + 2] << 8 | in[*pos + 3];
        *pos += 4;
    }
    return 0;
}

/* Skip a body of n octets at *pos, adding it to p->body_len. */
static int pgp_pkt_take(size_t len, size_t *pos, size_t n, struct pgp_pkt *p,
                        struct err *e)
{
    if (n > PGP_PKT_BODY_MAX - p->body_len)
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: body over %u "
                       "octets", p->off, PGP_PKT_BODY_MAX);
    if (len - *pos < n)
        return pgp_pkt_short(p->off, e);
    *pos += n;
    p->body_len += n;
    return 0;
}

/* The chunks of a partial body, each a length then its octets, up to the
 * last, which has a length of its own kind. */
static int pgp_pkt_chunks(const unsigned char *in, size_t len, size_t *pos,
                          size_t n, struct pgp_pkt *p, struct err *e)
{
    size_t chunks = 1;
    int more = 1;

    if (!pgp_tag_partial_ok(p->tag))
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: partial length "
                       "on a tag %d packet", p->off, p->tag);
    /* RFC 9580 4.2.1.4: the first partial length is at least 512. */
    if (n < 512)
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: first partial "
                       "length %zu under 512", p->off, n);
    p->partial = 1;
    while (more) {
        if (pgp_pkt_take(len, pos, n, p, e) != 0 ||
            pgp_new_len(in, len, pos, p->off, &n, &more, e) != 0)
            return -1;
        if (++chunks > PGP_PKT_CHUNKS_MAX)
            return err_set(e, ERR_DATA, "OpenPGP packet at %zu: over %u "
                           "partial chunks", p->off, PGP_PKT_CHUNKS_MAX);
    }
    return pgp_pkt_take(len, pos, n, p, e);
}

int pgp_pkt_read(const unsigned char *in, size_t len, size_t off,
                 struct pgp_pkt *p, struct err *e)
{
    size_t pos = off + 1, n = 0;
    int partial = 0;
    unsigned b;

    memset(p, 0, sizeof(*p));
    p->off = off;
    if (off >= len)
        return pgp_pkt_short(off, e);
    b = in[off];
    if (!(b & 0x80))
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: not a packet "
                       "header (0x%02x)", off, b);
    if (b & 0x40) {
        p->tag = (int)(b & 0x3f);
        if (pgp_new_len(in, len, &pos, off, &n, &partial, e) != 0)
            return -1;
    } else {
        p->tag = (int)((b >> 2) & 0x0f);
        if (pgp_old_len(in, len, &pos, (int)(b & 3), &n, e) != 0)
            return -1;
    }
    if (p->tag == 0)
        return err_set(e, ERR_DATA, "OpenPGP packet at %zu: reserved tag 0",
                       off);
    p->body_off = pos;
    if (partial ? pgp_pkt_chunks(in, len, &pos, n, p, e) != 0
                : pgp_pkt_take(len, &pos, n, p, e) != 0)
        return -1;
    p->end = pos;
    return 0;
}

/* ---- the split -------------------------------------------------------- */

/* A v3 PKESK (RFC 9580 section 5.1.1): version 3, the key id, the
 * algorithm, then the encrypted session key, which we do not read. */
static int pgp_pkesk_take(const unsigned char *in, const struct pgp_pkt *p,
                          struct pgp_pkesk *k, struct err *e)
{
    static const uint8_t wild[PGP_KEYID_LEN];

    if (p->body_len > PGP_PKESK_BODY_MAX)
        return err_set(e, ERR_DATA, "PKESK at %zu: %zu octets, over %u",
                       p->off, p->body_len, PGP_PKESK_BODY_MAX);
    if (p->body_len < 1 + PGP_KEYID_LEN + 1)
        return err_set(e, ERR_DATA, "PKESK at %zu: too short", p->off);
    if (in[p->body_off] != 3)
        return err_set(e, ERR_DATA, "PKESK at %zu: version %u refused "
                       "(only v3)", p->off, in[p->body_off]);
    memcpy(k->keyid, in + p->body_off + 1, PGP_KEYID_LEN);
    if (memcmp(k->keyid, wild, PGP_KEYID_LEN) == 0)
        return err_set(e, ERR_DATA, "PKESK at %zu: hidden recipient "
                       "(key id 0) refused", p->off);
    k->off = p->off;
    k->len = p->end - p->off;
    return 0;
}

static int pgp_pkesk_dup(const struct pgp_pkesk *v, size_t n,
                         const struct pgp_pkesk *k, struct err *e)
{
    char hex[17];
    size_t i;

    for (i = 0; i < n; i++)
        if (memcmp(v[i].keyid, k->keyid, PGP_KEYID_LEN) == 0) {
            pgp_keyid_hex(k->keyid, hex);
            return err_set(e, ERR_DATA, "PKESK at %zu: key id %s met twice",
                           k->off, hex);
        }
    return 0;
}

/* Room for one more PKESK, doubling up to the named limit. */
static int pgp_split_grow(struct pgp_split *s, size_t *cap, struct err *e)
{
    struct pgp_pkesk *v;
    size_t n;

    if (s->npkesk < *cap)
        return 0;
    if (*cap >= PGP_PKESK_COUNT_MAX)
        return err_set(e, ERR_DATA, "encrypted message: over %u PKESKs",
                       PGP_PKESK_COUNT_MAX);
    n = *cap ? *cap * 2 : 16;
    if (n > PGP_PKESK_COUNT_MAX)
        n = PGP_PKESK_COUNT_MAX;
    v = realloc(s->pkesk, n * sizeof(*v));
    if (v == NULL)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    s->pkesk = v;
    *cap = n;
    return 0;
}

/* What may follow the PKESKs: the data packet, which ends the message. */
static int pgp_split_data(const struct pgp_pkt *p, size_t len,
                          struct pgp_split *s, struct err *e)
{
    if (p->tag == PGP_TAG_SED)
        return err_set(e, ERR_DATA, "encrypted message: SED packet (no "
                       "integrity protection) refused");
    if (p->tag != PGP_TAG_SEIPD && p->tag != PGP_TAG_OCB)
        return err_set(e, ERR_DATA, "encrypted message: unexpected tag %d "
                       "packet at %zu", p->tag, p->off);
    if (s->npkesk == 0)
        return err_set(e, ERR_DATA, "encrypted message: no PKESK");
    if (p->end != len)
        return err_set(e, ERR_DATA, "encrypted message: %zu octets after "
                       "the data packet", len - p->end);
    s->data_off = p->off;
    s->data_len = p->end - p->off;
    return 0;
}

static int pgp_split_run(const unsigned char *in, size_t len,
                         struct pgp_split *s, struct err *e)
{
    struct pgp_pkt p;
    size_t off = 0, cap = 0;

    for (;;) {
        if (pgp_pkt_read(in, len, off, &p, e) != 0)
            return -1;
        if (p.tag != PGP_TAG_PKESK)
            return pgp_split_data(&p, len, s, e);
        if (pgp_split_grow(s, &cap, e) != 0 ||
            pgp_pkesk_take(in, &p, &s->pkesk[s->npkesk], e) != 0 ||
            pgp_pkesk_dup(s->pkesk, s->npkesk, &s->pkesk[s->npkesk], e) != 0)
            return -1;
        s->npkesk++;
        off = p.end;
    }
}

int pgp_split_read(const unsigned char *in, size_t len, struct pgp_split *s,
                   struct err *e)
{
    struct pgp_split t = {NULL, 0, 0, 0};

    memset(s, 0, sizeof(*s));
    if (pgp_split_run(in, len, &t, e) != 0) {
        pgp_split_free(&t);
        return -1;
    }
    *s = t;
    return 0;
}

void pgp_split_free(struct pgp_split *s)
{
    if (s == NULL)
        return;
    free(s->pkesk);
    s->pkesk = NULL;
    s->npkesk = 0;
}

void pgp_keyid_hex(const uint8_t keyid[PGP_KEYID_LEN], char out[17])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < PGP_KEYID_LEN; i++) {
        out[2 * i] = hex[keyid[i] >> 4];
        out[2 * i + 1] = hex[keyid[i] & 0x0f];
    }
    out[16] = '\0';
}

/* ---- armour ----------------------------------------------------------- */

uint32_t pgp_crc24(uint32_t crc, const unsigned char *in, size_t len)
{
    size_t i;
    int b;

    for (i = 0; i < len; i++) {
        crc ^= (uint32_t)in[i] << 16;
        for (b = 0; b < 8; b++) {
            crc <<= 1;
            if (crc & 0x1000000)
                crc ^= 0x1864CFBu;
        }
    }
    return crc & 0xFFFFFFu;
}

/* The input as one stream over two pieces, read in 48-octet lines (64
 * base64 characters). */
struct pgp_armor_in {
    const unsigned char *p[2];
    size_t n[2];
};

static size_t pgp_armor_next(struct pgp_armor_in *a, unsigned char *line,
                             size_t want)
{
    size_t got = 0, k;
    int i;

    for (i = 0; i < 2 && got < want; i++) {
        k = a->n[i] < want - got ? a->n[i] : want - got;
        if (k == 0)
            continue;
        memcpy(line + got, a->p[i], k);
        a->p[i] += k;
        a->n[i] -= k;
        got += k;
    }
    return got;
}

static int pgp_armor_put(struct buf *out, const unsigned char *raw,
                         size_t n)
{
    char enc[BASE64_ENCODE_RAW_LENGTH(PGP_ARMOR_LINE * 3 / 4) + 1];

    base64_encode_raw((void *)enc, n, raw);
    enc[BASE64_ENCODE_RAW_LENGTH(n)] = '\n';
    return buf_append(out, enc, BASE64_ENCODE_RAW_LENGTH(n) + 1);
}

static int pgp_armor_run(struct pgp_armor_in *a, struct buf *out)
{
    unsigned char line[PGP_ARMOR_LINE * 3 / 4], crc[3];
    uint32_t c = PGP_CRC24_INIT;
    size_t n;
    int rc;

    if ((rc = buf_puts(out, PGP_ARMOR_HEAD)) != 0)
        return rc;
    while ((n = pgp_armor_next(a, line, sizeof(line))) > 0) {
        c = pgp_crc24(c, line, n);
        if ((rc = pgp_armor_put(out, line, n)) != 0)
            return rc;
    }
    crc[0] = (unsigned char)(c >> 16);
    crc[1] = (unsigned char)(c >> 8);
    crc[2] = (unsigned char)c;
    if ((rc = buf_putc(out, '=')) != 0 ||
        (rc = pgp_armor_put(out, crc, sizeof(crc))) != 0)
        return rc;
    return buf_puts(out, PGP_ARMOR_TAIL);
}

int pgp_armor_message2(const unsigned char *a, size_t alen,
                       const unsigned char *b, size_t blen, struct buf *out,
                       struct err *e)
{
    struct pgp_armor_in in = {{a, b}, {alen, blen}};
    size_t len0 = out->len;
    int rc = pgp_armor_run(&in, out);

    if (rc == 0)
        return 0;
    if (out->data) {
        out->len = len0;
        out->data[len0] = '\0';
    }
    if (rc == BUF_ENOMEM)
        return err_set(e, ERR_NOMEM, "pgp: out of memory");
    return err_set(e, ERR_TOOBIG, "pgp: armoured message over the limit");
}

int pgp_armor_message(const unsigned char *in, size_t len, struct buf *out,
                      struct err *e)
{
    return pgp_armor_message2(in, len, NULL, 0, out, e);
}
