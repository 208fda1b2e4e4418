/* Schema version 13: an upload kept between its preview and its apply
 * (issue 18).
 *
 * The console's import runs a file as a dry run first and keeps its
 * bytes here, tied to the session that sent them (gone with it, ON
 * DELETE CASCADE; an upload older than WEB_UPLOAD_KEEP_S is removed at
 * the next one) and named by their SHA-256, which the preview shows and
 * the apply form repeats: what is applied is what was previewed, byte
 * for byte. At most one a session; at most WEB_UPLOAD_MAX bytes, the
 * upload's own limit. Owner: web/upload.c. */
#include "db/schema.h"

const char schema_v13[] =
    "CREATE TABLE web_uploads(id INTEGER PRIMARY KEY,"
    " session TEXT NOT NULL UNIQUE"
    "  REFERENCES web_sessions(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " created INTEGER NOT NULL);";
