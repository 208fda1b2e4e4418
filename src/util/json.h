/*
 * json - one small JSON writer (RFC 8259) into a struct buf: objects,
 * arrays, strings, integers. Knows nothing of what it writes.
 *
 * A writer remembers, per nesting level, whether a value was written
 * already, so that callers never place commas themselves. Nesting deeper
 * than JSON_DEPTH_MAX, a key outside an object or a buffer at its cap
 * make the writer fail: every later call does nothing and json_end
 * returns the first failure (a buf.h code, or JSON_EMISUSE).
 *
 * Strings are written as given (UTF-8 expected, the caller's job), with
 * '"', '\\' and every control character (U+0000..U+001F, U+007F)
 * escaped.
 *
 * Ownership: the writer borrows out, the caller's buffer.
 */
#ifndef AGW_JSON_H
#define AGW_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/limits.h"

#define JSON_EMISUSE (-10)

struct json_w {
    struct buf *out;                /* borrowed */
    int rc;                         /* first failure, 0 while none */
    size_t depth;
    unsigned char started[JSON_DEPTH_MAX + 1];  /* a value at this level */
    unsigned char is_obj[JSON_DEPTH_MAX + 1];
    unsigned char keyed;            /* a key waits for its value */
};

void json_init(struct json_w *w, struct buf *out);
void json_obj(struct json_w *w);                /* { */
void json_arr(struct json_w *w);                /* [ */
void json_close(struct json_w *w);              /* } or ] */
void json_key(struct json_w *w, const char *k);
void json_str(struct json_w *w, const char *s);
void json_strn(struct json_w *w, const char *s, size_t n);
void json_int(struct json_w *w, int64_t v);
/* key and string value in one call. */
void json_kv(struct json_w *w, const char *k, const char *v);
/* 0 when everything was written and every level closed, else the first
 * failure (BUF_ENOMEM, BUF_ETOOBIG, JSON_EMISUSE). */
int json_end(const struct json_w *w);

#endif
