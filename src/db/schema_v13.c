/* Schema version 13: an upload kept between its preview and its apply
 * (issue 18).
 *
 * The console's import runs a file as a dry run first and keeps its
 * bytes here, tied to the session that sent them (gone with it, ON
 * DELETE CASCADE; an upload older than WEB_UPLOAD_KEEP_S is removed at
 * the next one) and named by their SHA-256, which the preview shows and
 * the apply form repeats: what is applied is what was previewed, byte
 * for byte. At most one a session; at most WEB_UPLOAD_MAX bytes, the
 * upload's own limit. Owner: web/upload.c.
 *
 * queue_status again: a recipient due now has next_try 0, which the view
 * printed as due in minus the epoch (about -1.8e9 s); "due in" is never
 * below 0. */
#include "db/schema.h"

/* a recipient whose lease is held now (as schema_v8.c says it) */
#define SCHEMA_V13_LEASED "(o.state = 'pending' AND o.lease_owner <> '' AND" \
    " o.lease_until >= CAST(strftime('%s', 'now') AS INTEGER))"

const char schema_v13[] =
    "CREATE TABLE web_uploads(id INTEGER PRIMARY KEY,"
    " session TEXT NOT NULL UNIQUE"
    "  REFERENCES web_sessions(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " created INTEGER NOT NULL);"

    "DROP VIEW queue_status;"
    "CREATE VIEW queue_status AS SELECT 'all' AS copy, '' AS alert,"
    " '' AS list, coalesce(sum(o.state = 'pending'), 0) AS pending,"
    " coalesce(sum(" SCHEMA_V13_LEASED "), 0) AS leased,"
    " coalesce(sum(o.state = 'sent'), 0) AS sent,"
    " coalesce(sum(o.state = 'failed'), 0) AS failed,"
    " coalesce(strftime('%s', 'now') - min(CASE WHEN o.state = 'pending'"
    "  THEN c.created END), 0) AS oldest_pending_s,"
    " coalesce(max(0, min(CASE WHEN o.state = 'pending' THEN o.next_try END)"
    "  - strftime('%s', 'now')), 0) AS next_try_in_s,"
    " '' AS leased_by"
    " FROM outbox o JOIN copies c ON c.id = o.copy_id"
    " UNION ALL"
    " SELECT * FROM (SELECT c.id, a.alert_id, coalesce(l.name, c.kind),"
    "  sum(o.state = 'pending'), sum(" SCHEMA_V13_LEASED "),"
    "  sum(o.state = 'sent'), sum(o.state = 'failed'),"
    "  strftime('%s', 'now') - c.created,"
    "  max(0, min(CASE WHEN o.state = 'pending' THEN o.next_try END)"
    "   - strftime('%s', 'now')),"
    "  coalesce(group_concat(DISTINCT CASE WHEN " SCHEMA_V13_LEASED
    "   THEN o.lease_owner END), '')"
    "  FROM outbox o JOIN copies c ON c.id = o.copy_id"
    "  JOIN alerts a ON a.id = c.alert_row"
    "  LEFT JOIN lists l ON l.id = c.list_id"
    "  GROUP BY c.id HAVING sum(o.state = 'pending') > 0 ORDER BY c.id);";
