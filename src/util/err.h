/*
 * err - one error: a code, its class (temporary or permanent) and one
 * printable line.
 *
 * Fallible functions return 0 on success and -1 on failure, after filling
 * the caller's struct err with err_set(). The first error wins: later
 * err_set() calls on an already-set err do nothing, so the innermost cause
 * reaches the user. The message never holds a newline or control byte.
 *
 * The code decides the class and, in cli only, the exit status; the table
 * in err.c is the one place where that is written down.
 *
 * A loader that reports every error of a file before it fails (conf, the
 * sites file, rule files) calls err_add() once per bad line instead of
 * err_set(). The first line still fills the err as err_set() would; when
 * the caller attached a struct err_list with err_collect(), every line is
 * also kept there, up to ERR_LIST_MAX, and the rest only counted. Callers
 * that attach nothing see the first error alone, as before.
 */
#ifndef AGW_ERR_H
#define AGW_ERR_H

#include "util/limits.h"

#include <stddef.h>

enum err_code {
    ERR_OK = 0,
    ERR_USAGE,      /* bad command line */
    ERR_CONFIG,     /* configuration file or rule file broken */
    ERR_DATA,       /* malformed input: message, sites file, address */
    ERR_TOOBIG,     /* input over a configured limit */
    ERR_NOUSER,     /* no distribution / list / contact by that name */
    ERR_NOPERM,     /* not signed by an authorised officer, replay */
    ERR_LEAK,       /* a copy failed the leak check */
    ERR_DUP,        /* already exists */
    ERR_TEMP,       /* transient: database busy, agent down, relay 4xx */
    ERR_IO,         /* local I/O failure (disk full, unwritable) */
    ERR_NOMEM,
    ERR_SOFTWARE    /* internal error, library misuse */
};

struct err_list {
    size_t n;                           /* lines kept in line[] */
    size_t more;                        /* lines past ERR_LIST_MAX */
    char line[ERR_LIST_MAX][ERR_MSG_MAX];
};

struct err {
    enum err_code code;
    char msg[ERR_MSG_MAX];
    struct err_list *list;  /* borrowed, NULL: first error only */
};

/* Clears e and detaches any list. */
void err_init(struct err *e);
/* Empty the list. */
void err_list_init(struct err_list *l);
/* Keep every err_add() line of e in l from now on. l is borrowed: it must
 * outlive e and every copy of e (a struct copy shares the list).
 * err_init() detaches it again. */
void err_collect(struct err *e, struct err_list *l);
/* One error of several: sets e unless already set, and adds the line to
 * e's list if one is attached. Always returns -1. */
int err_add(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets e unless already set; always returns -1 for `return err_set(...)`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replace an error already set with a clearer one (a constraint failure
 * the caller understands better than the database did). Returns -1. */
int err_reword(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_is_set(const struct err *e);
/* Temporary errors are retried later (the MTA keeps the mail, the worker
 * tries again); permanent ones are reported and recorded. */
int err_is_temp(const struct err *e);
const char *err_code_name(enum err_code code);
/* The exit status a command ends with for code (sysexits.h); filter_mode:
 * the one `filter` answers the MTA with. */
int err_exit_status(enum err_code code, int filter_mode);
/* The enhanced status code `filter`'s line starts with ("5.1.1"). */
const char *err_dsn(enum err_code code);

#endif
