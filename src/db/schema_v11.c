/* Schema version 11 (issue 19): indicator attachments, the affected
 * audience.
 *
 * lists.indicators: which attachments a list's copies carry with the
 * alert's attacker indicators (none, indicators.csv, the STIX 2.1 bundle
 * indicators.json, or both). 'none' for every list, old and new, until
 * an operator turns it on: new attachments change what every member's
 * mail filters see. lists_list and lists_show show it after encrypt.
 *
 * dists.affected: 'whole' sends each alert, whole, also to the security
 * contacts of the sites it names and their NGIs' security officers;
 * dists_policy shows it. affected: per alert, each site named, each
 * recipient that brought (or a site without one), and why; the
 * affected_show view is what `alerts show` prints of it. */
#include "db/schema.h"

const char schema_v11[] =
    "ALTER TABLE lists ADD COLUMN indicators TEXT NOT NULL DEFAULT 'none'"
    " CHECK(indicators IN ('none','csv','stix','both'));"

    "DROP VIEW lists_list;"
    "CREATE VIEW lists_list AS SELECT l.name, l.address, l.audience,"
    " l.audience_kinds AS kinds,"
    " CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,"
    " l.template, l.attachments, l.encrypt, l.indicators,"
    " (SELECT count(*) FROM list_recipients r WHERE r.list_id = l.id)"
    " AS members"
    " FROM lists l ORDER BY l.name;"

    "DROP VIEW lists_show;"
    "CREATE VIEW lists_show AS SELECT l.name, l.address, l.audience,"
    " l.audience_kinds AS kinds,"
    " CASE l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS anonymise,"
    " l.template, l.attachments, l.encrypt, l.indicators,"
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

    "ALTER TABLE dists ADD COLUMN affected TEXT NOT NULL DEFAULT 'off'"
    " CHECK(affected IN ('off','whole'));"
    "DROP VIEW dists_policy;"
    "CREATE VIEW dists_policy AS SELECT name, default_tlp, require_release,"
    " remind_after, affected FROM dists ORDER BY name;"

    "CREATE TABLE affected(alert_row INTEGER NOT NULL REFERENCES alerts(id),"
    " site TEXT NOT NULL, address TEXT NOT NULL DEFAULT '',"
    " outcome TEXT NOT NULL CHECK(outcome IN ('added','already','excluded',"
    "'no-contact','not-named')),"
    " why TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX affected_alert ON affected(alert_row);"
    "CREATE VIEW affected_show AS SELECT a.alert_id AS _alert_id,"
    " a.id AS row, f.site, f.address, f.outcome, f.why"
    " FROM affected f JOIN alerts a ON a.id = f.alert_row"
    " ORDER BY f.rowid;";
