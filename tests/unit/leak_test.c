/* leak_test - the independent leak detector (mail/leak.c, util/ac.c):
 * every written form of every kind of identifier found, in plain text
 * and in HTML, also when mutated (case, invisible characters, defanging);
 * placeholders and text without site identifiers pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/leak.h"
#include "mail/sites.h"
#include "util/ac.h"
#include "util/buf.h"

static const char sites_text[] =
    "EXAMPLE-T2 \"Example Institute\" \"ExGrid\" inst.example "
    "192.0.2.0/24 2001:db8:77::/48\n"
    "RAL \"Rutherford Appleton Laboratory\" rl.example 203.0.113.128/25\n";

struct fixture {
    struct sites *s;
    struct leak *l;
};

static int setup(void **state)
{
    static struct fixture f;
    struct err e;

    err_init(&e);
    f.s = sites_new();
    if (f.s == NULL ||
        sites_load_text(f.s, sites_text, sizeof(sites_text) - 1, "t.sites",
                        &e) != 0 ||
        sites_keep(f.s, "cvmfs.inst.example", &e) != 0 ||
        leak_new(&f.l, f.s, &e) != 0) {
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
    sites_free(f->s);
    return 0;
}

/* want NULL: must pass; else the finding's line must hold want. */
static int check_one(struct leak *l, const char *text, int flags,
                     const char *want)
{
    struct err e;
    int rc;

    err_init(&e);
    rc = leak_check(l, text, strlen(text), flags, "part 1", &e);
    if (want == NULL && rc == 0)
        return 0;
    if (want != NULL && rc == -1 && e.code == ERR_LEAK &&
        strstr(e.msg, want) != NULL)
        return 0;
    print_error("%s %s: got \"%s\", want %s%s%s\n",
                flags & LEAK_HTML ? "HTML" : "text", text,
                rc == 0 ? "pass" : e.msg, want ? "\"" : "pass",
                want ? want : "", want ? "\"" : "");
    return 1;
}

#define SITE "site EXAMPLE-T2"
#define ALIAS "alias \"Example Institute\" of site EXAMPLE-T2"
#define DOMAIN "domain inst.example of site EXAMPLE-T2"
#define NET "network of site EXAMPLE-T2"

struct row {
    const char *text;
    const char *want;
};

