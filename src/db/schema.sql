-- The current schema, as `alertgw init` or the migrations in
-- src/db/schema_vN.c leave it. This file is for reading: the
-- migrations are what runs. tests/e2e/t-schema.sh compares it
-- with a database they made; after a new schema_vN.c, run
-- `scripts/schema-sql.py write DB src > src/db/schema.sql`.

-- alert_raw: SQL in intake/intake.c
CREATE TABLE alert_raw (
    alert_row INTEGER PRIMARY KEY REFERENCES alerts(id),
    raw BLOB NOT NULL
);

-- alerts: SQL in cli/cli_alerts.c, cli/cli_queue.c, intake/intake.c, outbox/queue.c, process/auth.c, process/commit.c, process/lifecycle.c, process/prepare.c, process/process.c, registry/dists.c
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    received INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    dist_id INTEGER REFERENCES dists(id),
    state TEXT NOT NULL DEFAULT 'new' CHECK(state IN ('new','quarantined','held','queued')),
    reason TEXT NOT NULL DEFAULT '',
    alert_id TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    sig_id TEXT NOT NULL DEFAULT '',
    thread TEXT NOT NULL DEFAULT '',
    update_no INTEGER NOT NULL DEFAULT 0,
    tlp TEXT NOT NULL DEFAULT '',
    command TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    signed_key TEXT NOT NULL DEFAULT ''
);

-- audit: SQL in cli/cli_queue.c, db/audit.c, outbox/queue.c, process/lifecycle.c
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    alert_row INTEGER,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    rcpt TEXT NOT NULL DEFAULT '',
    copy_hash TEXT NOT NULL DEFAULT '',
    code INTEGER NOT NULL DEFAULT 0,
    prev TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);

-- contacts: SQL in cli/cli_keys.c, cli/cli_registry.c, process/encrypt.c, process/process.c, registry/contacts.c, registry/coverage.c, registry/csv_io.c, registry/orgs.c, registry/registry.c, registry/sites_import.c
--   read by the views list_recipients
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    org_id INTEGER REFERENCES orgs(id),
    fingerprint TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    source TEXT NOT NULL DEFAULT 'manual',
    created INTEGER NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    confirmed INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT ''
);

-- copies: SQL in cli/cli_queue.c, outbox/queue.c, process/commit.c, process/lifecycle.c, process/mailout.c, process/process.c, registry/lists.c
CREATE TABLE copies (
    id INTEGER PRIMARY KEY,
    alert_row INTEGER NOT NULL REFERENCES alerts(id),
    list_id INTEGER REFERENCES lists(id),
    kind TEXT NOT NULL DEFAULT 'copy' CHECK(kind IN ('copy','notice','receipt','preview')),
    message_id TEXT NOT NULL,
    message BLOB NOT NULL,
    created INTEGER NOT NULL
);

-- dist_lists: SQL in cli/cli_registry.c, process/process.c, registry/dists.c
CREATE TABLE dist_lists (
    dist_id INTEGER NOT NULL REFERENCES dists(id) ON DELETE CASCADE,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    PRIMARY KEY(dist_id, list_id)
);

-- dists: SQL in cli/cli_registry.c, process/process.c, registry/dists.c
CREATE TABLE dists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
    default_tlp TEXT NOT NULL DEFAULT 'AMBER' CHECK(default_tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
    require_release INTEGER NOT NULL DEFAULT 0 CHECK(require_release IN (0,1))
);

-- keep_hosts: SQL in cli/cli_registry.c, registry/sites_db.c
CREATE TABLE keep_hosts (
    host TEXT PRIMARY KEY COLLATE NOCASE
);

-- list_outcomes: SQL in cli/cli_alerts.c, process/commit.c, process/lifecycle.c
CREATE TABLE list_outcomes (
    alert_row INTEGER NOT NULL REFERENCES alerts(id),
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK(outcome IN ('queued','withheld','awaiting')),
    reason TEXT NOT NULL DEFAULT '',
    recipients INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(alert_row, list_id)
);

-- lists: SQL in cli/cli_alerts.c, cli/cli_queue.c, cli/cli_registry.c, outbox/queue.c, process/lifecycle.c, process/process.c, registry/coverage.c, registry/lists.c, registry/registry.c
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
    audience TEXT NOT NULL DEFAULT '',
    anonymise INTEGER NOT NULL CHECK(anonymise IN (0,1)),
    template TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT 'drop' CHECK(attachments IN ('keep','drop','refuse')),
    encrypt TEXT NOT NULL DEFAULT 'never' CHECK(encrypt IN ('never','if-key','always')),
    audience_kinds TEXT NOT NULL DEFAULT '',
    tlp_ceiling TEXT NOT NULL DEFAULT 'AMBER' CHECK(tlp_ceiling IN ('CLEAR','GREEN','AMBER','AMBER+STRICT')),
    single_org INTEGER NOT NULL DEFAULT 0 CHECK(single_org IN (0,1))
);

-- member_rules: SQL in cli/cli_registry.c, registry/coverage.c, registry/lists.c
--   read by the views list_recipients
CREATE TABLE member_rules (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    org_kind TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    UNIQUE(list_id, org_kind, role)
);

