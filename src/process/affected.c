/*
 * affected - the affected audience of an alert (issue 19): the security
 * contacts of the sites it names and their NGIs' security officers get
 * it whole, once, besides its lists.
 *
 * The child that makes the copies finds the sites (affected_find: the
 * anonymiser over the text, its findings looked up in the sites index)
 * and makes one more copy, the pseudo-list's, with template 'affected';
 * the parent then asks the registry who those sites bring
 * (affected_resolve): each recipient once, not one who already gets the
 * whole alert through a list of the distribution (a member of an
 * anonymised list only gets this whole copy as well), none for a site
 * an officer excluded in the signed text ("Not-affected: SITE"), and a
 * row for a site without a contact of its own (a coverage problem the
 * receipt names). The copy is encrypted where a recipient's key allows
 * (encrypt.c, as an if-key list) and stored with the lists' copies
 * (commit.c).
 */
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"

void paffected_free(struct paffected *af)
{
    if (af == NULL)
        return;
    free(af->sites);
    free(af->v);
    memset(af, 0, sizeof(*af));
}

int affected_plist(struct plist *l, struct err *e)
{
    memset(l, 0, sizeof(*l));
    l->affected = 1;
    l->name = strdup("affected");
    /* one message to many people who are no list: a group with no
     * member (RFC 5322 3.4), as Bcc-style mail has */
    l->address = strdup("undisclosed-recipients:;");
    l->template_name = strdup("affected");
    l->attachments = strdup("keep");
    l->ceiling = TLP_AMBER;     /* RED and AMBER+STRICT: withheld */
    l->encrypt = ENCRYPT_IF_KEY;
    if (!l->name || !l->address || !l->template_name || !l->attachments)
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

/* ---- in the child: which sites -------------------------------------- */

/* The site a placeholder's original belongs to, -1 when none (a rule's
 * class: an account, a DN). */
static long affected_site_of(const struct sites *s, const char *cls,
                             const char *orig)
{
    size_t n = strlen(orig), m = 0;
    const char *at;
    long k;

    if (strcmp(cls, "site") == 0) {
        k = sites_lookup_name(s, orig, n);
        return k >= 0 ? k : sites_match_phrase(s, orig, n, &m);
    }
    if (strcmp(cls, "host") == 0)
        return sites_lookup_host(s, orig, n);
    if (strcmp(cls, "email") == 0 && (at = strrchr(orig, '@')) != NULL)
        return sites_lookup_host(s, at + 1, strlen(at + 1));
    if (strcmp(cls, "ip") == 0)
        return sites_lookup_addr(s, orig, n);
    if (strcmp(cls, "net") == 0)
        return sites_lookup_net(s, orig, n);
    return -1;
}

static int affected_excluded(const struct palert *a, const char *site)
{
    size_t i;

    for (i = 0; i < a->n_not_affected; i++)
        if (strcasecmp(a->not_affected[i], site) == 0)
            return 1;
    return 0;
}

/* Anonymise what an officer writes sites in, into nothing: the map
 * then holds every identifier found. */
static int affected_scan(struct gateway *g, const struct palert *a,
                         struct anon_map *map, struct err *e)
{
    const struct msg_content *mc = a->content;
    struct buf sink;
    size_t i;
    int rc;

    buf_init(&sink, PROCESS_COPY_MAX);
    rc = anon_apply(g->anon, map, mc->subject, strlen(mc->subject), &sink,
                    NULL, e);
    for (i = 0; rc == 0 && i < mc->nparts; i++) {
        const struct msg_part *p = &mc->parts[i];
        buf_reset(&sink);
        if (p->is_text && strcmp(p->content_type, "text/html") == 0)
            rc = anon_apply_html(g->anon, map, p->data, p->len, &sink, NULL,
                                 e);
        else if (p->is_text)
            rc = anon_apply(g->anon, map, p->data, p->len, &sink, NULL, e);
    }
    buf_free(&sink);
    return rc;
}

static int affected_add_site(struct paffected *af, const char *name,
                             size_t cap)
{
    size_t i;

    for (i = 0; i < af->nsites; i++)
        if (strcasecmp(af->sites[i], name) == 0)
            return 0;
    if (af->nsites >= cap)
        return -1;
    snprintf(af->sites[af->nsites++], SITES_NAME_MAX + 1, "%s", name);
    return 0;
}

/* The template's {{sites}}: the sites named and not excluded. */
static int affected_sites_text(const struct palert *a, struct plist *l,
                               const struct paffected *af, struct err *e)
{
    struct buf t;
    size_t i;
    int rc = 0;

    buf_init(&t, (SITES_NAME_MAX + 2) * (af->nsites + 1));
    for (i = 0; i < af->nsites && rc == 0; i++)
        if (!affected_excluded(a, af->sites[i]))
            rc = buf_printf(&t, "%s%s", t.len ? ", " : "", af->sites[i]);
    free(l->affected_sites);
    l->affected_sites = rc == 0 ? strdup(buf_cstr(&t)) : NULL;
    buf_free(&t);
    return l->affected_sites ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

int affected_find(struct gateway *g, const struct palert *a,
                  struct plist *l, struct paffected *af, struct err *e)
{
    struct anon_map *map = anon_map_new();
    const char *cls, *orig, *ph;
    size_t i, cap = sites_count(g->sites);
    long k;
    int rc = -1;

    af->nsites = 0;
    free(af->sites);
    af->sites = calloc(cap ? cap : 1, sizeof(*af->sites));
    if (map == NULL || af->sites == NULL) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    if (affected_scan(g, a, map, e) != 0)
        goto out;
    for (i = 0; anon_map_get(map, i, &cls, &orig, &ph) == 0; i++)
        if ((k = affected_site_of(g->sites, cls, orig)) >= 0 &&
            affected_add_site(af, sites_name(g->sites, (size_t)k), cap) != 0)
            goto out;
    rc = affected_sites_text(a, l, af, e);
out:
    anon_map_free(map);
    return rc;
}

/* ---- in the parent: who ---------------------------------------------- */

static struct paff_row *affected_row(struct paffected *af, const char *site,
                                     const char *address, const char *outcome,
                                     struct err *e)
{
    struct paff_row *v;

    if (af->n == af->cap) {
        size_t cap = af->cap ? af->cap * 2 : 16;
        if (af->n >= AFFECTED_RCPTS_MAX) {
            err_set(e, ERR_TOOBIG, "the sites named add more than %d "
                    "recipients; nothing was sent", AFFECTED_RCPTS_MAX);
            return NULL;
        }
        if ((v = realloc(af->v, cap * sizeof(*v))) == NULL) {
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
        af->v = v;
        af->cap = cap;
    }
    v = &af->v[af->n++];
    memset(v, 0, sizeof(*v));
    snprintf(v->site, sizeof(v->site), "%s", site);
    snprintf(v->address, sizeof(v->address), "%s", address);
    v->outcome = outcome;
    return v;
}

/* 1 when address is already a row (a contact of two sites, or of a
 * site and its NGI): each recipient once. */
static int affected_seen(const struct paffected *af, const char *address)
{
    size_t i;

    for (i = 0; i < af->n; i++)
        if (strcasecmp(af->v[i].address, address) == 0)
            return 1;
    return 0;
}

/* The list of the distribution through which address gets the whole
 * alert already, or NULL. */
static const char *affected_whole_list(struct gateway *g,
                                       const struct plist *lists, size_t n,
                                       const char *address, struct err *e,
                                       int *err)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        if (lists[i].anonymise || lists[i].withheld[0] || lists[i].affected)
            continue;
        if ((rc = registry_list_has(g->store, lists[i].id, address, e)) < 0)
            *err = 1;
        if (rc != 0)
            return rc > 0 ? lists[i].name : NULL;
    }
    return NULL;
}

static int affected_one(struct gateway *g, const struct plist *lists,
                        size_t n, const char *site, const char *address,
                        const char *fpr, const char *kind, const char *org,
                        struct paffected *af, struct err *e)
{
    struct paff_row *row;
    const char *list;
    int err = 0;

    if (affected_seen(af, address))
        return 0;
    list = affected_whole_list(g, lists, n, address, e, &err);
    if (err)
        return -1;
    if ((row = affected_row(af, site, address, list ? "already" : "added",
                            e)) == NULL)
        return -1;
    snprintf(row->fpr, sizeof(row->fpr), "%s", fpr);
    if (list)
        snprintf(row->why, sizeof(row->why), "gets the whole alert through "
                 "list %s", list);
    else if (strcmp(kind, "site") == 0)
        snprintf(row->why, sizeof(row->why), "security contact of %s "
                 "(organisation %s)", site, org);
    else
        snprintf(row->why, sizeof(row->why), "security officer of %s, the "
                 "NGI of %s", org, site);
    af->added += list == NULL;
    return 0;
}

/* The rows one site named (not excluded) brings. */
static int affected_site(struct gateway *g, const struct plist *lists,
                         size_t n, const char *site, struct paffected *af,
                         struct err *e)
{
    struct store_stmt *st;
    struct paff_row *row;
    int rc, own = 0;

    if (registry_site_recipients(g->store, site, &st, e) != 0)
        return -1;
    while ((rc = store_step(st, e)) == 1) {
        own += strcmp(store_col_text(st, 2), "site") == 0;
        if (affected_one(g, lists, n, site, store_col_text(st, 0),
                         store_col_text(st, 1), store_col_text(st, 2),
                         store_col_text(st, 3), af, e) != 0) {
            rc = -1;
            break;
        }
    }
    store_finalize(st);
    if (rc < 0)
        return -1;
    if (own > 0)
        return 0;
    if ((row = affected_row(af, site, "", "no-contact", e)) == NULL)
        return -1;
    snprintf(row->why, sizeof(row->why), "no security contact of the site "
             "is on file (a coverage problem: add one with its organisation, "
             "or import GOCDB's CSIRT_EMAIL)");
    return 0;
}

static int affected_named(const struct paffected *af, const char *site)
{
    size_t i;

    for (i = 0; i < af->nsites; i++)
        if (strcasecmp(af->sites[i], site) == 0)
            return 1;
    return 0;
}

/* A row per Not-affected: name: excluded, or named nowhere. */
static int affected_exclusions(const struct palert *a, struct paffected *af,
                               struct err *e)
{
    struct paff_row *row;
    size_t i;
    int named;

    for (i = 0; i < a->n_not_affected; i++) {
        named = affected_named(af, a->not_affected[i]);
        row = affected_row(af, a->not_affected[i], "",
                           named ? "excluded" : "not-named", e);
        if (row == NULL)
            return -1;
        snprintf(row->why, sizeof(row->why), named ? "a Not-affected: line "
                 "of the signed alert excludes it" : "a Not-affected: line "
                 "names it, but the alert names no such site");
    }
    return 0;
}

/* The recipients added, as the pseudo-list's copy's: encrypt.c
 * classifies them as an if-key list's. */
static int affected_rcpts(const struct paffected *af, struct pcopy *cp,
                          struct err *e)
{
    size_t i;
    struct prcpt *r;

    cp->rcpts = calloc(af->added ? af->added : 1, sizeof(*cp->rcpts));
    if (cp->rcpts == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (i = 0; i < af->n; i++) {
        if (strcmp(af->v[i].outcome, "added") != 0)
            continue;
        r = &cp->rcpts[cp->nrcpts++];
        buf_init(&r->msg, PROCESS_COPY_MAX);
        snprintf(r->fpr, sizeof(r->fpr), "%s", af->v[i].fpr);
        if ((r->address = strdup(af->v[i].address)) == NULL)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return 0;
}

int affected_resolve(struct gateway *g, const struct palert *a,
                     const struct plist *lists, size_t n, struct plist *l,
                     struct paffected *af, struct pcopy *cp, struct err *e)
{
    size_t i;

    af->n = af->added = 0;
    if (affected_exclusions(a, af, e) != 0)
        return -1;
    for (i = 0; i < af->nsites; i++)
        if (!affected_excluded(a, af->sites[i]) &&
            affected_site(g, lists, n, af->sites[i], af, e) != 0)
            return -1;
    if (l->withheld[0] == '\0' && af->added == 0)
        snprintf(l->withheld, sizeof(l->withheld), "%s", af->nsites == 0
                 ? "the alert names no registered site"
                 : "the sites named add nobody who does not get the whole "
                   "alert already");
    return l->withheld[0] ? 0 : affected_rcpts(af, cp, e);
}

int affected_describe(const struct paffected *af, struct buf *out)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < af->n && rc == 0; i++) {
        const struct paff_row *r = &af->v[i];
        rc = buf_printf(out, "  %s: %s%s%s (%s)\n", r->site, r->address,
                        r->address[0] ? " " : "", r->outcome, r->why);
    }
    return rc;
}
