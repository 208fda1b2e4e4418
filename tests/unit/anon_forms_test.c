/* anon_forms_test - issue 14, the forms the anonymiser learned after the
 * leak detector held them: look-alike letters, percent-encoding, numeric
 * URL hosts, IPv4 ranges, DC components, names split by HTML tags with
 * attributes. Each is replaced by the placeholder its plain form gets in
 * the same text, and the independent leak detector (mail/leak.c) finds
 * nothing left in what comes out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/anon.h"
#include "mail/leak.h"

#ifndef AGW_SOURCE_DIR
#define AGW_SOURCE_DIR "."
#endif

#define OUT_MAX (1u << 20)

static const char sites_text[] =
    "EXAMPLE-T2 \"ExGrid\" grid.inst.example inst.example "
    "192.0.2.0/255.255.255.0 2001:db8:77::/48\n"
    "RAL rl.example 198.51.100.0/24\n"
    "CERN cern.ch 128.142.0.0/16\n";

struct fixture {
    struct sites *s;
    struct anon *a;
    struct leak *l;
};

static int setup(void **state)
{
    static struct fixture f;
    char rules[4096];
    const char *src = getenv("AGW_SOURCE_DIR");
    struct err e;

    err_init(&e);
    snprintf(rules, sizeof rules, "%s/rules", src ? src : AGW_SOURCE_DIR);
    f.s = sites_new();
    if (sites_load_text(f.s, sites_text, sizeof sites_text - 1, "t", &e)
        || anon_new(&f.a, f.s, rules, &e) || leak_new(&f.l, f.s, &e)) {
        print_error("setup: %s\n", e.msg);
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    leak_free(f->l);
    anon_free(f->a);
    sites_free(f->s);
    return 0;
}

struct form_case {
    const char *name;
    const char *in;
    const char *want;
};

/* One case: anonymised as wanted, and the detector passes the result. */
static int run_case(struct fixture *f, const struct form_case *c, int html)
{
    struct anon_map *m = anon_map_new();
    struct buf out;
    struct err e;
    int bad = 0, rc;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    rc = html ? anon_apply_html(f->a, m, c->in, strlen(c->in), &out, NULL, &e)
              : anon_apply(f->a, m, c->in, strlen(c->in), &out, NULL, &e);
    if (rc != 0) {
        print_error("%s: got error '%s', want \"%s\"\n", c->name, e.msg,
                    c->want);
        bad = 1;
    } else if (strcmp(buf_cstr(&out), c->want) != 0) {
        print_error("%s: got \"%s\", want \"%s\"\n", c->name, buf_cstr(&out),
                    c->want);
        bad = 1;
    } else if (leak_check(f->l, out.data, out.len, html ? LEAK_HTML : 0,
                          c->name, &e) != 0) {
        print_error("%s: the detector holds the result: %s\n", c->name,
                    e.msg);
        bad = 1;
    }
    buf_free(&out);
    anon_map_free(m);
    return bad;
}

static int run_cases(struct fixture *f, const struct form_case *v, size_t n,
                     int html)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < n; i++)
        bad += run_case(f, &v[i], html);
    return bad;
}

/* Look-alike letters: Cyrillic, Greek, fullwidth, ideographic full stops
 * (the detector held "EX<U+0410>MPLE-T2"). */
