-- The current schema, as `alertgw init` or the migrations in
-- src/db/schema_vN.c leave it. This file is for reading: the
-- migrations are what runs. tests/e2e/t-schema.sh compares it
-- with a database they made; after a new schema_vN.c, run
-- `scripts/schema-sql.py write DB src > src/db/schema.sql`.

CREATE TABLE acks ( alert_row INTEGER NOT NULL REFERENCES alerts(id), org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, sender TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 0 CHECK(verified IN (0,1)), at INTEGER NOT NULL, report_row INTEGER NOT NULL REFERENCES reports(id), PRIMARY KEY(alert_row, org_id, sender));

-- affected: owner db/alerts.c; also read by db/outbox.c
--   read by the views affected_show
CREATE TABLE affected (
    alert_row INTEGER NOT NULL REFERENCES alerts(id),
    site TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL CHECK(outcome IN ('added','already','excluded','no-contact','not-named')),
    why TEXT NOT NULL DEFAULT ''
);

-- alert_raw: owner db/alerts.c
CREATE TABLE alert_raw (
    alert_row INTEGER PRIMARY KEY REFERENCES alerts(id),
    raw BLOB NOT NULL
);

-- alerts: owner db/alerts.c; also read by db/outbox.c, db/reports.c
--   read by the views affected_show, alert_ack_state, alerts_list, alerts_show, audit_log, queue_status, web_alert, web_alert_states, web_alerts, web_stopped, web_thread
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

-- audit: owner db/audit.c
--   read by the views audit_log
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

CREATE TABLE contact_health ( address TEXT PRIMARY KEY COLLATE NOCASE, bouncing_since INTEGER NOT NULL DEFAULT 0, last_bounce INTEGER NOT NULL DEFAULT 0, last_status TEXT NOT NULL DEFAULT '', last_diag TEXT NOT NULL DEFAULT '');

-- contacts: owner registry/contacts.c; also read by db/outbox.c, db/reports.c, registry/keys.c, registry/lists.c, registry/sites_db.c
--   read by the views alert_ack_state, contacts_list, contacts_show, list_recipients, lists_members, orgs_list, web_list_stats, web_ngi_stats
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

-- copies: owner db/outbox.c; also read by db/alerts.c, db/reports.c
--   read by the views alert_ack_state, queue_status, web_copies
CREATE TABLE copies (
    id INTEGER PRIMARY KEY,
    alert_row INTEGER REFERENCES alerts(id),
    list_id INTEGER REFERENCES lists(id),
    kind TEXT NOT NULL DEFAULT 'copy' CHECK(kind IN ('copy','notice', 'receipt','preview','forward','reminder')),
    message_id TEXT NOT NULL,
    message BLOB NOT NULL,
    created INTEGER NOT NULL
);

-- dist_lists: owner registry/dists.c; also read by db/alerts.c, registry/lists.c
--   read by the views dists_list, lists_show
CREATE TABLE dist_lists (
    dist_id INTEGER NOT NULL REFERENCES dists(id) ON DELETE CASCADE,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    PRIMARY KEY(dist_id, list_id)
);

-- dists: owner registry/dists.c; also read by db/alerts.c, db/reports.c
--   read by the views dists_list, dists_policy, lists_show, web_alert
CREATE TABLE dists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
    default_tlp TEXT NOT NULL DEFAULT 'AMBER' CHECK(default_tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
    require_release INTEGER NOT NULL DEFAULT 0 CHECK(require_release IN (0,1)),
    remind_after INTEGER NOT NULL DEFAULT 0,
    affected TEXT NOT NULL DEFAULT 'off' CHECK(affected IN ('off','whole'))
);

CREATE TABLE dsn_results ( report_row INTEGER NOT NULL REFERENCES reports(id), copy_id INTEGER NOT NULL REFERENCES copies(id), alert_row INTEGER NOT NULL REFERENCES alerts(id), rcpt TEXT NOT NULL COLLATE NOCASE, action TEXT NOT NULL CHECK(action IN ('bounced','delayed')), status TEXT NOT NULL DEFAULT '', diag TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL);

