/* registry - the registry's pages and their forms. Every change is a
 * registry verb (registry/registry.h), the very function the command
 * line calls, with its checks and its one-line error; this file only
 * maps form fields to its arguments (an empty field is an option not
 * given) and wraps it in web_change for the audit row. */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/store.h"
#include "mail/pgp.h"
#include "registry/registry.h"

/* A field, NULL when empty or absent (the CLI's option not given). */
static const char *F(struct web_req *r, const char *name)
{
    const char *v = web_field(r, name);

    return v && *v ? v : NULL;
}

/* yes/no as the CLI's --active: 1, -1, 0 unchanged; -2 neither. */
static int web_tri(const char *v)
{
    if (v == NULL)
        return 0;
    return strcmp(v, "yes") == 0 ? 1 : strcmp(v, "no") == 0 ? -1 : -2;
}

#define S (r->g->store)

static int op_org_add(struct web_req *r, void *a)
{
    struct registry_org o = {F(r, "name"), F(r, "kind"), F(r, "country"),
                             F(r, "ngi")};

    if (o.kind == NULL)
        return err_set(&r->e, ERR_USAGE, "orgs add needs --kind");
    return registry_org_add(S, &o, &r->e);
}

static int op_org_edit(struct web_req *r, void *a)
{
    struct registry_org o = {F(r, "name"), F(r, "kind"), F(r, "country"),
                             F(r, "ngi")};

    return registry_org_edit(S, F(r, "org"), &o, &r->e);
}

static int op_org_rm(struct web_req *r, void *a)
{
    return registry_org_rm(S, F(r, "org"), &r->e);
}

static int web_contact(struct web_req *r, struct registry_contact *c)
{
    memset(c, 0, sizeof(*c));
    c->name = F(r, "name");
    c->org = F(r, "org");
    c->fingerprint = F(r, "fingerprint");
    c->role = F(r, "role");
    c->active = web_tri(F(r, "active"));
    if (c->active == -2)
        return err_set(&r->e, ERR_USAGE, "expected yes or no, not '%.40s'",
                       F(r, "active"));
    return 0;
}

static int op_contact_add(struct web_req *r, void *a)
{
    struct registry_contact c;

    if (web_contact(r, &c) != 0)
        return -1;
    c.address = F(r, "address");
    return registry_contact_add(S, &c, &r->e);
}

static int op_contact_edit(struct web_req *r, void *a)
{
    struct registry_contact c;

    if (web_contact(r, &c) != 0)
        return -1;
    return registry_contact_edit(S, F(r, "contact"), &c, &r->e);
}

static int op_contact_confirm(struct web_req *r, void *a)
{
    struct registry_contact c;

    memset(&c, 0, sizeof(c));
    c.confirmed = (int64_t)time(NULL);
    return registry_contact_edit(S, F(r, "contact"), &c, &r->e);
}

static int op_contact_rm(struct web_req *r, void *a)
{
    return registry_contact_rm(S, F(r, "contact"), &r->e);
}

static int op_member_add(struct web_req *r, void *a)
{
    return registry_member_add(S, F(r, "list"), F(r, "address"), &r->e);
}

static int op_member_rm(struct web_req *r, void *a)
{
    return registry_member_rm(S, F(r, "list"), F(r, "address"), &r->e);
}

static int op_rule_add(struct web_req *r, void *a)
{
    return registry_rule_add(S, F(r, "list"), F(r, "kind"), F(r, "role"),
                             &r->e);
}

static int op_rule_rm(struct web_req *r, void *a)
{
    return registry_rule_rm(S, F(r, "list"), F(r, "kind"), F(r, "role"),
                            &r->e);
}

static int op_dist_add(struct web_req *r, void *a)
{
    return registry_dist_add(S, F(r, "name"), F(r, "address"), F(r, "lists"),
                             &r->e);
}

static int op_dist_edit(struct web_req *r, void *a)
{
    return registry_dist_edit(S, F(r, "dist"), F(r, "address"),
                              F(r, "lists"), &r->e);
}

static int op_dist_rm(struct web_req *r, void *a)
{
    return registry_dist_rm(S, F(r, "dist"), &r->e);
}

