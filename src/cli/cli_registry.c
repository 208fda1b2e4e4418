/* cli_registry - commands: organisations, contacts, lists (memberships,
 * rules, coverage), distributions, sites and the keep-list. */
#include "cli/cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/gocdb.h"
#include "mail/pgp.h"
#include "registry/registry.h"
#include "db/store.h"
#include "util/file.h"

#define CLI_DAYS_DEFAULT 30

/* ---- shared ---- */

/* --active / --anonymise style: NULL stays 0 (unchanged). */
static int cli_tristate(struct cli *c, const char *v, int *out)
{
    int yes;

    *out = 0;
    if (v == NULL)
        return 0;
    if (cli_yesno(c, v, 1, &yes) != 0)
        return -1;
    *out = yes ? 1 : -1;
    return 0;
}

static void cli_import_summary(const struct registry_import *r,
                               const char *what)
{
    printf("%s%ld %s read: %ld new, %ld updated",
           r->dry_run ? "dry run, nothing changed: " : "", r->read, what,
           r->added, r->updated);
    if (r->unchanged || r->kept || r->gone || r->conflicts)
        printf(", %ld unchanged, %ld kept (edited by hand), %ld gone from "
               "the source (not removed), %ld identifier conflict(s)",
               r->unchanged, r->kept, r->gone, r->conflicts);
    putchar('\n');
    if (r->roles_unknown)
        fprintf(stderr, "alertgw: warning: %ld row(s) with a role not one "
                "of %s\n", r->roles_unknown, REGISTRY_ROLES);
}

/* A role outside the vocabulary is kept (a CSIRT may have its own), but
 * said: most often it is a slip no list rule will ever match. Called
 * after the change succeeded, so a refused command says one line. */
static int cli_role_warn(int rc, const char *role)
{
    if (rc == 0 && role && !registry_role_known(role))
        fprintf(stderr, "alertgw: warning: role '%.100s' is not one of %s\n",
                role, REGISTRY_ROLES);
    return rc;
}

/* An input file that cannot be read is bad data for a registry command
 * (cli_read says ERR_NOUSER for a missing file, which reads as "unknown
 * distribution" elsewhere). */
static int cli_registry_read(struct cli *c, const char *path, size_t max,
                             struct buf *out)
{
    if (cli_read(c, path, max, out) == 0)
        return 0;
    if (c->e.code == ERR_NOUSER || c->e.code == ERR_IO) {
        char m[ERR_MSG_MAX];

        memcpy(m, c->e.msg, sizeof(m));
        err_reword(&c->e, ERR_DATA, "cannot read %s", m);
    }
    return -1;
}

typedef int (*cli_csv_import_fn)(struct store *, const char *, size_t,
                                 const char *, struct registry_import *,
                                 struct err *);
typedef int (*cli_csv_export_fn)(struct store *, struct buf *, struct err *);

static int cli_csv_import(struct cli *c, const struct cli_args *a,
                          const char *what, cli_csv_import_fn fn)
{
    const char *path = a->pos[0];
    struct registry_import r = {.dry_run = cli_flag(a, "dry-run")};
    struct buf b;
    int rc = -1;

    buf_init(&b, REGISTRY_CSV_MAX);
    if (cli_open(c) == 0 &&
        cli_registry_read(c, path, REGISTRY_CSV_MAX, &b) == 0 &&
        fn(c->g.store, buf_cstr(&b), b.len, strcmp(path, "-") ? path
           : "stdin", &r, &c->e) == 0) {
        cli_import_summary(&r, what);
        rc = 0;
    }
    buf_free(&b);
    return rc;
}

static int cli_csv_export(struct cli *c, const char *path,
                          cli_csv_export_fn fn)
{
    struct buf b;
    int rc = -1;

    buf_init(&b, REGISTRY_CSV_MAX);
    if (cli_open(c) == 0 && fn(c->g.store, &b, &c->e) == 0) {
        if (path == NULL || strcmp(path, "-") == 0)
            rc = fwrite(b.data, 1, b.len, stdout) == b.len ? 0 :
                 err_set(&c->e, ERR_IO, "stdout: %s", strerror(errno));
        else if (file_write_atomic(path, b.data, b.len, 0600) != 0)
            rc = err_set(&c->e, ERR_IO, "%s: %s", path, strerror(errno));
        else
            rc = 0;
    }
    buf_free(&b);
    return rc;
}

