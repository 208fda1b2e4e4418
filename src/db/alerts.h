/*
 * alerts - the owner of the tables that say what became of each mail
 * received: alerts (one row per mail, its state and what processing
 * learnt of it), alert_raw (the mail as received), releases (an alert
 * held for release: awaiting, then released or cancelled, once),
 * list_outcomes (per alert and list: queued, withheld and why, or
 * awaiting release) and pseudonyms (a thread's placeholders). Every
 * statement of the program that names one of them is here, the CLI's
 * listings aside; intake/, process/, registry/ and the CLI call these
 * verbs.
 *
 * A statement that needs another table keeps it inside its verb: the
 * distribution (dists) an alert was received for, a list's name, and
 * the copies and outbox rows (db/outbox.c's tables) that the thread
 * headers of an update and a released list's count of recipients are
 * made from.
 *
 * Every verb runs in the caller's transaction, if any: none begins or
 * commits (the caller owns the unit of work). Each answers 0, or -1 with
 * e set (store.h's classes), unless said otherwise. Text is copied into
 * the caller's buffer, cut to its size; strings passed in are borrowed.
 */
#ifndef AGW_ALERTS_H
#define AGW_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

/* ---- intake ------------------------------------------------------------ */

/* A new alert (state 'new', received now) for distribution dist, sent to
 * recipient; *row: its id. */
int alerts_insert(struct store *s, int64_t dist, const char *recipient,
                  int64_t *row, struct err *e);
/* The mail of alert row as received. */
int alerts_raw_insert(struct store *s, int64_t row, const void *raw,
                      size_t len, struct err *e);

/* ---- taking an alert up ------------------------------------------------ */

/* The lowest new alert after row after; *row 0 when none. */
int alerts_next_new(struct store *s, int64_t after, int64_t *row,
                    struct err *e);

/* Poison accounting: *n is the attempts alert row has started, -1 when
 * it is no longer new; when *n is 0..max-1 this attempt is counted. */
int alerts_count_attempt(struct store *s, int64_t row, int64_t max,
                         int64_t *n, struct err *e);
/* This attempt of a new alert ended with an answer: not counted. */
int alerts_uncount_attempt(struct store *s, int64_t row, struct err *e);

/* The distribution a new alert came in for, as processing needs it. */
struct alerts_dist {
    int64_t id;
    char default_tlp[16];       /* dists.default_tlp; "" when none */
    int require_release;
    char address[ALERTS_ADDR_MAX];
    int affected;               /* dists.affected is 'whole' */
};

/* The mail of new alert row appended to raw, and its distribution;
 * ERR_NOUSER when row is not a new alert, ERR_NOMEM when raw is full. */
int alerts_raw_load(struct store *s, int64_t row, struct buf *raw,
                    struct alerts_dist *d, struct err *e);

/* ---- what processing learns ------------------------------------------ */

/* The replay key of alert row (its signature's id and the key of what it
 * signed). */
int alerts_set_signed_key(struct store *s, int64_t row, const char *sig_id,
                          const char *signed_key, struct err *e);
/* The first other alert (not except) with that replay key: 1 and *row,
 * its state in state (cut to n); 0 when none; -1. */
int alerts_find_by_signed_key(struct store *s, const char *key,
                              int64_t except, int64_t *row, char *state,
                              size_t n, struct err *e);

/* The alert id stored for row: 1 and out ("" while none is reserved);
 * 0, out untouched, when there is no such row; -1. */
int alerts_get_alert_id(struct store *s, int64_t row, char *out, size_t n,
                        struct err *e);
int alerts_set_alert_id(struct store *s, int64_t row, const char *id,
                        struct err *e);
/* The highest N of the alert ids that are base followed by N (digits
 * only); 0 when none. Read only: the caller's write transaction makes
 * the id it derives race-free. */
int alerts_max_seq(struct store *s, const char *base, long *max,
                   struct err *e);

/* An officer's command mail (release, cancel) that was refused: marked,
 * so that it never counts as an alert of the id it named. */
