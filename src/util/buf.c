#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 64

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static int buf_grow(struct buf *b, size_t n)
{
    size_t need, ncap;
    char *p;

    if (n > b->max || b->len > b->max - n)
        return BUF_ETOOBIG;
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : BUF_MIN_CAP;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    p = realloc(b->data, ncap);
    if (p == NULL)
        return BUF_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    int rc = buf_grow(b, n);

    if (rc != 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, int c)
{
    char ch = (char)c;

    return buf_append(b, &ch, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n, rc;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return BUF_ENOMEM;
    rc = buf_grow(b, (size_t)n);
    if (rc != 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *buf_cstr(struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *p = b->data;

    if (p == NULL)
        p = calloc(1, 1);
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
