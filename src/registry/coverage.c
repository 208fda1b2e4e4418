/* coverage - who an alert would miss: lists without a recipient, keys
 * missing or expiring, recipients unconfirmed or failing. The report of
 * the lists: the questions are lists.c's (registry_list_gaps and
 * registry_list_keys), the temporary table and the keys' expiry here. */
#include "registry/registry_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/outbox.h"

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

    if (registry_list_keys(s, list, &st, e) != 0)
        return -1;
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

    if (days < 0 || days > 36500)
        return err_set(e, ERR_DATA, "days must be 0 to 36500");
    if (list && registry_list_id(s, list, &id, e) != 0)
        return -1;
    if (outbox_failures_view(s, e) != 0 ||
        store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS coverage(list TEXT,"
                  " problem TEXT, subject TEXT, detail TEXT)", "") < 0 ||
        store_run(s, e, "DELETE FROM temp.coverage", "") < 0)
        return -1;
    if (registry_list_gaps(s, list, (int64_t)now - (int64_t)days * 86400,
                           e) != 0)
        return -1;
    if (key_expiry &&
        registry_coverage_keys(s, list, now, days, key_expiry, ctx, e) != 0)
        return -1;
    if (store_get_int(s, e, &n, "SELECT count(*) FROM temp.coverage", "") < 0)
        return -1;
    return (long)n;
}
