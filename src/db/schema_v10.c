/* Schema version 10: reserved for issue 17: bounces, acknowledgements, reminders.
 *
 * Until that work lands this version changes nothing, so that the
 * versions after it can land in any order. */
#include "db/schema.h"

const char schema_v10[] = "";