/* ---- organisations ---- */

static int cmd_orgs_add(struct cli *c, struct cli_args *a)
{
    struct registry_org o = {a->pos[0], cli_opt(a, "kind"),
                             cli_opt(a, "country"), cli_opt(a, "ngi")};

    if (o.kind == NULL)
        return err_set(&c->e, ERR_USAGE, "orgs add needs --kind");
    if (cli_open(c) != 0)
        return -1;
    return registry_org_add(c->g.store, &o, &c->e);
}

static int cmd_orgs_edit(struct cli *c, struct cli_args *a)
{
    struct registry_org o = {cli_opt(a, "name"), cli_opt(a, "kind"),
                             cli_opt(a, "country"), cli_opt(a, "ngi")};

    if (cli_open(c) != 0)
        return -1;
    return registry_org_edit(c->g.store, a->pos[0], &o, &c->e);
}

static int cmd_orgs_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_org_rm(c->g.store, a->pos[0], &c->e);
}

static int cmd_orgs_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "orgs_list", "kind", cli_opt(a, "kind"), a);
}

static int cmd_orgs_show(struct cli *c, struct cli_args *a)
{
    return cli_show(c, "orgs_list", "name", a->pos[0], "organisation", a);
}

static int cmd_orgs_import(struct cli *c, struct cli_args *a)
{
    return cli_csv_import(c, a, "organisations", registry_orgs_import);
}

static int cmd_orgs_export(struct cli *c, struct cli_args *a)
{
    return cli_csv_export(c, a->npos ? a->pos[0] : NULL,
                          registry_orgs_export);
}

/* ---- contacts ---- */

static int cli_contact(struct cli *c, struct cli_args *a,
                       struct registry_contact *rc)
{
    memset(rc, 0, sizeof(*rc));
    rc->address = cli_opt(a, "address");
    rc->name = cli_opt(a, "name");
    rc->org = cli_opt(a, "org");
    rc->fingerprint = cli_opt(a, "fingerprint");
    rc->role = cli_opt(a, "role");
    if (cli_flag(a, "confirmed"))
        rc->confirmed = (int64_t)time(NULL);
    return cli_tristate(c, cli_opt(a, "active"), &rc->active);
}

static int cmd_contacts_add(struct cli *c, struct cli_args *a)
{
    struct registry_contact rc;

    if (cli_contact(c, a, &rc) != 0 || cli_open(c) != 0)
        return -1;
    rc.address = a->pos[0];
    return cli_role_warn(registry_contact_add(c->g.store, &rc, &c->e),
                         rc.role);
}

static int cmd_contacts_edit(struct cli *c, struct cli_args *a)
{
    struct registry_contact rc;

    if (cli_contact(c, a, &rc) != 0 || cli_open(c) != 0)
        return -1;
    return cli_role_warn(registry_contact_edit(c->g.store, a->pos[0], &rc,
                                               &c->e), rc.role);
}

static int cmd_contacts_confirm(struct cli *c, struct cli_args *a)
{
    struct registry_contact rc;

    memset(&rc, 0, sizeof(rc));
    rc.confirmed = (int64_t)time(NULL);
    if (cli_open(c) != 0)
        return -1;
    return registry_contact_edit(c->g.store, a->pos[0], &rc, &c->e);
}

static int cmd_contacts_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_contact_rm(c->g.store, a->pos[0], &c->e);
}

static int cmd_contacts_list(struct cli *c, struct cli_args *a)
{
    if (cli_known(c, "orgs_list", "name", cli_opt(a, "org"), ERR_DATA,
                  "organisation") != 0)
        return -1;
    return cli_print(c, "contacts_list", "_org", cli_opt(a, "org"), a);
}

static int cmd_contacts_show(struct cli *c, struct cli_args *a)
{
    return cli_show(c, "contacts_show", "address", a->pos[0], "contact", a);
}

static int cmd_contacts_import(struct cli *c, struct cli_args *a)
{
    return cli_csv_import(c, a, "contacts", registry_contacts_import);
}

