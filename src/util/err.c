#include "util/err.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* Every outcome, once: whether it is temporary, the exit status a
 * command ends with (sysexits.h), and what `filter` answers the MTA with
 * its enhanced status code (DESIGN.md: Postfix defers only on 75, so
 * everything that stops the store but "no such address" and "too big"
 * is temporary there). As Postfix's cleanup_strerror.c keeps its table. */
static const struct {
    enum err_code code;
    int temp;
    int ex;
    int filter_ex;
    const char *dsn;
    const char *name;
} err_table[] = {
    {ERR_OK,       0, EX_OK,       EX_OK,       "2.0.0", "ok"},
    {ERR_USAGE,    0, EX_USAGE,    EX_TEMPFAIL, "4.3.0", "usage"},
    {ERR_CONFIG,   1, EX_CONFIG,   EX_TEMPFAIL, "4.3.0", "config"},
    {ERR_DATA,     0, EX_DATAERR,  EX_TEMPFAIL, "4.3.0", "data"},
    {ERR_TOOBIG,   0, EX_DATAERR,  EX_DATAERR,  "5.3.4", "too big"},
    {ERR_NOUSER,   0, EX_NOUSER,   EX_NOUSER,   "5.1.1", "no such name"},
    {ERR_NOPERM,   0, EX_NOPERM,   EX_TEMPFAIL, "4.3.0", "not authorised"},
    {ERR_LEAK,     0, EX_DATAERR,  EX_TEMPFAIL, "4.3.0", "leak"},
    {ERR_DUP,      0, EX_DATAERR,  EX_TEMPFAIL, "4.3.0", "duplicate"},
    {ERR_TEMP,     1, EX_TEMPFAIL, EX_TEMPFAIL, "4.3.0", "temporary"},
    {ERR_IO,       1, EX_IOERR,    EX_TEMPFAIL, "4.3.0", "i/o"},
    {ERR_NOMEM,    1, EX_OSERR,    EX_TEMPFAIL, "4.3.0", "out of memory"},
    {ERR_SOFTWARE, 0, EX_SOFTWARE, EX_TEMPFAIL, "4.3.0", "internal"},
};

#define ERR_NTABLE (sizeof(err_table) / sizeof(err_table[0]))

void err_init(struct err *e)
{
    e->code = ERR_OK;
    e->msg[0] = '\0';
    e->list = NULL;
}

void err_list_init(struct err_list *l)
{
    l->n = 0;
    l->more = 0;
}

void err_collect(struct err *e, struct err_list *l)
{
    e->list = l;
}

/* Control bytes and newlines would break the one-line promise (and a
 * Postfix bounce text). */
static void err_printable(char *s)
{
    text_oneline(s, strlen(s) + 1, s);
}

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL || e->code != ERR_OK)
        return -1;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    err_printable(e->msg);
    return -1;
}

/* Lines past the limit are counted, not kept: the count is what the
 * "... and N more" line needs. */
static void err_list_push(struct err_list *l, const char *msg)
{
    if (l->n >= ERR_LIST_MAX) {
        l->more++;
        return;
    }
    snprintf(l->line[l->n++], ERR_MSG_MAX, "%s", msg);
}

int err_add(struct err *e, enum err_code code, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    if (e == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_printable(msg);
    if (e->list)
        err_list_push(e->list, msg);
    return err_set(e, code, "%s", msg);
}

int err_reword(struct err *e, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    err_printable(e->msg);
    return -1;
}

int err_is_set(const struct err *e)
{
    return e->code != ERR_OK;
}

int err_is_temp(const struct err *e)
{
    size_t i;

    for (i = 0; i < ERR_NTABLE; i++)
        if (err_table[i].code == e->code)
            return err_table[i].temp;
    return 0;
}

const char *err_code_name(enum err_code code)
{
    size_t i;

    for (i = 0; i < ERR_NTABLE; i++)
        if (err_table[i].code == code)
            return err_table[i].name;
    return "unknown";
}

/* The row of code; ERR_SOFTWARE's for a code not in the table. */
static size_t err_row(enum err_code code)
{
    size_t i;

    for (i = 0; i < ERR_NTABLE; i++)
        if (err_table[i].code == code)
            return i;
    return ERR_NTABLE - 1;
}

int err_exit_status(enum err_code code, int filter_mode)
{
    size_t i = err_row(code);

    return filter_mode ? err_table[i].filter_ex : err_table[i].ex;
}

const char *err_dsn(enum err_code code)
{
    return err_table[err_row(code)].dsn;
}
