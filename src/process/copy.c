/*
 * copy - one list's copy of an alert, as the copies' child makes it
 * (process_child.c): the content anonymised for the list (mail/anon.c),
 * rendered into its template (mail/render.c), rebuilt with fresh headers
 * (mail/msg.c), signed through the parent and leak-checked.
 */
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "process/mailout.h"
#include "mail/leak.h"
#include "mail/msg.h"
#include "mail/render.h"
#include "util/buf.h"

void pcopy_init(struct pcopy *c)
{
    memset(c, 0, sizeof(*c));
    buf_init(&c->msg, PROCESS_COPY_MAX);
    buf_init(&c->text, PROCESS_COPY_MAX);
    buf_init(&c->entity, PROCESS_COPY_MAX);
}

void pcopy_free(struct pcopy *c)
{
    size_t i;

    buf_free(&c->msg);
    buf_free(&c->text);
    buf_free(&c->entity);
    for (i = 0; i < c->nrcpts; i++) {
        free(c->rcpts[i].address);
        buf_free(&c->rcpts[i].msg);
    }
    free(c->rcpts);
    c->rcpts = NULL;
    c->nrcpts = 0;
}

/* A buffer of a copy fails for one of two reasons (buf.h): its cap, a
 * copy too large to send (permanent: the alert is held), or memory, which
 * a later pass may find (temporary: the alert stays new). */
int copy_nospace(int rc, struct err *e, const char *what)
{
    if (rc == BUF_ENOMEM)
        return err_set(e, ERR_NOMEM, "out of memory");
    return err_set(e, ERR_TOOBIG, "%s", what);
}

int copy_text(struct pctx *c, const char *in, size_t len, struct buf *out,
              struct err *e)
{
    int rc;

    if (!c->l->anonymise) {
        if ((rc = buf_append(out, in, len)) != 0)
            return copy_nospace(rc, e, "copy too large");
        return 0;
    }
    return anon_apply(c->g->anon, c->map, in, len, out, c->changes, e);
}

int copy_note_drop(struct pctx *c, const struct msg_part *p,
                   struct buf *notes, struct err *e)
{
    struct buf name;
    const char *fn = p->filename ? p->filename : "(unnamed)";
    int rc;

    buf_init(&name, SITES_NAME_MAX * 4);
    rc = copy_text(c, fn, strlen(fn), &name, e);
    if (rc == 0 && (rc = buf_printf(notes, "\n[alertgw: attachment \"%s\" "
                                    "(%s, %zu bytes) was dropped from this "
                                    "copy: it cannot be checked for site "
                                    "identifiers.]\n", buf_cstr(&name),
                                    p->content_type, p->len)) != 0)
        rc = copy_nospace(rc, e, "copy too large");
    buf_free(&name);
    return rc;
}

void pparts_free(struct pparts *pp)
{
    size_t i;

    for (i = 0; i < pp->n; i++) {
        buf_free(&pp->data[i]);
        free(pp->v[i].filename);
    }
    for (i = 0; i < pp->nt; i++)
        free(pp->tree[i].cid);
}

int copy_part(struct pctx *c, const struct msg_part *p, struct pparts *pp,
              struct buf *notes, struct err *e)
{
    struct msg_part *o = &pp->v[pp->n];
    struct buf *d = &pp->data[pp->n];
    struct buf fn;
    int rc = 0;

