/*
 * upload - a file uploaded for import, kept between its preview (a dry
 * run) and its apply, so that the apply runs exactly the bytes that were
 * previewed: the SQL of web_uploads (schema v13) is here only.
 *
 * An upload belongs to one session (its row key, account_session's
 * key) and goes with it; a session keeps one, the last previewed; one
 * older than WEB_UPLOAD_KEEP_S is not taken and is removed by the next
 * upload_keep. It is named by the SHA-256 of its bytes (hex), which the
 * preview shows and the apply must repeat.
 *
 * Errors: the store's; strings are borrowed for the call.
 */
#ifndef AGW_UPLOAD_H
#define AGW_UPLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"

/* Keep data (len bytes) of kind under name for session, replacing what
 * the session kept before; its SHA-256 into sha. One transaction. */
int upload_keep(struct store *s, const char *session, const char *kind,
                const char *name, const void *data, size_t len, time_t now,
                char sha[SHA256_HEX], struct err *e);
/* The session's upload named sha, younger than WEB_UPLOAD_KEEP_S: 1,
 * its bytes appended to out (a buffer of the caller's, capped by it),
 * its kind (kn bytes) and name (nn bytes, cut); 0 when there is none
 * such (gone with an older session, replaced by a later preview,
 * expired, or another file). */
int upload_take(struct store *s, const char *session, const char *sha,
                time_t now, struct buf *out, char *kind, size_t kn,
                char *name, size_t nn, struct err *e);
/* Forget the session's upload (after it was applied). */
int upload_drop(struct store *s, const char *session, struct err *e);

#endif
