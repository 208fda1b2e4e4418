/* Schema version 3: delivery (outbox, audit chain).
 *
 * audit rows name the recipient, the copy (SHA-256 of its bytes) and the
 * reply code; audit_seal chains them: hash = SHA-256(prev hash,
 * the row's fields), so that `audit verify` finds an edited or removed
 * row. A sealed row cannot be updated or deleted through SQL (the trigger
 * only keeps honest tools honest; the chain is what proves it). */
#include "db/schema.h"

const char schema_v3[] =
    "ALTER TABLE audit ADD COLUMN rcpt TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE audit ADD COLUMN copy_hash TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE audit ADD COLUMN code INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE audit ADD COLUMN prev TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX audit_unsealed ON audit(hash) WHERE hash = '';"
    "CREATE INDEX audit_alert ON audit(alert_row);"
    "CREATE INDEX outbox_copy ON outbox(copy_id, state);"
    "CREATE TRIGGER audit_sealed_update BEFORE UPDATE ON audit"
    " WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;"
    "CREATE TRIGGER audit_sealed_delete BEFORE DELETE ON audit"
    " WHEN old.hash != '' BEGIN SELECT RAISE(ABORT, 'audit row is sealed'); END;";
