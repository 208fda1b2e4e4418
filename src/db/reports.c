#include "db/reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int reports_add(struct store *s, const char *kind, const char *recipient,
                const void *raw, size_t len, int64_t *row, struct err *e)
{
    if (store_run(s, e, "INSERT INTO reports(received, kind, recipient, "
                  "raw) VALUES(?,?,?,?)", "ittb", (int64_t)time(NULL), kind,
                  recipient, raw, len) < 0)
        return -1;
    *row = store_last_id(s);
    return 0;
}

int reports_load(struct store *s, int64_t row, struct buf *raw, char *kind,
                 size_t ksize, int64_t *attempts, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(s, "SELECT raw, kind, attempts FROM reports WHERE "
                      "id = ?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        snprintf(kind, ksize, "%s", store_col_text(st, 1));
        *attempts = store_col_int(st, 2);
        if (buf_append(raw, p, n) != 0)
            rc = err_set(e, ERR_NOMEM, "report #%lld: out of memory",
                         (long long)row);
    } else if (rc == 0)
        rc = err_set(e, ERR_SOFTWARE, "no report #%lld", (long long)row);
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int reports_attempt(struct store *s, int64_t row, struct err *e)
{
    return store_run(s, e, "UPDATE reports SET attempts = attempts + 1 "
                     "WHERE id = ?", "i", row) < 0 ? -1 : 0;
}

int reports_new_each(struct store *s, size_t max, reports_fn fn, void *arg,
                     struct err *e)
{
    struct store_stmt *st;
    int64_t *ids;
    size_t n = 0, i;
    int rc;

    if ((ids = calloc(max ? max : 1, sizeof(*ids))) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (store_prepare(s, "SELECT id FROM reports WHERE state = 'new' "
                      "ORDER BY id LIMIT ?", &st, e) != 0) {
        free(ids);
        return -1;
    }
    store_bind_int(st, 1, (int64_t)max);
    while (n < max && (rc = store_step(st, e)) == 1)
        ids[n++] = store_col_int(st, 0);
    store_finalize(st);
    rc = rc < 0 ? -1 : 0;
    for (i = 0; rc == 0 && i < n; i++)
        rc = fn(arg, ids[i], e);
    free(ids);
    return rc;
}

int reports_settle(struct store *s, int64_t row, const char *state,
                   const char *detail, struct err *e)
{
    return store_run(s, e, "UPDATE reports SET state = ?, detail = ? WHERE "
                     "id = ? AND state = 'new'", "tti", state, detail, row);
}

int reports_dsn_add(struct store *s, int64_t row, const struct reports_dsn *d,
                    struct err *e)
{
    return store_run(s, e, "INSERT INTO dsn_results(report_row, copy_id, "
                     "alert_row, rcpt, action, status, diag, at) "
                     "VALUES(?,?,?,?,?,?,?,?)", "iiitttti", row, d->copy,
                     d->alert_row, d->rcpt, d->action, d->status, d->diag,
                     (int64_t)time(NULL)) < 0 ? -1 : 0;
}

/* ?1 the address, ?2 how many alerts: how many of the last ?2 alerts
 * whose list copies were sent to ?1 since its last confirmation, and how
 * many of them bounced hard there. */
static const char reports_streak_sql[] =
    "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM dsn_results d "
    "JOIN copies k ON k.id = d.copy_id AND k.kind = 'copy' "
    "WHERE d.alert_row = t.alert_row AND d.rcpt = ?1 "
    "AND d.action = 'bounced' AND d.status LIKE '5.%')), 0) "
    "FROM (SELECT DISTINCT c.alert_row FROM outbox o "
    "JOIN copies c ON c.id = o.copy_id "
    "WHERE o.rcpt = ?1 COLLATE NOCASE AND o.state = 'sent' "
    "AND c.kind = 'copy' AND c.alert_row IS NOT NULL "
    "AND c.created >= coalesce((SELECT confirmed FROM contacts "
    "WHERE address = ?1), 0) ORDER BY c.alert_row DESC LIMIT ?2) t";

static int reports_streak(struct store *s, const char *rcpt, long n,
                          int *all, struct err *e)
{
    struct store_stmt *st;
    int rc;

    *all = 0;
    if (store_prepare(s, reports_streak_sql, &st, e) != 0)
        return -1;
    store_bind_text(st, 1, rcpt);
    store_bind_int(st, 2, n);
    rc = store_step(st, e);
    if (rc == 1)
        *all = store_col_int(st, 0) == n && store_col_int(st, 1) == n;
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int reports_health_bounce(struct store *s, const char *rcpt,
                          const char *status, const char *diag, long n,
                          struct err *e)
{
    int64_t now = (int64_t)time(NULL);
    int all, k;

    if (store_run(s, e, "INSERT INTO contact_health(address, last_bounce, "
                  "last_status, last_diag) VALUES(?1,?2,?3,?4) ON CONFLICT"
                  "(address) DO UPDATE SET last_bounce = ?2, last_status = "
                  "?3, last_diag = ?4", "titt", rcpt, now, status, diag) < 0 ||
        reports_streak(s, rcpt, n, &all, e) != 0)
        return -1;
    if (!all)
        return 0;
    k = store_run(s, e, "UPDATE contact_health SET bouncing_since = ?2 "
                  "WHERE address = ?1 AND bouncing_since <= coalesce(("
                  "SELECT confirmed FROM contacts WHERE address = ?1), 0)",
                  "ti", rcpt, now);
    return k < 0 ? -1 : k > 0;
}

int reports_ack_add(struct store *s, int64_t alert_row, int64_t org,
                    const char *sender, int verified, int64_t row,
                    struct err *e)
{
    return store_run(s, e, "INSERT OR IGNORE INTO acks(alert_row, org_id, "
                     "sender, verified, at, report_row) SELECT ?1, ?2, ?3, "
                     "?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM alert_ack_state "
                     "WHERE alert_row = ?1 AND org_id = ?2)", "iitiii",
                     alert_row, org, sender, (int64_t)(verified != 0),
                     (int64_t)time(NULL), row);
}

int reports_late_view(struct store *s, int64_t late, int64_t since,
                      int64_t now, struct err *e)
{
    char sql[1024];

    /* numbers of our own, written into the view (a view takes no
     * parameters), as keys check --days does */
    snprintf(sql, sizeof(sql), "CREATE TEMP VIEW alerts_late AS SELECT "
             "alert_id, alert_row AS row, list, org, datetime(sent, "
             "'unixepoch') AS sent, CASE WHEN ack_at IS NULL THEN 'never' "
             "ELSE datetime(ack_at, 'unixepoch') END AS acknowledged FROM "
             "alert_ack_state WHERE sent >= %lld AND sent + %lld <= %lld AND "
             "(ack_at IS NULL OR ack_at > sent + %lld) ORDER BY alert_row, "
             "list, org", (long long)since, (long long)late, (long long)now,
             (long long)late);
    return store_run(s, e, "DROP VIEW IF EXISTS temp.alerts_late", "") < 0 ||
           store_run(s, e, sql, "") < 0 ? -1 : 0;
}

static const char reports_due_sql[] =
    "SELECT s.alert_row, min(s.list_id), s.org_id, s.alert_id, s.org, "
    "s.sent FROM alert_ack_state s JOIN alerts a ON a.id = s.alert_row "
    "JOIN dists d ON d.id = a.dist_id WHERE d.remind_after > 0 AND "
    "s.ack_at IS NULL AND s.sent + d.remind_after <= ?1 AND NOT EXISTS "
    "(SELECT 1 FROM reminders r WHERE r.alert_row = s.alert_row AND "
    "r.org_id = s.org_id) GROUP BY s.alert_row, s.org_id "
    "ORDER BY s.alert_row, s.org_id LIMIT ?2";

/* The list's name and address, and the Message-ID of its copy. */
static int reports_due_list(struct store *s, struct reports_due *r,
                            struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT l.name, l.address, c.message_id FROM lists "
                      "l JOIN copies c ON c.list_id = l.id AND c.alert_row = "
                      "? AND c.kind = 'copy' WHERE l.id = ? ORDER BY c.id "
                      "LIMIT 1", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, r->alert_row);
    store_bind_int(st, 2, r->list_id);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(r->list, sizeof(r->list), "%s", store_col_text(st, 0));
        snprintf(r->list_address, sizeof(r->list_address), "%s",
                 store_col_text(st, 1));
        snprintf(r->msgid, sizeof(r->msgid), "%s", store_col_text(st, 2));
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int reports_reminders_due(struct store *s, int64_t now, size_t max,
                          reports_due_fn fn, void *arg, struct err *e)
{
    struct reports_due *due;
    struct store_stmt *st;
    size_t n = 0, i;
    int64_t any = 0;
    int rc;

    /* every pass asks: the usual answer, no distribution reminds, is
     * found without walking the copies */
    if (store_get_int(s, e, &any, "SELECT count(*) FROM dists WHERE "
                      "remind_after > 0", "") < 0)
        return -1;
    if (any == 0)
        return 0;
    if ((due = calloc(max ? max : 1, sizeof(*due))) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (store_prepare(s, reports_due_sql, &st, e) != 0) {
        free(due);
        return -1;
    }
    store_bind_int(st, 1, now);
    store_bind_int(st, 2, (int64_t)max);
    while (n < max && (rc = store_step(st, e)) == 1) {
        due[n].alert_row = store_col_int(st, 0);
        due[n].list_id = store_col_int(st, 1);
        due[n].org_id = store_col_int(st, 2);
        snprintf(due[n].alert_id, sizeof(due[n].alert_id), "%s",
                 store_col_text(st, 3));
        snprintf(due[n].org, sizeof(due[n].org), "%s", store_col_text(st, 4));
        due[n++].sent = store_col_int(st, 5);
    }
    store_finalize(st);
    rc = rc < 0 ? -1 : 0;
    for (i = 0; rc == 0 && i < n; i++)
        if ((rc = reports_due_list(s, &due[i], e)) == 0)
            rc = fn(arg, &due[i], e);
    free(due);
    return rc;
}

int reports_reminder_add(struct store *s, int64_t alert_row, int64_t list,
                         int64_t org, int64_t copy, struct err *e)
{
    return store_run(s, e, "INSERT INTO reminders(alert_row, list_id, "
                     "org_id, copy_id, at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE "
                     "NOT EXISTS (SELECT 1 FROM reminders WHERE alert_row = "
                     "?1 AND org_id = ?3)", "iiiii", alert_row, list, org,
                     copy, (int64_t)time(NULL));
}
