/*
 * gocdb - read GOCDB's get_site XML export (the only module that includes
 * libxml2) into a sites index plus, per site, what the registry keeps of
 * it besides identifiers.
 *
 * Per SITE element: SHORT_NAME (the site name, required), OFFICIAL_NAME
 * (an alias when it differs), ROC (the NGI), COUNTRY_CODE (the ISO code
 * `orgs add --country` takes, not COUNTRY's name), CSIRT_EMAIL,
 * DOMAIN/DOMAIN_NAME, SITE_IP and SITE_IPV6 (address/netmask lists, the
 * mask a prefix length or dotted; items separated by ',' or ';', white
 * space ignored). Any element but SHORT_NAME may be missing or empty.
 * The file is untrusted: it is read as UTF-8 under libxml2's limits, with
 * no network access and no DTD at all (GOCDB sends none, and entities
 * are how a small file expands without bound), and each field's length
 * is checked while its text is read.
 *
 * A get_ngi answer holds NGI elements instead: NAME (required),
 * SECURITY_EMAIL (the NGI's security officers, items separated by ',' or
 * ';'), COUNTRY_CODE. A document with neither SITE nor NGI elements is
 * refused (ERR_DATA): it is no answer to either query.
 *
 * Errors: ERR_DATA for XML that does not parse, a DOCTYPE or entity
 * declaration, a SITE without SHORT_NAME, the same SHORT_NAME twice, a
 * malformed network, a field over GOCDB_FIELD_MAX; the message names the
 * site. ERR_TOOBIG for a document over 2 GB. ERR_NOMEM.
 *
 * Ownership: gocdb_parse copies what it keeps; the result and every
 * pointer it hands out live until gocdb_free().
 */
#ifndef AGW_GOCDB_H
#define AGW_GOCDB_H

#include <stddef.h>

#include "util/err.h"
#include "mail/sites.h"
#include "util/limits.h"

struct gocdb_site {
    const char *name;           /* SHORT_NAME */
    const char *official;       /* "" when missing */
    const char *roc;
    const char *country;
    const char *csirt_email;
};

struct gocdb_ngi {
    char *name;                 /* NAME */
    char *security_email;       /* "" when missing */
    char *country;              /* COUNTRY_CODE, "" when missing */
};

struct gocdb;

int gocdb_parse(const char *xml, size_t len, struct gocdb **out,
                struct err *e);
void gocdb_free(struct gocdb *g);

/* Site i of the document corresponds to index i of gocdb_sites(). */
size_t gocdb_count(const struct gocdb *g);
const struct gocdb_site *gocdb_site(const struct gocdb *g, size_t i);
const struct sites *gocdb_sites(const struct gocdb *g);
/* The NGI elements, in document order. */
size_t gocdb_ngi_count(const struct gocdb *g);
const struct gocdb_ngi *gocdb_ngi(const struct gocdb *g, size_t i);

#endif
