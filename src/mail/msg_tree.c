/*
 * msg_tree - an entity's shape (msg.h, struct msg_node): the body an
 * alert's text is read from, the check of a shape that crossed a process
 * boundary, and the writer of an entity of any shape: multiparts nested
 * as they came, attached messages (message/rfc822) with their header
 * fields and their own entity, parts with their disposition and
 * Content-ID. The parts themselves are written by msg_build.c.
 *
 * A multipart is written in two steps: its children into a buffer of
 * their own, each after a placeholder delimiter (\001, which the
 * encoders never write: their output is 7-bit printable text), then a
 * boundary that occurs nowhere in that buffer is chosen and put in place.
 * Every boundary is "=_agw_" and 32 hex digits, so none is a prefix of
 * another (RFC 2046 5.1.1).
 */
#include "mail/msg.h"
#include "mail/msg_int.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct msg_tree {
    const struct msg_part *parts;
    size_t nparts;
    const struct msg_node *nodes;
    size_t nn;
};

static int msg_tree_write(const struct msg_tree *t, size_t i,
                          struct buf *out, size_t *next, struct err *e);

/* ------------------------------------------------------------ reading */

long msg_content_body(const struct msg_content *c)
{
    size_t i, part;
    unsigned inside = 0, mdepth = 0;    /* in an attached message at */

    for (i = 0; i < c->nnodes; i++) {
        const struct msg_node *n = &c->nodes[i];
        if (inside && n->depth <= mdepth)
            inside = 0;
        if (!inside && n->kind == MSG_NODE_MESSAGE) {
            inside = 1;
            mdepth = n->depth;
        }
        part = n->part;
        if (!inside && n->kind == MSG_NODE_PART && part < c->nparts &&
            c->parts[part].is_text &&
            strcmp(c->parts[part].content_type, "text/plain") == 0)
            return (long)part;
    }
    return -1;
}

/* A subtype we may write after "multipart/". */
static int msg_subtype_ok(const char *sub)
{
    char t[sizeof("multipart/") + MSG_SUBTYPE_MAX];

    if (memchr(sub, '\0', MSG_SUBTYPE_MAX) == NULL)
        return 0;
    memcpy(t, "multipart/", 10);
    memcpy(t + 10, sub, strlen(sub) + 1);
    return msg_type_ok(t);
}

static int msg_node_ok(const struct msg_node *n, const struct msg_part *parts,
                       size_t nparts)
{
    const struct msg_part *p;

    if (n->depth > MSG_TREE_DEPTH_MAX || (n->cid && !msg_cid_ok(n->cid)))
        return 0;
    if (n->kind == MSG_NODE_MULTI)
        return msg_subtype_ok(n->subtype);
    if ((n->kind != MSG_NODE_PART && n->kind != MSG_NODE_MESSAGE) ||
        n->part >= nparts)
        return 0;
    p = &parts[n->part];
    if (p->content_type == NULL || (p->data == NULL && p->len > 0))
        return 0;
    return n->kind == MSG_NODE_PART ||
           (p->is_text && strcmp(p->content_type, "text/rfc822-headers") == 0);
}

/* Pre-order with depths: a node's parent is the last node one less deep
 * before it; a part has no children, a message at most one. A multipart
 * may have none (libetpan finds none where no delimiter line is; it is
 * written back as it came, a close delimiter alone), though a copy
 * leaves such a multipart out. */
int msg_nodes_check(const struct msg_node *nodes, size_t nn,
                    const struct msg_part *parts, size_t nparts)
{
    size_t last[MSG_TREE_DEPTH_MAX + 1], kids[MSG_TREE_DEPTH_MAX + 1], i;
    const struct msg_node *up;
    unsigned d;

    if (nn == 0 || nodes[0].depth != 0)
        return -1;
    for (i = 0; i < nn; i++) {
        d = nodes[i].depth;
        if (!msg_node_ok(&nodes[i], parts, nparts) ||
            (i > 0 && (d == 0 || d > nodes[i - 1].depth + 1)))
            return -1;
        if (d > 0) {
            up = &nodes[last[d - 1]];
            if (up->kind == MSG_NODE_PART ||
                (up->kind == MSG_NODE_MESSAGE && kids[d - 1] > 0))
                return -1;
            kids[d - 1]++;
        }
        last[d] = i;
        kids[d] = 0;
    }
    return 0;
}

/* ------------------------------------------------------------ writing */

static int msg_tree_err(int rc, struct err *e)
{
    return err_set(e, rc == BUF_ETOOBIG ? ERR_TOOBIG : ERR_NOMEM,
                   "MIME entity: %s", rc == BUF_ETOOBIG ?
                   "output over its size limit" : "out of memory");
}

static int msg_tree_put(struct buf *b, const char *s, struct err *e)
{
    int rc = buf_puts(b, s);

    return rc == 0 ? 0 : msg_tree_err(rc, e);
}