-- members: SQL in cli/cli_registry.c, registry/lists.c
--   read by the views list_recipients
CREATE TABLE members (
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY(list_id, contact_id)
);

-- officers: SQL in cli/cli_keys.c, process/lifecycle.c, registry/officers.c
CREATE TABLE officers (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    added_at INTEGER NOT NULL DEFAULT 0,
    added_by TEXT NOT NULL DEFAULT ''
);

-- orgs: SQL in cli/cli_registry.c, registry/coverage.c, registry/csv_io.c, registry/orgs.c, registry/registry.c, registry/sites_import.c
--   read by the views list_recipients
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL CHECK(kind IN ('ngi','nren','isp','csirt','site')),
    country TEXT NOT NULL DEFAULT '',
    ngi_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    origin TEXT NOT NULL DEFAULT ''
);

-- outbox: SQL in cli/cli_queue.c, outbox/queue.c, process/commit.c, process/lifecycle.c, process/mailout.c, registry/coverage.c
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    copy_id INTEGER NOT NULL REFERENCES copies(id),
    rcpt TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','sent','failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try INTEGER NOT NULL DEFAULT 0,
    code INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    updated INTEGER NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0
);

-- pseudonyms: SQL in process/commit.c
CREATE TABLE pseudonyms (
    alert_id TEXT NOT NULL,
    cls TEXT NOT NULL,
    original TEXT NOT NULL,
    placeholder TEXT NOT NULL,
    PRIMARY KEY(alert_id, original)
);

-- releases: SQL in process/commit.c, process/lifecycle.c
CREATE TABLE releases (
    alert_row INTEGER PRIMARY KEY REFERENCES alerts(id),
    alert_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'awaiting' CHECK(state IN ('awaiting','released','cancelled')),
    requested INTEGER NOT NULL,
    decided INTEGER NOT NULL DEFAULT 0,
    decided_by TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL DEFAULT ''
);

-- settings: SQL in cli/cli_intake.c, cli/cli_keys.c, db/audit.c, gateway/gateway.c
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- site_ids: SQL in cli/cli_registry.c, registry/sites_db.c, registry/sites_import.c
CREATE TABLE site_ids (
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK(kind IN ('alias','domain','network')),
    value TEXT NOT NULL COLLATE NOCASE,
    source TEXT NOT NULL DEFAULT 'manual',
    UNIQUE(kind, value)
);

-- sites: SQL in cli/cli_registry.c, registry/sites_db.c, registry/sites_import.c
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    source TEXT NOT NULL DEFAULT 'manual',
    org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    origin TEXT NOT NULL DEFAULT ''
);

-- list_recipients: SQL in cli/cli_registry.c, process/commit.c, process/lifecycle.c, registry/coverage.c
CREATE VIEW list_recipients(list_id, contact_id, address) AS
SELECT m.list_id,
    c.id,
    c.address
FROM members m
JOIN contacts c ON c.id = m.contact_id
WHERE c.active = 1
UNION
SELECT r.list_id,
    c.id,
    c.address
FROM member_rules r
JOIN contacts c ON c.active = 1 AND (r.role = '' OR c.role = r.role)
LEFT JOIN orgs o ON o.id = c.org_id
WHERE r.org_kind = '' OR o.kind = r.org_kind;

CREATE INDEX alerts_alert_id ON alerts(alert_id);

CREATE INDEX alerts_sig_id ON alerts(sig_id) WHERE sig_id <> '';

CREATE INDEX alerts_signed_key ON alerts(signed_key) WHERE signed_key <> '';

CREATE INDEX alerts_state ON alerts(state);

CREATE INDEX alerts_thread ON alerts(thread);

CREATE INDEX audit_alert ON audit(alert_row);

CREATE INDEX audit_unsealed ON audit(hash) WHERE hash = '';

CREATE INDEX contacts_org ON contacts(org_id);

CREATE INDEX copies_alert ON copies(alert_row, list_id);

CREATE INDEX outbox_copy ON outbox(copy_id, state);

CREATE INDEX outbox_state ON outbox(state, next_try);

CREATE INDEX releases_id ON releases(alert_id, state);

CREATE TRIGGER audit_seal AFTER INSERT ON audit WHEN new.hash = '' AND NOT EXISTS (SELECT 1 FROM audit WHERE hash = '' AND id < new.id) BEGIN UPDATE audit SET prev = coalesce((SELECT value FROM settings WHERE key = 'audit_head'), ''), hash = agw_audit_hash(coalesce((SELECT value FROM settings WHERE key = 'audit_head'), ''), new.id, new.at, coalesce(new.alert_row, -1), new.code, new.event, new.detail, new.rcpt, new.copy_hash) WHERE id = new.id; INSERT OR REPLACE INTO settings(key, value) SELECT 'audit_head', hash FROM audit WHERE id = new.id; END;

CREATE TRIGGER audit_sealed_delete BEFORE DELETE ON audit WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;

CREATE TRIGGER audit_sealed_update BEFORE UPDATE ON audit WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;
