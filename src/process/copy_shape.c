/*
 * copy_shape - a copy keeps the alert's shape (issue 14). The alert's
 * MIME tree (msg.h, struct msg_node) is walked once: every part goes
 * through copy_part (anonymised, or dropped by the list's policy with a
 * note) and keeps its place, disposition and Content-ID; multiparts stay
 * what they were (alternative, related, mixed ... nested as they came);
 * an attached message (message/rfc822) stays one, its header fields and
 * file name anonymised like any text (its header part), its own entity
 * walked the same way. The body part becomes the rendered template; the
 * HTML renderings a reader sees as the copy (the body's HTML alternatives,
 * inline HTML outside attached messages) are marked for the label.
 *
 * Nothing is kept unchecked: what the walk leaves out says so in a note
 * at the end of the body, and the whole copy is read back by the leak
 * check (copy_leak_msg) after it is built.
 */
#include "process/process_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
    struct pctx *c;
    const struct msg_content *mc;
    struct pparts *pp;
    struct buf *notes;
    long body;              /* mc->parts index of the body, -1: none */
};

static int shape_node(struct shape *s, size_t i, unsigned d, unsigned msgs,
                      struct err *e);

/* The index after node i's subtree. */
static size_t shape_end(const struct msg_content *mc, size_t i)
{
    size_t j = i + 1;

    while (j < mc->nnodes && mc->nodes[j].depth > mc->nodes[i].depth)
        j++;
    return j;
}

static int shape_note(struct shape *s, const char *what, const char *type,
                      struct err *e)
{
    int rc = buf_printf(s->notes, "\n[alertgw: %s (%s) was left out of this "
                        "copy.]\n", what, type);

    return rc ? copy_nospace(rc, e, "copy too large") : 0;
}

/* A node of the copy's shape, at depth d, over part (of pp->v). */
static struct msg_node *shape_emit(struct shape *s, enum msg_node_kind kind,
                                   unsigned d, size_t part, struct err *e)
{
    struct msg_node *o;

    if (s->pp->nt >= COPY_NODES_MAX) {
        err_set(e, ERR_TOOBIG, "too many MIME entities");
        return NULL;
    }
    o = &s->pp->tree[s->pp->nt++];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->depth = d;
    o->part = part;
    return o;
}

/* The Content-ID as it goes into the copy: anonymised like the HTML that
 * names it (cid:...), so that the reference still finds its part; one
 * that is no Content-ID any more is left out. */
static int shape_cid(struct shape *s, const struct msg_node *n,
                     struct msg_node *o, struct err *e)
{
    struct buf b;
    int rc;

    if (n->cid == NULL)
        return 0;
    buf_init(&b, MSG_CID_MAX * 4);
    rc = copy_text(s->c, n->cid, strlen(n->cid), &b, e);
    if (rc == 0 && msg_cid_ok(buf_cstr(&b)))
        o->cid = buf_steal(&b, NULL);
    buf_free(&b);
    return rc;
}

static int shape_part(struct shape *s, const struct msg_node *n, unsigned d,
                      unsigned msgs, struct err *e)
{
    const struct msg_part *p = &s->mc->parts[n->part];
    struct pparts *pp = s->pp;
    size_t k = pp->n;
    struct msg_node *o;

    if ((long)n->part == s->body) {
        pp->has_body = 1;
        return shape_emit(s, MSG_NODE_PART, d, 0, e) ? 0 : -1;
    }
    if (copy_part(s->c, p, pp, s->notes, e) != 0)
        return -1;
    if (pp->n == k)
        return 0;                       /* dropped, with its note */
    if ((o = shape_emit(s, MSG_NODE_PART, d, k, e)) == NULL)
        return -1;
    o->disp = n->disp;
    /* what a reader sees as the copy itself carries its label */
    pp->label[k] = msgs == 0 && p->is_text && n->disp != MSG_DISP_ATTACHMENT
                   && strcmp(p->content_type, "text/html") == 0;
    return shape_cid(s, n, o, e);
}

