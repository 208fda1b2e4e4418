/* Schema version 12: reserved for issue 18: web console accounts and sessions.
 *
 * Until that work lands this version changes nothing, so that the
 * versions after it can land in any order. */
#include "db/schema.h"

const char schema_v12[] = "";
