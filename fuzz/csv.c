/*
 * fuzz_csv - the RFC 4180 reader under the registry's CSV import: every
 * record of the input, each written back with csv_put and read again.
 *
 * Invariants: the reader always moves forward and stays in the text; no
 * record has more than CSV_FIELDS_MAX fields; a record written by csv_put
 * reads back as the same fields (no field can smuggle in a column or a
 * record).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/csv.h"

#define FZ_RECORDS_MAX 4096

static void fz_round_trip(const char *const *f, size_t n)
{
    const char *g[CSV_FIELDS_MAX];
    struct buf out, rec;
    size_t pos = 0, line = 0, m = 0, i;
    int rc;

    buf_init(&out, 4 * CSV_RECORD_MAX);
    buf_init(&rec, CSV_RECORD_MAX + 1);
    FUZZ_CHECK(csv_put(&out, f, n) == 0);
    rc = csv_next(buf_cstr(&out), out.len, &pos, &line, &rec, g, &m);
    /* a record of one empty field is written as a blank line, which the
     * reader skips */
    if (!(n == 1 && f[0][0] == '\0')) {
        FUZZ_CHECK(rc == 1);
        FUZZ_CHECK(m == n);
        for (i = 0; i < n; i++)
            FUZZ_CHECK(strcmp(f[i], g[i]) == 0);
        FUZZ_CHECK(pos == out.len);
    }
    buf_free(&rec);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    const char *f[CSV_FIELDS_MAX];
    struct buf rec;
    size_t pos = 0, line = 0, n = 0, last, k;
    int rc = 1;

    buf_init(&rec, CSV_RECORD_MAX + 1);
    for (k = 0; rc == 1 && k < FZ_RECORDS_MAX; k++) {
        last = pos;
        rc = csv_next(t, size, &pos, &line, &rec, f, &n);
        FUZZ_CHECK(pos <= size);
        FUZZ_CHECK(csv_strerror(rc) != NULL);
        if (rc != 1)
            break;
        FUZZ_CHECK(pos > last);
        FUZZ_CHECK(n >= 1 && n <= CSV_FIELDS_MAX);
        /* fields with NUL bytes cannot be compared as strings */
        if (memchr(t + last, '\0', pos - last) == NULL)
            fz_round_trip(f, n);
    }
    buf_free(&rec);
    return 0;
}