/* Is child j of the body's multipart/alternative one the copy can keep?
 * Only renderings that carry the label: the body, an HTML part, or a
 * multipart that starts with one (related: HTML and its images; mixed:
 * Apple Mail's HTML with attachments between its pieces). Another form
 * of the body (text of another kind, a calendar) would be an unlabelled
 * copy. */
static int shape_alt_ok(const struct shape *s, size_t j)
{
    const struct msg_node *n = &s->mc->nodes[j];

    if (n->kind == MSG_NODE_PART && (long)n->part == s->body)
        return 1;
    while (n->kind == MSG_NODE_MULTI && ++j < s->mc->nnodes)
        n = &s->mc->nodes[j];   /* its first child, a level deeper */
    return n->kind == MSG_NODE_PART &&
           strcmp(s->mc->parts[n->part].content_type, "text/html") == 0;
}

/* Does the multipart at i hold the body as a child of its own? */
static int shape_holds_body(const struct shape *s, size_t i)
{
    size_t j;

    for (j = i + 1; j < s->mc->nnodes &&
         s->mc->nodes[j].depth > s->mc->nodes[i].depth; j++)
        if (s->mc->nodes[j].depth == s->mc->nodes[i].depth + 1 &&
            s->mc->nodes[j].kind == MSG_NODE_PART &&
            (long)s->mc->nodes[j].part == s->body)
            return 1;
    return 0;
}

static int shape_multi(struct shape *s, size_t i, unsigned d, unsigned msgs,
                       struct err *e)
{
    const struct msg_node *n = &s->mc->nodes[i];
    size_t at = s->pp->nt, j, end = shape_end(s->mc, i);
    int body_alt = msgs == 0 && strcmp(n->subtype, "alternative") == 0 &&
                   shape_holds_body(s, i);
    struct msg_node *o = shape_emit(s, MSG_NODE_MULTI, d, 0, e);

    if (o == NULL)
        return -1;
    /* signed and encrypted describe bytes the copy no longer has */
    snprintf(o->subtype, sizeof(o->subtype), "%s",
             strcmp(n->subtype, "signed") == 0 ||
             strcmp(n->subtype, "encrypted") == 0 ? "mixed" : n->subtype);
    for (j = i + 1; j < end; j = shape_end(s->mc, j)) {
        if (body_alt && !shape_alt_ok(s, j)) {
            if (shape_note(s, "an alternative form of the body",
                           s->mc->nodes[j].kind == MSG_NODE_PART ?
                           s->mc->parts[s->mc->nodes[j].part].content_type :
                           "multipart", e) != 0)
                return -1;
            continue;
        }
        if (shape_node(s, j, d + 1, msgs, e) != 0)
            return -1;
    }
    if (s->pp->nt == at + 1)
        s->pp->nt = at;     /* all its parts dropped: so is the multipart */
    return 0;
}

/* An attached message: its header part first (anonymised like any text;
 * one that does not read as text cannot be checked, and the message goes
 * with a note), then its entity, one level deeper. */
static int shape_message(struct shape *s, size_t i, unsigned d,
                         unsigned msgs, struct err *e)
{
    const struct msg_node *n = &s->mc->nodes[i];
    const struct msg_part *hp = &s->mc->parts[n->part];
    size_t k = s->pp->n;
    struct msg_node *o;

    if (msgs + 1 > COPY_MESSAGE_DEPTH_MAX)
        return shape_note(s, "an attached message inside more attached "
                          "messages than a copy rebuilds",
                          "message/rfc822", e);
    if (!hp->is_text)
        return shape_note(s, "an attached message whose header is not text",
                          "message/rfc822", e);
    if (copy_part(s->c, hp, s->pp, s->notes, e) != 0)
        return -1;
    if (s->pp->n == k || (o = shape_emit(s, MSG_NODE_MESSAGE, d, k, e)) ==
        NULL)
        return s->pp->n == k ? 0 : -1;
    o->disp = n->disp;
    if (shape_cid(s, n, o, e) != 0)
        return -1;
    if (i + 1 < s->mc->nnodes && s->mc->nodes[i + 1].depth == n->depth + 1)
        return shape_node(s, i + 1, d + 1, msgs + 1, e);
    return 0;
}