/* Found in plain text (and, HTML-escaped by nothing, in HTML too). */
static const struct row found[] = {
    /* names */
    {"affected: EXAMPLE-T2", SITE},
    {"affected: example-t2.", SITE},
    {"EXAMPLE_T2 and others", SITE},
    {"the EXAMPLE T2 site", SITE},
    {"the EXAMPLE.T2 site", SITE},
    {"the EXAMPLET2 site", SITE},
    {"mail example-t2-admins@lists.example.org now", SITE},
    {"EXAM\xc2\xadPLE-T2", "\"EXAM<U+00AD>PLE-T2\""},
    {"EXA\xe2\x80\x8bMPLE-T2", SITE},
    {"EXAMPLE\xe2\x80\x8d-T2", SITE},
    {"EXAMPLE\xe2\x81\xa0-T2", SITE},
    {"EXAMPLE\xe2\x80\x91T2", SITE},
    {"EXAMPLE\xe2\x80\x93T2", SITE},
    {"\xef\xbc\xa5\xef\xbc\xb8" "AMPLE-T2", SITE},
    {"\xd0\x95X\xd0\x90MPL\xd0\x95-T2", SITE},
    {"EXAM&shy;PLE-T2", SITE},
    {"EXAM&#8203;PLE-T2", SITE},
    {"EXAM&#xAD;PLE-T2", SITE},
    {"see https://x.example.org/EXAMPLE%2DT2/", SITE},
    {"see https://x.example.org/EXAMPLE%C2%ADT2/", SITE},
    {"ui01.grid.EXAMPLE-T2-secure.log", SITE},
    {"exa\xcc\x81mple-t2", SITE},
    /* aliases */
    {"from Example Institute staff", ALIAS},
    {"from Example\xc2\xa0Institute staff", ALIAS},
    {"from example-institute staff", ALIAS},
    {"from EXAMPLE_INSTITUTE staff", ALIAS},
    {"from ExampleInstitute staff", ALIAS},
    {"from Example\nInstitute staff", ALIAS},
    {"from \xd0\x95xample Institute", ALIAS},
    {"the ExGrid cloud", "alias \"ExGrid\""},
    /* domains and hosts */
    {"host ui01.inst.example is down", DOMAIN},
    {"host ui01.inst[.]example is down", DOMAIN},
    {"host ui01(.)inst(.)example is down", DOMAIN},
    {"host ui01{.}inst{.}example is down", DOMAIN},
    {"jo.smith [at] inst [dot] example", DOMAIN},
    {"jo.smith(at)inst(dot)example", DOMAIN},
    {"jo.smith at inst dot example", DOMAIN},
    {"hxxp://www.inst.example/x", DOMAIN},
    {"mailto:jo%40inst%2Eexample", DOMAIN},
    {"www.inst\xe3\x80\x82" "example", DOMAIN},
    {"www.inst\xef\xbc\x8e" "example", DOMAIN},
    {"www.\xef\xbd\x89nst.example", DOMAIN},
    {"ui01.inst.example-secure.log", DOMAIN},
    {"INST_example_access_log", DOMAIN},
    {"backup-ui01.inst.example", DOMAIN},
    {"inst.example.badactor.example", DOMAIN},
    {"issuer /DC=example/DC=inst/CN=x", DOMAIN},
    /* IPv4 */
    {"from 192.0.2.45 port 22", NET},
    {"from 192.0.2[.]45 port 22", NET},
    {"from 192[.]0[.]2[.]45 port 22", NET},
    {"from 192(.)0(.)2(.)45", NET},
    {"log_192.0.2.45_ssh.txt", NET},
    {"192.0.2.45-report.pdf", NET},
    {"ip-192-0-2-45.isp.example", NET},
    {"host_192_0_2_45", NET},
    {"45.2.0.192.in-addr.arpa PTR x", NET},
    {"zone 2.0.192.in-addr.arpa", NET},
    {"hxxp://3221226029/x", NET},
    {"http://0xc000022d/x", NET},
    {"http://0300.0000.0002.0055/x", NET},
    {"http://user@0xc0.0.2.45:8080/x", NET},
    {"range 192.0.2.5-192.0.2.9", NET},
    {"range 192.0.2.5-9", NET},
    {"net 192.0.2.0/24", NET},
    {"\xef\xbc\x91\xef\xbc\x99\xef\xbc\x92.0.2.45", NET},
    {"192.000.002.045", NET},
    /* issue 14: blanks around the dots, so that nothing links it */
    {"from 192 . 0 . 2 . 45 port 22", "\"192 . 0 . 2 . 45\""},
    {"from 192 .0. 2 .45", NET},
    {"from 192. 0. 2. 45", NET},
    {"from 192\t.\t0 . 2 . 45", NET},
    /* IPv6 */
    {"from 2001:db8:77::1 port 22", NET},
    {"from 2001:DB8:77::1.", NET},
    {"from 2001:db8:77[:]:1", NET},
    {"from 2001[:]db8[:]77[:][:]1", NET},
    {"from 2001:0db8:0077:0000:0000:0000:0000:0001", NET},
    {"[2001:db8:77::5]:443", NET},
    {"addr:2001:db8:77::1 seen", NET},
    {"ip6:2001:db8:77::1 seen", NET},
    {"src=2001:db8:77::1,dst=::1", NET},
    {"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2"
     ".ip6.arpa", NET},
    {"zone 7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa", NET},
    /* issue 14: '-' for ':', as in ipv6-literal.net and PTR-like names */
    {"2001-db8-77--1.ipv6-literal.net", "\"2001-db8-77--1\""},
    {"fe80--1s4.ipv6-literal.net or 2001-db8-77--a1s4.ipv6-literal.net", NET},
    {"ip-2001-db8-77--5.dyn.isp.example", NET},
    {"host-2001-0db8-0077-0000-0000-0000-0000-0001.example", NET},
    {"log_2001-DB8-77--1_ssh.txt", NET},
    /* DNs */
    {"subject=/DC=org/DC=terena/DC=tcs/C=PL/O=ACC Demo/CN=Jan Kowalski "
     "jkowal01", "DN"},
    {"subject= DC = org, DC = terena, CN = Jan Kowalski", "DN"},
    {"subject=/dc=org/dc=terena/cn=jan", "DN"},
    {"subject=CN=Jan;OU=Users;O=Inst", "DN"},
    {"\"/C=XX/O=Inst/CN=Jo Smith\"", "DN"},
    /* the other site */
    {"Rutherford Appleton Laboratory", "site RAL"},
    {"at RAL today", "site RAL"},
    {"ral today", "site RAL"},
    {"RAL-LCG2 and RAL_DATADISK", "site RAL"},
    {"/data/RAL/", "site RAL"},
    {"203.0.113.200", "network of site RAL"},
};

