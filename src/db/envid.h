/*
 * envid - the envelope id (RFC 3461 ENVID) of each transaction the
 * gateway starts, "COPY.MAC": the copy's id and the first ENVID_MAC_HEX
 * hex digits of an HMAC-SHA256 of it under a random key of the
 * gateway's own (settings 'envid_key', made by schema version 10). A
 * delivery status report names its transaction by that id; a report
 * whose id does not verify names no copy, so a forger who knows a copy
 * id still cannot mark its deliveries bounced.
 */
#ifndef AGW_ENVID_H
#define AGW_ENVID_H

#include <stdint.h>

#include "db/store.h"
#include "util/err.h"

#define ENVID_MAC_HEX 16                /* 64 bits of MAC */
#define ENVID_MAX (20 + 1 + ENVID_MAC_HEX + 1)

/* out: the envelope id of copy. -1 (e) when the key cannot be read. */
int envid_make(struct store *s, int64_t copy, char out[ENVID_MAX],
               struct err *e);
/* *copy: the copy envid names when its MAC verifies, else 0. -1 (e) when
 * the key cannot be read. */
int envid_copy(struct store *s, const char *envid, int64_t *copy,
               struct err *e);

#endif
