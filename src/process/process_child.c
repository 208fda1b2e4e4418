/*
 * process_child - the pipeline's work on an alert's bytes, done in a
 * sandboxed child (sandbox.h) so that a parser defect costs one
 * quarantined alert, never the gateway.
 *
 * Two children per alert, each given what the parent prepared:
 *   open:   MIME parse, authentication's reading of the signed entity,
 *           decoding; back come the verdict and the signed content.
 *   copies: anonymisation, rendering, rebuilding and the leak check of
 *           every list's copy; back come the copies and the placeholders.
 * Between and after them the parent alone touches the database and runs
 * GnuPG (the child asks for verify, decrypt and signatures by the gateway
 * key over the channel: pgp_remote.h).
 *
 * The parent trusts no record: each field is length-checked (util/pack),
 * and a child that claims a good signature GnuPG did not report is
 * treated as garbage.
 */
#include "process/process_int.h"

#include <ctype.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "process/auth.h"
#include "util/fault.h"
#include "util/pack.h"
#include "util/limits.h"

/* The memory seam allocates this much at a time. */
#define CHILD_SEAM_CHUNK (16u * 1024 * 1024)

/* ---- charsets ----------------------------------------------------------
 *
 * iconv loads its converters (gconv modules and their cache) from files
 * on first use, and the child may open no file. So the parent opens, once
 * per process and kept open, a converter to UTF-8 for every charset the
 * raw message names (charset= parameters, RFC 2047 words) and for the
 * common ones; the child then finds them loaded. A charset named only
 * inside an encrypted part cannot be seen beforehand: unless it is a
 * common one, that part cannot be read as text (ERR_DATA, quarantined). */

static const char *const child_common_charsets[] = {
    "utf-8", "us-ascii", "iso-8859-1", "iso-8859-15", "windows-1252",
};

static struct {
    char name[CHILD_CHARSET_NAME_MAX + 1];
    iconv_t cd;
} child_charsets[CHILD_CHARSETS_MAX];
static size_t child_ncharsets;

static void child_warm(const char *name, size_t n)
{
    char cs[CHILD_CHARSET_NAME_MAX + 1];
    size_t i;

    if (n == 0 || n > CHILD_CHARSET_NAME_MAX ||
        child_ncharsets >= CHILD_CHARSETS_MAX)
        return;
    for (i = 0; i < n; i++)
        cs[i] = (char)tolower((unsigned char)name[i]);
    cs[n] = '\0';
    for (i = 0; i < child_ncharsets; i++)
        if (strcmp(child_charsets[i].name, cs) == 0)
            return;
    memcpy(child_charsets[child_ncharsets].name, cs, n + 1);
    child_charsets[child_ncharsets++].cd = iconv_open("utf-8", cs);
}

static size_t child_charset_len(const char *p, const char *end)
{
    size_t n = 0;

    while (p + n < end && (isalnum((unsigned char)p[n]) ||
                           strchr("-_.:+", p[n]) != NULL))
        n++;
    return n;
}

/* Every "charset=NAME" and "=?NAME?" of the raw message: both turn on an
 * '=', which memchr finds fast in a message of any size. */
static void child_warm_charsets(const char *raw, size_t len)
{
    static const char key[] = "charset";
    const size_t klen = sizeof(key) - 1;
    const char *p = raw, *end = raw + len, *q;
    size_t i;

    for (i = 0; i < sizeof(child_common_charsets) /
                    sizeof(child_common_charsets[0]); i++)
        child_warm(child_common_charsets[i],
                   strlen(child_common_charsets[i]));
    while (p < end && (q = memchr(p, '=', (size_t)(end - p))) != NULL) {
        p = q + 1;
        if (p < end && *p == '?') {
            child_warm(p + 1, child_charset_len(p + 1, end));
        } else if ((size_t)(q - raw) >= klen &&
                   strncasecmp(q - klen, key, klen) == 0) {
            if (p < end && *p == '"')
                p++;
            child_warm(p, child_charset_len(p, end));
        }
    }
}

static void child_limits(const struct gateway *g, struct sandbox_limits *l)
{
    sandbox_limits_set(l, (size_t)g->conf->child_memory_mb << 20,
                       (unsigned)g->conf->child_cpu_seconds);
    l->frame_max = CHILD_FRAME_MAX;
}

static int child_quarantine(struct process_result *r, const char *why)
{
    r->verdict = PROCESS_QUARANTINED;
    r->malformed = 1;
    snprintf(r->reason, sizeof(r->reason), "malformed: %.*s",
             (int)sizeof(r->reason) - 16, why);
    return 1;
}