static int cmd_contacts_export(struct cli *c, struct cli_args *a)
{
    return cli_csv_export(c, a->npos ? a->pos[0] : NULL,
                          registry_contacts_export);
}

/* ---- lists ---- */

static int cli_list_opts(struct cli *c, struct cli_args *a,
                         struct registry_list *l)
{
    memset(l, 0, sizeof(*l));
    l->address = cli_opt(a, "address");
    l->audience = cli_opt(a, "audience");
    l->template_name = cli_opt(a, "template");
    l->attachments = cli_opt(a, "attachments");
    l->encrypt = cli_opt(a, "encrypt");
    l->audience_kinds = cli_opt(a, "kinds");
    l->indicators = cli_opt(a, "indicators");
    return cli_tristate(c, cli_opt(a, "anonymise"), &l->anonymise);
}

static int cmd_lists_add(struct cli *c, struct cli_args *a)
{
    struct registry_list l;

    if (cli_list_opts(c, a, &l) != 0)
        return -1;
    l.name = a->pos[0];
    if (cli_open(c) != 0)
        return -1;
    return registry_list_add_given(c->g.store, c->conf.templates_dir, &l,
                                   &c->e);
}

static int cmd_lists_edit(struct cli *c, struct cli_args *a)
{
    struct registry_list l;

    if (cli_list_opts(c, a, &l) != 0)
        return -1;
    l.name = cli_opt(a, "name");
    if (cli_open(c) != 0)
        return -1;
    return registry_list_edit_given(c->g.store, c->conf.templates_dir,
                                    a->pos[0], &l, &c->e);
}

static int cmd_lists_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_list_rm(c->g.store, a->pos[0], &c->e);
}

static int cmd_lists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "lists_list", NULL, NULL, a);
}

/* A show with the policy's columns after the view's own (issue 16: show
 * left the policy to `lists policy`): a TEMP view of the connection
 * joining the two views by name, so the table and the JSON are one row.
 * A later migration could add the columns to lists_show and dists_list
 * themselves; the output would stay the same. */
static int cli_show_with_policy(struct cli *c, const char *sql,
                                const char *view, const char *name,
                                const char *what, struct cli_args *a)
{
    if (cli_open(c) != 0 || store_run(c->g.store, &c->e, sql, "") < 0)
        return -1;
    return cli_show(c, view, "name", name, what, a);
}

static int cmd_lists_show(struct cli *c, struct cli_args *a)
{
    return cli_show_with_policy(c, "CREATE TEMP VIEW IF NOT EXISTS "
                                "lists_show_policy AS SELECT s.*, "
                                "p.tlp_ceiling, p.single_org FROM lists_show "
                                "s JOIN lists_policy p ON p.name = s.name",
                                "lists_show_policy", a->pos[0], "list", a);
}

static int cmd_lists_add_member(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_member_add(c->g.store, a->pos[0], a->pos[1], &c->e);
}

static int cmd_lists_rm_member(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_member_rm(c->g.store, a->pos[0], a->pos[1], &c->e);
}

static int cli_list_known(struct cli *c, const char *name)
{
    int64_t id;

    if (cli_open(c) != 0)
        return -1;
    return registry_list_id(c->g.store, name, &id, &c->e);
}

static int cmd_lists_members(struct cli *c, struct cli_args *a)
{
    if (cli_list_known(c, a->pos[0]) != 0)
        return -1;
    return cli_print(c, "lists_members", "_list", a->pos[0], a);
}

static int cmd_lists_add_rule(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return cli_role_warn(registry_rule_add(c->g.store, a->pos[0],
                                           cli_opt(a, "kind"),
                                           cli_opt(a, "role"), &c->e),
                         cli_opt(a, "role"));
}

static int cmd_lists_rm_rule(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_rule_rm(c->g.store, a->pos[0], cli_opt(a, "kind"),
                            cli_opt(a, "role"), &c->e);
}

static int cmd_lists_rules(struct cli *c, struct cli_args *a)
{
    if (cli_list_known(c, a->pos[0]) != 0)
        return -1;
    return cli_print(c, "lists_rules", "_list", a->pos[0], a);
}

