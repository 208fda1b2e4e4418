/*
 * text - small things done to untrusted text in many places, done once:
 * a bounded printable copy, one line of text for an error line or a
 * relay's reply, and ASCII lower-casing
 * (a byte, and eight bytes at once for the hash look-ups of the
 * anonymiser and the sites index, which run on every word of an alert).
 */
#ifndef AGW_TEXT_H
#define AGW_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* At most size - 1 bytes of p[0..len) into out, every byte that is not
 * printable ASCII as '?'; returns out. For error lines and audit text. */
const char *text_show(const char *p, size_t len, char *out, size_t size);

/* src as one line of at most size - 1 bytes into dst: CR and LF become
 * spaces, other control bytes '?', trailing spaces go. dst may be src
 * (it never runs ahead of it). For error lines, relay replies, audit. */
void text_oneline(char *dst, size_t size, const char *src);

/* 1 when addr is one bare mail address of at most max bytes:
 * local@domain, a dot in the domain, printable ASCII without white
 * space, quotes, angle brackets, brackets, commas, semicolons, colons
 * or backslashes. What the registry stores and a reply may go to. */
int text_addr_ok(const char *addr, size_t max);

/* ASCII only, as tolower() in the C locale, but inlined. */
static inline unsigned char text_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

#define TEXT_ONES 0x0101010101010101ull

/* ASCII upper case to lower case in eight bytes at once; other bytes,
 * those of UTF-8 sequences too, stay as they are. */
static inline uint64_t text_lower8(uint64_t x)
{
    uint64_t low7 = x & (0x7f * TEXT_ONES);
    uint64_t ge_a = low7 + (0x80 - 'A') * TEXT_ONES;
    uint64_t gt_z = low7 + (0x7f - 'Z') * TEXT_ONES;
    uint64_t up = ge_a & ~gt_z & ~x & (0x80 * TEXT_ONES);

    return x | (up >> 2);
}

#endif
