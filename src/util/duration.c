/* duration - "90s", "15m", "12h", "30d", "2w" to seconds. */
#include "util/duration.h"

#include <stddef.h>

static int64_t duration_unit(char u)
{
    switch (u) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return -1;
    }
}

int64_t duration_parse(const char *s, enum duration_bare bare)
{
    int64_t v = 0, mul;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > DURATION_MAX_S)
            return -1;
    }
    if (*s == '\0')
        return bare == DURATION_BARE_SECONDS ? v : -1;
    mul = duration_unit(*s);
    if (mul < 0 || s[1] != '\0' || v > DURATION_MAX_S / mul)
        return -1;
    return v * mul;
}