/* Coverage asks GnuPG only when some recipient has a pinned key. */
static int cli_key_expiry(void *ctx, const char *fpr, time_t *exp,
                          struct err *e)
{
    struct cli *c = ctx;
    struct err mine;

    if (gateway_pgp(&c->g, e) != 0)
        return -1;
    err_init(&mine);
    if (pgp_key_expiry(c->g.pgp, fpr, exp, &mine) == 0)
        return 1;
    if (mine.code == ERR_NOUSER)
        return 0;
    return err_set(e, mine.code, "%s", mine.msg);
}

static int cmd_lists_coverage(struct cli *c, struct cli_args *a)
{
    const char *d = cli_opt(a, "days"), *list = a->npos ? a->pos[0] : NULL;
    long days = CLI_DAYS_DEFAULT, n;
    char *end;

    if (d) {
        errno = 0;
        days = strtol(d, &end, 10);
        if (errno || *d == '\0' || *end != '\0' || days < 0)
            return err_set(&c->e, ERR_USAGE, "--days wants a number of days,"
                           " not '%.40s'", d);
    }
    if (cli_open(c) != 0)
        return -1;
    n = registry_coverage(c->g.store, list, days, time(NULL), cli_key_expiry,
                          c, &c->e);
    if (n < 0)
        return -1;
    /* A TEMP view: the table it reads is the connection's own. */
    if (store_run(c->g.store, &c->e, "CREATE TEMP VIEW IF NOT EXISTS "
                  "lists_coverage AS SELECT list, problem, subject, detail "
                  "FROM temp.coverage ORDER BY list, problem, subject",
                  "") < 0)
        return -1;
    if (cli_print(c, "lists_coverage", NULL, NULL, a) != 0)
        return -1;
    /* like keys check: cron mails whoever runs it when a problem shows */
    return n ? err_set(&c->e, ERR_DATA, "%ld coverage problem(s)", n) : 0;
}

/* ---- distributions ---- */

static int cmd_dists_add(struct cli *c, struct cli_args *a)
{
    const char *addr = cli_opt(a, "address"), *lists = cli_opt(a, "lists");

    if (addr == NULL || lists == NULL)
        return err_set(&c->e, ERR_USAGE, "dists add needs --address and "
                       "--lists");
    if (cli_open(c) != 0)
        return -1;
    return registry_dist_add(c->g.store, a->pos[0], addr, lists, &c->e);
}

static int cmd_dists_edit(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_dist_edit(c->g.store, a->pos[0], cli_opt(a, "address"),
                              cli_opt(a, "lists"), &c->e);
}

static int cmd_dists_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_dist_rm(c->g.store, a->pos[0], &c->e);
}

static int cmd_dists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "dists_list", NULL, NULL, a);
}

static int cmd_dists_show(struct cli *c, struct cli_args *a)
{
    return cli_show_with_policy(c, "CREATE TEMP VIEW IF NOT EXISTS "
                                "dists_show_policy AS SELECT d.*, "
                                "p.default_tlp, p.require_release, p.affected FROM "
                                "dists_list d JOIN dists_policy p ON p.name "
                                "= d.name", "dists_show_policy", a->pos[0],
                                "distribution", a);
}

/* ---- sites ---- */

/* The command's options as registry_site_given. */
static void cli_site_given(struct cli_args *a, struct registry_site_given *g)
{
    memset(g, 0, sizeof(*g));
    g->name = a->pos[0];
    g->alias = cli_opt(a, "alias");
    g->domains = cli_opt(a, "domain");
    g->networks = cli_opt(a, "network");
    g->rm = cli_opt(a, "rm");
    g->org = cli_opt(a, "org");
}

static int cmd_sites_add(struct cli *c, struct cli_args *a)
{
    struct registry_site_given g;

    cli_site_given(a, &g);
    if (cli_open(c) != 0)
        return -1;
    return registry_site_add_given(c->g.store, &g, &c->e);
}

static int cmd_sites_edit(struct cli *c, struct cli_args *a)
{
    struct registry_site_given g;

    cli_site_given(a, &g);
    if (cli_open(c) != 0)
        return -1;
    return registry_site_edit_given(c->g.store, &g, &c->e);
}