/* Found in HTML as rendered. */
static const struct row found_html[] = {
    {"<p>EXAM<span class=x>PLE</span>-T2</p>", SITE},
    {"<p>EXAM<!-- x -->PLE-T2</p>", SITE},
    {"<p>EXAM<!x>PLE-T2</p>", SITE},
    {"<p>EXAM&shy;PLE-T2</p>", "EXAM<U+00AD>PLE-T2"},
    {"<p>EXAM&#8203;PLE-T2</p>", SITE},
    {"<p>EXAM<b>PLE</b>&#8209;<i>T2</i></p>", SITE},
    {"<a href=\"mailto:jo%40inst%2Eexample\">jo</a>", DOMAIN},
    {"<a href=\"https://www%2Einst%2Eexample/\">x</a>", DOMAIN},
    {"<img src=\"http://192.0.2.45/x.png\">", NET},
    {"<p>192.0.2<span>[.]</span>45</p>", NET},
    {"<p>Example <font color=red>Institute</font></p>", ALIAS},
    {"<p>jo.smith [at] inst<b> [dot] </b>example</p>", DOMAIN},
    {"<td>/DC=org/DC=<b>terena</b>/CN=Jan</td>", "DN"},
    {"<p>2001:db8:77<wbr>::1</p>", NET},
};

/* Pass: placeholders, ordinary prose, indicators outside site networks. */
static const char *const clean[] = {
    "[SITE-1] reported a compromise of host1.site1.invalid",
    "mail user2@site1.invalid or site1.invalid; [IP-1] [NET-2] [DN-1] "
    "jkowal01 [ACCOUNT-3]",
    "The attacker logged in from 203.0.113.9 and 198.51.100.7, then ran "
    "xmrig from http://evil.example.net/x.sh (CVE-2024-3094).",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    " md5 d41d8cd98f00b204e9800998ecf8427e",
    "Times: 2024-05-11 10:12:13, 10:00:00.123; version 1.2.3.4; "
    "std::string a::b;",
    "Example of a site at an institute: nothing to see. Dot the i's.",
    "2001:db8:1::1 and ::1 and fe80::1%eth0 and 192.0.3.45",
    "2001-db8-1--1.ipv6-literal.net 2024-05-11--2024-05-12 dead-beef-cafe "
    "550e8400-e29b-41d4-a716-446655440000 a-b--c",
    "192 . 0 . 3 . 45; list: 192. 0 and 2. 45 apples",
    "http://3221226241/ is 192.0.3.1",
    "uid=1000(jsmith) gid=1000(jsmith) groups=1000",
    "set O=1, C=2 and keep going",
    "cvmfs.inst.example serves software",
    "hxxp://evil.example.net/ [.] (at) {dot}",
    "RALLY and central; rl.examples.org",
    /* a short site name as an attacker's label: the anonymiser's call */
    "C2 ral.update-cdn.example.net, /tmp/.ral/, ral_backdoor, backdoor-ral",
    "EXAMPLE-T20 and EXAMPLE-T3 are no sites, nor is sample-t2",
};

static void test_found(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
        bad += check_one(f->l, found[i].text, 0, found[i].want);
        bad += check_one(f->l, found[i].text, LEAK_HTML, found[i].want);
    }
    for (i = 0; i < sizeof(found_html) / sizeof(found_html[0]); i++)
        bad += check_one(f->l, found_html[i].text, LEAK_HTML,
                         found_html[i].want);
    assert_int_equal(bad, 0);
}

static void test_clean(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
        bad += check_one(f->l, clean[i], 0, NULL);
        bad += check_one(f->l, clean[i], LEAK_HTML, NULL);
    }
    assert_int_equal(bad, 0);
}

/* ---- mutations ------------------------------------------------------- */

/* One identifier written in a sentence, mutated. */
struct ident {
    const char *id;
    const char *want;
};

static const struct ident idents[] = {
    {"EXAMPLE-T2", SITE}, {"Example Institute", ALIAS},
    {"ui01.inst.example", DOMAIN}, {"jo@inst.example", DOMAIN},
    {"192.0.2.45", NET}, {"2001:db8:77::1", NET},
    {"/DC=org/DC=inst/CN=Jo Smith", "DN"},
};

enum { MUT_UPPER, MUT_LOWER, MUT_ZWSP, MUT_SHY, MUT_DEFANG, MUT_CYR,
       MUT_ENTITY, MUT_PCT, MUT_N };

