#include "util/items.h"

#include <ctype.h>
#include <string.h>

int items_next(const char **p, char *out, size_t size)
{
    const char *s = *p, *q;
    size_t n;

    for (; *s; s = *q ? q + 1 : q) {
        q = s + strcspn(s, ",;");
        while (s < q && isspace((unsigned char)*s))
            s++;
        n = (size_t)(q - s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        if (n == 0)
            continue;
        *p = *q ? q + 1 : q;
        if (n >= size)
            return -1;
        memcpy(out, s, n);
        out[n] = '\0';
        return 1;
    }
    *p = s;
    return 0;
}
