#include "cli/cli.h"
#include "cli/cli_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/anon.h"
#include "conf/conf.h"
#include "relay/deliver.h"
#include "util/err.h"
#include "gateway/gateway.h"
#include "mail/msg.h"
#include "mail/pgp.h"
#include "process/process.h"
#include "outbox/queue.h"
#include "mail/render.h"
#include "db/listing.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/file.h"


const char *cli_opt(const struct cli_args *a, const char *name)
{
    int i;

    for (i = 0; i < a->nopts; i++)
        if (strcmp(a->name[i], name) == 0)
            return a->val[i];
    return NULL;
}

int cli_flag(const struct cli_args *a, const char *name)
{
    return cli_opt(a, name) != NULL;
}

/* Fill a->name from the spec; returns -1 if spec is too long (a bug). */
static int cli_spec(const char *spec, struct cli_args *a, char *store,
                    size_t storesz)
{
    size_t n = strlen(spec);
    char *p;

    if (n >= storesz)
        return -1;
    memcpy(store, spec, n + 1);
    for (p = store; *p && a->nopts < CLI_OPTS_MAX;) {
        a->name[a->nopts++] = p;
        p += strcspn(p, ",");
        if (*p)
            *p++ = '\0';
    }
    return 0;
}

/* Index of option "--arg" in a, or -1; *takes says whether it wants a
 * value (spec name ends in '='). */
static int cli_find(struct cli_args *a, const char *arg, size_t len,
                    int *takes)
{
    int i;
    size_t n;

    for (i = 0; i < a->nopts; i++) {
        n = strcspn(a->name[i], "=");
        if (n == len && strncmp(a->name[i], arg, len) == 0) {
            *takes = a->name[i][n] == '=';
            return i;
        }
    }
    return -1;
}

/* "unknown option --jsn (did you mean --json?)" */
static int cli_unknown_option(const struct cli_args *a, const char *arg,
                              size_t len, struct err *e)
{
    char word[CLI_OPT_NAME_MAX], names[CLI_OPTS_MAX][CLI_OPT_NAME_MAX];
    const char *cands[CLI_OPTS_MAX], *near;
    int i;

    snprintf(word, sizeof(word), "%.*s", (int)len, arg);
    for (i = 0; i < a->nopts; i++) {
        snprintf(names[i], sizeof(names[i]), "%.*s",
                 (int)strcspn(a->name[i], "="), a->name[i]);
        cands[i] = names[i];
    }
    near = cli_nearest(word, cands, (size_t)a->nopts);
    if (near)
        return err_set(e, ERR_USAGE, "unknown option --%.*s (did you mean "
                       "--%s?)", (int)len, arg, near);
    return err_set(e, ERR_USAGE, "unknown option --%.*s", (int)len, arg);
}

static int cli_option(struct cli_args *a, int argc, char **argv, int *i,
                      struct err *e)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    int takes, k;

    if (strcmp(arg, "help") == 0) {
        a->help = 1;
        return 0;
    }
    k = cli_find(a, arg, len, &takes);
    if (k < 0)
        return cli_unknown_option(a, arg, len, e);
    if (!takes && eq)
        return err_set(e, ERR_USAGE, "--%.*s takes no value", (int)len, arg);
    if (takes && !eq && *i + 1 >= argc)
        return err_set(e, ERR_USAGE, "--%.*s needs a value", (int)len, arg);
    a->val[k] = !takes ? "" : eq ? eq + 1 : argv[++*i];
    return 0;
}

static int cli_parse(int argc, char **argv, struct cli_args *a, struct err *e)
{
    int i, dashdash = 0;

    for (i = 0; i < argc; i++) {
        if (!dashdash && strcmp(argv[i], "--") == 0) {
            dashdash = 1;
        } else if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
            if (cli_option(a, argc, argv, &i, e) != 0)
                return -1;
        } else if (!dashdash && strcmp(argv[i], "-h") == 0) {
            a->help = 1;
        } else if (a->npos < CLI_POS_MAX) {
            a->pos[a->npos++] = argv[i];
        } else {
            return err_set(e, ERR_USAGE, "too many arguments");
        }
    }
    /* Spec names keep their '=': strip it now that parsing is done. */
    for (i = 0; i < a->nopts; i++)
        ((char *)a->name[i])[strcspn(a->name[i], "=")] = '\0';
    return 0;
}

