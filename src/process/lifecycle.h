/*
 * lifecycle - what happens to a stored alert after its copies are made:
 * the signed receipt to the officer who signed it, the previews of an
 * alert held for release, and the release or cancellation itself (by a
 * signed command mail or by `alertgw release|cancel` on the host).
 *
 * State lives in the database (schema_v5): list_outcomes says per alert
 * and list whether a copy was queued, withheld (and why) or awaits
 * release; releases moves once from 'awaiting' to 'released' or
 * 'cancelled', so a release is accepted once and a replayed one refused.
 * An alert held for good (TLP:RED, copies that failed) can only be
 * cancelled: a release row decided 'cancelled' at once records its end.
 *
 * Functions named *_queue run inside the caller's transaction; the
 * others open their own. Errors: ERR_NOUSER (no alert under that id), ERR_DUP (already released or cancelled), ERR_NOPERM (a
 * command signed before the hold began: a replay), ERR_DATA (the alert
 * exists but nothing of it awaits release), ERR_TEMP from the
 * database or GnuPG. Arguments are borrowed.
 */
#ifndef AGW_LIFECYCLE_H
#define AGW_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "process/alert.h"
#include "util/err.h"
#include "gateway/gateway.h"
#include "util/limits.h"

enum lifecycle_verb { LIFECYCLE_NONE = 0, LIFECYCLE_RELEASE,
                      LIFECYCLE_CANCEL };

/* A command mail: the first non-empty line of body is exactly "release
 * ID" or "cancel ID" (any case, surrounding blanks). id gets the id. */
enum lifecycle_verb lifecycle_command(const char *body, const char *prefix,
                                      char id[ALERT_ID_MAX]);

/* The officer's address for alert row (officers.email of its signer);
 * "" when unknown. */
int lifecycle_officer_email(struct gateway *g, const char *signer, char *out,
                            size_t n, struct err *e);

/* Queue the signed receipt for alert row to its signer's address: per
 * list, queued (recipients), withheld (why) or awaiting release. No
 * address: an audit line instead. */
int lifecycle_receipt_queue(struct gateway *g, int64_t row, struct err *e);

/* One signed preview of the copy text for list, to the signer (to);
 * Reply-To and the text name the distribution address (dist), where a
 * signed "release ID" must go. */
struct lifecycle_preview {
    const char *to, *dist, *alert_id, *list, *text;
    long recipients;
};

int lifecycle_preview_queue(struct gateway *g, int64_t row,
                            const struct lifecycle_preview *p,
                            struct err *e);

/* Queue the signed notice to the officer whose good signature a
 * quarantined mail (row) carries: the reason and what to do, at their
 * registered address; nothing of the unsigned mail is quoted. *told: 1
 * when queued, 0 when the officer has no address (audited). */
int lifecycle_quarantine_queue(struct gateway *g, int64_t row,
                               const char *officer, const char *reason,
                               int *told, struct err *e);

/* `alertgw alerts retry ROW`: quarantined (or held before anything was
 * stored) alert row made new again, who (by) audited, then processed
 * from the start as the worker would (the same authentication: never
 * around it); r gets the verdict. ERR_NOUSER: no such row; ERR_DATA: a
 * row in another state (the error says which and why). */
struct process_result;
int lifecycle_retry(struct gateway *g, int64_t row, const char *by,
                    struct process_result *r, struct err *e);

struct lifecycle_decision {
    const char *alert_id;
    enum lifecycle_verb verb;
    const char *by;             /* officer fingerprint or "host:USER" */
    const char *via;            /* "mail" or "command" */
    time_t signed_at;           /* mail: refused if before the hold; 0 */
    int64_t command_row;        /* mail: the command's alerts row; 0 */
};

/* Release (queue every held copy to its list's recipients, then the
 * receipt) or cancel every alert awaiting release under alert_id (cancel:
 * and every alert held for good under it); one transaction. *n: alerts decided. */
int lifecycle_decide(struct gateway *g, const struct lifecycle_decision *d,
                     long *n, struct err *e);

#endif
