/*
 * sha256 - SHA-256 (FIPS 180-4) in hex: copy hashes and the audit chain
 * (queue), certificate pins (deliver). No library here does it for us
 * without another dependency. Incremental: init, update..., hex.
 */
#ifndef AGW_SHA256_H
#define AGW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX 65           /* 64 lower-case hex digits and a NUL */

struct sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char blk[64];
    size_t n;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish; s must be initialised again before reuse. */
void sha256_hex(struct sha256 *s, char out[SHA256_HEX]);
/* The digest of one buffer. */
void sha256_hex_of(const void *p, size_t n, char out[SHA256_HEX]);

#endif
