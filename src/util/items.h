/*
 * items - values that hold a list, "a, b; c": items separated by ',' or
 * ';', white space around each trimmed, empty items skipped (GOCDB's
 * SITE_IP and CSIRT_EMAIL).
 */
#ifndef AGW_UTIL_ITEMS_H
#define AGW_UTIL_ITEMS_H

#include <stddef.h>

/* Copy the next item of *p into out (size bytes, NUL-terminated) and move
 * *p past it. 1: an item; 0: the end; -1: the item does not fit in out
 * (*p is past it all the same). */
int items_next(const char **p, char *out, size_t size);

#endif