static int cmd_sites_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_site_rm(c->g.store, a->pos[0], &c->e);
}

static int cli_gocdb_import(struct cli *c, const char *path,
                            struct registry_import *r)
{
    struct gocdb *g = NULL;
    struct buf b;
    int rc = -1;

    buf_init(&b, CLI_FILE_MAX);
    if (cli_registry_read(c, path, CLI_FILE_MAX, &b) == 0 &&
        gocdb_parse(b.data ? b.data : "", b.len, &g, &c->e) == 0)
        rc = registry_gocdb_import(c->g.store, g, stdout, r, &c->e);
    gocdb_free(g);
    buf_free(&b);
    return rc;
}

static int cmd_sites_import(struct cli *c, struct cli_args *a)
{
    struct registry_import r = {.dry_run = cli_flag(a, "dry-run")};
    struct sites *s;
    int rc = -1;

    if (cli_open(c) != 0)
        return -1;
    if (cli_flag(a, "gocdb")) {
        if (cli_gocdb_import(c, a->pos[0], &r) != 0)
            return -1;
        cli_import_summary(&r, "sites");
        printf("%ld organisations new, %ld contacts new, %ld contacts "
               "updated%s\n", r.orgs_added, r.contacts_added,
               r.contacts_updated, r.dry_run ? " (dry run: none made)" : "");
        return 0;
    }
    if ((s = sites_new()) == NULL)
        return err_set(&c->e, ERR_NOMEM, "out of memory");
    if (sites_load_file(s, a->pos[0], &c->e) == 0 &&
        registry_sites_import(c->g.store, s, "file", stdout, &r,
                              &c->e) == 0) {
        cli_import_summary(&r, "sites");
        rc = 0;
    }
    sites_free(s);
    return rc;
}

static int cmd_sites_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "sites_list", NULL, NULL, a);
}

static int cmd_sites_show(struct cli *c, struct cli_args *a)
{
    return cli_show(c, "sites_list", "name", a->pos[0], "site", a);
}

static int cmd_sites_keep(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_keep(c->g.store, a->pos[0], cli_flag(a, "rm"), &c->e);
}

static int cmd_sites_kept(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "sites_kept", NULL, NULL, a);
}