    /* On an anonymised list every textual part is anonymised and kept
     * (msg.h's is_text); the policy is for binary parts only, and even
     * "keep" sends one as is only when the detector can read its bytes
     * (it is then checked with the rest): anything else could name a
     * victim unseen. */
    if (c->l->anonymise && !p->is_text) {
        if (strcmp(c->l->attachments, "refuse") == 0)
            return err_set(e, ERR_LEAK, "attachment \"%s\" (%s) cannot be "
                           "inspected and list %s refuses such alerts",
                           p->filename ? p->filename : "(unnamed)",
                           p->content_type, c->l->name);
        if (strcmp(c->l->attachments, "drop") == 0 ||
            !leak_is_text(p->data, p->len))
            return copy_note_drop(c, p, notes, e);
    }
    if (pp->n >= MSG_DEFAULT_MAX_PARTS)
        return err_set(e, ERR_TOOBIG, "too many parts");
    buf_init(d, PROCESS_COPY_MAX);
    buf_init(&fn, SITES_NAME_MAX * 4);
    pp->n++;
    *o = *p;
    o->filename = NULL;
    if (p->is_text && c->l->anonymise
        && (strcmp(p->content_type, "text/html") == 0 ||
            strcmp(p->content_type, "application/xhtml+xml") == 0))
        rc = anon_apply_html(c->g->anon, c->map, p->data, p->len, d,
                             c->changes, e);
    else if (p->is_text)
        rc = copy_text(c, p->data, p->len, d, e);
    else if ((rc = buf_append(d, p->data, p->len)) != 0)
        rc = copy_nospace(rc, e, "copy too large");
    if (rc == 0 && p->filename)
        rc = copy_text(c, p->filename, strlen(p->filename), &fn, e);
    if (rc == 0 && p->filename)
        o->filename = buf_steal(&fn, NULL);
    buf_free(&fn);
    o->data = d->data ? d->data : (char *)"";
    o->len = d->len;
    return rc;
}

/* Length of a TLP label at s ("TLP:AMBER", "tlp: white", "TLP:AMBER+STRICT",
 * "TLP:AMBER STRICT", in [ ] or ( ) or bare), 0 when none starts there. */
