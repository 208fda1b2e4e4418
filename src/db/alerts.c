#include "db/alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- intake ------------------------------------------------------------ */

int alerts_insert(struct store *s, int64_t dist, const char *recipient,
                  int64_t *row, struct err *e)
{
    if (store_run(s, e, "INSERT INTO alerts(received, recipient, "
                  "dist_id) VALUES(?,?,?)", "iti", (int64_t)time(NULL),
                  recipient, dist) < 0)
        return -1;
    *row = store_last_id(s);
    return 0;
}

int alerts_raw_insert(struct store *s, int64_t row, const void *raw,
                      size_t len, struct err *e)
{
    return store_run(s, e, "INSERT INTO alert_raw(alert_row, raw) "
                     "VALUES(?,?)", "ib", row, raw, len) < 0 ? -1 : 0;
}

/* ---- taking an alert up ------------------------------------------------ */

int alerts_next_new(struct store *s, int64_t after, int64_t *row,
                    struct err *e)
{
    *row = 0;
    return store_get_int(s, e, row, "SELECT min(id) FROM alerts "
                         "WHERE state='new' AND id > ?", "i", after) < 0
           ? -1 : 0;
}

int alerts_count_attempt(struct store *s, int64_t row, int64_t max,
                         int64_t *n, struct err *e)
{
    *n = -1;
    if (store_get_int(s, e, n, "SELECT attempts FROM alerts WHERE "
                      "id=? AND state='new'", "i", row) < 0 ||
        (*n >= 0 && *n < max &&
         store_run(s, e, "UPDATE alerts SET attempts=attempts+1 "
                   "WHERE id=?", "i", row) < 0))
        return -1;
    return 0;
}

int alerts_uncount_attempt(struct store *s, int64_t row, struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET attempts=attempts-1 WHERE "
                     "id=? AND state='new' AND attempts>0", "i", row) < 0
           ? -1 : 0;
}

