/*
 * indicators_stix - an alert's indicators as a STIX 2.1 bundle
 * (indicators.h). Written through util/json.h's one writer.
 *
 * The TLP marking is TLP 2.0's, as the OASIS "TLP 2.0 marking
 * definitions" extension publishes them (cti-stix-common-objects,
 * extension-definition--60a3c5c5-...): fixed ids and a fixed created
 * time, which tools match by id. STIX 2.1 itself predefines only TLP 1.0
 * (WHITE, GREEN, AMBER, RED), which has no AMBER+STRICT or CLEAR.
 */
#include "mail/indicators.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/json.h"

#define STIX_TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-" \
                      "9e08dde9e88d"
#define STIX_ID_MAX 80          /* "observed-data--" and a UUID */
#define STIX_TIME_MAX 32        /* "2024-05-11T03:14:07.000Z" */

static const struct {
    const char *label, *id, *level;
} stix_tlp2[] = {
    {"CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
     "clear"},
    {"GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     "green"},
    {"AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
     "amber"},
    {"AMBER+STRICT",
     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     "amber+strict"},
    {"RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
     "red"},
};

/* The bundle being written and what every object repeats. */
struct stix {
    struct json_w w;
    const struct indicators_meta *m;
    size_t tlp;                 /* index into stix_tlp2 */
    char created[STIX_TIME_MAX];
    int anonymised;
};

/* type--UUIDv4 (RFC 9562: random, version 4, variant 10). */
static int stix_id(const char *type, char out[STIX_ID_MAX])
{
    unsigned char b[16];
    size_t got = 0;
    ssize_t n;

    while (got < sizeof(b)) {
        n = getrandom(b + got, sizeof(b) - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, STIX_ID_MAX, "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x-%02x%02x%02x%02x%02x%02x", type, b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return 0;
}

/* "2024-05-11T03:14:07Z" (indicators.c's form) with milliseconds, or
 * created when seen is "". */
static void stix_time(const struct stix *x, const char *seen,
                      char out[STIX_TIME_MAX])
{
    if (seen[0] == '\0' || strlen(seen) != 20)
        snprintf(out, STIX_TIME_MAX, "%s", x->created);
    else
        snprintf(out, STIX_TIME_MAX, "%.19s.000Z", seen);
}

/* The properties every object of the bundle has. */
static void stix_common(struct stix *x, const char *type, const char *id)
{
    json_kv(&x->w, "type", type);
    json_kv(&x->w, "spec_version", "2.1");
    json_kv(&x->w, "id", id);
}

static void stix_marked(struct stix *x)
{
    json_key(&x->w, "object_marking_refs");
    json_arr(&x->w);
    json_str(&x->w, stix_tlp2[x->tlp].id);
    json_close(&x->w);
}

static void stix_dated(struct stix *x)
{
    json_kv(&x->w, "created", x->created);
    json_kv(&x->w, "modified", x->created);
}

/* The alert id as an external reference; a CVE id's own first. */
static void stix_refs(struct stix *x, const char *cve)
{
    json_key(&x->w, "external_references");
    json_arr(&x->w);
    if (cve) {
        json_obj(&x->w);
        json_kv(&x->w, "source_name", "cve");
        json_kv(&x->w, "external_id", cve);
        json_close(&x->w);
    }
    json_obj(&x->w);
    json_kv(&x->w, "source_name", x->m->source);
    json_kv(&x->w, "external_id", x->m->alert_id);
    json_close(&x->w);
    json_close(&x->w);
}

static void stix_marking(struct stix *x)
{
    char name[24];

    snprintf(name, sizeof(name), "TLP:%s", stix_tlp2[x->tlp].label);
    json_obj(&x->w);
    stix_common(x, "marking-definition", stix_tlp2[x->tlp].id);
    json_kv(&x->w, "created", "2022-10-01T00:00:00.000Z");
    json_kv(&x->w, "name", name);
    json_key(&x->w, "extensions");
    json_obj(&x->w);
    json_key(&x->w, STIX_TLP2_EXT);
    json_obj(&x->w);
    json_kv(&x->w, "extension_type", "property-extension");
    json_kv(&x->w, "tlp_2_0", stix_tlp2[x->tlp].level);
    json_close(&x->w);
    json_close(&x->w);
    json_close(&x->w);
}

/* The cyber-observable type of an indicator, and the hash's name. */
static const char *stix_sco(enum ind_type t, const char **hash)
{
    *hash = t == IND_MD5 ? "MD5" : t == IND_SHA1 ? "SHA-1"
          : t == IND_SHA256 ? "SHA-256" : t == IND_SHA512 ? "SHA-512" : NULL;
    switch (t) {
    case IND_IPV4: case IND_NET4: return "ipv4-addr";
    case IND_IPV6: case IND_NET6: return "ipv6-addr";
    case IND_DOMAIN: return "domain-name";
    case IND_URL: return "url";
    case IND_EMAIL: return "email-addr";
    case IND_CVE: return NULL;
    default: return "file";
    }
}

/* A STIX pattern string literal: ' and \ escaped. */
static int stix_literal(struct buf *b, const char *v)
{
    int rc = buf_putc(b, '\'');

    for (; *v && rc == 0; v++) {
        if (*v == '\'' || *v == '\\')
            rc = buf_putc(b, '\\');
        if (rc == 0)
            rc = buf_putc(b, *v);
    }
    return rc ? rc : buf_putc(b, '\'');
}

static int stix_pattern(const struct indicator *i, struct buf *p)
{
    const char *hash, *sco = stix_sco(i->type, &hash);
    int rc = hash ? buf_printf(p, "[file:hashes.'%s' = ", hash)
                  : buf_printf(p, "[%s:value %s ", sco,
                               i->type == IND_NET4 || i->type == IND_NET6
                               ? "ISSUBSET" : "=");

    rc = rc ? rc : stix_literal(p, i->value);
    return rc ? rc : buf_putc(p, ']');
}

static void stix_described(struct stix *x, const struct indicator *i)
{
    if (i->context[0] && (!x->anonymised || i->context_clean))
        json_kv(&x->w, "description", i->context);
}

static int stix_indicator(struct stix *x, const struct indicator *i)
{
    char id[STIX_ID_MAX], from[STIX_TIME_MAX];
    struct buf pat;

    buf_init(&pat, INDICATOR_VALUE_MAX * 2 + 64);
    if (stix_id("indicator", id) != 0 || stix_pattern(i, &pat) != 0) {
        buf_free(&pat);
        return -1;
    }
    stix_time(x, i->first_seen, from);
    json_obj(&x->w);
    stix_common(x, "indicator", id);
    stix_dated(x);
    json_kv(&x->w, "name", i->value);
    stix_described(x, i);
    json_key(&x->w, "indicator_types");
    json_arr(&x->w);
    json_str(&x->w, "malicious-activity");
    json_close(&x->w);
    json_kv(&x->w, "pattern", buf_cstr(&pat));
    json_kv(&x->w, "pattern_type", "stix");
    json_kv(&x->w, "valid_from", from);
    stix_marked(x);
    stix_refs(x, NULL);
    json_close(&x->w);
    buf_free(&pat);
    return 0;
}

/* The cyber-observable and the observed-data that reports it: first and
 * last observed as the alert states them, else when it was signed. */
static int stix_observed(struct stix *x, const struct indicator *i)
{
    char sid[STIX_ID_MAX], oid[STIX_ID_MAX];
    char first[STIX_TIME_MAX], last[STIX_TIME_MAX];
    const char *hash, *sco = stix_sco(i->type, &hash);

    if (stix_id(sco, sid) != 0 || stix_id("observed-data", oid) != 0)
        return -1;
    stix_time(x, i->first_seen[0] ? i->first_seen : i->last_seen, first);
    stix_time(x, i->last_seen[0] ? i->last_seen : i->first_seen, last);
    if (strcmp(last, first) < 0)
        memcpy(last, first, sizeof(last));
    json_obj(&x->w);
    stix_common(x, sco, sid);
    if (hash) {
        json_key(&x->w, "hashes");
        json_obj(&x->w);
        json_kv(&x->w, hash, i->value);
        json_close(&x->w);
    } else {
        json_kv(&x->w, "value", i->value);
    }
    stix_marked(x);
    json_close(&x->w);
    json_obj(&x->w);
    stix_common(x, "observed-data", oid);
    stix_dated(x);
    json_kv(&x->w, "first_observed", first);
    json_kv(&x->w, "last_observed", last);
    json_key(&x->w, "number_observed");
    json_int(&x->w, 1);
    json_key(&x->w, "object_refs");
    json_arr(&x->w);
    json_str(&x->w, sid);
    json_close(&x->w);
    stix_marked(x);
    stix_refs(x, NULL);
    json_close(&x->w);
    return 0;
}

static int stix_vulnerability(struct stix *x, const struct indicator *i)
{
    char id[STIX_ID_MAX];

    if (stix_id("vulnerability", id) != 0)
        return -1;
    json_obj(&x->w);
    stix_common(x, "vulnerability", id);
    stix_dated(x);
    json_kv(&x->w, "name", i->value);
    stix_described(x, i);
    stix_marked(x);
    stix_refs(x, i->value);
    json_close(&x->w);
    return 0;
}

static int stix_tlp_index(const char *label, size_t *out)
{
    size_t i;

    for (i = 0; i < sizeof(stix_tlp2) / sizeof(stix_tlp2[0]); i++)
        if (strcmp(label, stix_tlp2[i].label) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

int indicators_stix(const struct indicators *s,
                    const struct indicators_meta *m, int anonymised,
                    struct buf *out, struct err *e)
{
    struct stix x;
    struct tm tm;
    char bid[STIX_ID_MAX];
    size_t i;
    int rc = 0;

    memset(&x, 0, sizeof(x));
    x.m = m;
    x.anonymised = anonymised;
    if (stix_tlp_index(m->tlp, &x.tlp) != 0)
        return err_set(e, ERR_SOFTWARE, "no TLP 2.0 marking for '%s'",
                       m->tlp);
    if (gmtime_r(&m->created, &tm) == NULL ||
        strftime(x.created, sizeof(x.created), "%Y-%m-%dT%H:%M:%S.000Z",
                 &tm) == 0 || stix_id("bundle", bid) != 0)
        return err_set(e, ERR_SOFTWARE, "cannot make a STIX id or time");
    json_init(&x.w, out);
    json_obj(&x.w);
    json_kv(&x.w, "type", "bundle");
    json_kv(&x.w, "id", bid);
    json_key(&x.w, "objects");
    json_arr(&x.w);
    stix_marking(&x);
    for (i = 0; i < s->n && rc == 0; i++)
        rc = s->v[i].type == IND_CVE
             ? stix_vulnerability(&x, &s->v[i])
             : stix_indicator(&x, &s->v[i]) || stix_observed(&x, &s->v[i]);
    json_close(&x.w);
    json_close(&x.w);
    if (rc != 0)
        return err_set(e, ERR_TEMP, "cannot make a random STIX id");
    rc = json_end(&x.w);
    if (rc == BUF_ENOMEM)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (rc != 0)
        return err_set(e, ERR_TOOBIG, "indicators.json too large");
    return 0;
}
