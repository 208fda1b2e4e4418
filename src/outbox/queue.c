#include "outbox/queue.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/audit.h"
#include "db/outbox.h"
#include "relay/deliver.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/sha256.h"
#include "util/fault.h"
#include "util/file.h"
#include "util/limits.h"

#define QUEUE_ID_TEXT 22        /* "-", an int64_t in decimal, the NUL */

void queue_sha256_hex(const void *p, size_t n, char out[QUEUE_HASH_HEX])
{
    sha256_hex_of(p, n, out);
}

/* ---- one copy to the relay ------------------------------------------- */

struct qcopy {
    int64_t id;
    const char *owner;      /* this worker's lease owner (borrowed) */
    char name[96];
    char hash[QUEUE_HASH_HEX];
    int64_t alert_row;
    struct buf msg;
    struct deliver_rcpt *rcpts;
    int64_t *rows;
    int64_t *attempts;
    int64_t created;
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
    buf_free(&q->msg);
}

static int qcopy_load_msg(struct gateway *g, struct qcopy *q, struct err *e)
{
    struct outbox_copy c;

    if (outbox_copy_load(g->store, q->id, &q->msg, &c, e) != 0)
        return -1;
    /* the label cut where it must, so that the copy's id always fits */
    snprintf(q->name, sizeof(q->name), "%.*s-%lld",
             (int)sizeof(q->name) - QUEUE_ID_TEXT, c.label, (long long)q->id);
    q->alert_row = c.alert_row;
    q->created = c.created;
    queue_sha256_hex(q->msg.data ? q->msg.data : "", q->msg.len, q->hash);
    return 0;
}

struct qcopy_claimed {
    struct qcopy *q;
    size_t cap;
};

