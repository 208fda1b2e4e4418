/* account - the console's accounts, sessions and throttle (account.h). */
#include "web/account.h"

#include <argon2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "db/audit.h"
#include "util/sha256.h"

static const char *const account_roles[] = {NULL, "viewer", "keeper",
                                            "officer"};

enum account_role account_role(const char *name)
{
    int i;

    for (i = ACCOUNT_VIEWER; i <= ACCOUNT_OFFICER; i++)
        if (name && strcmp(name, account_roles[i]) == 0)
            return (enum account_role)i;
    return 0;
}

const char *account_role_name(enum account_role r)
{
    return r >= ACCOUNT_VIEWER && r <= ACCOUNT_OFFICER ? account_roles[r]
                                                        : "none";
}

/* Names appear in the audit chain and on pages: letters, digits and
 * ._@- only, so no name can pass for another or carry markup. */
static int account_name_ok(const char *name, struct err *e)
{
    size_t n = strlen(name);

    if (n == 0 || n > WEB_NAME_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789._@-") != n)
        return err_set(e, ERR_DATA, "account name '%.64s': 1 to %d letters,"
                       " digits or . _ @ -", name, WEB_NAME_MAX);
    return 0;
}

static int account_hash(const char *password, char out[WEB_HASH_MAX],
                        struct err *e)
{
    unsigned char salt[16];
    int rc;

    if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
        return err_set(e, ERR_TEMP, "getrandom: no randomness");
    rc = argon2id_hash_encoded(WEB_ARGON2_T, WEB_ARGON2_M_KIB, WEB_ARGON2_P,
                               password, strlen(password), salt,
                               sizeof(salt), 32, out, WEB_HASH_MAX);
    if (rc != ARGON2_OK)
        return err_set(e, ERR_SOFTWARE, "argon2id: %s",
                       argon2_error_message(rc));
    return 0;
}

int account_add(struct store *s, const char *name, const char *role,
                const char *password, struct err *e)
{
    char hash[WEB_HASH_MAX], detail[128];
    size_t n = strlen(password);
    int rc;

    if (account_name_ok(name, e) != 0)
        return -1;
    if (account_role(role) == 0)
        return err_set(e, ERR_DATA, "role '%.40s': viewer, keeper or "
                       "officer", role ? role : "");
    if (n < WEB_PASSWORD_MIN || n > WEB_PASSWORD_MAX)
        return err_set(e, ERR_DATA, "a password has %d to %d bytes",
                       WEB_PASSWORD_MIN, WEB_PASSWORD_MAX);
    if (account_hash(password, hash, e) != 0 || store_begin(s, e) != 0)
        return -1;
    snprintf(detail, sizeof(detail), "%s: %s", name, role);
    rc = store_run(s, e, "INSERT INTO web_users(name, role, hash, created) "
                   "VALUES (?, ?, ?, strftime('%s', 'now'))", "ttt", name,
                   role, hash) < 0 ||
         audit_add(s, 0, "web-user-added", detail, NULL, e) != 0;
    explicit_bzero(hash, sizeof(hash));
    if (rc) {
        store_rollback(s);
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "account %.64s exists already", name);
        return -1;
    }
    return store_commit(s, e);
}

