/* Schema version 4: the registry (contacts, organisations, memberships, sites). */
#include "schema.h"

const char schema_v4[] = "";
