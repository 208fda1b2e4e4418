/* Schema version 7: processing attempts, replay keys, officer history,
 * outbox leases.
 *
 * alerts.attempts counts processing attempts started (committed before
 * each one); an alert started three times without an outcome is
 * quarantined instead of being retried forever. alerts.signed_key is
 * what a replay is recognised by: the SHA-256 of the signed entity's
 * canonical bytes with the signer's primary fingerprint and the
 * signature's creation time ('' until authenticated).
 * officers.added_at / added_by: when and by which command an officer was
 * authorised (0 / '' for officers of older versions).
 * outbox.lease_owner / lease_until: a worker's claim on a row for one
 * SMTP transaction, committed before the transaction starts; a second
 * worker skips leased rows, a crashed worker's lease expires.
 * alert_raw: the raw message moves out of alerts, so that the updates a
 * row gets while it is processed (attempts, replay key, state) rewrite a
 * few bytes instead of a message of up to max_size (SQLite rewrites the
 * whole record, overflow pages included, and reads through them to reach
 * a column stored after the blob). */
#include "db/schema.h"

const char schema_v7[] =
    "ALTER TABLE alerts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE alerts ADD COLUMN signed_key TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX alerts_signed_key ON alerts(signed_key)"
    " WHERE signed_key <> '';"
    "ALTER TABLE officers ADD COLUMN added_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE officers ADD COLUMN added_by TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE alert_raw(alert_row INTEGER PRIMARY KEY"
    "  REFERENCES alerts(id),"
    " raw BLOB NOT NULL);"
    "INSERT INTO alert_raw(alert_row, raw) SELECT id, raw FROM alerts;"
    "ALTER TABLE alerts DROP COLUMN raw;";
