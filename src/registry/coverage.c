/* coverage - who an alert would miss: lists without a recipient, keys
 * missing or expiring, recipients unconfirmed or failing. */
#include "registry/registry_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ?1 the list name or NULL, ?2 the time before which is "too long ago". */
static const char *const registry_coverage_sql[] = {
    "INSERT INTO temp.coverage SELECT l.name, 'no-contact', o.name, "
    "'no active recipient for this ' || o.kind FROM lists l JOIN orgs o ON "
    "(instr(',' || l.audience_kinds || ',', ',' || o.kind || ',') > 0 OR "
    "EXISTS (SELECT 1 FROM member_rules mr WHERE mr.list_id = l.id AND "
    "mr.org_kind = o.kind)) WHERE (?1 IS NULL OR l.name = ?1) AND NOT "
    "EXISTS (SELECT 1 FROM list_recipients r JOIN contacts c ON c.id = "
    "r.contact_id WHERE r.list_id = l.id AND c.org_id = o.id)",
    "INSERT INTO temp.coverage SELECT l.name, 'no-key', r.address, "
    "'the list encrypts (' || l.encrypt || ') and no key is pinned' FROM "
    "lists l JOIN list_recipients r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND l.encrypt <> "
    "'never' AND c.fingerprint = ''",
    "INSERT INTO temp.coverage SELECT l.name, 'unconfirmed', r.address, "
    "CASE c.confirmed WHEN 0 THEN 'never confirmed' ELSE 'last confirmed ' "
    "|| strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END FROM "
    "lists l JOIN list_recipients r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND c.confirmed "
    "< ?2",
    "INSERT INTO temp.coverage SELECT l.name, 'failed', r.address, "
    "count(*) || ' delivery(ies) failed permanently, last: ' || "
    "max(o.reply) FROM lists l JOIN list_recipients r ON r.list_id = l.id "
    "JOIN outbox o ON o.rcpt = r.address COLLATE NOCASE AND o.state = "
    "'failed' AND o.updated >= ?2 WHERE (?1 IS NULL OR l.name = ?1) GROUP "
    "BY l.name, r.address",
};

static int registry_coverage_run(struct store *s, const char *sql,
                                 const char *list, int64_t since,
                                 struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    if (list)
        store_bind_text(st, 1, list);
    store_bind_int(st, 2, since);
    rc = store_step(st, e);
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

static int registry_coverage_add(struct store *s, const char *list,
                                 const char *problem, const char *subject,
                                 const char *detail, struct err *e)
{
    return store_run(s, e, "INSERT INTO temp.coverage VALUES(?,?,?,?)",
                     "tttt", list, problem, subject, detail) < 0 ? -1 : 0;
}

/* One pinned key: unknown or expired keys are unusable where the list
 * encrypts; any key expiring before horizon is reported. */
static int registry_coverage_key(struct store *s, struct store_stmt *st,
                                 time_t now, time_t horizon,
                                 registry_key_expiry_fn key_expiry, void *ctx,
                                 struct err *e)
{
    const char *list = store_col_text(st, 0), *addr = store_col_text(st, 2);
    int encrypts = strcmp(store_col_text(st, 1), "never") != 0;
    char when[32], detail[160];
    time_t exp = 0;
    int rc = key_expiry(ctx, store_col_text(st, 3), &exp, e);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return encrypts ? registry_coverage_add(s, list, "no-key", addr,
                                                "the pinned key is not in the"
                                                " gateway's keyring", e) : 0;
    if (exp == 0 || exp > horizon)
        return 0;
    registry_time_text((int64_t)exp, when);
    snprintf(detail, sizeof(detail), "key %s %s", exp <= now ? "expired"
             : "expires", when);
    if (registry_coverage_add(s, list, "key-expiring", addr, detail, e) != 0)
        return -1;
    return encrypts && exp <= now ?
        registry_coverage_add(s, list, "no-key", addr, detail, e) : 0;
}

static int registry_coverage_keys(struct store *s, const char *list,
                                  time_t now, long days,
                                  registry_key_expiry_fn key_expiry,
                                  void *ctx, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT l.name, l.encrypt, r.address, "
                      "c.fingerprint FROM lists l JOIN list_recipients r ON "
                      "r.list_id = l.id JOIN contacts c ON c.id = "
                      "r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND "
                      "c.fingerprint <> '' ORDER BY 1, 3", &st, e) != 0)
        return -1;
    if (list)
        store_bind_text(st, 1, list);
    while ((rc = store_step(st, e)) == 1)
        if (registry_coverage_key(s, st, now, now + (time_t)days * 86400,
                                  key_expiry, ctx, e) != 0) {
            rc = -1;
            break;
        }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

long registry_coverage(struct store *s, const char *list, long days,
                       time_t now, registry_key_expiry_fn key_expiry,
                       void *ctx, struct err *e)
{
    int64_t id, n;
    size_t i;

    if (days < 0 || days > 36500)
        return err_set(e, ERR_DATA, "days must be 0 to 36500");
    if (list && registry_list_id(s, list, &id, e) != 0)
        return -1;
    if (store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS coverage(list TEXT,"
                  " problem TEXT, subject TEXT, detail TEXT)", "") < 0 ||
        store_run(s, e, "DELETE FROM temp.coverage", "") < 0)
        return -1;
    for (i = 0; i < sizeof(registry_coverage_sql) /
                    sizeof(registry_coverage_sql[0]); i++)
        if (registry_coverage_run(s, registry_coverage_sql[i], list,
                                  (int64_t)now - (int64_t)days * 86400,
                                  e) != 0)
            return -1;
    if (key_expiry &&
        registry_coverage_keys(s, list, now, days, key_expiry, ctx, e) != 0)
        return -1;
    if (store_get_int(s, e, &n, "SELECT count(*) FROM temp.coverage", "") < 0)
        return -1;
    return (long)n;
}
