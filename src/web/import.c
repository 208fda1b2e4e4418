/* import - CSV and GOCDB XML by upload: a dry run first (the imports'
 * own dry_run: everything done, counted, reported, then rolled back),
 * then the same file applied, in one transaction with its audit row.
 * The parsing and the rules are the imports' (registry/csv_io.c,
 * registry/gocdb.c), as `alertgw sites import --gocdb` and `contacts
 * import` run them. */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/gocdb.h"
#include "registry/registry.h"

struct web_import {
    const char *kind;
    struct registry_import r;
    char *report;               /* what the import wrote on its stream */
    size_t report_len;
};

static int web_import_gocdb(struct web_req *r, struct web_import *im)
{
    struct gocdb *g = NULL;
    FILE *out = open_memstream(&im->report, &im->report_len);
    int rc = -1;

    if (out == NULL)
        return err_set(&r->e, ERR_NOMEM, "out of memory");
    if (gocdb_parse(r->upload.data ? r->upload.data : "", r->upload.len, &g,
                    &r->e) == 0)
        rc = registry_gocdb_import(r->g->store, g, out, &im->r, &r->e);
    gocdb_free(g);
    fclose(out);
    return rc;
}

static int web_import_run(struct web_req *r, void *arg)
{
    struct web_import *im = arg;
    const char *origin = r->upload_name[0] ? r->upload_name : "upload";

    if (strcmp(im->kind, "gocdb") == 0)
        return web_import_gocdb(r, im);
    if (strcmp(im->kind, "contacts") == 0)
        return registry_contacts_import(r->g->store, buf_cstr(&r->upload),
                                        r->upload.len, origin, &im->r,
                                        &r->e);
    if (strcmp(im->kind, "orgs") == 0)
        return registry_orgs_import(r->g->store, buf_cstr(&r->upload),
                                    r->upload.len, origin, &im->r, &r->e);
    return err_set(&r->e, ERR_USAGE, "import what? gocdb, contacts or orgs");
}

static int web_import_form(struct web_req *r)
{
    return html_fmt(&r->page, "<form method=\"post\" action=\"/import\" "
                    "enctype=\"multipart/form-data\" class=\"box\"><input "
                    "type=\"hidden\" name=\"csrf\" value=\"%s\"><label>What "
                    "<select name=\"kind\" id=\"kind\"><option>gocdb</option>"
                    "<option>contacts</option><option>orgs</option></select>"
                    "</label><label>File <input type=\"file\" name=\"file\" "
                    "id=\"file\"></label><button name=\"action\" value=\""
                    "preview\" id=\"preview\">Preview (dry run)</button> "
                    "<button name=\"action\" value=\"apply\" id=\"apply\">"
                    "Apply</button></form><p>GOCDB: the XML of <code>"
                    "get_site</code>; CSV: the columns of <code>alertgw "
                    "contacts export</code> / <code>orgs export</code>.</p>",
                    r->who.csrf);
}

int web_page_import(struct web_req *r)
{
    if (web_head(r, "Import") != 0 || web_import_form(r) != 0)
        return -1;
    return web_foot(r);
}

/* The CLI's summary line (cli_registry.c's cli_import_summary). */
static int web_import_summary(struct web_req *r, const struct web_import *im)
{
    const struct registry_import *s = &im->r;
    char line[512];

    snprintf(line, sizeof(line), "%s%ld %s read: %ld new, %ld updated, %ld "
             "unchanged, %ld kept (edited by hand), %ld gone from the source "
             "(not removed), %ld identifier conflict(s); %ld organisation(s)"
             " and %ld contact(s) added, %ld contact(s) updated",
             s->dry_run ? "dry run, nothing changed: " : "", s->read,
             strcmp(im->kind, "gocdb") == 0 ? "sites" : im->kind, s->added,
             s->updated, s->unchanged, s->kept, s->gone, s->conflicts,
             s->orgs_added, s->contacts_added, s->contacts_updated);
    return web_say(r, 1, line);
}

int web_post_import(struct web_req *r)
{
    struct web_import im;
    const char *action = web_field(r, "action");
    char what[300];
    int rc;

    memset(&im, 0, sizeof(im));
    im.kind = web_field(r, "kind") ? web_field(r, "kind") : "";
    im.r.dry_run = !(action && strcmp(action, "apply") == 0);
    if (im.r.dry_run)
        rc = web_import_run(r, &im);
    else {
        snprintf(what, sizeof(what), "import %.20s %.200s", im.kind,
                 r->upload_name);
        rc = web_change(r, what, web_import_run, &im);
    }
    if (web_head(r, im.r.dry_run ? "Import: preview" : "Import") != 0)
        rc = -2;
    else if (rc != 0) {
        r->status = 400;
        rc = web_say(r, 0, r->e.msg) ? -2 : 0;
        err_init(&r->e);
    } else if (web_import_summary(r, &im) != 0 ||
               (im.report_len && html_fmt(&r->page, "<pre>%s</pre>",
                                          im.report) != 0)) {
        rc = -2;
    }
    free(im.report);
    if (rc != 0 || web_import_form(r) != 0)
        return -1;
    return web_foot(r);
}
