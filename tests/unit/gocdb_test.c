/* gocdb: get_site XML into sites; separators, masks, IPv6, missing parts,
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "registry/gocdb.h"
#include "util/buf.h"
#include "util/file.h"

static struct gocdb *parse_file(const char *name, struct err *e)
{
    char path[512];
    struct gocdb *g = NULL;
    struct buf b;

    snprintf(path, sizeof(path), "%s/tests/data/gocdb/%s", AGW_SOURCE_DIR,
             name);
    buf_init(&b, 1 << 20);
    if (file_read(path, 1 << 20, &b) != 0)
        fail_msg("cannot read %s", path);
    err_init(e);
    gocdb_parse(b.data, b.len, &g, e);
    buf_free(&b);
    return g;
}

static struct gocdb *parse_text(const char *xml, struct err *e)
{
    struct gocdb *g = NULL;

    err_init(e);
    gocdb_parse(xml, strlen(xml), &g, e);
    return g;
}

/* All values of one kind of site i, space-separated. */
static const char *values(const struct gocdb *g, size_t i, int kind)
{
    static char out[512];
    const char *v;
    size_t j, n = 0;

    out[0] = '\0';
    for (j = 0; (v = sites_value(gocdb_sites(g), i, kind, j)); j++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", j ? " " : "",
                              v);
    return out;
}

static void test_fixture(void **state)
{
    static const struct {
        const char *name, *roc, *email, *alias, *domains, *nets;
    } want[] = {
        {"GOC-T1", "NGI_EX", "csirt@t1.example.org", "Example Tier-1 Centre",
         "t1.example.org",
         "203.0.113.0/25 203.0.113.128/26 2001:db8:10::/48"},
        {"GOC-T2", "NGI_EX", "security@t2.example.edu; cert@t2.example.edu",
         "Example University Tier-2", "t2.example.edu",
         "100.64.1.0/24 100.64.2.0/23 2001:db8:20::/48 2001:db8:21::/64"},
        {"LONELY-SITE", "", "", "", "", ""},
    };
    struct err e;
    struct gocdb *g = parse_file("get_site.xml", &e);
    const struct gocdb_site *s;
    size_t i;

    (void)state;
    if (g == NULL)
        fail_msg("parse: %s", e.msg);
    assert_int_equal(gocdb_count(g), 3);
    for (i = 0; i < 3; i++) {
        s = gocdb_site(g, i);
        if (strcmp(s->name, want[i].name) || strcmp(s->roc, want[i].roc) ||
            strcmp(s->csirt_email, want[i].email))
            fail_msg("site %zu: got %s/%s/%s, want %s/%s/%s", i, s->name,
                     s->roc, s->csirt_email, want[i].name, want[i].roc,
                     want[i].email);
        if (strcmp(values(g, i, 'a'), want[i].alias) ||
            strcmp(values(g, i, 'd'), want[i].domains))
            fail_msg("site %zu: got alias '%s' domains '%s'", i,
                     values(g, i, 'a'), values(g, i, 'd'));
        if (strcmp(values(g, i, 'n'), want[i].nets))
            fail_msg("site %zu: got networks '%s', want '%s'", i,
                     values(g, i, 'n'), want[i].nets);
    }
    gocdb_free(g);
}

static void test_refused(void **state)
{
    static const struct { const char *xml, *why; } cases[] = {
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME>", "well-formed"},
        {"<results><SITE><ROC>X</ROC></SITE></results>", "SHORT_NAME"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME></SITE>"
         "<SITE><SHORT_NAME>A</SHORT_NAME></SITE></results>", "twice"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><SITE_IP>192.0.2.0/"
         "255.0.255.0</SITE_IP></SITE></results>", "bad network"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><SITE_IPV6>2001:db8::/"
         "129</SITE_IPV6></SITE></results>", "bad network"},
        /* Regression (issue 16): a site's network of 0.0.0.0/0 or ::/0
         * was imported, and every address of every alert replaced. */
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><SITE_IP>0.0.0.0/"
         "0.0.0.0</SITE_IP></SITE></results>",
         "GOCDB site A: network '0.0.0.0/0.0.0.0' too wide for a site"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><SITE_IPV6>::/0"
         "</SITE_IPV6></SITE></results>",
         "GOCDB site A: network '::/0' too wide for a site"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><DOMAIN><DOMAIN_NAME>"
         "bad domain</DOMAIN_NAME></DOMAIN></SITE></results>", "bad domain"},
        {"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><results>"
         "<SITE><SHORT_NAME>&x;</SHORT_NAME></SITE></results>", "DOCTYPE"},
        {"<results><SITE><SHORT_NAME>A</SHORT_NAME><ROC>&undeclared;</ROC>"
         "</SITE></results>", "well-formed"},
    };
    struct gocdb *g;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        g = parse_text(cases[i].xml, &e);
        if (g != NULL) {
            gocdb_free(g);
            fail_msg("case %zu: got success, want '%s'", i, cases[i].why);
        }
        if (e.code != ERR_DATA || strstr(e.msg, cases[i].why) == NULL)
            fail_msg("case %zu: got '%s', want ERR_DATA with '%s'", i, e.msg,
                     cases[i].why);
    }
}

