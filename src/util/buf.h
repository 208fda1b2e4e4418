/*
 * buf - a growable byte buffer with a hard cap fixed at creation.
 *
 * Every buffer that holds input-controlled data is a struct buf. The cap
 * (max) bounds what hostile input can make us allocate; appending past it
 * fails with BUF_ETOOBIG and leaves the contents unchanged.
 *
 * The data is always NUL-terminated after a successful append (the NUL is
 * not counted in len), so buf->data may be used as a C string when the
 * content has no embedded NUL.
 *
 * Ownership: the struct is the caller's (usually on the stack); buf_free()
 * releases the storage and may be called on a zeroed or freed buffer.
 * buf_steal() hands the storage to the caller, who frees it with free().
 */
#ifndef AGW_BUF_H
#define AGW_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_ENOMEM   (-1)
#define BUF_ETOOBIG  (-2)

struct buf {
    char *data;   /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* hard cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);                  /* len = 0, storage kept */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
const char *buf_cstr(struct buf *b);            /* "" when empty */
char *buf_steal(struct buf *b, size_t *len);    /* caller frees; b reset */

#endif
