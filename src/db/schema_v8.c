/* Schema version 8: the command line's listings as views.
 *
 * One view per listing, named after its command (`alerts list` is
 * alerts_list); db/listing.c prints a view by name, as a table or as
 * JSON, with an optional WHERE on one of its columns (`orgs list --kind`,
 * `alerts show ID`, `orgs show NAME`). A `show` whose columns are the
 * list's reads the list's view (orgs, dists, sites). A column whose name
 * begins with '_' is there for that WHERE only and is not printed
 * (reveal's thread, the list of lists_members). A view's ORDER BY is the
 * listing's order: the printer adds none.
 *
 * Listings that need what a view of the database cannot hold stay with
 * their command as TEMP views: `keys list` and `keys check` join what
 * GnuPG says of each key (cli/cli_keys.c), `lists coverage` reads the
 * connection's coverage table (cli/cli_registry.c).
 *
 * sites_list takes a site's identifiers in a fixed order (by kind, then
 * as they were added: the order of a sites file) from a correlated
 * subquery, which site_ids_site serves; a GROUP BY over a join gave an
 * order that depended on the query plan, so `sites list` and `sites
 * show` disagreed.
 *
 * A later migration that changes a column one of these views reads drops
 * and re-creates the view (SQLite refuses to drop a column a view uses). */
#include "db/schema.h"

/* A pending row another worker is sending now: its lease has not run out
 * (one that has is free again, its worker presumably dead). */
#define SCHEMA_V8_LEASED "(o.state = 'pending' AND o.lease_owner <> '' AND" \
    " o.lease_until >= CAST(strftime('%s', 'now') AS INTEGER))"

