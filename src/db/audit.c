#include "db/audit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Rows sealed per statement when an older schema left some unsealed. */
#define AUDIT_SEAL_BATCH 512

static void audit_text(struct sha256 *s, const char *t)
{
    char len[24];

    snprintf(len, sizeof(len), "%zu:", strlen(t));
    sha256_update(s, len, strlen(len));
    sha256_update(s, t, strlen(t));
    sha256_update(s, "\n", 1);
}

void audit_hash(const struct audit_row *r, const char *prev,
                char out[SHA256_HEX])
{
    struct sha256 s;
    char nums[96];

    sha256_init(&s);
    audit_text(&s, prev);
    snprintf(nums, sizeof(nums), "%lld %lld %lld %lld\n", (long long)r->id,
             (long long)r->at, (long long)r->alert_row, (long long)r->code);
    sha256_update(&s, nums, strlen(nums));
    audit_text(&s, r->event);
    audit_text(&s, r->detail);
    audit_text(&s, r->rcpt);
    audit_text(&s, r->copy_hash);
    sha256_hex(&s, out);
}

/* ---- the audit chain -------------------------------------------------- */

/* Columns every chain query selects, in this order. */
#define AUDIT_COLS "id, at, coalesce(alert_row, -1), event, detail, rcpt, " \
                   "copy_hash, code, prev, hash"

/* The row under st (AUDIT_COLS) hashed onto prev. */
static void audit_row_hash(struct store_stmt *st, const char *prev,
                           char out[SHA256_HEX])
{
    struct audit_row r = {
        store_col_int(st, 0), store_col_int(st, 1), store_col_int(st, 2),
        store_col_int(st, 7), store_col_text(st, 3), store_col_text(st, 4),
        store_col_text(st, 5), store_col_text(st, 6)};

    audit_hash(&r, prev, out);
}

static int audit_head(struct store *s, char head[SHA256_HEX],
                      struct err *e)
{
    struct store_stmt *st;
    int rc;