/* The end of a run that brought no record: quarantine, or pass on the
 * child's own error (a temporary one leaves the alert for later). */
static int child_ended(const struct sandbox_end *end,
                       struct process_result *r, struct err *e)
{
    if (end->how == SANDBOX_FAILED)
        return -1;
    return child_quarantine(r, end->reason);
}

/* ---- test seams (README "Process isolation"; tests/e2e/t-isolation) -- */

static int child_seam_memory(const struct sandbox_limits *lim, struct err *e)
{
    size_t got = 0;
    char *p;

    /* without an address-space limit (ASan builds) stop at the budget */
    while (got <= lim->mem_bytes + CHILD_SEAM_CHUNK) {
        p = malloc(CHILD_SEAM_CHUNK);
        if (p == NULL)
            break;
        memset(p, 1, CHILD_SEAM_CHUNK);
        got += CHILD_SEAM_CHUNK;
    }
    return err_set(e, ERR_NOMEM, "%s", "out of memory");
}

static int child_seams(const struct gateway *g, struct err *e)
{
    struct sandbox_limits lim;
    volatile unsigned long spin = 0;

    fault_segv("child-crash");
    if (fault_hit("child-spin"))
        for (;;)
            spin++;
    if (fault_hit("child-open-db") && open(g->conf->db_path, O_RDWR) >= 0)
        return err_set(e, ERR_SOFTWARE, "%s", "the child opened the "
                       "database");
    if (fault_hit("child-memory")) {
        child_limits(g, &lim);
        return child_seam_memory(&lim, e);
    }
    return 0;
}

/* ---- content records ------------------------------------------------- */

static int pack_content(struct buf *b, const struct msg_content *c)
{
    const struct msg_part *p;
    size_t i;
    int rc = pack_puts(b, c->subject) | pack_puts(b, c->from) |
             pack_puts(b, c->signed_to) | pack_puts(b, c->outer_subject) |
             pack_u32(b, (uint32_t)c->nparts);

    for (i = 0; i < c->nparts && rc == 0; i++) {
        p = &c->parts[i];
        rc = pack_u32(b, (uint32_t)p->is_text) |
             pack_u32(b, c->alt ? c->alt[i] : 0) |
             pack_puts(b, p->content_type) |
             pack_u32(b, p->filename != NULL) | pack_puts(b, p->filename) |
             pack_put(b, p->data, p->len);
    }
    rc |= pack_u32(b, (uint32_t)c->nnodes);
    for (i = 0; i < c->nnodes && rc == 0; i++)
        rc = pack_u32(b, (uint32_t)c->nodes[i].kind) |
             pack_u32(b, c->nodes[i].depth) |
             pack_u32(b, (uint32_t)c->nodes[i].disp) |
             pack_u32(b, (uint32_t)c->nodes[i].part) |
             pack_puts(b, c->nodes[i].subtype) |
             pack_u32(b, c->nodes[i].cid != NULL) |
             pack_puts(b, c->nodes[i].cid);
    return rc;
}

/* The shape after the parts; the parent checks it (msg_nodes_check)
 * before anything walks it: the child's record is not trusted. */
static int unpack_nodes(struct unpack *u, struct msg_content *c)
{
    uint32_t n = unpack_u32(u), i;
    struct msg_node *o;
    char *cid;
    int has_cid;

    if (u->bad || n == 0 || n > CHILD_PARTS_MAX ||
        (c->nodes = calloc(n, sizeof(*c->nodes))) == NULL)
        return -1;
    for (i = 0; i < n && !u->bad; i++) {
        o = &c->nodes[c->nnodes++];
        o->kind = (enum msg_node_kind)unpack_u32(u);
        o->depth = unpack_u32(u);
        o->disp = (enum msg_disp)unpack_u32(u);
        o->part = unpack_u32(u);
        unpack_fixed(u, o->subtype, sizeof(o->subtype));
        has_cid = unpack_u32(u) != 0;
        cid = unpack_str(u, MSG_CID_MAX + 1);
        if (cid == NULL || o->disp > MSG_DISP_ATTACHMENT) {
            free(cid);
            return -1;
        }
        if (has_cid)
            o->cid = cid;
        else
            free(cid);      /* the empty string written for none */
    }
    return u->bad || msg_nodes_check(c->nodes, c->nnodes, c->parts,
                                     c->nparts) != 0 ? -1 : 0;
}

