/* Schema version 11: reserved for issue 19: the affected audience and indicator attachments.
 *
 * Until that work lands this version changes nothing, so that the
 * versions after it can land in any order. */
#include "db/schema.h"

const char schema_v11[] = "";
