#!/bin/bash
# web: issue 18's figure. The console's dashboard, rendered at the
# server (bench_web: the page handler, no HTTP) on a registry of
# CONTACTS (10,000) contacts in 200 sites under 10 NGIs, on 3 lists (by
# rule and directly), two in three confirmed, and ALERTS (1,000) alerts
# of the last week in every state, each with 3 list copies and 10
# outbox rows. Target: median < 50 ms.
# Usage: web.sh BUILD-DIR (a Release build; ASan inflates everything).
set -eu
BUILD=$(cd "${1:-build}" && pwd)
export ALERTGW=${ALERTGW:-$BUILD/alertgw}
export AGW_SOURCE_DIR=${AGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
T=$(mktemp -d)
trap 'agw_cleanup; rm -rf "$T"' EXIT
CONTACTS=${CONTACTS:-10000}
ALERTS=${ALERTS:-1000}

agw_setup "$T/gw" >/dev/null
DB=$T/gw/data/alertgw.db
sqlite3 "$DB" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO orgs(name, kind) SELECT 'NGI_B' || i, 'ngi' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO orgs(name, kind, ngi_id)
  SELECT 'SITE-' || i, 'site', (SELECT id FROM orgs WHERE name = 'NGI_B' || (1 + i % 10)) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CONTACTS)
INSERT INTO contacts(address, name, org_id, role, created, confirmed)
  SELECT 'c' || i || '@site' || (i % 200) || '.example', 'Contact ' || i,
    (SELECT id FROM orgs WHERE name = 'SITE-' || (1 + i % 200)),
    CASE i % 2 WHEN 0 THEN 'csirt' ELSE 'security officer' END, 0,
    CASE WHEN i % 3 THEN strftime('%s', 'now') ELSE 0 END FROM n;
INSERT INTO member_rules(list_id, org_kind, role)
  SELECT id, 'site', 'csirt' FROM lists WHERE name IN ('nren', 'isp');
INSERT INTO members(list_id, contact_id)
  SELECT l.id, c.id FROM contacts c, lists l WHERE l.name = 'ngi' AND c.id % 10 = 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ALERTS)
INSERT INTO alerts(received, recipient, state, reason, alert_id, tlp)
  SELECT strftime('%s', 'now') - i * 600, 'alerts@csirt.example',
    CASE i % 10 WHEN 0 THEN 'held' WHEN 1 THEN 'quarantined' ELSE 'queued' END,
    CASE i % 10 WHEN 0 THEN 'awaiting release' WHEN 1 THEN 'not signed' ELSE '' END,
    'EGI-BENCH-' || i, 'TLP:AMBER' FROM n;
INSERT INTO copies(alert_row, list_id, kind, message_id, message, created)
  SELECT a.id, l.id, 'copy', '<' || a.id || '.' || l.id || '@bench>',
    'Subject: bench copy', a.received FROM alerts a, lists l;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO outbox(copy_id, rcpt, state, updated)
  SELECT c.id, 'r' || n.i || '@x.example',
    CASE (c.id + n.i) % 20 WHEN 0 THEN 'failed' WHEN 1 THEN 'pending' ELSE 'sent' END,
    c.created FROM copies c, n WHERE c.id % 3 = 0;
COMMIT;
SQL
echo "registry: $(sqlite3 "$DB" "SELECT count(*) FROM contacts") contacts, $(sqlite3 "$DB" "SELECT count(*) FROM alerts") alerts, $(sqlite3 "$DB" "SELECT count(*) FROM outbox") outbox rows"
"$BUILD/bench_web" "$AGW_CONF" 30
