#include "util/csv.h"

#include <string.h>

/* One field from text at *pos into rec (NUL-terminated); stops before the
 * separator or line end. */
static int csv_field(const char *text, size_t len, size_t *pos, size_t *line,
                     struct buf *rec)
{
    size_t i = *pos;

    if (i < len && text[i] == '"') {
        for (i++;; i++) {
            if (i >= len)
                return CSV_EQUOTE;
            if (text[i] == '"') {
                if (i + 1 < len && text[i + 1] == '"')
                    i++;
                else
                    break;
            }
            if (text[i] == '\n')
                (*line)++;
            if (buf_putc(rec, text[i]) != 0)
                return CSV_ETOOBIG;
        }
        i++;
        if (i < len && !memchr(",\r\n", text[i], 3))
            return CSV_EQUOTE;
    } else {
        /* memchr, not strchr: strchr finds a NUL byte in ",\r\n" and a
         * NUL would end the record without moving (an endless loop) */
        for (; i < len && !memchr(",\r\n", text[i], 3); i++) {
            if (text[i] == '"' || text[i] == '\0')
                return CSV_EQUOTE;
            if (buf_putc(rec, text[i]) != 0)
                return CSV_ETOOBIG;
        }
    }
    *pos = i;
    return buf_putc(rec, '\0') == 0 ? CSV_OK : CSV_ETOOBIG;
}

static size_t csv_skip_blank(const char *text, size_t len, size_t i,
                             size_t *line)
{
    while (i < len && (text[i] == '\n' || (text[i] == '\r' && i + 1 < len &&
                                           text[i + 1] == '\n'))) {
        if (text[i] == '\n')
            (*line)++;
        i++;
    }
    return i;
}

/* A field a spreadsheet would run as a formula (CWE-1236): it starts
 * with = + - @, a tab or a CR, or is such a field already neutralised. */
static int csv_formula(const char *f)
{
    while (*f == '\'')
        f++;
    return *f && strchr("=+-@\t\r", *f) != NULL;
}

int csv_next(const char *text, size_t len, size_t *pos, size_t *line,
             struct buf *rec, const char *fields[CSV_FIELDS_MAX], size_t *n)
{
    size_t off[CSV_FIELDS_MAX], i, k = 0;
    int rc;

    buf_reset(rec);
    rec->max = CSV_RECORD_MAX;
    *n = 0;
    *pos = csv_skip_blank(text, len, *pos, line);
    if (*pos >= len)
        return 0;
    for (;;) {
        if (k == CSV_FIELDS_MAX)
            return CSV_EFIELDS;
        off[k++] = rec->len;
        if ((rc = csv_field(text, len, pos, line, rec)) != CSV_OK)
            return rc;
        if (*pos < len && text[*pos] == ',') {
            (*pos)++;
            continue;
        }
        break;
    }
    if (*pos < len && text[*pos] == '\r')
        (*pos)++;
    if (*pos < len && text[*pos] == '\n') {
        (*pos)++;
        (*line)++;
    }
    /* undo csv_put_field's quote: an export reads back as it was */
    for (i = 0; i < k; i++) {
        fields[i] = rec->data + off[i];
        if (fields[i][0] == '\'' && csv_formula(fields[i] + 1))
            fields[i]++;
    }
    *n = k;
    return 1;
}

static int csv_needs_quotes(const char *f)
{
    size_t n = strlen(f);

    return strpbrk(f, ",\"\r\n") != NULL ||
           (n > 0 && (f[0] == ' ' || f[0] == '\t' || f[n - 1] == ' ' ||
                      f[n - 1] == '\t'));
}

static int csv_put_field(struct buf *out, const char *f)
{
    int quote = csv_needs_quotes(f);

    if ((quote && buf_putc(out, '"') != 0) ||
        (csv_formula(f) && buf_putc(out, '\'') != 0))
        return -1;
    for (; *f; f++)
        if ((quote && *f == '"' && buf_putc(out, '"') != 0) ||
            buf_putc(out, *f) != 0)
            return -1;
    return quote ? buf_putc(out, '"') : 0;
}

int csv_put(struct buf *out, const char *const *fields, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((i && buf_putc(out, ',') != 0) ||
            csv_put_field(out, fields[i] ? fields[i] : "") != 0)
            return -1;
    return buf_putc(out, '\n') == 0 ? 0 : -1;
}

const char *csv_strerror(int code)
{
    switch (code) {
    case CSV_EQUOTE:
        return "stray or unterminated double quote";
    case CSV_EFIELDS:
        return "too many fields";
    case CSV_ETOOBIG:
        return "record too long";
    case CSV_ENOMEM:
        return "out of memory";
    default:
        return "no error";
    }
}