-- keep_hosts: owner registry/sites_db.c
--   read by the views sites_kept
CREATE TABLE keep_hosts (
    host TEXT PRIMARY KEY COLLATE NOCASE
);

-- list_outcomes: owner db/alerts.c
--   read by the views alerts_show
CREATE TABLE list_outcomes (
    alert_row INTEGER NOT NULL REFERENCES alerts(id),
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK(outcome IN ('queued','withheld','awaiting')),
    reason TEXT NOT NULL DEFAULT '',
    recipients INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(alert_row, list_id)
);

-- lists: owner registry/lists.c; also read by db/alerts.c, db/outbox.c, db/reports.c
--   read by the views alert_ack_state, alerts_show, contacts_show, dists_list, lists_list, lists_members, lists_policy, lists_rules, lists_show, queue_status, web_copies, web_list_stats
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
    single_org INTEGER NOT NULL DEFAULT 0 CHECK(single_org IN (0,1)),
    indicators TEXT NOT NULL DEFAULT 'none' CHECK(indicators IN ('none','csv','stix','both'))
);

-- member_rules: owner registry/lists.c
--   read by the views list_recipients, lists_rules, lists_show
CREATE TABLE member_rules (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    org_kind TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '',
    UNIQUE(list_id, org_kind, role)
);

-- members: owner registry/lists.c
--   read by the views list_recipients, lists_members
CREATE TABLE members (
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY(list_id, contact_id)
);

-- officers: owner registry/officers.c; also read by registry/keys.c
--   read by the views officers_list
CREATE TABLE officers (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    added_at INTEGER NOT NULL DEFAULT 0,
    added_by TEXT NOT NULL DEFAULT ''
);

-- orgs: owner registry/orgs.c; also read by registry/contacts.c, registry/lists.c, registry/sites_db.c
--   read by the views alert_ack_state, contacts_list, contacts_show, list_recipients, lists_members, orgs_list, sites_list, web_ngi_stats
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL CHECK(kind IN ('ngi','nren','isp','csirt','site')),
    country TEXT NOT NULL DEFAULT '',
    ngi_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    origin TEXT NOT NULL DEFAULT ''
);

-- outbox: owner db/outbox.c; also read by db/alerts.c, db/reports.c
--   read by the views alert_ack_state, queue_status
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

-- pseudonyms: owner db/alerts.c
--   read by the views reveal
CREATE TABLE pseudonyms (
    alert_id TEXT NOT NULL,
    cls TEXT NOT NULL,
    original TEXT NOT NULL,
    placeholder TEXT NOT NULL,
    PRIMARY KEY(alert_id, original)
);

-- releases: owner db/alerts.c
CREATE TABLE releases (
    alert_row INTEGER PRIMARY KEY REFERENCES alerts(id),
    alert_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'awaiting' CHECK(state IN ('awaiting','released','cancelled')),
    requested INTEGER NOT NULL,
    decided INTEGER NOT NULL DEFAULT 0,
    decided_by TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL DEFAULT ''
);

CREATE TABLE reminders ( alert_row INTEGER NOT NULL REFERENCES alerts(id), list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE, org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, copy_id INTEGER REFERENCES copies(id), at INTEGER NOT NULL, PRIMARY KEY(alert_row, list_id, org_id));

CREATE TABLE reports ( id INTEGER PRIMARY KEY, received INTEGER NOT NULL, kind TEXT NOT NULL CHECK(kind IN ('bounce','reply')), recipient TEXT NOT NULL DEFAULT '', raw BLOB NOT NULL, state TEXT NOT NULL DEFAULT 'new' CHECK(state IN ('new','matched','unmatched','garbled','ignored','forwarded')), detail TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0);

