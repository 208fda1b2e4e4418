#include "util/fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fault_named(const char *var, const char *point)
{
    const char *v = getenv(var);

    return v != NULL && strcmp(v, point) == 0;
}

int fault_hit(const char *point)
{
    return fault_named("ALERTGW_FAULT", point);
}

void fault_crash(const char *point)
{
    if (fault_named("ALERTGW_CRASH", point))
        kill(getpid(), SIGKILL);
}