static size_t copy_tlp_label(const char *s)
{
    size_t i = (*s == '[' || *s == '(') ? 1 : 0, w;

    if (strncasecmp(s + i, "TLP", 3) != 0)
        return 0;
    i += 3;
    i += strspn(s + i, " ");
    if (s[i] != ':')
        return 0;
    i += 1 + strspn(s + i + 1, " ");
    w = strspn(s + i, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    if (w == 0)
        return 0;
    i += w;
    if ((s[i] == '+' || s[i] == ' ') &&
        strncasecmp(s + i + 1, "STRICT", 6) == 0)
        i += 7;
    if ((*s == '[' && s[i] == ']') || (*s == '(' && s[i] == ')'))
        i++;
    else if (*s == '[' || *s == '(')
        return 0;
    return i;
}

/* The officer's Subject without its TLP labels: the template puts the
 * alert's one label (the strictest the alert states) in front, and a
 * second, maybe weaker, label would contradict it. */
static int copy_subject_untlp(const char *in, struct buf *out)
{
    const char *p = in;
    size_t n;
    int rc;

    while (*p) {
        if ((p == in || p[-1] == ' ') && (n = copy_tlp_label(p)) > 0) {
            p += n + strspn(p + n, " ");
            continue;
        }
        if ((rc = buf_putc(out, *p++)) != 0)
            return rc;
    }
    while (out->len > 0 && out->data[out->len - 1] == ' ')
        out->len--;
    return 0;
}

static int copy_render(struct pctx *c, const char *subject, const char *body,
                       struct buf *subj_out, struct buf *body_out,
                       struct err *e)
{
    struct render_tmpl *t;
    char date[MAILOUT_DATE_MAX];
    char update[16], update_label[32];
    struct buf idsubj, untlp;
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct render_var vars[] = {
        {"alert_id", c->a->alert_id}, {"tlp", tlp}, {"subject", subject},
        {"body", body}, {"list", c->l->name}, {"date", date},
        {"risk", c->a->risk[0] ? c->a->risk : "not stated"},
        {"update", update}, {"update_label", update_label},
        {"contact", c->g->conf->from}, {"report_to", c->g->conf->from},
        {"sites", c->l->affected_sites ? c->l->affected_sites : ""},
    };
    int rc;

    buf_init(&idsubj, PROCESS_SUBJECT_MAX);
    buf_init(&untlp, PROCESS_SUBJECT_MAX);
    if ((rc = copy_subject_untlp(subject, &untlp)) != 0) {
        buf_free(&untlp);
        return copy_nospace(rc, e, "Subject too long");
    }
    subject = buf_cstr(&untlp);
    vars[2].value = subject;
    mailout_date(date, sizeof(date));
    /* {{subject}} always names the alert id (an allocated id is not in
     * the officer's Subject): recipients filter and thread on it */
    if (strstr(subject, c->a->alert_id) == NULL) {
        if ((rc = buf_printf(&idsubj, "%s%s%s", c->a->alert_id,
                             *subject ? ": " : "", subject)) != 0) {
            buf_free(&idsubj);
            buf_free(&untlp);
            return copy_nospace(rc, e, "Subject too long");
        }
        vars[2].value = buf_cstr(&idsubj);
    }
    update[0] = update_label[0] = '\0';
    if (c->a->update_no > 0) {
        snprintf(update, sizeof(update), "%d", c->a->update_no);
        snprintf(update_label, sizeof(update_label), "UPDATE %d ",
                 c->a->update_no);
    }
    t = c->l->tmpl;
    rc = t ? 0 : render_load(c->g->conf->templates_dir, c->l->template_name,
                             &t, e);
    if (rc == 0)
        rc = render_apply(t, vars, sizeof(vars) / sizeof(vars[0]), subj_out,
                          body_out, e);
    if (t != c->l->tmpl)
        render_free(t);
    buf_free(&idsubj);
    buf_free(&untlp);
    return rc;
}

/* Fresh headers only (README "Outgoing headers" says why each is there):
 * nothing of the original's header section reaches a copy. The list copy
 * and its encrypted variants share them, Message-ID included. */
size_t copy_headers(const struct pctx *c, const struct pcopy *cp,
                    const char *subject, const char *listid,
                    struct msg_header_field h[COPY_HEADERS_MAX])
{
    size_t n = 0;

    h[n++] = (struct msg_header_field){"From", c->g->conf->from};
    h[n++] = (struct msg_header_field){"To", c->l->address};
    h[n++] = (struct msg_header_field){"Subject", subject};
    h[n++] = (struct msg_header_field){"Date", cp->date};
    h[n++] = (struct msg_header_field){"Message-ID", cp->msgid};
    if (c->in_reply_to) {
        h[n++] = (struct msg_header_field){"In-Reply-To", c->in_reply_to};
        h[n++] = (struct msg_header_field){"References", c->references};
    }
    /* replies acknowledge (issue 17: README "Acknowledgements") */
    if (c->g->conf->ack_address[0])
        h[n++] = (struct msg_header_field){"Reply-To",
                                           c->g->conf->ack_address};
    h[n++] = (struct msg_header_field){"List-Id", listid};
    h[n++] = (struct msg_header_field){"List-Post", "NO"};
    h[n++] = (struct msg_header_field){"Precedence", "list"};
    h[n++] = (struct msg_header_field){"Auto-Submitted", "auto-generated"};
    return n;
}

int copy_list_id(const struct pctx *c, char *out, size_t n)
{
    int len = snprintf(out, n, "<%s.%s>", c->l->name, c->g->conf->domain);

    return len > 0 && (size_t)len < n ? 0 : -1;
}

static int copy_sign(struct pctx *c, const char *subject, struct pcopy *out,
                     struct err *e)
{
    char local[ALERT_ID_MAX + 64], listid[512];
    struct msg_header_field h[COPY_HEADERS_MAX];

    mailout_date(out->date, sizeof(out->date));
    snprintf(local, sizeof(local), "%s.%s", c->a->alert_id, c->l->name);
    if (mailout_msgid(c->g, local, out->msgid, sizeof(out->msgid)) != 0 ||
        copy_list_id(c, listid, sizeof(listid)) != 0)
        return err_set(e, ERR_SOFTWARE, "cannot make a Message-ID");
    return mailout_sign(c->g, h, copy_headers(c, out, subject, listid, h),
                        &out->entity, &out->msg, e);
}

/* The independent detector (mail/leak.h) over one part: its decoded
 * text, the HTML as a reader sees it, its file name, and the bytes of a
 * part of another type that read as text (CSV, JSON, a log). */
/* A part the detector reads decoded, as text: one rule for the check
 * and for what the raw copy's check may then leave out. */
static int copy_leak_text(const struct msg_part *p)
{
    return p->is_text || leak_is_text(p->data, p->len);
}

static int copy_leak_part(struct pctx *c, const struct msg_part *p,
                          size_t no, struct err *e)
{
    struct leak *l = c->g->leak;
    char where[128];
    int text = copy_leak_text(p);

    snprintf(where, sizeof(where), "part %zu", no);
    if (text && leak_check(l, p->data, p->len, 0, where, e) != 0)
        return -1;
    if (text && strcmp(p->content_type, "text/html") == 0 &&
        leak_check(l, p->data, p->len, LEAK_HTML, where, e) != 0)
        return -1;
    snprintf(where, sizeof(where), "the file name of part %zu", no);
    if (p->filename && leak_check(l, p->filename, strlen(p->filename), 0,
                                  where, e) != 0)
        return -1;
    return 0;
}

/* What of the raw copy msg[0..len) is read as it stands: all of it but
 * the body of each part that is read decoded as text (copy_leak_text)
 * and whose decoded text shows every byte of it (msg_part.raw: not
 * base64, no charset converted); each left out for a line break. That is
 * the header fields, the MIME structure and parameters, and any body
 * read only as written (base64 ones, whose base64 lines LEAK_MIME skips,
 * while anything else in them is read). Every byte that leaves is read once as it stands or
 * once decoded. Where the bytes the parser kept are not msg's (a bare
 * LF made CRLF) or a body does not lie in them in order, all of msg. */
static int copy_leak_rest(const struct msg *m, const struct msg_content *mc,
                          const char *msg, size_t len, struct buf *out)
{
    const char *raw;
    size_t i, at = 0, off, rlen;
    int rc = 0;

    msg_bytes(m, &raw, &rlen);
    if (rlen != len || memcmp(raw, msg, len) != 0)
        return buf_append(out, msg, len);
    for (i = 0; i < mc->nparts && rc == 0; i++) {
        const struct msg_part *p = &mc->parts[i];

        if (p->raw == NULL || !copy_leak_text(p))
            continue;
        off = (size_t)((uintptr_t)p->raw - (uintptr_t)raw);
        if ((uintptr_t)p->raw < (uintptr_t)raw || off < at ||
            off > len || p->raw_len > len - off) {
            buf_reset(out);
            return buf_append(out, msg, len);
        }
        rc = buf_append(out, msg + at, off - at) | buf_puts(out, "\r\n");
        at = off + p->raw_len;
    }
    return rc | buf_append(out, msg + at, len - at);
}

/* Fail closed: parse what will leave and scan every decoded byte, first
 * with the anonymiser's own scanner, then with the independent detector,
 * which sees the forms that scanner does not (defanged, invisible
 * characters, HTML splits, ...). */
int copy_leak_msg(struct pctx *c, const char *msg, size_t len,
                  struct err *e)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *mc = NULL;
    struct buf rest;
    char where[128];
    size_t i;
    int rc = -1;

    if (c->g->leak == NULL)
        return err_set(e, ERR_SOFTWARE, "no leak detector");
    buf_init(&rest, PROCESS_COPY_MAX);
    msg_limits_default(&lim);
    lim.max_size = PROCESS_COPY_MAX;
    if (msg_parse(msg, len, &lim, &m, e) != 0 ||
        msg_content(m, &mc, e) != 0)
        goto out;
    if (copy_leak_rest(m, mc, msg, len, &rest) != 0) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    if (anon_scan(c->g->anon, buf_cstr(&rest), rest.len, "the raw copy",
                  e) != 0 ||
        anon_scan(c->g->anon, mc->subject, strlen(mc->subject), "Subject",
                  e) != 0)
        goto out;
    for (i = 0; i < mc->nparts; i++) {
        snprintf(where, sizeof(where), "part %zu", i + 1);
        if ((mc->parts[i].is_text &&
             anon_scan(c->g->anon, mc->parts[i].data, mc->parts[i].len, where,
                       e) != 0) ||
            /* HTML also as a reader sees it: entities decoded */
            (mc->parts[i].is_text &&
             strcmp(mc->parts[i].content_type, "text/html") == 0 &&
             anon_scan_html(c->g->anon, mc->parts[i].data, mc->parts[i].len,
                            where, e) != 0) ||
            (mc->parts[i].filename &&
             anon_scan(c->g->anon, mc->parts[i].filename,
                       strlen(mc->parts[i].filename), where, e) != 0))
            goto out;
    }
    /* the raw copy last: a finding in a part names the part */
    if (leak_check(c->g->leak, mc->subject, strlen(mc->subject), 0,
                   "Subject", e) != 0)
        goto out;
    for (i = 0; i < mc->nparts; i++)
        if (copy_leak_part(c, &mc->parts[i], i + 1, e) != 0)
            goto out;
    /* a Content-ID is written as the sender's mailer made it, often
     * with the sender's host name in it */
    for (i = 0; i < mc->nnodes; i++)
        if (mc->nodes[i].cid &&
            (anon_scan(c->g->anon, mc->nodes[i].cid,
                       strlen(mc->nodes[i].cid), "a Content-ID", e) != 0 ||
             leak_check(c->g->leak, mc->nodes[i].cid,
                        strlen(mc->nodes[i].cid), 0, "a Content-ID",
                        e) != 0))
            goto out;
    if (leak_check(c->g->leak, buf_cstr(&rest), rest.len, LEAK_MIME,
                   "the raw copy", e) != 0)
        goto out;
    rc = 0;
out:
    buf_free(&rest);
    msg_content_free(mc);
    msg_free(m);
    return rc;
}

