/*
 * sha256 - SHA-256 in hex: copy hashes and the audit chain, certificate
 * pins. Nettle's (linked already, under GnuTLS) does the hashing; this
 * keeps the project's small API and hides nettle's header, whose macros
 * would rename these functions in every file that includes it.
 * Incremental: init, update..., hex.
 */
#ifndef AGW_SHA256_H
#define AGW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX 65           /* 64 lower-case hex digits and a NUL */
/* Room for nettle's struct sha256_ctx (checked where it is used). */
#define SHA256_CTX_SIZE 128

struct sha256 {
    _Alignas(8) unsigned char ctx[SHA256_CTX_SIZE];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish; s must be initialised again before reuse. */
void sha256_hex(struct sha256 *s, char out[SHA256_HEX]);
/* The digest of one buffer. */
void sha256_hex_of(const void *p, size_t n, char out[SHA256_HEX]);

/* HMAC-SHA256 (RFC 2104) of msg under key, in hex. */
void hmac_sha256_hex(const void *key, size_t klen, const void *msg,
                     size_t mlen, char out[SHA256_HEX]);

#endif
