/*
 * csv - RFC 4180 records: read one record at a time from a text, write
 * one record to a buffer. Knows nothing of what the columns mean.
 *
 * Reading: fields separated by ',', a record ends at LF or CRLF, a field
 * in double quotes may hold ',', CR, LF and "" (one quote). A blank line
 * is skipped. At most CSV_FIELDS_MAX fields a record and CSV_RECORD_MAX
 * bytes of field text: more is an error, never a truncation.
 *
 * Writing: a field is quoted when it holds ',', '"', CR, LF or leading or
 * trailing white space; records end with LF. A field a spreadsheet would
 * take for a formula (first byte = + - @, tab or CR) is written after a
 * ' (OWASP's CSV injection advice); reading drops that ' again, so an
 * export reads back unchanged. A field that really starts with ' and a
 * formula byte gets one more, so the rule is its own inverse.
 *
 * Ownership: csv_next's field pointers point into rec, the caller's
 * buffer, and live until the next call with it.
 */
#ifndef AGW_CSV_H
#define AGW_CSV_H

#include <stddef.h>

#include "util/buf.h"
#include "util/limits.h"

enum { CSV_OK = 0, CSV_EQUOTE = -1, CSV_EFIELDS = -2, CSV_ETOOBIG = -3,
       CSV_ENOMEM = -4 };

/* One record from text[*pos..len): 1 and *pos moved past it, 0 at the end,
 * or a CSV_E* code. *line counts lines read (for messages). */
int csv_next(const char *text, size_t len, size_t *pos, size_t *line,
             struct buf *rec, const char *fields[CSV_FIELDS_MAX], size_t *n);
/* Append one record. 0, or -1 when out is full. */
int csv_put(struct buf *out, const char *const *fields, size_t n);
const char *csv_strerror(int code);

#endif
