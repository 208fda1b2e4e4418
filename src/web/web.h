/*
 * web - the web console (issue 18): `alertgw web` serves it, on
 * loopback or a UNIX socket only (TLS and the outside world belong to
 * the reverse proxy in front of it).
 *
 * web_serve runs until SIGTERM or SIGINT, answering one request at a
 * time on one thread that owns the gateway's handles (database, GnuPG):
 * the console is for a few people, and one writer is what SQLite wants.
 * Pages read the command line's views (db/listing.h); every change goes
 * through the registry's verbs (registry/registry.h), in one
 * transaction with its audit row naming the account.
 *
 * listen: "HOST:PORT" where HOST is a numeric loopback address
 * (127.0.0.0/8, [::1]) or "localhost"; anything else is ERR_USAGE.
 * socket: a path; a stale socket there is replaced. Exactly one of the
 * two. ready (may be NULL) is written a line once the server listens.
 */
#ifndef AGW_WEB_H
#define AGW_WEB_H

#include <stdio.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "util/err.h"

struct web_opts {
    const char *listen;
    const char *socket;
    FILE *ready;
};

int web_serve(struct gateway *g, const struct conf *c,
              const struct web_opts *o, struct err *e);

/* The address check alone (tests): 0 and the family and port, or
 * ERR_USAGE naming why. */
int web_listen_addr(const char *spec, void *sa, unsigned *salen,
                    struct err *e);

#endif
