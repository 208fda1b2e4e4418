/*
 * cli_int - what the command files share: parsed arguments, the command
 * table entry, the per-run state, and the helpers every command uses.
 * Internal to cli*.c.
 *
 * Each cli_AREA.c file owns one area's commands and exports its table;
 * cli.c parses, dispatches over all tables, prints errors and maps them
 * to exit statuses (the one place that does).
 */
#ifndef AGW_CLI_INT_H
#define AGW_CLI_INT_H

#include <stddef.h>
#include <stdio.h>
#include <sysexits.h>

#include "conf/conf.h"
#include "util/err.h"
#include "gateway/gateway.h"
#include "util/buf.h"
#include "util/limits.h"

struct cli_args {
    const char *pos[CLI_POS_MAX];
    int npos;
    const char *name[CLI_OPTS_MAX];     /* option names, from the spec */
    const char *val[CLI_OPTS_MAX];      /* value, "" for a flag, NULL unset */
    int nopts;
    int help;
};

struct cli {
    const char *conf_path;
    struct conf conf;
    int conf_loaded;
    struct gateway g;
    struct err e;
    int filter_mode;        /* filter answers the MTA: see cli_exit */
};

struct cli_cmd {
    const char *name;
    const char *sub;        /* NULL: no subcommand */
    const char *opts;       /* "name=,flag": '=' takes a value */
    int minpos, maxpos;
    int (*fn)(struct cli *c, struct cli_args *a);
    const char *usage;
    const char *help;
};

struct cli_table {
    const struct cli_cmd *cmds;
    size_t n;
};

#define CLI_TABLE(name) \
    const struct cli_table name = {name##_cmds, \
                                   sizeof(name##_cmds) / sizeof(name##_cmds[0])}

extern const struct cli_table cli_intake, cli_alerts, cli_queue,
    cli_registry, cli_keys, cli_check, cli_web;

/* What `keys check` finds (cli_keys.c), for `check` too: the TEMP view
 * keys_check(fingerprint, problem, expires, used_by, uid) of the pinned
 * keys that will not do within days (missing, revoked, expired,
 * expiring, unable to sign or encrypt). Opens the store and GnuPG. */
int cli_keys_check_view(struct cli *c, long days);

/* Record that a worker pass finished now (cli_check.c): the settings
 * value worker_last_pass, which `check` compares with --worker-age. */
int cli_check_pass_done(struct cli *c);

/* The i-th command over all tables, NULL past the end. */
const struct cli_cmd *cli_nth(size_t i);
/* Help (cli_help.c): the overview, one command's, one group's. */
void cli_usage(FILE *fp);
void cli_cmd_help(const struct cli_cmd *k, FILE *fp);
void cli_group_help(const char *group, FILE *fp);
/* The candidate nearest to word when it is near enough to be a typo
 * (one edit in a word of up to 4 letters, two up to 8, a third of a
 * longer one), else NULL. */
const char *cli_nearest(const char *word, const char *const *cands,
                        size_t n);

/* Option value, "" for a given flag, NULL when absent. */
const char *cli_opt(const struct cli_args *a, const char *name);
int cli_flag(const struct cli_args *a, const char *name);
/* yes/no option with a default; ERR_USAGE otherwise. */
int cli_yesno(struct cli *c, const char *v, int def, int *out);
/* Load the configuration once. */
int cli_conf(struct cli *c);
/* Configuration and the database. */
int cli_open(struct cli *c);
/* A whole file (path NULL or "-": stdin), at most max bytes. */
int cli_read(struct cli *c, const char *path, size_t max, struct buf *out);
/* A listing (db/listing.h): the rows of view as a table, or JSON with
 * --json; col (NULL: none) keeps the rows whose column equals value
 * (value NULL: every row). */
/* 0 when value is NULL or some row of view has it in col; else code and
 * "no WHAT 'VALUE'": a filter that names nothing is an error, not an
 * empty listing. */
int cli_known(struct cli *c, const char *view, const char *col,
              const char *value, enum err_code code, const char *what);
int cli_print(struct cli *c, const char *view, const char *col,
              const char *value, const struct cli_args *a);
/* One row of view whose col equals value; ERR_DATA "no WHAT 'VALUE'". */
int cli_show(struct cli *c, const char *view, const char *col,
             const char *value, const char *what, const struct cli_args *a);

#endif