static const struct form_case look_cases[] = {
    {"cyrillic A", "EX\xd0\x90MPLE-T2 and EXAMPLE-T2",
     "[SITE-1] and [SITE-1]"},
    {"cyrillic in an alias and a host",
     "\xd0\x95xGrid, wn01.grid.\xd1\x96nst.example, wn01.grid.inst.example",
     "[SITE-1], host1.site1.invalid, host1.site1.invalid"},
    {"greek alpha, cyrillic ie", "RAL, R\xce\x91L and CERN at c\xd0\xb5rn.ch",
     "[SITE-1], [SITE-1] and [SITE-2] at site2.invalid"},
    {"fullwidth letters and stops",
     "\xef\xbc\xa5\xef\xbc\xb8\xef\xbc\xa1\xef\xbc\xad\xef\xbc\xb0\xef\xbc"
     "\xac\xef\xbc\xa5-T2 wn01\xe3\x80\x82grid\xef\xbc\x8einst.example",
     "[SITE-1] host1.site1.invalid"},
    {"accents", "\xc3\x89xGrid ExGrid", "[SITE-1] [SITE-1]"},
    /* NFD text and word processors: a combining accent, Unicode hyphens
     * and dashes, the one dot leader */
    {"combining mark, hyphens, dashes", "EXA\xcc\x81MPLE-T2, "
     "EXAMPLE\xe2\x80\x90T2, EXAMPLE\xe2\x80\x93T2, wn01.grid.inst"
     "\xe2\x80\xa4" "example, ExGrid\xcc\x81",
     "[SITE-1], [SITE-1], [SITE-1], host1.site1.invalid, [SITE-1]\xcc\x81"},
    {"marks and dashes elsewhere stay", "cafe\xcc\x81, pages 3\xe2\x80\x93"
     "5, 203.0.113.5\xe2\x80\x93" "9",
     "cafe\xcc\x81, pages 3\xe2\x80\x93" "5, 203.0.113.5\xe2\x80\x93" "9"},
    /* what is not a site stays as written, look-alikes and all */
    {"others stay", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
     "Universit\xc3\xa9 \xd0\xb5vil.example",
     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
     "Universit\xc3\xa9 \xd0\xb5vil.example"},
};

static void test_look_alikes(void **state)
{
    assert_int_equal(run_cases(*state, look_cases, sizeof look_cases
                               / sizeof *look_cases, 0), 0);
}

/* Letters outside the two-byte range that NFKC folds to ASCII (the
 * detector held mathematical bold "EXAMPLE-T2"): four-byte mathematical
 * alphanumerics, circled and squared letters, letterlike symbols; the
 * look-alike letters go with the identifier. */
static const struct form_case sym_cases[] = {
    {"mathematical bold name and digit",
     "\xf0\x9d\x90\x84\xf0\x9d\x90\x97\xf0\x9d\x90\x80\xf0\x9d\x90"
     "\x8c\xf0\x9d\x90\x8f\xf0\x9d\x90\x8b\xf0\x9d\x90\x84-\xf0\x9d"
     "\x90\x93\xf0\x9d\x9f\x90 and EXAMPLE-T2",
     "[SITE-1] and [SITE-1]"},
    {"fraktur in a host", "wn01.grid.\xf0\x9d\x94\xa6\xf0\x9d\x94\xab"
     "\xf0\x9d\x94\xb0\xf0\x9d\x94\xb1.example, wn01.grid.inst.example",
     "host1.site1.invalid, host1.site1.invalid"},
    {"bold alias", "\xf0\x9d\x90\x84\xf0\x9d\x90\xb1\xf0\x9d\x90\x86"
     "\xf0\x9d\x90\xab\xf0\x9d\x90\xa2\xf0\x9d\x90\x9d: ExGrid",
     "[SITE-1]: [SITE-1]"},
    {"circled, squared, double-struck, monospace",
     "\xe2\x92\xb8\xe2\x92\xba\xe2\x93\x87\xe2\x93\x83 "
     "\xf0\x9f\x85\x81\xf0\x9f\x84\xb0\xf0\x9f\x84\xbb "
     "\xe2\x84\x9d\xf0\x9d\x94\xb8\xf0\x9d\x95\x83 "
     "\xf0\x9d\x99\xb2\xf0\x9d\x99\xb4\xf0\x9d\x9a\x81\xf0\x9d\x99"
     "\xbd.ch CERN",
     "[SITE-1] [SITE-2] [SITE-2] site1.invalid [SITE-1]"},
    /* not a site: stays as written, emoji and all */
    {"others stay", "\xf0\x9d\x90\x87\xf0\x9d\x90\x9e\xf0\x9d\x90\xa5"
     "\xf0\x9d\x90\xa5\xf0\x9d\x90\xa8 \xe2\x93\xa7 \xf0\x9f\x84\xb0"
     "\xf0\x9f\x84\xb1 \xf0\x9d\x90\x9e\xf0\x9d\x90\xaf\xf0\x9d\x90"
     "\xa2\xf0\x9d\x90\xa5.example \xf0\x9f\x99\x82 \xe2\x91\xa9",
     "\xf0\x9d\x90\x87\xf0\x9d\x90\x9e\xf0\x9d\x90\xa5"
     "\xf0\x9d\x90\xa5\xf0\x9d\x90\xa8 \xe2\x93\xa7 \xf0\x9f\x84\xb0"
     "\xf0\x9f\x84\xb1 \xf0\x9d\x90\x9e\xf0\x9d\x90\xaf\xf0\x9d\x90"
     "\xa2\xf0\x9d\x90\xa5.example \xf0\x9f\x99\x82 \xe2\x91\xa9"},
    /* broken and overlong four-byte sequences are no letters */
    {"broken UTF-8 stays", "RA\xf0\x9d\x90 L \xf0\x82\x81\xb0",
     "RA\xf0\x9d\x90 L \xf0\x82\x81\xb0"},
};