/* data keeps a NUL after its bytes, as msg gives it (text is used as a
 * C string). */
static int unpack_part(struct unpack *u, struct msg_part *p, unsigned *alt)
{
    const char *d;
    size_t n;
    int has_name;

    p->is_text = unpack_u32(u) != 0;
    *alt = unpack_u32(u);
    p->content_type = unpack_str(u, CHILD_TYPE_MAX);
    has_name = unpack_u32(u) != 0;
    p->filename = unpack_str(u, PROCESS_COPY_MAX);
    if (!has_name) {
        free(p->filename);
        p->filename = NULL;
    }
    d = unpack_bytes(u, &n);
    if (d == NULL || (p->data = malloc(n + 1)) == NULL)
        return -1;
    memcpy(p->data, d, n);
    p->data[n] = '\0';
    p->len = n;
    return u->bad ? -1 : 0;
}

static struct msg_content *unpack_content(struct unpack *u)
{
    struct msg_content *c = calloc(1, sizeof(*c));
    uint32_t n, i;

    if (c == NULL)
        return NULL;
    c->subject = unpack_str(u, PROCESS_COPY_MAX);
    c->from = unpack_str(u, PROCESS_COPY_MAX);
    c->signed_to = unpack_str(u, PROCESS_COPY_MAX);
    c->outer_subject = unpack_str(u, PROCESS_COPY_MAX);
    n = unpack_u32(u);
    if (!u->bad && n <= CHILD_PARTS_MAX) {
        c->parts = calloc(n ? n : 1, sizeof(*c->parts));
        c->alt = calloc(n ? n : 1, sizeof(*c->alt));
    }
    if (u->bad || c->parts == NULL || c->alt == NULL || c->subject == NULL ||
        c->from == NULL ||
        c->signed_to == NULL || c->outer_subject == NULL) {
        msg_content_free(c);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        c->nparts++;
        if (unpack_part(u, &c->parts[i], &c->alt[i]) != 0) {
            msg_content_free(c);
            return NULL;
        }
    }
    if (unpack_nodes(u, c) != 0) {
        msg_content_free(c);
        return NULL;
    }
    return c;
}

/* ---- open: parse and authenticate ------------------------------------ */

struct open_job {
    struct gateway *g;
    const char *raw;
    size_t len;
};

static int pack_auth(struct buf *b, const struct auth_result *ar)
{
    int rc = pack_u32(b, (uint32_t)ar->ok) |
             pack_u32(b, (uint32_t)ar->malformed) | pack_puts(b, ar->signer) |
             pack_puts(b, ar->reason) | pack_i64(b, (int64_t)ar->signed_at) |
             pack_puts(b, ar->sig_id) | pack_u32(b, (uint32_t)ar->officer) |
             pack_puts(b, ar->claimed_from) |
             pack_puts(b, ar->claimed_subject) |
             pack_u32(b, ar->content != NULL);

    if (rc == 0 && ar->content)
        rc = pack_content(b, ar->content);
    return rc;
}

static int open_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                     struct err *e)
{
    struct open_job *j = arg;
    struct auth_result ar;
    struct msg_limits lim;
    struct msg *m = NULL;
    struct err pe;
    int rc;

    if (gateway_enter_sandbox(j->g, ch, e) != 0 || child_seams(j->g, e) != 0)
        return -1;
    memset(&ar, 0, sizeof(ar));
    gateway_msg_limits(j->g, &lim);
    err_init(&pe);
    if (msg_parse(j->raw, j->len, &lim, &m, &pe) != 0) {
        ar.malformed = 1;
        snprintf(ar.reason, sizeof(ar.reason), "malformed: %.*s",
                 (int)sizeof(ar.reason) - 16, pe.msg);
    } else if (auth_check(j->g, m, &ar, e) != 0) {
        return -1;
    }
    rc = pack_auth(out, &ar);
    auth_result_free(&ar);
    msg_free(m);
    return rc == 0 ? 0 : err_set(e, ERR_NOMEM, "%s", "out of memory");
}

