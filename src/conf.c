#include "conf.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

#ifndef AGW_SHARE_DIR
#define AGW_SHARE_DIR "/usr/local/share/alertgw"
#endif

enum conf_type { CONF_STR, CONF_LONG };

struct conf_key {
    const char *section;
    const char *name;
    enum conf_type type;
    size_t offset;
    const char *def;
    long min, max;
};

#define S(f) CONF_STR, offsetof(struct conf, f)
#define L(f) CONF_LONG, offsetof(struct conf, f)

static const struct conf_key conf_keys[] = {
    {"gateway", "data_dir", S(data_dir), "/var/lib/alertgw", 0, 0},
    {"gateway", "db", S(db_path), "${data_dir}/alertgw.db", 0, 0},
    {"gateway", "gnupg_home", S(gnupg_home), "${data_dir}/gnupg", 0, 0},
    {"gateway", "signing_key", S(signing_key), "", 0, 0},
    {"gateway", "from", S(from), "EGI CSIRT <csirt@csirt.example>", 0, 0},
    {"gateway", "sender", S(sender), "csirt-bounces@csirt.example", 0, 0},
    {"gateway", "domain", S(domain), "csirt.example", 0, 0},
    {"gateway", "admin", S(admin), "csirt-admin@csirt.example", 0, 0},
    {"gateway", "alert_prefix", S(alert_prefix), "EGI", 0, 0},
    {"gateway", "max_size", L(max_size), "10485760", 1024, 1L << 30},
    {"gateway", "time_budget", L(time_budget), "60", 1, 3600},
    {"gateway", "max_signature_age", L(max_sig_age), "604800", 60,
     100L * 365 * 86400},
    {"gateway", "max_signature_skew", L(max_sig_skew), "300", 0, 86400},
    {"gateway", "passphrase_file", S(passphrase_file), "", 0, 0},
    {"anonymise", "rules_dir", S(rules_dir), AGW_SHARE_DIR "/rules", 0, 0},
    {"anonymise", "sites_file", S(sites_file), "", 0, 0},
    {"anonymise", "keep", S(keep), "", 0, 0},
    {"render", "templates_dir", S(templates_dir), AGW_SHARE_DIR "/templates",
     0, 0},
    {"delivery", "transport", S(transport), "sendmail:/usr/sbin/sendmail", 0,
     0},
    {"delivery", "retry_max_age", L(retry_max_age), "432000", 60,
     30L * 86400},
    {"delivery", "smtp_batch", L(smtp_batch), "1000", 1, 100000},
    {"delivery", "smtp_timeout", L(smtp_timeout), "60", 1, 3600},
    {"delivery", "smtp_tls", S(smtp_tls), "may", 0, 0},
    {"delivery", "smtp_tls_fingerprint", S(smtp_tls_fingerprint), "", 0, 0},
    {"delivery", "smtp_tls_verify", S(smtp_tls_verify), "auto", 0, 0},
    {"delivery", "smtp_tls_ca_file", S(smtp_tls_ca_file),
     "/etc/ssl/certs/ca-certificates.crt", 0, 0},
    {"delivery", "smtp_tls_crl_file", S(smtp_tls_crl_file), "", 0, 0},
    {"delivery", "smtp_user", S(smtp_user), "", 0, 0},
    {"delivery", "smtp_password_file", S(smtp_password_file), "", 0, 0},
    /* Hostile input (README "Hostile input"). max_parts also bounds how
     * deep libetpan recurses, and the copy builder holds 256 parts: it
     * may only be lowered. */
    {"limits", "max_headers", L(max_headers), "1000", 10, 100000},
    {"limits", "max_header_length", L(max_header_length), "16384", 998,
     1L << 20},
    {"limits", "max_line_length", L(max_line_length), "65536", 998,
     1L << 30},
    {"limits", "max_mime_depth", L(max_mime_depth), "16", 1, 64},
    {"limits", "max_parts", L(max_parts), "256", 2, 256},
    {"limits", "pcre2_match_limit", L(pcre2_match_limit), "1000000", 1000,
     100000000},
    {"limits", "pcre2_depth_limit", L(pcre2_depth_limit), "10000", 100,
     1000000},
    {"limits", "pcre2_heap_limit", L(pcre2_heap_limit), "32768", 1024,
     1L << 20},
    {"limits", "pcre2_jit_stack", L(pcre2_jit_stack), "512", 32, 65536},
    {"limits", "process_budget", L(process_budget), "30", 1, 3600},
    /* The sandboxed child that reads an alert's bytes (README "Process
     * isolation"): memory it may add, CPU seconds it may use. */
    {"limits", "child_memory_mb", L(child_memory_mb), "1024", 64, 65536},
    {"limits", "child_cpu_seconds", L(child_cpu_seconds), "60", 1, 3600},
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

struct conf_parse {
    struct conf *c;
    char raw[CONF_NKEYS][CONF_VALUE_MAX];
    int set[CONF_NKEYS];
    char why[256];
};

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

static int conf_handler(void *user, const char *section, const char *name,
                        const char *value)
{
    struct conf_parse *p = user;
    size_t i;
    int n;

    if (conf_find(section, name, &i) == NULL) {
        snprintf(p->why, sizeof(p->why), "unknown key [%s] %s", section,
                 name);
        return 0;
    }
    n = snprintf(p->raw[i], CONF_VALUE_MAX, "%s", value);
    if (n < 0 || n >= CONF_VALUE_MAX) {
        snprintf(p->why, sizeof(p->why), "value of %s too long", name);
        return 0;
    }
    p->set[i] = 1;
    return 1;
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

static int conf_number(const struct conf_key *k, const char *s, long *v,
                       const char *origin, struct err *e)
{
    char *end;

    errno = 0;
    *v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || *v < k->min || *v > k->max)
        return err_set(e, ERR_CONFIG, "%s: [%s] %s must be a number from %ld "
                       "to %ld, not '%s'", origin, k->section, k->name,
                       k->min, k->max, s);
    return 0;
}

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
            continue;
        }
        if (conf_number(k, s, (long *)((char *)c + k->offset),
                        c->path[0] ? c->path : "defaults", e) != 0) {
            free(s);
            return -1;
        }
        free(s);
    }
    return 0;
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

int conf_load(struct conf *c, const char *path, struct err *e)
{
    struct conf_parse *p;
    int rc = -1, line;

    memset(c, 0, sizeof(*c));
    c->path = strdup(conf_pick_path(path));
    p = calloc(1, sizeof(*p));
    if (c->path == NULL || p == NULL) {
        err_set(e, ERR_NOMEM, "out of memory reading config");
        goto out;
    }
    p->c = c;
    if (c->path[0]) {
        line = ini_parse(c->path, conf_handler, p);
        if (line < 0) {
            err_set(e, ERR_CONFIG, "%s: cannot read configuration", c->path);
            goto out;
        }
        if (line > 0) {
            err_set(e, ERR_CONFIG, "%s:%d: %s", c->path, line,
                    p->why[0] ? p->why : "syntax error");
            goto out;
        }
    }
    rc = conf_apply(c, p, e);
out:
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
