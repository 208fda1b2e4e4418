#include "db/outbox.h"

#include <stdio.h>
#include <time.h>

/* ---- storing and queueing ---------------------------------------------- */

int outbox_copy_add(struct store *s, int64_t row, int64_t list,
                    const char *kind, const char *msgid, const void *msg,
                    size_t len, int64_t *id, struct err *e)
{
    if (store_run(s, e, "INSERT INTO copies(alert_row, list_id, kind, "
                  "message_id, message, created) VALUES(NULLIF(?,0), "
                  "NULLIF(?,0), ?, ?, ?, ?)", "iittbi", row, list, kind,
                  msgid, msg, len, (int64_t)time(NULL)) < 0)
        return -1;
    *id = store_last_id(s);
    return 0;
}

int outbox_add(struct store *s, int64_t copy, const char *rcpt,
               struct err *e)
{
    return store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, "
                     "updated) VALUES(?,?,?)", "iti", copy, rcpt,
                     (int64_t)time(NULL)) < 0 ? -1 : 0;
}

int outbox_add_list(struct store *s, int64_t copy, int64_t list, int64_t *n,
                    struct err *e)
{
    int k = store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, "
                      "updated) SELECT ?, address, ? FROM list_recipients "
                      "WHERE list_id = ?", "iii", copy, (int64_t)time(NULL),
                      list);

    *n = k;
    return k < 0 ? -1 : 0;
}

int outbox_add_member(struct store *s, int64_t row, int64_t copy,
                      const char *rcpt, struct err *e)
{
    /* a copy of no list is the affected audience's: its recipients
     * are the alert's affected rows */
    return store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, "
                     "updated) SELECT c.id, ?3, ?4 FROM copies c WHERE c.id "
                     "= ?1 AND c.alert_row = ?2 AND (EXISTS (SELECT 1 FROM "
                     "list_recipients r WHERE r.list_id = c.list_id AND "
                     "r.address = ?3) OR (c.list_id IS NULL AND EXISTS "
                     "(SELECT 1 FROM affected a WHERE a.alert_row = ?2 AND "
                     "a.outcome = 'added' AND a.address = ?3)))", "iiti",
                     copy, row, rcpt, (int64_t)time(NULL)) < 0 ? -1 : 0;
}

int outbox_add_list_rest(struct store *s, int64_t row, int64_t copy,
                         int64_t list, struct err *e)
{
    return store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, "
                     "updated) SELECT ?1, r.address, ?2 FROM "
                     "list_recipients r WHERE r.list_id = ?3 AND NOT EXISTS "
                     "(SELECT 1 FROM outbox o JOIN copies x ON x.id = "
                     "o.copy_id WHERE x.alert_row = ?4 AND x.list_id = ?3 "
                     "AND o.rcpt = r.address)", "iiii", copy,
                     (int64_t)time(NULL), list, row) < 0 ? -1 : 0;
}

int outbox_add_affected_rest(struct store *s, int64_t row, int64_t copy,
                             struct err *e)
{
    return store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, updated) "
                     "SELECT DISTINCT ?1, a.address, ?2 FROM affected a "
                     "WHERE a.alert_row = ?3 AND a.outcome = 'added' AND "
                     "NOT EXISTS (SELECT 1 FROM outbox o JOIN copies x ON "
                     "x.id = o.copy_id WHERE x.alert_row = ?3 AND x.list_id "
                     "IS NULL AND x.kind = 'copy' AND o.rcpt = a.address)",
                     "iii", copy, (int64_t)time(NULL), row) < 0 ? -1 : 0;
}

int outbox_list_copies_each(struct store *s, int64_t row, outbox_copy_fn fn,
                            void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT c.id, coalesce(c.list_id, 0) FROM copies "
                      "c LEFT JOIN lists l ON l.id = c.list_id WHERE "
                      "c.alert_row = ? AND c.kind = 'copy' AND (c.list_id "
                      "IS NULL OR l.encrypt <> 'always') ORDER BY c.id", &st,
                      e) != 0)
        return -1;
    store_bind_int(st, 1, row);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_int(st, 0), store_col_int(st, 1), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

int outbox_previews_drop(struct store *s, int64_t row, int64_t *n,
                         struct err *e)
{
    int rc = store_run(s, e, "DELETE FROM outbox WHERE state = 'pending' "
                       "AND copy_id IN (SELECT id FROM copies WHERE "
                       "alert_row = ? AND kind = 'preview')", "i", row);

