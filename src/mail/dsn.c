/* dsn - delivery status reports (RFC 3464) read with a scanner of our
 * own: a report is a few header blocks, and libetpan's MIME parser (its
 * boundary defects, DESIGN "Known pitfalls") is not worth running for
 * them. Anything unexpected makes the message "not a report"; nothing
 * is guessed. */
#include "mail/dsn.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/msg.h"

struct dsn_cur {
    const char *p, *end;
};

/* One line: [*s, *e) without its line end; the cursor moves past it.
 * 0 at the end of the input. */
static int dsn_line(struct dsn_cur *c, const char **s, const char **e)
{
    const char *nl;

    if (c->p >= c->end)
        return 0;
    nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    *s = c->p;
    *e = nl ? nl : c->end;
    c->p = nl ? nl + 1 : c->end;
    if (*e > *s && (*e)[-1] == '\r')
        (*e)--;
    return 1;
}

static int dsn_blank(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    return s == e;
}

/* Appends [s, e) to out (size bytes), control bytes as '?', cut. */
static void dsn_append(char *out, size_t size, const char *s, const char *e)
{
    size_t n = strlen(out);

    for (; s < e && n + 1 < size; s++) {
        unsigned char ch = (unsigned char)*s;

        out[n++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    out[n] = '\0';
}

/* val into out, cut to size - 1 bytes */
static void dsn_copy(char *out, size_t size, const char *val)
{
    out[0] = '\0';
    dsn_append(out, size, val, val + strlen(val));
}

static const char *dsn_skip_ws(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* The next field of a header block: 1 with its name and unfolded value,
 * 0 at the blank line that ends the block (the cursor then past it) or
 * at the end. A line that is no field is skipped. */
static int dsn_field(struct dsn_cur *c, char *name, size_t nsize, char *val,
                     size_t vsize)
{
    const char *s, *e, *colon;

    for (;;) {
        if (!dsn_line(c, &s, &e) || s == e)
            return 0;
        colon = memchr(s, ':', (size_t)(e - s));
        if (*s != ' ' && *s != '\t' && colon != NULL && colon > s)
            break;
    }
    name[0] = val[0] = '\0';
    dsn_append(name, nsize, s, colon);
    dsn_append(val, vsize, dsn_skip_ws(colon + 1, e), e);
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
        static const char space[] = " ";    /* a fold is one space */

        dsn_line(c, &s, &e);
        dsn_append(val, vsize, space, space + 1);
        dsn_append(val, vsize, dsn_skip_ws(s, e), e);
    }
    return 1;
}

/* Whether the Content-Type value ct is of type t (no parameters). */
static int dsn_type_is(const char *ct, const char *t)
{
    size_t n = strlen(t);

    return strncasecmp(ct, t, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* Parameter name of Content-Type value ct into out; 0 when found. */
static int dsn_param(const char *ct, const char *name, char *out,
                     size_t size)
{
    size_t nl = strlen(name), n = 0;
    const char *p = ct;

    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
            continue;
        p += nl + 1;
        if (*p == '"')
            for (p++; *p && *p != '"' && n + 1 < size; p++)
                out[n++] = *p == '\\' && p[1] ? *++p : *p;
        else
            for (; *p && !strchr(" \t;", *p) && n + 1 < size; p++)
                out[n++] = *p;
        out[n] = '\0';
        return n > 0 ? 0 : -1;
    }
    return -1;
}

/* A delimiter line of boundary b: "--b" or "--b--", white space after. */
static int dsn_delimiter(const char *s, const char *e, const char *b)
{
    size_t bl = strlen(b);

    if ((size_t)(e - s) < bl + 2 || s[0] != '-' || s[1] != '-' ||
        memcmp(s + 2, b, bl) != 0)
        return 0;
    s += bl + 2;
    if (e - s >= 2 && s[0] == '-' && s[1] == '-')
        s += 2;
    return dsn_blank(s, e);
}

/* "rfc822; <a@b>" into out: the address, or "" for another type or an
 * address with white space or control bytes in it. */
static void dsn_addr(const char *v, char *out, size_t size)
{
    const char *p;
    size_t n = 0;

    out[0] = '\0';
    if (strncasecmp(v, "rfc822", 6) != 0 || (p = strchr(v, ';')) == NULL)
        return;
    for (p++; *p == ' ' || *p == '\t' || *p == '<'; p++)
        ;
    for (; *p && *p != '>' && n + 1 < size; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            n = 0;
            break;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* The first word of v, lower case, of the characters allowed. */
static void dsn_word(const char *v, const char *allowed, char *out,
                     size_t size)
{
    size_t n = 0;

    for (; *v && n + 1 < size; v++) {
        unsigned char ch = (unsigned char)tolower((unsigned char)*v);

        if (!isalnum(ch) && strchr(allowed, ch) == NULL)
            break;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
}

static void dsn_rcpt_field(struct dsn_rcpt *r, const char *name,
                           const char *val)
{
    if (strcasecmp(name, "Original-Recipient") == 0)
        dsn_addr(val, r->orcpt, sizeof(r->orcpt));
    else if (strcasecmp(name, "Final-Recipient") == 0)
        dsn_addr(val, r->final, sizeof(r->final));
    else if (strcasecmp(name, "Action") == 0)
        dsn_word(val, "-", r->action, sizeof(r->action));
    else if (strcasecmp(name, "Status") == 0)
        dsn_word(val, ".", r->status, sizeof(r->status));
    else if (strcasecmp(name, "Diagnostic-Code") == 0)
        dsn_copy(r->diag, sizeof(r->diag), val);
}

/* The fields of the status part, [c->p, c->end): the per-message block,
 * then one block per recipient. */
static void dsn_status(struct dsn_cur *c, struct dsn_report *r)
{
    char name[DSN_FIELD_MAX], val[DSN_FIELD_MAX];
    struct dsn_rcpt *cur;

    while (dsn_field(c, name, sizeof(name), val, sizeof(val)))
        if (strcasecmp(name, "Original-Envelope-Id") == 0)
            dsn_copy(r->envid, sizeof(r->envid), val);
    while (c->p < c->end) {
        if (r->n == DSN_RCPTS_MAX) {
            r->truncated = 1;
            return;
        }
        cur = &r->rcpt[r->n];
        memset(cur, 0, sizeof(*cur));
        while (dsn_field(c, name, sizeof(name), val, sizeof(val)))
            dsn_rcpt_field(cur, name, val);
        if (cur->orcpt[0] || cur->final[0])
            r->n++;
    }
}

static int dsn_not(struct dsn_report *r, const char *why)
{
    snprintf(r->why, sizeof(r->why), "%s", why);
    return -1;
}

/* The body of the first message/delivery-status part between
 * delimiters of b: [*s, *e). 0 when found. */
static int dsn_find_status(struct dsn_cur *c, const char *b, const char **s,
                           const char **e)
{
    char name[DSN_FIELD_MAX], val[DSN_FIELD_MAX], ct[DSN_FIELD_MAX];
    const char *ls, *le;
    int in_part = 0;

    while (dsn_line(c, &ls, &le)) {
        if (!dsn_delimiter(ls, le, b))
            continue;
        if (in_part) {
            *e = ls;
            return 0;
        }
        ct[0] = '\0';
        while (dsn_field(c, name, sizeof(name), val, sizeof(val)))
            if (strcasecmp(name, "Content-Type") == 0)
                dsn_copy(ct, sizeof(ct), val);
        if (dsn_type_is(ct, "message/delivery-status") ||
            dsn_type_is(ct, "message/global-delivery-status")) {
            in_part = 1;
            *s = c->p;
        }
    }
    *e = c->end;
    return in_part ? 0 : -1;
}

int dsn_parse(const char *raw, size_t len, struct dsn_report *r)
{
    char name[DSN_FIELD_MAX], val[DSN_FIELD_MAX], ct[DSN_FIELD_MAX] = "";
    char rt[32], b[DSN_BOUNDARY_MAX + 1];
    struct dsn_cur c = {raw, raw + len};
    const char *s, *e;

    r->envid[0] = r->why[0] = '\0';
    r->n = 0;
    r->truncated = 0;
    while (dsn_field(&c, name, sizeof(name), val, sizeof(val)))
        if (strcasecmp(name, "Content-Type") == 0)
            dsn_copy(ct, sizeof(ct), val);
    if (!dsn_type_is(ct, "multipart/report"))
        return dsn_not(r, "not a multipart/report");
    if (dsn_param(ct, "report-type", rt, sizeof(rt)) != 0 ||
        (strcasecmp(rt, "delivery-status") != 0 &&
         strcasecmp(rt, "global-delivery-status") != 0))
        return dsn_not(r, "not a delivery status report");
    if (dsn_param(ct, "boundary", b, sizeof(b)) != 0)
        return dsn_not(r, "multipart/report without a boundary");
    if (dsn_find_status(&c, b, &s, &e) != 0)
        return dsn_not(r, "no message/delivery-status part");
    c.p = s;
    c.end = e;
    dsn_status(&c, r);
    if (r->n == 0)
        return dsn_not(r, "the report names no recipient");
    return 0;
}

/* ---- replies ----------------------------------------------------------- */

/* Each "<id>" of v, in order, into out (at most max); *n counts them. */
static void dsn_ids(const char *v, char out[][DSN_MSGID_MAX + 1], size_t max,
                    size_t *n)
{
    const char *lt, *gt;

    while (*n < max && (lt = strchr(v, '<')) != NULL &&
           (gt = strchr(lt, '>')) != NULL) {
        out[*n][0] = '\0';
        if ((size_t)(gt - lt - 1) <= DSN_MSGID_MAX && gt > lt + 1) {
            dsn_append(out[*n], DSN_MSGID_MAX + 1, lt + 1, gt);
            (*n)++;
        }
        v = gt + 1;
    }
}

/* The address of a From value: the last "<...>", else the word with '@'. */
static void dsn_from(const char *v, char *out, size_t size)
{
    const char *lt = strrchr(v, '<'), *gt, *s, *e;

    out[0] = '\0';
    if (lt && (gt = strchr(lt, '>')) != NULL) {
        s = lt + 1;
        e = gt;
    } else {
        if ((s = strchr(v, '@')) == NULL)
            return;
        while (s > v && !strchr(" \t,;\"", s[-1]))
            s--;
        e = s + strcspn(s, " \t,;\"");
    }
    if (memchr(s, '@', (size_t)(e - s)) && (size_t)(e - s) < size)
        dsn_append(out, size, s, e);
    for (s = out; *s; s++)
        if ((unsigned char)*s <= ' ')
            out[0] = '\0';
}

static int dsn_starts(const char *v, const char *w)
{
    return strncasecmp(v, w, strlen(w)) == 0;
}

/* Subjects of vacation responders that set no header saying so */
static const char *const dsn_auto_subjects[] = {
    "out of office", "automatic reply", "auto-reply", "autoreply",
    "auto reply", "abwesenheit", "absence", "away from", "vacation",
};

static const char *dsn_auto_field(const char *name, const char *val)
{
    char w[DSN_WORD_MAX + 1];

    if (strcasecmp(name, "Auto-Submitted") == 0) {
        dsn_word(val, "-", w, sizeof(w));
        return strcmp(w, "no") != 0 ? "Auto-Submitted" : NULL;
    }
    if (strcasecmp(name, "Precedence") == 0) {
        dsn_word(val, "_-", w, sizeof(w));
        return strcmp(w, "bulk") == 0 || strcmp(w, "junk") == 0 ||
               strcmp(w, "list") == 0 || strcmp(w, "auto_reply") == 0 ?
               "Precedence" : NULL;
    }
    if (strcasecmp(name, "X-Autoreply") == 0 ||
        strcasecmp(name, "X-Autorespond") == 0 ||
        strcasecmp(name, "X-Auto-Reply") == 0)
        return "X-Autoreply";
    if (strcasecmp(name, "Return-Path") == 0 && strstr(val, "<>"))
        return "empty Return-Path";
    if (strcasecmp(name, "Content-Type") == 0 &&
        dsn_type_is(val, "multipart/report"))
        return "a report";
    return NULL;
}

static void dsn_reply_field(struct dsn_reply *r, const char *name,
                            const char *val)
{
    const char *a = dsn_auto_field(name, val);

    if (a && r->automatic[0] == '\0')
        dsn_copy(r->automatic, sizeof(r->automatic), a);
    if (strcasecmp(name, "From") == 0)
        dsn_from(val, r->from, sizeof(r->from));
    else if (strcasecmp(name, "Message-ID") == 0) {
        char id[1][DSN_MSGID_MAX + 1];
        size_t n = 0;

        dsn_ids(val, id, 1, &n);
        if (n)
            dsn_copy(r->msgid, sizeof(r->msgid), id[0]);
    } else if (strcasecmp(name, "Subject") == 0) {
        /* a mail client encodes the whole Subject for one accent */
        char *d = msg_hdr_decode(val, strlen(val));

        dsn_copy(r->subject, sizeof(r->subject), d ? d : val);
        free(d);
    }
    else if (strcasecmp(name, "In-Reply-To") == 0)
        dsn_ids(val, r->refs, DSN_REFS_MAX, &r->nrefs);
    else if (strcasecmp(name, "Content-Type") == 0)
        r->is_signed = dsn_type_is(val, "multipart/signed");
}

/* References lists the thread oldest first: its newest ids are kept. */
static void dsn_references(struct dsn_reply *r, const char *val)
{
    char all[DSN_REFS_MAX][DSN_MSGID_MAX + 1];
    size_t n = 0, i;
    const char *v = val, *lt;

    /* skip all but the last DSN_REFS_MAX ids */
    for (lt = v; (lt = strchr(lt, '<')) != NULL; lt++)
        n++;
    for (i = 0; n > DSN_REFS_MAX && i < n - DSN_REFS_MAX; i++)
        v = strchr(v, '<') + 1;
    n = 0;
    dsn_ids(v, all, DSN_REFS_MAX, &n);
    while (n > 0 && r->nrefs < DSN_REFS_MAX)
        dsn_copy(r->refs[r->nrefs++], DSN_MSGID_MAX + 1, all[--n]);
}

static void dsn_auto_from(struct dsn_reply *r)
{
    size_t i;

    if (r->automatic[0])
        return;
    if (dsn_starts(r->from, "mailer-daemon@") ||
        dsn_starts(r->from, "postmaster@"))
        dsn_copy(r->automatic, sizeof(r->automatic), "a mailer daemon");
    for (i = 0; i < sizeof(dsn_auto_subjects) / sizeof(*dsn_auto_subjects);
         i++)
        if (strcasestr(r->subject, dsn_auto_subjects[i]))
            dsn_copy(r->automatic, sizeof(r->automatic), "an out-of-office "
                     "Subject");
}

int dsn_reply(const char *raw, size_t len, struct dsn_reply *r)
{
    char name[DSN_FIELD_MAX], val[DSN_REFS_FIELD_MAX];
    struct dsn_cur c = {raw, raw + len};
    int refs = 0;

    memset(r, 0, sizeof(*r));
    while (dsn_field(&c, name, sizeof(name), val, sizeof(val))) {
        if (strcasecmp(name, "References") == 0)
            refs = 1;       /* its ids go after In-Reply-To's: below */
        else
            dsn_reply_field(r, name, val);
    }
    c.p = raw;
    while (refs && dsn_field(&c, name, sizeof(name), val, sizeof(val)))
        if (strcasecmp(name, "References") == 0) {
            dsn_references(r, val);
            break;
        }
    dsn_auto_from(r);
    return 0;
}

/* ---- a signed reply's parts -------------------------------------------- */

/* The start of the line break in front of line s (what RFC 2046 counts
 * as part of the delimiter), not before floor. */
static const char *dsn_before_break(const char *s, const char *floor)
{
    if (s > floor && s[-1] == '\n')
        s--;
    if (s > floor && s[-1] == '\r')
        s--;
    return s;
}

int dsn_signed(const char *raw, size_t len, const char **ent, size_t *elen,
               const char **sig, size_t *slen)
{
    char name[DSN_FIELD_MAX], val[DSN_FIELD_MAX], ct[DSN_FIELD_MAX] = "";
    char b[DSN_BOUNDARY_MAX + 1];
    struct dsn_cur c = {raw, raw + len};
    const char *ls, *le, *start[2] = {NULL, NULL}, *end[2] = {NULL, NULL};
    int part = -1;

    while (dsn_field(&c, name, sizeof(name), val, sizeof(val)))
        if (strcasecmp(name, "Content-Type") == 0)
            dsn_copy(ct, sizeof(ct), val);
    if (!dsn_type_is(ct, "multipart/signed") ||
        dsn_param(ct, "boundary", b, sizeof(b)) != 0)
        return -1;
    while (part < 2 && dsn_line(&c, &ls, &le)) {
        if (!dsn_delimiter(ls, le, b))
            continue;
        if (part >= 0)
            end[part] = dsn_before_break(ls, start[part]);
        if (++part < 2)
            start[part] = c.p;
    }
    if (part < 2)
        return -1;
    /* the signature part's body follows its header block */
    c.p = start[1];
    c.end = end[1];
    while (dsn_field(&c, name, sizeof(name), val, sizeof(val)))
        ;
    *ent = start[0];
    *elen = (size_t)(end[0] - start[0]);
    *sig = c.p;
    *slen = (size_t)(end[1] - c.p);
    return 0;
}