static void test_symbols(void **state)
{
    assert_int_equal(run_cases(*state, sym_cases, sizeof sym_cases
                               / sizeof *sym_cases, 0), 0);
}

/* Percent-encoded names and hosts in URLs (the detector held
 * "grid.inst%2Eexample"). */
static const struct form_case pct_cases[] = {
    {"encoded dot", "http://wn01.grid.inst%2Eexample/x wn01.grid.inst.example",
     "http://host1.site1.invalid/x host1.site1.invalid"},
    {"encoded letters", "https://%77n01.grid.inst.ex%61mple/?q=EX%41MPLE-T2",
     "https://host1.site1.invalid/?q=[SITE-1]"},
    {"encoded look-alike", "http://ex%D0%B0mple.cern.ch/",
     "http://host1.site1.invalid/"},
    {"mailto", "mailto:jo.smith%40inst.example",
     "mailto:user1@site1.invalid"},
    {"others stay", "100%25 sure, a%20b, x%2Ey, %zz",
     "100%25 sure, a%20b, x%2Ey, %zz"},
};

static void test_percent(void **state)
{
    assert_int_equal(run_cases(*state, pct_cases, sizeof pct_cases
                               / sizeof *pct_cases, 0), 0);
}

/* Numeric URL hosts as inet_aton reads them (the detector held
 * "3221225985"): the placeholder of the dotted address. */
static const struct form_case url_cases[] = {
    {"decimal, hex, octal",
     "http://3221225985/ hxxp://0xC0000201/x https://0300.0.02.01:443/ "
     "192.0.2.1",
     "http://[IP-1]/ hxxp://[IP-1]/x https://[IP-1]:443/ [IP-1]"},
    {"two and three parts, user info", "ftp://u@192.0.513/ http://192.513/ "
     "http://0xc0.0x0.0x2.0x1/",
     "ftp://u@[IP-1]/ http://[IP-1]/ http://[IP-1]/"},
    {"defanged", "hxxp[:]//3221225985/", "hxxp[:]//[IP-1]/"},
    {"others stay", "http://3405803785/ http://1234/ http://0x7f000001/ "
     "http://12abc/ cp 3221225985",
     "http://3405803785/ http://1234/ http://0x7f000001/ http://12abc/ "
     "cp 3221225985"},
};

static void test_url_hosts(void **state)
{
    assert_int_equal(run_cases(*state, url_cases, sizeof url_cases
                               / sizeof *url_cases, 0), 0);
}

/* IPv4 ranges inside a site network (they stayed readable): each end the
 * placeholder of its address. */
static const struct form_case range_cases[] = {
    {"short and long", "192.0.2.5-9, 192.0.2.5-192.0.2.9 and 192.0.2.9",
     "[IP-1]-[IP-2], [IP-1]-[IP-2] and [IP-2]"},
    {"one end outside", "192.0.2.250-203.0.113.1 198.51.100.7-9",
     "[IP-1]-203.0.113.1 [IP-2]-[IP-3]"},
    {"others stay", "203.0.113.5-9 203.0.113.5-203.0.113.9 v1.2.3.4-5x "
     "2024.05.11-12",
     "203.0.113.5-9 203.0.113.5-203.0.113.9 v1.2.3.4-5x 2024.05.11-12"},
};