-- settings: owner db/store.c; also read by registry/keys.c
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- site_ids: owner registry/sites_db.c
--   read by the views sites_list
CREATE TABLE site_ids (
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK(kind IN ('alias','domain','network')),
    value TEXT NOT NULL COLLATE NOCASE,
    source TEXT NOT NULL DEFAULT 'manual',
    UNIQUE(kind, value)
);

-- sites: owner registry/sites_db.c
--   read by the views sites_list
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    source TEXT NOT NULL DEFAULT 'manual',
    org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    origin TEXT NOT NULL DEFAULT ''
);

-- web_logins: owner web/account.c
CREATE TABLE web_logins (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user TEXT NOT NULL,
    address TEXT NOT NULL,
    ok INTEGER NOT NULL
);

-- web_sessions: owner web/account.c
--   read by the views web_users_list
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);

-- web_uploads: owner web/upload.c
CREATE TABLE web_uploads (
    id INTEGER PRIMARY KEY,
    session TEXT NOT NULL UNIQUE REFERENCES web_sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created INTEGER NOT NULL
);

-- web_users: owner web/account.c
--   read by the views web_users_list
CREATE TABLE web_users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK(role IN ('viewer','keeper','officer')),
    hash TEXT NOT NULL,
    created INTEGER NOT NULL
);

-- affected_show: printed by cli/cli_alerts.c
CREATE VIEW affected_show AS
SELECT a.alert_id AS _alert_id,
    a.id AS row,
    f.site,
    f.address,
    f.outcome,
    f.why
FROM affected f
JOIN alerts a ON a.id = f.alert_row
ORDER BY f.rowid;

-- alert_ack_state: SQL in db/reports.c
CREATE VIEW alert_ack_state AS
SELECT x.alert_row,
    a.alert_id,
    x.list_id,
    l.name AS list,
    x.org_id,
    g.name AS org,
    x.sent,
    k.at AS ack_at,
    k.sender,
    k.verified
FROM (SELECT c.alert_row, c.list_id, t.org_id, min(c.created) AS sent FROM copies c JOIN outbox o ON o.copy_id = c.id JOIN contacts t ON t.address = o.rcpt WHERE c.kind = 'copy' AND c.list_id IS NOT NULL AND t.org_id IS NOT NULL GROUP BY 1, 2, 3) x
JOIN alerts a ON a.id = x.alert_row
JOIN lists l ON l.id = x.list_id
JOIN orgs g ON g.id = x.org_id
LEFT JOIN (SELECT alert_row, org_id, min(at) AS at, sender, verified FROM acks GROUP BY alert_row, org_id) k ON k.alert_row = x.alert_row AND k.org_id = x.org_id;

-- alerts_acks: printed by cli/cli_alerts.c
CREATE VIEW alerts_acks AS
SELECT alert_id AS _alert_id,
    alert_row AS row,
    list,
    org,
    CASE WHEN ack_at IS NULL THEN 'no' ELSE 'yes' END AS acknowledged,
    coalesce(sender, '') AS sender,
    CASE WHEN ack_at IS NULL THEN '' ELSE datetime(ack_at, 'unixepoch') END AS at,
    CASE WHEN ack_at IS NULL THEN '' WHEN verified = 1 THEN 'yes' ELSE 'no' END AS verified
FROM alert_ack_state
ORDER BY alert_row, list, org;

-- alerts_list: printed by cli/cli_alerts.c, cli/cli_queue.c
CREATE VIEW alerts_list AS
SELECT id AS row,
    datetime(received, 'unixepoch') AS received,
    state,
    alert_id,
    update_no AS "update",
    tlp,
    command,
    signer,
    reason
FROM alerts
ORDER BY id;

-- alerts_show: printed by cli/cli_alerts.c, web/pages.c
CREATE VIEW alerts_show AS
SELECT a.id AS row,
    a.alert_id,
    l.name AS list,
    o.outcome,
    o.recipients,
    o.reason
FROM list_outcomes o
JOIN alerts a ON a.id = o.alert_row
JOIN lists l ON l.id = o.list_id
ORDER BY a.id, l.name;

