/*
 * fuzz.h - shared helpers for the libFuzzer targets in fuzz/ (header only:
 * CMake builds every fuzz/NAME.c as its own program fuzz_NAME).
 *
 * FUZZ_CHECK(cond) aborts with the failed invariant, so libFuzzer keeps
 * the input as a crash reproducer; the targets use it for properties that
 * must hold whatever the input (our own output parses back, what we sign
 * is what a reader sees), not for input errors, which are data.
 *
 * fuzz_tmpdir() makes one private directory per process for targets whose
 * code under test reads files (rule files, templates); fuzz_write() puts
 * the input there. The directory is removed at exit.
 */
#ifndef AGW_FUZZ_H
#define AGW_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

#define FUZZ_CHECK(cond)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
                    __LINE__, #cond);                                     \
            abort();                                                      \
        }                                                                 \
    } while (0)

/* 1 when rc reports a failure; a failure must say why (an error set). */
static inline int fuzz_failed(int rc, const struct err *e)
{
    if (rc == 0)
        return 0;
    FUZZ_CHECK(err_is_set(e));
    return 1;
}

static char fuzz_dir[64];
static char fuzz_file[128];

static void fuzz_cleanup(void)
{
    if (fuzz_file[0])
        unlink(fuzz_file);
    if (fuzz_dir[0])
        rmdir(fuzz_dir);
}

/* One directory per process; name is the file the input goes to. */
static inline const char *fuzz_tmpdir(const char *name)
{
    if (fuzz_dir[0] == '\0') {
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/agw-fuzz.XXXXXX");
        if (mkdtemp(fuzz_dir) == NULL) {
            perror("mkdtemp");
            abort();
        }
        snprintf(fuzz_file, sizeof fuzz_file, "%s/%s", fuzz_dir, name);
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

static inline void fuzz_write(const uint8_t *data, size_t size)
{
    FILE *f = fopen(fuzz_file, "wb");

    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(fuzz_file);
        abort();
    }
}

#endif