int alerts_raw_load(struct store *s, int64_t row, struct buf *raw,
                    struct alerts_dist *d, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(s, "SELECT r.raw, a.dist_id, d.default_tlp, "
                      "d.require_release, d.address, d.affected = 'whole' "
                      "FROM alerts a JOIN "
                      "alert_raw r ON r.alert_row = a.id LEFT JOIN dists d "
                      "ON d.id = a.dist_id WHERE a.id=? AND a.state='new'",
                      &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        d->id = store_col_int(st, 1);
        snprintf(d->default_tlp, sizeof(d->default_tlp), "%s",
                 store_col_text(st, 2));
        d->require_release = (int)store_col_int(st, 3);
        snprintf(d->address, sizeof(d->address), "%s",
                 store_col_text(st, 4));
        d->affected = (int)store_col_int(st, 5);
        if (buf_append(raw, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOUSER, "no new alert #%lld", (long long)row);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* ---- what processing learns ------------------------------------------ */

int alerts_set_signed_key(struct store *s, int64_t row, const char *sig_id,
                          const char *signed_key, struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET sig_id=?, signed_key=? "
                     "WHERE id=?", "tti", sig_id, signed_key, row) < 0
           ? -1 : 0;
}

int alerts_find_by_signed_key(struct store *s, const char *key,
                              int64_t except, int64_t *row, char *state,
                              size_t n, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT id, state FROM alerts WHERE "
                      "signed_key=? AND id<>? ORDER BY id LIMIT 1", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, key);
    store_bind_int(st, 2, except);
    rc = store_step(st, e);
    if (rc == 1) {
        *row = store_col_int(st, 0);
        snprintf(state, n, "%s", store_col_text(st, 1));
    }
    store_finalize(st);
    return rc;
}

int alerts_get_alert_id(struct store *s, int64_t row, char *out, size_t n,
                        struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT alert_id FROM alerts WHERE id=?", &st,
                      e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(out, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc;
}

int alerts_set_alert_id(struct store *s, int64_t row, const char *id,
                        struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET alert_id=? WHERE id=?", "ti",
                     id, row) < 0 ? -1 : 0;
}

int alerts_max_seq(struct store *s, const char *base, long *max,
                   struct err *e)
{
    struct store_stmt *st;
    size_t len = strlen(base);
    char *end;
    long v;
    int rc;

    *max = 0;
    if (store_prepare(s, "SELECT alert_id FROM alerts WHERE "
                      "substr(alert_id, 1, ?) = ?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, (int64_t)len);
    store_bind_text(st, 2, base);
    while ((rc = store_step(st, e)) == 1) {
        const char *t = store_col_text(st, 0) + len;
        v = strtol(t, &end, 10);
        if (end != t && *end == '\0' && v > *max)
            *max = v;
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int alerts_set_command(struct store *s, int64_t row, const char *command,
                       struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET command=? WHERE id=?", "ti",
                     command, row) < 0 ? -1 : 0;
}

int alerts_count_thread(struct store *s, const char *thread, int64_t except,
                        int64_t *n, struct err *e)
{
    *n = 0;
    return store_get_int(s, e, n, "SELECT count(*) FROM alerts "
                         "WHERE (thread = ?1 OR (thread = '' AND alert_id = "
                         "?1)) AND state = 'queued' AND command = '' AND id "
                         "<> ?2", "ti", thread, except) < 0 ? -1 : 0;
}

int alerts_thread_msgid_count(struct store *s, const char *thread,
                              int64_t except, int64_t list, int64_t *n,
                              struct err *e)
{
    *n = 0;
    return store_get_int(s, e, n, "SELECT count(DISTINCT "
                         "c.message_id) FROM copies c "
                         "JOIN alerts a ON a.id = c.alert_row WHERE (a.thread "
                         "= ?1 OR (a.thread = '' AND a.alert_id = ?1)) AND "
                         "a.state = 'queued' AND a.id <> ?2 AND c.list_id = "
                         "?3 AND c.kind = 'copy' AND a.command = ''", "tii",
                         thread, except, list) < 0 ? -1 : 0;
}

int alerts_thread_msgids(struct store *s, const char *thread, int64_t except,
                         int64_t list, alerts_msgid_fn fn, void *arg,
                         struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT c.message_id FROM copies c JOIN "
                      "alerts a ON a.id = c.alert_row WHERE (a.thread = ?1 OR"
                      " (a.thread = '' AND a.alert_id = ?1)) AND a.state = "
                      "'queued' AND a.id <> ?2 AND c.list_id = ?3 AND c.kind "
                      "= 'copy' GROUP BY c.message_id ORDER BY min(c.id)",
                      &st, e) != 0)
        return -1;
    store_bind_text(st, 1, thread);
    store_bind_int(st, 2, except);
    store_bind_int(st, 3, list);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

int alerts_pseudonym_add(struct store *s, const char *thread,
                         const char *cls, const char *original,
                         const char *placeholder, struct err *e)
{
    return store_run(s, e, "INSERT OR IGNORE INTO pseudonyms(alert_id,"
                     " cls, original, placeholder) VALUES(?,?,?,?)", "tttt",
                     thread, cls, original, placeholder) < 0 ? -1 : 0;
}

int alerts_pseudonyms_each(struct store *s, const char *thread,
                           alerts_pseudonym_fn fn, void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT cls, original, placeholder FROM "
                      "pseudonyms WHERE alert_id=? ORDER BY rowid", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, thread);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), store_col_text(st, 1),
                  store_col_text(st, 2), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

/* ---- verdicts ---------------------------------------------------------- */

int alerts_set_state(struct store *s, int64_t row, const char *state,
                     const char *reason, const char *alert_id,
                     struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET state=?, reason=?, alert_id=? "
                     "WHERE id=? AND state='new'", "ttti", state, reason,
                     alert_id, row);
}

int alerts_set_verdict(struct store *s, int64_t row,
                       const struct alerts_verdict *v, struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET state=?, reason=?, "
                     "alert_id=?, signer=?, subject=?, thread=?, "
                     "update_no=?, tlp=? WHERE id=? AND state='new'",
                     "ttttttiti", v->state, v->reason, v->alert_id,
                     v->signer, v->subject, v->thread, v->update_no, v->tlp,
                     row);
}

int alerts_summary(struct store *s, int64_t row, struct alerts_summary *a,
                   struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT alert_id, tlp, signer, state, "
                      "reason, update_no FROM alerts WHERE id = ?", &st,
                      e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(a->alert_id, sizeof(a->alert_id), "%s",
                 store_col_text(st, 0));
        snprintf(a->tlp, sizeof(a->tlp), "%s", store_col_text(st, 1));
        snprintf(a->signer, sizeof(a->signer), "%s", store_col_text(st, 2));
        snprintf(a->state, sizeof(a->state), "%s", store_col_text(st, 3));
        snprintf(a->reason, sizeof(a->reason), "%s", store_col_text(st, 4));
        a->update_no = store_col_int(st, 5);
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOUSER, "no alert #%lld", (long long)row);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* ---- per list ---------------------------------------------------------- */