static struct gocdb *parse_mem(const char *xml, size_t len, struct err *e)
{
    struct gocdb *g = NULL;

    err_init(e);
    gocdb_parse(xml, len, &g, e);
    return g;
}

/* xml must be refused as ERR_DATA with why in the message. */
static void want_refused(const char *what, const char *xml, size_t len,
                         const char *why)
{
    struct gocdb *g;
    struct err e;

    if ((g = parse_mem(xml, len, &e)) != NULL) {
        gocdb_free(g);
        fail_msg("%s: got success, want '%s'", what, why);
    }
    if (e.code != ERR_DATA || strstr(e.msg, why) == NULL)
        fail_msg("%s: got '%s', want ERR_DATA with '%s'", what, e.msg, why);
}

/* One 50 KB internal entity referenced 20,000 times in OFFICIAL_NAME made
 * a 110 KB export 990 MB once the text was read: a DOCTYPE or entity
 * declaration is refused before libxml2 sees the file, in any case, and
 * however the file says it is encoded. */
static void test_doctype_refused(void **state)
{
    static const struct { const char *what, *xml, *why; } cases[] = {
        {"internal entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE results ["
         "<!ENTITY big \"xxxxxxxxxxxxxxxx\">]>\n<results><SITE><SHORT_NAME>"
         "A</SHORT_NAME><OFFICIAL_NAME>&big;&big;&big;</OFFICIAL_NAME>"
         "</SITE></results>", "a DOCTYPE (byte 22) refused"},
        {"billion laughs", "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
         "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
         "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
         "<results><SITE><SHORT_NAME>&lol2;</SHORT_NAME></SITE></results>",
         "DOCTYPE"},
        {"external DTD", "<!DOCTYPE results SYSTEM \"http://gocdb.example/"
         "x.dtd\"><results/>", "DOCTYPE"},
        {"lower case", "<!doctype results><results/>", "DOCTYPE"},
        {"entity declaration alone", "<results><!ENTITY x \"y\"></results>",
         "entity declaration"},
    };
    /* UTF-16 (with its BOM): no ASCII "<!DOCTYPE" for a byte scan */
    static const char utf16[] = "\xff\xfe<\0!\0D\0O\0C\0T\0Y\0P\0E\0 \0r\0"
                                " \0[\0]\0>\0<\0r\0/\0>\0";
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        want_refused(cases[i].what, cases[i].xml, strlen(cases[i].xml),
                     cases[i].why);
    want_refused("UTF-16", utf16, sizeof(utf16) - 1, "well-formed");
    /* read as UTF-8, "+ADw-" is text, never a '<': no SITE at all */
    want_refused("UTF-7", "<?xml version=\"1.0\" encoding=\"UTF-7\"?>"
                 "<results>+ADw-SITE+AD4-+ADw-SHORT_NAME+AD4-A+ADw-/SHORT_NAME"
                 "+AD4-+ADw-/SITE+AD4-</results>",
                 strlen("<?xml version=\"1.0\" encoding=\"UTF-7\"?>"
                        "<results>+ADw-SITE+AD4-+ADw-SHORT_NAME+AD4-A+ADw-/"
                        "SHORT_NAME+AD4-+ADw-/SITE+AD4-</results>"),
                 "no SITE or NGI element");
}

/* Regression (issue 16): an answer with no SITE (a wrong query, an
 * error page in XML) reported every known site as gone. */
