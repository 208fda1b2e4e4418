#include "mail/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/limits.h"

struct render_tmpl {
    char *path;
    char *subject;      /* template text after "Subject:" */
    char *body;
};

static int render_known(const char *name, size_t n)
{
    const char *p = RENDER_VARS;

    while (*p) {
        size_t len = strcspn(p, " ");
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        p += len;
        p += *p == ' ';
    }
    return 0;
}

/* Every {{var}} must be closed, on one line, and known. */
static int render_check(const char *path, const char *text, int line,
                        struct err *e)
{
    const char *p, *end;
    size_t n;

    for (p = text; *p; p++) {
        if (*p == '\n')
            line++;
        if (p[0] != '{' || p[1] != '{')
            continue;
        end = strstr(p + 2, "}}");
        n = end ? (size_t)(end - p - 2) : 0;
        if (end == NULL || memchr(p + 2, '\n', n))
            return err_set(e, ERR_CONFIG, "%s:%d: '{{' without '}}'", path,
                           line);
        if (!render_known(p + 2, n))
            return err_set(e, ERR_CONFIG, "%s:%d: unknown variable {{%.*s}} "
                           "(known: %s)", path, line,
                           (int)(n < RENDER_VAR_MAX ? n : RENDER_VAR_MAX),
                           p + 2, RENDER_VARS);
        p = end + 1;
    }
    return 0;
}

static int render_split(struct render_tmpl *t, const char *text,
                        struct err *e)
{
    const char *nl;

    if (strncmp(text, "Subject:", 8) != 0)
        return err_set(e, ERR_CONFIG, "%s:1: a template starts with "
                       "'Subject: '", t->path);
    nl = strchr(text, '\n');
    if (nl == NULL || nl[1] != '\n')
        return err_set(e, ERR_CONFIG, "%s:2: an empty line must follow the "
                       "Subject line", t->path);
    text += 8;
    text += *text == ' ';
    t->subject = strndup(text, (size_t)(nl - text));
    t->body = strdup(nl + 2);
    if (t->subject == NULL || t->body == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (render_check(t->path, t->subject, 1, e) != 0 ||
        render_check(t->path, t->body, 3, e) != 0)
        return -1;
    return 0;
}

int render_load(const char *dir, const char *name, struct render_tmpl **out,
                struct err *e)
{
    struct render_tmpl *t;
    struct buf b;
    int rc = -1;

    *out = NULL;
    if (strchr(name, '/') || name[0] == '.' || name[0] == '\0')
        return err_set(e, ERR_CONFIG, "bad template name '%s'", name);
    t = calloc(1, sizeof(*t));
    buf_init(&b, RENDER_FILE_MAX);
    if (t == NULL || buf_printf(&b, "%s/%s.tmpl", dir, name) != 0 ||
        (t->path = buf_steal(&b, NULL)) == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    if (file_read(t->path, RENDER_FILE_MAX, &b) != 0) {
        err_set(e, ERR_CONFIG, "%s: %s", t->path, strerror(errno));
        goto out;
    }
    if (memchr(b.data ? b.data : "", '\0', b.len) != NULL) {
        err_set(e, ERR_CONFIG, "%s: NUL byte in template", t->path);
        goto out;
    }
    rc = render_split(t, buf_cstr(&b), e);
out:
    buf_free(&b);
    if (rc == 0)
        *out = t;
    else
        render_free(t);
    return rc;
}

void render_free(struct render_tmpl *t)
{
    if (t == NULL)
        return;
    free(t->path);
    free(t->subject);
    free(t->body);
    free(t);
}

static const char *render_lookup(const struct render_var *vars, size_t n,
                                 const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strlen(vars[i].name) == len &&
            memcmp(vars[i].name, name, len) == 0)
            return vars[i].value;
    return "";
}

static int render_expand(const char *text, const struct render_var *vars,
                         size_t nvars, struct buf *out)
{
    const char *p, *end;

    while ((p = strstr(text, "{{")) != NULL) {
        end = strstr(p, "}}");      /* render_check proved it is there */
        if (buf_append(out, text, (size_t)(p - text)) != 0 ||
            buf_puts(out, render_lookup(vars, nvars, p + 2,
                                        (size_t)(end - p - 2))) != 0)
            return -1;
        text = end + 2;
    }
    return buf_puts(out, text);
}

int render_apply(const struct render_tmpl *t, const struct render_var *vars,
                 size_t nvars, struct buf *subject, struct buf *body,
                 struct err *e)
{
    size_t start = subject->len;

    if (render_expand(t->subject, vars, nvars, subject) != 0 ||
        render_expand(t->body, vars, nvars, body) != 0)
        return err_set(e, ERR_TOOBIG, "%s: rendered copy too large", t->path);
    if (strpbrk(subject->data + start, "\r\n") != NULL)
        return err_set(e, ERR_DATA, "%s: a value would put a line break into "
                       "the Subject", t->path);
    if (subject->len - start > RENDER_SUBJECT_MAX)
        return err_set(e, ERR_DATA, "%s: Subject longer than %d bytes",
                       t->path, RENDER_SUBJECT_MAX);
    return 0;
}

int render_check_template(const char *dir, const char *name, struct err *e)
{
    struct render_tmpl *t;

    if (render_load(dir, name, &t, e) != 0)
        return -1;
    render_free(t);
    return 0;
}
