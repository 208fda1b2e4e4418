#include "util/text.h"

#include <ctype.h>
#include <string.h>

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

int text_addr_ok(const char *addr, size_t max)
{
    const char *at = strchr(addr, '@');
    size_t n = strlen(addr);
    const unsigned char *p;

    if (n == 0 || n > max || at == NULL || at == addr || at[1] == '\0' ||
        strchr(at + 1, '@') != NULL || strchr(at, '.') == NULL)
        return 0;
    for (p = (const unsigned char *)addr; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[],;:\\\"", *p))
            return 0;
    return 1;
}
