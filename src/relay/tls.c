/* tls - authenticating the smtp:// relay after STARTTLS: its
 * certificate against the pin, or its chain and name with GnuTLS. */
#include "relay/deliver_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <libetpan/carray.h>
#include <libetpan/mailstream.h>
#include <libetpan/mailstream_ssl.h>
#include <libetpan/mmapstring.h>

#include "util/sha256.h"

int smtp_verify_applies(const struct deliver *d)
{
    if (d->verify == DELIVER_VERIFY_AUTO)
        return !smtp_loopback(d->target);
    return d->verify == DELIVER_VERIFY_YES;
}

static const char *smtp_ca_file(const struct deliver *d)
{
    return d->ca_file ? d->ca_file : DELIVER_CA_FILE;
}

/* A CRL past its next update may miss a revocation made since: refused
 * like a CA file that cannot be used, so the operator refreshes it. */
static int smtp_crl_fresh(gnutls_x509_crl_t *crls, unsigned n,
                          const char *file, char *why, size_t size)
{
    time_t now = time(NULL), next;
    unsigned i;

    for (i = 0; i < n; i++) {
        next = gnutls_x509_crl_get_next_update(crls[i]);
        if (next != (time_t)-1 && next < now) {
            snprintf(why, size, "smtp_tls_crl_file %s: CRL %u is out of "
                     "date (next update was due %lld seconds ago)", file,
                     i + 1, (long long)(now - next));
            return -1;
        }
    }
    return 0;
}

/* The CRL file into the trust list. Its CRLs are trusted as the CA file
 * is (both are the operator's), so they are not verified against the
 * roots: GnuTLS would drop every CRL an intermediate issued. The list
 * owns the CRLs once they are added. */