static int unpack_auth(struct unpack *u, struct auth_result *ar)
{
    int has_content;

    memset(ar, 0, sizeof(*ar));
    ar->ok = unpack_u32(u) != 0;
    ar->malformed = unpack_u32(u) != 0;
    unpack_fixed(u, ar->signer, sizeof(ar->signer));
    unpack_fixed(u, ar->reason, sizeof(ar->reason));
    ar->signed_at = (time_t)unpack_i64(u);
    unpack_fixed(u, ar->sig_id, sizeof(ar->sig_id));
    ar->officer = unpack_u32(u) != 0;
    unpack_fixed(u, ar->claimed_from, sizeof(ar->claimed_from));
    unpack_fixed(u, ar->claimed_subject, sizeof(ar->claimed_subject));
    has_content = unpack_u32(u) != 0;
    if (has_content && !u->bad)
        ar->content = unpack_content(u);
    if (!unpack_done(u) || (has_content && ar->content == NULL) ||
        (ar->ok && ar->content == NULL)) {
        auth_result_free(ar);
        return -1;
    }
    return 0;
}

/* The signature the child names is one GnuPG found good for the parent
 * during this run. */
static int open_good(const struct gateway_server *srv,
                     const struct auth_result *ar)
{
    return ar->signer[0] && ar->sig_id[0] &&
           strcmp(ar->signer, srv->pgp.good_fpr) == 0 &&
           strcmp(ar->sig_id, srv->pgp.good_sig) == 0;
}

/* A good verdict must be one GnuPG gave the parent during this run. */
static int open_vouched(const struct gateway_server *srv,
                        const struct auth_result *ar)
{
    return !ar->ok || open_good(srv, ar);
}

int child_open(struct gateway *g, const char *raw, size_t len,
               struct auth_result *ar, struct process_result *r,
               struct err *e)
{
    struct open_job job = {g, raw, len};
    struct gateway_server srv;
    struct sandbox_limits lim;
    struct sandbox_end end;
    struct buf rec;
    struct unpack u;
    int rc;

    memset(ar, 0, sizeof(*ar));
    if (gateway_pgp(g, e) != 0)
        return -1;
    child_warm_charsets(raw, len);
    child_limits(g, &lim);
    gateway_server_init(&srv, g);
    buf_init(&rec, CHILD_FRAME_MAX);
    rc = sandbox_run(&lim, open_work, &job, gateway_serve, &srv, &rec, &end,
                     e);
    if (rc == 0 && end.how != SANDBOX_DONE) {
        rc = child_ended(&end, r, e);
    } else if (rc == 0) {
        unpack_init(&u, rec.data ? rec.data : "", rec.len);
        if (unpack_auth(&u, ar) != 0)
            rc = child_quarantine(r, "parser returned garbage");
        else if (!open_vouched(&srv, ar)) {
            auth_result_free(ar);
            rc = child_quarantine(r, "parser reported a signature GnuPG "
                                  "did not give");
        } else if (ar->ok) {
            snprintf(ar->signed_key, sizeof(ar->signed_key), "%s",
                     srv.pgp.good_key);
        }
        /* whom a refusal may be told: only a signature GnuPG vouched for
         * (the child is not trusted to name an officer) */
        if (rc == 0 && ar->officer && !open_good(&srv, ar))
            ar->officer = 0;
    }
    buf_free(&rec);
    return rc;
}

/* ---- copies: anonymise, render, build, sign, check ------------------- */

struct copies_job {
    struct gateway *g;
    const struct palert *a;
    struct plist *lists;
    size_t n;
    struct anon_map *map;
    struct paffected *af;       /* NULL: no affected audience */
};

static int pack_copy(struct buf *b, uint32_t i, const struct pcopy *c)
{
    return pack_u32(b, i) | pack_put(b, c->msg.data, c->msg.len) |
           pack_put(b, c->text.data, c->text.len) |
           pack_put(b, c->entity.data, c->entity.len) |
           pack_puts(b, c->msgid) | pack_puts(b, c->date);
}

static int pack_map(struct buf *b, const struct anon_map *m)
{
    const char *cls, *orig, *ph;
    size_t i, n = anon_map_count(m);
    int rc = pack_u32(b, (uint32_t)n);

    for (i = 0; rc == 0 && anon_map_get(m, i, &cls, &orig, &ph) == 0; i++)
        rc = pack_puts(b, cls) | pack_puts(b, orig) | pack_puts(b, ph);
    return rc;
}

/* The sites the alert names, after the map: a count, then each name. */
static int pack_sites(struct buf *b, const struct paffected *af)
{
    size_t i;
    int rc = pack_u32(b, af ? (uint32_t)af->nsites : 0);

    for (i = 0; af && rc == 0 && i < af->nsites; i++)
        rc = pack_puts(b, af->sites[i]);
    return rc;
}

