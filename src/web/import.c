/* import - CSV and GOCDB XML by upload: a dry run first (the imports'
 * own dry_run: everything done, counted, reported, then rolled back),
 * after which the file is kept (web/upload.h) under its SHA-256; apply
 * names that SHA-256 and runs the kept bytes, so what is applied is
 * what was previewed, in one transaction with its audit row and the
 * kept file's removal. The parsing and the rules are the imports'
 * (registry/csv_io.c, registry/gocdb.c), as `alertgw sites import
 * --gocdb` and `contacts import` run them. */
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/gocdb.h"
#include "registry/registry.h"
#include "web/upload.h"

struct web_import {
    char kind[16];
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
                    "preview\" id=\"preview\">Preview (dry run)</button>"
                    "</form><p>GOCDB: the XML of <code>get_site</code>; CSV: "
                    "the columns of <code>alertgw contacts export</code> / "
                    "<code>orgs export</code>. The file previewed is kept "
                    "(%d minutes at most) and applied from here, byte for "
                    "byte.</p>", r->who.csrf, WEB_UPLOAD_KEEP_S / 60);
}

/* After a good preview: apply the kept file, named by its SHA-256. */
static int web_apply_form(struct web_req *r, const char *sha)
{
    return html_fmt(&r->page, "<form method=\"post\" action=\"/import\" "
                    "class=\"box\"><input type=\"hidden\" name=\"csrf\" "
                    "value=\"%s\"><input type=\"hidden\" name=\"sha256\" "
                    "value=\"%s\"><b>Apply the file previewed</b> (%s, "
                    "SHA-256 <code id=\"sha256\">%s</code>) <button name=\""
                    "action\" value=\"apply\" id=\"apply\">Apply</button>"
                    "</form>", r->who.csrf, sha, r->upload_name, sha);
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

/* Apply: the import of the kept file, and the file forgotten. */
static int web_import_apply(struct web_req *r, void *arg)
{
    if (web_import_run(r, arg) != 0)
        return -1;
    return upload_drop(r->g->store, r->who.key, &r->e);
}

/* The kept file named sha into r->upload, its kind into im. */
static int web_import_kept(struct web_req *r, struct web_import *im,
                           const char *sha)
{
    int rc;

    buf_reset(&r->upload);
    rc = upload_take(r->g->store, r->who.key, sha ? sha : "", time(NULL),
                     &r->upload, im->kind, sizeof(im->kind), r->upload_name,
                     sizeof(r->upload_name), &r->e);
    if (rc == 0)
        return err_set(&r->e, ERR_DATA, "no previewed file with SHA-256 "
                       "%.64s in this session (applied already, replaced by "
                       "a later preview, or older than %d minutes): preview "
                       "it again", sha ? sha : "", WEB_UPLOAD_KEEP_S / 60);
    return rc < 0 ? -1 : 0;
}

/* A preview (dry run), or the apply of the file it kept; sha: the kept
 * file's SHA-256 (a preview sets it). */
static int web_import_do(struct web_req *r, struct web_import *im, int apply,
                         char sha[SHA256_HEX])
{
    const char *kind = web_field(r, "kind");
    char what[400];

    if (apply) {
        snprintf(sha, SHA256_HEX, "%s", web_field(r, "sha256") ?
                 web_field(r, "sha256") : "");
        if (web_import_kept(r, im, sha) != 0)
            return -1;
        snprintf(what, sizeof(what), "import %.20s %.200s sha256 %s",
                 im->kind, r->upload_name, sha);
        return web_change(r, what, web_import_apply, im);
    }
    snprintf(im->kind, sizeof(im->kind), "%s", kind ? kind : "");
    im->r.dry_run = 1;
    if (web_import_run(r, im) != 0)
        return -1;
    return upload_keep(r->g->store, r->who.key, im->kind, r->upload_name,
                       r->upload.data ? r->upload.data : "", r->upload.len,
                       time(NULL), sha, &r->e);
}

int web_post_import(struct web_req *r)
{
    struct web_import im;
    const char *action = web_field(r, "action");
    int apply = action && strcmp(action, "apply") == 0, rc;
    char sha[SHA256_HEX] = "";

    memset(&im, 0, sizeof(im));
    rc = web_import_do(r, &im, apply, sha);
    if (web_head(r, apply ? "Import" : "Import: preview") != 0)
        rc = -2;
    else if (rc != 0) {
        r->status = 400;
        rc = web_say(r, 0, r->e.msg) ? -2 : 0;
        err_init(&r->e);
    } else if (web_import_summary(r, &im) != 0 ||
               (im.report_len && html_fmt(&r->page, "<pre>%s</pre>",
                                          im.report) != 0) ||
               (!apply && web_apply_form(r, sha) != 0)) {
        rc = -2;
    }
    free(im.report);
    if (rc != 0 || web_import_form(r) != 0)
        return -1;
    return web_foot(r);
}