static int op_officer_edit(struct web_req *r, void *a)
{
    struct registry_officer o = {F(r, "name"), F(r, "email"),
                                 web_tri(F(r, "active"))};
    char by[WEB_NAME_MAX + 8];

    if (o.active == -2)
        return err_set(&r->e, ERR_USAGE, "expected yes or no, not '%.40s'",
                       F(r, "active"));
    /* a keeper may take signing authority away, not give it back: that
     * is adding an officer, which is the officers' */
    if (o.active == 1 && r->who.role < ACCOUNT_OFFICER)
        return err_set(&r->e, ERR_NOPERM, "making an officer active gives "
                       "signing authority: the officer role only");
    snprintf(by, sizeof(by), "web:%s", r->who.user);
    return registry_officer_edit(S, F(r, "fingerprint"), &o, by, &r->e);
}

static int op_officer_rm(struct web_req *r, void *a)
{
    char by[WEB_NAME_MAX + 8];

    snprintf(by, sizeof(by), "web:%s", r->who.user);
    return registry_officer_rm(S, F(r, "fingerprint"), by, &r->e);
}

/* What a form's op says it did when the first field does not (an
 * officer added from a key: the key's fingerprint). */
struct web_done {
    char subject[PGP_FPR_MAX];
};

static int web_list_given(struct web_req *r, struct registry_list *l)
{
    memset(l, 0, sizeof(*l));
    l->name = F(r, "name");
    l->address = F(r, "address");
    l->audience = F(r, "audience");
    l->template_name = F(r, "template");
    l->attachments = F(r, "attachments");
    l->encrypt = F(r, "encrypt");
    l->audience_kinds = F(r, "kinds");
    l->indicators = F(r, "indicators");
    l->anonymise = web_tri(F(r, "anonymise"));
    if (l->anonymise == -2)
        return err_set(&r->e, ERR_USAGE, "expected yes or no, not '%.40s'",
                       F(r, "anonymise"));
    return 0;
}

static int op_list_add(struct web_req *r, void *a)
{
    struct registry_list l;

    if (web_list_given(r, &l) != 0)
        return -1;
    return registry_list_add_given(S, r->conf->templates_dir, &l, &r->e);
}

static int op_list_edit(struct web_req *r, void *a)
{
    struct registry_list l;

    if (web_list_given(r, &l) != 0)
        return -1;
    return registry_list_edit_given(S, r->conf->templates_dir, F(r, "list"),
                                    &l, &r->e);
}

static int op_list_rm(struct web_req *r, void *a)
{
    return registry_list_rm(S, F(r, "list"), &r->e);
}

/* The key pasted, else the file chosen (NULL: neither). */
static const char *web_key(struct web_req *r, size_t *len,
                           const char **origin)
{
    const char *k = F(r, "key");

    *origin = "the pasted key";
    if (k) {
        *len = strlen(k);
        return k;
    }
    *origin = r->upload_name[0] ? r->upload_name : "the uploaded file";
    *len = r->upload.len;
    return r->upload.len ? buf_cstr(&r->upload) : NULL;
}

static int op_officer_add(struct web_req *r, void *a)
{
    struct web_done *d = a;
    const char *key, *origin;
    char by[WEB_NAME_MAX + 8];
    size_t len;

    key = web_key(r, &len, &origin);
    if (key && gateway_pgp(r->g, &r->e) != 0)
        return -1;
    snprintf(by, sizeof(by), "web:%s", r->who.user);
    return registry_officer_add_key(S, r->g->pgp, key, len, origin,
                                    F(r, "fingerprint"), F(r, "name"),
                                    F(r, "email"), by, d->subject, &r->e);
}

static int web_site_given(struct web_req *r, const char *name,
                          struct registry_site_given *g)
{
    memset(g, 0, sizeof(*g));
    g->name = F(r, name);
    g->alias = F(r, "alias");
    g->domains = F(r, "domains");
    g->networks = F(r, "networks");
    g->rm = F(r, "rm");
    g->org = F(r, "org");
    return 0;
}

static int op_site_add(struct web_req *r, void *a)
{
    struct registry_site_given g;

    web_site_given(r, "name", &g);
    return registry_site_add_given(S, &g, &r->e);
}

static int op_site_edit(struct web_req *r, void *a)
{
    struct registry_site_given g;

    web_site_given(r, "site", &g);
    return registry_site_edit_given(S, &g, &r->e);
}

static int op_site_rm(struct web_req *r, void *a)
{
    return registry_site_rm(S, F(r, "site"), &r->e);
}

static int op_keep(struct web_req *r, void *a)
{
    return registry_keep(S, F(r, "host"), 0, &r->e);
}

