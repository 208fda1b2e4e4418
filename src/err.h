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
 */
#ifndef AGW_ERR_H
#define AGW_ERR_H

#define ERR_MSG_MAX 512

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

struct err {
    enum err_code code;
    char msg[ERR_MSG_MAX];
};

void err_init(struct err *e);
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

#endif
