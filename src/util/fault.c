#include "util/fault.h"

#include <signal.h>
#include <stdint.h>
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

/* An address no mapping covers, hidden from the compiler's bounds checks. */
static volatile uintptr_t fault_bad_address = 16;

void fault_segv(const char *point)
{
    if (fault_hit(point))
        *(volatile int *)fault_bad_address = 1;
}
