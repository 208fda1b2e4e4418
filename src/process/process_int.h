/*
 * process_int - what the pipeline's parts share: the alert, its lists and
 * copies, the steps the driver (process.c) runs, and the copy maker that
 * the sandboxed child (process_child.c) runs. Not for other modules.
 *
 *   process.c        the driver: attempts, loading, open, copies, verdicts
 *   prepare.c        an officer's command, or the alert's id and thread
 *   copy.c           one list's copy (in the child)
 *   copy_ind.c       its indicator attachments (in the child)
 *   affected.c       the affected audience: sites named, who they add
 *   encrypt.c        per-recipient encryption (in the parent)
 *   commit.c         the one transaction that stores it all
 *   preview.c        preview and anonymise, for the officers
 *   process_child.c  the sandboxed children
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
#include "util/limits.h"

/* lists.encrypt */
enum plist_encrypt { ENCRYPT_NEVER = 0, ENCRYPT_IF_KEY, ENCRYPT_ALWAYS };

/* lists.indicators, as bits: which attachments carry the indicators */
enum { PLIST_IND_CSV = 1, PLIST_IND_STIX = 2 };

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
    int indicators;             /* PLIST_IND_* bits */
    int affected;               /* the affected audience (affected.c), not
                                 * a list of the registry: id 0 */
    /* Made by the parent before the copies' child runs (it opens no file
     * and reads no database): */
    struct render_tmpl *tmpl;   /* the list's template */
    char in_reply_to[MAILOUT_MSGID_MAX];    /* an update: its last copy */
    char *refs;                 /* and the thread before it */
    /* The affected audience's copy, in the copies' child: the sites it
     * names for the template ({{sites}}); the child's own memory. */
    char *affected_sites;
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
    /* Sites the signed text excludes (Not-affected: lines) */
    char not_affected[ALERT_NOT_AFFECTED_MAX][SITES_NAME_MAX + 1];
    size_t n_not_affected;
};

/* The distribution an alert came in for. */
struct pdist {
    int64_t id;
    enum alert_tlp default_tlp;
    int require_release;
    char address[PROCESS_ADDR_MAX];     /* what a signed To: must name */
    int affected;                       /* dists.affected is 'whole' */
};

/* The affected audience of one alert (affected.c): the sites it names
 * as the copies' child found them, and one row per site excluded, site
 * without a contact, or recipient (added, or already getting the whole
 * alert through a list). */
struct paff_row {
    char site[SITES_NAME_MAX + 1];
    char address[REGISTRY_ADDR_MAX + 1];    /* "" for a row of the site */
    char fpr[PGP_FPR_MAX];
    const char *outcome;    /* added, already, excluded, no-contact,
                             * not-named */
    char why[ERR_MSG_MAX / 2];
};

