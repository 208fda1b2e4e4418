/*
 * queue - the outbox: hand each queued copy to the relay with all its due
 * recipients at once, record each recipient's outcome, retry temporary
 * failures with exponential back-off until retry_max_age, then fail them.
 *
 * A copy is signed once and sent as one message with many recipients; the
 * relay does the fan-out. Outcomes are written in one transaction per
 * copy right after the relay answers; a crash between the relay's answer
 * and that commit sends those recipients the copy again on the next pass
 * (the one window for duplicates).
 */
#ifndef AGW_QUEUE_H
#define AGW_QUEUE_H

#include "err.h"
#include "gateway.h"

#define QUEUE_BACKOFF_BASE_S 60
#define QUEUE_BACKOFF_MAX_S (6 * 3600)
#define QUEUE_RCPTS_MAX 100000

struct queue_report {
    long processed;     /* alerts taken from 'new' */
    long copies;        /* copies handed to the relay */
    long sent, deferred, failed;
};

/* One pass: process new alerts, then deliver what is due. */
int queue_run(struct gateway *g, struct queue_report *r, struct err *e);

#endif
