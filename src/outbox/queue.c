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
#include "db/envid.h"
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

/* The next at most batch recipients this worker holds of copy q->id
 * after row after; q->n 0 when none is left. */
static int qcopy_rcpts(struct gateway *g, struct qcopy *q, const char *owner,
                       int64_t after, size_t batch, struct err *e)
{
    struct qcopy_claimed c = {q, batch};
    struct deliver_rcpt *fit;

    if (qcopy_alloc(q, batch, e) != 0 ||
        outbox_claimed_each(g->store, q->id, owner, (int64_t)time(NULL),
                            after, batch, qcopy_add, &c, e) != 0)
        return -1;
    /* held until the outcomes' commit: only as large as it is */
    fit = realloc(q->rcpts, (q->n + 1) * sizeof(*q->rcpts));
    if (fit != NULL)
        q->rcpts = fit;
    return 0;
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

/* ---- one pass ---------------------------------------------------------- */

/* A pass: the relay's handle, this worker's name and lease, and the
 * messages handed over whose outcomes wait for their commit (at most
 * record_batch of them, QUEUE_RECORD_RCPTS recipients, QUEUE_RECORD_MS). */
struct qpass {
    struct gateway *g;
    struct deliver *d;
    const char *owner;
    struct queue_report *r;
    int64_t leased;             /* the lease's start: its claim or renewal */
    struct qcopy *sent;         /* handed over, outcomes not committed */
    size_t nsent, sent_rcpts, cap;
    struct timespec first;      /* when sent[0] was handed over */
    long messages, commits;
};

struct qrec {
    struct outbox_record upd;
    struct audit_batch aud;
};

static int queue_record_one(struct qpass *p, const struct qcopy *q,
                            struct qrec *s, size_t i, int64_t now,
                            struct err *e)
{
    const struct deliver_rcpt *rc = &q->rcpts[i];
    const char *event, *state = queue_state(p->g, q, i, now, p->r, &event);
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

static void queue_sent_free(struct qpass *p)
{
    size_t i;

    for (i = 0; i < p->nsent; i++)
        qcopy_free(&p->sent[i]);
    p->nsent = 0;
    p->sent_rcpts = 0;
}

/* ALERTGW_CRASH=queue-committed-N: killed once the N-th commit of
 * outcomes of this pass is done, in the middle of a fan-out;
 * queue-sent-N: once the relay has answered the N-th message of the
 * pass, before its outcomes are committed. */
static void queue_crash_point(const char *what, long n)
{
    char point[40];

    snprintf(point, sizeof(point), "queue-%s-%ld", what, n);
    fault_crash(point);
}

/* Every outcome waiting in p, with its audit rows, in one transaction:
 * all or none. The outcome is recorded whoever holds the row now (it
 * happened); the lease is cleared only if it is still this worker's. */
static int queue_record(struct qpass *p, struct err *e)
{
    int64_t now = (int64_t)time(NULL);
    struct qrec s = {{NULL}, {NULL}};
    size_t i, k;
    int rc = -1;

    if (p->nsent == 0)
        return 0;
    if (store_begin(p->g->store, e) != 0) {
        queue_sent_free(p);
        return -1;
    }
    if (outbox_record_open(p->g->store, &s.upd, e) != 0 ||
        audit_batch_open(p->g->store, &s.aud, e) != 0)
        goto out;
    for (k = 0; k < p->nsent; k++)
        for (i = 0; i < p->sent[k].n; i++)
            if (queue_record_one(p, &p->sent[k], &s, i, now, e) != 0)
                goto out;
    rc = 0;
out:
    outbox_record_close(&s.upd);
    audit_batch_close(&s.aud);
    queue_sent_free(p);
    if (rc != 0) {
        store_rollback(p->g->store);
        return -1;
    }
    if (store_commit(p->g->store, e) != 0)
        return -1;
    queue_crash_point("committed", ++p->commits);
    return 0;
}

static long queue_ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 +
           (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Before the next hand-over: the outcomes waiting since QUEUE_RECORD_MS
 * are committed first, so that a slow relay holds none of them long. */
static int queue_record_due(struct qpass *p, struct err *e)
{
    if (p->nsent == 0 || queue_ms_since(&p->first) < QUEUE_RECORD_MS)
        return 0;
    return queue_record(p, e);
}

/* Once a step (smtp_timeout) of the lease is spent, the rows this worker
 * still holds get a whole lease again, so that every hand-over starts
 * with QUEUE_LEASE_SEND_STEPS - 1 steps or more ahead of it. */
static int queue_renew(struct qpass *p, struct err *e)
{
    int64_t now = (int64_t)time(NULL);
    long t = p->g->conf->smtp_timeout;

    if (now - p->leased < t)
        return 0;
    if (store_begin(p->g->store, e) != 0)
        return -1;
    if (outbox_lease_renew(p->g->store, p->owner, now,
                           now + queue_lease_seconds(t), e) != 0) {
        store_rollback(p->g->store);
        return -1;
    }
    p->leased = now;
    return store_commit(p->g->store, e);
}

static void queue_note_failure(struct qcopy *q, const struct err *de)
{
    size_t i;

    for (i = 0; i < q->n; i++)
        if (q->rcpts[i].reply[0] == '\0')
            snprintf(q->rcpts[i].reply, sizeof(q->rcpts[i].reply), "%.*s",
                     DELIVER_REPLY_MAX - 1, de->msg);
}

/* q (taken over, its message freed) joins the outcomes waiting; a full
 * batch is committed at once. */
static int queue_hold(struct qpass *p, struct qcopy *q, struct err *e)
{
    struct qcopy *n;

    buf_free(&q->msg);
    if (p->nsent == p->cap) {
        n = realloc(p->sent, (p->cap * 2 + 8) * sizeof(*n));
        if (n == NULL) {
            qcopy_free(q);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        p->sent = n;
        p->cap = p->cap * 2 + 8;
    }
    if (p->nsent == 0)
        clock_gettime(CLOCK_MONOTONIC, &p->first);
    p->sent[p->nsent++] = *q;
    p->sent_rcpts += q->n;
    if (p->nsent >= (size_t)p->g->conf->record_batch ||
        p->sent_rcpts >= QUEUE_RECORD_RCPTS)
        return queue_record(p, e);
    return 0;
}

/* Hand one message to the relay and hold its outcomes. The deadline
 * keeps the whole hand-over inside the lease (see queue.h). */
static int queue_send(struct qpass *p, struct qcopy *q, struct err *e)
{
    struct deliver_msg dm;
    char envid[ENVID_MAX];
    struct err de;

    dm.sender = p->g->conf->sender;
    dm.data = buf_cstr(&q->msg);
    dm.len = q->msg.len;
    dm.name = q->name;
    /* The copy's id and its MAC come back in a delivery status report's
     * Original-Envelope-Id (README "Bounces"); without the key, no DSN
     * is asked for rather than no copy sent. */
    err_init(&de);
    dm.envid = envid_make(p->g->store, q->id, envid, &de) == 0 ? envid
                                                               : NULL;
    err_init(&de);
    deliver_set_deadline(p->d, p->leased + (int64_t)p->g->conf->smtp_timeout *
                                           QUEUE_LEASE_SEND_STEPS);
    fault_crash("queue-before-send");
    /* A failed attempt as a whole still has per-recipient states to
     * record (all temporary), so it is not an error of the pass. */
    if (deliver_send(p->d, &dm, q->rcpts, q->n, &de) != 0)
        queue_note_failure(q, &de);
    fault_crash("queue-after-send");
    p->r->copies++;
    queue_crash_point("sent", ++p->messages);
    return queue_hold(p, q, e);
}

/* Every recipient this worker holds of copy id, smtp_batch to a
 * message. */
static int queue_copy(struct qpass *p, int64_t id, struct err *e)
{
    size_t batch = (size_t)p->g->conf->smtp_batch;
    int64_t after = 0;
    struct qcopy q;
    int full;

    do {
        if (queue_renew(p, e) != 0 || queue_record_due(p, e) != 0)
            return -1;
        memset(&q, 0, sizeof(q));
        q.id = id;
        q.owner = p->owner;
        buf_init(&q.msg, 1u << 30);
        if (qcopy_rcpts(p->g, &q, p->owner, after, batch, e) != 0 ||
            (q.n > 0 && qcopy_load_msg(p->g, &q, e) != 0)) {
            qcopy_free(&q);
            return -1;
        }
        if (q.n == 0) {
            qcopy_free(&q);
            return 0;
        }
        after = q.rows[q.n - 1];
        full = q.n == batch;
        if (queue_send(p, &q, e) != 0)
            return -1;
    } while (full);
    return 0;
}

/* One round: lease every due row no live lease holds (QUEUE_RCPTS_MAX at
 * most) in one transaction, then send them copy by copy. *got: rows
 * leased. */
static int queue_round(struct qpass *p, long *got, struct err *e)
{
    int64_t now = (int64_t)time(NULL), id = 0;

    *got = queue_claim(p->g->store, 0, p->owner, now,
                       now + queue_lease_seconds(p->g->conf->smtp_timeout),
                       QUEUE_RCPTS_MAX, e);
    if (*got <= 0)
        return *got < 0 ? -1 : 0;
    p->leased = now;
    for (;;) {
        if (outbox_claimed_next(p->g->store, p->owner, (int64_t)time(NULL),
                                id, &id, e) != 0)
            return -1;
        if (id == 0)
            return queue_record(p, e);
        if (queue_copy(p, id, e) != 0)
            return -1;
    }
}

/* A pass that stops on an error still commits what the relay answered,
 * and gives back what it holds and will not send. Best effort: what
 * fails here waits for the lease to run out. */
static void queue_abandon(struct qpass *p)
{
    struct err ig;

    err_init(&ig);
    queue_record(p, &ig);
    err_init(&ig);
    if (store_begin(p->g->store, &ig) != 0)
        return;
    if (outbox_lease_void(p->g->store, p->owner, &ig) != 0)
        store_rollback(p->g->store);
    else
        store_commit(p->g->store, &ig);
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

int queue_relay_open(struct gateway *g, struct deliver **d, struct err *e)
{
    enum deliver_tls tls;

    if (deliver_tls_parse(g->conf->smtp_tls, &tls) != 0)
        return err_set(e, ERR_CONFIG, "smtp_tls '%s': want off, may or "
                       "require", g->conf->smtp_tls);
    if (deliver_open(d, g->conf->transport, e) != 0)
        return -1;
    deliver_set_timeout(*d, (int)g->conf->smtp_timeout);
    deliver_set_tls(*d, tls);
    if (deliver_set_pin(*d, g->conf->smtp_tls_fingerprint, e) != 0 ||
        deliver_set_verify(*d, g->conf->smtp_tls_verify,
                           g->conf->smtp_tls_ca_file, e) != 0 ||
        deliver_set_crl(*d, g->conf->smtp_tls_crl_file, e) != 0 ||
        deliver_check(*d, e) != 0 || queue_auth(g, *d, e) != 0) {
        deliver_close(*d);
        return -1;
    }
    return 0;
}

static int queue_deliver(struct gateway *g, struct queue_report *r,
                         struct err *e)
{
    char owner[QUEUE_OWNER_MAX];
    struct qpass p;
    long reaped, got = 0;
    int rc;

    memset(&p, 0, sizeof(p));
    if (queue_relay_open(g, &p.d, e) != 0)
        return -1;
    queue_owner(owner, sizeof(owner));
    p.g = g;
    p.owner = owner;
    p.r = r;
    /* Rows of a worker of this host that died go in this pass. */
    rc = queue_reap(g->store, owner, (int64_t)time(NULL), &reaped, e);
    /* Rounds while one leased anything: the rows deferred in a round are
     * not due again before the next pass. */
    while (rc == 0 && (rc = queue_round(&p, &got, e)) == 0 && got > 0)
        ;
    if (rc != 0)
        queue_abandon(&p);
    free(p.sent);
    deliver_close(p.d);
    return rc;
}

int queue_run(struct gateway *g, struct queue_report *r, struct err *e)
{
    long processed = r->processed, reports = r->reports;
    long reminders = r->reminders;

    memset(r, 0, sizeof(*r));
    r->processed = processed;
    r->reports = reports;
    r->reminders = reminders;
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
