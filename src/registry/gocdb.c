#include "registry/gocdb.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util/buf.h"
#include "util/items.h"

struct gocdb {
    struct sites *sites;
    struct gocdb_site *v;
    size_t n, cap;
    struct gocdb_ngi *ngi;
    size_t nngi, capngi;
};

/* Element names of one SITE that the registry keeps as text. */
enum { F_NAME, F_OFFICIAL, F_ROC, F_COUNTRY, F_EMAIL, F_N };
static const char *const gocdb_fields[F_N] = {
    "SHORT_NAME", "OFFICIAL_NAME", "ROC", "COUNTRY_CODE", "CSIRT_EMAIL"};

static int gocdb_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

/* Text of n's descendants into b, leading white space skipped. Checked
 * while reading against b's cap (GOCDB_FIELD_MAX), so no field is built
 * whole first, whatever the file says. Recursion is bounded: without
 * XML_PARSE_HUGE libxml2 refuses a document nested deeper than 256. */
static int gocdb_text_add(const xmlNode *n, struct buf *b)
{
    const xmlNode *c;
    const char *p;
    int rc = 0;

    for (c = n->children; c && rc == 0; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            rc = gocdb_text_add(c, b);
        } else if ((c->type == XML_TEXT_NODE ||
                    c->type == XML_CDATA_SECTION_NODE) && c->content) {
            for (p = (const char *)c->content;
                 b->len == 0 && isspace((unsigned char)*p); p++)
                ;
            rc = buf_puts(b, p);
        }
    }
    return rc;
}

/* The element's text, white space trimmed, copied; NULL when too long or
 * out of memory (e says which). */
static char *gocdb_text(const xmlNode *n, const char *site, struct err *e)
{
    struct buf b;
    char *out;
    int rc;

    buf_init(&b, GOCDB_FIELD_MAX);
    if ((rc = gocdb_text_add(n, &b)) != 0) {
        buf_free(&b);
        if (rc == BUF_ETOOBIG)
            err_set(e, ERR_DATA, "GOCDB site %.80s: %s longer than %d bytes",
                    site, (const char *)n->name, GOCDB_FIELD_MAX);
        else
            err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    while (b.len > 0 && isspace((unsigned char)b.data[b.len - 1]))
        b.len--;
    if (b.len == 0) {
        out = strdup("");
    } else {
        b.data[b.len] = '\0';
        out = buf_steal(&b, NULL);
    }
    buf_free(&b);
    if (out == NULL)
        err_set(e, ERR_NOMEM, "out of memory");
    return out;
}

static void gocdb_site_free(struct gocdb_site *s)
{
    free((char *)s->name);
    free((char *)s->official);
    free((char *)s->roc);
    free((char *)s->country);
    free((char *)s->csirt_email);
}

/* One SITE_IP / SITE_IPV6 value: items separated by ',' or ';'. A bad
 * network, or one too wide for a site (0.0.0.0/0), refuses the whole
 * document naming the site, as every other bad value of a site does: an
 * import never goes on with half a site's networks. */
static int gocdb_networks(struct gocdb *g, size_t idx, const char *list,
                          const char *site, struct err *e)
{
    char item[SITES_ADDR_TEXT_MAX * 2];
    struct err why;
    int rc;

    while ((rc = items_next(&list, item, sizeof(item))) != 0) {
        if (rc < 0)
            return err_set(e, ERR_DATA, "GOCDB site %s: network too long",
                           site);
        err_init(&why);
        if (sites_add_network(g->sites, idx, item, &why) != 0)
            return err_set(e, why.code == ERR_NOMEM ? ERR_NOMEM : ERR_DATA,
                           "GOCDB site %s: %s", site, why.msg);
    }
    return 0;
}

/* DOMAIN holds DOMAIN_NAME elements (or, in older exports, the name). */
static int gocdb_domain(struct gocdb *g, size_t idx, const xmlNode *d,
                        const char *site, struct err *e)
{
    const xmlNode *c;
    char *t;
    int rc = 0, any = 0;

    for (c = d->children; c && rc == 0; c = c->next) {
        if (!gocdb_is(c, "DOMAIN_NAME"))
            continue;
        any = 1;
        if ((t = gocdb_text(c, site, e)) == NULL)
            return -1;
        if (*t && sites_add_domain(g->sites, idx, t, e) != 0)
            rc = err_reword(e, ERR_DATA, "GOCDB site %s: bad domain '%.80s'",
                            site, t);
        free(t);
    }
    if (any || rc != 0)
        return rc;
    if ((t = gocdb_text(d, site, e)) == NULL)
        return -1;
    if (*t && sites_add_domain(g->sites, idx, t, e) != 0)
        rc = err_reword(e, ERR_DATA, "GOCDB site %s: bad domain '%.80s'",
                        site, t);
    free(t);
    return rc;
}

/* Identifiers of one site: the second pass, once the name is known. */
static int gocdb_ids(struct gocdb *g, size_t idx, const xmlNode *site,
                     struct err *e)
{
    const struct gocdb_site *s = &g->v[idx];
    const xmlNode *c;
    char *t;
    int rc = 0;

    if (*s->official && strcasecmp(s->official, s->name) != 0 &&
        sites_add_alias(g->sites, idx, s->official, e) != 0)
        return -1;
    for (c = site->children; c && rc == 0; c = c->next) {
        if (gocdb_is(c, "DOMAIN")) {
            rc = gocdb_domain(g, idx, c, s->name, e);
        } else if (gocdb_is(c, "SITE_IP") || gocdb_is(c, "SITE_IPV6")) {
            if ((t = gocdb_text(c, s->name, e)) == NULL)
                return -1;
            rc = gocdb_networks(g, idx, t, s->name, e);
            free(t);
        }
    }
    return rc;
}

static int gocdb_fields_of(const xmlNode *site, struct gocdb_site *s,
                           struct err *e)
{
    char *f[F_N] = {NULL};
    const xmlNode *c;
    int k;

    for (c = site->children; c; c = c->next)
        for (k = 0; k < F_N; k++)
            if (gocdb_is(c, gocdb_fields[k]) && f[k] == NULL &&
                (f[k] = gocdb_text(c, f[F_NAME] ? f[F_NAME] : "?", e)) ==
                    NULL)
                goto fail;
    for (k = 0; k < F_N; k++)
        if (f[k] == NULL && (f[k] = strdup("")) == NULL) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto fail;
        }
    s->name = f[F_NAME];
    s->official = f[F_OFFICIAL];
    s->roc = f[F_ROC];
    s->country = f[F_COUNTRY];
    s->csirt_email = f[F_EMAIL];
    if (*s->name == '\0')
        return err_set(e, ERR_DATA, "GOCDB: a SITE without SHORT_NAME");
    return 0;
fail:
    for (k = 0; k < F_N; k++)
        free(f[k]);
    return -1;
}

