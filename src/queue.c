#include "queue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver.h"
#include "process.h"
#include "util/buf.h"

struct qcopy {
    int64_t id;
    char name[96];
    struct buf msg;
    struct deliver_rcpt *rcpts;
    int64_t *rows;
    int64_t *attempts;
    int64_t *created;
    size_t n;
};

static void qcopy_free(struct qcopy *q)
{
    size_t i;

    for (i = 0; i < q->n; i++)
        free((char *)q->rcpts[i].addr);
    free(q->rcpts);
    free(q->rows);
    free(q->attempts);
    free(q->created);
    buf_free(&q->msg);
}

static int qcopy_load_msg(struct gateway *g, struct qcopy *q, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n;
    int rc;

    if (store_prepare(g->store, "SELECT c.message, coalesce(l.name, c.kind) "
                      "FROM copies c LEFT JOIN lists l ON l.id = c.list_id "
                      "WHERE c.id=?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, q->id);
    rc = store_step(st, e);
    if (rc == 1) {
        p = store_col_blob(st, 0, &n);
        snprintf(q->name, sizeof(q->name), "%s-%lld", store_col_text(st, 1),
                 (long long)q->id);
        if (buf_append(&q->msg, p ? p : "", n) != 0)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    store_finalize(st);
    return rc == 1 ? 0 : -1;
}

static int qcopy_add(struct qcopy *q, struct store_stmt *st, size_t cap)
{
    if (q->n >= cap)
        return -1;
    q->rows[q->n] = store_col_int(st, 0);
    q->rcpts[q->n].addr = strdup(store_col_text(st, 1));
    q->attempts[q->n] = store_col_int(st, 2);
    q->created[q->n] = store_col_int(st, 3);
    if (q->rcpts[q->n].addr == NULL)
        return -1;
    q->n++;
    return 0;
}

static int qcopy_load(struct gateway *g, struct qcopy *q, int64_t now,
                      struct err *e)
{
    struct store_stmt *st;
    int64_t cap;
    int rc;

    if (store_get_int(g->store, e, &cap, "SELECT count(*) FROM outbox WHERE "
                      "copy_id=?", "i", q->id) < 0 ||
        qcopy_load_msg(g, q, e) != 0)
        return -1;
    if (cap > QUEUE_RCPTS_MAX)
        cap = QUEUE_RCPTS_MAX;
    q->rcpts = calloc((size_t)cap + 1, sizeof(*q->rcpts));
    q->rows = calloc((size_t)cap + 1, sizeof(*q->rows));
    q->attempts = calloc((size_t)cap + 1, sizeof(*q->attempts));
    q->created = calloc((size_t)cap + 1, sizeof(*q->created));
    if (!q->rcpts || !q->rows || !q->attempts || !q->created)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (store_prepare(g->store, "SELECT o.id, o.rcpt, o.attempts, c.created "
                      "FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE "
                      "o.copy_id=? AND o.state='pending' AND o.next_try<=? "
                      "ORDER BY o.id", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, q->id);
    store_bind_int(st, 2, now);
    while ((rc = store_step(st, e)) == 1)
        if (qcopy_add(q, st, (size_t)cap) != 0) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    store_finalize(st);
    return rc == 0 ? 0 : -1;
}

static int64_t queue_backoff(int64_t attempts)
{
    int64_t d = QUEUE_BACKOFF_BASE_S;

    while (attempts-- > 0 && d < QUEUE_BACKOFF_MAX_S)
        d *= 2;
    return d < QUEUE_BACKOFF_MAX_S ? d : QUEUE_BACKOFF_MAX_S;
}

static const char *queue_state(struct gateway *g, const struct qcopy *q,
                               size_t i, int64_t now, struct queue_report *r)
{
    switch (q->rcpts[i].state) {
    case DELIVER_OK:
        r->sent++;
        return "sent";
    case DELIVER_PERM:
        r->failed++;
        return "failed";
    default:
        if (now - q->created[i] > g->conf->retry_max_age) {
            r->failed++;
            return "failed";
        }
        r->deferred++;
        return "pending";
    }
}

static int queue_record_one(struct gateway *g, const struct qcopy *q,
                            size_t i, int64_t now, struct queue_report *r,
                            struct err *e)
{
    const struct deliver_rcpt *rc = &q->rcpts[i];
    const char *state = queue_state(g, q, i, now, r);
    const char *reply = rc->reply[0] ? rc->reply :
                        rc->state == DELIVER_PENDING ? "not attempted" : "";

    if (store_run(g->store, e, "UPDATE outbox SET state=?, attempts=?, "
                  "next_try=?, code=?, reply=?, updated=? WHERE id=?",
                  "tiiitii", state, q->attempts[i] + 1,
                  now + queue_backoff(q->attempts[i]), (int64_t)rc->code,
                  reply, now, q->rows[i]) < 0)
        return -1;
    if (strcmp(state, "pending") == 0)
        return 0;
    return store_run(g->store, e, "INSERT INTO audit(at, alert_row, event, "
                     "detail) SELECT ?, alert_row, ?, ? || ' ' || ? || ' ' "
                     "|| ? FROM copies WHERE id=?", "itttti", now, state,
                     rc->addr, q->name, reply, q->id) < 0 ? -1 : 0;
}

static int queue_record(struct gateway *g, const struct qcopy *q,
                        struct queue_report *r, struct err *e)
{
    int64_t now = (int64_t)time(NULL);
    size_t i;

    if (store_begin(g->store, e) != 0)
        return -1;
    for (i = 0; i < q->n; i++)
        if (queue_record_one(g, q, i, now, r, e) != 0) {
            store_rollback(g->store);
            return -1;
        }
    return store_commit(g->store, e);
}

static void queue_note_failure(struct qcopy *q, const struct err *de)
{
    size_t i;

    for (i = 0; i < q->n; i++)
        if (q->rcpts[i].reply[0] == '\0')
            snprintf(q->rcpts[i].reply, sizeof(q->rcpts[i].reply), "%.*s",
                     DELIVER_REPLY_MAX - 1, de->msg);
}

static int queue_copy(struct gateway *g, struct deliver *d, int64_t id,
                      struct queue_report *r, struct err *e)
{
    struct qcopy q;
    struct deliver_msg dm;
    struct err de;
    int rc = -1;

    memset(&q, 0, sizeof(q));
    q.id = id;
    buf_init(&q.msg, 1u << 30);
    if (qcopy_load(g, &q, (int64_t)time(NULL), e) != 0)
        goto out;
    if (q.n == 0) {
        rc = 0;
        goto out;
    }
    dm.sender = g->conf->sender;
    dm.data = buf_cstr(&q.msg);
    dm.len = q.msg.len;
    dm.name = q.name;
    err_init(&de);
    /* A failed attempt as a whole still has per-recipient states to
     * record (all temporary), so it is not an error of the pass. */
    if (deliver_send(d, &dm, q.rcpts, q.n, &de) != 0)
        queue_note_failure(&q, &de);
    r->copies++;
    rc = queue_record(g, &q, r, e);
out:
    qcopy_free(&q);
    return rc;
}

int queue_run(struct gateway *g, struct queue_report *r, struct err *e)
{
    struct deliver *d = NULL;
    int64_t id = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    if (process_pending(g, &r->processed, e) != 0 ||
        deliver_open(&d, g->conf->transport, e) != 0)
        return -1;
    for (;;) {
        rc = store_get_int(g->store, e, &id, "SELECT min(copy_id) FROM outbox"
                           " WHERE state='pending' AND next_try<=? AND "
                           "copy_id > ?", "ii", (int64_t)time(NULL), id);
        if (rc < 0 || id == 0)
            break;
        if ((rc = queue_copy(g, d, id, r, e)) != 0)
            break;
    }
    deliver_close(d);
    return rc < 0 ? -1 : 0;
}