    *n = rc < 0 ? 0 : rc;
    return rc < 0 ? -1 : 0;
}

/* ---- the worker -------------------------------------------------------- */

int outbox_claimed_next(struct store *s, const char *owner, int64_t now,
                        int64_t after, int64_t *copy, struct err *e)
{
    *copy = 0;
    return store_get_int(s, e, copy, "SELECT min(copy_id) FROM outbox "
                         "WHERE lease_owner=?1 AND state='pending' AND "
                         "lease_until>=?2 AND copy_id>?3", "tii", owner, now,
                         after) < 0 ? -1 : 0;
}

int outbox_lease_claim(struct store *s, int64_t copy, const char *owner,
                       int64_t now, int64_t until, size_t max,
                       struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET lease_owner=?1, lease_until=?2 "
                     "WHERE id IN (SELECT id FROM outbox WHERE (?3=0 OR "
                     "copy_id=?3) AND state='pending' AND next_try<=?4 AND "
                     "(lease_owner='' OR lease_until<?4) ORDER BY copy_id, id "
                     "LIMIT ?5)", "tiiii", owner, until, copy, now,
                     (int64_t)max);
}

int outbox_lease_renew(struct store *s, const char *owner, int64_t now,
                       int64_t until, struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET lease_until=?3 WHERE "
                     "lease_owner=?1 AND state='pending' AND lease_until>=?2",
                     "tii", owner, now, until) < 0 ? -1 : 0;
}

int outbox_lease_return(struct store *s, int64_t copy, const char *owner,
                        struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET lease_owner='', "
                     "lease_until=0 WHERE copy_id=? AND lease_owner=? AND "
                     "state='pending'", "it", copy, owner) < 0 ? -1 : 0;
}

int outbox_lease_void(struct store *s, const char *owner, struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET lease_owner='', "
                     "lease_until=0 WHERE lease_owner=? AND "
                     "state='pending'", "t", owner) < 0 ? -1 : 0;
}

int outbox_lease_owners(struct store *s, const char *owner, size_t place,
                        int64_t now, outbox_owner_fn fn, void *arg,
                        struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT DISTINCT lease_owner FROM outbox WHERE "
                      "state='pending' AND lease_until>=?1 AND "
                      "lease_owner<>?2 AND substr(lease_owner, 1, ?3)="
                      "substr(?2, 1, ?3)", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, now);
    store_bind_text(st, 2, owner);
    store_bind_int(st, 3, (int64_t)place);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

