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
 * It is the audit table's only owner: every statement of the program
 * that writes or reads it is here (the CLI's listing aside), so what a
 * row says, and how, is decided in one place.
 *
 * Every verb runs in the caller's transaction, if any (audit_seal opens
 * its own); 0 or -1 with e set unless said otherwise.
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

/* A row about one copy of alert_row, the recipient's own (encrypted, or
 * a notice instead): detail "copy ID: text", the form audit_copies_each
 * reads back. */
int audit_add_copy(struct store *s, int64_t alert_row, const char *event,
                   int64_t copy, const char *text, const char *rcpt,
                   struct err *e);

/* Many rows through one statement prepared once (a batch of the worker's
 * outcomes): audit_batch_open, audit_batch_add for each row (every field
 * of r but id: at, alert_row (<= 0: none), event, detail, rcpt,
 * copy_hash, code), audit_batch_close (also after a failure). */
struct audit_batch {
    struct store_stmt *st;
};

int audit_batch_open(struct store *s, struct audit_batch *b, struct err *e);
int audit_batch_add(struct audit_batch *b, const struct audit_row *r,
                    struct err *e);
void audit_batch_close(struct audit_batch *b);

/* Readers: each row of alert_row with that event, oldest first. fn
 * answers 0 to go on; anything else stops the walk, which answers it
 * (-1: fn set e). Otherwise 0, or -1 on a store error. */
typedef int (*audit_each_fn)(void *arg, const char *detail,
                             const char *rcpt, struct err *e);
int audit_each(struct store *s, int64_t alert_row, const char *event,
               audit_each_fn fn, void *arg, struct err *e);

/* *n: rows of that event at or after since, of rcpt only when rcpt is
 * not NULL (how often the gateway answered someone lately). */
int audit_count_since(struct store *s, const char *event, const char *rcpt,
                      int64_t since, int64_t *n, struct err *e);

/* Like audit_each for the rows audit_add_copy wrote: fn gets the copy's
 * id and the recipient; rows of that event naming no copy are passed
 * over. */
typedef int (*audit_copy_fn)(void *arg, int64_t copy, const char *rcpt,
                             struct err *e);
int audit_copies_each(struct store *s, int64_t alert_row, const char *event,
                      audit_copy_fn fn, void *arg, struct err *e);

#endif
