/* Schema version 2: alert authentication. sig_id is GnuPG's id of the
 * signature an alert was accepted under (the same signature gives the same
 * id however it is armoured): an id already held by a queued alert is a
 * replay (auth_replay). */
#include "db/schema.h"

const char schema_v2[] =
    "ALTER TABLE alerts ADD COLUMN sig_id TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX alerts_sig_id ON alerts(sig_id) WHERE sig_id <> '';";
