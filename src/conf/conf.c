#include "conf/conf.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/duration.h"
#include "util/file.h"
#include "util/limits.h"

#ifndef AGW_SHARE_DIR
#define AGW_SHARE_DIR "/usr/local/share/alertgw"
#endif

/* NUMBER and SECONDS are util/limits.h's unit column. */
enum conf_type { CONF_STR, CONF_NUMBER, CONF_SECONDS };

struct conf_key {
    const char *section;
    const char *name;
    enum conf_type type;
    size_t offset;
    const char *def;
    long min, max;
    const char *why;            /* for `config --example` */
};

#define S(f) CONF_STR, offsetof(struct conf, f)

/* Every number an operator may set: util/limits.h's table. */
#define CONF_LIMIT(id, sec, key, field, def, lo, hi, unit, why) \
    {sec, key, CONF_##unit, offsetof(struct conf, field), #def, lo, hi, why},

static const struct conf_key conf_keys[] = {
    {"gateway", "data_dir", S(data_dir), "/var/lib/alertgw", 0, 0,
     "database and GnuPG home; must belong to the user alertgw runs as"},
    {"gateway", "user", S(user), "alertgw", 0, 0,
     "the user Postfix's pipe and the worker run alertgw as; init warns "
     "when run as another"},
    {"gateway", "db", S(db_path), "${data_dir}/alertgw.db", 0, 0,
     "the SQLite registry, alerts, outbox and audit log"},
    {"gateway", "gnupg_home", S(gnupg_home), "${data_dir}/gnupg", 0, 0,
     "the gateway's GnuPG home: its signing key, officers' keys, contacts'"},
    {"gateway", "signing_key", S(signing_key), "", 0, 0,
     "fingerprint copies are signed with; empty: the key `init` made"},
    {"gateway", "from", S(from), "EGI CSIRT <csirt@csirt.example>", 0, 0,
     "From of every copy"},
    {"gateway", "sender", S(sender), "csirt-bounces@csirt.example", 0, 0,
     "envelope sender of every copy: bounces come back here"},
    {"gateway", "domain", S(domain), "csirt.example", 0, 0,
     "domain of Message-IDs and List-Ids"},
    {"gateway", "admin", S(admin), "csirt-admin@csirt.example", 0, 0,
     "quarantine notices and delivery failures go here"},
    {"gateway", "ack_address", S(ack_address), "", 0, 0,
     "Reply-To of every list copy; replies to it come back through "
     "pipe(8), are forwarded to ack_forward and may count as "
     "acknowledgements; empty: none asked for"},
    {"gateway", "ack_forward", S(ack_forward), "", 0, 0,
     "every reply to ack_address is forwarded here unchanged; empty: admin"},
    {"gateway", "alert_prefix", S(alert_prefix), "EGI", 0, 0,
     "alert ids are PREFIX-YYYYMMDD-NN"},
    {"gateway", "passphrase_file", S(passphrase_file), "", 0, 0,
     "first line: the signing key's passphrase; empty: none"},
    AGW_LIMITS_GATEWAY(CONF_LIMIT)
    {"anonymise", "rules_dir", S(rules_dir), AGW_SHARE_DIR "/rules", 0, 0,
     "anonymisation rules, every *.rules file"},
    {"anonymise", "sites_file", S(sites_file), "", 0, 0,
     "sites besides the registry's; empty: the registry only"},
    {"anonymise", "keep", S(keep), "", 0, 0,
     "host names never replaced, separated by spaces"},
    {"render", "templates_dir", S(templates_dir), AGW_SHARE_DIR "/templates",
     0, 0, "one template per audience"},
    {"delivery", "transport", S(transport), "sendmail:/usr/sbin/sendmail", 0,
     0, "sendmail:PATH, smtp://HOST:PORT or dir:PATH"},
    {"delivery", "smtp_tls", S(smtp_tls), "may", 0, 0,
     "STARTTLS: off, may or require"},
    {"delivery", "smtp_tls_fingerprint", S(smtp_tls_fingerprint), "", 0, 0,
     "SHA-256 of the relay's certificate, pinned; empty: not pinned"},
    {"delivery", "smtp_tls_verify", S(smtp_tls_verify), "auto", 0, 0,
     "check the relay's chain and name: auto, yes or no"},
    {"delivery", "smtp_tls_ca_file", S(smtp_tls_ca_file),
     "/etc/ssl/certs/ca-certificates.crt", 0, 0,
     "trusted CAs (PEM) for smtp_tls_verify"},
    {"delivery", "smtp_tls_crl_file", S(smtp_tls_crl_file), "", 0, 0,
     "revoked certificates (PEM CRLs); empty: none"},
    {"delivery", "smtp_user", S(smtp_user), "", 0, 0,
     "AUTH PLAIN user; empty: no AUTH"},
    {"delivery", "smtp_password_file", S(smtp_password_file), "", 0, 0,
     "first line: the AUTH password"},
    AGW_LIMITS_DELIVERY(CONF_LIMIT)
    AGW_LIMITS_LIMITS(CONF_LIMIT)
    AGW_LIMITS_WEB(CONF_LIMIT)
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* One bad line, kept until the file is read to the end so that the lines
 * can be reported in file order: inih shows its syntax errors one pass at
 * a time, after the handler has already seen the later lines. */
struct conf_bad {
    int line;                   /* 0: a compiled-in default */
    char why[CONF_WHY_MAX];
};

struct conf_parse {
    struct conf *c;
    char raw[CONF_NKEYS][CONF_VALUE_MAX];
    int set[CONF_NKEYS];        /* line the value came from, 0: default */
    const char *text;           /* the file, borrowed from conf_load */
    size_t len, pos;
    int line;                   /* the line the reader handed out last */
    unsigned char *is_bad;      /* by line: reported already */
    int nlines;
    struct conf_bad bad[CONF_ERRORS_MAX];
    size_t nbad;
    const struct conf_check *checks;   /* borrowed from the caller */
    size_t nchecks;
    int full;                   /* more than CONF_ERRORS_MAX: stopped */
};

static void conf_bad(struct conf_parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conf_bad(struct conf_parse *p, int line, const char *fmt, ...)
{
    struct conf_bad *b;
    va_list ap;

    if (p->nbad >= CONF_ERRORS_MAX) {
        p->full = 1;
        return;
    }
    b = &p->bad[p->nbad++];
    b->line = line;
    if (line > 0 && line <= p->nlines)
        p->is_bad[line] = 1;
    va_start(ap, fmt);
    vsnprintf(b->why, sizeof(b->why), fmt, ap);
    va_end(ap);
}

static const struct conf_key *conf_find(const char *section, const char *name,
                                        size_t *idx)
{
    size_t i;

    for (i = 0; i < CONF_NKEYS; i++)
        if (strcmp(conf_keys[i].section, section) == 0 &&
            strcmp(conf_keys[i].name, name) == 0) {
            *idx = i;
            return &conf_keys[i];
        }
    return NULL;
}

/* inih reads the file through this, one physical line a call, so its line
 * numbers are ours. A line already reported comes back empty: the next
 * pass then shows inih's next syntax error instead of the same one. A line
 * over inih's buffer (num) is refused whole; inih would cut it and read
 * the rest as a line of its own. */
static char *conf_reader(char *str, int num, void *stream)
{
    struct conf_parse *p = stream;
    const char *s = p->text + p->pos, *nl;
    size_t n;

    if (p->pos >= p->len || num < 3)
        return NULL;
    nl = memchr(s, '\n', p->len - p->pos);
    n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
    p->pos += n;
    p->line++;
    if (p->line <= p->nlines && p->is_bad[p->line]) {
        n = 0;
    } else if (memchr(s, '\0', n)) {
        conf_bad(p, p->line, "NUL byte");
        n = 0;
    } else if (n > (size_t)num - 1) {
        conf_bad(p, p->line, "line longer than %d bytes", num - 3);
        n = 0;
    }
    memcpy(str, s, n);
    str[n] = '\0';
    return str;
}

/* Always 1: the handler's own errors are recorded here, so that a nonzero
 * return of inih always means a syntax error at that line. */
static int conf_handler(void *user, const char *section, const char *name,
                        const char *value)
{
    struct conf_parse *p = user;
    size_t i;
    int n;

    if (conf_find(section, name, &i) == NULL) {
        conf_bad(p, p->line, "unknown key [%s] %s", section, name);
        return 1;
    }
    n = snprintf(p->raw[i], CONF_VALUE_MAX, "%s", value);
    if (n < 0 || n >= CONF_VALUE_MAX) {
        conf_bad(p, p->line, "value of %s too long", name);
        return 1;
    }
    p->set[i] = p->line;
    return 1;
}

/* Pass after pass until inih has nothing more to say: each pass reveals
 * one more syntax error (the earlier ones are blanked), so there are at
 * most CONF_ERRORS_MAX passes over a file of at most CONF_FILE_MAX. */
static int conf_parse_text(struct conf_parse *p)
{
    int line;

    do {
        p->pos = 0;
        p->line = 0;
        line = ini_parse_stream(conf_reader, p, conf_handler, p);
        if (line > 0)
            conf_bad(p, line, "syntax error");
    } while (line > 0 && !p->full);
    return line < 0 ? -1 : 0;
}

/* ${data_dir} is the only variable: paths hang off the data directory. */
static int conf_expand(const char *in, const char *data_dir, char **out)
{
    static const char var[] = "${data_dir}";
    struct buf b;
    const char *p;

    buf_init(&b, CONF_VALUE_MAX * 2);
    while ((p = strstr(in, var)) != NULL) {
        if (buf_append(&b, in, (size_t)(p - in)) || buf_puts(&b, data_dir))
            goto fail;
        in = p + sizeof(var) - 1;
    }
    if (buf_puts(&b, in))
        goto fail;
    *out = buf_steal(&b, NULL);
    return 0;
fail:
    buf_free(&b);
    return -1;
}

/* A duration takes the command line's units (90s, 15m, 12h, 30d, 2w) or
 * plain seconds, as files written before units were accepted hold. */
static void conf_number(struct conf_parse *p, size_t i, const char *s,
                        long *v)
{
    const struct conf_key *k = &conf_keys[i];
    int64_t d;
    char *end;

    if (k->type == CONF_SECONDS) {
        d = duration_parse(s, DURATION_BARE_SECONDS);
        *v = (long)d;
        if (d < k->min || d > k->max)
            conf_bad(p, p->set[i], "[%s] %s must be a duration from %lds to "
                     "%lds (as 90s, 15m, 12h, 30d, 2w), not '%s'",
                     k->section, k->name, k->min, k->max, s);
        return;
    }
    errno = 0;
    *v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || *v < k->min || *v > k->max)
        conf_bad(p, p->set[i], "[%s] %s must be a number from %ld to %ld, "
                 "not '%s'", k->section, k->name, k->min, k->max, s);
}

/* "smtp_tls_verify 'x': want ..." after "[delivery] smtp_tls_verify: "
 * says the name twice; the reason alone then. */
static const char *conf_unprefixed(const char *why, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(why, name, n) == 0 && (why[n] == ':' || why[n] == ' '))
        why += n + 1;
    return why + (*why == ' ');
}

/* The caller's checks of string key i; line 0 (a default) is reported
 * as "defaults:". */
static void conf_check_str(struct conf_parse *p, size_t i, const char *v)
{
    const struct conf_key *k = &conf_keys[i];
    struct err e;
    size_t j;

    for (j = 0; j < p->nchecks; j++) {
        if (strcmp(p->checks[j].section, k->section) != 0 ||
            strcmp(p->checks[j].key, k->name) != 0)
            continue;
        err_init(&e);
        if (p->checks[j].fn(v, &e) != 0)
            conf_bad(p, p->set[i], "[%s] %s: %s", k->section, k->name,
                     conf_unprefixed(e.msg, k->name));
    }
}

/* Every value, defaults included; a bad number is recorded and the rest
 * still checked. Only memory stops it early. */
static int conf_apply(struct conf *c, struct conf_parse *p, struct err *e)
{
    const char *data_dir;
    size_t i;

    /* data_dir first: the others may refer to it. */
    data_dir = p->set[0] ? p->raw[0] : conf_keys[0].def;
    for (i = 0; i < CONF_NKEYS; i++) {
        const struct conf_key *k = &conf_keys[i];
        const char *val = p->set[i] ? p->raw[i] : k->def;
        char *s;

        if (conf_expand(val, data_dir, &s) != 0)
            return err_set(e, ERR_NOMEM, "out of memory reading config");
        if (k->type == CONF_STR) {
            *(char **)((char *)c + k->offset) = s;
            conf_check_str(p, i, s);
            continue;
        }
        conf_number(p, i, s, (long *)((char *)c + k->offset));
        free(s);
    }
    return 0;
}

static int conf_bad_cmp(const void *x, const void *y)
{
    const struct conf_bad *a = x, *b = y;

    return (a->line > b->line) - (a->line < b->line);
}

/* Each bad line in file order as "FILE:LINE: reason", one err_add() each
 * (the caller's list prints them all, e gets the first). */
static int conf_report(struct conf_parse *p, const char *path,
                       struct err *e)
{
    const struct conf_bad *v = p->bad;
    size_t i;

    qsort(p->bad, p->nbad, sizeof(p->bad[0]), conf_bad_cmp);
    for (i = 0; i < p->nbad; i++) {
        if (v[i].line > 0)
            err_add(e, ERR_CONFIG, "%s:%d: %s", path, v[i].line, v[i].why);
        else
            err_add(e, ERR_CONFIG, "defaults: %s", v[i].why);
    }
    if (p->full)
        err_add(e, ERR_CONFIG, "%s: more than %d errors, stopped", path,
                CONF_ERRORS_MAX);
    return -1;
}

static const char *conf_pick_path(const char *path)
{
    const char *env;

    if (path)
        return path;
    env = getenv("ALERTGW_CONFIG");
    if (env && *env)
        return env;
    if (access(CONF_DEFAULT_PATH, F_OK) == 0)
        return CONF_DEFAULT_PATH;
    return "";
}

/* The last line may lack its '\n'. CONF_FILE_MAX keeps this an int. */
static int conf_count_lines(const char *s, size_t len)
{
    const char *end = s + len;
    int n = 0;

    while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        s++;
        n++;
    }
    return n + 1;
}

