/* keys - what GnuPG says of the keys the gateway relies on, for `keys
 * list`, `keys check`, `check` and the console's dashboard: a temporary
 * table of the connection, and TEMP views over it (a view of the
 * database file cannot read a connection's temporary table), so that
 * the listings are printed by the same code as every other one. */
#include "registry/registry_int.h"

#include <stdio.h>
#include <time.h>

static int registry_keys_table(struct store *s, struct err *e)
{
    if (store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS keyring("
                  "fingerprint TEXT PRIMARY KEY COLLATE NOCASE, uid TEXT, "
                  "state TEXT, expires TEXT, can_sign INTEGER, "
                  "can_encrypt INTEGER, exp_at INTEGER)", "") < 0 ||
        store_run(s, e, "DELETE FROM temp.keyring", "") < 0)
        return -1;
    return store_run(s, e, "CREATE TEMP VIEW IF NOT EXISTS "
                     "keys_list AS SELECT k.fingerprint, k.uid, k.state, "
                     "k.expires, k.can_sign, k.can_encrypt, trim("
                     "CASE WHEN k.fingerprint = (SELECT value FROM settings "
                     "WHERE key='signing_key') THEN 'gateway ' ELSE '' END ||"
                     "CASE WHEN o.active = 1 THEN 'officer ' ELSE '' END ||"
                     "coalesce((SELECT group_concat(address, ' ') FROM "
                     "contacts WHERE fingerprint = k.fingerprint "
                     "COLLATE NOCASE), '')) AS used_by "
                     "FROM keyring k LEFT JOIN officers o ON "
                     "o.fingerprint = k.fingerprint ORDER BY k.uid", "") < 0
           ? -1 : 0;
}

static const char *registry_key_state(const struct pgp_keyinfo *ki)
{
    if (ki->revoked)
        return "revoked";
    if (ki->expired)
        return "expired";
    if (ki->invalid)
        return "invalid";
    return "valid";
}

/* The earliest of the primary's and the usable subkeys' expiry: a key
 * whose signing or encryption subkey runs out is as good as expired for
 * that use. 0: never. */
static time_t registry_key_expiry(const struct pgp_keyinfo *ki)
{
    if (ki->expires == 0)
        return ki->use_expires;
    if (ki->use_expires == 0 || ki->expires < ki->use_expires)
        return ki->expires;
    return ki->use_expires;
}

struct registry_keys {
    struct store *s;
    struct err *e;
};

static int registry_key_row(void *arg, const struct pgp_keyinfo *ki)
{
    struct registry_keys *k = arg;
    time_t exp = registry_key_expiry(ki);
    char when[32] = "never";
    struct tm tm;

    if (exp != 0 && gmtime_r(&exp, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%d", &tm);
    return store_run(k->s, k->e, "INSERT OR REPLACE INTO temp.keyring "
                     "VALUES(?,?,?,?,?,?,?)", "ttttiii", ki->fpr, ki->uid,
                     registry_key_state(ki), when, (int64_t)ki->can_sign,
                     (int64_t)ki->can_encrypt, (int64_t)exp) < 0 ? -1 : 0;
}

/* The gateway's and the active officers' keys only, one look-up each: a
 * key the home does not hold is left out (keys_check: missing). */
static int registry_keys_signers(struct store *s, struct pgp *p,
                                 struct err *e)
{
    struct registry_keys k = {s, e};
    struct store_stmt *st;
    struct pgp_keyinfo ki;
    struct err mine;
    int rc;

    if (store_prepare(s, "SELECT value FROM settings WHERE key = "
                      "'signing_key' AND value <> '' UNION SELECT "
                      "fingerprint FROM officers WHERE active = 1", &st,
                      e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1) {
        err_init(&mine);
        if (pgp_key_info(p, store_col_text(st, 0), &ki, &mine) == 0)
            rc = registry_key_row(&k, &ki);
        else if (mine.code != ERR_NOUSER)
            rc = err_set(e, mine.code, "%s", mine.msg);
        if (rc < 0)
            break;
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int registry_keys_load(struct store *s, struct pgp *p, int signers_only,
                       struct err *e)
{
    struct registry_keys k = {s, e};

    if (registry_keys_table(s, e) != 0)
        return -1;
    if (signers_only)
        return registry_keys_signers(s, p, e);
    return pgp_key_each(p, registry_key_row, &k, e);
}

/* Every fingerprint the gateway relies on, with who relies on it; then
 * the ones that will not do: missing from the GnuPG home, revoked,
 * expired, expiring within the window, or unusable for their job. The
 * window's end is a number written between the two halves (a view takes
 * no parameters). */
static const char registry_keys_check_head[] =
    "CREATE TEMP VIEW keys_check AS "
    "WITH pins(fingerprint, used_by, need) AS ("
    " SELECT value, 'gateway', 'sign' FROM settings WHERE key='signing_key'"
    " UNION ALL SELECT fingerprint, 'officer ' || name, 'sign' FROM officers"
    "  WHERE active = 1"
    " UNION ALL SELECT fingerprint, 'contact ' || address, 'encrypt'"
    "  FROM contacts WHERE active = 1 AND fingerprint <> ''),"
    " judged AS (SELECT p.fingerprint, p.used_by, coalesce(k.uid, '') AS uid,"
    "  CASE WHEN k.fingerprint IS NULL THEN 'missing'"
    "   WHEN k.state <> 'valid' THEN k.state"
    "   WHEN p.need = 'sign' AND k.can_sign = 0 THEN 'cannot sign'"
    "   WHEN p.need = 'encrypt' AND k.can_encrypt = 0 THEN 'cannot encrypt'"
    "   WHEN k.exp_at <> 0 AND k.exp_at < ";
static const char registry_keys_check_tail[] =
    " THEN 'expiring'"
    "   ELSE 'ok' END AS problem, coalesce(k.expires, '') AS expires"
    "  FROM pins p LEFT JOIN keyring k ON k.fingerprint = p.fingerprint)"
    " SELECT fingerprint, problem, expires, used_by, uid FROM judged"
    " WHERE problem <> 'ok' ORDER BY problem, used_by";

int registry_keys_check_view(struct store *s, long days, time_t now,
                             struct err *e)
{
    char sql[sizeof(registry_keys_check_head) +
             sizeof(registry_keys_check_tail) + 24];

    snprintf(sql, sizeof(sql), "%s%lld%s", registry_keys_check_head,
             (long long)now + (long long)days * 86400,
             registry_keys_check_tail);
    if (store_run(s, e, "DROP VIEW IF EXISTS temp.keys_check", "") < 0)
        return -1;
    return store_run(s, e, sql, "") < 0 ? -1 : 0;
}