/* Protected headers (Subject, From, To inside the signed entity): a
 * recipient can see that the gateway signed the Subject it reads. */
static int copy_entity(struct pctx *c, struct pparts *pp,
                       const char *subject, struct buf *entity,
                       struct err *e)
{
    const struct msg_header_field ph[] = {
        {"From", c->g->conf->from}, {"To", c->l->address},
        {"Subject", subject},
    };

    return copy_shape_build(pp, ph, sizeof(ph) / sizeof(ph[0]), entity, e);
}

/* s[0..n) as HTML text. */
static int copy_html_escape(struct buf *out, const char *s, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++)
        rc = s[i] == '&' ? buf_puts(out, "&amp;")
           : s[i] == '<' ? buf_puts(out, "&lt;")
           : s[i] == '>' ? buf_puts(out, "&gt;")
           : s[i] == '"' ? buf_puts(out, "&quot;")
           : buf_putc(out, s[i]);
    return rc;
}

/* Offset of the first (last when last) "<tag" in h, any case, or -1. */
static long copy_find_tag(const char *h, size_t n, const char *tag, int last)
{
    size_t i, k = strlen(tag);
    long at = -1;

    for (i = 0; i + k <= n; i++)
        if (h[i] == '<' && strncasecmp(h + i, tag, k) == 0) {
            at = (long)i;
            if (!last)
                break;
        }
    return at;
}