/* err.c's table is the one mapping from error codes to exit statuses. */
static int cli_exit(const struct cli *c)
{
    return err_exit_status(c->e.code, c->filter_mode);
}

/* One line per error. A loader that reports every bad line of a file
 * (configuration, sites file, rule files) left them in the attached list;
 * the first of them is also c->e's own message, so it is not repeated. */
static void cli_report(const struct cli *c)
{
    const struct err_list *l = c->e.list;
    const char *pre = "";
    size_t i;

    if (!err_is_set(&c->e))
        return;
    if (c->filter_mode)
        pre = err_dsn(c->e.code);
    fprintf(stderr, "%s%salertgw: %s\n", pre, *pre ? " " : "", c->e.msg);
    for (i = 0; l && i < l->n; i++)
        if (strcmp(l->line[i], c->e.msg) != 0)
            fprintf(stderr, "%s%salertgw: %s\n", pre, *pre ? " " : "",
                    l->line[i]);
    if (l && l->more)
        fprintf(stderr, "%s%salertgw: ... and %zu more\n", pre,
                *pre ? " " : "", l->more);
}

int cli_yesno(struct cli *c, const char *v, int def, int *out)
{
    if (v == NULL)
        *out = def;
    else if (strcmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "no") == 0)
        *out = 0;
    else
        return err_set(&c->e, ERR_USAGE, "expected yes or no, not '%s'", v);
    return 0;
}

/* Values conf cannot judge alone, checked by the layer that reads them. */
static const struct conf_check cli_conf_checks[] = {
    {"delivery", "transport", relay_check_transport},
    {"delivery", "smtp_tls", relay_check_tls},
    {"delivery", "smtp_tls_verify", relay_check_verify},
    {"delivery", "smtp_tls_fingerprint", relay_check_pin},
};

int cli_conf(struct cli *c)
{
    if (c->conf_loaded)
        return 0;
    if (conf_load_checked(&c->conf, c->conf_path, cli_conf_checks,
                          sizeof(cli_conf_checks) / sizeof(cli_conf_checks[0]),
                          &c->e) != 0)
        return -1;
    c->conf_loaded = 1;
    gateway_init(&c->g, &c->conf);
    return 0;
}

/* Most commands want configuration and the database. */
int cli_open(struct cli *c)
{
    if (cli_conf(c) != 0)
        return -1;
    return gateway_store(&c->g, 0, &c->e);
}

/* path NULL or "-": standard input. */
int cli_read(struct cli *c, const char *path, size_t max,
                    struct buf *out)
{
    int rc;

    if (path == NULL || strcmp(path, "-") == 0)
        rc = file_read_fd(0, max, out);
    else
        rc = file_read(path, max, out);
    if (rc == 0)
        return 0;
    if (errno == E2BIG)
        return err_set(&c->e, ERR_TOOBIG, "%s: over the limit of %zu bytes",
                       path ? path : "stdin", max);
    return err_set(&c->e, errno == ENOENT ? ERR_NOUSER : ERR_IO, "%s: %s",
                   path ? path : "stdin", strerror(errno));
}

int cli_print(struct cli *c, const char *view, const char *col,
              const char *value, const struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return listing_print(c->g.store, view, col, value, cli_flag(a, "json"),
                         stdout, &c->e);
}

int cli_known(struct cli *c, const char *view, const char *col,
              const char *value, enum err_code code, const char *what)
{
    int64_t n = 0;

    if (value == NULL)
        return 0;
    if (cli_open(c) != 0 ||
        listing_count(c->g.store, view, col, value, &n, &c->e) != 0)
        return -1;
    return n ? 0 : err_set(&c->e, code, "no %s '%.200s'", what, value);
}

int cli_show(struct cli *c, const char *view, const char *col,
             const char *value, const char *what, const struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return listing_show(c->g.store, view, col, value, what,
                        cli_flag(a, "json"), stdout, &c->e);
}










static const struct cli_table *const cli_tables[] = {
    &cli_intake, &cli_alerts, &cli_queue, &cli_registry, &cli_keys,
    &cli_check, &cli_web,
};

