/*
 * anon_rules - rule files (rules/NAME.rules, see rules/README): reading
 * them into the anon's rules, every bad line reported, and running the
 * examples they hold (anon_rules_test).
 */
#include "mail/anon.h"
#include "mail/anon_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const anon_reserved[] = {"site", "host", "email", "ip",
                                            "net"};

/* ---- rule files ---- */

/* Parsing state of one rule file. A bad line is reported and reading goes
 * on, so that one run names every error of every file (err_add, err.h);
 * the state below keeps one mistake from being reported again as others. */
struct anon_load {
    struct anon *a;
    const char *file;
    size_t line;
    struct anon_rule *cur;      /* the rule being read, or NULL */
    struct err *e;
    size_t bad;                 /* lines reported so far */
    unsigned tried;             /* LOAD_*: keywords cur had, good or bad */
    int skip;                   /* a bad "rule" line: skip its block */
};

/* A rule whose pattern line was bad has no pattern, but saying so again
 * at its end would only repeat the error. */
#define LOAD_CLASS 1u
#define LOAD_PATTERN 2u
#define LOAD_EXAMPLE 4u

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_err(struct anon_load *l, size_t line, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    l->bad++;
    return err_add(l->e, ERR_CONFIG, "%s:%zu: %s", l->file, line, msg);
}

void anon_rule_free(struct anon_rule *r)
{
    size_t i;

    for (i = 0; i < r->nex; i++) {
        free(r->ex[i].in);
        free(r->ex[i].want);
    }
    free(r->ex);
    free(r->name);
    free(r->cls);
    free(r->file);
    free(r->pattern);
    pcre2_code_free(r->code);
}

static int rule_finish(struct anon_load *l)
{
    struct anon_rule *r = l->cur;

    l->cur = NULL;
    if (r == NULL)
        return 0;
    if (r->code == NULL && !(l->tried & LOAD_PATTERN))
        return load_err(l, r->line, "rule %s has no pattern", r->name);
    if (r->cls == NULL && !(l->tried & LOAD_CLASS))
        return load_err(l, r->line, "rule %s has no class", r->name);
    if (r->nex == 0 && !(l->tried & LOAD_EXAMPLE))
        return load_err(l, r->line, "rule %s has no example", r->name);
    return 0;
}

static int name_ok(const char *p, size_t len, size_t max, int lower_only)
{
    size_t i;

    if (len == 0 || len > max || !isalpha((unsigned char)p[0]))
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];

        if (lower_only ? !(islower(c) || isdigit(c) || c == '-' || c == '_')
                       : !(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int kw_rule(struct anon_load *l, const char *arg, size_t len)
{
    struct anon *a = l->a;
    struct anon_rule *r;
    size_t i;

    (void)rule_finish(l);   /* reported; this line is read all the same */
    l->tried = 0;
    l->skip = 1;            /* until this rule line turns out good */
    if (!name_ok(arg, len, ANON_NAME_MAX, 0))
        return load_err(l, l->line, "bad rule name");
    for (i = 0; i < a->nrules; i++)
        if (strlen(a->rules[i].name) == len
            && memcmp(a->rules[i].name, arg, len) == 0)
            return load_err(l, l->line, "rule %s already defined at %s:%zu",
                            a->rules[i].name, a->rules[i].file,
                            a->rules[i].line);
    if (a->nrules >= ANON_RULES_MAX)
        return load_err(l, l->line, "more than %d rules", ANON_RULES_MAX);
    l->skip = 0;
    if (a->nrules == a->caprules) {
        size_t ncap = a->caprules ? a->caprules * 2 : 16;

        r = realloc(a->rules, ncap * sizeof *r);
        if (r == NULL)
            return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
        a->rules = r;
        a->caprules = ncap;
    }
    r = &a->rules[a->nrules++];
    memset(r, 0, sizeof *r);
    r->line = l->line;
    r->name = anon_strndup(arg, len);
    r->file = strdup(l->file);
    if (r->name == NULL || r->file == NULL)
        return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    l->cur = r;
    return 0;
}

static int kw_class(struct anon_load *l, const char *arg, size_t len)
{
    size_t i;

    l->tried |= LOAD_CLASS;
    if (l->cur->cls)
        return load_err(l, l->line, "second class for rule %s",
                        l->cur->name);
    if (!name_ok(arg, len, ANON_CLASS_MAX, 1))
        return load_err(l, l->line,
                        "bad class (lower-case letters, digits, - and _)");
    for (i = 0; i < sizeof anon_reserved / sizeof *anon_reserved; i++)
        if (strlen(anon_reserved[i]) == len
            && memcmp(anon_reserved[i], arg, len) == 0)
            return load_err(l, l->line, "class %s is reserved",
                            anon_reserved[i]);
    l->cur->cls = anon_strndup(arg, len);
    return l->cur->cls ? 0
                       : err_set(l->e, ERR_NOMEM, "out of memory loading rules");
}

static uint32_t code_groups(const pcre2_code *code)
{
    uint32_t n = 0;

    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    return n + 1;
}

pcre2_code *anon_pattern_compile(const char *p, size_t len, int *jit,
                                 int *errcode, PCRE2_SIZE *erroff)
{
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, len,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF
                                         | PCRE2_NEVER_BACKSLASH_C,
                                     errcode, erroff, NULL);

    /* no JIT (unsupported CPU): the interpreter, same limits */
    if (code)
        *jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    return code;
}

static int kw_pattern(struct anon_load *l, const char *arg, size_t len)
{
    struct anon_rule *r = l->cur;
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE off;
    int code, id;

    l->tried |= LOAD_PATTERN;
    if (r->code)
        return load_err(l, l->line, "second pattern for rule %s", r->name);
    if (len == 0)
        return load_err(l, l->line, "empty pattern");
    r->code = anon_pattern_compile(arg, len, &r->jit, &code, &off);
    if (r->code == NULL) {
        pcre2_get_error_message(code, msg, sizeof msg);
        return load_err(l, l->line, "bad pattern: %s at offset %zu",
                        (char *)msg, (size_t)off);
    }
    id = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR) "id");
    r->id_group = id > 0 ? id : 0;
    if (code_groups(r->code) > l->a->ovec)
        l->a->ovec = code_groups(r->code);
    return 0;
}