static int gocdb_site_add(struct gocdb *g, const xmlNode *site, struct err *e)
{
    struct gocdb_site s = {0};
    size_t idx;

    if (g->n == GOCDB_SITES_MAX)
        return err_set(e, ERR_DATA, "GOCDB: more than %d sites",
                       GOCDB_SITES_MAX);
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct gocdb_site *v = realloc(g->v, cap * sizeof(*v));
        if (v == NULL)
            return err_set(e, ERR_NOMEM, "out of memory");
        g->v = v;
        g->cap = cap;
    }
    if (gocdb_fields_of(site, &s, e) != 0) {
        gocdb_site_free(&s);
        return -1;
    }
    if (sites_add(g->sites, s.name, &idx, e) != 0) {
        err_reword(e, ERR_DATA, "GOCDB: site %.80s listed twice", s.name);
        gocdb_site_free(&s);
        return -1;
    }
    g->v[g->n++] = s;
    return gocdb_ids(g, idx, site, e);
}

/* One NGI element of a get_ngi answer: NAME, and the addresses the
 * registry keeps (SECURITY_EMAIL above all: the NGI security officers). */
static int gocdb_ngi_add(struct gocdb *g, const xmlNode *ngi, struct err *e)
{
    struct gocdb_ngi *v, n = {0};
    const xmlNode *c;

    if (g->nngi == GOCDB_SITES_MAX)
        return err_set(e, ERR_DATA, "GOCDB: more than %d NGIs",
                       GOCDB_SITES_MAX);
    for (c = ngi->children; c; c = c->next) {
        char **f = gocdb_is(c, "NAME") ? &n.name
                 : gocdb_is(c, "SECURITY_EMAIL") ? &n.security_email
                 : gocdb_is(c, "COUNTRY_CODE") ? &n.country : NULL;

        if (f && *f == NULL &&
            (*f = gocdb_text(c, n.name ? n.name : "?", e)) == NULL)
            goto fail;
    }
    if (n.name == NULL || *n.name == '\0') {
        err_set(e, ERR_DATA, "GOCDB: an NGI without NAME");
        goto fail;
    }
    if ((n.security_email == NULL && (n.security_email = strdup("")) == NULL)
        || (n.country == NULL && (n.country = strdup("")) == NULL)) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (g->nngi == g->capngi) {
        size_t cap = g->capngi ? g->capngi * 2 : 16;

        if ((v = realloc(g->ngi, cap * sizeof(*v))) == NULL) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto fail;
        }
        g->ngi = v;
        g->capngi = cap;
    }
    g->ngi[g->nngi++] = n;
    return 0;
fail:
    free(n.name);
    free(n.security_email);
    free(n.country);
    return -1;
}

