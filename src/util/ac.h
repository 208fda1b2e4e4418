/*
 * ac - Aho-Corasick: every one of many byte patterns found in one pass
 * over a text, at a cost per text byte that does not grow with the number
 * of patterns (the leak detector's identifiers, mail/leak.c).
 *
 * Life cycle: ac_new, ac_add for every pattern, ac_build once, then
 * ac_scan any number of times (read-only: the automaton may be shared by
 * a forked child). ac_add after ac_build fails.
 *
 * Layout, so that it can be read and trusted: a trie whose states are
 * numbered in breadth-first order, so the children of a state are the
 * contiguous states [first, first + nkids), each holding the byte that
 * leads to it; the root also has a 256-entry table, as most text bytes
 * start at the root. fail is the usual failure link (the longest proper
 * suffix of the state's string that is also a trie path), out the nearest
 * state along the fail chain that ends a pattern.
 */
#ifndef AGW_AC_H
#define AGW_AC_H

#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

#define AC_NONE UINT32_MAX

struct ac;

struct ac *ac_new(void);
void ac_free(struct ac *a);
/* Pattern p[0..len) with the caller's id (not AC_NONE). A pattern added
 * twice keeps its first id. -1 when memory ran out, len is 0 or over
 * AC_PATTERN_MAX, or the automaton is built. */
int ac_add(struct ac *a, const void *p, size_t len, uint32_t id);
/* Failure links and the breadth-first layout; -1 when memory ran out. */
int ac_build(struct ac *a);
size_t ac_states(const struct ac *a);

/* Called for every pattern occurrence, in order of its end; end is the
 * offset just past its last byte, len its length. A non-zero return stops
 * the scan and is ac_scan's result. */
typedef int (*ac_hit_fn)(void *arg, uint32_t id, size_t end, size_t len);
int ac_scan(const struct ac *a, const void *text, size_t len, ac_hit_fn fn,
            void *arg);

#endif