struct paffected {
    char (*sites)[SITES_NAME_MAX + 1];
    size_t nsites;
    struct paff_row *v;
    size_t n, cap;
    size_t added;
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

/* What a step tells the driver (process_alert), instead of a private
 * 1 or 2: go on to the next step, stop with the verdict in the
 * process_result (process_stop records it), done (the step recorded the
 * outcome itself), or an error in the struct err. */
enum pstep {
    PSTEP_ERROR = -1,
    PSTEP_GO = 0,
    PSTEP_STOP = 1,
    PSTEP_DONE = 2,
};

/* process.c: loading, and what every step reads. */
void plists_free(struct plist *v, size_t n);
/* The lists of distribution dist, by name; dist < 0: the one list named
 * name (ERR_NOUSER when none). *out is the caller's (plists_free). */
int plists_load(struct gateway *g, int64_t dist, const char *name,
                struct plist **out, size_t *n, struct err *e);
/* Why list l does not get an alert labelled tlp, into l->withheld ("":
 * it does). */
void plist_withhold(struct plist *l, enum alert_tlp tlp);
/* The placeholders an alert's thread already has, into map. */
int process_map_load(struct gateway *g, const char *alert_id,
                     struct anon_map *map, struct err *e);
/* The body's text (msg_content_body: the first text/plain part outside
 * attached messages), "" when none; borrowed from c. */
const char *process_body_text(const struct msg_content *c);
/* Id, TLP and risk as the text states them (r may be NULL). */
int process_meta(struct gateway *g, struct palert *a,
                 struct process_result *r, struct err *e);
/* n: rows a verdict's UPDATE changed; 0 is ERR_DUP (another process
 * finished the alert first). */
int process_claim(struct err *e, int n, int64_t row);

/* prepare.c */
int process_find_id(struct gateway *g, struct palert *a);  /* 1: found */
/* The id the alert names, or the one it would get (nothing stored). */
int process_alert_id(struct gateway *g, struct palert *a, struct err *e);
/* GO: not a command; STOP: refused (r); DONE: done and recorded. */
enum pstep process_command(struct gateway *g, int64_t row, struct palert *a,
                           struct process_result *r, struct err *e);
/* Id (reserved), thread, update number, TLP default: GO or ERROR. */
enum pstep process_prepare(struct gateway *g, int64_t row,
                           const struct pdist *d, struct palert *a,
                           struct process_result *r, struct err *e);

/* copy.c */
void pcopy_init(struct pcopy *c);
void pcopy_free(struct pcopy *c);
/* Anonymise, render, build, sign and leak-check c's list copy. */
int copy_make(struct pctx *c, struct pcopy *out, struct err *e);
/* keep.c: the hosts of the alert's "Keep:" lines added to s's keep-list
 * (the child's copy of the index); ERR_DATA for one under a site domain
 * or no host name, ERR_NOMEM. */
int keep_apply(struct sites *s, const struct msg_content *mc, struct err *e);
/* A failed buf_* call (rc, buf.h) as an error: BUF_ENOMEM is ERR_NOMEM
 * (temporary), the cap ERR_TOOBIG with what. Returns -1. */
int copy_nospace(int rc, struct err *e, const char *what);
/* Fail closed on a whole built message (msg[0..len), signed or not): the
 * anonymiser's scanner and the independent detector (mail/leak.h) over
 * its Subject, every part decoded, every file name, and the raw bytes.
 * ERR_LEAK naming the first finding. */
int copy_leak_msg(struct pctx *c, const char *msg, size_t len,
                  struct err *e);
/* in as it goes into c's copy: anonymised when the list wants it. */
int copy_text(struct pctx *c, const char *in, size_t len, struct buf *out,
              struct err *e);

/* The parts of a copy and its shape: v[0] is the rendered body, the
 * others come from the alert (anonymised as the list wants) and then
 * from copy_indicators. */
struct pparts {
    struct msg_part v[MSG_DEFAULT_MAX_PARTS + 1];
    struct buf data[MSG_DEFAULT_MAX_PARTS + 1];
    size_t n;
    size_t ncontent;    /* v[0..ncontent): the alert's; after: indicators */
    unsigned char label[MSG_DEFAULT_MAX_PARTS + 1]; /* an HTML rendering */
    struct msg_node tree[COPY_NODES_MAX];   /* the alert's shape over v */
    size_t nt;                              /* (owns the cids) */
    int has_body;                           /* tree holds v[0] */
    struct msg_node nodes[COPY_NODES_MAX];  /* the copy's, from tree */
    size_t nn;
};
void pparts_free(struct pparts *pp);
/* copy.c: one part of the alert into pp as c's list wants it (text
 * anonymised, binary by the list's policy): added, or dropped with a
 * note in notes (pp->n unchanged), or ERR_LEAK when the list refuses. */
int copy_part(struct pctx *c, const struct msg_part *p, struct pparts *pp,
              struct buf *notes, struct err *e);
/* A note that part p was dropped, into notes. */
int copy_note_drop(struct pctx *c, const struct msg_part *p,
                   struct buf *notes, struct err *e);
/* copy_shape.c: Subject, body (msg_content_body) and the other parts of
 * the alert in their shape (pp->tree), as they go into c's copy; pp->v[0]
 * is left to the caller. Dropped parts are noted at the end of body. */
int copy_content(struct pctx *c, struct buf *subject, struct buf *body,
                 struct pparts *pp, struct err *e);
/* The entity of pp (v[0] set, indicators added): the alert's shape with
 * the body in it (or first, in a multipart/mixed around it) and the
 * indicator attachments last; hdrs as msg_build_tree's. */
int copy_shape_build(struct pparts *pp, const struct msg_header_field *hdrs,
                     size_t nhdrs, struct buf *out, struct err *e);

/* The list copy's header fields into h (values borrowed); the count. */
size_t copy_headers(const struct pctx *c, const struct pcopy *cp,
                    const char *subject, const char *listid,
                    struct msg_header_field h[COPY_HEADERS_MAX]);
int copy_list_id(const struct pctx *c, char *out, size_t n);

/* copy_ind.c: the list's indicator attachments (indicators.csv,
 * indicators.json) after the others in pp, as l->indicators asks; the
 * alert's subject and every text/plain part are read. A note at the end
 * of body when some were left out (INDICATORS_MAX). */
int copy_indicators(struct pctx *c, struct pparts *pp, struct buf *body,
                    struct err *e);

/* affected.c */
void paffected_free(struct paffected *af);
/* The pseudo-list of the affected audience (template 'affected') into
 * *l, owned by the caller's plists_free array. */
int affected_plist(struct plist *l, struct err *e);
/* In the copies' child: the registry sites the alert's text names (the
 * anonymiser's findings over Subject and text parts), into af->sites;
 * and l->affected_sites for the template, the excluded ones left out. */
int affected_find(struct gateway *g, const struct palert *a,
                  struct plist *l, struct paffected *af, struct err *e);
/* In the parent: the rows of af and the recipients of cp (the pseudo-
 * list l's copy) from the registry; lists[0..n) are the distribution's
 * lists, whose whole, not withheld copies already reach their members.
 * l->withheld says why nobody is added, when nobody is. */
int affected_resolve(struct gateway *g, const struct palert *a,
                     const struct plist *lists, size_t n, struct plist *l,
                     struct paffected *af, struct pcopy *cp, struct err *e);
/* One line a row of af, for a receipt or a preview ("  SITE: ..."). */
int affected_describe(const struct paffected *af, struct buf *out);

/* encrypt.c */
/* Every list not withheld that encrypts: each recipient classified and
 * its own message made (copies[i].rcpts). */
int process_encrypt(struct gateway *g, const struct palert *a,
                    struct plist *lists, size_t n, struct pcopy *copies,
                    struct err *e);
/* The recipients of l and their pinned fingerprints, ordered; *st is the
 * caller's (store_finalize). */
int encrypt_rcpts(struct gateway *g, const struct plist *l,
                  struct store_stmt **st, struct err *e);

/* commit.c: store and queue everything, or nothing; r gets the verdict
 * (queued, awaiting release, or held when every list withholds it). */
int process_commit(struct gateway *g, int64_t row, const struct pdist *d,
                   const struct palert *a, const struct anon_map *map,
                   const struct plist *lists, const struct pcopy *copies,
                   size_t n, const struct paffected *af,
                   struct process_result *r, struct err *e);

/* process_child.c: the same work in a sandboxed child. Each returns 0
 * with its results, 1 when the child failed (crash, limit, garbage: r
 * holds the quarantine, "malformed: ..."), -1 on an error of the work
 * itself or of starting it (e; a temporary one leaves the alert new). */
int child_open(struct gateway *g, const char *raw, size_t len,
               struct auth_result *ar, struct process_result *r,
               struct err *e);
/* Every list not withheld: copies[i] filled; *map replaced by the one
 * the copies were made with. */
/* An affected pseudo-list among them: af->sites gets the sites the
 * alert names (af may be NULL when there is none). */
int child_copies(struct gateway *g, const struct palert *a,
                 struct plist *lists, size_t n, struct anon_map **map,
                 struct pcopy *copies, struct paffected *af,
                 struct process_result *r, struct err *e);

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