static int shape_node(struct shape *s, size_t i, unsigned d, unsigned msgs,
                      struct err *e)
{
    const struct msg_node *n = &s->mc->nodes[i];

    if (n->kind == MSG_NODE_MULTI)
        return shape_multi(s, i, d, msgs, e);
    if (n->kind == MSG_NODE_MESSAGE)
        return shape_message(s, i, d, msgs, e);
    return shape_part(s, n, d, msgs, e);
}

int copy_content(struct pctx *c, struct buf *subject, struct buf *body,
                 struct pparts *pp, struct err *e)
{
    const struct msg_content *mc = c->a->content;
    struct buf notes;
    struct shape s = {c, mc, pp, &notes, msg_content_body(mc)};
    const char *first = s.body >= 0 ? mc->parts[s.body].data : "";
    int rc = 0;

    buf_init(&notes, PROCESS_COPY_MAX);
    if (copy_text(c, mc->subject, strlen(mc->subject), subject, e) != 0 ||
        copy_text(c, first, strlen(first), body, e) != 0 ||
        (mc->nnodes > 0 && shape_node(&s, 0, 0, 0, e) != 0))
        rc = -1;
    if (rc == 0 && notes.len &&
        (rc = buf_append(body, notes.data, notes.len)) != 0)
        rc = copy_nospace(rc, e, "copy too large");
    pp->ncontent = pp->n;
    buf_free(&notes);
    return rc;
}

/* ---- the copy's shape ------------------------------------------------ */

static int shape_add(struct pparts *pp, const struct msg_node *n, unsigned d,
                     struct err *e)
{
    if (pp->nn >= COPY_NODES_MAX)
        return err_set(e, ERR_TOOBIG, "too many MIME entities");
    pp->nodes[pp->nn] = *n;     /* shallow: tree owns the cid */
    pp->nodes[pp->nn++].depth = d;
    return 0;
}

/* tree as it is when nothing is to be added; else in a multipart/mixed:
 * the tree's own when it is one, a new one around it when not; the body
 * first when the tree does not hold it, the indicators last. */
static int shape_finish(struct pparts *pp, struct err *e)
{
    const struct msg_node body = {.kind = MSG_NODE_PART, .part = 0};
    struct msg_node mixed = {.kind = MSG_NODE_MULTI};
    int wrap = pp->nt == 0 || pp->tree[0].kind != MSG_NODE_MULTI ||
               strcmp(pp->tree[0].subtype, "mixed") != 0;
    size_t i, from = wrap ? 0 : 1;
    int rc = 0;

    pp->nn = 0;
    if (pp->has_body && pp->n == pp->ncontent) {
        for (i = 0; i < pp->nt && rc == 0; i++)
            rc = shape_add(pp, &pp->tree[i], pp->tree[i].depth, e);
        return rc;
    }
    if (pp->nt == 0 && pp->n == pp->ncontent)
        return shape_add(pp, &body, 0, e);
    snprintf(mixed.subtype, sizeof(mixed.subtype), "mixed");
    rc = shape_add(pp, wrap ? &mixed : &pp->tree[0], 0, e);
    if (rc == 0 && !pp->has_body)
        rc = shape_add(pp, &body, 1, e);
    for (i = from; i < pp->nt && rc == 0; i++)
        rc = shape_add(pp, &pp->tree[i], pp->tree[i].depth + (wrap ? 1 : 0),
                       e);
    for (i = pp->ncontent; i < pp->n && rc == 0; i++) {
        struct msg_node ind = {.kind = MSG_NODE_PART, .part = i,
                               .disp = MSG_DISP_ATTACHMENT};
        rc = shape_add(pp, &ind, 1, e);
    }
    return rc;
}

int copy_shape_build(struct pparts *pp, const struct msg_header_field *hdrs,
                     size_t nhdrs, struct buf *out, struct err *e)
{
    if (shape_finish(pp, e) != 0)
        return -1;
    return msg_build_tree(pp->v, pp->n, pp->nodes, pp->nn, hdrs, nhdrs, out,
                          e);
}
