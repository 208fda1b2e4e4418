/*
 * fault - the one seam through which tests inject failures, so that the
 * transient and crash paths are really run (not simulated around).
 *
 *   ALERTGW_FAULT=POINT  fault_hit(POINT) returns 1 (the caller fails as
 *                        if the real error had happened there)
 *   ALERTGW_CRASH=POINT  fault_crash(POINT) kills the process with SIGKILL
 *                        right there (crash-consistency tests)
 *   ALERTGW_FAULT=POINT  fault_segv(POINT) writes to an unmapped address
 *                        there: a real SIGSEGV, as a parser defect makes
 *
 * Points are short names ("intake-commit", "deliver-after-data"); each
 * caller documents its own. Costs one getenv when unset.
 */
#ifndef AGW_FAULT_H
#define AGW_FAULT_H

int fault_hit(const char *point);
void fault_crash(const char *point);
void fault_segv(const char *point);

#endif
