/*
 * queue - the outbox: hand each queued copy to the relay with all its due
 * recipients at once, record each recipient's outcome, retry temporary
 * failures with exponential back-off until retry_max_age, then fail them;
 * and the audit log: one row per recipient and attempt (which copy by its
 * SHA-256, when, the reply code and text), hash-chained.
 *
 * A copy is signed once and sent as one message with many recipients; the
 * relay does the fan-out. Outcomes are committed in batches: those of
 * record_batch messages (or QUEUE_RECORD_RCPTS recipients) in one
 * transaction with their audit rows, sooner when the oldest has waited
 * QUEUE_RECORD_MS, and at the end of a pass. No row is marked sent
 * before the relay accepted it; a crash between the relay's answer and
 * that commit sends the batch's recipients the copy again (at most
 * record_batch messages), on the next pass on that host or, elsewhere,
 * once their lease has run out (the one window for duplicates in
 * delivery).
 *
 * Leases: workers may overlap (a timer's pass and an admin's, the watch
 * service and the timer). A pass leases every due row no live lease holds
 * (QUEUE_RCPTS_MAX at most) in one short transaction of its own
 * (lease_owner, a name no other worker has, and lease_until), and sends
 * only the rows it got; the others skip rows under a lease that has not
 * run out, and recording the outcome clears it. The lease lasts
 * queue_lease_seconds(smtp_timeout): QUEUE_LEASE_SEND_STEPS steps for
 * handing a message over (connect, greeting, EHLO, STARTTLS, AUTH,
 * MAIL, RCPTs, DATA, the body), QUEUE_LEASE_TAIL_STEPS for the last
 * writes and the relay's answer, QUEUE_LEASE_RECORD_S to commit it. Once
 * a step of it is spent, the worker renews the leases it still holds
 * (those not run out) from now, between two messages. It gives a
 * hand-over up, sending nothing, once QUEUE_LEASE_SEND_STEPS steps from
 * the lease's start are spent (deliver_set_deadline), so a worker that is
 * alive never sends under a lease that has run out. A dead worker's rows
 * are retried once its lease has run out, or at once by a worker of the
 * same host (and PID namespace), which sees that the owner's process is
 * gone.
 *
 * Fault points (util/fault.h): ALERTGW_CRASH=queue-before-send kills the
 * worker before a copy goes to the relay, queue-after-send right after the
 * relay accepted it and before the outcome is committed, queue-sent-N
 * once the relay has answered the N-th message of the pass (its batch not
 * committed), and queue-committed-N once the N-th commit of outcomes of
 * the pass is done.
 *
 * Errors: store errors as store.h says; a relay that is down is not an
 * error of the pass (its recipients stay pending, deferred).
 */
#ifndef AGW_QUEUE_H
#define AGW_QUEUE_H

#include <stdint.h>

#include "util/err.h"
#include "gateway/gateway.h"
#include "util/limits.h"

#define QUEUE_BACKOFF_BASE_S 60
#define QUEUE_BACKOFF_MAX_S (6 * 3600)
#define QUEUE_HASH_HEX 65           /* SHA-256 in hex and a NUL */
#define QUEUE_LEASE_SEND_STEPS 10   /* smtp_timeouts to hand a batch over */
#define QUEUE_LEASE_TAIL_STEPS 3    /* last writes, the reply to the end */
#define QUEUE_LEASE_RECORD_S 30     /* to commit the outcomes (busy 5 s) */

struct queue_report {
    long processed;     /* alerts taken from 'new' (set by the caller) */
    long reports;       /* reports read (set by the caller, kept) */
    long reminders;     /* reminders queued (set by the caller, kept) */
    long copies;        /* copies handed to the relay */
    long sent, deferred, failed;
    long sealed;        /* audit rows added to the chain */
};

/* One pass: deliver what is due, seal the audit rows. The outbox knows
 * nothing of the pipeline: `queue run` processes new alerts first
 * (process_pending) and hands their count in r->processed, kept. */
int queue_run(struct gateway *g, struct queue_report *r, struct err *e);

/* The relay as the configuration describes it (transport, TLS, pin,
 * AUTH), checked and ready for deliver_send; deliver_close it. */
struct deliver;
int queue_relay_open(struct gateway *g, struct deliver **d, struct err *e);

/* Hand one message of the gateway's own to the relay for one recipient
 * now, outside the outbox (the key address's answer: nothing to retry
 * later, as the request stays in the MTA's queue until this succeeds).
 * 0: accepted; ERR_TEMP: relay down or a 4xx (try again); ERR_DATA: the
 * relay refused the recipient for good. */
int queue_send_now(struct gateway *g, const char *msg, size_t len,
                   const char *rcpt, struct err *e);

/* Make rows due now: those of the alert with that alert id (or, when all
 * digits, that outbox row), or every one with all; pending and failed rows
 * alike (a failed row gets one more round of attempts). *n: rows. */
int queue_retry(struct gateway *g, const char *id, int all, long *n,
                struct err *e);

/* Remove settled (sent or failed) outbox rows last changed more than
 * older_than seconds ago; pending rows are never purged. *n: rows. */
int queue_purge(struct gateway *g, int64_t older_than, long *n,
                struct err *e);

/* Seconds a lease lasts: (QUEUE_LEASE_SEND_STEPS + QUEUE_LEASE_TAIL_STEPS)
 * × smtp_timeout + QUEUE_LEASE_RECORD_S (810 s for the default 60 s). */
int64_t queue_lease_seconds(long smtp_timeout);

/* Claim for owner, until `until`, at most max rows of copy_id (0: of
 * every copy, lowest copy first) that are pending, due at now, and not
 * leased or under a lease that ran out before now. One BEGIN IMMEDIATE transaction of its own, committed
 * before it returns. Returns the number of rows claimed (0: nothing left
 * for this worker), -1 on a store error. Exported for tests. */
long queue_claim(struct store *s, int64_t copy_id, const char *owner,
                 int64_t now, int64_t until, size_t max, struct err *e);

/* Void the leases of workers of owner's own place that are gone, so
 * that their rows need not wait for the leases to run out. owner is what
 * a worker calls itself, "host:pidns:pid:random"; a lease whose owner
 * has the same "host:pidns:" and a pid that names no process is cleared
 * (at most QUEUE_REAP_MAX owners a call; a reused pid reads as alive and
 * its lease is left to run out). Anything else is left alone, as is
 * every lease when owner is not of that form. One transaction; *n:
 * owners voided. Each pass calls it first. */
int queue_reap(struct store *s, const char *owner, int64_t now, long *n,
               struct err *e);

/* SHA-256 of a buffer in hex (exported for tests). */
void queue_sha256_hex(const void *p, size_t n, char out[QUEUE_HASH_HEX]);

#endif