/* A double-quoted string with \" \\ \n \t escapes at p[*pos]. */
static int quoted(struct anon_load *l, const char *p, size_t len,
                  size_t *pos, struct buf *b)
{
    size_t i = *pos;
    int rc = 0;

    if (i >= len || p[i] != '"')
        return load_err(l, l->line, "example: expected '\"'");
    for (i++; i < len && p[i] != '"' && rc == 0; i++) {
        char c = p[i];

        if (c == '\\' && i + 1 < len) {
            c = p[++i];
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c != '"' && c != '\\')
                return load_err(l, l->line, "example: bad escape \\%c", c);
        }
        rc = buf_putc(b, c);
    }
    if (rc != 0)
        return anon_buf_fail(l->e, rc);
    if (i >= len)
        return load_err(l, l->line, "example: unclosed quote");
    *pos = i + 1;
    if (b->data == NULL)
        return anon_buf_fail(l->e, buf_append(b, "", 0));
    return 0;
}

static size_t skip_space(const char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i;
}

static int example_push(struct anon_rule *r, struct buf *in, struct buf *want,
                        size_t line)
{
    struct anon_example *ex;

    if (r->nex == r->capex) {
        size_t ncap = r->capex ? r->capex * 2 : 4;

        ex = realloc(r->ex, ncap * sizeof *ex);
        if (ex == NULL)
            return -1;
        r->ex = ex;
        r->capex = ncap;
    }
    ex = &r->ex[r->nex++];
    ex->in = buf_steal(in, NULL);
    ex->want = buf_steal(want, NULL);
    ex->line = line;
    return ex->in && ex->want ? 0 : -1;
}

static int kw_example(struct anon_load *l, const char *arg, size_t len)
{
    struct buf in, want;
    size_t pos = 0;
    int rc;

    l->tried |= LOAD_EXAMPLE;
    buf_init(&in, ANON_RULE_LINE_MAX);
    buf_init(&want, ANON_RULE_LINE_MAX);
    rc = quoted(l, arg, len, &pos, &in);
    pos = skip_space(arg, len, pos);
    if (rc == 0 && (len - pos < 2 || memcmp(arg + pos, "=>", 2) != 0))
        rc = load_err(l, l->line, "example: expected '=>'");
    if (rc == 0) {
        pos = skip_space(arg, len, pos + 2);
        rc = quoted(l, arg, len, &pos, &want);
    }
    if (rc == 0 && skip_space(arg, len, pos) != len)
        rc = load_err(l, l->line, "example: text after the expected output");
    if (rc == 0 && example_push(l->cur, &in, &want, l->line) != 0)
        rc = err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    buf_free(&in);
    buf_free(&want);
    return rc;
}

static const struct {
    const char *kw;
    int in_rule;                /* only inside a rule block */
    int (*fn)(struct anon_load *l, const char *arg, size_t len);
} anon_keywords[] = {
    {"rule", 0, kw_rule},
    {"class", 1, kw_class},
    {"pattern", 1, kw_pattern},
    {"example", 1, kw_example},
};

