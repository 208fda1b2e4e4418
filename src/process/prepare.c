/*
 * prepare - what an authenticated mail is before any copy is made: an
 * officer's signed command (release, cancel: lifecycle.c), or an alert,
 * which gets its id (the one it names, else the next free one, reserved
 * race-free), its thread and its update number.
 */
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/alerts.h"
#include "process/lifecycle.h"
#include "util/limits.h"

/* The id the alert names in its Subject, else in its body; 1 found. */
int process_find_id(struct gateway *g, struct palert *a)
{
    return alert_find_id(a->content->subject, g->conf->alert_prefix,
                         a->alert_id, sizeof(a->alert_id)) ||
           alert_find_id(process_body_text(a->content), g->conf->alert_prefix,
                         a->alert_id, sizeof(a->alert_id));
}

/* The next free PREFIX-YYYYMMDD-NN of today into a->alert_id. Read only:
 * the caller makes it race-free by running it in the transaction that
 * also stores the id. */
static int process_next_id(struct gateway *g, struct palert *a,
                           struct err *e)
{
    char day[16], base[ALERT_ID_MAX];
    time_t now = time(NULL);
    struct tm tm;
    long max = 0;
    int rc;

    gmtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    snprintf(base, sizeof(base), "%s-%s-", g->conf->alert_prefix, day);
    if (alerts_max_seq(g->store, base, &max, e) != 0)
        return -1;
    if (max >= PROCESS_SEQ_MAX)
        return err_set(e, ERR_DATA, "no free alert id left for %s", day);
    rc = snprintf(a->alert_id, sizeof(a->alert_id), "%s%02d", base,
                  (int)max + 1);
    if (rc < 0 || (size_t)rc >= sizeof(a->alert_id))
        return err_set(e, ERR_CONFIG, "alert_prefix too long");
    return 0;
}

/* Preview: the id the alert names, or the one it would get. */
int process_alert_id(struct gateway *g, struct palert *a, struct err *e)
{
    if (process_find_id(g, a))
        return 0;
    return process_next_id(g, a, e);
}

/* An alert naming no id gets the next free one, allocated and stored in
 * one write transaction (BEGIN IMMEDIATE: two gateways never pick the same
 * number); processed again after a temporary failure, it keeps it. */
static int process_reserve_id(struct gateway *g, int64_t row,
                              struct palert *a, struct err *e)
{
    if (process_find_id(g, a))
        return 0;
    if (alerts_get_alert_id(g->store, row, a->alert_id, sizeof(a->alert_id),
                            e) < 0)
        return -1;
    if (a->alert_id[0])
        return 0;
    if (store_begin(g->store, e) != 0)
        return -1;
    if (process_next_id(g, a, e) != 0 ||
        alerts_set_alert_id(g->store, row, a->alert_id, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    return store_commit(g->store, e);
}

/* Thread and update number: an id already distributed makes this an
 * update; "UPDATE n" in the Subject wins over the count of earlier mails. */
static int process_thread(struct gateway *g, int64_t row, struct palert *a,
                          struct err *e)
{
    int64_t prior = 0;

    alert_thread(a->alert_id, a->thread, sizeof(a->thread));
    if (alerts_count_thread(g->store, a->thread, row, &prior, e) != 0)
        return -1;
    a->update_no = alert_find_update(a->content->subject);
    if (a->update_no == 0 && prior > 0)
        a->update_no = prior > ALERT_UPDATE_MAX ? ALERT_UPDATE_MAX
                                                : (int)prior;
    return 0;
}

/* An officer's signed "release ID" / "cancel ID". GO: not a command, an
 * alert; STOP: refused (r says why, process_stop records it); DONE: done
 * and recorded. */
enum pstep process_command(struct gateway *g, int64_t row, struct palert *a,
                           struct process_result *r, struct err *e)
{
    struct lifecycle_decision d;
    char id[ALERT_ID_MAX];
    struct err ue;
    long n = 0;

    memset(&d, 0, sizeof(d));
    d.verb = lifecycle_command(process_body_text(a->content),
                               g->conf->alert_prefix, id);
    if (d.verb == LIFECYCLE_NONE)
        return PSTEP_GO;
    d.alert_id = id;
    d.by = a->signer;
    d.via = "mail";
    d.signed_at = a->signed_at;
    d.command_row = row;
    snprintf(r->alert_id, sizeof(r->alert_id), "%s", id);
    if (lifecycle_decide(g, &d, &n, e) == 0) {
        r->verdict = PROCESS_QUEUED;
        snprintf(r->reason, sizeof(r->reason), "%s %s",
                 d.verb == LIFECYCLE_RELEASE ? "released" : "cancelled", id);
        return PSTEP_DONE;
    }
    if (err_is_temp(e))
        return PSTEP_ERROR;
    /* process_stop records the refusal; mark the row as a command so
     * that it never counts as an alert of that id */
    err_init(&ue);
    if (alerts_set_command(g->store, row, d.verb == LIFECYCLE_RELEASE ?
                           "release" : "cancel", &ue) != 0) {
        err_reword(e, ue.code, "%s", ue.msg);
        return PSTEP_ERROR;
    }
    snprintf(r->reason, sizeof(r->reason), "%s refused: %.400s",
             d.verb == LIFECYCLE_RELEASE ? "release" : "cancel", e->msg);
    err_init(e);
    r->verdict = PROCESS_HELD;
    return PSTEP_STOP;
}

/* Id (reserved if new), thread, update number, TLP default. GO, or
 * ERROR. */
enum pstep process_prepare(struct gateway *g, int64_t row,
                           const struct pdist *d, struct palert *a,
                           struct process_result *r, struct err *e)
{
    if (process_reserve_id(g, row, a, e) != 0 ||
        process_thread(g, row, a, e) != 0)
        return PSTEP_ERROR;
    snprintf(r->alert_id, sizeof(r->alert_id), "%s", a->alert_id);
    if (a->tlp == TLP_NONE)
        a->tlp = d->default_tlp;
    return PSTEP_GO;
}
