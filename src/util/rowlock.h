/*
 * rowlock - one lock per row of a table, held by one process at a time:
 * a write lock on byte ROW of a lock file (an open file description lock,
 * F_OFD_SETLK), which the kernel drops when its holder exits or dies, so
 * that a crashed holder never leaves it behind. What it guards is the
 * caller's: the pipeline holds an alert's lock while it processes it
 * (process_lock_alert), so that a detached `filter` child and the worker
 * never both work on one alert, and the worker takes an alert over at
 * once from a child that died.
 *
 * The lock file is made (mode 0600) when missing, owned by the owner of
 * a file named by the caller (the database) when made by root. Every process that takes these locks must be on the
 * same host (as SQLite requires of the database anyway).
 */
#ifndef AGW_ROWLOCK_H
#define AGW_ROWLOCK_H

#include <stdint.h>

#include "util/err.h"

/* Try row's lock in path without waiting: 1 held by this caller now (*fd
 * keeps it until rowlock_release), 0 another process holds it (*fd -1),
 * -1 the file could not be opened or locked (ERR_IO, *fd -1). like: the
 * file whose owner path gets when root makes it. */
int rowlock_try(const char *path, const char *like, int64_t row, int *fd,
                struct err *e);
/* Drop the lock *fd holds, if any (*fd becomes -1). */
void rowlock_release(int *fd);

#endif
