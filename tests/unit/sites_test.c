/* sites_test - the site index: file parsing, lookups, normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/sites.h"

static const char sites_text[] =
    "# test sites\n"
    "CERN \"European Organization for Nuclear Research\" cern.ch "
    "128.142.0.0/16 2001:1458::/32\n"
    "UKI-LT2-QMUL \"Queen Mary University of London\" qmul.ac.uk "
    "138.37.0.0/16   # trailing comment\n"
    "\n"
    "EXAMPLE-T2 \"ExGrid\" \"T2_XX_Example\" \"LCG.Example.xx\" "
    "grid.inst.example 192.0.2.0/255.255.255.0 198.51.100.0/26 "
    "2001:db8:77::/48\r\n"
    "RAL \"Rutherford Appleton Laboratory\" \"Queen Mary Hospital\" "
    "rl.example 203.0.113.128/25\n";

struct fixture {
    struct sites *s;
};

static int setup(void **state)
{
    static struct fixture f;
    struct err e;

    err_init(&e);
    f.s = sites_new();
    if (f.s == NULL
        || sites_load_text(f.s, sites_text, sizeof sites_text - 1, "t.sites",
                           &e) != 0
        || sites_keep(f.s, "voms.cern.ch", &e) != 0) {
        print_error("setup: %s\n", e.msg);
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    sites_free(f->s);
    return 0;
}

static const char *site_of(const struct sites *s, long idx)
{
    return idx < 0 ? "(none)" : sites_name(s, (size_t)idx);
}

/* One lookup case: fn 'n' name, 'h' host, 'a' addr, 'c' net, 'p' phrase. */
struct lookup_case {
    int fn;
    const char *in;
    const char *want;   /* site name or NULL */
};

static const struct lookup_case lookup_cases[] = {
    {'n', "CERN", "CERN"},
    {'n', "cern", "CERN"},
    {'n', "example-t2", "EXAMPLE-T2"},
    {'n', "ExGrid", "EXAMPLE-T2"},
    {'n', "T2_XX_EXAMPLE", "EXAMPLE-T2"},
    {'n', "lcg.example.xx", "EXAMPLE-T2"},
    {'n', "RAL", "RAL"},
    {'n', "general", NULL},
    {'n', "CERNs", NULL},
    {'n', "", NULL},
    {'h', "cern.ch", "CERN"},
    {'h', "CERN.CH.", "CERN"},
    {'h', "lxplus.cern.ch", "CERN"},
    {'h', "wn-r03-n117.grid.inst.example", "EXAMPLE-T2"},
    {'h', "grid.inst.example", "EXAMPLE-T2"},
    {'h', "inst.example", NULL},
    {'h', "voms.cern.ch", NULL},
    {'h', "VOMS.cern.ch.", NULL},
    {'h', "x.voms.cern.ch", "CERN"},
    {'h', "notcern.ch", NULL},
    {'h', "cern.ch.evil.example", NULL},
    {'h', "update-cdn.example.net", NULL},
    {'a', "128.142.1.2", "CERN"},
    {'a', "128.142.001.002", "CERN"},
    {'a', "010.1.2.3", NULL},
    {'a', "192.0.2.45", "EXAMPLE-T2"},
    {'a', "::ffff:192.0.2.45", "EXAMPLE-T2"},
    {'a', "::FFFF:192.000.002.045", "EXAMPLE-T2"},
    {'a', "198.51.100.63", "EXAMPLE-T2"},
    {'a', "198.51.100.64", NULL},
    {'a', "203.0.113.9", NULL},
    {'a', "203.0.113.200", "RAL"},
    {'a', "2001:db8:77::a", "EXAMPLE-T2"},
    {'a', "2001:0DB8:0077:0000:0000:0000:0000:000a", "EXAMPLE-T2"},
    {'a', "[2001:db8:77::a]", "EXAMPLE-T2"},
    {'a', "fe80::1%eth0", NULL},
    {'a', "2001:db8:78::1", NULL},
    {'a', "2001:1458:1::1%eth0", "CERN"},
    {'a', "1.2.3", NULL},
    {'a', "256.1.1.1", NULL},
    {'a', "0010.1.2.3", NULL},
    {'a', "2001:db8::1:", NULL},
    {'c', "192.0.2.0/24", "EXAMPLE-T2"},
    {'c', "192.0.2.128/255.255.255.128", "EXAMPLE-T2"},
    {'c', "2001:db8:77:1::/64", "EXAMPLE-T2"},
    {'c', "192.0.0.0/8", NULL},
    {'c', "192.0.2.0/33", NULL},
    {'p', "Queen Mary University of London", "UKI-LT2-QMUL"},
    {'p', "queen mary\n   UNIVERSITY of\tLondon, said", "UKI-LT2-QMUL"},
    {'p', "Queen Mary University of Londonderry", NULL},
    {'p', "Queen Mary Hospital", "RAL"},
    {'p', "Queen Mary", NULL},
    {'p', "Queen", NULL},
};

