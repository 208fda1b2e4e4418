#include "util/text.h"

#include <ctype.h>

const char *text_show(const char *p, size_t len, char *out, size_t size)
{
    size_t i, n = len < size - 1 ? len : size - 1;

    for (i = 0; i < n; i++)
        out[i] = isprint((unsigned char)p[i]) ? p[i] : '?';
    out[n] = '\0';
    return out;
}
