/* Schema version 3: delivery (outbox, audit chain). */
#include "schema.h"

const char schema_v3[] = "";
