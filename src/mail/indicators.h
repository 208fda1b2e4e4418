/*
 * indicators - the attacker indicators of an alert as data (issue 19):
 * found in its text, told apart from victim identifiers by the
 * anonymiser's own scanner, and written as indicators.csv or as a
 * STIX 2.1 bundle (indicators.json) for the receivers' tools.
 *
 * What counts: IPv4 and IPv6 addresses and networks, DNS names, URLs,
 * e-mail addresses, MD5/SHA-1/SHA-256/SHA-512 hashes, CVE ids. A value
 * is kept only when anon_scan finds no site identifier in it (as written:
 * defanged forms are read as what they stand for, and written refanged),
 * and it is not a host on the keep-list (a shared service), a name or
 * address under the gateway's own domain (contacts, not indicators), or
 * a .invalid name (a placeholder). "first seen" / "last seen" times on
 * the value's line are its first_seen and last_seen; the line itself,
 * white space collapsed, is its context.
 *
 * Ownership: a struct indicators owns copies of everything in it; the
 * anon and sites handles are borrowed for the call only.
 * Errors: ERR_NOMEM, ERR_TOOBIG (a writer's buffer full), and what
 * anon_scan fails with other than a finding (ERR_DATA: a match limit).
 * Limits: INDICATORS_MAX values (more are counted, not kept),
 * INDICATOR_VALUE_MAX bytes of a value, INDICATOR_CONTEXT_MAX of a
 * context (util/limits.h).
 */
#ifndef AGW_INDICATORS_H
#define AGW_INDICATORS_H

#include <stddef.h>
#include <time.h>

#include "mail/anon.h"
#include "mail/sites.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

enum ind_type {
    IND_IPV4, IND_IPV6, IND_NET4, IND_NET6, IND_DOMAIN, IND_URL, IND_EMAIL,
    IND_MD5, IND_SHA1, IND_SHA256, IND_SHA512, IND_CVE,
};

struct indicator {
    enum ind_type type;
    char *value;                /* refanged, canonical case where it has one */
    char first_seen[24];        /* "2024-05-11T03:14:07Z", "" when not stated */
    char last_seen[24];
    char *context;              /* the line it stands on */
    int context_clean;          /* the line names no victim either */
};

struct indicators {
    struct indicator *v;
    size_t n, cap;
    size_t dropped;             /* found past INDICATORS_MAX */
};

struct indicators *indicators_new(void);
void indicators_free(struct indicators *s);

/* Add the indicators of text[0..len) (UTF-8) to s, each value once.
 * own_domain: the gateway's domain ("" for none). */
int indicators_scan(struct indicators *s, const struct anon *a,
                    const struct sites *sites, const char *own_domain,
                    const char *text, size_t len, struct err *e);

/* "ipv4", "ipv4-net", "domain", "url", "email", "sha256", "cve", ... */
const char *indicators_type_name(enum ind_type t);

/* indicators.csv: a header line "type,value,first_seen,last_seen,
 * context", then one record a value (util/csv.h: RFC 4180, formula
 * neutralised as the registry's CSV export). anonymised: a context whose
 * line names a victim is left empty (the values never do). */
int indicators_csv(const struct indicators *s, int anonymised,
                   struct buf *out, struct err *e);

/* What a STIX bundle says of the copy it travels with. */
struct indicators_meta {
    const char *alert_id;       /* the external reference */
    const char *source;         /* its source_name: the gateway's domain */
    const char *tlp;            /* "CLEAR", "GREEN", "AMBER", "AMBER+STRICT",
                                 * "RED": the copy's TLP 2.0 marking */
    time_t created;             /* created/modified of every object */
};

/* indicators.json: a STIX 2.1 bundle, one indicator per value (pattern
 * in STIX patterning), an observed-data object and its cyber-observable
 * per value (first/last observed: the stated times, else created), a
 * vulnerability per CVE id; each object marked with the TLP 2.0
 * marking-definition of m->tlp (the bundle carries it) and referring to
 * the alert id. Ids are random UUIDv4 (getrandom). */
int indicators_stix(const struct indicators *s,
                    const struct indicators_meta *m, int anonymised,
                    struct buf *out, struct err *e);

#endif