/* A form: its tab, op, title, fields ("name", "name=yes|no" a choice,
 * "name#" a text area, "name@" a file: the form is then multipart),
 * what the CLI says when it is done (%s: the first field), who may use
 * it (the route lets keepers in; adding an officer, which gives signing
 * authority, wants the officer role). */
#define WEB_OP_FIELDS 10

struct web_op {
    const char *tab, *op, *title, *fields[WEB_OP_FIELDS], *done;
    web_change_fn fn;
    enum account_role min;
};

#define K ACCOUNT_KEEPER
#define LIST_POLICY "audience", "kinds", "anonymise=|yes|no", "template", \
    "attachments=|keep|drop|refuse", "encrypt=|never|if-key|always", \
    "indicators=|none|csv|stix|both"

static const struct web_op web_ops[] = {
    {"orgs", "org-add", "Add an organisation",
     {"name", "kind=ngi|nren|isp|csirt|site", "country", "ngi"},
     "organisation %s added", op_org_add, K},
    {"orgs", "org-edit", "Change an organisation",
     {"org", "name", "kind=|ngi|nren|isp|csirt|site", "country", "ngi"},
     "organisation %s changed", op_org_edit, K},
    {"orgs", "org-rm", "Remove an organisation", {"org"},
     "organisation %s removed", op_org_rm, K},
    {"contacts", "contact-add", "Add a contact",
     {"address", "name", "org", "role", "fingerprint"}, "contact %s added",
     op_contact_add, K},
    {"contacts", "contact-edit", "Change a contact",
     {"contact", "name", "org", "role", "fingerprint", "active=|yes|no"},
     "contact %s changed", op_contact_edit, K},
    {"contacts", "contact-confirm", "Confirm a contact", {"contact"},
     "contact %s confirmed", op_contact_confirm, K},
    {"contacts", "contact-rm", "Remove a contact", {"contact"},
     "contact %s removed", op_contact_rm, K},
    {"lists", "list-add", "Add a list", {"name", "address", LIST_POLICY},
     "list %s added", op_list_add, K},
    {"list", "list-edit", "Change the list (empty: unchanged)",
     {"list", "name", "address", LIST_POLICY}, "list %s changed",
     op_list_edit, K},
    {"list", "list-rm", "Remove the list", {"list"}, "list %s removed",
     op_list_rm, K},
    {"list", "member-add", "Add a member", {"list", "address"},
     "list %s: member added", op_member_add, K},
    {"list", "member-rm", "Remove a member", {"list", "address"},
     "list %s: member removed", op_member_rm, K},
    {"list", "rule-add", "Add a rule (organisation kind, role)",
     {"list", "kind", "role"}, "list %s: rule added", op_rule_add, K},
    {"list", "rule-rm", "Remove a rule", {"list", "kind", "role"},
     "list %s: rule removed", op_rule_rm, K},
    {"dists", "dist-add", "Add a distribution", {"name", "address", "lists"},
     "distribution %s added", op_dist_add, K},
    {"dists", "dist-edit", "Change a distribution",
     {"dist", "address", "lists"}, "distribution %s changed", op_dist_edit, K},
    {"dists", "dist-rm", "Remove a distribution", {"dist"},
     "distribution %s removed", op_dist_rm, K},
    {"officers", "officer-add", "Add an officer (officers only): paste "
     "the public key or choose its file",
     {"fingerprint", "name", "email", "key#", "keyfile@"},
     "officer %s authorised", op_officer_add, ACCOUNT_OFFICER},
    {"officers", "officer-edit", "Change an officer",
     {"fingerprint", "name", "email", "active=|yes|no"},
     "officer %s changed", op_officer_edit, K},
    {"officers", "officer-rm", "Remove an officer", {"fingerprint"},
     "officer %s removed", op_officer_rm, K},
    {"sites", "site-add", "Add a site (domains, networks: "
     "comma-separated)", {"name", "alias", "domains", "networks", "org"},
     "site %s added", op_site_add, K},
    {"sites", "site-edit", "Change a site: add identifiers, or remove one",
     {"site", "alias", "domains", "networks", "rm", "org"},
     "site %s changed", op_site_edit, K},
    {"sites", "site-rm", "Remove a site", {"site"}, "site %s removed",
     op_site_rm, K},
    {"sites", "keep", "Keep a host name readable", {"host"},
     "host %s kept readable", op_keep, K},
};