/* The i-th command over all tables, NULL past the end. */
const struct cli_cmd *cli_nth(size_t i)
{
    size_t t;

    for (t = 0; t < sizeof(cli_tables) / sizeof(cli_tables[0]); t++) {
        if (i < cli_tables[t]->n)
            return &cli_tables[t]->cmds[i];
        i -= cli_tables[t]->n;
    }
    return NULL;
}

/* The command for argv; *used says how many words named it. NULL with
 * *group set when only the group matched. */
static const struct cli_cmd *cli_lookup(int argc, char **argv, int *used,
                                        int *group)
{
    const struct cli_cmd *k;
    size_t i;

    *group = 0;
    for (i = 0; (k = cli_nth(i)) != NULL; i++) {
        if (strcmp(k->name, argv[0]) != 0)
            continue;
        *group = 1;
        if (k->sub == NULL) {
            *used = 1;
            return k;
        }
        if (argc > 1 && strcmp(k->sub, argv[1]) == 0) {
            *used = 2;
            return k;
        }
    }
    return NULL;
}

/* What a registry change says once it is committed (the commands
 * themselves print nothing): one line, so a script and an officer both
 * see that it took. %1 and %2 are the first two arguments. */
static const struct { const char *name, *sub, *done; } cli_done[] = {
    {"orgs", "add", "organisation %1 added"},
    {"orgs", "edit", "organisation %1 changed"},
    {"orgs", "rm", "organisation %1 removed"},
    {"contacts", "add", "contact %1 added"},
    {"contacts", "edit", "contact %1 changed"},
    {"contacts", "confirm", "contact %1 confirmed"},
    {"contacts", "rm", "contact %1 removed"},
    {"lists", "add", "list %1 added"},
    {"lists", "edit", "list %1 changed"},
    {"lists", "rm", "list %1 removed"},
    {"lists", "add-member", "list %1: member %2 added"},
    {"lists", "rm-member", "list %1: member %2 removed"},
    {"lists", "add-rule", "list %1: rule added"},
    {"lists", "rm-rule", "list %1: rule removed"},
    {"dists", "add", "distribution %1 added"},
    {"dists", "edit", "distribution %1 changed"},
    {"dists", "rm", "distribution %1 removed"},
    {"sites", "add", "site %1 added"},
    {"sites", "edit", "site %1 changed"},
    {"sites", "rm", "site %1 removed"},
    {"sites", "keep", "host %1 kept readable"},
};

static void cli_say_done(const struct cli_cmd *k, const struct cli_args *a)
{
    const char *f = NULL, *arg;
    size_t i;

    for (i = 0; f == NULL && i < sizeof(cli_done) / sizeof(cli_done[0]); i++)
        if (k->sub && strcmp(cli_done[i].name, k->name) == 0 &&
            strcmp(cli_done[i].sub, k->sub) == 0)
            f = cli_done[i].done;
    if (f == NULL)
        return;
    if (strcmp(k->name, "sites") == 0 && strcmp(k->sub, "keep") == 0)
        f = cli_flag(a, "rm") ? "host %1 no longer kept readable"
                              : "host %1 kept readable";
    for (; *f; f++) {
        if (f[0] == '%' && (f[1] == '1' || f[1] == '2')) {
            arg = a->npos > f[1] - '1' ? a->pos[f[1] - '1'] : "";
            fputs(arg, stdout);
            f++;
        } else {
            putchar(*f);
        }
    }
    putchar('\n');
}

static int cli_run(struct cli *c, const struct cli_cmd *k, int argc,
                   char **argv)
{
    struct cli_args a;
    char spec[256];

    memset(&a, 0, sizeof(a));
    if (cli_spec(k->opts, &a, spec, sizeof(spec)) != 0)
        return err_set(&c->e, ERR_SOFTWARE, "option table too long");
    if (cli_parse(argc, argv, &a, &c->e) != 0)
        return -1;
    if (a.help) {
        cli_cmd_help(k, stdout);
        return 0;
    }
    if (a.npos < k->minpos || a.npos > k->maxpos)
        return err_set(&c->e, ERR_USAGE, "usage: alertgw %s%s%s %s",
                       k->name, k->sub ? " " : "", k->sub ? k->sub : "",
                       k->usage);
    if (k->fn(c, &a) != 0)
        return -1;
    cli_say_done(k, &a);
    return 0;
}

