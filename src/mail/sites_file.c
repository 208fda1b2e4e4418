/*
 * sites_file - the sites file (format in sites.h): each line checked
 * whole, then added; every bad line reported with FILE:LINE.
 */
#include "mail/sites.h"
#include "mail/sites_int.h"
#include "util/limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sites file ---- */

struct sites_tok {
    const char *p;
    size_t len;
    int quoted;
};

/* Next token of a line: 1 found, 0 at the end or a comment, -1 when a
 * quote is not closed. '#' outside quotes starts a comment. */
static int tok_next(const char *line, size_t len, size_t *pos,
                    struct sites_tok *t)
{
    size_t i = *pos;
    const char *q;

    while (i < len && sites_is_space((unsigned char)line[i]))
        i++;
    if (i >= len || line[i] == '#')
        return 0;
    t->quoted = line[i] == '"';
    if (t->quoted) {
        q = memchr(line + i + 1, '"', len - i - 1);
        if (q == NULL)
            return -1;
        t->p = line + i + 1;
        t->len = (size_t)(q - t->p);
        *pos = (size_t)(q - line) + 1;
        return 1;
    }
    t->p = line + i;
    while (i < len && !sites_is_space((unsigned char)line[i]) && line[i] != '"'
           && line[i] != '#')
        i++;
    t->len = (size_t)(line + i - t->p);
    *pos = i;
    return 1;
}

/* Which table a value token goes to; -1 when it fits none. Also reports
 * the site already owning it in *owner (-1: free). */
/* What a token is (SITES_ALIAS, ...) and which site owns it already
 * (*owner, -1 none); -1 when it is none of them. *wide says why a
 * network cannot be a site's, NULL when it can (or is no network). */
static int tok_kind(const struct sites *s, const struct sites_tok *t,
                    long *owner, const char **wide)
{
    char norm[SITES_NAME_MAX + 1];
    struct sites_net n;
    long len;

    *wide = NULL;
    if (t->quoted) {
        len = sites_label_norm(t->p, t->len, norm);
        if (len <= 0)
            return -1;
        *owner = sites_label_real_owner(s, norm, (size_t)len);
        return SITES_ALIAS;
    }
    len = sites_domain_norm(t->p, t->len, norm);
    if (len >= 0) {
        *owner = sites_tab_get(&s->domains, norm, (size_t)len);
        return SITES_DOMAIN;
    }
    if (t->len <= SITES_ADDR_IN_MAX
        && sites_net_parse(t->p, t->len, &n) == 0) {
        *owner = sites_net_owner(s, &n);
        *wide = sites_net_too_wide(&n);
        return SITES_NETWORK;
    }
    return -1;
}

/* Bad lines go through err_add: the file is read on, and each one is
 * reported on its own line (err.h). */
static int line_err(struct err *e, const char *origin, size_t lineno,
                    const char *why, const struct sites_tok *t)
{
    char show[SITES_SHOW_MAX];

    if (t == NULL)
        return err_add(e, ERR_DATA, "%s:%zu: %s", origin, lineno, why);
    return err_add(e, ERR_DATA, "%s:%zu: %s '%s'", origin, lineno, why,
                   text_show(t->p, t->len, show, sizeof show));
}

/* "FILE:LINE: network 'TOKEN' WHY" */
static int wide_err(struct err *e, const char *origin, size_t lineno,
                          const struct sites_tok *t, const char *why)
{
    char show[SITES_SHOW_MAX];

    return err_add(e, ERR_DATA, "%s:%zu: network '%s' %s", origin, lineno,
                   text_show(t->p, t->len, show, sizeof show), why);
}

static int owner_err(const struct sites *s, long owner, struct err *e,
                     const char *origin, size_t lineno,
                     const struct sites_tok *t)
{
    char show[SITES_SHOW_MAX];

    return err_add(e, ERR_DATA, "%s:%zu: '%s' already belongs to site %s",
                   origin, lineno, text_show(t->p, t->len, show, sizeof show),
                   s->v[owner].name);
}

/* First pass over a line: every token valid and nothing owned by another
 * site, so the second pass cannot fail half-way but for memory. */
