/*
 * intake - the first step of an alert: `filter` (and `submit`) store the
 * raw message for a distribution in one durable transaction (the row in
 * alerts, the message in alert_raw, a 'received' audit row), and nothing
 * else decides the MTA's answer (DESIGN.md: 0 once committed). Nothing
 * here reads the message: processing (process/) comes after the commit.
 */
#ifndef AGW_INTAKE_H
#define AGW_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/gateway.h"
#include "util/err.h"

int intake_store(struct gateway *g, int64_t dist, const char *recipient,
                 const char *raw, size_t len, int64_t *row, struct err *e);

#endif