#define WEB_NOPS (sizeof(web_ops) / sizeof(web_ops[0]))

/* A select of the choices after '=' ("a|b|c"). */
static int web_select(struct buf *b, const char *name, const char *choices)
{
    const char *p, *q;
    char one[64];
    int rc = html_fmt(b, "<label>%s <select name=\"%s\">", name, name);

    for (p = choices; rc == 0; p = q + 1) {
        q = strchr(p, '|');
        if (q == NULL)
            q = p + strlen(p);
        snprintf(one, sizeof(one), "%.*s", (int)(q - p), p);
        rc = html_fmt(b, "<option>%s</option>", one);
        if (*q == '\0')
            break;
    }
    return rc ? rc : html_fmt(b, "</select></label>");
}

/* One field of a form (web_op's field syntax). */
static int web_input(struct web_req *r, const char *spec, const char *val)
{
    size_t n = strcspn(spec, "=#@");
    char name[64];
    struct buf *b = &r->page;

    snprintf(name, sizeof(name), "%.*s", (int)n, spec);
    if (spec[n] == '=')
        return web_select(b, name, spec + n + 1);
    if (spec[n] == '#')
        return html_fmt(b, "<label>%s <textarea name=\"%s\" rows=\"4\" "
                        "cols=\"64\"></textarea></label>", name, name);
    if (spec[n] == '@')
        return html_fmt(b, "<label>%s <input type=\"file\" name=\"%s\">"
                        "</label>", name, name);
    return html_fmt(b, "<label>%s <input name=\"%s\" value=\"%s\">"
                    "</label>", name, name, val ? val : "");
}

/* A form's opening: multipart when one of its fields is a file. */
static int web_op_open(struct web_req *r, const struct web_op *k)
{
    int i;

    for (i = 0; i < WEB_OP_FIELDS && k->fields[i]; i++)
        if (strchr(k->fields[i], '@'))
            return html_fmt(&r->page, "<form method=\"post\" action=\""
                            "/registry\" class=\"box\" enctype=\""
                            "multipart/form-data\"><input type=\"hidden\" "
                            "name=\"csrf\" value=\"%s\">", r->who.csrf);
    return web_form_open(r, "/registry", "box");
}

/* The forms of tab that the account's role may use; list: the list
 * page's own name. */
static int web_forms(struct web_req *r, const char *tab, const char *list)
{
    const struct web_op *k;
    size_t i;
    int f, rc = 0;

    for (i = 0; rc == 0 && i < WEB_NOPS; i++) {
        k = &web_ops[i];
        if (strcmp(k->tab, tab) != 0 || r->who.role < k->min)
            continue;
        rc = web_op_open(r, k) ||
             html_fmt(&r->page, "<input type=\"hidden\" name=\"op\" value=\""
                      "%s\"><b>%s</b> ", k->op, k->title);
        for (f = 0; rc == 0 && f < WEB_OP_FIELDS && k->fields[f]; f++)
            rc = web_input(r, k->fields[f],
                           strcmp(k->fields[f], "list") == 0 ? list : NULL);
        rc = rc ? rc : html_fmt(&r->page, "<button id=\"%s\">%s</button>"
                                "</form>", k->op, k->op);
    }
    return rc;
}

static const struct {
    const char *tab, *title, *view, *link, *href;
} web_tabs[] = {
    {"orgs", "Organisations", "orgs_list", NULL, NULL},
    {"contacts", "Contacts", "contacts_list", NULL, NULL},
    {"lists", "Lists", "lists_list", "name", "/list"},
    {"dists", "Distributions", "dists_list", NULL, NULL},
    {"officers", "Officers", "officers_list", NULL, NULL},
    {"sites", "Sites", "sites_list", NULL, NULL},
};

#define WEB_NTABS (sizeof(web_tabs) / sizeof(web_tabs[0]))

static int web_tab_links(struct web_req *r)
{
    size_t i;
    int rc = html_fmt(&r->page, "<p>");

    for (i = 0; rc == 0 && i < WEB_NTABS; i++)
        rc = html_fmt(&r->page, "<a href=\"/registry?t=%s\">%s</a> ",
                      web_tabs[i].tab, web_tabs[i].title);
    return rc ? rc : html_fmt(&r->page, "</p>");
}