/* One labelled HTML alternative: what the template puts before the body
 * (TLP banner, the sanitised-copy notice) after <body ...>, what it puts
 * after (footer) before </body>, each as preformatted text; at the start
 * and end when there is no body tag. */
static int copy_label_one(const char *pre, size_t npre, const char *post,
                          size_t npost, const struct msg_part *p,
                          struct buf *out)
{
    long b = copy_find_tag(p->data, p->len, "<body", 0);
    long eb = copy_find_tag(p->data, p->len, "</body", 1);
    const char *gt = b >= 0 ? memchr(p->data + b, '>', p->len - (size_t)b)
                            : NULL;
    size_t head = gt ? (size_t)(gt - p->data) + 1 : 0;
    size_t tail = eb >= 0 && (size_t)eb >= head ? (size_t)eb : p->len;
    int rc = buf_append(out, p->data, head);

    rc = rc ? rc : buf_puts(out, "<pre class=\"alertgw-label\">");
    rc = rc ? rc : copy_html_escape(out, pre, npre);
    rc = rc ? rc : buf_puts(out, "</pre>");
    rc = rc ? rc : buf_append(out, p->data + head, tail - head);
    rc = rc ? rc : buf_puts(out, "<pre class=\"alertgw-label\">");
    rc = rc ? rc : copy_html_escape(out, post, npost);
    rc = rc ? rc : buf_puts(out, "</pre>");
    return rc ? rc : buf_append(out, p->data + tail, p->len - tail);
}