int outbox_copy_load(struct store *s, int64_t copy, struct buf *msg,
                     struct outbox_copy *c, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(s, "SELECT c.message, coalesce(l.name, c.kind), "
                      "c.alert_row, c.created FROM copies c LEFT JOIN lists l "
                      "ON l.id = c.list_id WHERE c.id=?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, copy);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        snprintf(c->label, sizeof(c->label), "%s", store_col_text(st, 1));
        c->alert_row = store_col_int(st, 2);
        c->created = store_col_int(st, 3);
        if (buf_append(msg, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        rc = err_set(e, ERR_SOFTWARE, "copy %lld is gone", (long long)copy);
    }
    store_finalize(st);
    return rc == 1 ? 0 : -1;
}

int outbox_claimed_each(struct store *s, int64_t copy, const char *owner,
                        int64_t now, int64_t after, size_t max,
                        outbox_rcpt_fn fn, void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT id, rcpt, attempts FROM outbox "
                      "WHERE copy_id=? AND lease_owner=? AND "
                      "state='pending' AND lease_until>=? AND id>? "
                      "ORDER BY id LIMIT ?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, copy);
    store_bind_text(st, 2, owner);
    store_bind_int(st, 3, now);
    store_bind_int(st, 4, after);
    store_bind_int(st, 5, (int64_t)max);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_int(st, 0), store_col_text(st, 1),
                  store_col_int(st, 2), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

int outbox_record_open(struct store *s, struct outbox_record *r,
                       struct err *e)
{
    return store_prepare(s, "UPDATE outbox SET state=?1, attempts=?2, "
                         "next_try=?3, code=?4, reply=?5, updated=?6, "
                         "lease_until=CASE lease_owner WHEN ?8 THEN 0 ELSE "
                         "lease_until END, lease_owner=CASE lease_owner WHEN "
                         "?8 THEN '' ELSE lease_owner END WHERE id=?7",
                         &r->st, e);
}

int outbox_record_add(struct outbox_record *r,
                      const struct outbox_outcome *o, struct err *e)
{
    store_reset(r->st);
    store_bind_text(r->st, 1, o->state);
    store_bind_int(r->st, 2, o->attempts);
    store_bind_int(r->st, 3, o->next_try);
    store_bind_int(r->st, 4, o->code);
    store_bind_text(r->st, 5, o->reply);
    store_bind_int(r->st, 6, o->updated);
    store_bind_int(r->st, 7, o->id);
    store_bind_text(r->st, 8, o->owner);
    return store_step(r->st, e) < 0 ? -1 : 0;
}

void outbox_record_close(struct outbox_record *r)
{
    store_finalize(r->st);
    r->st = NULL;
}

/* ---- the operator's commands ------------------------------------------- */

int outbox_retry_all(struct store *s, struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET state='pending', "
                     "next_try=0 WHERE state IN ('pending','failed')", "");
}

int outbox_retry_row(struct store *s, int64_t id, struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET state='pending', "
                     "next_try=0 WHERE id=? AND state IN ('pending',"
                     "'failed')", "i", id);
}

int outbox_retry_alert(struct store *s, const char *alert_id, struct err *e)
{
    return store_run(s, e, "UPDATE outbox SET state='pending', "
                     "next_try=0 WHERE state IN ('pending','failed') AND "
                     "copy_id IN (SELECT c.id FROM copies c JOIN alerts a "
                     "ON a.id = c.alert_row WHERE a.alert_id=?)", "t",
                     alert_id);
}

int outbox_purge(struct store *s, int64_t before, struct err *e)
{
    return store_run(s, e, "DELETE FROM outbox WHERE state IN "
                     "('sent','failed') AND updated < ?", "i", before);
}

/* ---- the registry's questions ------------------------------------------ */

int outbox_copies_of_list(struct store *s, int64_t list, int64_t *n,
                          struct err *e)
{
    *n = 0;
    return store_get_int(s, e, n, "SELECT count(*) FROM copies WHERE "
                         "list_id=?", "i", list) < 0 ? -1 : 0;
}

int outbox_failures_view(struct store *s, struct err *e)
{
    return store_run(s, e, "CREATE TEMP VIEW IF NOT EXISTS outbox_failures("
                     "rcpt, reply, updated) AS SELECT rcpt, reply, updated "
                     "FROM outbox WHERE state = 'failed'", "") < 0 ? -1 : 0;
}

int outbox_sent_to(struct store *s, int64_t copy, const char *rcpt,
                   int64_t *alert_row, struct err *e)
{
    return store_get_int(s, e, alert_row, "SELECT coalesce(c.alert_row, 0) "
                         "FROM outbox o JOIN copies c ON c.id = o.copy_id "
                         "WHERE o.copy_id = ? AND o.rcpt = ? COLLATE NOCASE "
                         "AND o.state = 'sent' LIMIT 1", "it", copy, rcpt);
}

int outbox_alert_of_msgid(struct store *s, const char *msgid,
                          int64_t *alert_row, struct err *e)
{
    return store_get_int(s, e, alert_row, "SELECT alert_row FROM copies "
                         "WHERE message_id = ? AND alert_row IS NOT NULL AND "
                         "kind IN ('copy', 'notice', 'reminder') ORDER BY id DESC "
                         "LIMIT 1",
                         "t", msgid);
}

int outbox_add_org_rcpts(struct store *s, int64_t copy, int64_t alert_row,
                         int64_t list, int64_t org, int64_t *n,
                         struct err *e)
{
    int k = store_run(s, e, "INSERT INTO outbox(copy_id, rcpt, updated) "
                      "SELECT DISTINCT ?1, o.rcpt, ?2 FROM outbox o JOIN "
                      "copies c ON c.id = o.copy_id JOIN contacts t ON "
                      "t.address = o.rcpt WHERE c.alert_row = ?3 AND "
                      "c.list_id = ?4 AND c.kind = 'copy' AND o.state = "
                      "'sent' AND t.org_id = ?5 AND t.active = 1", "iiiii",
                      copy, (int64_t)time(NULL), alert_row, list, org);

    *n = k;
    return k < 0 ? -1 : 0;
}