int alerts_outcome_set(struct store *s, int64_t row, int64_t list,
                       const char *outcome, const char *reason,
                       int64_t recipients, struct err *e)
{
    return store_run(s, e, "INSERT OR REPLACE INTO list_outcomes("
                     "alert_row, list_id, outcome, reason, recipients) "
                     "VALUES(?,?,?,?,?)", "iitti", row, list, outcome,
                     reason, recipients) < 0 ? -1 : 0;
}

int alerts_outcomes_each(struct store *s, int64_t row, alerts_outcome_fn fn,
                         void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT l.name, o.outcome, o.recipients, "
                      "o.reason FROM list_outcomes o JOIN lists l ON l.id = "
                      "o.list_id WHERE o.alert_row = ? ORDER BY l.name", &st,
                      e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), store_col_text(st, 1),
                  store_col_int(st, 2), store_col_text(st, 3), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

int alerts_affected_add(struct store *s, int64_t row, const char *site,
                        const char *address, const char *outcome,
                        const char *why, struct err *e)
{
    return store_run(s, e, "INSERT INTO affected(alert_row, site, address, "
                     "outcome, why) VALUES(?,?,?,?,?)", "itttt",
                     row, site, address, outcome, why) < 0 ? -1 : 0;
}

int alerts_affected_each(struct store *s, int64_t row, alerts_affected_fn fn,
                         void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT site, address, outcome, why FROM affected "
                      "WHERE alert_row = ? ORDER BY rowid", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), store_col_text(st, 1),
                  store_col_text(st, 2), store_col_text(st, 3), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

/* ---- release ----------------------------------------------------------- */

int alerts_release_request(struct store *s, int64_t row,
                           const char *alert_id, struct err *e)
{
    return store_run(s, e, "INSERT INTO releases(alert_row, "
                     "alert_id, requested) VALUES(?,?,?)", "iti", row,
                     alert_id, (int64_t)time(NULL)) < 0 ? -1 : 0;
}

int alerts_release_next(struct store *s, const char *alert_id, int64_t *row,
                        struct err *e)
{
    *row = 0;
    return store_get_int(s, e, row, "SELECT coalesce(min(alert_row),"
                         " 0) FROM releases WHERE alert_id = ? AND state = "
                         "'awaiting'", "t", alert_id) < 0 ? -1 : 0;
}

int alerts_release_requested(struct store *s, int64_t row, int64_t *at,
                             struct err *e)
{
    return store_get_int(s, e, at, "SELECT requested FROM "
                         "releases WHERE alert_row = ?", "i", row) < 0
           ? -1 : 0;
}

int alerts_release_decide(struct store *s, int64_t row, const char *state,
                          const char *by, const char *via, struct err *e)
{
    return store_run(s, e, "UPDATE releases SET state = ?, decided = ?, "
                     "decided_by = ?, via = ? WHERE alert_row = ? AND state "
                     "= 'awaiting'", "titti", state, (int64_t)time(NULL), by,
                     via, row);
}

int alerts_release_last(struct store *s, const char *alert_id, char *state,
                        size_t n, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT state FROM releases WHERE alert_id "
                      "= ? ORDER BY alert_row DESC LIMIT 1", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, alert_id);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(state, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc;
}

