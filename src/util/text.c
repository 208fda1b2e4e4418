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

void text_oneline(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    if (size == 0)
        return;
    for (; src != NULL && *src != '\0' && i + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;

        if (c == '\n' || c == '\r')
            c = ' ';
        else if (c < 0x20 || c == 0x7f)
            c = '?';
        dst[i++] = (char)c;
    }
    while (i > 0 && dst[i - 1] == ' ')
        i--;
    dst[i] = '\0';
}