static int conf_read(struct conf_parse *p, const char *path, struct buf *b,
                     struct err *e)
{
    if (file_read(path, CONF_FILE_MAX, b) != 0)
        return err_set(e, ERR_CONFIG, "%s: cannot read configuration: %s",
                       path, errno == E2BIG ? "too big" : strerror(errno));
    p->text = b->data ? b->data : "";
    p->len = b->len;
    p->nlines = conf_count_lines(p->text, p->len);
    p->is_bad = calloc((size_t)p->nlines + 1, 1);
    if (p->is_bad == NULL || conf_parse_text(p) != 0)
        return err_set(e, ERR_NOMEM, "out of memory reading config");
    return 0;
}

int conf_load(struct conf *c, const char *path, struct err *e)
{
    return conf_load_checked(c, path, NULL, 0, e);
}

int conf_load_checked(struct conf *c, const char *path,
                      const struct conf_check *checks, size_t nchecks,
                      struct err *e)
{
    struct conf_parse *p;
    struct buf b;
    int rc = -1;

    memset(c, 0, sizeof(*c));
    buf_init(&b, CONF_FILE_MAX);
    c->path = strdup(conf_pick_path(path));
    p = calloc(1, sizeof(*p));
    if (c->path == NULL || p == NULL) {
        err_set(e, ERR_NOMEM, "out of memory reading config");
        goto out;
    }
    p->c = c;
    p->checks = checks;
    p->nchecks = nchecks;
    if (c->path[0] && conf_read(p, c->path, &b, e) != 0)
        goto out;
    if (conf_apply(c, p, e) != 0)
        goto out;
    rc = p->nbad ? conf_report(p, c->path[0] ? c->path : "defaults", e) : 0;
out:
    buf_free(&b);
    if (p)
        free(p->is_bad);
    free(p);
    if (rc != 0)
        conf_free(c);
    return rc;
}

