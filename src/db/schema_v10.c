/* Schema version 10: bounces, acknowledgements, reminders (issue 17).
 *
 * reports: every message that reached the bounce or the ack address,
 * kept whole whatever it turns out to be (a delivery status report, a
 * reply, garbage), with what became of it. dsn_results: each recipient
 * of a report matched to a copy and outbox row the gateway sent. acks:
 * each reply counted as an organisation's acknowledgement of an alert.
 * reminders: one per alert, list and organisation, at most.
 * contact_health: what the bounces say of an address; a contact is
 * bouncing while bouncing_since is later than its last confirmation, so
 * `contacts confirm` clears the mark without this table being touched.
 * dists.remind_after: seconds after which the organisations that did not
 * acknowledge are reminded (0: never). */
#include "db/schema.h"

const char schema_v10[] =
    /* copies: a forwarded reply may answer no alert (alert_row NULL), and
     * two kinds more. SQLite changes neither a NOT NULL nor a CHECK in
     * place; copies and outbox (its only child) are rebuilt, through
     * tables without constraints, inside the migration's transaction
     * (foreign keys stay on: outbox goes first, so dropping copies
     * orphans nothing). */
    "CREATE TABLE copies_v10_hold AS SELECT id, alert_row, list_id, kind,"
    " message_id, message, created FROM copies;"
    "CREATE TABLE outbox_v10_hold AS SELECT id, copy_id, rcpt, state,"
    " attempts, next_try, code, reply, updated, lease_owner, lease_until"
    " FROM outbox;"
    "DROP TABLE outbox;"
    "DROP TABLE copies;"
    "CREATE TABLE copies(id INTEGER PRIMARY KEY,"
    " alert_row INTEGER REFERENCES alerts(id),"
    " list_id INTEGER REFERENCES lists(id),"
    " kind TEXT NOT NULL DEFAULT 'copy' CHECK(kind IN ('copy','notice',"
    "  'receipt','preview','forward','reminder')),"
    " message_id TEXT NOT NULL,"
    " message BLOB NOT NULL,"
    " created INTEGER NOT NULL);"
    "INSERT INTO copies SELECT * FROM copies_v10_hold;"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY,"
    " copy_id INTEGER NOT NULL REFERENCES copies(id),"
    " rcpt TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK(state IN ('pending','sent','failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try INTEGER NOT NULL DEFAULT 0,"
    " code INTEGER NOT NULL DEFAULT 0,"
    " reply TEXT NOT NULL DEFAULT '',"
    " updated INTEGER NOT NULL,"
    " lease_owner TEXT NOT NULL DEFAULT '',"
    " lease_until INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO outbox SELECT * FROM outbox_v10_hold;"
    "DROP TABLE copies_v10_hold;"
    "DROP TABLE outbox_v10_hold;"
    "CREATE INDEX copies_alert ON copies(alert_row, list_id);"
    "CREATE INDEX outbox_state ON outbox(state, next_try);"
    "CREATE INDEX outbox_copy ON outbox(copy_id, state);"

    "CREATE TABLE reports ("
    " id INTEGER PRIMARY KEY,"
    " received INTEGER NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('bounce','reply')),"
    " recipient TEXT NOT NULL DEFAULT '',"
    " raw BLOB NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'new' CHECK(state IN"
    "  ('new','matched','unmatched','garbled','ignored','forwarded')),"
    " detail TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX reports_state ON reports(state);"
    "CREATE TABLE dsn_results ("
    " report_row INTEGER NOT NULL REFERENCES reports(id),"
    " copy_id INTEGER NOT NULL REFERENCES copies(id),"
    " alert_row INTEGER NOT NULL REFERENCES alerts(id),"
    " rcpt TEXT NOT NULL COLLATE NOCASE,"
    " action TEXT NOT NULL CHECK(action IN ('bounced','delayed')),"
    " status TEXT NOT NULL DEFAULT '',"
    " diag TEXT NOT NULL DEFAULT '',"
    " at INTEGER NOT NULL);"
    "CREATE INDEX dsn_results_rcpt ON dsn_results(rcpt, alert_row);"
    "CREATE TABLE contact_health ("
    " address TEXT PRIMARY KEY COLLATE NOCASE,"
    " bouncing_since INTEGER NOT NULL DEFAULT 0,"
    " last_bounce INTEGER NOT NULL DEFAULT 0,"
    " last_status TEXT NOT NULL DEFAULT '',"
    " last_diag TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE acks ("
    " alert_row INTEGER NOT NULL REFERENCES alerts(id),"
    " org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    " sender TEXT NOT NULL,"
    " verified INTEGER NOT NULL DEFAULT 0 CHECK(verified IN (0,1)),"
    " at INTEGER NOT NULL,"
    " report_row INTEGER NOT NULL REFERENCES reports(id),"
    " PRIMARY KEY(alert_row, org_id, sender));"
    "CREATE TABLE reminders ("
    " alert_row INTEGER NOT NULL REFERENCES alerts(id),"
    " list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    " org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,"
    " copy_id INTEGER REFERENCES copies(id),"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY(alert_row, list_id, org_id));"
    "ALTER TABLE dists ADD COLUMN remind_after INTEGER NOT NULL DEFAULT 0;"
    /* the key of the envelope ids' MACs (db/envid.c) */
    "INSERT OR IGNORE INTO settings(key, value) VALUES('envid_key',"
    " lower(hex(randomblob(32))));"

    "DROP VIEW contacts_show;"
    "CREATE VIEW contacts_show AS SELECT c.address, c.name,"
    " coalesce(o.name, '') AS org, c.role, c.fingerprint, c.active,"
    " c.source, CASE c.confirmed WHEN 0 THEN '' ELSE"
    " strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END"
    " AS confirmed,"
    " (SELECT coalesce(group_concat(l.name, ','), '')"
    "  FROM list_recipients r JOIN lists l ON l.id = r.list_id"
    "  WHERE r.contact_id = c.id) AS lists,"
    " CASE WHEN h.bouncing_since > c.confirmed THEN 'bouncing since ' ||"
    "  strftime('%Y-%m-%dT%H:%M:%SZ', h.bouncing_since, 'unixepoch')"
    "  ELSE '' END AS health,"
    " CASE WHEN coalesce(h.last_bounce, 0) = 0 THEN '' ELSE"
    "  strftime('%Y-%m-%dT%H:%M:%SZ', h.last_bounce, 'unixepoch') || ' ' ||"
    "  h.last_status || ' ' || h.last_diag END AS last_bounce"
    " FROM contacts c LEFT JOIN orgs o ON o.id = c.org_id"
    " LEFT JOIN contact_health h ON h.address = c.address"
    " ORDER BY c.address;"


    "CREATE VIEW reports_list AS SELECT id AS row,"
    " datetime(received, 'unixepoch') AS received, kind, state, detail"
    " FROM reports ORDER BY id;"
    /* per alert row, list and organisation that a copy reached (through
     * a contact of it): when, and its first acknowledgement, if any */
    "CREATE VIEW alert_ack_state AS SELECT x.alert_row, a.alert_id,"
    " x.list_id, l.name AS list, x.org_id, g.name AS org, x.sent,"
    " k.at AS ack_at, k.sender, k.verified"
    " FROM (SELECT c.alert_row, c.list_id, t.org_id, min(c.created) AS sent"
    "  FROM copies c JOIN outbox o ON o.copy_id = c.id"
    "  JOIN contacts t ON t.address = o.rcpt"
    "  WHERE c.kind = 'copy' AND c.list_id IS NOT NULL"
    "  AND t.org_id IS NOT NULL GROUP BY 1, 2, 3) x"
    " JOIN alerts a ON a.id = x.alert_row JOIN lists l ON l.id = x.list_id"
    " JOIN orgs g ON g.id = x.org_id"
    " LEFT JOIN (SELECT alert_row, org_id, min(at) AS at, sender, verified"
    "  FROM acks GROUP BY alert_row, org_id) k"
    "  ON k.alert_row = x.alert_row AND k.org_id = x.org_id;"
    "CREATE VIEW alerts_acks AS SELECT alert_id AS _alert_id,"
    " alert_row AS row, list, org,"
    " CASE WHEN ack_at IS NULL THEN 'no' ELSE 'yes' END AS acknowledged,"
    " coalesce(sender, '') AS sender,"
    " CASE WHEN ack_at IS NULL THEN '' ELSE datetime(ack_at, 'unixepoch')"
    "  END AS at,"
    " CASE WHEN ack_at IS NULL THEN '' WHEN verified = 1 THEN 'yes'"
    "  ELSE 'no' END AS verified"
    " FROM alert_ack_state ORDER BY alert_row, list, org;"

    "CREATE VIEW reports_counts AS SELECT kind, state, count(*) AS reports"
    " FROM reports GROUP BY kind, state ORDER BY kind, state;";
