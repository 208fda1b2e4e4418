/* Schema version 4: the registry (contacts, organisations, memberships,
 * sites).
 *
 * source is 'imported' or 'manual' on orgs, contacts and sites: an import
 * updates only 'imported' rows, and an edit by hand turns a row 'manual'
 * so that the next import leaves it alone. origin names the import that
 * made a row ('file', 'gocdb', 'csv'), so rows gone from that source can
 * be reported. list_recipients is what the outbox is filled from: direct
 * members and rule members, active contacts only, each address once. */
#include "db/schema.h"

const char schema_v4[] =
    "ALTER TABLE orgs ADD COLUMN ngi_id INTEGER REFERENCES orgs(id)"
    " ON DELETE SET NULL;"
    "ALTER TABLE orgs ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';"
    "ALTER TABLE orgs ADD COLUMN origin TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE contacts ADD COLUMN role TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE contacts ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE contacts ADD COLUMN origin TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE lists ADD COLUMN audience_kinds TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE sites ADD COLUMN org_id INTEGER REFERENCES orgs(id)"
    " ON DELETE SET NULL;"
    "ALTER TABLE sites ADD COLUMN origin TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE site_ids ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';"
    /* Before this version sites came only from sites files. */
    "UPDATE sites SET source='imported', origin='file';"
    "UPDATE site_ids SET source='imported';"
    "CREATE TABLE member_rules(id INTEGER PRIMARY KEY,"
    " list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
    " org_kind TEXT NOT NULL DEFAULT '',"
    " role TEXT NOT NULL DEFAULT '',"
    " UNIQUE(list_id, org_kind, role));"
    "CREATE TABLE keep_hosts(host TEXT PRIMARY KEY COLLATE NOCASE);"
    "CREATE INDEX contacts_org ON contacts(org_id);"
    "CREATE VIEW list_recipients(list_id, contact_id, address) AS"
    " SELECT m.list_id, c.id, c.address FROM members m"
    " JOIN contacts c ON c.id = m.contact_id WHERE c.active = 1"
    " UNION"
    " SELECT r.list_id, c.id, c.address FROM member_rules r"
    " JOIN contacts c ON c.active = 1 AND (r.role = '' OR c.role = r.role)"
    " LEFT JOIN orgs o ON o.id = c.org_id"
    " WHERE r.org_kind = '' OR o.kind = r.org_kind;";
