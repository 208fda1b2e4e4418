/*
 * pack - flat records for the pipe between the gateway and its sandboxed
 * children: fixed-width integers and length-prefixed byte strings, in
 * host order (both ends are the same binary).
 *
 * Writing appends to a struct buf (its cap bounds the record). Reading
 * never trusts the record: every length is checked against what is left,
 * and the first short or inconsistent field makes the reader fail for
 * good (pack_ok() 0), so a garbled record is one check at the end, not a
 * check per field.
 *
 * Ownership: strings read with pack_str() are fresh copies the caller
 * frees; pack_bytes() returns a pointer into the record, borrowed.
 */
#ifndef AGW_PACK_H
#define AGW_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

int pack_u32(struct buf *b, uint32_t v);
int pack_i64(struct buf *b, int64_t v);
int pack_put(struct buf *b, const void *p, size_t n);    /* length, bytes */
int pack_puts(struct buf *b, const char *s);             /* NULL as "" */

struct unpack {
    const char *p;
    size_t left;
    int bad;
};

void unpack_init(struct unpack *u, const char *p, size_t n);
uint32_t unpack_u32(struct unpack *u);
int64_t unpack_i64(struct unpack *u);
/* Borrowed bytes; *n gets the length. NULL (and bad) when short. */
const char *unpack_bytes(struct unpack *u, size_t *n);
/* A fresh NUL-terminated copy of at most max bytes; one holding a NUL, or
 * longer, makes the reader bad. NULL when bad or out of memory. */
char *unpack_str(struct unpack *u, size_t max);
/* Into a fixed array of n bytes, NUL-terminated. */
void unpack_fixed(struct unpack *u, char *out, size_t n);
/* 1 when every field so far was whole and nothing is left over. */
int unpack_done(const struct unpack *u);

#endif
