/* upload - an import's file kept from its preview to its apply
 * (upload.h); the SQL of web_uploads. */
#include "web/upload.h"

#include <stdio.h>

#include "util/limits.h"

int upload_keep(struct store *s, const char *session, const char *kind,
                const char *name, const void *data, size_t len, time_t now,
                char sha[SHA256_HEX], struct err *e)
{
    struct store_stmt *st;
    int rc;

    sha256_hex_of(data, len, sha);
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM web_uploads WHERE session = ? OR "
                   "created < ?", "ti", session,
                   (int64_t)now - WEB_UPLOAD_KEEP_S) < 0 ? -1 : 0;
    if (rc == 0)
        rc = store_prepare(s, "INSERT INTO web_uploads(session, kind, name, "
                           "sha256, data, created) VALUES(?,?,?,?,?,?)", &st,
                           e);
    if (rc == 0) {
        store_bind_text(st, 1, session);
        store_bind_text(st, 2, kind);
        store_bind_text(st, 3, name);
        store_bind_text(st, 4, sha);
        /* an empty blob binds as NULL, which the column refuses */
        store_bind_blob(st, 5, len ? data : "", len);
        store_bind_int(st, 6, (int64_t)now);
        rc = store_step(st, e) < 0 ? -1 : 0;
        store_finalize(st);
    }
    if (rc != 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, e);
}

int upload_take(struct store *s, const char *session, const char *sha,
                time_t now, struct buf *out, char *kind, size_t kn,
                char *name, size_t nn, struct err *e)
{
    struct store_stmt *st;
    const void *p;
    size_t n = 0;
    int rc;

    if (store_prepare(s, "SELECT kind, name, data FROM web_uploads WHERE "
                      "session = ? AND sha256 = ? AND created >= ?", &st,
                      e) != 0)
        return -1;
    store_bind_text(st, 1, session);
    store_bind_text(st, 2, sha);
    store_bind_int(st, 3, (int64_t)now - WEB_UPLOAD_KEEP_S);
    rc = store_step(st, e);
    if (rc == 1) {
        snprintf(kind, kn, "%s", store_col_text(st, 0));
        snprintf(name, nn, "%s", store_col_text(st, 1));
        p = store_col_blob(st, 2, &n);
        if (n && buf_append(out, p, n) != 0)
            rc = err_set(e, ERR_TOOBIG, "the kept upload is over %zu bytes",
                         out->max);
    }
    store_finalize(st);
    return rc;
}

int upload_drop(struct store *s, const char *session, struct err *e)
{
    return store_run(s, e, "DELETE FROM web_uploads WHERE session = ?", "t",
                     session) < 0 ? -1 : 0;
}
