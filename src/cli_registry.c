/* cli_registry - commands: organisations, contacts, lists, distributions, sites. */
#include "cli_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anon.h"
#include "pgp.h"
#include "process.h"
#include "queue.h"
#include "registry.h"
#include "render.h"
#include "store.h"
#include "util/file.h"

static int cmd_orgs_add(struct cli *c, struct cli_args *a)
{
    const char *kind = cli_opt(a, "kind");

    if (kind == NULL)
        return err_set(&c->e, ERR_USAGE, "orgs add needs --kind");
    if (cli_open(c) != 0)
        return -1;
    return registry_org_add(c->g.store, a->pos[0], kind,
                            cli_opt(a, "country"), &c->e);
}

static int cmd_orgs_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT name, kind, country FROM orgs ORDER BY name",
                     NULL, a);
}

static int cmd_contacts_add(struct cli *c, struct cli_args *a)
{
    struct registry_contact rc = {a->pos[0], cli_opt(a, "name"),
                                  cli_opt(a, "org"),
                                  cli_opt(a, "fingerprint")};

    if (cli_open(c) != 0)
        return -1;
    return registry_contact_add(c->g.store, &rc, &c->e);
}

static int cmd_contacts_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT c.address, c.name, coalesce(o.name, '') AS "
                     "org, c.fingerprint, c.active, c.source FROM contacts c "
                     "LEFT JOIN orgs o ON o.id = c.org_id ORDER BY c.address",
                     NULL, a);
}

static int cmd_contacts_rm(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_contact_rm(c->g.store, a->pos[0], &c->e);
}

static int cmd_lists_add(struct cli *c, struct cli_args *a)
{
    struct registry_list l;
    const char *tmpl = cli_opt(a, "template");

    memset(&l, 0, sizeof(l));
    l.name = a->pos[0];
    l.address = cli_opt(a, "address");
    l.audience = cli_opt(a, "audience") ? cli_opt(a, "audience") : "";
    l.attachments = cli_opt(a, "attachments") ? cli_opt(a, "attachments")
                                              : "drop";
    l.encrypt = cli_opt(a, "encrypt") ? cli_opt(a, "encrypt") : "never";
    if (l.address == NULL)
        return err_set(&c->e, ERR_USAGE, "lists add needs --address");
    if (cli_yesno(c, cli_opt(a, "anonymise"), 1, &l.anonymise) != 0 ||
        cli_open(c) != 0)
        return -1;
    l.template_name = tmpl ? tmpl : l.anonymise ? "sanitised" : "full";
    if (render_check_template(c->conf.templates_dir, l.template_name,
                              &c->e) != 0)
        return -1;
    return registry_list_add(c->g.store, &l, &c->e);
}

static int cmd_lists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT l.name, l.address, l.audience, CASE "
                     "l.anonymise WHEN 1 THEN 'yes' ELSE 'no' END AS "
                     "anonymise, l.template, l.attachments, l.encrypt, "
                     "(SELECT count(*) FROM members m WHERE m.list_id = l.id)"
                     " AS members FROM lists l ORDER BY l.name", NULL, a);
}

static int cmd_lists_add_member(struct cli *c, struct cli_args *a)
{
    if (cli_open(c) != 0)
        return -1;
    return registry_member_add(c->g.store, a->pos[0], a->pos[1], &c->e);
}

static int cmd_lists_members(struct cli *c, struct cli_args *a)
{
    int64_t id;

    if (cli_open(c) != 0)
        return -1;
    if (store_get_int(c->g.store, &c->e, &id, "SELECT id FROM lists WHERE "
                      "name=?", "t", a->pos[0]) == 0)
        return err_set(&c->e, ERR_NOUSER, "no list '%s'", a->pos[0]);
    return cli_print(c, "SELECT c.address, c.name, c.fingerprint, c.active "
                     "FROM members m JOIN contacts c ON c.id = m.contact_id "
                     "JOIN lists l ON l.id = m.list_id WHERE l.name = ? "
                     "ORDER BY c.address", a->pos[0], a);
}

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

static int cmd_dists_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT d.name, d.address, group_concat(l.name, ',') "
                     "AS lists FROM dists d LEFT JOIN dist_lists x ON "
                     "x.dist_id = d.id LEFT JOIN lists l ON l.id = x.list_id "
                     "GROUP BY d.id ORDER BY d.name", NULL, a);
}

static int cmd_sites_import(struct cli *c, struct cli_args *a)
{
    struct sites *s = sites_new();
    long added = 0;
    int rc = -1;

    if (s == NULL)
        return err_set(&c->e, ERR_NOMEM, "out of memory");
    if (cli_open(c) == 0 && sites_load_file(s, a->pos[0], &c->e) == 0 &&
        registry_sites_import(c->g.store, s, &added, &c->e) == 0) {
        printf("%zu sites read, %ld new\n", sites_count(s), added);
        rc = 0;
    }
    sites_free(s);
    return rc;
}

static int cmd_sites_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT s.name, coalesce(group_concat(CASE i.kind "
                     "WHEN 'alias' THEN '\"' || i.value || '\"' ELSE i.value "
                     "END, ' '), '') AS identifiers FROM sites s LEFT JOIN "
                     "site_ids i ON i.site_id = s.id GROUP BY s.id ORDER BY "
                     "s.name", NULL, a);
}

static const struct cli_cmd cli_registry_cmds[] = {
    {"orgs", "add", "kind=,country=", 1, 1, cmd_orgs_add,
     "NAME --kind ngi|nren|isp|csirt|site [--country CC]",
     "Add an organisation."},
    {"orgs", "list", "json", 0, 0, cmd_orgs_list, "[--json]",
     "List organisations."},
    {"contacts", "add", "name=,org=,fingerprint=", 1, 1, cmd_contacts_add,
     "ADDRESS [--name NAME] [--org ORG] [--fingerprint FPR]",
     "Add a contact."},
    {"contacts", "list", "json", 0, 0, cmd_contacts_list, "[--json]",
     "List contacts."},
    {"contacts", "rm", "", 1, 1, cmd_contacts_rm, "ADDRESS",
     "Remove a contact (and its memberships)."},
    {"lists", "add", "address=,audience=,anonymise=,template=,attachments=,"
     "encrypt=", 1, 1, cmd_lists_add,
     "NAME --address ADDR [--audience TEXT] [--anonymise yes|no]\n"
     "       [--template NAME] [--attachments keep|drop|refuse]\n"
     "       [--encrypt never|if-key|always]",
     "Add a list.\n"
     "Defaults: anonymise yes, template 'sanitised' (or 'full'\n"
     "with --anonymise no), attachments drop. The template is checked now."},
    {"lists", "list", "json", 0, 0, cmd_lists_list, "[--json]",
     "List lists and their policies."},
    {"lists", "add-member", "", 2, 2, cmd_lists_add_member, "LIST ADDRESS",
     "Make a contact a member of a list."},
    {"lists", "members", "json", 1, 1, cmd_lists_members, "[--json] LIST",
     "List a list's members."},
    {"dists", "add", "address=,lists=", 1, 1, cmd_dists_add,
     "NAME --address ADDR --lists LIST[,LIST...]",
     "Add a distribution: an inbound address and the lists it feeds."},
    {"dists", "list", "json", 0, 0, cmd_dists_list, "[--json]",
     "List distributions."},
    {"sites", "import", "", 1, 1, cmd_sites_import, "FILE",
     "Add the sites of a sites file (one transaction; nothing is removed)."},
    {"sites", "list", "json", 0, 0, cmd_sites_list, "[--json]",
     "List sites and their identifiers."},
};

CLI_TABLE(cli_registry);