-- audit_log: printed by cli/cli_queue.c, web/pages.c
CREATE VIEW audit_log AS
SELECT l.alert_id AS _alert_id,
    datetime(u.at, 'unixepoch') AS at,
    coalesce(l.alert_id, '') AS alert,
    u.event,
    u.rcpt,
    substr(u.copy_hash, 1, 16) AS copy,
    u.code,
    u.detail
FROM audit u
LEFT JOIN alerts l ON l.id = u.alert_row
ORDER BY u.id;

-- contacts_list: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW contacts_list AS
SELECT o.name AS _org,
    c.address,
    c.name,
    coalesce(o.name, '') AS org,
    c.role,
    c.fingerprint,
    c.active,
    c.source,
    CASE c.confirmed WHEN 0 THEN '' ELSE strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END AS confirmed
FROM contacts c
LEFT JOIN orgs o ON o.id = c.org_id
ORDER BY c.address;

-- contacts_show: printed by cli/cli_registry.c
CREATE VIEW contacts_show AS
SELECT c.address,
    c.name,
    coalesce(o.name, '') AS org,
    c.role,
    c.fingerprint,
    c.active,
    c.source,
    CASE c.confirmed WHEN 0 THEN '' ELSE strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END AS confirmed,
    (SELECT coalesce(group_concat(l.name, ','), '') FROM list_recipients r JOIN lists l ON l.id = r.list_id WHERE r.contact_id = c.id) AS lists,
    CASE WHEN h.bouncing_since > c.confirmed THEN 'bouncing since ' || strftime('%Y-%m-%dT%H:%M:%SZ', h.bouncing_since, 'unixepoch') ELSE '' END AS health,
    CASE WHEN coalesce(h.last_bounce, 0) = 0 THEN '' ELSE strftime('%Y-%m-%dT%H:%M:%SZ', h.last_bounce, 'unixepoch') || ' ' || h.last_status || ' ' || h.last_diag END AS last_bounce
FROM contacts c
LEFT JOIN orgs o ON o.id = c.org_id
LEFT JOIN contact_health h ON h.address = c.address
ORDER BY c.address;

-- dists_list: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW dists_list AS
SELECT d.name,
    d.address,
    coalesce(group_concat(l.name, ','), '') AS lists
FROM dists d
LEFT JOIN dist_lists x ON x.dist_id = d.id
LEFT JOIN lists l ON l.id = x.list_id
GROUP BY d.id
ORDER BY d.name;

-- dists_policy: printed by cli/cli_alerts.c; SQL in cli/cli_registry.c
CREATE VIEW dists_policy AS
SELECT name,
    default_tlp,
    require_release,
    remind_after,
    affected
FROM dists
ORDER BY name;

-- list_recipients: SQL in db/outbox.c, registry/lists.c
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
JOIN contacts c ON c.active = 1 AND (r.role = '' OR c.role = r.role COLLATE NOCASE)
LEFT JOIN orgs o ON o.id = c.org_id
WHERE r.org_kind = '' OR o.kind = r.org_kind;

-- lists_list: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW lists_list AS
SELECT l.name,
    l.address,
    l.audience,
    l.audience_kinds AS kinds,
    CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,
    l.template,
    l.attachments,
    l.encrypt,
    l.indicators,
    (SELECT count(*) FROM list_recipients r WHERE r.list_id = l.id) AS members
FROM lists l
ORDER BY l.name;

-- lists_members: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW lists_members AS
SELECT l.name AS _list,
    c.address,
    c.name,
    coalesce(o.name, '') AS org,
    c.role,
    c.fingerprint,
    CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.list_id = l.id AND m.contact_id = c.id) THEN 'member' ELSE 'rule' END AS via
FROM lists l
JOIN list_recipients r ON r.list_id = l.id
JOIN contacts c ON c.id = r.contact_id
LEFT JOIN orgs o ON o.id = c.org_id
ORDER BY l.name, c.address;