static void test_ranges(void **state)
{
    assert_int_equal(run_cases(*state, range_cases, sizeof range_cases
                               / sizeof *range_cases, 0), 0);
}

/* IPv4 with blanks around its dots, up to four each side as the
 * detector reads them (it held "192 . 0 . 2 . 45"): the whole span is
 * the address's placeholder. Only four octets inside a site network are
 * an address; versions, lists and attackers' addresses stay. */
static const struct form_case spaced_cases[] = {
    {"blanks around dots", "192 . 0 . 2 . 45, 192 .0. 2 .45, "
     "192\t.\t0 . 2 . 45, 192    .    0.2.45 and 192.0.2.45",
     "[IP-1], [IP-1], [IP-1], [IP-1] and [IP-1]"},
    {"inside a longer run, defanged", "seen 10 . 192 . 0 . 2 . 45 and "
     "192 [.] 0 [.] 2 [.] 46; RAL: 198 . 51 . 100 . 7",
     "seen 10 . [IP-1] and [IP-2]; [SITE-1]: [IP-3]"},
    {"others stay", "version 2 . 0 . 1, steps 1. 2. 3. 4., 203 . 0 . 113 . 5, "
     "198 . 51 . 100, 192     . 0 . 2 . 45, 1921 . 0 . 2 . 45",
     "version 2 . 0 . 1, steps 1. 2. 3. 4., 203 . 0 . 113 . 5, "
     "198 . 51 . 100, 192     . 0 . 2 . 45, 1921 . 0 . 2 . 45"},
};

static void test_spaced_v4(void **state)
{
    assert_int_equal(run_cases(*state, spaced_cases, sizeof spaced_cases
                               / sizeof *spaced_cases, 0), 0);
}

/* IPv6 written with '-' for ':' (the detector held
 * "2001-db8-77--1.ipv6-literal.net"): the address (and an
 * ipv6-literal.net zone) replaced, the rest of the name kept, as a
 * reverse zone keeps ".ip6.arpa". */
static const struct form_case dash6_cases[] = {
    {"ipv6-literal.net", "2001-db8-77--1.ipv6-literal.net and 2001:db8:77::1",
     "[IP-1].ipv6-literal.net and [IP-1]"},
    {"zone, upper case, no '--'", "2001-db8-77--1s4.ipv6-literal.net "
     "2001-DB8-77-0-0-0-0-1.IPV6-LITERAL.NET",
     "[IP-1].ipv6-literal.net [IP-1].IPV6-LITERAL.NET"},
    {"PTR-style names", "host-2001-db8-77--2.example.net, "
     "dead-2001-db8-77--3.example.net",
     "host-[IP-1].example.net, dead-[IP-2].example.net"},
    {"reverse zone still", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.0.0"
     ".8.b.d.0.1.0.0.2.ip6.arpa 2001-db8-77--1.ipv6-literal.net",
     "[IP-1].ip6.arpa [IP-1].ipv6-literal.net"},
    {"others stay", "2001-db8-99--1.ipv6-literal.net 2024-05-11 "
     "dead-beef-cafe 123e4567-e89b-12d3-a456-426614174000 EXAMPLE-T3",
     "2001-db8-99--1.ipv6-literal.net 2024-05-11 "
     "dead-beef-cafe 123e4567-e89b-12d3-a456-426614174000 EXAMPLE-T3"},
};

static void test_dash_v6(void **state)
{
    assert_int_equal(run_cases(*state, dash6_cases, sizeof dash6_cases
                               / sizeof *dash6_cases, 0), 0);
}

/* The sweep reads sixteen bytes at a time: each form at every offset
 * from a block's start, its blanks and dashes across block boundaries. */