static int copies_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                       struct err *e)
{
    struct copies_job *j = arg;
    struct pcopy cp;
    struct plist *l;
    size_t i;
    int rc = 0;

    if (gateway_enter_sandbox(j->g, ch, e) != 0)
        return -1;
    for (i = 0; i < j->n && rc == 0; i++) {
        l = &j->lists[i];
        if (l->withheld[0])
            continue;
        if (l->affected && j->af &&
            affected_find(j->g, j->a, l, j->af, e) != 0) {
            rc = -1;
            break;
        }
        struct pctx c = {j->g, j->a, l, j->map, NULL,
                         l->in_reply_to[0] ? l->in_reply_to : NULL,
                         l->refs ? l->refs : ""};
        pcopy_init(&cp);
        rc = copy_make(&c, &cp, e);
        if (rc == 0 && pack_copy(out, (uint32_t)i, &cp) != 0)
            rc = err_set(e, ERR_NOMEM, "%s", "out of memory");
        pcopy_free(&cp);
    }
    if (rc == 0 && (pack_u32(out, UINT32_MAX) != 0 ||
                    pack_map(out, j->map) != 0 || pack_sites(out, j->af) != 0))
        rc = err_set(e, ERR_NOMEM, "%s", "out of memory");
    return rc;
}

static int unpack_buf(struct unpack *u, struct buf *b)
{
    size_t n;
    const char *p = unpack_bytes(u, &n);

    return p == NULL || buf_append(b, p, n) != 0 ? -1 : 0;
}

static int unpack_copies(struct unpack *u, const struct plist *lists,
                         size_t n, struct pcopy *copies)
{
    uint32_t i;
    struct pcopy *c;

    for (;;) {
        i = unpack_u32(u);
        if (u->bad || i == UINT32_MAX)
            return u->bad ? -1 : 0;
        if (i >= n || lists[i].withheld[0] || copies[i].msg.len)
            return -1;
        c = &copies[i];
        if (unpack_buf(u, &c->msg) != 0 || unpack_buf(u, &c->text) != 0 ||
            unpack_buf(u, &c->entity) != 0 || c->msg.len == 0)
            return -1;
        unpack_fixed(u, c->msgid, sizeof(c->msgid));
        unpack_fixed(u, c->date, sizeof(c->date));
    }
}

static struct anon_map *unpack_map(struct unpack *u)
{
    struct anon_map *m = anon_map_new();
    uint32_t n = unpack_u32(u), i;
    char *cls, *orig, *ph;
    struct err e;
    int rc = m && n <= CHILD_MAP_MAX && !u->bad ? 0 : -1;

    err_init(&e);
    for (i = 0; i < n && rc == 0; i++) {
        cls = unpack_str(u, ERR_MSG_MAX);
        orig = unpack_str(u, PROCESS_COPY_MAX);
        ph = unpack_str(u, ERR_MSG_MAX);
        rc = u->bad || anon_map_add(m, cls, orig, ph, &e) != 0 ? -1 : 0;
        free(cls);
        free(orig);
        free(ph);
    }
    if (rc != 0) {
        anon_map_free(m);
        return NULL;
    }
    return m;
}

/* The sites the child found: names of the sites index (SITES_NAME_MAX),
 * at most as many as it holds. */
static int unpack_sites(struct unpack *u, const struct gateway *g,
                        struct paffected *af)
{
    uint32_t n = unpack_u32(u), i;
    size_t cap = sites_count(g->sites);

    if (u->bad || n > cap || (n > 0 && af == NULL))
        return -1;
    if (af == NULL)
        return unpack_done(u) ? 0 : -1;
    free(af->sites);
    af->nsites = 0;
    if ((af->sites = calloc(n ? n : 1, sizeof(*af->sites))) == NULL)
        return -1;
    for (i = 0; i < n; i++)
        unpack_fixed(u, af->sites[af->nsites++], sizeof(af->sites[0]));
    return u->bad || !unpack_done(u) ? -1 : 0;
}

/* Every list that is not withheld must have come back. */
static int copies_whole(const struct plist *lists, size_t n,
                        const struct pcopy *copies)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!lists[i].withheld[0] && copies[i].msg.len == 0)
            return 0;
    return 1;
}

int child_copies(struct gateway *g, const struct palert *a,
                 struct plist *lists, size_t n, struct anon_map **map,
                 struct pcopy *copies, struct paffected *af,
                 struct process_result *r, struct err *e)
{
    struct copies_job job = {g, a, lists, n, *map, af};
    struct gateway_server srv;
    struct sandbox_limits lim;
    struct sandbox_end end;
    struct anon_map *m;
    struct buf rec;
    struct unpack u;
    int rc;

