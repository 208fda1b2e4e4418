/* Schema version 6: audit rows sealed as they are inserted.
 *
 * The trigger chains each new row onto the recorded head in the inserting
 * transaction, so no row waits unsealed for a later `queue run`. It needs
 * agw_audit_hash, which store_open registers (audit.h): an insert through
 * a connection without it fails rather than leaving a row unchained. Rows
 * of an older schema that were never sealed come first in the chain, so
 * while any is left new rows stay unsealed too and audit_seal
 * chains them all in order. */
#include "db/schema.h"

const char schema_v6[] =
    "CREATE TRIGGER audit_seal AFTER INSERT ON audit"
    " WHEN new.hash = '' AND NOT EXISTS"
    "  (SELECT 1 FROM audit WHERE hash = '' AND id < new.id)"
    " BEGIN"
    "  UPDATE audit SET"
    "   prev = coalesce((SELECT value FROM settings"
    "    WHERE key = 'audit_head'), ''),"
    "   hash = agw_audit_hash(coalesce((SELECT value FROM settings"
    "    WHERE key = 'audit_head'), ''), new.id, new.at,"
    "    coalesce(new.alert_row, -1), new.code, new.event, new.detail,"
    "    new.rcpt, new.copy_hash)"
    "  WHERE id = new.id;"
    "  INSERT OR REPLACE INTO settings(key, value)"
    "   SELECT 'audit_head', hash FROM audit WHERE id = new.id;"
    " END;";
