/* Schema version 5: the alert lifecycle (ids, updates, TLP ceilings, release).
 *
 * lists.tlp_ceiling: the most restrictive label a list may get; an alert
 * above it is withheld from that list. lists.single_org: 1 when the list
 * is meant for one organisation (AMBER+STRICT may go there, if its members
 * really are of one organisation). dists.default_tlp: the label of an
 * alert that carries none. dists.require_release: hold every alert until
 * an officer releases it.
 * alerts.thread is the id updates share (alert_thread()), update_no the
 * update number (0: first mail), tlp the label the copies carried,
 * command 'release'/'cancel' for an officer's command mail.
 * list_outcomes: per alert and list, queued or withheld and why, what a
 * receipt reports. releases: one row per alert held for release; state
 * moves once from 'awaiting' to 'released' or 'cancelled'. */
#include "db/schema.h"

const char schema_v5[] =
    "ALTER TABLE lists ADD COLUMN tlp_ceiling TEXT NOT NULL DEFAULT 'AMBER'"
    " CHECK(tlp_ceiling IN ('CLEAR','GREEN','AMBER','AMBER+STRICT'));"
    "ALTER TABLE lists ADD COLUMN single_org INTEGER NOT NULL DEFAULT 0"
    " CHECK(single_org IN (0,1));"
    "ALTER TABLE dists ADD COLUMN default_tlp TEXT NOT NULL DEFAULT 'AMBER'"
    " CHECK(default_tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED'));"
    "ALTER TABLE dists ADD COLUMN require_release INTEGER NOT NULL DEFAULT 0"
    " CHECK(require_release IN (0,1));"
    "ALTER TABLE alerts ADD COLUMN thread TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE alerts ADD COLUMN update_no INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE alerts ADD COLUMN tlp TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE alerts ADD COLUMN command TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX alerts_alert_id ON alerts(alert_id);"
    "CREATE INDEX alerts_thread ON alerts(thread);"
    "CREATE INDEX copies_alert ON copies(alert_row, list_id);"
    "CREATE TABLE list_outcomes(alert_row INTEGER NOT NULL"
    "  REFERENCES alerts(id),"
    " list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    " outcome TEXT NOT NULL"
    "  CHECK(outcome IN ('queued','withheld','awaiting')),"
    " reason TEXT NOT NULL DEFAULT '',"
    " recipients INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(alert_row, list_id));"
    "CREATE TABLE releases(alert_row INTEGER PRIMARY KEY"
    "  REFERENCES alerts(id),"
    " alert_id TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'awaiting'"
    "  CHECK(state IN ('awaiting','released','cancelled')),"
    " requested INTEGER NOT NULL,"
    " decided INTEGER NOT NULL DEFAULT 0,"
    " decided_by TEXT NOT NULL DEFAULT '',"
    " via TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX releases_id ON releases(alert_id, state);";
