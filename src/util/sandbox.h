/*
 * sandbox - run work on untrusted bytes in a forked child that can do
 * nothing else: the gateway's answer to parser defects it cannot fix
 * (libetpan's among them, README "Process isolation").
 *
 * The child inherits what the parent prepared (configuration, sites,
 * compiled rules, templates, the raw message) through fork(), then, before
 * it reads a byte of the input:
 *   - keeps only stderr and its end of a socket pair (fd 3), closing every
 *     other descriptor (the database's included);
 *   - takes resource limits: address space (the parent's plus
 *     mem_bytes), CPU seconds, open files, no file writes, no core dumps;
 *     it dies with the parent;
 *   - enters a seccomp filter (libseccomp) that kills it on any system
 *     call outside memory management, reading its socket and writing its
 *     socket or stderr: no sockets, no exec, no fork, no writable open.
 *     A read-only open fails with EACCES instead (a library's lazy load
 *     of a data file, an iconv module, must fail, not kill a good alert).
 * It may ask the parent for a service (the parent's serve callback: here,
 * GnuPG operations) with sandbox_call(), and ends by handing back one
 * record. The parent enforces a wall-clock deadline on the whole run.
 *
 * Whatever the child does - dies by a signal, exceeds a limit, hangs,
 * sends a record that does not parse - the parent gets a definite outcome
 * (struct sandbox_end) and goes on; only failures to start the child at
 * all (fork, socketpair) are errors (ERR_TEMP: try later).
 *
 * Under AddressSanitizer the address-space limit is not set (ASan maps
 * terabytes of shadow memory), and under valgrind neither the seccomp
 * filter (valgrind cannot run one) nor the address-space and descriptor
 * limits (it refuses them); everything else holds.
 *
 * Ownership: result is the caller's buffer; records are bounded by
 * frame_max both ways.
 */
#ifndef AGW_SANDBOX_H
#define AGW_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/buf.h"

/* Built with AddressSanitizer (gcc or clang): its shadow memory and its
 * fault handlers change what may be set here and in filter. */
#if defined(__SANITIZE_ADDRESS__)
#define AGW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AGW_ASAN 1
#endif
#endif

struct sandbox_limits {
    size_t mem_bytes;       /* address space the child may add */
    unsigned cpu_seconds;   /* RLIMIT_CPU */
    unsigned wall_seconds;  /* the parent kills it after that */
    size_t frame_max;       /* largest record either way */
};

struct sandbox_chan;

/* In the child, locked down: fill result. -1 with e set: that error is
 * the run's (ERR_NOMEM counts as the memory limit). */
typedef int (*sandbox_work)(void *arg, struct sandbox_chan *ch,
                            struct buf *result, struct err *e);
/* In the parent: answer one call of op with req into reply. -1 with e
 * set sends that error back as the call's result. */
typedef int (*sandbox_serve)(void *arg, uint32_t op, const char *req,
                             size_t len, struct buf *reply, struct err *e);

enum sandbox_how {
    SANDBOX_DONE = 0,       /* a record came back */
    SANDBOX_FAILED,         /* work returned an error (e set by run) */
    SANDBOX_CRASHED,        /* died by a signal or exited without a record */
    SANDBOX_MEMORY,         /* over the memory limit */
    SANDBOX_CPU,            /* over the CPU limit */
    SANDBOX_TIMEOUT,        /* over the wall-clock deadline */
    SANDBOX_GARBAGE         /* sent something that is not a record */
};

struct sandbox_end {
    enum sandbox_how how;
    char reason[ERR_MSG_MAX];   /* "parser crashed (signal 11)" ... */
};

/* Memory and CPU as given, the wall clock derived from the CPU limit,
 * records of up to 256 MiB. */
void sandbox_limits_set(struct sandbox_limits *lim, size_t mem_bytes,
                        unsigned cpu_seconds);
/* The same with the defaults of [limits] child_memory_mb and
 * child_cpu_seconds (util/limits.h). */
void sandbox_limits_default(struct sandbox_limits *lim);

/* 0: the child ran and end says how it ended (result holds the record
 * when SANDBOX_DONE; e holds work's error when SANDBOX_FAILED, and run
 * still returns 0). -1: no child could be run (e set). */
int sandbox_run(const struct sandbox_limits *lim, sandbox_work work,
                void *warg, sandbox_serve serve, void *sarg,
                struct buf *result, struct sandbox_end *end, struct err *e);

/* In the child: one call to the parent's serve; reply appended. -1 with
 * e set to the parent's error, or ERR_SOFTWARE when the channel broke. */
int sandbox_call(struct sandbox_chan *ch, uint32_t op, const char *req,
                 size_t len, struct buf *reply, struct err *e);

/* 1 in a child of sandbox_run, where no database or file may be used. */
int sandbox_inside(void);
/* 1 when running under valgrind (which cannot follow every trick here). */
int sandbox_valgrind(void);

#endif