-- lists_policy: printed by cli/cli_alerts.c; SQL in cli/cli_registry.c
CREATE VIEW lists_policy AS
SELECT name,
    tlp_ceiling,
    single_org
FROM lists
ORDER BY name;

-- lists_rules: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW lists_rules AS
SELECT l.name AS _list,
    r.org_kind AS kind,
    r.role
FROM member_rules r
JOIN lists l ON l.id = r.list_id
ORDER BY l.name, r.org_kind, r.role;

-- lists_show: printed by web/registry.c; SQL in cli/cli_registry.c
CREATE VIEW lists_show AS
SELECT l.name,
    l.address,
    l.audience,
    l.audience_kinds AS kinds,
    CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,
    l.template,
    l.attachments,
    l.encrypt,
    l.indicators,
    (SELECT count(*) FROM list_recipients r WHERE r.list_id = l.id) AS members,
    (SELECT coalesce(group_concat(CASE r.org_kind WHEN '' THEN 'any' ELSE r.org_kind END || '/' || CASE r.role WHEN '' THEN 'any' ELSE r.role END, ','), '') FROM member_rules r WHERE r.list_id = l.id) AS rules,
    (SELECT coalesce(group_concat(d.name, ','), '') FROM dist_lists x JOIN dists d ON d.id = x.dist_id WHERE x.list_id = l.id) AS dists
FROM lists l
ORDER BY l.name;

-- officers_list: printed by cli/cli_keys.c, web/registry.c
CREATE VIEW officers_list AS
SELECT fingerprint,
    name,
    email,
    active,
    CASE added_at WHEN 0 THEN '' ELSE strftime('%Y-%m-%dT%H:%M:%SZ', added_at, 'unixepoch') END AS added,
    added_by
FROM officers
ORDER BY name, fingerprint;

-- orgs_list: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW orgs_list AS
SELECT o.name,
    o.kind,
    o.country,
    coalesce(n.name, '') AS ngi,
    o.source,
    (SELECT count(*) FROM contacts c WHERE c.org_id = o.id) AS contacts
FROM orgs o
LEFT JOIN orgs n ON n.id = o.ngi_id
ORDER BY o.name;

-- queue_status: printed by cli/cli_queue.c, web/pages.c; SQL in cli/cli_check.c
CREATE VIEW queue_status AS
SELECT 'all' AS copy,
    '' AS alert,
    '' AS list,
    coalesce(sum(o.state = 'pending'), 0) AS pending,
    coalesce(sum((o.state = 'pending' AND o.lease_owner <> '' AND o.lease_until >= CAST(strftime('%s', 'now') AS INTEGER))), 0) AS leased,
    coalesce(sum(o.state = 'sent'), 0) AS sent,
    coalesce(sum(o.state = 'failed'), 0) AS failed,
    coalesce(strftime('%s', 'now') - min(CASE WHEN o.state = 'pending' THEN c.created END), 0) AS oldest_pending_s,
    coalesce(max(0, min(CASE WHEN o.state = 'pending' THEN o.next_try END) - strftime('%s', 'now')), 0) AS next_try_in_s,
    '' AS leased_by
FROM outbox o
JOIN copies c ON c.id = o.copy_id
UNION ALL
SELECT *
FROM (SELECT c.id, a.alert_id, coalesce(l.name, c.kind), sum(o.state = 'pending'), sum((o.state = 'pending' AND o.lease_owner <> '' AND o.lease_until >= CAST(strftime('%s', 'now') AS INTEGER))), sum(o.state = 'sent'), sum(o.state = 'failed'), strftime('%s', 'now') - c.created, max(0, min(CASE WHEN o.state = 'pending' THEN o.next_try END) - strftime('%s', 'now')), coalesce(group_concat(DISTINCT CASE WHEN (o.state = 'pending' AND o.lease_owner <> '' AND o.lease_until >= CAST(strftime('%s', 'now') AS INTEGER)) THEN o.lease_owner END), '') FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row LEFT JOIN lists l ON l.id = c.list_id GROUP BY c.id HAVING sum(o.state = 'pending') > 0 ORDER BY c.id);