void conf_free(struct conf *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < CONF_NKEYS; i++)
        if (conf_keys[i].type == CONF_STR) {
            char **s = (char **)((char *)c + conf_keys[i].offset);
            free(*s);
            *s = NULL;
        }
    free(c->path);
    c->path = NULL;
}

void conf_print(const struct conf *c, FILE *fp)
{
    const char *section = "";
    size_t i;

    for (i = 0; i < CONF_NKEYS; i++) {
        const struct conf_key *k = &conf_keys[i];
        const char *base = (const char *)c + k->offset;

        if (strcmp(section, k->section) != 0) {
            fprintf(fp, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        if (k->type == CONF_STR)
            fprintf(fp, "%s = %s\n", k->name, *(char *const *)base);
        else
            fprintf(fp, "%s = %ld\n", k->name, *(const long *)base);
    }
}

/* Every key commented out with its default and why it is there: the
 * example configuration `make install` ships (etc/alertgw.conf). */
void conf_example(FILE *fp)
{
    const char *section = "";
    size_t i;

    fputs("# alertgw configuration. Every key is shown with its default,\n"
          "# commented out; uncomment what you change. Durations take\n"
          "# s, m, h, d or w (90s, 15m, 12h, 30d, 2w); plain numbers are\n"
          "# seconds. `alertgw config` prints what is in effect.\n", fp);
    for (i = 0; i < CONF_NKEYS; i++) {
        const struct conf_key *k = &conf_keys[i];

        if (strcmp(section, k->section) != 0) {
            fprintf(fp, "\n[%s]\n", k->section);
            section = k->section;
        }
        fprintf(fp, "# %s", k->why);
        if (k->type == CONF_NUMBER)
            fprintf(fp, " (%ld to %ld)", k->min, k->max);
        else if (k->type == CONF_SECONDS)
            fprintf(fp, " (%lds to %lds)", k->min, k->max);
        fprintf(fp, "\n#%s =%s%s\n", k->name, k->def[0] ? " " : "",
                k->def);
    }
}
