/*
 * audit - the hash of one audit row, the link of the audit chain.
 *
 * hash = SHA-256(prev, then id at alert_row code, then each text field
 * length-prefixed): no two rows encode alike. store registers it as the
 * SQL function agw_audit_hash(prev, id, at, alert_row, code, event,
 * detail, rcpt, copy_hash), which the audit_seal trigger (schema v6)
 * calls on every insert; audit_verify recomputes it.
 *
 * This module owns the chain: sealing rows an older schema left unsealed
 * (audit_seal, run by every `queue run`) and walking it (`audit verify`).
 */
#ifndef AGW_AUDIT_H
#define AGW_AUDIT_H

#include <stdint.h>

#include "util/err.h"
#include "db/store.h"
#include "util/sha256.h"

struct audit_row {
    int64_t id, at, alert_row, code;    /* alert_row -1: none */
    const char *event, *detail, *rcpt, *copy_hash;
};

void audit_hash(const struct audit_row *r, const char *prev,
                char out[SHA256_HEX]);

/* Chain every unsealed audit row (in id order) onto the last sealed one:
 * hash = SHA-256(previous hash, the row's fields). *n: rows sealed. */
int audit_seal(struct store *s, long *n, struct err *e);

struct audit_verify {
    long sealed, unsealed;
    int64_t bad_row;            /* first row that fails, 0 if none */
    char why[ERR_MSG_MAX];
};

/* Walk the chain. Returns 0 when every sealed row verifies and the last
 * one is the recorded head (so a removed tail shows too), 1 when not
 * (v->bad_row, v->why), -1 on a store error. */
int audit_verify(struct store *s, struct audit_verify *v, struct err *e);

/* One row of the audit log, chained by the audit_seal trigger in the
 * caller's transaction. alert_row 0: about no alert; rcpt NULL: none. */
int audit_add(struct store *s, int64_t alert_row, const char *event,
              const char *detail, const char *rcpt, struct err *e);

#endif