    head[0] = '\0';
    if (store_prepare(s, "SELECT hash FROM audit WHERE hash != '' ORDER BY "
                      "id DESC LIMIT 1", &st, e) != 0)
        return -1;
    if ((rc = store_step(st, e)) == 1)
        snprintf(head, SHA256_HEX, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

struct seal_row {
    int64_t id;
    char hash[SHA256_HEX];
};

/* Up to AUDIT_SEAL_BATCH unsealed rows after *last: hashes computed
 * (chained through prev), then written. *got: rows. */
static int audit_seal_batch(struct store *s, char prev[SHA256_HEX],
                            int64_t *last, long *got, struct err *e)
{
    struct seal_row rows[AUDIT_SEAL_BATCH];
    struct store_stmt *st;
    char before[SHA256_HEX];
    long n = 0, i;
    int rc;

    snprintf(before, sizeof(before), "%s", prev);
    if (store_prepare(s, "SELECT " AUDIT_COLS " FROM audit WHERE hash='' "
                      "AND id > ? ORDER BY id LIMIT ?", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, *last);
    store_bind_int(st, 2, AUDIT_SEAL_BATCH);
    while ((rc = store_step(st, e)) == 1) {
        rows[n].id = store_col_int(st, 0);
        audit_row_hash(st, prev, rows[n].hash);
        snprintf(prev, SHA256_HEX, "%s", rows[n].hash);
        n++;
    }
    store_finalize(st);
    for (i = 0; rc == 0 && i < n; i++) {
        if (store_run(s, e, "UPDATE audit SET prev=?, hash=? WHERE id=?",
                      "tti", i ? rows[i - 1].hash : before, rows[i].hash,
                      rows[i].id) < 0)
            rc = -1;
    }
    if (n > 0)
        *last = rows[n - 1].id;
    *got = n;
    return rc;
}

int audit_seal(struct store *s, long *n, struct err *e)
{
    char prev[SHA256_HEX];
    int64_t last = 0;
    long got = 0;

    *n = 0;
    if (store_begin(s, e) != 0)
        return -1;
    if (audit_head(s, prev, e) != 0)
        goto fail;
    do {
        if (audit_seal_batch(s, prev, &last, &got, e) != 0)
            goto fail;
        *n += got;
    } while (got == AUDIT_SEAL_BATCH);
    if (*n > 0 && store_setting_set(s, "audit_head", prev, e) != 0)
        goto fail;
    return store_commit(s, e);
fail:
    store_rollback(s);
    return -1;
}

static int audit_verify_row(struct store_stmt *st, char prev[SHA256_HEX],
                            struct audit_verify *v)
{
    char want[SHA256_HEX];

    if (store_col_text(st, 9)[0] == '\0') {
        v->unsealed++;
        return 0;
    }
    if (v->unsealed > 0) {
        snprintf(v->why, sizeof(v->why), "sealed row after unsealed ones");
        return 1;
    }
    if (strcmp(store_col_text(st, 8), prev) != 0) {
        snprintf(v->why, sizeof(v->why), "chain broken before this row (a "
                 "row removed or re-sealed)");
        return 1;
    }
    audit_row_hash(st, prev, want);
    if (strcmp(want, store_col_text(st, 9)) != 0) {
        snprintf(v->why, sizeof(v->why), "row edited (hash mismatch)");
        return 1;
    }
    snprintf(prev, SHA256_HEX, "%s", want);
    v->sealed++;
    return 0;
}

static int audit_verify_head(struct store *s, const char *prev,
                             struct audit_verify *v, struct err *e)
{
    char head[SHA256_HEX + 1];  /* a longer value must not match cut */
    int rc = store_setting_get(s, "audit_head", head, sizeof(head), e);

    if (rc == 1 && strcmp(head, prev) != 0) {
        snprintf(v->why, sizeof(v->why), "the last sealed row is not the "
                 "recorded head (rows removed at the end)");
        rc = 2;
    } else if (rc == 0 && prev[0] != '\0') {
        snprintf(v->why, sizeof(v->why), "no recorded head");
        rc = 2;
    }
    return rc < 0 ? -1 : rc == 2;
}

int audit_verify(struct store *s, struct audit_verify *v,
                       struct err *e)
{
    struct store_stmt *st;
    char prev[SHA256_HEX] = "";
    int rc, bad = 0;

    memset(v, 0, sizeof(*v));
    if (store_prepare(s, "SELECT " AUDIT_COLS " FROM audit ORDER BY id", &st,
                      e) != 0)
        return -1;
    while (!bad && (rc = store_step(st, e)) == 1)
        if ((bad = audit_verify_row(st, prev, v)) != 0)
            v->bad_row = store_col_int(st, 0);
    store_finalize(st);
    if (!bad && rc < 0)
        return -1;
    if (bad)
        return 1;
    return audit_verify_head(s, prev, v, e);
}

int audit_add(struct store *s, int64_t alert_row, const char *event,
              const char *detail, const char *rcpt, struct err *e)
{
    int rc = alert_row > 0
        ? store_run(s, e, "INSERT INTO audit(at, alert_row, event, detail, "
                    "rcpt) VALUES(?,?,?,?,?)", "iittt", (int64_t)time(NULL),
                    alert_row, event, detail, rcpt ? rcpt : "")
        : store_run(s, e, "INSERT INTO audit(at, event, detail, rcpt) "
                    "VALUES(?,?,?,?)", "ittt", (int64_t)time(NULL), event,
                    detail, rcpt ? rcpt : "");

    return rc < 0 ? -1 : 0;
}

int audit_add_copy(struct store *s, int64_t alert_row, const char *event,
                   int64_t copy, const char *text, const char *rcpt,
                   struct err *e)
{
    char detail[ERR_MSG_MAX + 64];

    snprintf(detail, sizeof(detail), "copy %lld: %s", (long long)copy, text);
    return audit_add(s, alert_row, event, detail, rcpt, e);
}

/* ---- several rows ----------------------------------------------------- */

int audit_batch_open(struct store *s, struct audit_batch *b, struct err *e)
{
    return store_prepare(s, "INSERT INTO audit(at, alert_row, event, "
                         "detail, rcpt, copy_hash, code) VALUES(?,?,?,?,?,?,"
                         "?)", &b->st, e);
}

int audit_batch_add(struct audit_batch *b, const struct audit_row *r,
                    struct err *e)
{
    store_reset(b->st);
    store_bind_int(b->st, 1, r->at);
    if (r->alert_row > 0)
        store_bind_int(b->st, 2, r->alert_row);
    else
        store_bind_null(b->st, 2);
    store_bind_text(b->st, 3, r->event);
    store_bind_text(b->st, 4, r->detail);
    store_bind_text(b->st, 5, r->rcpt);
    store_bind_text(b->st, 6, r->copy_hash);
    store_bind_int(b->st, 7, r->code);
    return store_step(b->st, e) < 0 ? -1 : 0;
}

void audit_batch_close(struct audit_batch *b)
{
    store_finalize(b->st);
    b->st = NULL;
}

int audit_each(struct store *s, int64_t alert_row, const char *event,
               audit_each_fn fn, void *arg, struct err *e)
{
    struct store_stmt *st;
    int rc, stop = 0;

    if (store_prepare(s, "SELECT detail, rcpt FROM audit WHERE alert_row=? "
                      "AND event=? ORDER BY id", &st, e) != 0)
        return -1;
    store_bind_int(st, 1, alert_row);
    store_bind_text(st, 2, event);
    while (!stop && (rc = store_step(st, e)) == 1)
        stop = fn(arg, store_col_text(st, 0), store_col_text(st, 1), e);
    store_finalize(st);
    if (stop)
        return stop;
    return rc < 0 ? -1 : 0;
}

/* The copy a detail of audit_add_copy names ("copy ID: ", "copy" in any
 * case, ID without leading zeros); 0 when it names none. */
static int64_t audit_copy_of(const char *detail)
{
    const char *p = detail + 5;
    int64_t id = 0;

    if (strncasecmp(detail, "copy ", 5) != 0 || *p < '1' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (id > (INT64_MAX - 9) / 10)
            return 0;
        id = id * 10 + (*p - '0');
    }
    return *p == ':' ? id : 0;
}

struct audit_copies {
    audit_copy_fn fn;
    void *arg;
};

static int audit_copy_row(void *arg, const char *detail, const char *rcpt,
                          struct err *e)
{
    const struct audit_copies *c = arg;
    int64_t copy = audit_copy_of(detail);

    return copy > 0 ? c->fn(c->arg, copy, rcpt, e) : 0;
}

int audit_copies_each(struct store *s, int64_t alert_row, const char *event,
                      audit_copy_fn fn, void *arg, struct err *e)
{
    struct audit_copies c = {fn, arg};

    return audit_each(s, alert_row, event, audit_copy_row, &c, e);
}

int audit_count_since(struct store *s, const char *event, const char *rcpt,
                      int64_t since, int64_t *n, struct err *e)
{
    int rc;

    if (rcpt)
        rc = store_get_int(s, e, n, "SELECT count(*) FROM audit WHERE "
                           "event = ? AND at >= ? AND rcpt = ? COLLATE "
                           "NOCASE", "tit", event, since, rcpt);
    else
        rc = store_get_int(s, e, n, "SELECT count(*) FROM audit WHERE "
                           "event = ? AND at >= ?", "ti", event, since);
    return rc < 0 ? -1 : 0;
}
