/* SHA-256 through nettle (util/sha256.h says why the wrapper). */
#include <nettle/hmac.h>
#include <nettle/sha2.h>

/* nettle names its functions by macro; ours have the same names */
#undef sha256_init
#undef sha256_update
#undef sha256_digest

#include "util/sha256.h"

#include <stdio.h>

_Static_assert(sizeof(struct sha256_ctx) <= SHA256_CTX_SIZE,
               "SHA256_CTX_SIZE holds nettle's context");

void sha256_init(struct sha256 *s)
{
    nettle_sha256_init((struct sha256_ctx *)(void *)s->ctx);
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
    nettle_sha256_update((struct sha256_ctx *)(void *)s->ctx, len, data);
}

void sha256_hex(struct sha256 *s, char out[SHA256_HEX])
{
    uint8_t md[SHA256_DIGEST_SIZE];
    size_t i;

    nettle_sha256_digest((struct sha256_ctx *)(void *)s->ctx, sizeof(md),
                         md);
    for (i = 0; i < sizeof(md); i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void sha256_hex_of(const void *p, size_t n, char out[SHA256_HEX])
{
    struct sha256 s;

    sha256_init(&s);
    sha256_update(&s, p, n);
    sha256_hex(&s, out);
}

void hmac_sha256_hex(const void *key, size_t klen, const void *msg,
                     size_t mlen, char out[SHA256_HEX])
{
    struct hmac_sha256_ctx c;
    uint8_t md[SHA256_DIGEST_SIZE];
    size_t i;

    nettle_hmac_sha256_set_key(&c, klen, key);
    nettle_hmac_sha256_update(&c, mlen, msg);
    nettle_hmac_sha256_digest(&c, sizeof(md), md);
    for (i = 0; i < sizeof(md); i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}