static int qcopy_add(void *arg, int64_t id, const char *rcpt,
                     int64_t attempts, struct err *e)
{
    struct qcopy_claimed *c = arg;
    struct qcopy *q = c->q;

    if (q->n >= c->cap)
        return err_set(e, ERR_NOMEM, "out of memory");
    q->rows[q->n] = id;
    q->rcpts[q->n].addr = strdup(rcpt);
    q->attempts[q->n] = attempts;
    if (q->rcpts[q->n].addr == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    q->n++;
    return 0;
}

static int qcopy_alloc(struct qcopy *q, size_t cap, struct err *e)
{
    q->rcpts = calloc(cap + 1, sizeof(*q->rcpts));
    q->rows = calloc(cap + 1, sizeof(*q->rows));
    q->attempts = calloc(cap + 1, sizeof(*q->attempts));
    if (!q->rcpts || !q->rows || !q->attempts)
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

/* The copy and the recipients this worker claimed for it (at most
 * batch: queue_claim took no more). */
static int qcopy_load(struct gateway *g, struct qcopy *q, const char *owner,
                      size_t batch, struct err *e)
{
    struct qcopy_claimed c = {q, batch};

    if (qcopy_load_msg(g, q, e) != 0 || qcopy_alloc(q, batch, e) != 0)
        return -1;
    return outbox_claimed_each(g->store, q->id, owner, batch, qcopy_add, &c,
                               e) != 0 ? -1 : 0;
}

/* ---- leases ------------------------------------------------------------ */

int64_t queue_lease_seconds(long smtp_timeout)
{
    return (int64_t)smtp_timeout * (QUEUE_LEASE_SEND_STEPS +
                                    QUEUE_LEASE_TAIL_STEPS) +
           QUEUE_LEASE_RECORD_S;
}

/* Length of owner's "host:pidns:" part, the worker's place; 0 when
 * owner is not of the form queue_owner makes. */
static size_t queue_owner_place(const char *owner)
{
    const char *p = strchr(owner, ':');

    p = p ? strchr(p + 1, ':') : NULL;
    return p ? (size_t)(p - owner) + 1 : 0;
}

/* Whether the worker that wrote lease owner o, of our own place, is
 * gone: its pid names no process. A pid reused since reads as alive,
 * and that lease is left to run out (the safe way round). */
static int queue_owner_dead(const char *o, size_t place)
{
    char *end = NULL;
    long pid;

    errno = 0;
    pid = strtol(o + place, &end, 10);
    if (errno || end == o + place || *end != ':' || pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

struct queue_dead {
    char (*dead)[QUEUE_OWNER_MAX];
    size_t place, n;
};

/* 1 (stop) once QUEUE_REAP_MAX are found. */
static int queue_dead_one(void *arg, const char *o, struct err *e)
{
    struct queue_dead *d = arg;

    (void)e;
    if (strlen(o) < QUEUE_OWNER_MAX && queue_owner_dead(o, d->place))
        snprintf(d->dead[d->n++], QUEUE_OWNER_MAX, "%s", o);
    return d->n >= QUEUE_REAP_MAX;
}

/* Owners of live leases held by dead workers of our place, into dead[]. */
static int queue_dead_owners(struct store *s, const char *owner, int64_t now,
                             char dead[][QUEUE_OWNER_MAX], size_t *n,
                             struct err *e)
{
    struct queue_dead d = {dead, queue_owner_place(owner), 0};
    int rc;

    *n = 0;
    if (d.place == 0)
        return 0;
    rc = outbox_lease_owners(s, owner, d.place, now, queue_dead_one, &d, e);
    *n = d.n;
    return rc < 0 ? -1 : 0;
}

static int queue_void(struct store *s, char dead[][QUEUE_OWNER_MAX],
                      size_t n, struct err *e)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (outbox_lease_void(s, dead[i], e) != 0)
            return -1;
    return 0;
}

int queue_reap(struct store *s, const char *owner, int64_t now, long *n,
               struct err *e)
{
    char dead[QUEUE_REAP_MAX][QUEUE_OWNER_MAX];
    size_t got = 0;

    *n = 0;
    if (queue_owner_place(owner) == 0)
        return 0;
    if (store_begin(s, e) != 0)
        return -1;
    if (queue_dead_owners(s, owner, now, dead, &got, e) != 0 ||
        queue_void(s, dead, got, e) != 0) {
        store_rollback(s);
        return -1;
    }
    *n = (long)got;
    return store_commit(s, e);
}

long queue_claim(struct store *s, int64_t copy_id, const char *owner,
                 int64_t now, int64_t until, size_t max, struct err *e)
{
    int rc;

    if (store_begin(s, e) != 0)
        return -1;
    rc = outbox_lease_claim(s, copy_id, owner, now, until, max, e);
    if (rc < 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e) != 0 ? -1 : rc;
}

/* Give back what this worker claimed of a copy and will not send (the
 * copy could not be loaded). Best effort: if this fails too, the rows
 * wait for the lease to run out. */
static void queue_release(struct gateway *g, int64_t copy_id,
                          const char *owner)
{
    struct err ig;

    err_init(&ig);
    outbox_lease_return(g->store, copy_id, owner, &ig);
}

/* "host:pidns:pid:random", a name no other worker has, now or after this
 * one dies. host and the PID namespace (the inode of /proc/self/ns/pid,
 * 0 without /proc) say where pid means something, so that a worker there
 * can tell the owner is gone (queue_reap); the random part keeps a later
 * process that gets the same pid from taking the dead one's leases for
 * its own. */
static void queue_owner(char *out, size_t n)
{
    char host[QUEUE_HOST_MAX + 1] = "";
    unsigned char r[4] = {0, 0, 0, 0};
    struct timespec ts;
    struct stat ns;
    size_t i;

    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[QUEUE_HOST_MAX] = '\0';
    for (i = 0; host[i]; i++)       /* shown by queue status */
        if (!isalnum((unsigned char)host[i]) && !strchr(".-", host[i]))
            host[i] = '_';
    if (stat("/proc/self/ns/pid", &ns) != 0)
        ns.st_ino = 0;
    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        memcpy(r, &ts.tv_nsec, sizeof(r));
    }
    snprintf(out, n, "%s:%lu:%ld:%02x%02x%02x%02x",
             host[0] ? host : "localhost", (unsigned long)ns.st_ino,
             (long)getpid(), r[0], r[1], r[2], r[3]);
}

static int64_t queue_backoff(int64_t attempts)
{
    int64_t d = QUEUE_BACKOFF_BASE_S;

    while (attempts-- > 0 && d < QUEUE_BACKOFF_MAX_S)
        d *= 2;
    return d < QUEUE_BACKOFF_MAX_S ? d : QUEUE_BACKOFF_MAX_S;
}

/* outbox state and audit event of recipient i */
static const char *queue_state(struct gateway *g, const struct qcopy *q,
                               size_t i, int64_t now, struct queue_report *r,
                               const char **event)
{
    switch (q->rcpts[i].state) {
    case DELIVER_OK:
        r->sent++;
        return *event = "sent";
    case DELIVER_PERM:
        r->failed++;
        return *event = "failed";
    default:
        if (now - q->created > g->conf->retry_max_age) {
            r->failed++;
            *event = "expired";
            return "failed";
        }
        r->deferred++;
        *event = "deferred";
        return "pending";
    }
}

struct qrec {
    struct outbox_record upd;
    struct audit_batch aud;
};

static int queue_record_one(struct gateway *g, const struct qcopy *q,
                            struct qrec *s, size_t i, int64_t now,
                            struct queue_report *r, struct err *e)
{
    const struct deliver_rcpt *rc = &q->rcpts[i];
    const char *event, *state = queue_state(g, q, i, now, r, &event);
    const char *reply = rc->reply[0] ? rc->reply :
                        rc->state == DELIVER_PENDING ? "not attempted" : "";
    char detail[DELIVER_REPLY_MAX + 128];
    struct outbox_outcome o = {q->rows[i], state, q->attempts[i] + 1,
                               now + queue_backoff(q->attempts[i]), rc->code,
                               reply, now, q->owner};
    struct audit_row a = {0, now, q->alert_row, rc->code, event, detail,
                          rc->addr, q->hash};

    snprintf(detail, sizeof(detail), "%s: %s", q->name, reply);
    if (outbox_record_add(&s->upd, &o, e) != 0)
        return -1;
    return audit_batch_add(&s->aud, &a, e);
}

/* Every outcome of one attempt in one transaction: all or none. */
static int queue_record(struct gateway *g, const struct qcopy *q,
                        struct queue_report *r, struct err *e)
{
    int64_t now = (int64_t)time(NULL);
    struct qrec s = {{NULL}, {NULL}};
    size_t i;
    int rc = -1;

    if (store_begin(g->store, e) != 0)
        return -1;
    /* The outcome is recorded whoever holds the row now (it happened);
     * the lease is cleared only if it is still this worker's. */
    if (outbox_record_open(g->store, &s.upd, e) != 0 ||
        audit_batch_open(g->store, &s.aud, e) != 0)
        goto out;
    for (i = 0; i < q->n; i++)
        if (queue_record_one(g, q, &s, i, now, r, e) != 0)
            goto out;
    rc = 0;
out:
    outbox_record_close(&s.upd);
    audit_batch_close(&s.aud);
    if (rc != 0) {
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

/* ALERTGW_CRASH=queue-committed-N: killed once the N-th batch of this
 * pass is recorded, in the middle of a fan-out. */
static void queue_crash_point(long n)
{
    char point[40];

    snprintf(point, sizeof(point), "queue-committed-%ld", n);
    fault_crash(point);
}

/* Hand the claimed batch to the relay, then record every outcome. The
 * deadline keeps the whole hand-over inside the lease (see queue.h). */
static int queue_copy_send(struct gateway *g, struct deliver *d,
                           struct qcopy *q, int64_t claimed,
                           struct queue_report *r, struct err *e)
{
    struct deliver_msg dm;
    struct err de;
    int rc;

    dm.sender = g->conf->sender;
    dm.data = buf_cstr(&q->msg);
    dm.len = q->msg.len;
    dm.name = q->name;
    err_init(&de);
    deliver_set_deadline(d, claimed + (int64_t)g->conf->smtp_timeout *
                                      QUEUE_LEASE_SEND_STEPS);
    fault_crash("queue-before-send");
    /* A failed attempt as a whole still has per-recipient states to
     * record (all temporary), so it is not an error of the pass. */
    if (deliver_send(d, &dm, q->rcpts, q->n, &de) != 0)
        queue_note_failure(q, &de);
    fault_crash("queue-after-send");
    r->copies++;
    rc = queue_record(g, q, r, e);
    queue_crash_point(r->copies);
    return rc;
}

/* One batch of one copy's due recipients: claimed, sent, recorded. *more:
 * a full batch went, so more may be due. Rows another worker holds are
 * left to it. */
static int queue_copy(struct gateway *g, struct deliver *d, const char *owner,
                      int64_t id, struct queue_report *r, int *more,
                      struct err *e)
{
    size_t batch = (size_t)g->conf->smtp_batch;
    int64_t now = (int64_t)time(NULL);
    struct qcopy q;
    long got;
    int rc;

    *more = 0;
    got = queue_claim(g->store, id, owner, now,
                      now + queue_lease_seconds(g->conf->smtp_timeout), batch,
                      e);
    if (got <= 0)
        return got < 0 ? -1 : 0;
    memset(&q, 0, sizeof(q));
    q.id = id;
    q.owner = owner;
    buf_init(&q.msg, 1u << 30);
    if (qcopy_load(g, &q, owner, batch, e) != 0) {
        queue_release(g, id, owner);
        rc = -1;
    } else {
        rc = queue_copy_send(g, d, &q, now, r, e);
        *more = rc == 0 && q.n == batch;
    }
    qcopy_free(&q);
    return rc;
}

/* AUTH credentials: smtp_user and the first line of smtp_password_file. */
static int queue_auth(struct gateway *g, struct deliver *d, struct err *e)
{
    const struct conf *c = g->conf;
    struct buf pw;
    int rc;

    if (c->smtp_user[0] == '\0')
        return 0;
    if (c->smtp_password_file[0] == '\0')
        return err_set(e, ERR_CONFIG, "smtp_user needs smtp_password_file");
    buf_init(&pw, QUEUE_PASSWORD_MAX);
    if (file_read(c->smtp_password_file, QUEUE_PASSWORD_MAX, &pw) != 0) {
        buf_free(&pw);
        return err_set(e, ERR_CONFIG, "smtp_password_file %s: cannot read",
                       c->smtp_password_file);
    }
    if (pw.data)
        pw.data[strcspn(pw.data, "\r\n")] = '\0';
    rc = deliver_set_auth(d, c->smtp_user, pw.data ? pw.data : "", e);
    if (pw.data)
        explicit_bzero(pw.data, pw.len);
    buf_free(&pw);
    return rc;
}

static int queue_deliver(struct gateway *g, struct queue_report *r,
                         struct err *e)
{
    char owner[QUEUE_OWNER_MAX];
    struct deliver *d = NULL;
    long reaped;
    int64_t id = 0;
    int rc = 0, more = 0;

    enum deliver_tls tls;

    if (deliver_tls_parse(g->conf->smtp_tls, &tls) != 0)
        return err_set(e, ERR_CONFIG, "smtp_tls '%s': want off, may or "
                       "require", g->conf->smtp_tls);
    if (deliver_open(&d, g->conf->transport, e) != 0)
        return -1;
    deliver_set_timeout(d, (int)g->conf->smtp_timeout);
    deliver_set_tls(d, tls);
    if (deliver_set_pin(d, g->conf->smtp_tls_fingerprint, e) != 0 ||
        deliver_set_verify(d, g->conf->smtp_tls_verify,
                           g->conf->smtp_tls_ca_file, e) != 0 ||
        deliver_set_crl(d, g->conf->smtp_tls_crl_file, e) != 0 ||
        deliver_check(d, e) != 0 || queue_auth(g, d, e) != 0) {
        deliver_close(d);
        return -1;
    }
    queue_owner(owner, sizeof(owner));
    /* Rows of a worker of this host that died go in this pass. */
    if (queue_reap(g->store, owner, (int64_t)time(NULL), &reaped, e) != 0) {
        deliver_close(d);
        return -1;
    }
    for (;;) {
        /* The same copy again while its batches keep coming full; copies
         * whose due rows another worker holds are passed over. */
        if (!more)
            rc = outbox_next_due(g->store, (int64_t)time(NULL), id, &id, e);
        if (rc < 0 || id == 0)
            break;
        if ((rc = queue_copy(g, d, owner, id, r, &more, e)) != 0)
            break;
    }
    deliver_close(d);
    return rc < 0 ? -1 : 0;
}

int queue_run(struct gateway *g, struct queue_report *r, struct err *e)
{
    long processed = r->processed;

    memset(r, 0, sizeof(*r));
    r->processed = processed;
    if (queue_deliver(g, r, e) != 0 ||
        audit_seal(g->store, &r->sealed, e) != 0)
        return -1;
    return 0;
}

/* ---- operator commands ------------------------------------------------ */

static int queue_all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int queue_retry(struct gateway *g, const char *id, int all, long *n,
                struct err *e)
{
    int rc;

    if (all)
        rc = outbox_retry_all(g->store, e);
    else if (queue_all_digits(id))
        rc = outbox_retry_row(g->store, (int64_t)strtoll(id, NULL, 10), e);
    else
        rc = outbox_retry_alert(g->store, id, e);
    if (rc < 0)
        return -1;
    *n = rc;
    if (rc == 0 && !all)
        return err_set(e, ERR_NOUSER, "nothing to retry for %s", id);
    return 0;
}

int queue_purge(struct gateway *g, int64_t older_than, long *n,
                struct err *e)
{
    int rc = outbox_purge(g->store, (int64_t)time(NULL) - older_than, e);

    if (rc < 0)
        return -1;
    *n = rc;
    return 0;
}