int account_remove(struct store *s, const char *name, struct err *e)
{
    int n;

    if (store_begin(s, e) != 0)
        return -1;
    n = store_run(s, e, "DELETE FROM web_users WHERE name = ?", "t", name);
    if (n == 0)
        err_set(e, ERR_DATA, "no account '%.64s'", name);
    if (n <= 0 || audit_add(s, 0, "web-user-removed", name, NULL, e) != 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
}

int account_token(char out[ACCOUNT_TOKEN_HEX], struct err *e)
{
    unsigned char r[WEB_TOKEN_BYTES];
    size_t i;

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return err_set(e, ERR_TEMP, "getrandom: no randomness");
    for (i = 0; i < sizeof(r); i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    explicit_bzero(r, sizeof(r));
    return 0;
}

/* 1 when name or address failed too often in the window. */
static int account_throttled(struct store *s, const char *name,
                             const char *address, time_t now, struct err *e)
{
    int64_t byuser = 0, byaddr = 0;
    int64_t since = (int64_t)now - WEB_THROTTLE_WINDOW_S;

    if (store_get_int(s, e, &byuser, "SELECT count(*) FROM web_logins "
                      "WHERE user = ? AND at >= ? AND ok = 0", "ti", name,
                      since) < 0 ||
        store_get_int(s, e, &byaddr, "SELECT count(*) FROM web_logins "
                      "WHERE address = ? AND at >= ? AND ok = 0", "ti",
                      address, since) < 0)
        return -1;
    return byuser >= WEB_THROTTLE_USER || byaddr >= WEB_THROTTLE_ADDRESS;
}

static int account_record(struct store *s, const char *name,
                          const char *address, time_t now, int ok,
                          struct err *e)
{
    return store_run(s, e, "INSERT INTO web_logins(at, user, address, ok) "
                     "VALUES (?, ?, ?, ?)", "itti", (int64_t)now, name,
                     address, (int64_t)ok) < 0 ? -1 : 0;
}

/* 1 when name's password is password, 0 when not (or no such name). A
 * missing account still costs one Argon2 run, so timing tells no names. */
static int account_check(struct store *s, const char *name,
                         const char *password, int64_t *uid, struct err *e)
{
    char hash[WEB_HASH_MAX] = "";
    struct store_stmt *st;
    int rc;

    *uid = 0;
    if (store_prepare(s, "SELECT id, hash FROM web_users WHERE name = ?",
                      &st, e) != 0)
        return -1;
    store_bind_text(st, 1, name);
    rc = store_step(st, e);
    if (rc == 1) {
        *uid = store_col_int(st, 0);
        snprintf(hash, sizeof(hash), "%s", store_col_text(st, 1));
    }
    store_finalize(st);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        static const unsigned char salt[16];
        unsigned char out[32];

        argon2id_hash_raw(WEB_ARGON2_T, WEB_ARGON2_M_KIB, WEB_ARGON2_P,
                          password, strlen(password), salt, sizeof(salt),
                          out, sizeof(out));
        return 0;
    }
    rc = argon2id_verify(hash, password, strlen(password));
    explicit_bzero(hash, sizeof(hash));
    return rc == ARGON2_OK;
}

static int account_open_session(struct store *s, int64_t uid, time_t now,
                                char sid[ACCOUNT_TOKEN_HEX], struct err *e)
{
    char csrf[ACCOUNT_TOKEN_HEX], key[SHA256_HEX];

    if (account_token(sid, e) != 0 || account_token(csrf, e) != 0)
        return -1;
    sha256_hex_of(sid, strlen(sid), key);
    return store_run(s, e, "INSERT INTO web_sessions(id, user_id, csrf, "
                     "created, last_seen) VALUES (?, ?, ?, ?, ?)", "titii",
                     key, uid, csrf, (int64_t)now, (int64_t)now) < 0 ? -1 : 0;
}

int account_login(struct store *s, const char *name, const char *password,
                  const char *address, time_t now,
                  char sid[ACCOUNT_TOKEN_HEX], struct err *e)
{
    int64_t uid;
    int ok, rc;

    if (strlen(name) > WEB_NAME_MAX || strlen(password) > WEB_PASSWORD_MAX)
        return 0;
    rc = account_throttled(s, name, address, now, e);
    if (rc != 0)
        return rc < 0 ? -1 : 2;
    ok = account_check(s, name, password, &uid, e);
    if (ok < 0 || store_begin(s, e) != 0)
        return -1;
    rc = account_record(s, name, address, now, ok, e);
    if (rc == 0 && ok)
        rc = account_open_session(s, uid, now, sid, e);
    if (rc == 0)
        rc = store_run(s, e, "DELETE FROM web_sessions WHERE last_seen < ?",
                       "i", (int64_t)now - WEB_SESSION_MAX_S) < 0;
    if (rc != 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e) != 0 ? -1 : ok;
}

/* Over: idle too long, or alive too long. Removed, so the id is dead for
 * good even if the clock goes back. */
static int account_expire(struct store *s, const char *key, struct err *e)
{
    return store_run(s, e, "DELETE FROM web_sessions WHERE id = ?", "t",
                     key) < 0 ? -1 : 0;
}

int account_session(struct store *s, const char *sid, time_t now,
                    long idle, struct account_session *out, struct err *e)
{
    char key[SHA256_HEX];
    struct store_stmt *st;
    int64_t seen = 0, made = 0;
    int rc;

    if (strlen(sid) != ACCOUNT_TOKEN_HEX - 1)
        return 0;
    sha256_hex_of(sid, strlen(sid), key);
    if (store_prepare(s, "SELECT u.name, u.role, s.csrf, s.last_seen, "
                      "s.created FROM web_sessions s JOIN web_users u ON "
                      "u.id = s.user_id WHERE s.id = ?", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, key);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(out->user, sizeof(out->user), "%s", store_col_text(st, 0));
        out->role = account_role(store_col_text(st, 1));
        snprintf(out->csrf, sizeof(out->csrf), "%s", store_col_text(st, 2));
        seen = store_col_int(st, 3);
        made = store_col_int(st, 4);
        memcpy(out->key, key, sizeof(out->key));
    }
    store_finalize(st);
    if (rc != 1)
        return rc;
    if ((int64_t)now - seen > idle || (int64_t)now - made > WEB_SESSION_MAX_S)
        return account_expire(s, key, e) != 0 ? -1 : 0;
    /* One write a minute at most: a page is a read. */
    if ((int64_t)now - seen >= 60 &&
        store_run(s, e, "UPDATE web_sessions SET last_seen = ? WHERE id = ?",
                  "it", (int64_t)now, key) < 0)
        return -1;
    return 1;
}

int account_logout(struct store *s, const char *sid, struct err *e)
{
    char key[SHA256_HEX];

    sha256_hex_of(sid, strlen(sid), key);
    return account_expire(s, key, e);
}