static const struct cli_cmd cli_registry_cmds[] = {
    {"orgs", "add", "kind=,country=,ngi=", 1, 1, cmd_orgs_add,
     "NAME --kind ngi|nren|isp|csirt|site [--country CC] [--ngi NGI]",
     "Add an organisation.\n"
     "--ngi names the NGI (an organisation of kind ngi) a site belongs to."},
    {"orgs", "edit", "name=,kind=,country=,ngi=", 1, 1, cmd_orgs_edit,
     "NAME [--name NEW] [--kind KIND] [--country CC] [--ngi NGI|'']",
     "Change an organisation (it becomes manual: imports leave it alone)."},
    {"orgs", "rm", "", 1, 1, cmd_orgs_rm, "NAME",
     "Remove an organisation that has no contacts."},
    {"orgs", "list", "json,kind=", 0, 0, cmd_orgs_list,
     "[--json] [--kind KIND]", "List organisations."},
    {"orgs", "show", "json", 1, 1, cmd_orgs_show, "[--json] NAME",
     "Show one organisation."},
    {"orgs", "import", "dry-run", 1, 1, cmd_orgs_import, "[--dry-run] FILE|-",
     "Add or update organisations from CSV (columns name, kind, country,\n"
     "ngi, source). One transaction: one bad row and nothing changes.\n"
     "--dry-run reports what it would do and changes nothing."},
    {"orgs", "export", "", 0, 1, cmd_orgs_export, "[FILE]",
     "Write every organisation as CSV (what orgs import reads)."},
    {"contacts", "add", "name=,org=,fingerprint=,role=,active=,confirmed", 1,
     1, cmd_contacts_add,
     "ADDRESS [--name NAME] [--org ORG] [--fingerprint FPR] [--role ROLE]\n"
     "       [--active yes|no] [--confirmed]",
     "Add a contact.\n"
     "ROLE says what the address is: security officer, csirt, abuse, noc\n"
     "or admin, in any case (stored in lower case; another role is kept\n"
     "with a warning). --confirmed records that the contact was confirmed now."},
    {"contacts", "edit", "address=,name=,org=,fingerprint=,role=,active=,"
     "confirmed", 1, 1, cmd_contacts_edit,
     "ADDRESS [--address NEW] [--name NAME] [--org ORG|''] [--fingerprint "
     "FPR|'']\n       [--role ROLE] [--active yes|no] [--confirmed]",
     "Change a contact (it becomes manual: imports leave it alone)."},
    {"contacts", "confirm", "", 1, 1, cmd_contacts_confirm, "ADDRESS",
     "Record that a contact was confirmed now."},
    {"contacts", "rm", "", 1, 1, cmd_contacts_rm, "ADDRESS",
     "Remove a contact (and its memberships)."},
    {"contacts", "list", "json,org=", 0, 0, cmd_contacts_list,
     "[--json] [--org ORG]", "List contacts."},
    {"contacts", "show", "json", 1, 1, cmd_contacts_show, "[--json] ADDRESS",
     "Show one contact and the lists that reach it."},
    {"contacts", "import", "dry-run", 1, 1, cmd_contacts_import,
     "[--dry-run] FILE|-",
     "Add or update contacts from CSV (columns address, name, org,\n"
     "role, fingerprint, active, source, confirmed).\n"
     "One transaction: one bad row and nothing changes.\n"
     "--dry-run reports what it would do and changes nothing."},
    {"contacts", "export", "", 0, 1, cmd_contacts_export, "[FILE]",
     "Write every contact as CSV (what contacts import reads)."},
    {"lists", "add", "address=,audience=,anonymise=,template=,attachments=,"
     "encrypt=,kinds=,indicators=", 1, 1, cmd_lists_add,
     "NAME --address ADDR [--audience TEXT] [--kinds KIND,...]\n"
     "       [--anonymise yes|no] [--template NAME]\n"
     "       [--attachments keep|drop|refuse] [--encrypt never|if-key|always]\n"
     "       [--indicators none|csv|stix|both]",
     "Add a list.\n"
     "Defaults: anonymise yes, template 'sanitised' (or 'full'\n"
     "with --anonymise no), attachments drop, indicators none. The template\n"
     "is checked now.\n"
     "--kinds: the organisation kinds the list must reach (coverage).\n"
     "--indicators: attach the alert's attacker indicators to each copy as\n"
     "indicators.csv, as a STIX 2.1 bundle indicators.json, or both."},
    {"lists", "edit", "name=,address=,audience=,anonymise=,template=,"
     "attachments=,encrypt=,kinds=,indicators=", 1, 1, cmd_lists_edit,
     "NAME [--name NEW] [--address ADDR] [--audience TEXT] [--kinds K,...]\n"
     "       [--anonymise yes|no] [--template NAME]\n"
     "       [--attachments keep|drop|refuse] [--encrypt never|if-key|always]\n"
     "       [--indicators none|csv|stix|both]",
     "Change a list's address or policy.\n"
     "--indicators: which attachments carry the alert's attacker indicators\n"
     "(indicators.csv, the STIX 2.1 bundle indicators.json, both, none)."},
    {"lists", "rm", "", 1, 1, cmd_lists_rm, "NAME",
     "Remove a list that no alert copy was made for."},
    {"lists", "list", "json", 0, 0, cmd_lists_list, "[--json]",
     "List lists and their policies."},
    {"lists", "show", "json", 1, 1, cmd_lists_show, "[--json] NAME",
     "Show one list: its settings, members counted, rules, distributions\n"
     "and its policy (tlp_ceiling, single_org, as lists policy)."},
    {"lists", "add-member", "", 2, 2, cmd_lists_add_member, "LIST ADDRESS",
     "Make a contact a member of a list."},
    {"lists", "rm-member", "", 2, 2, cmd_lists_rm_member, "LIST ADDRESS",
     "Remove a contact from a list."},
    {"lists", "members", "json", 1, 1, cmd_lists_members, "[--json] LIST",
     "List who a list reaches now: members and rule members."},
    {"lists", "add-rule", "kind=,role=", 1, 1, cmd_lists_add_rule,
     "LIST [--kind KIND] [--role ROLE]",
     "Add a rule member: every active contact of an organisation of KIND\n"
     "with role ROLE (either may be left out), resolved when copies are\n"
     "queued. Example: lists add-rule nren --kind nren --role csirt"},
    {"lists", "rm-rule", "kind=,role=", 1, 1, cmd_lists_rm_rule,
     "LIST [--kind KIND] [--role ROLE]", "Remove a rule member."},
    {"lists", "rules", "json", 1, 1, cmd_lists_rules, "[--json] LIST",
     "List a list's rules."},
    {"lists", "coverage", "json,days=", 0, 1, cmd_lists_coverage,
     "[--json] [--days N] [LIST]",
     "Where a list (or every list) falls short: organisations of its\n"
     "audience kinds with no active recipient, recipients without a usable\n"
     "key where it encrypts, keys expiring within N days (default 30),\n"
     "recipients not confirmed within N days, recipients with deliveries\n"
     "failed permanently within N days. Exits 65 while any is listed (for\n"
     "cron), 0 when none."},
    {"dists", "add", "address=,lists=", 1, 1, cmd_dists_add,
     "NAME --address ADDR --lists LIST[,LIST...]",
     "Add a distribution: an inbound address and the lists it feeds."},
    {"dists", "edit", "address=,lists=", 1, 1, cmd_dists_edit,
     "NAME [--address ADDR] [--lists LIST[,LIST...]]",
     "Change a distribution's address, or replace its lists."},
    {"dists", "rm", "", 1, 1, cmd_dists_rm, "NAME",
     "Remove a distribution that no alert came in through."},
    {"dists", "list", "json", 0, 0, cmd_dists_list, "[--json]",
     "List distributions."},
    {"dists", "show", "json", 1, 1, cmd_dists_show, "[--json] NAME",
     "Show one distribution: its address, lists and policy (default_tlp,\n"
     "require_release, as dists policy)."},
    {"sites", "add", "alias=,domain=,network=,org=", 1, 1, cmd_sites_add,
     "NAME [--alias TEXT] [--domain D[,D...]] [--network CIDR[,CIDR...]]\n"
     "       [--org ORG]",
     "Add a site by hand. A network must be a site's: /8 or narrower for\n"
     "IPv4, /16 or narrower for IPv6 (0.0.0.0/0 is refused)."},
    {"sites", "edit", "alias=,domain=,network=,rm=,org=", 1, 1,
     cmd_sites_edit,
     "NAME [--alias TEXT] [--domain D,...] [--network CIDR,...]\n"
     "       [--rm IDENTIFIER] [--org ORG|'']",
     "Add identifiers to a site or remove one (it becomes manual)."},
    {"sites", "rm", "", 1, 1, cmd_sites_rm, "NAME", "Remove a site."},
    {"sites", "import", "gocdb,dry-run", 1, 1, cmd_sites_import,
     "[--gocdb] [--dry-run] FILE",
     "Import sites from a sites file, or from GOCDB's get_site or\n"
     "get_ngi XML. New sites are added, imported ones updated,\n"
     "hand-edited ones kept; sites gone from the source are reported, not\n"
     "removed. get_site also brings each site's organisation, its NGI\n"
     "(ROC) and CSIRT_EMAIL (role csirt); get_ngi brings each NGI and its\n"
     "SECURITY_EMAIL (role security officer). One transaction.\n"
     "--dry-run reports what it would do and changes nothing."},
    {"sites", "list", "json", 0, 0, cmd_sites_list, "[--json]",
     "List sites and their identifiers."},
    {"sites", "show", "json", 1, 1, cmd_sites_show, "[--json] NAME",
     "Show one site."},
    {"sites", "keep", "rm", 1, 1, cmd_sites_keep, "[--rm] HOST",
     "Keep a shared service host name readable under a site domain\n"
     "(--rm: take it off the keep-list)."},
    {"sites", "kept", "json", 0, 0, cmd_sites_kept, "[--json]",
     "List the keep-list."},
};

CLI_TABLE(cli_registry);
