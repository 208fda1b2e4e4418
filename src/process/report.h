/*
 * report - what comes back to the gateway's own addresses (issue 17):
 * delivery status reports at the bounce address (conf `sender`), which
 * `filter` stores as reports (db/reports.h) and this module reads.
 *
 * A report's bytes are read in a sandboxed child (util/sandbox.h, the
 * limits of the parsing child), with mail/dsn.c; the parent trusts none
 * of what comes back but as data to match. Each recipient it names is
 * matched to a delivery the gateway made: its Original-Envelope-Id must
 * be the id of a copy (the ENVID the relay was given) and its Original-
 * or Final-Recipient an address that copy was sent to. A match is
 * recorded (dsn_results) and audited, `bounced` (Action failed) or
 * `delayed` (Action delayed), with the Status and Diagnostic-Code; a hard
 * bounce (5.x.x) updates the address's health, and the bounce that makes
 * it `bouncing` (bouncing_alerts consecutive alerts) is audited too.
 * A report that matches nothing is settled `unmatched`, a message that
 * is no report (or whose parser crashed, spun or was killed) `garbled`:
 * kept, counted (`reports counts`), never looked at again. A forged
 * report can thus do no more than mark a delivery the gateway really
 * made as bounced; it changes no registry row.
 *
 * Each report is settled in one transaction; should two processes read
 * the same report, the second's work is rolled back. A report whose
 * processing failed REPORT_ATTEMPTS_MAX times is settled garbled.
 */
#ifndef AGW_REPORT_H
#define AGW_REPORT_H

#include <stdint.h>

#include "gateway/gateway.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sandbox.h"

/* Run work(job) in a sandboxed child under the configured limits; its
 * one frame (REPORT_FRAME_MAX at most) into rec (buf_init'ed here, the
 * caller frees it). 0: rec holds it; 1: the child did not finish (why,
 * "parser: ...", in detail); -1: no child (e). Shared by the bounce and
 * the ack address. */
int report_child(const struct gateway *g, sandbox_work work, void *job,
                 struct buf *rec, char *detail, size_t dsize,
                 struct err *e);

/* Process stored report row. -1 (e set) when it could not be finished
 * (database busy, no child could be started): it stays 'new'. */
int report_process(struct gateway *g, int64_t row, struct err *e);
/* reply.c: a reply at the ack address (report row, its raw message):
 * forwarded, counted or not, settled `forwarded`, in one transaction. */
int report_reply(struct gateway *g, int64_t row, const struct buf *raw,
                 struct err *e);
/* A reply whose reading failed too often: forwarded all the same, not
 * counted, settled `forwarded` with why. */
int report_reply_forward(struct gateway *g, int64_t row,
                         const struct buf *raw, const char *why,
                         struct err *e);
/* remind.c: the reminders due now (the worker's pass), each in its own
 * transaction, at most one per alert and organisation; *n: sent. */
int report_remind(struct gateway *g, long *n, struct err *e);
/* Every report still 'new' (the worker's pass); the first error is kept
 * and the rest still tried. *n: those processed. */
int report_pending(struct gateway *g, long *n, struct err *e);

#endif
