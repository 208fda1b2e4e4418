/*
 * gateway - the handles one command works with, opened once from the
 * configuration and passed down: database, GnuPG, sites index and
 * anonymiser. Parts are opened on first use, so a command that never signs
 * never starts GnuPG.
 *
 * Ownership: the gateway borrows conf; everything else it opens it frees
 * in gateway_close().
 */
#ifndef AGW_GATEWAY_H
#define AGW_GATEWAY_H

#include "mail/anon.h"
#include "mail/leak.h"
#include "conf/conf.h"
#include "util/err.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "mail/sites.h"
#include "mail/pgp_remote.h"
#include "util/sandbox.h"
#include "db/store.h"

struct gateway {
    const struct conf *conf;
    struct store *store;
    struct pgp *pgp;
    struct sites *sites;
    struct anon *anon;
    /* the independent leak check of copies (mail/leak.h), made with the
     * anonymiser, before any sandboxed child */
    struct leak *leak;
    char signing_key[PGP_FPR_MAX];
    /* In a sandboxed child (process_child.c): the way to the parent, which
     * alone holds the database and GnuPG. NULL in the parent. */
    struct sandbox_chan *remote;
};

void gateway_init(struct gateway *g, const struct conf *c);
void gateway_close(struct gateway *g);

/* create: make the database if missing (init only). */
int gateway_store(struct gateway *g, int create, struct err *e);
int gateway_pgp(struct gateway *g, struct err *e);
/* The gateway's signing key: conf's signing_key, else the one init saved. */
int gateway_signing_key(struct gateway *g, struct err *e);
/* Sites (registry, plus conf's sites_file, plus keep-list), the
 * anonymiser with conf's rules, and the leak detector over the sites. */
int gateway_anon(struct gateway *g, struct err *e);
/* conf's [limits] and max_size as message limits (every msg_parse of
 * inbound mail takes them). */
void gateway_msg_limits(const struct gateway *g, struct msg_limits *lim);
/* conf's PCRE2 limits, for an anonymiser made outside gateway_anon. */
void gateway_anon_limits(const struct conf *c, struct anon_limits *l);

/* 1 when fpr is an active officer, 0 when not; -1 on error. In a
 * sandboxed child the parent looks it up. */
int gateway_officer_active(struct gateway *g, const char *fpr,
                           struct err *e);

/* A fresh sandboxed child's copy of g: the inherited database handle is
 * left alone (never used across fork), GnuPG and the officer look-up go
 * through ch. */
int gateway_enter_sandbox(struct gateway *g, struct sandbox_chan *ch,
                          struct err *e);

/* The parent's side of those calls (sandbox_serve). */
struct gateway_server {
    struct gateway *g;
    struct pgp_remote_server pgp;
};
void gateway_server_init(struct gateway_server *s, struct gateway *g);
int gateway_serve(void *arg, uint32_t op, const char *req, size_t len,
                  struct buf *reply, struct err *e);

#endif
