/*
 * audit - the hash of one audit row, the link of the audit chain.
 *
 * hash = SHA-256(prev, then id at alert_row code, then each text field
 * length-prefixed): no two rows encode alike. store registers it as the
 * SQL function agw_audit_hash(prev, id, at, alert_row, code, event,
 * detail, rcpt, copy_hash), which the audit_seal trigger (schema v6)
 * calls on every insert; queue's `audit verify` recomputes it.
 */
#ifndef AGW_AUDIT_H
#define AGW_AUDIT_H

#include <stdint.h>

#include "util/sha256.h"

struct audit_row {
    int64_t id, at, alert_row, code;    /* alert_row -1: none */
    const char *event, *detail, *rcpt, *copy_hash;
};

void audit_hash(const struct audit_row *r, const char *prev,
                char out[SHA256_HEX]);

#endif
