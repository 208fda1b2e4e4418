/*
 * outbox - the owner of the tables of what is to be sent: copies (each
 * signed message made for an alert: a list's copy, a recipient's own
 * encrypted copy or notice, a receipt, a preview) and outbox (one row per
 * copy and recipient: pending, sent or failed, its attempts, and the
 * lease a worker holds it under). Every statement of the program that
 * names one of them is here, the CLI's listings aside: process/ stores
 * copies and queues them, outbox/queue.c (the worker) claims, sends and
 * records them through these verbs, and the registry asks before it
 * removes a list.
 *
 * A statement that needs another table keeps it inside its verb: a
 * list's recipients as they are now (the list_recipients view), a list's
 * name and encrypt policy, and the alert id of an alert (queue retry).
 *
 * Every verb runs in the caller's transaction, if any: none begins or
 * commits (the worker's lease and outcome transactions are queue.c's).
 * Each answers 0, or -1 with e set (store.h's classes), unless said
 * otherwise. Rows written get the time now (updated, created). Walks
 * call fn(arg, ..., e) per row: 0 goes on, anything else stops the walk,
 * which answers it (-1: fn set e).
 */
#ifndef AGW_OUTBOX_H
#define AGW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

/* ---- storing and queueing ---------------------------------------------- */

/* A copy of alert row for list (0: none, a notice of the gateway's own),
 * of kind 'copy', 'notice', 'receipt', 'preview', 'forward' (a reply
 * passed on unchanged; row 0 when it answers no alert) or 'reminder';
 * *id: its id. */
int outbox_copy_add(struct store *s, int64_t row, int64_t list,
                    const char *kind, const char *msgid, const void *msg,
                    size_t len, int64_t *id, struct err *e);

/* Queue copy to rcpt. */
int outbox_add(struct store *s, int64_t copy, const char *rcpt,
               struct err *e);
/* Queue copy to every recipient list has now; *n: how many. */
int outbox_add_list(struct store *s, int64_t copy, int64_t list, int64_t *n,
                    struct err *e);

/* Release of held alert row. outbox_add_member: copy (of row) to rcpt,
 * if rcpt is still a recipient of the copy's list. outbox_add_list_rest:
 * copy to list's recipients as they are now, but for those queued a copy
 * of row for that list already. outbox_list_copies_each: each copy of
 * kind 'copy' of row whose list does not encrypt always (list 0: the
 * affected audience's copy), oldest first:
 * fn(arg, copy, list, e). */
int outbox_add_member(struct store *s, int64_t row, int64_t copy,
                      const char *rcpt, struct err *e);
int outbox_add_list_rest(struct store *s, int64_t row, int64_t copy,
                         int64_t list, struct err *e);
typedef int (*outbox_copy_fn)(void *arg, int64_t copy, int64_t list,
                              struct err *e);
/* The affected audience's copy (list 0 to outbox_list_copies_each, and
 * to outbox_add_member: its recipients are the alert's 'added' affected
 * rows): to each of them not queued a copy of no list of row already. */
int outbox_add_affected_rest(struct store *s, int64_t row, int64_t copy,
                             struct err *e);
int outbox_list_copies_each(struct store *s, int64_t row, outbox_copy_fn fn,
                            void *arg, struct err *e);
/* Held alert row was decided (released or cancelled): its previews not
 * yet sent are dropped (their pending outbox rows deleted); *n: how
 * many. */
int outbox_previews_drop(struct store *s, int64_t row, int64_t *n,
                         struct err *e);

/* ---- the worker -------------------------------------------------------- */

/* The lowest copy after after with a pending row that owner holds under
 * a lease still live at now; *copy 0 when none. */
int outbox_claimed_next(struct store *s, const char *owner, int64_t now,
                        int64_t after, int64_t *copy, struct err *e);

/* Lease up to max due rows (pending, next_try reached) of copy (0: of
 * every copy) that no live lease holds to owner until until, lowest copy
 * and id first: the rows leased, or -1. */
int outbox_lease_claim(struct store *s, int64_t copy, const char *owner,
                       int64_t now, int64_t until, size_t max,
                       struct err *e);
/* Move to until the leases owner holds on pending rows that are still
 * live at now (a lease that ran out stays out: another worker may have
 * its rows). */
int outbox_lease_renew(struct store *s, const char *owner, int64_t now,
                       int64_t until, struct err *e);
