/*
 * pgp_packets - OpenPGP packet headers and ASCII armour, read and written
 * without GnuPG: what it takes to cut one message encrypted to many keys
 * into one message per recipient (issue 15).
 *
 * A message encrypted to n keys is n public-key encrypted session key
 * packets (PKESK, tag 1), one per key, followed by one encrypted data
 * packet that all of them share (RFC 9580 section 10.3). The PKESK of
 * one key followed by that data packet is a complete message for that
 * key alone, naming no other recipient.
 *
 * Only what GnuPG makes for us is accepted; everything else is refused
 * (ERR_DATA, one line saying what and where), never skipped: v3 PKESKs
 * (v6 ones name the key by fingerprint in another layout: refused), a
 * key id of zeros (a hidden recipient: we could not tell whose it is),
 * then exactly one integrity-protected data packet (SEIPD, tag 18, or
 * GnuPG's OCB packet, tag 20) ending the input. SED (tag 9) has no
 * integrity protection and is refused.
 *
 * Input is borrowed: the offsets returned point into the caller's bytes.
 */
#ifndef AGW_PGP_PACKETS_H
#define AGW_PGP_PACKETS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

/* Packet tags (RFC 9580 section 5). */
#define PGP_TAG_PKESK 1
#define PGP_TAG_SED 9
#define PGP_TAG_SEIPD 18
#define PGP_TAG_OCB 20          /* GnuPG's AEAD packet (LibrePGP) */

#define PGP_KEYID_LEN 8

/* One packet as pgp_pkt_read found it. */
struct pgp_pkt {
    int tag;
    int partial;        /* its body came in partial chunks (new format) */
    size_t off;         /* where its (first) header starts */
    size_t end;         /* the offset just after the packet */
    size_t body_off;    /* where the body starts (the first chunk's) */
    size_t body_len;    /* body octets, every chunk counted */
};

/* The packet starting at in[off]: its tag, framing and end. Old and new
 * formats (RFC 9580 section 4.2); partial body lengths only for the
 * encrypted data packets (SEIPD, OCB, SED), and the old format's
 * indeterminate length never. 0, or -1 with e (ERR_DATA): truncated,
 * not a packet header, a length over its limit. */
int pgp_pkt_read(const unsigned char *in, size_t len, size_t off,
                 struct pgp_pkt *p, struct err *e);

struct pgp_pkesk {
    uint8_t keyid[PGP_KEYID_LEN];
    size_t off, len;    /* the whole packet, header included */
};

/* An encrypted message cut into its parts. */
struct pgp_split {
    struct pgp_pkesk *pkesk;    /* owned: pgp_split_free */
    size_t npkesk;
    size_t data_off, data_len;  /* the shared data packet, header in */
};

/* Read in as PKESK+ then one SEIPD or OCB packet ending the input. A key
 * id met twice is refused (one packet per key is what we rely on). 0,
 * or -1 with e (ERR_DATA, or ERR_NOMEM). s is filled only on success. */
int pgp_split_read(const unsigned char *in, size_t len, struct pgp_split *s,
                   struct err *e);
void pgp_split_free(struct pgp_split *s);

/* The key id as 16 upper-case hex digits and a NUL. */
void pgp_keyid_hex(const uint8_t keyid[PGP_KEYID_LEN], char out[17]);

/* in as an ASCII-armoured OpenPGP message (RFC 9580 section 6: BEGIN
 * line, blank line, base64 in lines of 64, CRC-24 line, END line; LF
 * line ends), appended to out. The CRC-24 is optional in RFC 9580 but
 * older readers want it. -1 with e when out is full (ERR_NOMEM or
 * ERR_TOOBIG); out is then as it was. */
int pgp_armor_message(const unsigned char *in, size_t len, struct buf *out,
                      struct err *e);
/* The same for two pieces one after the other (a PKESK and the data). */
int pgp_armor_message2(const unsigned char *a, size_t alen,
                       const unsigned char *b, size_t blen, struct buf *out,
                       struct err *e);

/* CRC-24 of RFC 9580 section 6.1 (exposed for the tests). */
uint32_t pgp_crc24(uint32_t crc, const unsigned char *in, size_t len);
#define PGP_CRC24_INIT 0xB704CEu

#endif
