/*
 * process - the pipeline from a stored raw alert to queued, signed copies:
 * parse, authenticate, anonymise per list, render, sign, leak check, and
 * one transaction that stores every copy and every outbox row, or none.
 *
 * Lifecycle (README "Alert lifecycle"): the id is found or allocated
 * race-free; an update threads under each list's earlier copy and keeps
 * its placeholders (kept per thread); the TLP label is the strictest in
 * the text, else the distribution's default, and each list withholds
 * what is above its ceiling; a distribution that requires release stores
 * the copies unqueued and mails previews (lifecycle.h); after queueing,
 * the signer gets a receipt. A signed "release ID" / "cancel ID" mail
 * from an officer is a command, not an alert.
 *
 * Verdicts are data (struct process_result), not errors: a quarantined or
 * held alert is a success of processing. -1 means processing could not
 * finish (database busy, agent down: ERR_TEMP) and the alert stays 'new'
 * for the worker's next pass.
 *
 * Ownership: raw input is borrowed; the result is the caller's struct.
 */
#ifndef AGW_PROCESS_H
#define AGW_PROCESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "process/alert.h"
#include "util/err.h"
#include "gateway/gateway.h"
#include "util/buf.h"
#include "util/limits.h"

/* AWAITING: copies made and stored, previews mailed to the signer; the
 * distribution requires release (alertgw release ID, or a signed
 * "release ID" mail). HELD covers the leak check and TLP:RED or any
 * label every list withholds. */
enum process_verdict { PROCESS_QUEUED = 0, PROCESS_QUARANTINED,
                       PROCESS_HELD, PROCESS_AWAITING };

struct process_result {
    enum process_verdict verdict;
    int malformed;          /* quarantined because it does not parse */
    char reason[ERR_MSG_MAX];
    char alert_id[ALERT_ID_MAX];
    int copies;
    long recipients;
    int withheld;           /* lists withheld (TLP ceiling, AMBER+STRICT) */
    int empty;              /* lists that reached nobody (0 recipients) */
    char empty_names[PROCESS_EMPTY_NAMES_MAX];  /* their names, ", " */
    /* Quarantined: what the mail claimed (outer From and Subject,
     * unverified, printable), for the admins' notice; and the officer
     * whose good signature it carries, "" when none (told at their
     * registered address, never at the mail's From). */
    char claimed_from[AUTH_CLAIM_MAX];
    char claimed_subject[AUTH_CLAIM_MAX];
    char officer[PGP_FPR_MAX];
};

int process_alert(struct gateway *g, int64_t row, struct process_result *r,
                  struct err *e);
/* Every alert still 'new' whose lock (process_lock_alert) no other
 * process holds: left by a filter whose processing child died or could
 * not finish (gpg-agent gone, budget spent); one a live child is still
 * processing is left to it. Should two commit anyway, only the first
 * counts (the other gets ERR_DUP and stores nothing). One that fails
 * stays 'new' for the next pass; the first error is kept (-1) and the
 * others are still tried. *n counts those finished. */
int process_pending(struct gateway *g, long *n, struct err *e);
/* Take alert row's processing lock (util/rowlock.h, on the file db_path
 * ".lock"), held until rowlock_release(fd): 1 got, 0 another process is
 * processing it, -1 error. Whoever processes a stored alert holds it:
 * filter's child, submit, the worker. */
int process_lock_alert(struct gateway *g, int64_t row, int *fd,
                       struct err *e);

/* The exact message list would get, written to out (nothing stored);
 * with diff, every replacement instead. verdict (n bytes) gets one line:
 * whether the list would get it (to how many), withheld and why, or held
 * for release first. */
int process_preview(struct gateway *g, const char *raw, size_t len,
                    const char *list, int diff, FILE *out, char *verdict,
                    size_t n, struct err *e);

/* The whole copy distribution dist's affected audience would get
 * (issue 19), written to out, and to report which sites the alert names
 * and whom they add, and why (nothing stored; the distribution's
 * affected policy aside: what it would be with --affected whole). */
int process_preview_affected(struct gateway *g, const char *raw, size_t len,
                             const char *dist, FILE *out, FILE *report,
                             struct err *e);

/* Anonymise one RFC 5322 message (DESIGN.md `anonymise`): kept headers
 * and every text part anonymised, parts that cannot be inspected dropped
 * with a note. alert_id non-NULL: reuse that alert's placeholders. */
int process_anonymise(struct gateway *g, const char *alert_id,
                      const char *raw, size_t len, struct buf *out,
                      struct err *e);

#endif
