/* Schema version 2: alert authentication (signature digests for replay detection, quarantine notices). */
#include "schema.h"

const char schema_v2[] = "";