/* The type node i is written with, for a multipart/related's type=. */
static const char *msg_tree_type(const struct msg_tree *t, size_t i,
                                 char *tmp, size_t n)
{
    const struct msg_node *k = &t->nodes[i];

    if (k->kind == MSG_NODE_PART)
        return msg_part_type(&t->parts[k->part]);
    if (k->kind == MSG_NODE_MESSAGE)
        return "message/rfc822";
    snprintf(tmp, n, "multipart/%s", k->subtype);
    return tmp;
}

/* kids with each \001 made bnd, appended to out. */
static int msg_tree_resolve(struct buf *out, const struct buf *kids,
                            const char *bnd, struct err *e)
{
    const char *p = kids->data, *end = p + kids->len, *q;
    int rc = 0;

    while (rc == 0 && p < end) {
        q = memchr(p, '\001', (size_t)(end - p));
        rc = buf_append(out, p, q ? (size_t)(q - p) : (size_t)(end - p));
        if (rc == 0 && q)
            rc = buf_puts(out, bnd);
        p = q ? q + 1 : end;
    }
    return rc ? msg_tree_err(rc, e) : 0;
}

static int msg_tree_multi(const struct msg_tree *t, size_t i,
                          struct buf *out, size_t *next, struct err *e)
{
    const struct msg_node *n = &t->nodes[i];
    char bnd[MSG_BOUNDARY_SIZE], ty[sizeof("multipart/") + MSG_SUBTYPE_MAX];
    struct buf kids;
    size_t j = i + 1;
    int rc = 0;

    buf_init(&kids, out->max);
    while (rc == 0 && j < t->nn && t->nodes[j].depth == n->depth + 1)
        rc = msg_tree_put(&kids, "\r\n--\001\r\n", e) ||
             msg_tree_write(t, j, &kids, &j, e) ? -1 : 0;
    rc = rc ? rc : msg_tree_put(&kids, "\r\n--\001--\r\n", e);
    rc = rc ? rc : msg_boundary_new(bnd, kids.data, kids.len, e);
    rc = rc ? rc : msg_tree_put(out, "Content-Type: multipart/", e);
    rc = rc ? rc : msg_tree_put(out, n->subtype, e);
    rc = rc ? rc : msg_tree_put(out, ";\r\n boundary=\"", e);
    rc = rc ? rc : msg_tree_put(out, bnd, e);
    /* RFC 2387: the root's type (the first part: no start= is written) */
    if (rc == 0 && strcmp(n->subtype, "related") == 0 &&
        (msg_tree_put(out, "\";\r\n type=\"", e) ||
         msg_tree_put(out, msg_tree_type(t, i + 1, ty, sizeof(ty)), e)))
        rc = -1;
    rc = rc ? rc : msg_tree_put(out, n->depth == 0 ? "\"\r\n\r\nThis is a "
                                "multi-part message in MIME format." :
                                "\"\r\n\r\n", e);
    rc = rc ? rc : msg_tree_resolve(out, &kids, bnd, e);
    buf_free(&kids);
    *next = j;
    return rc;
}

/* One "Name: value" line of an attached message's header part (as
 * msg_hdr_text wrote it, then anonymised) as a field of the rebuilt
 * message. Content-* and MIME-Version describe the entity, which the
 * writer describes afresh; a line that is no field any more (a name the
 * writer refuses) is left out: it is not the message's text, and leaving
 * it out shows nothing. */
static int msg_tree_field(const char *p, size_t n, struct buf *out,
                          struct err *e)
{
    const char *colon = memchr(p, ':', n);
    struct msg_header_field h;
    char *line;
    size_t k;
    int rc;

    if (colon == NULL || colon == p ||
        (size_t)(colon - p) > MSG_FIELD_NAME_MAX ||
        strncasecmp(p, "Content-", 8) == 0 ||
        ((size_t)(colon - p) == 12 && strncasecmp(p, "MIME-Version", 12) == 0))
        return 0;
    for (k = 0; p + k < colon; k++)
        if (p[k] <= ' ' || p[k] > '~')
            return 0;
    if ((line = malloc(n + 1)) == NULL)
        return err_set(e, ERR_NOMEM, "attached message: out of memory");
    memcpy(line, p, n);
    line[n] = '\0';
    line[colon - p] = '\0';
    h.name = line;
    h.value = line + (colon - p) + 1;
    h.value += *h.value == ' ';
    rc = strpbrk(h.value, "\r") ? 0 : msg_field_put(out, &h, e);
    free(line);
    return rc;
}

static int msg_tree_fields(const struct msg_part *hp, struct buf *out,
                           struct err *e)
{
    const char *p = hp->data ? hp->data : "", *end = p + hp->len, *nl;

