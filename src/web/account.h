/*
 * account - the console's accounts, sessions and login throttle: the
 * SQL of web_users, web_sessions and web_logins (schema v12) is here
 * only.
 *
 * Passwords are hashed with Argon2id (libargon2, WEB_ARGON2_* in
 * util/limits.h) and never stored or logged. A session is a random id
 * (getrandom, WEB_TOKEN_BYTES) that only the browser's cookie holds; the
 * table keeps its SHA-256, the user, a CSRF token of its own, and when
 * it was last used: a session idle longer than the configured
 * idle_timeout, or older than WEB_SESSION_MAX_S, is over and removed.
 *
 * The throttle counts failed logins of the last WEB_THROTTLE_WINDOW_S,
 * per account name (WEB_THROTTLE_USER) and per client address
 * (WEB_THROTTLE_ADDRESS); over either, a login is refused before the
 * password is looked at, so guessing costs the attacker time, not the
 * server Argon2 work.
 *
 * Errors: ERR_DATA bad name, role or password (one line), ERR_DUP the
 * account exists; the store's otherwise. Strings are borrowed.
 */
#ifndef AGW_ACCOUNT_H
#define AGW_ACCOUNT_H

#include <stdint.h>
#include <time.h>

#include "db/store.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/sha256.h"

enum account_role { ACCOUNT_VIEWER = 1, ACCOUNT_KEEPER, ACCOUNT_OFFICER };

#define ACCOUNT_TOKEN_HEX (2 * WEB_TOKEN_BYTES + 1)

struct account_session {
    char user[WEB_NAME_MAX + 1];
    enum account_role role;
    char csrf[ACCOUNT_TOKEN_HEX];
    char key[SHA256_HEX];       /* its row: what other tables tie to it */
};

/* "viewer" ... to the role, 0 when none. */
enum account_role account_role(const char *name);
const char *account_role_name(enum account_role r);

/* Add an account (its own transaction, audited "web-user-added"). */
int account_add(struct store *s, const char *name, const char *role,
                const char *password, struct err *e);
/* Remove it and its sessions (audited "web-user-removed"); ERR_DATA when
 * there is none. */
int account_remove(struct store *s, const char *name, struct err *e);

/* Random bytes as hex into out (ACCOUNT_TOKEN_HEX). */
int account_token(char out[ACCOUNT_TOKEN_HEX], struct err *e);

/* A login: 1 and a new session (its id into sid, for the cookie) when
 * the password is right; 0 refused (wrong name or password), 2 refused
 * by the throttle; -1 on error. Every attempt is recorded. */
int account_login(struct store *s, const char *name, const char *password,
                  const char *address, time_t now,
                  char sid[ACCOUNT_TOKEN_HEX], struct err *e);
/* The session of cookie value sid: 1 and *out when it is live (its
 * last use brought up to now), 0 when there is none or it is over. */
int account_session(struct store *s, const char *sid, time_t now,
                    long idle, struct account_session *out, struct err *e);
int account_logout(struct store *s, const char *sid, struct err *e);

#endif