    /* The leak detector (mail/leak.h) loads ICU's data and sets libxml2
     * up when it is made: here, before the child, which may open no file
     * (as the charsets above). Made already by the caller's gateway_anon;
     * this makes sure. */
    if (gateway_anon(g, e) != 0)
        return -1;
    child_limits(g, &lim);
    gateway_server_init(&srv, g);
    buf_init(&rec, CHILD_FRAME_MAX);
    rc = sandbox_run(&lim, copies_work, &job, gateway_serve, &srv, &rec,
                     &end, e);
    if (rc == 0 && end.how != SANDBOX_DONE) {
        rc = child_ended(&end, r, e);
    } else if (rc == 0) {
        unpack_init(&u, rec.data ? rec.data : "", rec.len);
        if (unpack_copies(&u, lists, n, copies) != 0 ||
            !copies_whole(lists, n, copies) ||
            (m = unpack_map(&u)) == NULL) {
            rc = child_quarantine(r, "copy builder returned garbage");
        } else if (unpack_sites(&u, g, af) != 0) {
            anon_map_free(m);
            rc = child_quarantine(r, "copy builder returned garbage");
        } else {
            anon_map_free(*map);
            *map = m;
        }
    }
    buf_free(&rec);
    return rc;
}

/* ---- officers' commands: preview, anonymise ---------------------------
 *
 * The same isolation for what an officer runs by hand on a file: a
 * parser crash is a malformed file (ERR_DATA), never the command's
 * death by a signal. */

static int child_data_error(const struct sandbox_end *end, struct err *e)
{
    if (end->how == SANDBOX_FAILED)
        return -1;
    err_init(e);
    return err_set(e, ERR_DATA, "malformed: %s", end->reason);
}

/* Run work and take its record into out. */
static int child_simple(struct gateway *g, sandbox_work work, void *arg,
                        struct buf *out, struct err *e)
{
    struct gateway_server srv;
    struct sandbox_limits lim;
    struct sandbox_end end;

    child_limits(g, &lim);
    gateway_server_init(&srv, g);
    if (sandbox_run(&lim, work, arg, gateway_serve, &srv, out, &end, e) != 0)
        return -1;
    return end.how == SANDBOX_DONE ? 0 : child_data_error(&end, e);
}

static int content_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                        struct err *e)
{
    struct open_job *j = arg;
    struct msg_limits lim;
    struct msg_content *c = NULL;
    struct msg *m = NULL;
    int rc;

    if (gateway_enter_sandbox(j->g, ch, e) != 0)
        return -1;
    gateway_msg_limits(j->g, &lim);
    rc = msg_parse(j->raw, j->len, &lim, &m, e) != 0 ||
         msg_content(m, &c, e) != 0 ? -1 : 0;
    if (rc == 0 && pack_content(out, c) != 0)
        rc = err_set(e, ERR_NOMEM, "%s", "out of memory");
    msg_content_free(c);
    msg_free(m);
    return rc;
}

int child_content(struct gateway *g, const char *raw, size_t len,
                  struct msg_content **out, struct err *e)
{
    struct open_job job = {g, raw, len};
    struct buf rec;
    struct unpack u;
    int rc;

    *out = NULL;
    child_warm_charsets(raw, len);
    buf_init(&rec, CHILD_FRAME_MAX);
    rc = child_simple(g, content_work, &job, &rec, e);
    if (rc == 0) {
        unpack_init(&u, rec.data ? rec.data : "", rec.len);
        *out = unpack_content(&u);
        if (*out == NULL || !unpack_done(&u)) {
            msg_content_free(*out);
            *out = NULL;
            rc = err_set(e, ERR_DATA, "%s", "malformed: parser returned "
                         "garbage");
        }
    }
    buf_free(&rec);
    return rc;
}

struct text_job {
    struct gateway *g;
    child_fn fn;
    void *arg;
};

static int text_work(void *arg, struct sandbox_chan *ch, struct buf *out,
                     struct err *e)
{
    struct text_job *j = arg;

    if (gateway_enter_sandbox(j->g, ch, e) != 0)
        return -1;
    return j->fn(j->arg, out, e);
}

int child_text(struct gateway *g, const char *raw, size_t len, child_fn fn,
               void *arg, struct buf *out, struct err *e)
{
    struct text_job job = {g, fn, arg};

    if (raw)
        child_warm_charsets(raw, len);
    return child_simple(g, text_work, &job, out, e);
}