static int smtp_crl_load(struct deliver *d, char *why, size_t size)
{
    gnutls_datum_t raw = {NULL, 0};
    gnutls_x509_crl_t *crls = NULL;
    unsigned i, n = 0;
    int rc;

    if (d->crl_file == NULL)
        return 0;
    rc = gnutls_load_file(d->crl_file, &raw);
    if (rc >= 0)
        rc = gnutls_x509_crl_list_import2(&crls, &n, &raw,
                                          GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(raw.data);
    if (rc < 0 || n == 0) {
        snprintf(why, size, "smtp_tls_crl_file %s: %s", d->crl_file,
                 rc < 0 ? gnutls_strerror(rc) : "no CRL in it");
        return -1;
    }
    if (smtp_crl_fresh(crls, n, d->crl_file, why, size) != 0) {
        for (i = 0; i < n; i++)
            gnutls_x509_crl_deinit(crls[i]);
        gnutls_free(crls);
        return -1;
    }
    /* Added CRLs belong to the list, even when a later one fails (out of
     * memory): those are left to it, never freed twice. */
    rc = gnutls_x509_trust_list_add_crls(d->trust, crls, n, 0, 0);
    gnutls_free(crls);
    if (rc >= 0)
        return 0;
    snprintf(why, size, "smtp_tls_crl_file %s: %s", d->crl_file,
             gnutls_strerror(rc));
    return -1;
}

/* The CA and CRL files, once per deliver handle (the Debian bundle holds
 * ~150 certificates: a few ms, not worth paying per connection). */
int smtp_trust_load(struct deliver *d, char *why, size_t size)
{
    int n;

    if (d->trust != NULL)
        return 0;
    if (gnutls_x509_trust_list_init(&d->trust, 0) < 0) {
        d->trust = NULL;
        snprintf(why, size, "cannot set up a trust list");
        return -1;
    }
    n = gnutls_x509_trust_list_add_trust_file(d->trust, smtp_ca_file(d),
                                              NULL, GNUTLS_X509_FMT_PEM,
                                              0, 0);
    if (n > 0 && smtp_crl_load(d, why, size) == 0)
        return 0;
    if (n <= 0)
        snprintf(why, size, "smtp_tls_ca_file %s: %s", smtp_ca_file(d),
                 n < 0 ? gnutls_strerror(n) : "no CA certificate in it");
    gnutls_x509_trust_list_deinit(d->trust, 1);
    d->trust = NULL;
    return -1;
}

/* The certificates the relay sent, leaf first: libetpan hands over the
 * whole list (gnutls_certificate_get_peers), so intermediates need not be
 * in the CA file. At most DELIVER_CHAIN_MAX are kept; the rest cannot
 * matter to a sane chain. Returns how many are in crts (0: none). */
static unsigned smtp_chain_get(mailstream *stream, gnutls_x509_crt_t *crts)
{
    carray *chain = mailstream_get_certificate_chain(stream);
    unsigned i, n = 0;

    for (i = 0; chain != NULL && i < carray_count(chain); i++) {
        MMAPString *der = carray_get(chain, i);
        gnutls_datum_t dt = {(unsigned char *)der->str, (unsigned)der->len};

        if (n < DELIVER_CHAIN_MAX && gnutls_x509_crt_init(&crts[n]) >= 0) {
            if (gnutls_x509_crt_import(crts[n], &dt, GNUTLS_X509_FMT_DER) < 0)
                gnutls_x509_crt_deinit(crts[n]);
            else
                n++;
        }
        mmap_string_free(der);
    }
    if (chain != NULL)
        carray_free(chain);
    return n;
}

/* GnuTLS verification status → the first reason an operator can act on. */
static const char *smtp_status_text(unsigned status)
{
    static const struct { unsigned bit; const char *text; } tab[] = {
        {GNUTLS_CERT_EXPIRED, "certificate expired"},
        {GNUTLS_CERT_NOT_ACTIVATED, "certificate not yet valid"},
        {GNUTLS_CERT_REVOKED, "certificate revoked"},
        {GNUTLS_CERT_SIGNER_NOT_FOUND, "issuer not in smtp_tls_ca_file"},
        {GNUTLS_CERT_SIGNER_NOT_CA, "issuer is not a CA"},
        {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure signature algorithm"},
        {GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature"},
        {GNUTLS_CERT_PURPOSE_MISMATCH, "not a TLS server certificate"},
        {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "issuer constraints"},
    };
    size_t i;

    for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (status & tab[i].bit)
            return tab[i].text;
    return "chain does not verify";
}

/* Chain against the CA file (dates included: GnuTLS checks them unless
 * told not to), then the leaf against the host name of the spec. 0 when
 * both pass; otherwise why holds the reason. */
int smtp_cert_verify(struct smtp_run *run, char *why, size_t size)
{
    gnutls_x509_crt_t crts[DELIVER_CHAIN_MAX];
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER,
                                     0};
    const char *host = run->d->target, *bad = NULL;
    unsigned n, i, status = 0;
    char load[DELIVER_REPLY_MAX];

    if (smtp_trust_load(run->d, load, sizeof(load)) != 0) {
        snprintf(why, size, "relay certificate not verified: %.200s", load);
        return -1;
    }
    n = smtp_chain_get(run->s->stream, crts);
    if (n == 0)
        bad = "no X.509 certificate";
    else if (gnutls_x509_trust_list_verify_crt2(run->d->trust, crts, n,
                                                &purpose, 1, 0, &status,
                                                NULL) < 0 || status != 0)
        bad = smtp_status_text(status);
    else if (!gnutls_x509_crt_check_hostname2(crts[0], host, 0))
        bad = "certificate does not name the relay";
    for (i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    if (bad == NULL)
        return 0;
    snprintf(why, size, "relay certificate not verified: %s", bad);
    return -1;
}

/* The relay's certificate (DER) must hash to the pin, when one is set:
 * checked before anything but EHLO and STARTTLS went over the session. */
int smtp_pin_ok(struct smtp_run *run)
{
    unsigned char *der = NULL;
    ssize_t n;
    char got[SHA256_HEX];

    n = mailstream_ssl_get_certificate(run->s->stream, &der);
    if (n <= 0 || der == NULL) {
        free(der);
        return 0;
    }
    sha256_hex_of(der, (size_t)n, got);
    free(der);
    return strcmp(got, run->d->pin) == 0;
}
