/* Schema version 9: roles compared without case.
 *
 * A contact's role and a list rule's role were free text compared as
 * written, so `--role "Security Officer"` reached no list whose rule says
 * `security officer`. The registry now writes roles in lower case
 * (registry_role_norm); this brings the rows written before into that
 * form, merges the rules that then say the same thing, and has
 * list_recipients compare roles without case, so that a row a future
 * path writes in another case still matches. */
#include "db/schema.h"

const char schema_v9[] =
    "UPDATE contacts SET role = lower(trim(role))"
    " WHERE role <> lower(trim(role));"
    "DELETE FROM member_rules WHERE id NOT IN (SELECT min(id) FROM"
    " member_rules GROUP BY list_id, org_kind, lower(trim(role)));"
    "UPDATE member_rules SET role = lower(trim(role))"
    " WHERE role <> lower(trim(role));"
    "DROP VIEW list_recipients;"
    "CREATE VIEW list_recipients(list_id, contact_id, address) AS"
    " SELECT m.list_id, c.id, c.address FROM members m"
    " JOIN contacts c ON c.id = m.contact_id WHERE c.active = 1"
    " UNION"
    " SELECT r.list_id, c.id, c.address FROM member_rules r"
    " JOIN contacts c ON c.active = 1"
    "  AND (r.role = '' OR c.role = r.role COLLATE NOCASE)"
    " LEFT JOIN orgs o ON o.id = c.org_id"
    " WHERE r.org_kind = '' OR o.kind = r.org_kind;";
