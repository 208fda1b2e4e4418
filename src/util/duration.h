/*
 * duration - a length of time as operators write it: "90s", "15m",
 * "12h", "30d", "2w". One parser for the command line and the
 * configuration, so that both accept the same spellings.
 */
#ifndef AGW_DURATION_H
#define AGW_DURATION_H

#include <stdint.h>

/* A bare number is seconds in the configuration (older files hold
 * plain seconds); on the command line it is refused, since
 * `--older-than 30` reads as days to many and means seconds to us. */
enum duration_bare { DURATION_BARE_SECONDS, DURATION_BARE_REFUSED };

/* Longest duration accepted: 100 years, far past every use and far below
 * overflow of a time_t sum. */
#define DURATION_MAX_S (100LL * 366 * 86400)

/* Digits, then at most one unit letter (s m h d w); no sign, no space.
 * Returns the seconds, or -1 for anything else or over DURATION_MAX_S. */
int64_t duration_parse(const char *s, enum duration_bare bare);

#endif