/* The copy's HTML renderings (pp->label: the body's HTML alternatives,
 * and inline HTML outside attached messages) get the text body's label
 * (an HTML-first reader must not see an unlabelled copy): the template
 * rendered once more around a marker gives what goes before and after
 * the body. */
static int copy_label_html(struct pctx *c, const char *subject,
                           struct pparts *pp, struct err *e)
{
    struct buf rs, rb, lab;
    const char *mark;
    size_t i, at;
    int rc = 0;

    for (i = 1; i < pp->n && !pp->label[i]; i++)
        ;
    if (i == pp->n)
        return 0;       /* no HTML rendering to label */
    buf_init(&rs, PROCESS_COPY_MAX);
    buf_init(&rb, PROCESS_COPY_MAX);
    if (copy_render(c, subject, "\001", &rs, &rb, e) != 0) {
        rc = -1;
        goto out;
    }
    /* a template without {{body}}: all of it goes before the HTML */
    mark = rb.len ? memchr(rb.data, '\001', rb.len) : NULL;
    at = mark ? (size_t)(mark - rb.data) : rb.len;
    for (i = 1; rc == 0 && i < pp->n; i++) {
        if (!pp->label[i])
            continue;
        buf_init(&lab, PROCESS_COPY_MAX);
        if ((rc = copy_label_one(rb.data ? rb.data : "", at,
                                 mark ? mark + 1 : "",
                                 mark ? rb.len - at - 1 : 0,
                                 &pp->v[i], &lab)) != 0) {
            buf_free(&lab);
            rc = copy_nospace(rc, e, "copy too large");
            break;
        }
        buf_free(&pp->data[i]);
        pp->data[i] = lab;
        pp->v[i].data = lab.data ? lab.data : (char *)"";
        pp->v[i].len = lab.len;
    }
out:
    buf_free(&rs);
    buf_free(&rb);
    return rc;
}

int copy_make(struct pctx *c, struct pcopy *out, struct err *e)
{
    struct buf subj, body, rsubj, rbody;
    struct pparts *pp = calloc(1, sizeof(*pp));
    int rc = -1;

    buf_init(&subj, PROCESS_COPY_MAX);
    buf_init(&body, PROCESS_COPY_MAX);
    buf_init(&rsubj, PROCESS_COPY_MAX);
    buf_init(&rbody, PROCESS_COPY_MAX);
    if (pp == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    pp->n = 1;      /* v[0] is the rendered body */
    if (keep_apply(c->g->sites, c->a->content, e) != 0 ||
        copy_content(c, &subj, &body, pp, e) != 0 ||
        copy_indicators(c, pp, &body, e) != 0 ||
        copy_render(c, buf_cstr(&subj), buf_cstr(&body), &rsubj, &rbody,
                    e) != 0 ||
        copy_label_html(c, buf_cstr(&subj), pp, e) != 0)
        goto out;
    pp->v[0].is_text = 1;
    pp->v[0].content_type = (char *)"text/plain";
    pp->v[0].data = rbody.data ? rbody.data : (char *)"";
    pp->v[0].len = rbody.len;
    if (copy_entity(c, pp, buf_cstr(&rsubj), &out->entity, e) != 0 ||
        copy_sign(c, buf_cstr(&rsubj), out, e) != 0)
        goto out;
    if ((rc = buf_printf(&out->text, "Subject: %s\n\n",
                         buf_cstr(&rsubj))) != 0 ||
        (rc = buf_append(&out->text, rbody.data ? rbody.data : "",
                         rbody.len)) != 0) {
        rc = copy_nospace(rc, e, "copy too large");
        goto out;
    }
    rc = c->l->anonymise ? copy_leak_msg(c, out->msg.data, out->msg.len, e)
                         : 0;
out:
    if (pp) {
        pp->v[0].filename = NULL;
        pparts_free(pp);
        free(pp);
    }
    buf_free(&subj);
    buf_free(&body);
    buf_free(&rsubj);
    buf_free(&rbody);
    return rc;
}