/* A get_site answer (SITE elements) or a get_ngi answer (NGI elements).
 * One with neither is refused: read as a site list, it would report
 * every known site as gone. */
static int gocdb_walk(struct gocdb *g, const xmlDoc *doc, struct err *e)
{
    const xmlNode *root = xmlDocGetRootElement(doc), *c;

    if (root == NULL)
        return err_set(e, ERR_DATA, "GOCDB: empty document");
    if (gocdb_is(root, "SITE"))
        return gocdb_site_add(g, root, e);
    for (c = root->children; c; c = c->next)
        if ((gocdb_is(c, "SITE") && gocdb_site_add(g, c, e) != 0) ||
            (gocdb_is(c, "NGI") && gocdb_ngi_add(g, c, e) != 0))
            return -1;
    if (g->n == 0 && g->nngi == 0)
        return err_set(e, ERR_DATA, "GOCDB: neither a get_site nor a "
                       "get_ngi answer (no SITE or NGI element)");
    return 0;
}

/* GOCDB sends no DOCTYPE, and a DTD is what makes XML dangerous to read:
 * one 50 KB entity referenced 20,000 times in a 110 KB file became 990 MB
 * when the text was read, and external entities read local files. So a
 * DOCTYPE or an entity declaration is refused before libxml2 sees the
 * bytes. The document is read as UTF-8 whatever it declares, so a
 * DOCTYPE cannot hide in UTF-16 or UTF-7. */
static int gocdb_no_dtd(const char *xml, size_t len, struct err *e)
{
    static const struct { const char *text, *what; } bad[] = {
        {"<!DOCTYPE", "a DOCTYPE"},
        {"<!ENTITY", "an entity declaration"},
    };
    size_t i, k, n;

    for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        for (i = 0, n = strlen(bad[k].text); i + n <= len; i++)
            if (xml[i] == '<' && strncasecmp(xml + i, bad[k].text, n) == 0)
                return err_set(e, ERR_DATA, "GOCDB: %s (byte %zu) refused: "
                               "GOCDB sends none", bad[k].what, i);
    return 0;
}

/* libxml2's limits stay on (no XML_PARSE_HUGE: depth, text and name
 * sizes), entities are not substituted (no XML_PARSE_NOENT) and nothing
 * is fetched (XML_PARSE_NONET, no DTD loading). */
static xmlDoc *gocdb_read(const char *xml, size_t len, struct err *e)
{
    const xmlError *x;
    xmlDoc *doc;

    doc = xmlReadMemory(xml, (int)len, "gocdb.xml", "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING);
    if (doc == NULL) {
        x = xmlGetLastError();
        err_set(e, ERR_DATA, "GOCDB: not well-formed XML (line %d)",
                x ? x->line : 0);
    } else if (doc->intSubset || doc->extSubset) {
        err_set(e, ERR_DATA, "GOCDB: a DOCTYPE refused: GOCDB sends none");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

int gocdb_parse(const char *xml, size_t len, struct gocdb **out,
                struct err *e)
{
    struct gocdb *g;
    xmlDoc *doc;
    int rc;

    *out = NULL;
    if (len > (size_t)0x7fffffff)
        return err_set(e, ERR_TOOBIG, "GOCDB: document too large");
    if (gocdb_no_dtd(xml, len, e) != 0 ||
        (doc = gocdb_read(xml, len, e)) == NULL)
        return -1;
    g = calloc(1, sizeof(*g));
    if (g == NULL || (g->sites = sites_new()) == NULL) {
        free(g);
        xmlFreeDoc(doc);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    rc = gocdb_walk(g, doc, e);
    xmlFreeDoc(doc);
    if (rc != 0) {
        gocdb_free(g);
        return -1;
    }
    *out = g;
    return 0;
}

void gocdb_free(struct gocdb *g)
{
    size_t i;

    if (g == NULL)
        return;
    for (i = 0; i < g->n; i++)
        gocdb_site_free(&g->v[i]);
    free(g->v);
    for (i = 0; i < g->nngi; i++) {
        free(g->ngi[i].name);
        free(g->ngi[i].security_email);
        free(g->ngi[i].country);
    }
    free(g->ngi);
    sites_free(g->sites);
    free(g);
}

size_t gocdb_count(const struct gocdb *g)
{
    return g->n;
}

const struct gocdb_site *gocdb_site(const struct gocdb *g, size_t i)
{
    return i < g->n ? &g->v[i] : NULL;
}

const struct sites *gocdb_sites(const struct gocdb *g)
{
    return g->sites;
}

size_t gocdb_ngi_count(const struct gocdb *g)
{
    return g->nngi;
}

const struct gocdb_ngi *gocdb_ngi(const struct gocdb *g, size_t i)
{
    return i < g->nngi ? &g->ngi[i] : NULL;
}