/* -c CONFIG and the global --help/--version before the command. */
static int cli_global(struct cli *c, int argc, char **argv, int *i)
{
    for (*i = 1; *i < argc; (*i)++) {
        if (strcmp(argv[*i], "-c") == 0 || strcmp(argv[*i], "--config") == 0) {
            if (++*i >= argc)
                return err_set(&c->e, ERR_USAGE, "-c needs a file");
            c->conf_path = argv[*i];
        } else if (strcmp(argv[*i], "--version") == 0) {
            printf("alertgw %s\n", AGW_VERSION);
            return 1;
        } else if (strcmp(argv[*i], "--help") == 0 ||
                   strcmp(argv[*i], "-h") == 0 ||
                   strcmp(argv[*i], "help") == 0) {
            cli_usage(stdout);
            return 1;
        } else if (argv[*i][0] == '-') {
            return err_set(&c->e, ERR_USAGE, "unknown option %s (see "
                           "alertgw --help)", argv[*i]);
        } else {
            return 0;
        }
    }
    cli_usage(stderr);
    return err_set(&c->e, ERR_USAGE, "no command given");
}

/* Every command name (sub NULL), or the subcommands of group sub, once;
 * *n: how many. */
static void cli_words(const char *group, const char **out, size_t *n)
{
    const struct cli_cmd *k;
    size_t i, j;

    *n = 0;
    for (i = 0; (k = cli_nth(i)) != NULL && *n < CLI_CMDS_MAX; i++) {
        const char *w = group ? k->sub : k->name;

        if (w == NULL || (group && strcmp(k->name, group) != 0))
            continue;
        for (j = 0; j < *n && strcmp(out[j], w) != 0; j++)
            ;
        if (j == *n)
            out[(*n)++] = w;
    }
}

/* sub NULL: name is no command; else name is a group without sub. */
static int cli_unknown_command(struct cli *c, const char *name,
                               const char *sub)
{
    const char *words[CLI_CMDS_MAX], *near;
    size_t n;

    cli_words(sub ? name : NULL, words, &n);
    near = cli_nearest(sub ? sub : name, words, n);
    if (sub && near)
        return err_set(&c->e, ERR_USAGE, "unknown subcommand '%s %s' (did "
                       "you mean '%s %s'?)", name, sub, name, near);
    if (sub)
        return err_set(&c->e, ERR_USAGE, "unknown subcommand '%s %s' (see "
                       "alertgw %s --help)", name, sub, name);
    if (near)
        return err_set(&c->e, ERR_USAGE, "unknown command '%s' (did you "
                       "mean '%s'?)", name, near);
    return err_set(&c->e, ERR_USAGE, "unknown command '%s' (see alertgw "
                   "--help)", name);
}

static int cli_dispatch(struct cli *c, int argc, char **argv)
{
    const struct cli_cmd *k;
    int used, group;

    k = cli_lookup(argc, argv, &used, &group);
    if (k)
        return cli_run(c, k, argc - used, argv + used);
    if (group && (argc < 2 || strcmp(argv[1], "--help") == 0 ||
                  strcmp(argv[1], "-h") == 0)) {
        cli_group_help(argv[0], argc < 2 ? stderr : stdout);
        return argc < 2 ? err_set(&c->e, ERR_USAGE, "%s needs a subcommand",
                                  argv[0]) : 0;
    }
    return cli_unknown_command(c, argv[0], group ? argv[1] : NULL);
}

int cli_main(int argc, char **argv)
{
    struct err_list errs;
    struct cli c;
    int i, rc, ex;

    memset(&c, 0, sizeof(c));
    err_init(&c.e);
    err_list_init(&errs);
    err_collect(&c.e, &errs);
    rc = cli_global(&c, argc, argv, &i);
    if (rc == 0 && cli_dispatch(&c, argc - i, argv + i) < 0 &&
        !err_is_set(&c.e))
        /* a failure that forgot to say why must not exit 0 */
        err_set(&c.e, ERR_SOFTWARE, "%s failed without a reason (a bug)",
                i < argc ? argv[i] : "the command");
    cli_report(&c);
    ex = cli_exit(&c);
    if (c.conf_loaded) {
        gateway_close(&c.g);
        conf_free(&c.conf);
    }
    if (fflush(stdout) != 0 && ex == 0)
        ex = EX_IOERR;
    return ex;
}
