#include "util/pack.h"

#include <stdlib.h>
#include <string.h>

int pack_u32(struct buf *b, uint32_t v)
{
    return buf_append(b, &v, sizeof(v));
}

int pack_i64(struct buf *b, int64_t v)
{
    return buf_append(b, &v, sizeof(v));
}

int pack_put(struct buf *b, const void *p, size_t n)
{
    uint64_t len = n;

    if (buf_append(b, &len, sizeof(len)) != 0)
        return -1;
    return n ? buf_append(b, p, n) : 0;
}

int pack_puts(struct buf *b, const char *s)
{
    return pack_put(b, s ? s : "", s ? strlen(s) : 0);
}

void unpack_init(struct unpack *u, const char *p, size_t n)
{
    u->p = p;
    u->left = n;
    u->bad = 0;
}

static const char *unpack_take(struct unpack *u, size_t n)
{
    const char *p = u->p;

    if (u->bad || n > u->left) {
        u->bad = 1;
        return NULL;
    }
    u->p += n;
    u->left -= n;
    return p;
}

uint32_t unpack_u32(struct unpack *u)
{
    const char *p = unpack_take(u, sizeof(uint32_t));
    uint32_t v = 0;

    if (p)
        memcpy(&v, p, sizeof(v));
    return v;
}

int64_t unpack_i64(struct unpack *u)
{
    const char *p = unpack_take(u, sizeof(int64_t));
    int64_t v = 0;

    if (p)
        memcpy(&v, p, sizeof(v));
    return v;
}

const char *unpack_bytes(struct unpack *u, size_t *n)
{
    const char *p = unpack_take(u, sizeof(uint64_t));
    uint64_t len = 0;

    *n = 0;
    if (p == NULL)
        return NULL;
    memcpy(&len, p, sizeof(len));
    if (len > u->left) {
        u->bad = 1;
        return NULL;
    }
    *n = (size_t)len;
    return unpack_take(u, (size_t)len);
}

char *unpack_str(struct unpack *u, size_t max)
{
    size_t n;
    const char *p = unpack_bytes(u, &n);
    char *s;

    if (p == NULL || n > max || memchr(p, '\0', n) != NULL) {
        u->bad = 1;
        return NULL;
    }
    s = malloc(n + 1);
    if (s == NULL) {
        u->bad = 1;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

void unpack_fixed(struct unpack *u, char *out, size_t n)
{
    size_t len;
    const char *p = unpack_bytes(u, &len);

    out[0] = '\0';
    if (p == NULL || len >= n || memchr(p, '\0', len) != NULL) {
        u->bad = 1;
        return;
    }
    memcpy(out, p, len);
    out[len] = '\0';
}

int unpack_done(const struct unpack *u)
{
    return !u->bad && u->left == 0;
}
