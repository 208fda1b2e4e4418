/*
 * process_int - what the pipeline's parts share: the alert, its lists and
 * copies as process.c makes them, and the copy maker that the sandboxed
 * child (process_child.c) runs. Not for other modules.
 */
#ifndef AGW_PROCESS_INT_H
#define AGW_PROCESS_INT_H

#include <stdint.h>
#include <time.h>

#include "process/alert.h"
#include "process/auth.h"
#include "mail/anon.h"
#include "util/err.h"
#include "gateway/gateway.h"
#include "process/mailout.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "process/process.h"
#include "registry/registry.h"
#include "mail/render.h"
#include "util/buf.h"

#define PROCESS_LISTS_MAX REGISTRY_DIST_LISTS_MAX
/* Processing attempts an alert may start without an outcome before it
 * is quarantined (the worker killed each time: README "Process
 * isolation"). */
#define PROCESS_ATTEMPTS_MAX 3
#define PROCESS_ADDR_MAX 256            /* a distribution's address */
/* A Subject read from the signed body ("Subject: ..." at its top). */
#define PROCESS_BODY_SUBJECT_MAX 998
#define PROCESS_COPY_MAX (64u * 1024 * 1024)
#define PROCESS_SUBJECT_MAX (16u * 1024)  /* before the id is put in */
/* Recipients of one encrypting list: each gets a message of its own, all
 * held in memory until the commit. */
#define PROCESS_ENCRYPT_RCPTS_MAX 5000

/* lists.encrypt */
enum plist_encrypt { ENCRYPT_NEVER = 0, ENCRYPT_IF_KEY, ENCRYPT_ALWAYS };

/* One list of the distribution, as the pipeline needs it. */
struct plist {
    int64_t id;
    char *name;
    char *address;
    char *template_name;
    char *attachments;
    int anonymise;
    enum alert_tlp ceiling;
    int single_org;             /* meant for one organisation */
    int64_t orgs;               /* organisations its recipients belong to */
    char withheld[ERR_MSG_MAX]; /* why this alert does not go there */
    enum plist_encrypt encrypt;
    /* Made by the parent before the copies' child runs (it opens no file
     * and reads no database): */
    struct render_tmpl *tmpl;   /* the list's template */
    char in_reply_to[MAILOUT_MSGID_MAX];    /* an update: its last copy */
    char *refs;                 /* and the thread before it */
};

/* What every copy is made from: the authenticated content. */
struct palert {
    struct msg_content *content;
    char alert_id[ALERT_ID_MAX];
    char thread[ALERT_ID_MAX];      /* what updates share: alert_thread() */
    int update_no;                  /* 0: the first mail of its thread */
    enum alert_tlp tlp;
    char risk[ALERT_RISK_MAX];
    char signer[PGP_FPR_MAX];
    time_t signed_at;
};

/* The distribution an alert came in for. */
struct pdist {
    int64_t id;
    enum alert_tlp default_tlp;
    int require_release;
    char address[PROCESS_ADDR_MAX];     /* what a signed To: must name */
};

/* How one recipient of an encrypting list gets the alert. */
enum prcpt_how { RCPT_PLAIN = 0, RCPT_ENCRYPTED, RCPT_NOTICE };

struct prcpt {
    char *address;
    char fpr[PGP_FPR_MAX];      /* contacts.fingerprint, "" when none */
    enum prcpt_how how;
    struct buf msg;             /* encrypted copy or notice; empty: plain */
    char msgid[MAILOUT_MSGID_MAX];  /* the notice's own */
    char why[ERR_MSG_MAX];      /* why not encrypted ("" when it is) */
};

struct pcopy {
    struct buf msg;
    struct buf text;            /* rendered Subject and body, for previews */
    struct buf entity;          /* what msg signs, protected headers in */
    char msgid[MAILOUT_MSGID_MAX];
    char date[MAILOUT_DATE_MAX];
    struct prcpt *rcpts;        /* encrypting lists only: every recipient */
    size_t nrcpts;
};

/* What one copy is being made from and for. */
struct pctx {
    struct gateway *g;
    const struct palert *a;
    const struct plist *l;
    struct anon_map *map;
    struct anon_changes *changes;   /* NULL unless preview --diff */
    const char *in_reply_to;        /* an update: the list's last copy */
    const char *references;         /* and the thread before it */
};

void pcopy_init(struct pcopy *c);
void pcopy_free(struct pcopy *c);
void plists_free(struct plist *v, size_t n);
/* Anonymise, render, build, sign and leak-check c's list copy. */
int copy_make(struct pctx *c, struct pcopy *out, struct err *e);

/* process_child.c: the same work in a sandboxed child. Each returns 0
 * with its results, 1 when the child failed (crash, limit, garbage: r
 * holds the quarantine, "malformed: ..."), -1 on an error of the work
 * itself or of starting it (e; a temporary one leaves the alert new). */
int child_open(struct gateway *g, const char *raw, size_t len,
               struct auth_result *ar, struct process_result *r,
               struct err *e);
/* Every list not withheld: copies[i] filled; *map replaced by the one
 * the copies were made with. */
int child_copies(struct gateway *g, const struct palert *a,
                 struct plist *lists, size_t n, struct anon_map **map,
                 struct pcopy *copies, struct process_result *r,
                 struct err *e);

/* For the officers' commands: a parser crash or limit is ERR_DATA
 * ("malformed: parser crashed (signal 11)"). child_content parses and
 * decodes raw; child_text runs fn in the child, after which g reaches
 * GnuPG through the parent, and takes what fn wrote. */
typedef int (*child_fn)(void *arg, struct buf *out, struct err *e);
int child_content(struct gateway *g, const char *raw, size_t len,
                  struct msg_content **out, struct err *e);
/* raw (may be NULL): the message fn will read, for its charsets. */
int child_text(struct gateway *g, const char *raw, size_t len, child_fn fn,
               void *arg, struct buf *out, struct err *e);

#endif