/* Give back what owner holds of copy's pending rows. */
int outbox_lease_return(struct store *s, int64_t copy, const char *owner,
                        struct err *e);
/* Void every lease owner holds on pending rows (a dead worker's). */
int outbox_lease_void(struct store *s, const char *owner, struct err *e);
/* Each owner but owner whose first place characters are owner's and who
 * holds a live lease (lease_until >= now) on a pending row, once:
 * fn(arg, that owner, e). */
typedef int (*outbox_owner_fn)(void *arg, const char *owner, struct err *e);
int outbox_lease_owners(struct store *s, const char *owner, size_t place,
                        int64_t now, outbox_owner_fn fn, void *arg,
                        struct err *e);

/* A copy as the worker sends it: its message appended to msg (ERR_NOMEM
 * when msg is full; ERR_SOFTWARE when the copy is gone), and c. */
struct outbox_copy {
    char label[OUTBOX_LABEL_MAX];   /* its list's name, else its kind */
    int64_t alert_row, created;
};

int outbox_copy_load(struct store *s, int64_t copy, struct buf *msg,
                     struct outbox_copy *c, struct err *e);
/* The pending rows of copy after row after that owner holds under a
 * lease live at now, at most max, lowest id first: fn(arg, row id, rcpt,
 * attempts so far, e). */
typedef int (*outbox_rcpt_fn)(void *arg, int64_t id, const char *rcpt,
                              int64_t attempts, struct err *e);
int outbox_claimed_each(struct store *s, int64_t copy, const char *owner,
                        int64_t now, int64_t after, size_t max,
                        outbox_rcpt_fn fn, void *arg, struct err *e);

/* One attempt's outcome for row id: its new state ('pending', 'sent',
 * 'failed'), attempts, next try, the relay's code and reply, when;
 * recorded whoever holds the row now, the lease cleared only if owner
 * still holds it. Many through one statement prepared once:
 * outbox_record_open, outbox_record_add for each, outbox_record_close (also
 * after a failure). */
struct outbox_outcome {
    int64_t id;
    const char *state;
    int64_t attempts, next_try, code;
    const char *reply;
    int64_t updated;
    const char *owner;
};

struct outbox_record {
    struct store_stmt *st;
};

int outbox_record_open(struct store *s, struct outbox_record *r,
                       struct err *e);
int outbox_record_add(struct outbox_record *r,
                      const struct outbox_outcome *o, struct err *e);
void outbox_record_close(struct outbox_record *r);

/* ---- the operator's commands ------------------------------------------- */

/* Make pending and failed rows due now: every one, row id, or those of
 * the copies of the alerts with alert id alert_id. The rows changed, or
 * -1. */
int outbox_retry_all(struct store *s, struct err *e);
int outbox_retry_row(struct store *s, int64_t id, struct err *e);
int outbox_retry_alert(struct store *s, const char *alert_id, struct err *e);
/* Remove the sent and failed rows last changed before before: the rows
 * removed, or -1. */
int outbox_purge(struct store *s, int64_t before, struct err *e);

/* ---- delivery status reports -------------------------------------------- */

/* Whether copy was sent to rcpt (an outbox row of it, state sent, the
 * address compared without case): 1 and *alert_row (0: the copy is of no
 * alert), 0 when not, -1 on error. A report that names anything else is
 * about nothing the gateway sent. */
int outbox_sent_to(struct store *s, int64_t copy, const char *rcpt,
                   int64_t *alert_row, struct err *e);

/* The alert a reply answers: the alert row of the copy, notice or
 * reminder whose
 * Message-ID is msgid ("<...>"): 1 and *alert_row, 0 when none. */
int outbox_alert_of_msgid(struct store *s, const char *msgid,
                          int64_t *alert_row, struct err *e);

/* Queue copy (a reminder) to every address of org's contacts that list's
 * copy of alert_row was sent to; *n: how many. */
int outbox_add_org_rcpts(struct store *s, int64_t copy, int64_t alert_row,
                         int64_t list, int64_t org, int64_t *n,
                         struct err *e);

/* ---- the registry's questions ------------------------------------------ */

/* Copies on record made for list. */
int outbox_copies_of_list(struct store *s, int64_t list, int64_t *n,
                          struct err *e);
/* The temporary view outbox_failures(rcpt, reply, updated) of this
 * connection: the rows whose delivery failed for good, for the
 * registry's coverage report to join. */
int outbox_failures_view(struct store *s, struct err *e);

#endif
