/*
 * file - whole-file and whole-stream reads and durable writes, capped.
 *
 * Errors: -1 with errno set; E2BIG when the input is over max (the
 * buffer then holds the first max bytes).
 */
#ifndef AGW_FILE_H
#define AGW_FILE_H

#include <stddef.h>

#include "util/buf.h"

int file_read(const char *path, size_t max, struct buf *out);
/* Reads fd to EOF even past max (so a pipe writer is never left
 * blocked), keeping at most max bytes; E2BIG if more came. */
int file_read_fd(int fd, size_t max, struct buf *out);
/* Write data to path via a temporary file, fsync, rename, fsync dir. */
int file_write_atomic(const char *path, const void *data, size_t len,
                      int mode);
/* mkdir -p with mode for the directories it creates. */
int file_mkdirs(const char *path, int mode);

#endif
