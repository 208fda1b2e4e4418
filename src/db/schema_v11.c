/* Schema version 11 (issue 19): indicator attachments.
 *
 * lists.indicators: which attachments a list's copies carry with the
 * alert's attacker indicators (none, indicators.csv, the STIX 2.1 bundle
 * indicators.json, or both). 'none' for every list, old and new, until
 * an operator turns it on: new attachments change what every member's
 * mail filters see. lists_list and lists_show show it after encrypt. */
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
    " FROM lists l ORDER BY l.name;";