int alerts_held_next(struct store *s, const char *alert_id, int64_t *row,
                     int64_t *received, struct err *e)
{
    struct store_stmt *st;
    int rc;

    *row = 0;
    if (store_prepare(s, "SELECT id, received FROM alerts a WHERE alert_id "
                      "= ? AND state = 'held' AND command = '' AND NOT "
                      "EXISTS (SELECT 1 FROM releases r WHERE r.alert_row "
                      "= a.id) ORDER BY id LIMIT 1", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, alert_id);
    rc = store_step(st, e);
    if (rc == 1) {
        *row = store_col_int(st, 0);
        *received = store_col_int(st, 1);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int alerts_held_cancel(struct store *s, int64_t row, const char *by,
                       const char *via, const char *why, struct err *e)
{
    int64_t now = (int64_t)time(NULL);

    if (store_run(s, e, "INSERT INTO releases(alert_row, alert_id, state, "
                  "requested, decided, decided_by, via) SELECT id, alert_id, "
                  "'cancelled', ?, ?, ?, ? FROM alerts WHERE id = ?", "iitti",
                  now, now, by, via, row) < 0 ||
        store_run(s, e, "UPDATE alerts SET reason = ? WHERE id = ?", "ti",
                  why, row) < 0)
        return -1;
    return 0;
}

int alerts_id_state(struct store *s, const char *alert_id, char *state,
                    size_t n, char *reason, size_t rn, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT state, reason FROM alerts WHERE alert_id "
                      "= ? AND command = '' ORDER BY id DESC LIMIT 1", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, alert_id);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(state, n, "%s", store_col_text(st, 0));
        snprintf(reason, rn, "%s", store_col_text(st, 1));
    }
    store_finalize(st);
    return rc;
}

int alerts_released(struct store *s, int64_t row, struct err *e)
{
    if (store_run(s, e, "UPDATE list_outcomes SET outcome = 'queued', "
                  "recipients = (SELECT count(*) FROM outbox o JOIN copies c "
                  "ON c.id = o.copy_id WHERE c.alert_row = ?1 AND c.list_id "
                  "= list_outcomes.list_id AND c.kind = 'copy') WHERE "
                  "alert_row = ?1 AND outcome = 'awaiting'", "i", row) < 0 ||
        store_run(s, e, "UPDATE alerts SET state = 'queued', reason = "
                  "'' WHERE id = ?", "i", row) < 0)
        return -1;
    return 0;
}

int alerts_cancelled(struct store *s, int64_t row, const char *why,
                     struct err *e)
{
    if (store_run(s, e, "UPDATE list_outcomes SET outcome = "
                  "'withheld', reason = ? WHERE alert_row = ? AND outcome = "
                  "'awaiting'", "ti", why, row) < 0 ||
        store_run(s, e, "UPDATE alerts SET reason = ? WHERE id = ?",
                  "ti", why, row) < 0)
        return -1;
    return 0;
}

int alerts_command_done(struct store *s, int64_t row, const char *why,
                        const char *alert_id, const char *signer,
                        const char *command, struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET state = 'queued', reason = "
                     "?, alert_id = ?, signer = ?, command = ? WHERE id = ?",
                     "tttti", why, alert_id, signer, command, row) < 0
           ? -1 : 0;
}

/* ---- the operator's look and retry ------------------------------------- */

int alerts_raw_get(struct store *s, int64_t row, struct buf *raw,
                   struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(s, "SELECT raw FROM alert_raw WHERE alert_row = ?",
                      &st, e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        if (buf_append(raw, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        rc = err_set(e, ERR_NOUSER, "no alert row %lld", (long long)row);
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int alerts_retry_reset(struct store *s, int64_t row, struct err *e)
{
    return store_run(s, e, "UPDATE alerts SET state = 'new', reason = '', "
                     "signer = '', subject = '', sig_id = '', thread = '', "
                     "update_no = 0, tlp = '', command = '', attempts = 0, "
                     "signed_key = '' WHERE id = ?1 AND (state = "
                     "'quarantined' OR (state = 'held' AND NOT EXISTS "
                     "(SELECT 1 FROM releases WHERE alert_row = ?1) AND NOT "
                     "EXISTS (SELECT 1 FROM list_outcomes WHERE alert_row = "
                     "?1) AND NOT EXISTS (SELECT 1 FROM copies WHERE "
                     "alert_row = ?1 AND kind <> 'notice')))", "i", row);
}

int alerts_release_dists(struct store *s, int64_t list, char *names,
                         size_t n, struct err *e)
{
    struct store_stmt *st;
    int rc;

    names[0] = '\0';
    if (store_prepare(s, "SELECT coalesce(group_concat(name, ', '), '') "
                      "FROM (SELECT d.name FROM dists d JOIN dist_lists x ON "
                      "x.dist_id = d.id WHERE x.list_id = ? AND "
                      "d.require_release = 1 ORDER BY d.name)", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, list);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(names, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* ---- the registry's checks --------------------------------------------- */

int alerts_count_dist(struct store *s, int64_t dist, int64_t *n,
                      struct err *e)
{
    *n = 0;
    return store_get_int(s, e, n, "SELECT count(*) FROM alerts WHERE "
                         "dist_id=?", "i", dist) < 0 ? -1 : 0;
}

int alerts_row_of_id(struct store *s, const char *alert_id, int64_t *row,
                     struct err *e)
{
    return store_get_int(s, e, row, "SELECT id FROM alerts WHERE alert_id = "
                         "? AND state = 'queued' ORDER BY id DESC LIMIT 1",
                         "t", alert_id);
}