static void test_no_site_refused(void **state)
{
    static const char empty[] = "<results/>";
    static const char other[] = "<results><SERVICE_ENDPOINT><HOSTNAME>x"
                                "</HOSTNAME></SERVICE_ENDPOINT></results>";

    (void)state;
    want_refused("empty results", empty, strlen(empty),
                 "neither a get_site nor a get_ngi answer");
    want_refused("get_service_endpoint", other, strlen(other),
                 "no SITE or NGI element");
}

/* get_ngi: NGIs with their security officers' addresses; COUNTRY_CODE,
 * not COUNTRY, is a site's country. */
static void test_get_ngi_and_country_code(void **state)
{
    struct gocdb *g;
    struct err e;

    (void)state;
    g = parse_text("<results><NGI ID=\"1\"><NAME>NGI_EX</NAME>"
                   "<EMAIL>ops@ngi.example</EMAIL><SECURITY_EMAIL>"
                   "security@ngi.example; so2@ngi.example</SECURITY_EMAIL>"
                   "<COUNTRY_CODE>EX</COUNTRY_CODE></NGI><NGI><NAME>NGI_EY"
                   "</NAME></NGI></results>", &e);
    if (g == NULL)
        fail_msg("get_ngi: %s", e.msg);
    assert_int_equal(gocdb_count(g), 0);
    assert_int_equal(gocdb_ngi_count(g), 2);
    assert_string_equal(gocdb_ngi(g, 0)->name, "NGI_EX");
    assert_string_equal(gocdb_ngi(g, 0)->security_email,
                        "security@ngi.example; so2@ngi.example");
    assert_string_equal(gocdb_ngi(g, 0)->country, "EX");
    assert_string_equal(gocdb_ngi(g, 1)->security_email, "");
    assert_null(gocdb_ngi(g, 2));
    gocdb_free(g);
    want_refused("NGI without NAME", "<results><NGI><SECURITY_EMAIL>a@b"
                 "</SECURITY_EMAIL></NGI></results>",
                 strlen("<results><NGI><SECURITY_EMAIL>a@b</SECURITY_EMAIL>"
                        "</NGI></results>"), "an NGI without NAME");
    g = parse_text("<results><SITE><SHORT_NAME>A</SHORT_NAME><COUNTRY>"
                   "Examplia</COUNTRY><COUNTRY_CODE>EX</COUNTRY_CODE></SITE>"
                   "</results>", &e);
    if (g == NULL)
        fail_msg("country: %s", e.msg);
    assert_string_equal(gocdb_site(g, 0)->country, "EX");
    gocdb_free(g);
}

/* A field's length is checked while its text is read, split over text
 * and CDATA nodes or not. */
static void test_field_too_long(void **state)
{
    struct buf b;
    size_t text;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_puts(&b, "<results><SITE><SHORT_NAME>A</SHORT_NAME>"
                              "<OFFICIAL_NAME>"), 0);
    for (text = 0; text <= GOCDB_FIELD_MAX; text += 13)
        assert_int_equal(buf_puts(&b, "0123456789<![CDATA[abc]]>"), 0);
    assert_int_equal(buf_puts(&b, "</OFFICIAL_NAME></SITE></results>"), 0);
    want_refused("long OFFICIAL_NAME", b.data, b.len,
                 "GOCDB site A: OFFICIAL_NAME longer than 4096 bytes");
    buf_free(&b);
}

static void test_lenient(void **state)
{
    struct err e;
    struct gocdb *g = parse_text(
        "<results><SITE><SHORT_NAME> A </SHORT_NAME><SITE_IP> ; 192.0.2.1/"
        "255.255.255.255 ,,</SITE_IP><SITE_IPV6></SITE_IPV6>"
        "<DOMAIN>old.example</DOMAIN></SITE><other/></results>", &e);

    (void)state;
    if (g == NULL)
        fail_msg("parse: %s", e.msg);
    assert_string_equal(gocdb_site(g, 0)->name, "A");
    assert_string_equal(values(g, 0, 'n'), "192.0.2.1/32");
    assert_string_equal(values(g, 0, 'd'), "old.example");
    gocdb_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_no_site_refused),
        cmocka_unit_test(test_get_ngi_and_country_code),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_lenient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
