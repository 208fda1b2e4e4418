/* indicators_test - mail/indicators.c, indicators_stix.c and the JSON
 * writer they use (util/json.c): which values of a text are indicators,
 * which are victims, and what the CSV and the STIX bundle say. The bundle
 * is checked against the spec's rules by tests/stix/check-stix.py in the
 * end-to-end tests; here its shape as bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/anon.h"
#include "mail/indicators.h"
#include "mail/sites.h"
#include "util/json.h"

#ifndef AGW_SOURCE_DIR
#define AGW_SOURCE_DIR "."
#endif

static const char sites_text[] =
    "EXAMPLE-T2 \"Example Institute Grid Centre\" grid.inst.example "
    "inst.example 192.0.2.0/24 2001:db8:77::/48\n"
    "UKI-LT2-DEMO demo-uni.example 198.51.100.0/26\n";

struct fx {
    struct sites *s;
    struct anon *a;
    struct indicators *set;
};

static int setup(void **state)
{
    static struct fx f;
    char rules[512];
    const char *src = getenv("AGW_SOURCE_DIR");
    struct err e;

    err_init(&e);
    snprintf(rules, sizeof(rules), "%s/rules", src ? src : AGW_SOURCE_DIR);
    f.s = sites_new();
    if (f.s == NULL ||
        sites_load_text(f.s, sites_text, sizeof(sites_text) - 1, "t",
                        &e) != 0 ||
        sites_keep(f.s, "cvmfs.grid.inst.example", &e) != 0 ||
        anon_new(&f.a, f.s, rules, &e) != 0)
        return -1;
    f.set = NULL;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    indicators_free(f->set);
    anon_free(f->a);
    sites_free(f->s);
    return 0;
}

static const struct indicator *find(const struct indicators *s,
                                    const char *v)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i].value, v) == 0)
            return &s->v[i];
    return NULL;
}

static struct indicators *scan(struct fx *f, const char *text)
{
    struct err e;

    err_init(&e);
    indicators_free(f->set);
    f->set = indicators_new();
    assert_non_null(f->set);
    if (indicators_scan(f->set, f->a, f->s, "csirt.example", text,
                        strlen(text), &e) != 0)
        fail_msg("scan failed: %s", e.msg);
    return f->set;
}

/* Each row: a line of an alert, the value that must come out (with its
 * type), or NULL when nothing may. */