static long run_lookup(const struct sites *s, const struct lookup_case *c)
{
    size_t len = strlen(c->in), m;

    switch (c->fn) {
    case 'n':
        return sites_lookup_name(s, c->in, len);
    case 'h':
        return sites_lookup_host(s, c->in, len);
    case 'a':
        return sites_lookup_addr(s, c->in, len);
    case 'c':
        return sites_lookup_net(s, c->in, len);
    default:
        return sites_match_phrase(s, c->in, len, &m);
    }
}

static void test_lookups(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof lookup_cases / sizeof *lookup_cases; i++) {
        const struct lookup_case *c = &lookup_cases[i];
        const char *got = site_of(f->s, run_lookup(f->s, c));
        const char *want = c->want ? c->want : "(none)";

        if (strcmp(got, want) != 0) {
            print_error("lookup %c '%s': got %s, want %s\n", c->fn, c->in,
                        got, want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_phrase_length(void **state)
{
    struct fixture *f = *state;
    const char *t = "Queen Mary\n University of London) and more";
    size_t m = 0;

    assert_int_not_equal(sites_match_phrase(f->s, t, strlen(t), &m), -1);
    if (m != strlen("Queen Mary\n University of London"))
        fail_msg("phrase length: got %zu, want %zu", m,
                 strlen("Queen Mary\n University of London"));
}

static void test_host_domain_length(void **state)
{
    struct fixture *f = *state;
    size_t d = 0;
    long r = sites_match_host(f->s, "a.b.grid.inst.example.", 22, &d);

    assert_int_not_equal(r, -1);
    if (d != strlen("grid.inst.example"))
        fail_msg("domain length: got %zu, want %zu", d,
                 strlen("grid.inst.example"));
}

struct value_case {
    const char *site;
    int kind;
    size_t j;
    const char *want;
};

static const struct value_case value_cases[] = {
    {"EXAMPLE-T2", 'n', 0, "192.0.2.0/24"},
    {"EXAMPLE-T2", 'n', 1, "198.51.100.0/26"},
    {"EXAMPLE-T2", 'n', 2, "2001:db8:77::/48"},
    {"EXAMPLE-T2", 'n', 3, NULL},
    {"EXAMPLE-T2", 'd', 0, "grid.inst.example"},
    {"EXAMPLE-T2", 'a', 0, "ExGrid"},
    {"CERN", 'a', 0, "European Organization for Nuclear Research"},
    {"CERN", 'x', 0, NULL},
};

static void test_values(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof value_cases / sizeof *value_cases; i++) {
        const struct value_case *c = &value_cases[i];
        long idx = sites_lookup_name(f->s, c->site, strlen(c->site));
        const char *got = sites_value(f->s, (size_t)idx, c->kind, c->j);

        if ((got == NULL) != (c->want == NULL)
            || (got && strcmp(got, c->want) != 0)) {
            print_error("value %s %c %zu: got %s, want %s\n", c->site,
                        c->kind, c->j, got ? got : "NULL",
                        c->want ? c->want : "NULL");
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    assert_int_equal(sites_count(f->s), 4);
}

struct canon_case {
    const char *in;
    const char *want;   /* NULL: not an address */
};

static const struct canon_case canon_cases[] = {
    {"192.000.002.045", "192.0.2.45"},
    {"010.1.2.3", "10.1.2.3"},
    {"::ffff:192.0.2.45", "192.0.2.45"},
    {"[2001:DB8::0001]", "2001:db8::1"},
    {"192.0.2.7/255.255.255.0", "192.0.2.0/24"},
    {"2001:db8::1/32", "2001:db8::/32"},
    {"::ffff:192.0.2.0/120", "192.0.2.0/24"},
    {"example.org", NULL},
    {"1.2.3.4.5", NULL},
};

static void test_canon(void **state)
{
    size_t i, bad = 0;

    (void)state;
    for (i = 0; i < sizeof canon_cases / sizeof *canon_cases; i++) {
        const struct canon_case *c = &canon_cases[i];
        char out[SITES_ADDR_TEXT_MAX];
        int r = sites_addr_canon(c->in, strlen(c->in), out);
        const char *got = r == 0 ? out : "NULL";
        const char *want = c->want ? c->want : "NULL";

        if (strcmp(got, want) != 0) {
            print_error("canon '%s': got %s, want %s\n", c->in, got, want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

struct bad_case {
    const char *text;
    enum err_code code;
    const char *want;   /* the whole message */
};

static const struct bad_case bad_cases[] = {
    {"A a.example\nB foo\n", ERR_DATA,
     "b.sites:2: neither a quoted alias, a domain nor a network 'foo'"},
    {"A 192.0.2.0/40\n", ERR_DATA,
     "b.sites:1: neither a quoted alias, a domain nor a network "
     "'192.0.2.0/40'"},
    {"A \"open\n", ERR_DATA, "b.sites:1: unclosed quote"},
    {"\"A\" a.example\n", ERR_DATA, "b.sites:1: site name in quotes 'A'"},
    {"A a.example\na a.example\n", ERR_DATA,
     "b.sites:2: duplicate site name 'a'"},
    {"A a.example\nB x.a.example A.EXAMPLE\n", ERR_DATA,
     "b.sites:2: 'A.EXAMPLE' already belongs to site A"},
    {"A 10.0.0.0/8\nB 10.0.0.0/255.0.0.0\n", ERR_DATA,
     "b.sites:2: '10.0.0.0/255.0.0.0' already belongs to site A"},
    {"A \"Big Lab\"\nB \"big   lab\"\n", ERR_DATA,
     "b.sites:2: 'big   lab' already belongs to site A"},
    {"A \"\"\n", ERR_DATA,
     "b.sites:1: neither a quoted alias, a domain nor a network ''"},
    {"A 10.0.0.0/255.0.255.0\n", ERR_DATA,
     "b.sites:1: neither a quoted alias, a domain nor a network "
     "'10.0.0.0/255.0.255.0'"},
    /* Regression (issue 16): a network too wide to be a site's was taken,
     * and then every attacker address of every alert was replaced. */
    {"A 0.0.0.0/0\n", ERR_DATA,
     "b.sites:1: network '0.0.0.0/0' too wide for a site (an IPv4 prefix "
     "shorter than /8 would replace addresses of the whole Internet)"},
    {"A a.example 10.0.0.0/7\n", ERR_DATA,
     "b.sites:1: network '10.0.0.0/7' too wide for a site (an IPv4 prefix "
     "shorter than /8 would replace addresses of the whole Internet)"},
    {"A 0.0.0.0/0.0.0.0\n", ERR_DATA,
     "b.sites:1: network '0.0.0.0/0.0.0.0' too wide for a site (an IPv4 "
     "prefix shorter than /8 would replace addresses of the whole "
     "Internet)"},
    {"A ::/0\n", ERR_DATA,
     "b.sites:1: network '::/0' too wide for a site (an IPv6 prefix shorter "
     "than /16 would replace addresses of the whole Internet)"},
    {"A 2000::/15\n", ERR_DATA,
     "b.sites:1: network '2000::/15' too wide for a site (an IPv6 prefix "
     "shorter than /16 would replace addresses of the whole Internet)"},
    {"A ::ffff:0.0.0.0/96\n", ERR_DATA,
     "b.sites:1: network '::ffff:0.0.0.0/96' too wide for a site (an IPv4 "
     "prefix shorter than /8 would replace addresses of the whole "
     "Internet)"},
};

struct word_case {
    const char *text;
    size_t wlen;
    long site;          /* index in sites_text, -1 none */
    size_t mlen;
};

/* sites_match_word: phrase first, then the name, one hash for both. */
static void test_match_word(void **state)
{
    static const struct word_case cases[] = {
        {"Queen Mary University of London.", 5, 1, 31},
        {"queen mary hospital", 5, 3, 19},
        {"Queen Elizabeth", 5, -1, 0},
        {"cern, and", 4, 0, 4},
        {"EXAMPLE-T2 x", 10, 2, 10},
        {"ExGrid", 6, 2, 6},
        {"general", 7, -1, 0},
        {"RAL", 3, 3, 3},
        {"", 0, -1, 0},
    };
    struct fixture *f = *state;
    size_t i, mlen;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct word_case *c = &cases[i];
        long got;

        mlen = 0;
        got = sites_match_word(f->s, c->text, c->wlen, strlen(c->text),
                               &mlen);
        if (got != c->site || (got >= 0 && mlen != c->mlen))
            fail_msg("word %zu '%s': got site %ld len %zu, want %ld len %zu",
                     i, c->text, got, mlen, c->site, c->mlen);
    }
}

/* Issue 14: spellings of a site name with its separators swapped or
 * dropped are looked up like the name ("EXAMPLE_T2" was not found). */
static void test_name_spellings(void **state)
{
    static const struct word_case cases[] = {
        {"EXAMPLE_T2 x", 10, 2, 10},
        {"example.t2", 10, 2, 10},
        {"EXAMPLET2", 9, 2, 9},
        {"Example T2 and", 7, 2, 10},
        {"Example\nT2 and", 7, 2, 10},
        {"uki_lt2.qmul", 12, 1, 12},
        {"UKILT2QMUL", 10, 1, 10},
        {"Example T20", 7, -1, 0},
        {"EXAMPLET20", 10, -1, 0},
        {"EXAMPLE-T2_", 10, 2, 10},
    };
    struct fixture *f = *state;
    size_t i, mlen;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct word_case *c = &cases[i];
        long got;

        mlen = 0;
        got = sites_match_word(f->s, c->text, c->wlen, strlen(c->text),
                               &mlen);
        if (got != c->site || (got >= 0 && mlen != c->mlen))
            fail_msg("spelling %zu '%s': got site %ld len %zu, want %ld "
                     "len %zu", i, c->text, got, mlen, c->site, c->mlen);
    }
}

/* A spelling is no name of its own: a later site (or alias) spelled so
 * takes it over instead of failing as a duplicate, and a spelling without
 * separators shorter than six bytes is never made (a word). */
static void test_name_spelling_taken_over(void **state)
{
    static const char text[] =
        "AB-CD\n"
        "EXAMPLE-T2\n"
        "EXAMPLE_T2 \"examplet2-alias\"\n"
        "OTHER \"Example.T2\"\n";
    struct sites *s = sites_new();
    struct err e;

    (void)state;
    err_init(&e);
    assert_non_null(s);
    if (sites_load_text(s, text, sizeof text - 1, "t", &e) != 0)
        fail_msg("load: got '%s', want success", e.msg);
    assert_int_equal(sites_lookup_name(s, "abcd", 4), -1);
    assert_int_equal(sites_lookup_name(s, "ab_cd", 5), 0);
    assert_int_equal(sites_lookup_name(s, "EXAMPLE-T2", 10), 1);
    assert_int_equal(sites_lookup_name(s, "example_t2", 10), 2);
    assert_int_equal(sites_lookup_name(s, "EXAMPLE.T2", 10), 3);
    assert_int_equal(sites_lookup_name(s, "EXAMPLET2", 9), 1);
    err_init(&e);
    assert_int_equal(sites_load_text(s, "X \"EXAMPLE-T2\"\n", 15, "t",
                                     &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    sites_free(s);
}

static void test_kept(void **state)
{
    struct fixture *f = *state;
    struct err e;

    err_init(&e);
    assert_int_equal(sites_keep(f->s, "voms.cern.ch", &e), 0);
    assert_int_equal(sites_is_kept(f->s, "VOMS.CERN.CH.", 13), 1);
    assert_int_equal(sites_is_kept(f->s, "x.voms.cern.ch", 14), 0);
    assert_int_equal(sites_lookup_host(f->s, "voms.cern.ch", 12), -1);
    assert_int_equal(sites_lookup_host(f->s, "x.voms.cern.ch", 14), 0);
}

/* Many sites: every identifier found (the filters never hide one), and
 * words that are not identifiers are not. */
static void test_many(void **state)
{
    struct sites *s = sites_new();
    char name[64], dom[64], net[64], miss[64];
    size_t i, idx, dl;
    struct err e;

    (void)state;
    err_init(&e);
    for (i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "SITE%zu-T2", i);
        snprintf(dom, sizeof dom, "site%zu.example", i);
        snprintf(net, sizeof net, "10.%zu.%zu.0/24", i / 256, i % 256);
        assert_int_equal(sites_add(s, name, &idx, &e), 0);
        assert_int_equal(sites_add_domain(s, idx, dom, &e), 0);
        assert_int_equal(sites_add_network(s, idx, net, &e), 0);
        assert_int_equal(sites_add_network(s, idx, i % 2 ? "2001:db8::/32"
                                                     : "2001:db9::/32", &e),
                         i < 2 ? 0 : -1);
        err_init(&e);
    }
    for (i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "site%zu-t2", i);
        snprintf(dom, sizeof dom, "WN1.SITE%zu.EXAMPLE.", i);
        snprintf(net, sizeof net, "10.%zu.%zu.77", i / 256, i % 256);
        snprintf(miss, sizeof miss, "site%zu-t3", i);
        if (sites_lookup_name(s, name, strlen(name)) != (long)i
            || sites_match_host(s, dom, strlen(dom), &dl) != (long)i
            || sites_lookup_addr(s, net, strlen(net)) != (long)i
            || sites_lookup_name(s, miss, strlen(miss)) != -1)
            fail_msg("site %zu: got %ld %ld %ld %ld", i,
                     sites_lookup_name(s, name, strlen(name)),
                     sites_match_host(s, dom, strlen(dom), &dl),
                     sites_lookup_addr(s, net, strlen(net)),
                     sites_lookup_name(s, miss, strlen(miss)));
    }
    assert_int_equal(sites_lookup_addr(s, "2001:db9::1", 11), 0);
    sites_free(s);
}

/* The prefix filters and inline keys (sites.c) never hide a key: keys of
 * one and two bytes, phrases whose first word is short, keys too long to
 * be held in a hash slot, names too long for the dense name copy. */
static const char filter_sites[] =
    "X \"Q\" \"Of Xy Lab\" x.example\n"
    "AB \"aB c\" a-rather-long-domain-name.example.org\n"
    "A-VERY-LONG-SITE-NAME-OF-MORE-THAN-32-BYTES-T2 "
    "\"Institute of Long Names\" 2001:db8:1::/48\n";

struct filter_case {
    const char *text;
    size_t wlen;        /* 0: a host name, else sites_match_word */
    long site;
    size_t mlen;
};

static void test_filters(void **state)
{
    static const struct filter_case cases[] = {
        {"x", 1, 0, 1},
        {"X.", 1, 0, 1},
        {"q", 1, 0, 1},
        {"Y", 1, -1, 0},
        {"xa", 2, -1, 0},
        {"ab", 2, 1, 2},
        {"Ab c d", 2, 1, 4},
        {"of  XY\nlab.", 2, 0, 10},
        {"of xy", 2, -1, 0},
        {"a-very-long-site-name-of-more-than-32-bytes-t2", 46, 2, 46},
        {"a-very-long-site-name-of-more-than-32-bytes-t3", 46, -1, 0},
        {"INSTITUTE OF LONG NAMES", 9, 2, 23},
        {"A-RATHER-LONG-DOMAIN-NAME.EXAMPLE.ORG", 0, 1, 0},
        {"wn1.a-rather-long-domain-name.example.org.", 0, 1, 0},
        {"a-rather-long-domain-name.example.net", 0, -1, 0},
        {"WN.X.EXAMPLE", 0, 0, 0},
        {"y.example", 0, -1, 0},
    };
    struct sites *s = sites_new();
    struct err e;
    size_t i, mlen;

    (void)state;
    err_init(&e);
    assert_non_null(s);
    assert_int_equal(sites_load_text(s, filter_sites, sizeof filter_sites - 1,
                                     "f", &e), 0);
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct filter_case *c = &cases[i];
        long got;

        mlen = 0;
        if (c->wlen)
            got = sites_match_word(s, c->text, c->wlen, strlen(c->text),
                                   &mlen);
        else
            got = sites_match_host(s, c->text, strlen(c->text), &mlen);
        if (got != c->site || (c->wlen && got >= 0 && mlen != c->mlen))
            fail_msg("case %zu '%s': got site %ld len %zu, want %ld len %zu",
                     i, c->text, got, mlen, c->site, c->mlen);
    }
    assert_string_equal(sites_name(s, 2),
                        "A-VERY-LONG-SITE-NAME-OF-MORE-THAN-32-BYTES-T2");
    assert_string_equal(sites_name(s, 1), "AB");
    assert_int_equal(sites_lookup_name(s, "Q", 1), 0);
    assert_int_equal(sites_lookup_name(s, "a", 1), -1);
    sites_free(s);
}

static void test_bad_files(void **state)
{
    size_t i, bad = 0;

    (void)state;
    for (i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct sites *s = sites_new();
        struct err e;
        int r;

        err_init(&e);
        r = sites_load_text(s, c->text, strlen(c->text), "b.sites", &e);
        if (r != -1 || e.code != c->code || strcmp(e.msg, c->want) != 0) {
            print_error("case %zu: got %d %s '%s', want -1 %s '%s'\n", i, r,
                        err_code_name(e.code), e.msg, err_code_name(c->code),
                        c->want);
            bad++;
        }
        sites_free(s);
    }
    assert_int_equal(bad, 0);
}

static void test_long_line(void **state)
{
    static char text[SITES_LINE_MAX + 16];
    struct sites *s = sites_new();
    struct err e;

    (void)state;
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 2] = '\n';
    err_init(&e);
    assert_int_equal(sites_load_text(s, text, sizeof text - 1, "l", &e), -1);
    if (strcmp(e.msg, "l:1: line too long") != 0)
        fail_msg("got '%s', want 'l:1: line too long'", e.msg);
    sites_free(s);
}

/* Regression: loading stopped at the first bad line, so a file with
 * several was mended one line a run. Each bad line is reported on its
 * own, with its own line number and reason, and the good ones are read. */
static void test_sites_two_bad_lines_each_own_line(void **state)
{
    static const char text[] =
        "A a.example\n"
        "B bad!token\n"
        "C c.example\n"
        "D \"unclosed\n"
        "E a.example\n";
    static const char *const want[] = {
        "s:2: neither a quoted alias, a domain nor a network 'bad!token'",
        "s:4: unclosed quote",
        "s:5: 'a.example' already belongs to site A",
    };
    struct sites *s = sites_new();
    struct err_list l;
    struct err e;
    size_t i, n = sizeof want / sizeof want[0];

    (void)state;
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(sites_load_text(s, text, sizeof text - 1, "s", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    if (l.n != n || l.more != 0)
        fail_msg("got %zu lines (+%zu), want %zu", l.n, l.more, n);
    for (i = 0; i < n; i++)
        if (strcmp(l.line[i], want[i]) != 0)
            fail_msg("line %zu: got '%s', want '%s'", i, l.line[i], want[i]);
    assert_string_equal(e.msg, want[0]);
    /* the good lines around the bad ones are in */
    assert_int_equal(sites_count(s), 2);
    assert_string_equal(site_of(s, sites_lookup_host(s, "www.c.example", 13)),
                        "C");
    sites_free(s);
}

static void test_api_errors(void **state)
{
    struct sites *s = sites_new();
    struct err e;
    size_t a, b;

    (void)state;
    err_init(&e);
    assert_int_equal(sites_add(s, "A", &a, &e), 0);
    assert_int_equal(sites_add(s, "B", &b, &e), 0);
    assert_int_equal(sites_add(s, "a", &b, &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    err_init(&e);
    assert_int_equal(sites_add_alias(s, b, "A", &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    err_init(&e);
    assert_int_equal(sites_add_domain(s, a, "nodots", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    err_init(&e);
    assert_int_equal(sites_add_network(s, a, "10.1.2.3/8", &e), 0);
    assert_string_equal(sites_value(s, a, 'n', 0), "10.0.0.0/8");
    assert_int_equal(sites_add_network(s, a, "10.0.0.0/8", &e), 0);
    assert_null(sites_value(s, a, 'n', 1));
    assert_int_equal(sites_add_network(s, b, "10.0.0.0/8", &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    err_init(&e);
    assert_int_equal(sites_add_alias(s, 7, "x", &e), -1);
    assert_int_equal(e.code, ERR_SOFTWARE);
    sites_free(s);
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/sites_test.XXXXXX";
    struct sites *s = sites_new();
    struct err e;
    FILE *f;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(sites_text, f);
    fclose(f);
    err_init(&e);
    assert_int_equal(sites_load_file(s, path, &e), 0);
    assert_int_equal(sites_count(s), 4);
    remove(path);
    err_init(&e);
    assert_int_equal(sites_load_file(s, path, &e), -1);
    assert_int_equal(e.code, ERR_IO);
    sites_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phrase_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_domain_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test(test_canon),
        cmocka_unit_test_setup_teardown(test_match_word, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_spellings, setup,
                                        teardown),
        cmocka_unit_test(test_name_spelling_taken_over),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_sites_two_bad_lines_each_own_line),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_load_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