-- reports_counts: printed by cli/cli_queue.c
CREATE VIEW reports_counts AS
SELECT kind,
    state,
    count(*) AS reports
FROM reports
GROUP BY kind, state
ORDER BY kind, state;

-- reports_list: printed by cli/cli_queue.c
CREATE VIEW reports_list AS
SELECT id AS row,
    datetime(received, 'unixepoch') AS received,
    kind,
    state,
    detail
FROM reports
ORDER BY id;

-- reveal: printed by cli/cli_alerts.c, web/pages.c
CREATE VIEW reveal AS
SELECT alert_id AS _thread,
    placeholder,
    original,
    cls AS class
FROM pseudonyms
ORDER BY rowid;

-- sites_kept: printed by cli/cli_registry.c
CREATE VIEW sites_kept AS
SELECT host
FROM keep_hosts
ORDER BY host;

-- sites_list: printed by cli/cli_registry.c, web/registry.c
CREATE VIEW sites_list AS
SELECT s.name,
    coalesce((SELECT group_concat(v, ' ') FROM (SELECT CASE i.kind WHEN 'alias' THEN '"' || i.value || '"' ELSE i.value END AS v FROM site_ids i WHERE i.site_id = s.id ORDER BY i.kind, i.rowid)), '') AS identifiers,
    coalesce(o.name, '') AS org,
    s.source,
    s.origin
FROM sites s
LEFT JOIN orgs o ON o.id = s.org_id
ORDER BY s.name;

-- web_alert: printed by web/pages.c
CREATE VIEW web_alert AS
SELECT a.id AS row,
    a.alert_id,
    a.state,
    a.reason,
    datetime(a.received, 'unixepoch') AS received,
    a.recipient,
    coalesce(d.name, '') AS dist,
    a.signer,
    a.subject,
    a.tlp,
    a.update_no AS "update",
    a.command,
    a.thread
FROM alerts a
LEFT JOIN dists d ON d.id = a.dist_id;

-- web_alert_states: printed by web/pages.c
CREATE VIEW web_alert_states AS
SELECT state,
    count(*) AS alerts
FROM alerts
WHERE command = '' AND received >= CAST(strftime('%s', 'now') AS INTEGER) - 7 * 86400
GROUP BY state
ORDER BY state;

-- web_alerts: printed by web/pages.c
CREATE VIEW web_alerts AS
SELECT id AS row,
    datetime(received, 'unixepoch') AS received,
    state,
    alert_id,
    update_no AS "update",
    tlp,
    command,
    subject,
    reason
FROM alerts
ORDER BY id DESC;

-- web_copies: printed by web/pages.c
CREATE VIEW web_copies AS
SELECT c.alert_row AS _row,
    c.id AS copy,
    c.kind,
    coalesce(l.name, '') AS list,
    coalesce(l.anonymise, 1) AS anonymise,
    datetime(c.created, 'unixepoch') AS created,
    CAST(c.message AS TEXT) AS message
FROM copies c
LEFT JOIN lists l ON l.id = c.list_id
WHERE c.kind IN ('copy', 'preview')
ORDER BY c.id;

-- web_list_stats: printed by web/coverage.c
CREATE VIEW web_list_stats AS
SELECT l.name AS list,
    count(DISTINCT r.contact_id) AS recipients,
    count(DISTINCT coalesce(c.org_id, -c.id)) AS orgs,
    count(DISTINCT CASE WHEN c.confirmed > 0 THEN c.id END) AS confirmed,
    count(DISTINCT CASE WHEN c.fingerprint <> '' THEN c.id END) AS keys
FROM lists l
LEFT JOIN list_recipients r ON r.list_id = l.id
LEFT JOIN contacts c ON c.id = r.contact_id
GROUP BY l.id
ORDER BY l.name;