static int load_line(struct anon_load *l, const char *p, size_t len)
{
    size_t i, kw, arg;

    if (len > ANON_RULE_LINE_MAX)
        return load_err(l, l->line, "line too long");
    if (memchr(p, '\0', len))
        return load_err(l, l->line, "NUL byte");
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;  /* a pattern wanting a final space writes \x20 */
    i = skip_space(p, len, 0);
    if (i == len || p[i] == '#')
        return 0;
    for (kw = i; i < len && !isspace((unsigned char)p[i]); i++)
        ;
    arg = skip_space(p, len, i);
    for (size_t k = 0; k < sizeof anon_keywords / sizeof *anon_keywords; k++) {
        if (strlen(anon_keywords[k].kw) != i - kw
            || memcmp(anon_keywords[k].kw, p + kw, i - kw) != 0)
            continue;
        if (anon_keywords[k].in_rule && l->cur == NULL)
            return l->skip ? 0 : load_err(l, l->line, "%s outside a rule",
                                          anon_keywords[k].kw);
        return anon_keywords[k].fn(l, p + arg, len - arg);
    }
    return load_err(l, l->line, "unknown keyword '%.*s'", (int)(i - kw),
                    p + kw);
}

/* An unreadable or oversized file: one more error of the load. */
static int file_err(struct anon_load *l, const char *why)
{
    l->bad++;
    return err_add(l->e, ERR_CONFIG, "%s: %s", l->file, why);
}

static int read_file(struct anon_load *l, struct buf *b)
{
    char chunk[65536], why[64];
    FILE *f = fopen(l->file, "rb");
    size_t n;
    int rc = 0, bad;

    if (f == NULL)
        return file_err(l, strerror(errno));
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(b, chunk, n);
    bad = ferror(f);
    fclose(f);
    if (rc == BUF_ETOOBIG) {
        snprintf(why, sizeof why, "over %zu bytes", b->max);
        return file_err(l, why);
    }
    if (rc != 0)
        return err_set(l->e, ERR_NOMEM, "out of memory loading rules");
    return bad ? file_err(l, "read error") : 0;
}

/* Every line, a bad one reported and passed over; -1 only when memory ran
 * out (load_line failed without reporting a line). */
static int load_lines(struct anon_load *l, const struct buf *b)
{
    size_t pos = 0, before;

    while (pos < b->len) {
        const char *nl = memchr(b->data + pos, '\n', b->len - pos);
        size_t end = nl ? (size_t)(nl - b->data) : b->len;

        l->line++;
        before = l->bad;
        if (load_line(l, b->data + pos, end - pos) != 0 && l->bad == before)
            return -1;
        pos = end + 1;
    }
    (void)rule_finish(l);
    return 0;
}

/* 0 when the file was read (its bad lines, or the file itself if it could
 * not be read, added to *bad); -1 when memory ran out and loading stops. */
static int load_file(struct anon *a, const char *path, size_t *bad,
                     struct err *e)
{
    struct anon_load l = {a, path, 0, NULL, e, 0, 0, 0};
    struct buf b;
    int rc;

    buf_init(&b, ANON_RULE_FILE_MAX);
    if (read_file(&l, &b) != 0)
        rc = l.bad ? 0 : -1;
    else
        rc = load_lines(&l, &b);
    buf_free(&b);
    *bad += l.bad;
    return rc;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int is_rule_file(const char *n)
{
    size_t len = strlen(n);

    return n[0] != '.' && len > 6 && strcmp(n + len - 6, ".rules") == 0;
}

/* Names of the .rules files in dir, sorted; the caller frees each and v. */
static int list_dir(const char *dir, char ***names, size_t *n, struct err *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    int rc = 0;

    *n = 0;
    if (d == NULL)
        return err_set(e, ERR_CONFIG, "%s: %s", dir, strerror(errno));
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!is_rule_file(de->d_name))
            continue;
        if (*n >= ANON_RULE_FILES_MAX) {
            rc = err_set(e, ERR_CONFIG, "%s: more than %d rule files", dir,
                         ANON_RULE_FILES_MAX);
            break;
        }
        if (v == NULL)
            v = calloc(ANON_RULE_FILES_MAX, sizeof *v);
        if (v == NULL || (v[*n] = strdup(de->d_name)) == NULL)
            rc = err_set(e, ERR_NOMEM, "out of memory listing %s", dir);
        else
            (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(v, *n, sizeof *v, str_cmp);
    *names = v;
    return rc;
}

/* The classes the shipped rules (the files of rules/) cover: a directory
 * without one of them anonymises none of that kind (a DN would go out
 * readable), so it is a configuration error, not a quiet pass. A local rule
 * set may add classes and rename files, but must keep these. */
static const char *const anon_required[] = {"account", "dn"};

static int has_class(const struct anon *a, const char *cls)
{
    size_t i;

    for (i = 0; i < a->nrules; i++)
        if (a->rules[i].cls != NULL && strcmp(a->rules[i].cls, cls) == 0)
            return 1;
    return 0;
}

/* Every required class missing, one error each (err_add), after the files
 * read without a bad line (a bad rule would only be reported twice). */
static int check_required(const struct anon *a, const char *dir, size_t n,
                          struct err *e)
{
    size_t i, missing = 0;