const char schema_v8[] =
    "CREATE INDEX site_ids_site ON site_ids(site_id);"

    "CREATE VIEW alerts_list AS SELECT id AS row,"
    " datetime(received, 'unixepoch') AS received, state, alert_id,"
    " update_no AS \"update\", tlp, command, signer, reason"
    " FROM alerts ORDER BY id;"

    "CREATE VIEW alerts_show AS SELECT a.id AS row, a.alert_id,"
    " l.name AS list, o.outcome, o.recipients, o.reason"
    " FROM list_outcomes o JOIN alerts a ON a.id = o.alert_row"
    " JOIN lists l ON l.id = o.list_id ORDER BY a.id, l.name;"

    "CREATE VIEW reveal AS SELECT alert_id AS _thread, placeholder,"
    " original, cls AS class FROM pseudonyms ORDER BY rowid;"

    "CREATE VIEW lists_policy AS SELECT name, tlp_ceiling, single_org"
    " FROM lists ORDER BY name;"

    "CREATE VIEW dists_policy AS SELECT name, default_tlp, require_release"
    " FROM dists ORDER BY name;"

    "CREATE VIEW queue_status AS SELECT 'all' AS copy, '' AS alert,"
    " '' AS list, coalesce(sum(o.state = 'pending'), 0) AS pending,"
    " coalesce(sum(" SCHEMA_V8_LEASED "), 0) AS leased,"
    " coalesce(sum(o.state = 'sent'), 0) AS sent,"
    " coalesce(sum(o.state = 'failed'), 0) AS failed,"
    " coalesce(strftime('%s', 'now') - min(CASE WHEN o.state = 'pending'"
    "  THEN c.created END), 0) AS oldest_pending_s,"
    " coalesce(min(CASE WHEN o.state = 'pending' THEN o.next_try END)"
    "  - strftime('%s', 'now'), 0) AS next_try_in_s,"
    " '' AS leased_by"
    " FROM outbox o JOIN copies c ON c.id = o.copy_id"
    " UNION ALL"
    " SELECT * FROM (SELECT c.id, a.alert_id, coalesce(l.name, c.kind),"
    "  sum(o.state = 'pending'), sum(" SCHEMA_V8_LEASED "),"
    "  sum(o.state = 'sent'), sum(o.state = 'failed'),"
    "  strftime('%s', 'now') - c.created,"
    "  min(CASE WHEN o.state = 'pending' THEN o.next_try END)"
    "   - strftime('%s', 'now'),"
    "  coalesce(group_concat(DISTINCT CASE WHEN " SCHEMA_V8_LEASED
    "   THEN o.lease_owner END), '')"
    "  FROM outbox o JOIN copies c ON c.id = o.copy_id"
    "  JOIN alerts a ON a.id = c.alert_row"
    "  LEFT JOIN lists l ON l.id = c.list_id"
    "  GROUP BY c.id HAVING sum(o.state = 'pending') > 0 ORDER BY c.id);"

    /* _alert_id: `audit ID` finds the alert by its index, and matches
     * no row of an event without an alert. */
    "CREATE VIEW audit_log AS SELECT l.alert_id AS _alert_id,"
    " datetime(u.at, 'unixepoch') AS at,"
    " coalesce(l.alert_id, '') AS alert, u.event, u.rcpt,"
    " substr(u.copy_hash, 1, 16) AS copy, u.code, u.detail"
    " FROM audit u LEFT JOIN alerts l ON l.id = u.alert_row"
    " ORDER BY u.id;"

    "CREATE VIEW orgs_list AS SELECT o.name, o.kind, o.country,"
    " coalesce(n.name, '') AS ngi, o.source,"
    " (SELECT count(*) FROM contacts c WHERE c.org_id = o.id) AS contacts"
    " FROM orgs o LEFT JOIN orgs n ON n.id = o.ngi_id ORDER BY o.name;"

    /* _org: `--org` compares as orgs.name does (any case), and matches
     * no contact without an organisation. */
    "CREATE VIEW contacts_list AS SELECT o.name AS _org, c.address, c.name,"
    " coalesce(o.name, '') AS org, c.role, c.fingerprint, c.active,"
    " c.source, CASE c.confirmed WHEN 0 THEN '' ELSE"
    " strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END"
    " AS confirmed"
    " FROM contacts c LEFT JOIN orgs o ON o.id = c.org_id"
    " ORDER BY c.address;"

    "CREATE VIEW contacts_show AS SELECT c.address, c.name,"
    " coalesce(o.name, '') AS org, c.role, c.fingerprint, c.active,"
    " c.source, CASE c.confirmed WHEN 0 THEN '' ELSE"
    " strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END"
    " AS confirmed,"
    " (SELECT coalesce(group_concat(l.name, ','), '')"
    "  FROM list_recipients r JOIN lists l ON l.id = r.list_id"
    "  WHERE r.contact_id = c.id) AS lists"
    " FROM contacts c LEFT JOIN orgs o ON o.id = c.org_id"
    " ORDER BY c.address;"

    "CREATE VIEW lists_list AS SELECT l.name, l.address, l.audience,"
    " l.audience_kinds AS kinds,"
    " CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,"
    " l.template, l.attachments, l.encrypt,"
    " (SELECT count(*) FROM list_recipients r WHERE r.list_id = l.id)"
    " AS members"
    " FROM lists l ORDER BY l.name;"

    "CREATE VIEW lists_show AS SELECT l.name, l.address, l.audience,"
    " l.audience_kinds AS kinds,"
    " CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,"
    " l.template, l.attachments, l.encrypt,"
    " (SELECT count(*) FROM list_recipients r WHERE r.list_id = l.id)"
    " AS members,"
    " (SELECT coalesce(group_concat(CASE r.org_kind WHEN '' THEN 'any'"
    "  ELSE r.org_kind END || '/' || CASE r.role WHEN '' THEN 'any'"
    "  ELSE r.role END, ','), '')"
    "  FROM member_rules r WHERE r.list_id = l.id) AS rules,"
    " (SELECT coalesce(group_concat(d.name, ','), '')"
    "  FROM dist_lists x JOIN dists d ON d.id = x.dist_id"
    "  WHERE x.list_id = l.id) AS dists"
    " FROM lists l ORDER BY l.name;"

    "CREATE VIEW lists_members AS SELECT l.name AS _list, c.address,"
    " c.name, coalesce(o.name, '') AS org, c.role, c.fingerprint,"
    " CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.list_id = l.id"
    "  AND m.contact_id = c.id) THEN 'member' ELSE 'rule' END AS via"
    " FROM lists l JOIN list_recipients r ON r.list_id = l.id"
    " JOIN contacts c ON c.id = r.contact_id"
    " LEFT JOIN orgs o ON o.id = c.org_id"
    " ORDER BY l.name, c.address;"

    "CREATE VIEW lists_rules AS SELECT l.name AS _list,"
    " r.org_kind AS kind, r.role"
    " FROM member_rules r JOIN lists l ON l.id = r.list_id"
    " ORDER BY l.name, r.org_kind, r.role;"

    "CREATE VIEW dists_list AS SELECT d.name, d.address,"
    " coalesce(group_concat(l.name, ','), '') AS lists"
    " FROM dists d LEFT JOIN dist_lists x ON x.dist_id = d.id"
    " LEFT JOIN lists l ON l.id = x.list_id"
    " GROUP BY d.id ORDER BY d.name;"

    "CREATE VIEW sites_list AS SELECT s.name,"
    " coalesce((SELECT group_concat(v, ' ') FROM"
    "  (SELECT CASE i.kind WHEN 'alias' THEN '\"' || i.value || '\"'"
    "   ELSE i.value END AS v FROM site_ids i WHERE i.site_id = s.id"
    "   ORDER BY i.kind, i.rowid)), '') AS identifiers,"
    " coalesce(o.name, '') AS org, s.source, s.origin"
    " FROM sites s LEFT JOIN orgs o ON o.id = s.org_id ORDER BY s.name;"

    "CREATE VIEW sites_kept AS SELECT host FROM keep_hosts ORDER BY host;"

    "CREATE VIEW officers_list AS SELECT fingerprint, name, email, active,"
    " CASE added_at WHEN 0 THEN '' ELSE"
    " strftime('%Y-%m-%dT%H:%M:%SZ', added_at, 'unixepoch') END AS added,"
    " added_by FROM officers ORDER BY name, fingerprint;";