static void test_indicators_table(void **state)
{
    static const struct {
        const char *text, *value, *type;
    } cases[] = {
        {"Attacker address: 203.0.113.9 (AS64500)", "203.0.113.9", "ipv4"},
        {"C2: update-cdn.example.net:4444", "update-cdn.example.net",
         "domain"},
        {"URL: https://update-cdn.example.net/x/loader.sh.",
         "https://update-cdn.example.net/x/loader.sh", "url"},
        {"defanged hxxps://evil[.]example[.]org/a", "https://evil.example.org/a",
         "url"},
        {"host evil[.]example[.]org seen", "evil.example.org", "domain"},
        {"mail from phish@bad-actor.example.com", "phish@bad-actor.example.com",
         "email"},
        {"sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         "sha256"},
        {"md5 d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e",
         "md5"},
        {"see cve-2024-0001 now", "CVE-2024-0001", "cve"},
        {"scanning from 203.0.113.0/24.", "203.0.113.0/24", "ipv4-net"},
        {"and from [2001:db8:beef::5]:22", "2001:db8:beef::5", "ipv6"},
        {"net 2001:db8:beef::/48 too", "2001:db8:beef::/48", "ipv6-net"},
        /* victims: never indicators */
        {"wn-r03-n117.grid.inst.example was hit", NULL, NULL},
        {"victim 192.0.2.45 and 2001:db8:77::a", NULL, NULL},
        {"mail jo.smith@inst.example", NULL, NULL},
        {"https://grid.inst.example/portal", NULL, NULL},
        {"victim net 198.51.100.0/26", NULL, NULL},
        /* the keep-list, the gateway's own, placeholders, files, prose */
        {"mount cvmfs.grid.inst.example", NULL, NULL},
        {"write to csirt@csirt.example", NULL, NULL},
        {"placeholder host1.site1.invalid", NULL, NULL},
        {"dropped /var/tmp/.x/.sshd and loader.sh", NULL, NULL},
        {"at 2026-07-06T22:14:07Z, id EGI-20260707-01", NULL, NULL},
        {"the end.The next", NULL, NULL},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct indicators *s = scan(f, cases[i].text);
        const struct indicator *x;

        if (cases[i].value == NULL) {
            if (s->n != 0)
                fail_msg("case %zu \"%s\": got %s %s, want nothing", i,
                         cases[i].text, indicators_type_name(s->v[0].type),
                         s->v[0].value);
            continue;
        }
        x = find(s, cases[i].value);
        if (x == NULL)
            fail_msg("case %zu \"%s\": got %zu values (first %s), want %s", i,
                     cases[i].text, s->n, s->n ? s->v[0].value : "-",
                     cases[i].value);
        if (strcmp(indicators_type_name(x->type), cases[i].type) != 0)
            fail_msg("case %zu: got type %s, want %s", i,
                     indicators_type_name(x->type), cases[i].type);
    }
}

static void test_indicators_seen_and_context(void **state)
{
    struct fx *f = *state;
    const char *text =
        "Attacker 203.0.113.9, first seen 2026-07-06 22:14 UTC, last seen: "
        "2026-07-07T01:02:03Z\n"
        "Also 203.0.113.9 first seen 2026-07-05T10:00:00Z at EXAMPLE-T2\n";
    struct indicators *s = scan(f, text);
    const struct indicator *x = find(s, "203.0.113.9");
    struct buf csv;
    struct err e;

    assert_non_null(x);
    assert_int_equal(s->n, 1);
    assert_string_equal(x->first_seen, "2026-07-05T10:00:00Z");
    assert_string_equal(x->last_seen, "2026-07-07T01:02:03Z");
    assert_true(x->context_clean);
    err_init(&e);
    buf_init(&csv, 1 << 20);
    assert_int_equal(indicators_csv(s, 1, &csv, &e), 0);
    assert_string_equal(buf_cstr(&csv),
        "type,value,first_seen,last_seen,context\n"
        "ipv4,203.0.113.9,2026-07-05T10:00:00Z,2026-07-07T01:02:03Z,"
        "\"Attacker 203.0.113.9, first seen 2026-07-06 22:14 UTC, last "
        "seen: 2026-07-07T01:02:03Z\"\n");
    buf_free(&csv);
}

/* A context that names a victim goes only into whole copies. */
static void test_indicators_victim_context(void **state)
{
    struct fx *f = *state;
    struct indicators *s = scan(f, "=cmd from 203.0.113.9 on EXAMPLE-T2\n");
    struct buf csv;
    struct err e;

    err_init(&e);
    assert_int_equal(s->n, 1);
    assert_false(s->v[0].context_clean);
    buf_init(&csv, 1 << 20);
    assert_int_equal(indicators_csv(s, 1, &csv, &e), 0);
    assert_string_equal(buf_cstr(&csv), "type,value,first_seen,last_seen,"
                        "context\nipv4,203.0.113.9,,,\n");
    buf_reset(&csv);
    assert_int_equal(indicators_csv(s, 0, &csv, &e), 0);
    /* whole: the context, formula neutralised as the CSV export does */
    assert_non_null(strstr(buf_cstr(&csv),
                           ",'=cmd from 203.0.113.9 on EXAMPLE-T2\n"));
    buf_free(&csv);
}

static void test_indicators_stix_shape(void **state)
{
    struct fx *f = *state;
    struct indicators *s = scan(f, "bad 203.0.113.9 and CVE-2024-0001 and "
                                "https://x.example.net/a\n");
    struct indicators_meta m = {"EGI-20260707-01", "csirt.example",
                                "AMBER+STRICT", 1783389247};
    struct buf out;
    struct err e;
    const char *j;

    err_init(&e);
    buf_init(&out, 1 << 20);
    assert_int_equal(indicators_stix(s, &m, 0, &out, &e), 0);
    j = buf_cstr(&out);
    assert_non_null(strstr(j, "{\"type\":\"bundle\",\"id\":\"bundle--"));
    assert_non_null(strstr(j, "\"id\":\"marking-definition--939a9414-2ddd-"
                           "4d32-a0cd-375ea402b003\",\"created\":\"2022-10-"
                           "01T00:00:00.000Z\",\"name\":\"TLP:AMBER+STRICT\""));
    assert_non_null(strstr(j, "\"tlp_2_0\":\"amber+strict\""));
    assert_non_null(strstr(j, "\"pattern\":\"[ipv4-addr:value = "
                           "'203.0.113.9']\""));
    assert_non_null(strstr(j, "\"pattern\":\"[url:value = "
                           "'https://x.example.net/a']\""));
    assert_non_null(strstr(j, "\"created\":\"2026-07-07T01:54:07.000Z\""));
    assert_non_null(strstr(j, "\"type\":\"vulnerability\""));
    assert_non_null(strstr(j, "{\"source_name\":\"csirt.example\","
                           "\"external_id\":\"EGI-20260707-01\"}"));
    buf_free(&out);
}

/* A value with ' or \ is escaped in its pattern (STIX patterning's
 * string literal), then as JSON. */
static void test_indicators_stix_escape(void **state)
{
    struct indicator x = {IND_URL, (char *)"http://a.example/'\\", "", "",
                          (char *)"", 1};
    struct indicators s = {&x, 1, 1, 0};
    struct indicators_meta m = {"A-1", "csirt.example", "CLEAR", 0};
    struct buf out;
    struct err e;

    (void)state;
    err_init(&e);
    buf_init(&out, 1 << 20);
    assert_int_equal(indicators_stix(&s, &m, 0, &out, &e), 0);
    assert_non_null(strstr(buf_cstr(&out), "\"pattern\":\"[url:value = "
                           "'http://a.example/\\\\'\\\\\\\\']\""));
    assert_non_null(strstr(buf_cstr(&out), "marking-definition--94868c89-"));
    buf_free(&out);
}

static void test_json_writer(void **state)
{
    struct json_w w;
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    json_init(&w, &b);
    json_obj(&w);
    json_kv(&w, "a", "q\"\\\n\x01");
    json_key(&w, "n");
    json_int(&w, -5);
    json_key(&w, "l");
    json_arr(&w);
    json_str(&w, "x");
    json_obj(&w);
    json_close(&w);
    json_close(&w);
    json_close(&w);
    assert_int_equal(json_end(&w), 0);
    assert_string_equal(buf_cstr(&b), "{\"a\":\"q\\\"\\\\\\u000a\\u0001\","
                        "\"n\":-5,\"l\":[\"x\",{}]}");
    /* a value without its key inside an object is misuse, and sticks */
    buf_reset(&b);
    json_init(&w, &b);
    json_obj(&w);
    json_str(&w, "x");
    json_close(&w);
    assert_int_equal(json_end(&w), JSON_EMISUSE);
    /* the cap */
    buf_free(&b);
    buf_init(&b, 4);
    json_init(&w, &b);
    json_arr(&w);
    json_str(&w, "long");
    json_close(&w);
    assert_int_equal(json_end(&w), BUF_ETOOBIG);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indicators_table),
        cmocka_unit_test(test_indicators_seen_and_context),
        cmocka_unit_test(test_indicators_victim_context),
        cmocka_unit_test(test_indicators_stix_shape),
        cmocka_unit_test(test_indicators_stix_escape),
        cmocka_unit_test(test_json_writer),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
