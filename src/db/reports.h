/*
 * reports - the owner of what comes back to the gateway's own addresses
 * (issue 17): reports (every message that reached the bounce or the ack
 * address, kept whole, and what became of it), dsn_results (each
 * recipient of a delivery status report matched to a delivery the
 * gateway made) and contact_health (what those say of an address: its
 * last hard bounce, and since when it bounces).
 *
 * A contact is `bouncing` while its contact_health.bouncing_since is
 * later than its contacts.confirmed: `contacts confirm` clears the mark
 * by confirming, and only alerts sent after the confirmation count
 * towards the next one. Nothing here changes the registry.
 *
 * Every verb runs in the caller's transaction; 0 or -1 with e set unless
 * said otherwise.
 */
#ifndef AGW_REPORTS_H
#define AGW_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "util/buf.h"
#include "util/err.h"

/* Store one message that reached kind's address ('bounce' or 'reply'),
 * state 'new'; *row: its id. */
int reports_add(struct store *s, const char *kind, const char *recipient,
                const void *raw, size_t len, int64_t *row, struct err *e);
/* Its message appended to raw, its kind (cut to ksize), and its
 * processing attempts so far; ERR_SOFTWARE when there is no such row. */
int reports_load(struct store *s, int64_t row, struct buf *raw, char *kind,
                 size_t ksize, int64_t *attempts, struct err *e);
/* One more attempt at processing row (poison accounting). */
int reports_attempt(struct store *s, int64_t row, struct err *e);
/* Each report still 'new', oldest first, at most max: fn(arg, row, e)
 * (0 goes on; else the walk stops and answers it). The ids are read
 * first, so fn may write. */
typedef int (*reports_fn)(void *arg, int64_t row, struct err *e);
int reports_new_each(struct store *s, size_t max, reports_fn fn, void *arg,
                     struct err *e);
/* What became of a report still 'new': state ('matched', 'unmatched',
 * 'garbled', 'ignored', 'forwarded') and a printable detail. 1 when this
 * call settled it, 0 when someone else already had (the caller rolls
 * back what it wrote), -1 on error. */
int reports_settle(struct store *s, int64_t row, const char *state,
                   const char *detail, struct err *e);

/* One recipient of report row matched to copy of alert_row: action
 * 'bounced' or 'delayed', the Status and Diagnostic-Code. */
struct reports_dsn {
    int64_t copy, alert_row;
    const char *rcpt, *action, *status, *diag;
};
int reports_dsn_add(struct store *s, int64_t row, const struct reports_dsn *d,
                    struct err *e);

/* A hard bounce (5.x.x) of rcpt was recorded just now: its last bounce
 * noted, and whether the last n alerts whose copies went to rcpt since
 * its contact was last confirmed all bounced hard. When they did and it
 * was not already bouncing, it is marked so from now: 1; else 0; -1 on
 * error. */
int reports_health_bounce(struct store *s, const char *rcpt,
                          const char *status, const char *diag, long n,
                          struct err *e);

/* Count sender's reply (report row) as org's acknowledgement of
 * alert_row, verified or not, if a copy of it reached a contact of org
 * and that sender's is not counted yet: 1 counted, 0 not, -1. */
int reports_ack_add(struct store *s, int64_t alert_row, int64_t org,
                    const char *sender, int verified, int64_t row,
                    struct err *e);

/* The temporary view alerts_late of this connection: per alert row sent
 * since since, list and organisation, those whose first acknowledgement
 * came later than late seconds after the copy (or never, once that time
 * has passed at now). */
int reports_late_view(struct store *s, int64_t late, int64_t since,
                      int64_t now, struct err *e);

/* Reminders due at now: per alert row and organisation that a copy
 * reached, on a distribution with remind_after, no acknowledgement
 * remind_after seconds after the copy, and no reminder yet: fn(arg, r,
 * e) with the lowest list of the alert that reached it. The rows are read
 * first (at most max), so fn may write. */
struct reports_due {
    int64_t alert_row, list_id, org_id;
    char alert_id[64], list[128], list_address[256], org[128];
    char msgid[256];            /* that list's copy, to thread under */
    int64_t sent;
};
typedef int (*reports_due_fn)(void *arg, const struct reports_due *r,
                              struct err *e);
int reports_reminders_due(struct store *s, int64_t now, size_t max,
                          reports_due_fn fn, void *arg, struct err *e);
/* Note the reminder of alert_row to org (list, copy): 1, or 0 when one is
 * noted already (another worker's: the caller rolls back). */
int reports_reminder_add(struct store *s, int64_t alert_row, int64_t list,
                         int64_t org, int64_t copy, struct err *e);

#endif