-- web_ngi_stats: printed by web/coverage.c
CREATE VIEW web_ngi_stats AS
SELECT n.name AS ngi,
    count(DISTINCT o.id) AS sites,
    count(DISTINCT CASE WHEN c.active = 1 THEN o.id END) AS reached,
    count(DISTINCT CASE WHEN c.confirmed > 0 THEN c.id END) AS confirmed,
    count(DISTINCT CASE WHEN c.fingerprint <> '' THEN c.id END) AS keys
FROM orgs n
LEFT JOIN orgs o ON o.ngi_id = n.id
LEFT JOIN contacts c ON c.org_id = o.id
WHERE n.kind = 'ngi'
GROUP BY n.id
ORDER BY n.name;

-- web_stopped: printed by web/pages.c
CREATE VIEW web_stopped AS
SELECT id AS row,
    datetime(received, 'unixepoch') AS received,
    state,
    alert_id,
    tlp,
    reason
FROM alerts
WHERE state IN ('held', 'quarantined')
ORDER BY id DESC;

-- web_thread: printed by web/pages.c
CREATE VIEW web_thread AS
SELECT a.id AS _row,
    b.id AS row,
    b.alert_id,
    b.update_no AS "update",
    b.state,
    datetime(b.received, 'unixepoch') AS received,
    b.command
FROM alerts a
JOIN alerts b ON b.thread = a.thread AND a.thread <> ''
ORDER BY b.id;

-- web_users_list: printed by cli/cli_web.c
CREATE VIEW web_users_list AS
SELECT u.name,
    u.role,
    datetime(u.created, 'unixepoch') AS created,
    (SELECT count(*) FROM web_sessions s WHERE s.user_id = u.id) AS sessions
FROM web_users u
ORDER BY u.name;

CREATE INDEX affected_alert ON affected(alert_row);

CREATE INDEX alerts_alert_id ON alerts(alert_id);

CREATE INDEX alerts_received ON alerts(received);

CREATE INDEX alerts_sig_id ON alerts(sig_id) WHERE sig_id <> '';

CREATE INDEX alerts_signed_key ON alerts(signed_key) WHERE signed_key <> '';

CREATE INDEX alerts_state ON alerts(state);

CREATE INDEX alerts_thread ON alerts(thread);

CREATE INDEX audit_alert ON audit(alert_row);

CREATE INDEX audit_unsealed ON audit(hash) WHERE hash = '';

CREATE INDEX contacts_org ON contacts(org_id);

CREATE INDEX copies_alert ON copies(alert_row, list_id);

CREATE INDEX dsn_results_rcpt ON dsn_results(rcpt, alert_row);

CREATE INDEX outbox_copy ON outbox(copy_id, state);

CREATE INDEX outbox_state ON outbox(state, next_try);

CREATE INDEX releases_id ON releases(alert_id, state);

CREATE INDEX reports_state ON reports(state);

CREATE INDEX site_ids_site ON site_ids(site_id);

CREATE INDEX web_logins_address ON web_logins(address, at);

CREATE INDEX web_logins_user ON web_logins(user, at);

CREATE TRIGGER audit_seal AFTER INSERT ON audit WHEN new.hash = '' AND NOT EXISTS (SELECT 1 FROM audit WHERE hash = '' AND id < new.id) BEGIN UPDATE audit SET prev = coalesce((SELECT value FROM settings WHERE key = 'audit_head'), ''), hash = agw_audit_hash(coalesce((SELECT value FROM settings WHERE key = 'audit_head'), ''), new.id, new.at, coalesce(new.alert_row, -1), new.code, new.event, new.detail, new.rcpt, new.copy_hash) WHERE id = new.id; INSERT OR REPLACE INTO settings(key, value) SELECT 'audit_head', hash FROM audit WHERE id = new.id; END;

CREATE TRIGGER audit_sealed_delete BEFORE DELETE ON audit WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;

CREATE TRIGGER audit_sealed_update BEFORE UPDATE ON audit WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;
