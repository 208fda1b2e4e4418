/* sites_import - sites from a sites file or from GOCDB (with their
 * organisations and CSIRT contacts), and what every import shares. */
#include "registry/registry_int.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/items.h"

static const struct {
    int kind;
    const char *name;
} registry_idkinds[] = {{'a', "alias"}, {'d', "domain"}, {'n', "network"}};

#define REGISTRY_NIDKINDS \
    (sizeof(registry_idkinds) / sizeof(registry_idkinds[0]))

/* One line of an import report, names made printable (they come from
 * files and GOCDB). */
static void registry_report(FILE *out, const char *what, const char *name,
                            const char *why)
{
    const unsigned char *p;

    if (out == NULL)
        return;
    fprintf(out, "%s ", what);
    for (p = (const unsigned char *)name; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
    fprintf(out, ": %s\n", why);
}

/* Another site's hold on an identifier: reported, and the import goes
 * on without it (the officer decides which site it belongs to). */
static int registry_id_conflict(struct store *s, int64_t sid,
                                const char *kind, const char *v, FILE *out,
                                struct registry_import *r, struct err *e)
{
    char holder[160], why[400];     /* the report shows 150 bytes */
    int rc = registry_site_id_holder(s, sid, kind, v, holder, sizeof(holder),
                                     e);

    if (rc == 1 && r) {
        snprintf(why, sizeof(why), "%s %.150s already belongs to site "
                 "%.150s; not added", kind, v, holder);
        r->conflicts++;
        registry_report(out, "conflict:", v, why);
    }
    return rc;
}

/* Identifiers of site i of idx for the row sid. By hand (r NULL) a value
 * that another site holds is an error; an import reports and skips it. */
int registry_site_ids(struct store *s, int64_t sid,
                      const struct sites *idx, size_t i,
                      const char *src, FILE *out,
                      struct registry_import *r, struct err *e)
{
    const char *v, *kind;
    size_t k, j;
    int rc;

    for (k = 0; k < REGISTRY_NIDKINDS; k++) {
        kind = registry_idkinds[k].name;
        for (j = 0; (v = sites_value(idx, i, registry_idkinds[k].kind, j));
             j++) {
            if (r && (rc = registry_id_conflict(s, sid, kind, v, out, r,
                                                e)) != 0) {
                if (rc < 0)
                    return -1;
                continue;
            }
            if (registry_site_id_add(s, sid, kind, v, src, e) != 0)
                return -1;
            if (r == NULL && registry_id_conflict(s, sid, kind, v, NULL, NULL,
                                                  e) == 1)
                return err_set(e, ERR_DUP, "%s %.200s already belongs to "
                               "another site", kind, v);
        }
    }
    return 0;
}

static int registry_seen(struct store *s, const char *kind, const char *name,
                         struct err *e)
{
    return store_run(s, e, "INSERT OR IGNORE INTO temp.import_seen(kind, "
                     "name) VALUES(?,?)", "tt", kind, name) < 0 ? -1 : 0;
}

/* Phase one of an import, over every site of the source: note an
 * imported site's identifiers and let go of them, so that an identifier
 * moving between two sites of the same source is no conflict. */
static int registry_site_release(struct store *s, const char *name,
                                 struct err *e)
{
    struct buf sig;
    int64_t sid;
    int manual = 0, rc;

    rc = registry_site_lookup(s, name, &sid, &manual, e);
    if (rc <= 0 || manual)
        return rc < 0 ? -1 : registry_seen(s, "site", name, e);
    buf_init(&sig, 1u << 24);
    rc = registry_site_sig(s, sid, &sig, e);
    if (rc == 0 && (store_run(s, e, "INSERT INTO temp.import_seen VALUES("
                              "'site',?,?)", "tt", name, buf_cstr(&sig)) < 0 ||
                    registry_site_ids_release(s, sid, e) != 0))
        rc = -1;
    buf_free(&sig);
    return rc;
}

static int registry_sites_release(struct store *s, const struct sites *idx,
                                  struct err *e)
{
    size_t i, n = sites_count(idx);

    for (i = 0; i < n; i++)
        if (registry_site_release(s, sites_name(idx, i), e) != 0)
            return -1;
    return 0;
}

static int registry_site_refresh(struct store *s, int64_t sid,
                                 const struct sites *idx, size_t i,
                                 const char *origin, int64_t org, FILE *out,
                                 struct registry_import *r, struct err *e)
{
    struct buf after;
    int64_t same = 0;
    int rc = -1;

    buf_init(&after, 1u << 24);
    if (registry_site_imported(s, &sid, NULL, origin, org, e) == 0 &&
        registry_site_ids(s, sid, idx, i, "imported", out, r, e) == 0 &&
        registry_site_sig(s, sid, &after, e) == 0 &&
        store_get_int(s, e, &same, "SELECT sig=? FROM temp.import_seen "
                      "WHERE kind='site' AND name=?", "tt", buf_cstr(&after),
                      sites_name(idx, i)) >= 0) {
        if (same)
            r->unchanged++;
        else
            r->updated++;
        rc = 0;
    }
    buf_free(&after);
    return rc;
}

/* Phase two: bring site i of idx into the registry. */
static int registry_site_sync(struct store *s, const struct sites *idx,
                              size_t i, const char *origin, int64_t org,
                              FILE *out, struct registry_import *r,
                              struct err *e)
{
    const char *name = sites_name(idx, i);
    int64_t sid;
    int manual = 0, rc;

    r->read++;
    rc = registry_site_lookup(s, name, &sid, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1 && manual) {
        r->kept++;
        registry_report(out, "kept: site", name, "edited by hand, not "
                        "updated");
        return 0;
    }
    if (rc == 1)
        return registry_site_refresh(s, sid, idx, i, origin, org, out, r, e);
    sid = 0;
    if (registry_site_imported(s, &sid, name, origin, org, e) != 0)
        return -1;
    r->added++;
    return registry_site_ids(s, sid, idx, i, "imported", out, r, e);
}

int registry_import_start(struct store *s, struct registry_import *r,
                          struct err *e)
{
    int dry_run = r->dry_run;

    memset(r, 0, sizeof(*r));
    r->dry_run = dry_run;
    if (store_begin(s, e) != 0)
        return -1;
    if (store_run(s, e, "CREATE TEMP TABLE IF NOT EXISTS import_seen(kind "
                  "TEXT, name TEXT COLLATE NOCASE, sig TEXT, PRIMARY "
                  "KEY(kind, name))",
                  "") < 0 ||
        store_run(s, e, "DELETE FROM temp.import_seen", "") < 0) {
        store_rollback(s);
        return -1;
    }
    return 0;
}

/* The names of imported rows of origin that this import did not see, a
 * statement from the table's owner (registry_*_unseen): reported, and
 * finalized here. */
static int registry_gone_rows(struct store_stmt *st, const char *kind,
                              FILE *out, long *gone, struct err *e)
{
    char what[32];
    int rc;

    snprintf(what, sizeof(what), "gone: %s", kind);
    while ((rc = store_step(st, e)) == 1) {
        (*gone)++;
        registry_report(out, what, store_col_text(st, 0), "no longer in the "
                        "source; kept (remove it by hand if it is gone)");
    }
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

/* What is stored must load into the anonymiser's index (names and
 * aliases unique across sites, every value well-formed): checked inside
 * the transaction, so a change that would break loading changes nothing. */
int registry_sites_verify(struct store *s, struct err *e)
{
    struct sites *idx = sites_new();
    struct err mine;
    int rc;

    if (idx == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    err_init(&mine);
    rc = registry_sites_load(s, idx, &mine);
    sites_free(idx);
    if (rc != 0)
        return err_set(e, mine.code == ERR_TEMP ? ERR_TEMP : ERR_DATA,
                       "refused: the sites would not load: %s", mine.msg);
    return 0;
}

int registry_sites_import(struct store *s, const struct sites *idx,
                          const char *origin, FILE *out,
                          struct registry_import *r, struct err *e)
{
    size_t i, n = sites_count(idx);
    struct store_stmt *st;
    int rc = 0;

    if (registry_import_start(s, r, e) != 0)
        return -1;
    rc = registry_sites_release(s, idx, e);
    for (i = 0; i < n && rc == 0; i++)
        rc = registry_site_sync(s, idx, i, origin, 0, out, r, e);
    if (rc == 0 && registry_sites_unseen(s, origin, &st, e) != 0)
        rc = -1;
    if (rc == 0)
        rc = registry_gone_rows(st, "site", out, &r->gone, e);
    if (rc == 0)
        rc = registry_sites_verify(s, e);
    return registry_import_end(s, r, rc, e);
}

/* An organisation from GOCDB: added as imported when missing, updated
 * when imported, left alone when manual. *id gets its id. */
static int registry_org_sync(struct store *s, const char *name,
                             const char *kind, const char *country,
                             int64_t ngi, FILE *out, struct registry_import *r,
                             int64_t *id, struct err *e)
{
    int manual = 0, rc;

    if (registry_name(name, "organisation", e) != 0 ||
        registry_text(country, "country", e) != 0 ||
        registry_seen(s, "org", name, e) != 0)
        return -1;
    rc = registry_org_lookup(s, name, id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        r->orgs_added++;
        *id = 0;
    } else if (manual) {
        /* said only when the import would change it: an organisation
         * added by hand is no news at every import */
        rc = registry_org_differs(s, *id, kind, country, ngi, e);
        if (rc > 0)
            registry_report(out, "kept: organisation", name, "edited by "
                            "hand, not updated");
        return rc < 0 ? -1 : 0;
    }
    return registry_org_gocdb(s, id, name, kind, country, ngi, e);
}

static int registry_contact_sync(struct store *s, const char *addr,
                                 int64_t org, const char *role, FILE *out,
                                 struct registry_import *r, struct err *e)
{
    int64_t id;
    int manual = 0, rc;

    if (registry_seen(s, "contact", addr, e) != 0)
        return -1;
    rc = registry_contact_lookup(s, addr, &id, &manual, e);
    if (rc < 0)
        return -1;
    if (rc == 1 && manual) {
        registry_report(out, "kept: contact", addr, "edited by hand, not "
                        "updated");
        return 0;
    }
    if (rc == 1)
        r->contacts_updated++;
    else
        r->contacts_added++;
    return registry_contact_gocdb(s, rc == 1 ? id : 0, addr, org, role, e);
}

/* A GOCDB address field may list several addresses (',' or ';'): each a
 * contact of org with role. who and field name them in errors. */
static int registry_addresses(struct store *s, const char *who,
                              const char *field, const char *list,
                              int64_t org, const char *role, FILE *out,
                              struct registry_import *r, struct err *e)
{
    char one[REGISTRY_ADDR_MAX + 1];
    const char *p = list;
    int rc;

    while ((rc = items_next(&p, one, sizeof(one))) != 0) {
        if (rc < 0)
            return err_set(e, ERR_DATA, "GOCDB %.80s: %s too long", who,
                           field);
        if (!registry_valid_address(one))
            return err_set(e, ERR_DATA, "GOCDB %.80s: %s '%.100s' is not a "
                           "valid e-mail address", who, field, one);
        if (registry_contact_sync(s, one, org, role, out, r, e) != 0)
            return -1;
    }
    return 0;
}

static int registry_gocdb_site(struct store *s, const struct gocdb *g,
                               size_t i, FILE *out, struct registry_import *r,
                               struct err *e)
{
    const struct gocdb_site *gs = gocdb_site(g, i);
    int64_t ngi = 0, org = 0;

    if (*gs->roc && registry_org_sync(s, gs->roc, "ngi", "", 0, out, r, &ngi,
                                      e) != 0)
        return -1;
    if (registry_org_sync(s, gs->name, "site", gs->country, ngi, out, r, &org,
                          e) != 0 ||
        registry_site_sync(s, gocdb_sites(g), i, "gocdb", org, out, r, e) != 0)
        return -1;
    return registry_addresses(s, gs->name, "CSIRT_EMAIL", gs->csirt_email,
                              org, "csirt", out, r, e);
}

/* An NGI of a get_ngi answer: the organisation, and SECURITY_EMAIL as its
 * security officers, whom an NGI list's rule (kind ngi, role security
 * officer) then reaches. */
static int registry_gocdb_ngi(struct store *s, const struct gocdb_ngi *gn,
                              FILE *out, struct registry_import *r,
                              struct err *e)
{
    int64_t org = 0;

    if (registry_org_sync(s, gn->name, "ngi", gn->country, 0, out, r, &org,
                          e) != 0)
        return -1;
    return registry_addresses(s, gn->name, "SECURITY_EMAIL",
                              gn->security_email, org, "security officer",
                              out, r, e);
}

int registry_gocdb_import(struct store *s, const struct gocdb *g, FILE *out,
                          struct registry_import *r, struct err *e)
{
    size_t i, n = gocdb_count(g);
    struct store_stmt *st;
    long orgs_gone = 0;
    int rc = 0;

    if (registry_import_start(s, r, e) != 0)
        return -1;
    for (i = 0; i < gocdb_ngi_count(g) && rc == 0; i++)
        rc = registry_gocdb_ngi(s, gocdb_ngi(g, i), out, r, e);
    /* a get_ngi answer says nothing of sites: none is gone for it */
    if (n == 0)
        return registry_import_end(s, r, rc, e);
    if (rc == 0)
        rc = registry_sites_release(s, gocdb_sites(g), e);
    for (i = 0; i < n && rc == 0; i++)
        rc = registry_gocdb_site(s, g, i, out, r, e);
    if (rc == 0 && registry_sites_unseen(s, "gocdb", &st, e) != 0)
        rc = -1;
    if (rc == 0)
        rc = registry_gone_rows(st, "site", out, &r->gone, e);
    if (rc == 0 && registry_orgs_unseen(s, "gocdb", &st, e) != 0)
        rc = -1;
    if (rc == 0)
        rc = registry_gone_rows(st, "org", out, &orgs_gone, e);
    if (rc == 0 && registry_contacts_unseen(s, "gocdb", &st, e) != 0)
        rc = -1;
    if (rc == 0)
        rc = registry_gone_rows(st, "contact", out, &orgs_gone, e);
    if (rc == 0)
        rc = registry_sites_verify(s, e);
    return registry_import_end(s, r, rc, e);
}