    for (; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        if (nl > p && msg_tree_field(p, (size_t)(nl - p), out, e) < 0)
            return -1;
    }
    return 0;
}

/* An attached message: message/rfc822 (no transfer encoding: RFC 2046
 * 5.2.1, and what it holds is 7-bit), its header fields, its entity. */
static int msg_tree_message(const struct msg_tree *t, size_t i,
                            struct buf *out, size_t *next, struct err *e)
{
    const struct msg_node *n = &t->nodes[i];
    const struct msg_part *hp = &t->parts[n->part];
    int rc;

    *next = i + 1;
    rc = msg_tree_put(out, "Content-Type: message/rfc822\r\n", e);
    if (rc == 0 && n->cid &&
        (msg_tree_put(out, "Content-ID: <", e) ||
         msg_tree_put(out, n->cid, e) || msg_tree_put(out, ">\r\n", e)))
        rc = -1;
    rc = rc ? rc : msg_disp_put(out, n->disp, hp->filename, e);
    rc = rc ? rc : msg_tree_put(out, "\r\n", e);
    rc = rc ? rc : msg_tree_fields(hp, out, e);
    rc = rc ? rc : msg_tree_put(out, "MIME-Version: 1.0\r\n", e);
    if (rc == 0 && i + 1 < t->nn && t->nodes[i + 1].depth == n->depth + 1)
        return msg_tree_write(t, i + 1, out, next, e);
    return rc ? rc : msg_tree_put(out, "\r\n", e);  /* an empty body */
}

static int msg_tree_write(const struct msg_tree *t, size_t i,
                          struct buf *out, size_t *next, struct err *e)
{
    const struct msg_node *n = &t->nodes[i];

    if (n->kind == MSG_NODE_MULTI)
        return msg_tree_multi(t, i, out, next, e);
    if (n->kind == MSG_NODE_MESSAGE)
        return msg_tree_message(t, i, out, next, e);
    *next = i + 1;
    return msg_part_put(out, &t->parts[n->part], n->disp, n->cid, e);
}

int msg_build_tree(const struct msg_part *parts, size_t nparts,
                   const struct msg_node *nodes, size_t nn,
                   const struct msg_header_field *hdrs, size_t nhdrs,
                   struct buf *out, struct err *e)
{
    struct msg_tree t = {parts, nparts, nodes, nn};
    size_t len0 = out->len, next;
    struct buf ent;
    int rc;

    if (msg_nodes_check(nodes, nn, parts, nparts) < 0)
        return err_set(e, ERR_SOFTWARE, "entity: not a shape to write");
    buf_init(&ent, out->max);
    rc = msg_tree_write(&t, 0, &ent, &next, e);
    if (rc == 0 && next != nn)
        rc = err_set(e, ERR_SOFTWARE, "entity: more than one root");
    if (rc == 0)
        rc = msg_entity_protect(hdrs, nhdrs, &ent, out, e);
    buf_free(&ent);
    if (rc != 0 && out->data) {     /* never half an entity */
        out->len = len0;
        out->data[len0] = '\0';
    }
    return rc;
}

/* msg_build_entity_alt's shapes: the body alone; its alternatives; the
 * body and attachments in a multipart/mixed; the alternatives nested in
 * one, the attachments after them. */
int msg_tree_entity(const struct msg_part *parts, size_t n, size_t nalt,
                    struct buf *out, struct err *e)
{
    struct msg_tree t = {parts, n, NULL, 0};
    struct msg_node *v;
    size_t i, k = 0, next;
    unsigned d = 0;
    int rc;

    if (nalt == 0 || nalt > n)
        return err_set(e, ERR_SOFTWARE, "entity: bad alternatives");
    if (n == 0 || !parts[0].is_text)
        return err_set(e, ERR_SOFTWARE, "entity: first part must be text");
    if ((v = calloc(n + 2, sizeof(*v))) == NULL)
        return err_set(e, ERR_NOMEM, "entity: out of memory");
    if (n > 1) {
        v[k].kind = MSG_NODE_MULTI;
        snprintf(v[k++].subtype, MSG_SUBTYPE_MAX, "%s",
                 nalt == n ? "alternative" : "mixed");
        d = 1;
    }
    if (nalt > 1 && nalt < n) {
        v[k] = (struct msg_node){.kind = MSG_NODE_MULTI, .depth = 1};
        snprintf(v[k++].subtype, MSG_SUBTYPE_MAX, "alternative");
    }
    for (i = 0; i < n; i++)
        v[k++] = (struct msg_node){.kind = MSG_NODE_PART, .part = i,
            .depth = i < nalt && nalt > 1 && nalt < n ? 2 : d,
            .disp = i < nalt ? MSG_DISP_NONE : MSG_DISP_ATTACHMENT};
    t.nodes = v;
    t.nn = k;
    rc = msg_tree_write(&t, 0, out, &next, e);
    free(v);
    return rc;
}