static void test_forms_at_every_offset(void **state)
{
    static const struct {
        const char *in, *want;
    } forms[] = {
        {"192 . 0 . 2 . 45", "[IP-1]"},
        {"192. 0. 2. 45", "[IP-1]"},
        {"192 .0 .2 .45", "[IP-1]"},
        {"192 .0.2.45", "[IP-1]"},
        {"192.0.2. 45", "[IP-1]"},
        {"2001-db8-77--1.ipv6-literal.net", "[IP-1].ipv6-literal.net"},
        {"2001-db8-77-0-0-0-0-1", "[IP-1]"},
        {"-2001-db8-77-0-0-0-0-1-", "-[IP-1]-"},
    };
    static const char pads[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    static const char rest[] = " and the rest of the line";
    char in[160], want[160], name[64];
    struct form_case c = {name, in, want};
    size_t i;
    int pad, bad = 0;

    for (i = 0; i < sizeof forms / sizeof *forms; i++)
        for (pad = 0; pad < 34; pad++) {
            /* a full block after the form too: the tail is read a
             * byte at a time */
            snprintf(in, sizeof in, "%.*s %s%s", pad, pads, forms[i].in,
                     rest);
            snprintf(want, sizeof want, "%.*s %s%s", pad, pads,
                     forms[i].want, rest);
            snprintf(name, sizeof name, "%s at %d", forms[i].in, pad + 1);
            bad += run_case(*state, &c, 0);
        }
    assert_int_equal(bad, 0);
}

/* A site domain as DC components outside a DN: the domain's placeholder;
 * within a DN, the DN's. */
static const struct form_case dc_cases[] = {
    {"comma, slash, blanks", "DC=example,DC=inst and /dc=example/dc=inst "
     "and dc=example dc=inst and DC = example, DC = inst and inst.example",
     "site1.invalid and site1.invalid and site1.invalid and site1.invalid "
     "and site1.invalid"},
    {"RFC 4514 order and a host", "DC=inst,DC=example and "
     "DC=example,DC=inst,DC=grid,DC=wn01 and wn01.grid.inst.example",
     "site1.invalid and host1.site1.invalid and host1.site1.invalid"},
    {"a DN stays a DN", "DC=example,DC=inst,CN=Jo Smith",
     "[DN-1]"},
    {"not a site domain: the DN rule as before", "DC=org,DC=terena and dc=example",
     "[DN-1] and dc=example"},
};

static void test_dc(void **state)
{
    assert_int_equal(run_cases(*state, dc_cases, sizeof dc_cases
                               / sizeof *dc_cases, 0), 0);
}

/* A name split by an inline tag with attributes (the detector held
 * "EXAM<span class=x>PLE-T2"): replaced, the tags kept after it. */
static const struct form_case html_cases[] = {
    {"span with a class", "<p>EXAM<span class=\"x\">PLE</span>-T2 and "
     "EXAMPLE-T2</p>",
     "<p>[SITE-1]<span class=\"x\"></span> and [SITE-1]</p>"},
    {"font in a host, link", "<a href=\"http://wn01.grid.inst.example/\">"
     "wn01.grid.<font color=red>inst</font>.example</a>",
     "<a href=\"http://host1.site1.invalid/\">"
     "host1.site1.invalid<font color=red></font></a>"},
    {"attribute values still read", "<p title='EXAMPLE-T2'>x "
     "<span title=\"192.0.2.45\">y</span> 192.0.2.45</p>",
     "<p title='[SITE-1]'>x <span title=\"[IP-1]\">y</span> [IP-1]</p>"},
};

static void test_html_split(void **state)
{
    assert_int_equal(run_cases(*state, html_cases, sizeof html_cases
                               / sizeof *html_cases, 1), 0);
}

/* A value inside a tag that a replaced name covers would be written back
 * as it was: the apply fails (the alert is held), never leaks. */
static void test_html_value_in_covered_tag(void **state)
{
    struct fixture *f = *state;
    static const char in[] = "<p>EXAM<span title=\"wn01.grid.inst.example\">"
                             "PLE</span>-T2</p>";
    struct anon_map *m = anon_map_new();
    struct buf out;
    struct err e;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply_html(f->a, m, in, sizeof in - 1, &out, NULL,
                                     &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    assert_int_equal(out.len, 0);
    buf_free(&out);
    anon_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_look_alikes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symbols, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spaced_v4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dash_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forms_at_every_offset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_html_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_value_in_covered_tag, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