/* mutation m of id, inside a sentence, into out */
static void mutate(const char *id, int m, struct buf *out)
{
    size_t i, n = strlen(id);
    char c;

    buf_reset(out);
    buf_puts(out, "Seen: ");
    for (i = 0; i < n; i++) {
        c = id[i];
        if (m == MUT_UPPER && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (m == MUT_LOWER && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (m == MUT_DEFANG && c == '.') {
            buf_puts(out, "[.]");
            continue;
        }
        if (m == MUT_DEFANG && c == '@') {
            buf_puts(out, " [at] ");
            continue;
        }
        if (m == MUT_DEFANG && c == ':') {
            buf_puts(out, "[:]");
            continue;
        }
        if (m == MUT_CYR && c == 'e') {
            buf_puts(out, "\xd0\xb5");     /* Cyrillic small ie */
            continue;
        }
        if (m == MUT_PCT && c == '.') {
            buf_puts(out, "%2E");
            continue;
        }
        buf_putc(out, c);
        /* inside the first word of letters or digits */
        if (i == 1 && m == MUT_ZWSP)
            buf_puts(out, "\xe2\x80\x8b");
        if (i == 1 && m == MUT_SHY)
            buf_puts(out, "\xc2\xad");
        if (i == 1 && m == MUT_ENTITY)
            buf_puts(out, "&#x200D;");
    }
    buf_puts(out, " today.");
}

static void test_mutations(void **state)
{
    struct fixture *f = *state;
    struct buf b;
    size_t i, bad = 0;
    int m;

    buf_init(&b, 4096);
    for (i = 0; i < sizeof(idents) / sizeof(idents[0]); i++)
        for (m = 0; m < MUT_N; m++) {
            mutate(idents[i].id, m, &b);
            bad += check_one(f->l, buf_cstr(&b), 0, idents[i].want);
            bad += check_one(f->l, buf_cstr(&b), LEAK_HTML, idents[i].want);
        }
    buf_free(&b);
    assert_int_equal(bad, 0);
}

/* ---- the finding's line, limits, helpers ----------------------------- */

static void test_line(void **state)
{
    struct fixture *f = *state;
    static const char t[] = "x EXAM\xc2\xadPLE-T2 y";
    struct err e;

    err_init(&e);
    assert_int_equal(leak_check(f->l, t, sizeof(t) - 1, 0, "part 2", &e), -1);
    assert_int_equal(e.code, ERR_LEAK);
    assert_string_equal(e.msg, "leak: site EXAMPLE-T2 as "
                        "\"EXAM<U+00AD>PLE-T2\" in part 2");
    err_init(&e);
    assert_int_equal(leak_check(f->l, "", 0, LEAK_HTML, "x", &e), 0);
}

/* Regression (fuzz_leak): a run of colons at the very start of the text
 * was trimmed past its beginning (cp[-1] read; UBSan: pointer overflow). */
static void test_colons_at_start(void **state)
{
    struct fixture *f = *state;
    static const char *const texts[] = {"::", ":::", "::.", ":[:]", "::1:"};
    struct err e;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        err_init(&e);
        assert_int_equal(leak_check(f->l, texts[i], strlen(texts[i]), 0,
                                    "part 1", &e), 0);
        err_init(&e);
        assert_int_equal(leak_check(f->l, texts[i], strlen(texts[i]),
                                    LEAK_HTML, "part 1", &e), 0);
    }
}

/* A MIME message's base64 lines are its parts' business. */
static void test_mime(void **state)
{
    struct fixture *f = *state;
    static const char t[] =
        "Subject: x\r\n\r\n"
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk+RAL/ZWZnaGlqa2xtbm9wcXJz\r\n"
        "dHV2\r\n";
    struct err e;

    err_init(&e);
    assert_int_equal(leak_check(f->l, t, sizeof(t) - 1, LEAK_MIME, "raw",
                                &e), 0);
    assert_int_equal(leak_check(f->l, t, sizeof(t) - 1, 0, "raw", &e), -1);
}

/* The arrays of one check are kept for the next (speed, issue 14): a
 * short text after a long one, a finding's form and offsets, the fast
 * path for ASCII runs next to escapes and placeholders are as a fresh
 * check makes them, and a text that folds to more code points than it has
 * bytes grows them. */
static void test_reuse(void **state)
{
    struct fixture *f = *state;
    static const char tail[] = " and at last ui01.inst.example";
    char *big = malloc(1u << 20);
    char *huge;
    size_t i, n = (1u << 20) - sizeof(tail);
    struct err e;

    assert_non_null(big);
    for (i = 0; i < n; i++)
        big[i] = "Attacker 203.0.113.9 host1.site1.invalid sshd\n"[i % 46];
    memcpy(big + n, tail, sizeof(tail));
    err_init(&e);
    assert_int_equal(leak_check(f->l, big, strlen(big), 0, "part 1", &e), -1);
    assert_string_equal(e.msg, "leak: domain inst.example of site EXAMPLE-T2 "
                        "as \"inst.example\" in part 1");
    big[n] = '\0';
    err_init(&e);
    assert_int_equal(leak_check(f->l, big, n, 0, "part 1", &e), 0);
    assert_int_equal(leak_check(f->l, "ok", 2, 0, "part 1", &e), 0);
    err_init(&e);
    assert_int_equal(leak_check(f->l, "See hTtp://x/%45XAMPLE-T2 Host", 30,
                                0, "part 2", &e), -1);
    assert_string_equal(e.msg, "leak: site EXAMPLE-T2 as \"%45XAMPLE-T2\" "
                        "in part 2");
    free(big);
    /* U+FDFA folds to 18 code points, from 3 bytes: the arrays grow past
     * what the text's size gave them */
    huge = malloc(3 * 4096);
    assert_non_null(huge);
    for (i = 0; i < 4096; i++)
        memcpy(huge + 3 * i, "\xef\xb7\xba", 3);
    memcpy(huge + 3 * 4000, "ui01.inst.example ", 18);
    err_init(&e);
    assert_int_equal(leak_check(f->l, huge, 3 * 4096, 0, "part 3", &e), -1);
    assert_int_equal(e.code, ERR_LEAK);
    free(huge);
}

/* The officer's Keep: line (issue 14) keeps a look-alike that embeds a
 * site domain: the whole host kept (and a name under it) is no finding;
 * the domain elsewhere, or in a host the kept one is a prefix of, still
 * is. */
static void test_kept_look_alike(void **state)
{
    struct fixture *f = *state;
    struct err e;

    err_init(&e);
    assert_int_equal(sites_keep(f->s, "inst.example.badactor.example", &e), 0);
    assert_int_equal(check_one(f->l, "see https://inst.example.badactor."
                               "example/login.", 0, NULL), 0);
    assert_int_equal(check_one(f->l, "inst[.]example[.]badactor[.]example",
                               0, NULL), 0);
    assert_int_equal(check_one(f->l, "inst.example.badactor.example.more."
                               "example", 0, DOMAIN), 0);
    assert_int_equal(check_one(f->l, "inst.example.badactor.example and "
                               "ui01.inst.example", 0, DOMAIN), 0);
    /* a name under a kept host is kept, as under "cvmfs.inst.example" */
    assert_int_equal(check_one(f->l, "x.inst.example.badactor.example", 0,
                               NULL), 0);
}

static void test_is_text(void **state)
{
    (void)state;
    assert_int_equal(leak_is_text("a,b\n\xc3\xa9\r\n", 8), 1);
    assert_int_equal(leak_is_text("a\0b", 3), 0);
    assert_int_equal(leak_is_text("\xff\xfe", 2), 0);
    assert_int_equal(leak_is_text("\xc3", 1), 0);
}

struct hits {
    uint32_t id[16];
    size_t end[16], n;
};

static int on_hit(void *arg, uint32_t id, size_t end, size_t len)
{
    struct hits *h = arg;

    (void)len;
    if (h->n < 16) {
        h->id[h->n] = id;
        h->end[h->n++] = end;
    }
    return 0;
}

static void test_ac(void **state)
{
    struct ac *a = ac_new();
    struct hits h = {{0}, {0}, 0};

    (void)state;
    assert_non_null(a);
    assert_int_equal(ac_add(a, "he", 2, 1), 0);
    assert_int_equal(ac_add(a, "she", 3, 2), 0);
    assert_int_equal(ac_add(a, "his", 3, 3), 0);
    assert_int_equal(ac_add(a, "hers", 4, 4), 0);
    assert_int_equal(ac_add(a, "", 0, 5), -1);
    assert_int_equal(ac_build(a), 0);
    assert_int_equal(ac_add(a, "x", 1, 6), -1);
    ac_scan(a, "ushers", 6, on_hit, &h);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.id[0], 2);       /* she, ending at 4 */
    assert_int_equal(h.end[0], 4);
    assert_int_equal(h.id[1], 1);       /* he, ending at 4 */
    assert_int_equal(h.id[2], 4);       /* hers, ending at 6 */
    assert_int_equal(h.end[2], 6);
    ac_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colons_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_look_alike, setup, teardown),
        cmocka_unit_test(test_is_text),
        cmocka_unit_test(test_ac),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