int alerts_set_command(struct store *s, int64_t row, const char *command,
                       struct err *e);

/* Thread: the queued alerts of thread (by their thread, or by their id
 * when they have none) other than except. *n: how many, commands aside. */
int alerts_count_thread(struct store *s, const char *thread, int64_t except,
                        int64_t *n, struct err *e);
/* Their copies for list (kind 'copy'): *n different Message-IDs, commands
 * aside; then each Message-ID once, oldest first: fn(arg, msgid, e)
 * answers 0 to go on, anything else stops the walk, which answers it. */
int alerts_thread_msgid_count(struct store *s, const char *thread,
                              int64_t except, int64_t list, int64_t *n,
                              struct err *e);
typedef int (*alerts_msgid_fn)(void *arg, const char *msgid, struct err *e);
int alerts_thread_msgids(struct store *s, const char *thread, int64_t except,
                         int64_t list, alerts_msgid_fn fn, void *arg,
                         struct err *e);

/* A thread's placeholders: added unless that original has one already;
 * walked in the order they were added (fn as above). */
int alerts_pseudonym_add(struct store *s, const char *thread,
                         const char *cls, const char *original,
                         const char *placeholder, struct err *e);
typedef int (*alerts_pseudonym_fn)(void *arg, const char *cls,
                                   const char *original,
                                   const char *placeholder, struct err *e);
int alerts_pseudonyms_each(struct store *s, const char *thread,
                           alerts_pseudonym_fn fn, void *arg, struct err *e);

/* ---- verdicts ---------------------------------------------------------- */

/* A verdict that sends nothing (quarantined, held), taken while the
 * alert is new: the rows changed, 1, or 0 when another process finished
 * the alert first; -1. */
int alerts_set_state(struct store *s, int64_t row, const char *state,
                     const char *reason, const char *alert_id,
                     struct err *e);

/* The verdict of a committed alert and what processing made of it; the
 * same answer as alerts_set_state. */
struct alerts_verdict {
    const char *state, *reason;
    const char *alert_id, *signer, *subject, *thread, *tlp;
    int64_t update_no;
};

int alerts_set_verdict(struct store *s, int64_t row,
                       const struct alerts_verdict *v, struct err *e);

/* What a receipt says of alert row; ERR_NOUSER when there is none. */
struct alerts_summary {
    char alert_id[ALERTS_ID_MAX];
    char tlp[32];
    char signer[ALERTS_FPR_MAX];
    char state[16];
    char reason[ERR_MSG_MAX];
    int64_t update_no;
};

int alerts_summary(struct store *s, int64_t row, struct alerts_summary *a,
                   struct err *e);

/* ---- per list ---------------------------------------------------------- */

/* What became of alert row on list: outcome 'queued', 'withheld' or
 * 'awaiting', why, and to how many recipients (set, or replaced). */
int alerts_outcome_set(struct store *s, int64_t row, int64_t list,
                       const char *outcome, const char *reason,
                       int64_t recipients, struct err *e);
/* Each list's outcome of alert row, by list name (fn as above). */
typedef int (*alerts_outcome_fn)(void *arg, const char *list,
                                 const char *outcome, int64_t recipients,
                                 const char *reason, struct err *e);
int alerts_outcomes_each(struct store *s, int64_t row, alerts_outcome_fn fn,
                         void *arg, struct err *e);

/* The affected audience of alert row (issue 19): site, the address it
 * brought ("" for a row about the site alone), outcome ('added',
 * 'already', 'excluded', 'no-contact', 'not-named') and why. */
int alerts_affected_add(struct store *s, int64_t row, const char *site,
                        const char *address, const char *outcome,
                        const char *why, struct err *e);
typedef int (*alerts_affected_fn)(void *arg, const char *site,
                                  const char *address, const char *outcome,
                                  const char *why, struct err *e);
/* Each row of alert row's affected audience, in the order added. */
int alerts_affected_each(struct store *s, int64_t row, alerts_affected_fn fn,
                         void *arg, struct err *e);