/* The page of tab (msg: what the last change said, ok or not). */
static int web_registry(struct web_req *r, const char *tab, int ok,
                        const char *msg)
{
    size_t i;

    for (i = 0; i < WEB_NTABS && strcmp(web_tabs[i].tab, tab) != 0; i++)
        ;
    if (i == WEB_NTABS)
        return web_refuse(r, 404, "no such registry page");
    if (web_head(r, web_tabs[i].title) != 0 || web_tab_links(r) != 0 ||
        (msg && web_say(r, ok, msg) != 0) || web_forms(r, tab, NULL) != 0 ||
        web_table(r, web_tabs[i].view, NULL, NULL, 0, web_tabs[i].link,
                  web_tabs[i].href) != 0)
        return -1;
    return web_foot(r);
}

int web_page_registry(struct web_req *r)
{
    const char *t = web_arg(r, "t");

    return web_registry(r, t ? t : "orgs", 1, NULL);
}

static int web_list(struct web_req *r, const char *name, int ok,
                    const char *msg)
{
    int64_t id;
    struct buf *b = &r->page;

    if (name == NULL || registry_list_id(S, name, &id, &r->e) != 0)
        return web_refuse(r, 404, name ? r->e.msg : "which list? (?name=)");
    if (web_head(r, name) != 0 || web_tab_links(r) != 0 ||
        (msg && web_say(r, ok, msg) != 0) ||
        web_table(r, "lists_show", "name", name, 1, NULL, NULL) ||
        html_fmt(b, "<h2>Members (direct and by rule)</h2>") ||
        web_table(r, "lists_members", "_list", name, 0, NULL, NULL) ||
        html_fmt(b, "<h2>Rules</h2>") ||
        web_table(r, "lists_rules", "_list", name, 0, NULL, NULL) ||
        web_forms(r, "list", name))
        return -1;
    return web_foot(r);
}

int web_page_list(struct web_req *r)
{
    return web_list(r, web_arg(r, "name"), 1, NULL);
}

/* The page after a change of a list's: the list's own, under its new
 * name after a rename; the lists after a removal. */
static int web_list_after(struct web_req *r, const struct web_op *k, int rc,
                          const char *msg)
{
    const char *name = F(r, "list");
    int64_t id;

    if (rc == 0 && strcmp(k->op, "list-rm") == 0)
        return web_registry(r, "lists", 1, msg);
    if (rc != 0 && (name == NULL || registry_list_id(S, name, &id,
                                                      &r->e) != 0)) {
        err_init(&r->e);
        return web_registry(r, "lists", 0, msg);
    }
    if (rc == 0 && strcmp(k->op, "list-edit") == 0 && F(r, "name"))
        name = F(r, "name");
    return web_list(r, name, rc == 0, msg);
}

/* Run the form's op; the page of its tab then says how it went, in the
 * CLI's words: its done line, or its error line. */
int web_post_registry(struct web_req *r)
{
    const char *op = web_field(r, "op"), *first, *role = F(r, "role");
    const struct web_op *k = NULL;
    char what[ERR_MSG_MAX], msg[ERR_MSG_MAX + 200];
    struct web_done done;
    size_t i;
    int rc;

    for (i = 0; op && i < WEB_NOPS; i++)
        if (strcmp(web_ops[i].op, op) == 0)
            k = &web_ops[i];
    if (k == NULL)
        return web_refuse(r, 404, "no such change");
    if (r->who.role < k->min)
        return web_refuse(r, 403, "refused: your role may not do this");
    first = web_field(r, k->fields[0]);
    snprintf(what, sizeof(what), "%s %.200s", k->op, first ? first : "");
    memset(&done, 0, sizeof(done));
    rc = web_change(r, what, k->fn, &done);
    if (done.subject[0])
        first = done.subject;
    if (rc == 0) {
        const char *at = strstr(k->done, "%s");

        snprintf(msg, sizeof(msg), "%.*s%.200s%s", (int)(at - k->done),
                 k->done, first ? first : "", at + 2);
        if (role && !registry_role_known(role))
            snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " "
                     "(warning: role '%.100s' is not one of %s)", role,
                     REGISTRY_ROLES);
    } else {
        snprintf(msg, sizeof(msg), "%s", r->e.msg);
        r->status = 400;
        err_init(&r->e);
    }
    if (strcmp(k->tab, "list") == 0)
        return web_list_after(r, k, rc, msg);
    return web_registry(r, k->tab, rc == 0, msg);
}