    if (n == 0)
        return err_add(e, ERR_CONFIG, "%s: no *.rules file (the shipped "
                       "rules anonymise accounts and DNs)", dir);
    for (i = 0; i < sizeof anon_required / sizeof *anon_required; i++)
        if (!has_class(a, anon_required[i])) {
            missing++;
            (void)err_add(e, ERR_CONFIG, "%s: no rule of class %s (the "
                          "shipped rules have one)", dir, anon_required[i]);
        }
    return missing ? -1 : 0;
}

int anon_load_dir(struct anon *a, const char *dir, struct err *e)
{
    char **names = NULL;
    size_t n = 0, i, bad = 0;
    struct buf path;
    int rc = list_dir(dir, &names, &n, e);

    buf_init(&path, PATH_MAX);
    for (i = 0; i < n; i++) {
        buf_reset(&path);
        if (rc == 0 && buf_printf(&path, "%s/%s", dir, names[i]) != 0)
            rc = err_set(e, ERR_CONFIG, "%s: path too long", dir);
        if (rc == 0)
            rc = load_file(a, buf_cstr(&path), &bad, e);
        free(names[i]);
    }
    free(names);
    buf_free(&path);
    if (rc != 0 || bad > 0)
        return -1;
    return check_required(a, dir, n, e);
}

/* ---- rules test ---- */

/* Text as it would be written in a rule file example. */
static int put_quoted(struct buf *out, const char *s)
{
    int rc = buf_putc(out, '"');

    for (; *s && rc == 0; s++) {
        if (*s == '\n')
            rc = buf_puts(out, "\\n");
        else if (*s == '\t')
            rc = buf_puts(out, "\\t");
        else if (*s == '"' || *s == '\\')
            rc = buf_printf(out, "\\%c", *s);
        else
            rc = buf_putc(out, *s);
    }
    return rc == 0 ? buf_putc(out, '"') : rc;
}

/* 1 when the example fails (reported to out), 0 when it passes. */
static int example_run(const struct anon *a, const struct anon_rule *r,
                       const struct anon_example *ex, struct buf *out,
                       struct err *e)
{
    struct anon_map *m = anon_map_new();
    struct buf got;
    struct err sub;
    int rc, bad = 0;

    buf_init(&got, ANON_OUT_MAX);
    err_init(&sub);
    if (m == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = anon_run_apply(a, NULL, m, ex->in, strlen(ex->in), &got, NULL, NULL,
                        &sub);
    if (rc != 0) {
        bad = buf_printf(out, "%s:%zu: %s\n", r->file, ex->line, sub.msg);
        bad = bad ? bad : 1;
    } else if (strcmp(buf_cstr(&got), ex->want) != 0) {
        bad = buf_printf(out, "%s:%zu: got ", r->file, ex->line);
        bad = bad ? bad : put_quoted(out, buf_cstr(&got));
        bad = bad ? bad : buf_puts(out, ", want ");
        bad = bad ? bad : put_quoted(out, ex->want);
        bad = bad ? bad : buf_putc(out, '\n');
        bad = bad ? bad : 1;
    }
    buf_free(&got);
    anon_map_free(m);
    return bad < 0 ? anon_buf_fail(e, bad) : bad;
}

int anon_rules_test(const struct anon *a, struct buf *out, struct err *e)
{
    size_t i, j, n = 0, failed = 0;

    for (i = 0; i < a->nrules; i++) {
        const struct anon_rule *r = &a->rules[i];

        for (j = 0; j < r->nex; j++, n++) {
            int rc = example_run(a, r, &r->ex[j], out, e);

            if (rc < 0)
                return -1;
            failed += (size_t)rc;
        }
    }
    if (failed)
        return err_set(e, ERR_CONFIG, "%zu of %zu rule examples failed",
                       failed, n);
    return 0;
}