static int line_check(const struct sites *s, const char *line, size_t len,
                      const char *origin, size_t lineno, struct err *e)
{
    struct sites_tok t;
    size_t pos = 0;
    const char *wide;
    int r, first = 1;
    long owner;

    while ((r = tok_next(line, len, &pos, &t)) == 1) {
        if (first && t.quoted)
            return line_err(e, origin, lineno, "site name in quotes", &t);
        if (first) {
            char norm[SITES_NAME_MAX + 1];
            long n = sites_label_norm(t.p, t.len, norm);

            if (n <= 0)
                return line_err(e, origin, lineno, "bad site name", &t);
            if (sites_label_real_owner(s, norm, (size_t)n) >= 0)
                return line_err(e, origin, lineno, "duplicate site name", &t);
            first = 0;
            continue;
        }
        if (tok_kind(s, &t, &owner, &wide) < 0)
            return line_err(e, origin, lineno,
                            "neither a quoted alias, a domain nor a network",
                            &t);
        if (wide)
            return wide_err(e, origin, lineno, &t, wide);
        if (owner >= 0)
            return owner_err(s, owner, e, origin, lineno, &t);
    }
    return r < 0 ? line_err(e, origin, lineno, "unclosed quote", NULL) : 0;
}

static int tok_add(struct sites *s, size_t idx, const struct sites_tok *t,
                   struct err *e)
{
    char v[SITES_LINE_MAX + 1];
    const char *wide;
    long owner;
    int kind = tok_kind(s, t, &owner, &wide);

    memcpy(v, t->p, t->len);
    v[t->len] = '\0';
    if (kind == SITES_ALIAS)
        return sites_add_alias(s, idx, v, e);
    if (kind == SITES_DOMAIN)
        return sites_add_domain(s, idx, v, e);
    return sites_add_network(s, idx, v, e);
}

static int line_add(struct sites *s, const char *line, size_t len,
                    struct err *e)
{
    char name[SITES_NAME_MAX + 1];
    struct sites_tok t;
    size_t pos = 0, idx;

    if (tok_next(line, len, &pos, &t) != 1)
        return 0;
    memcpy(name, t.p, t.len);  /* line_check bounded it */
    name[t.len] = '\0';
    if (sites_add(s, name, &idx, e) != 0)
        return -1;
    while (tok_next(line, len, &pos, &t) == 1)
        if (tok_add(s, idx, &t, e) != 0)
            return -1;
    return 0;
}

/* 0 added (or nothing to add), 1 a bad line, reported and skipped, -1
 * when the index cannot take more (memory, SITES_MAX): reading stops. */
static int load_line(struct sites *s, const char *line, size_t len,
                     const char *origin, size_t lineno, struct err *e)
{
    const char *why = len > SITES_LINE_MAX ? "line too long"
                      : memchr(line, '\0', len) ? "NUL byte" : NULL;
    struct err sub;

    if (why) {
        line_err(e, origin, lineno, why, NULL);
        return 1;
    }
    if (line_check(s, line, len, origin, lineno, e) != 0)
        return 1;
    err_init(&sub);
    if (line_add(s, line, len, &sub) != 0)
        return err_add(e, sub.code, "%s:%zu: %s", origin, lineno, sub.msg);
    return 0;
}

int sites_load_text(struct sites *s, const char *text, size_t len,
                    const char *origin, struct err *e)
{
    size_t pos = 0, lineno = 0;
    int r, bad = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;

        lineno++;
        r = load_line(s, text + pos, end - pos, origin, lineno, e);
        if (r < 0)
            return -1;
        bad |= r;
        pos = end + 1;
    }
    return bad ? -1 : 0;
}

int sites_load_file(struct sites *s, const char *path, struct err *e)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    int rc = -1;

    if (f == NULL)
        return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
    for (;;) {
        if (len == cap) {
            char *nd;

            cap = cap ? cap * 2 : 65536;
            if (cap > SITES_FILE_MAX + 1)
                cap = SITES_FILE_MAX + 1;
            if (len == cap) {
                err_set(e, ERR_TOOBIG, "%s: over %u bytes", path,
                        SITES_FILE_MAX);
                goto out;
            }
            nd = realloc(data, cap);
            if (nd == NULL) {
                err_set(e, ERR_NOMEM, "%s: out of memory", path);
                goto out;
            }
            data = nd;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        err_set(e, ERR_IO, "%s: read error", path);
    else
        rc = sites_load_text(s, data ? data : "", len, path, e);
out:
    free(data);
    fclose(f);
    return rc;
}
