/*
 * fuzz_gocdb - GOCDB get_site XML through gocdb_parse (libxml2, no
 * network, no entities), then every site and identifier read back.
 *
 * Invariants: every failure sets an error; a parsed document has as many
 * sites in its index as SITE records, each with a name, and every network
 * it holds is in canonical form; it has a SITE or an NGI, and every NGI
 * has a name and its other fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/gocdb.h"
#include "mail/sites.h"

static void fz_read_back(const struct gocdb *g)
{
    const struct sites *s = gocdb_sites(g);
    char canon[SITES_ADDR_TEXT_MAX];
    const char *v;
    size_t i, j, n = gocdb_count(g);

    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(sites_count(s) == n);
    for (i = 0; i < n; i++) {
        const struct gocdb_site *site = gocdb_site(g, i);

        FUZZ_CHECK(site != NULL && site->name != NULL && *site->name);
        FUZZ_CHECK(site->official && site->roc && site->country &&
                   site->csirt_email);
        FUZZ_CHECK(strcmp(sites_name(s, i), site->name) == 0);
        for (j = 0; (v = sites_value(s, i, 'n', j)) != NULL; j++) {
            FUZZ_CHECK(sites_addr_canon(v, strlen(v), canon) == 0);
            FUZZ_CHECK(strcmp(v, canon) == 0);
        }
        for (j = 0; (v = sites_value(s, i, 'd', j)) != NULL; j++)
            FUZZ_CHECK(sites_lookup_host(s, v, strlen(v)) == (long)i);
    }
    FUZZ_CHECK(n > 0 || gocdb_ngi_count(g) > 0);
    for (i = 0; i < gocdb_ngi_count(g); i++) {
        const struct gocdb_ngi *ngi = gocdb_ngi(g, i);

        FUZZ_CHECK(ngi != NULL && ngi->name != NULL && *ngi->name);
        FUZZ_CHECK(ngi->security_email != NULL && ngi->country != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gocdb *g = NULL;
    struct err e;

    err_init(&e);
    if (fuzz_failed(gocdb_parse((const char *)data, size, &g, &e), &e)) {
        FUZZ_CHECK(g == NULL);
        return 0;
    }
    fz_read_back(g);
    gocdb_free(g);
    return 0;
}