/* ---- release ----------------------------------------------------------- */

/* Alert row, id alert_id, awaits release from now on. */
int alerts_release_request(struct store *s, int64_t row,
                           const char *alert_id, struct err *e);
/* The lowest row awaiting release under alert_id; *row 0 when none. */
int alerts_release_next(struct store *s, const char *alert_id, int64_t *row,
                        struct err *e);
/* When row's release was requested; *at untouched when never. */
int alerts_release_requested(struct store *s, int64_t row, int64_t *at,
                             struct err *e);
/* Decide row's awaiting release: state 'released' or 'cancelled', now,
 * by whom, via what. The rows changed: 1, or 0 when it was decided
 * already; -1. */
int alerts_release_decide(struct store *s, int64_t row, const char *state,
                          const char *by, const char *via, struct err *e);
/* The state of the latest release under alert_id: 1 and state (cut to
 * n), 0 when it was never held; -1. */
int alerts_release_last(struct store *s, const char *alert_id, char *state,
                        size_t n, struct err *e);

/* The lowest held alert under alert_id that no release decided and no
 * command row is (an alert every list withheld, TLP:RED, or one whose
 * copies failed): *row and when it was received; *row 0 when none. */
int alerts_held_next(struct store *s, const char *alert_id, int64_t *row,
                     int64_t *received, struct err *e);
/* Cancel held alert row for good: a release row decided 'cancelled' now
 * (by, via), so that it is never released nor cancelled again; its
 * reason becomes why. */
int alerts_held_cancel(struct store *s, int64_t row, const char *by,
                       const char *via, const char *why, struct err *e);
/* The latest alert (command rows aside) under alert_id: 1 and its state
 * and reason (cut to their sizes); 0 when there is none; -1. */
/* The latest queued alert row with alert id alert_id: 1 and *row, 0 when
 * none. */
int alerts_row_of_id(struct store *s, const char *alert_id, int64_t *row,
                     struct err *e);
int alerts_id_state(struct store *s, const char *alert_id, char *state,
                    size_t n, char *reason, size_t rn, struct err *e);

/* Released: every list awaiting it is queued, with the recipients its
 * list copies are queued to now; the alert is queued, no reason left. */
int alerts_released(struct store *s, int64_t row, struct err *e);
/* Cancelled: every list awaiting it is withheld, why; the alert stays
 * held, why its reason. */
int alerts_cancelled(struct store *s, int64_t row, const char *why,
                     struct err *e);
/* The officer's command mail row: queued, what it did (why), on which
 * alert id, by whom, which command. */
int alerts_command_done(struct store *s, int64_t row, const char *why,
                        const char *alert_id, const char *signer,
                        const char *command, struct err *e);

/* ---- the operator's look and retry ------------------------------------- */

/* The mail of alert row as received, whatever its state, appended to raw;
 * ERR_NOUSER when there is no such row, ERR_NOMEM when raw is full. */
int alerts_raw_get(struct store *s, int64_t row, struct buf *raw,
                   struct err *e);
/* Make alert row new again, as received, for processing from the start
 * (authentication included): what processing learnt is cleared, the
 * attempts too; the alert id it holds is kept (the one reserved for it).
 * Only a quarantined alert, or one held before anything of it was stored
 * (no copy, list outcome or release: its copies failed, or a refused
 * command). The rows changed: 1, or 0 when row is not such an alert; -1. */
int alerts_retry_reset(struct store *s, int64_t row, struct err *e);

/* What `preview` says of a list: the names of the distributions feeding
 * list that hold every alert for release, ", " between (cut to n); ""
 * when none. */
int alerts_release_dists(struct store *s, int64_t list, char *names,
                         size_t n, struct err *e);

/* ---- the registry's checks --------------------------------------------- */

/* Alerts on record received for distribution dist. */
int alerts_count_dist(struct store *s, int64_t dist, int64_t *n,
                      struct err *e);

#endif
