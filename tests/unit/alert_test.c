/* alert: ids and TLP labels, read leniently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "process/alert.h"
#include "process/lifecycle.h"

struct t_id {
    const char *in, *want;      /* want "": no id found */
};

/* Each case's text searched for an id with the prefix EGI. */
static void t_ids(const struct t_id *cases, size_t n)
{
    char got[ALERT_ID_MAX];
    size_t i;

    for (i = 0; i < n; i++) {
        got[0] = '\0';
        alert_find_id(cases[i].in, "EGI", got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

static void test_ids(void **state)
{
    static const struct t_id cases[] = {
        {"EGI-20240511-01: ssh compromise", "EGI-20240511-01"},
        {"Re: [EGI-20240511] UPDATE 2", "EGI-20240511"},
        {"EGI-ADV-20110615-02 kernel", "EGI-ADV-20110615-02"},
        {"advisory EGI-SVG-2024-07 (High)", "EGI-SVG-2024-07"},
        {"no id here", ""},
        {"XEGI-20240511-01 glued", ""},
        {"EGI-2024051-01 short date", ""},
        {"EGI-20240511-01x glued tail", ""},
    };

    (void)state;
    t_ids(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_ids_more(void **state)
{
    static const struct t_id cases[] = {
        {"Subject: [TLP:AMBER] EGI-20240511-01 UPDATE 2", "EGI-20240511-01"},
        {"EGI-20240511-123 three digits", "EGI-20240511-123"},
        {"EGI-20240511-1234 four digits", ""},
        {"EGI-SVG-2024-7 one digit", ""},
        {"(EGI-ADV-20110615-02)", "EGI-ADV-20110615-02"},
        {"egi-20240511-01 lower case prefix", ""},
        {"first EGI-20240511-01 then EGI-20240512-02", "EGI-20240511-01"},
    };
    char got[ALERT_ID_MAX];

    (void)state;
    t_ids(cases, sizeof(cases) / sizeof(cases[0]));
    got[0] = '\0';
    alert_find_id("CERTX-20240511-01", "CERTX", got, sizeof(got));
    assert_string_equal(got, "CERTX-20240511-01");
}

static void test_thread(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        {"EGI-20240511-01", "EGI-20240511-01"},
        {"EGI-20240511", "EGI-20240511"},
        {"EGI-SVG-2024-07", "EGI-SVG-2024-07"},
        {"EGI-ADV-20110615-02", "EGI-ADV-20110615"},
        {"EGI-ADV-20110615", "EGI-ADV-20110615"},
    };
    char got[ALERT_ID_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        alert_thread(cases[i].in, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

struct tlp_case {
    const char *in, *want;
};

/* Each case's text through fn must give the canonical label want. */
static void tlp_table(const struct tlp_case *cases, size_t n,
                      enum alert_tlp (*fn)(const char *))
{
    const char *got;
    size_t i;

    for (i = 0; i < n; i++) {
        got = alert_tlp_label(fn(cases[i].in));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

/* Lenient reading of what officers really write; canonical output. */
static void test_tlp(void **state)
{
    static const struct tlp_case cases[] = {
        {"[TLP:AMBER] x", "TLP:AMBER"},
        {"TLP: amber", "TLP:AMBER"},
        {"TLP : AMBER", "TLP:AMBER"},
        {"TLP AMBER", "TLP:AMBER"},
        {"TLP-Amber", "TLP:AMBER"},
        {"TLP_AMBER", "TLP:AMBER"},
        {"tlp:white", "TLP:CLEAR"},
        {"TLP:WHITE", "TLP:CLEAR"},
        {"TLP:CLEAR", "TLP:CLEAR"},
        {"TLP:AMBER+STRICT", "TLP:AMBER+STRICT"},
        {"tlp:amber+strict", "TLP:AMBER+STRICT"},
        {"TLP:AMBER STRICT", "TLP:AMBER+STRICT"},
        {"TLP:AMBER-STRICT", "TLP:AMBER+STRICT"},
        {"TLP:AMBER + STRICT", "TLP:AMBER+STRICT"},
        {"TLP:AMBER, strictly need to know", "TLP:AMBER"},
        {"TLP:RED", "TLP:RED"},
        {"TLP:GREEN", "TLP:GREEN"},
        {"TLP:AMBR", "TLP:AMBER"},
        {"TLP:AMEBR", "TLP:AMBER"},
        {"TLP:GREN", "TLP:GREEN"},
        {"TLP:WHTE", "TLP:CLEAR"},
        {"TLP:REDDISH", ""},
        {"TLPAMBER", ""},
        {"TLP:", ""},
        {"no label", ""},
        {"XTLP:RED", ""},
        {"the TLP system; TLP:GREEN", "TLP:GREEN"},
    };
    (void)state;
    tlp_table(cases, sizeof(cases) / sizeof(cases[0]), alert_find_tlp);
}

/* A copy never carries a less restrictive label than any in the text. */
static void test_strictest(void **state)
{
    static const struct tlp_case cases[] = {
        {"TLP:GREEN ... TLP:AMBER part ... TLP:CLEAR", "TLP:AMBER"},
        {"TLP:CLEAR then TLP:RED", "TLP:RED"},
        {"TLP:AMBER then TLP:AMBER+STRICT", "TLP:AMBER+STRICT"},
        {"tlp:white only", "TLP:CLEAR"},
        {"none", ""},
    };
    (void)state;
    tlp_table(cases, sizeof(cases) / sizeof(cases[0]), alert_strictest_tlp);
    assert_true(TLP_CLEAR < TLP_GREEN && TLP_GREEN < TLP_AMBER &&
                TLP_AMBER < TLP_AMBER_STRICT && TLP_AMBER_STRICT < TLP_RED);
}

/* Labels typed by an administrator or stored: exact words only. */
static void test_tlp_parse(void **state)
{
    static const struct tlp_case cases[] = {
        {"AMBER", "TLP:AMBER"}, {"amber", "TLP:AMBER"},
        {"TLP:GREEN", "TLP:GREEN"}, {"AMBER+STRICT", "TLP:AMBER+STRICT"},
        {"white", "TLP:CLEAR"}, {"TLP:WHITE", "TLP:CLEAR"},
        {"RED", "TLP:RED"}, {"PURPLE", ""}, {"AMBER x", ""}, {"", ""},
        {"AMBR", ""},
    };
    (void)state;
    tlp_table(cases, sizeof(cases) / sizeof(cases[0]), alert_tlp_parse);
}

static void test_risk(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        {"Risk: High", "High"},
        {"RISK: critical", "Critical"},
        {"Risk category - Moderate", "Moderate"},
        {"Risk assessment: low", "Low"},
        {"risk: medium", "Moderate"},
        {"Risk: Highest bidder", ""},
        {"brisk: high", ""},
        {"no risk stated\nHigh up", ""},
    };
    char got[ALERT_RISK_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got[0] = '\0';
        alert_find_risk(cases[i].in, got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

static void test_update(void **state)
{
    static const struct { const char *in; int want; } cases[] = {
        {"EGI-20240511-01 UPDATE 2: more", 2},
        {"Update #3", 3},
        {"[EGI-20240511] update-4", 4},
        {"UPDATE: 5", 5},
        {"UPDATE", 0},
        {"updated 2 hosts", 0},
        {"UPDATE 1000", 0},
        {"UPDATE 0", 0},
        {"no update", 0},
    };
    size_t i;
    int got;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got = alert_find_update(cases[i].in);
        if (got != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].in, got, cases[i].want);
    }
}

/* Command mails: the first non-empty line is exactly "release ID". */
/* Issue 19: the sites a Not-affected: line excludes. */
struct na_names {
    char v[8][64];
    size_t n;
};

static void na_add(void *arg, const char *name)
{
    struct na_names *x = arg;

    if (x->n < 8)
        snprintf(x->v[x->n++], sizeof(x->v[0]), "%s", name);
}

static void test_not_affected(void **state)
{
    static const struct {
        const char *text, *want;    /* names joined by '|' */
    } cases[] = {
        {"Not-affected: RAL\n", "RAL"},
        {"text\n  not-affected:  RAL, UKI-LT2-DEMO;EXAMPLE-T2\r\nmore", "RAL|UKI-LT2-DEMO|EXAMPLE-T2"},
        {"NOT-AFFECTED: A\nNot-affected: B", "A|B"},
        {"We are not-affected: RAL (prose, not at a line start)", ""},
        {"Not-affected:\nRAL", ""},
        {"Not affected: RAL", ""},
        {"", ""},
    };
    size_t i, k;
    char got[512];

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct na_names x = {{{0}}, 0};
        size_t n = alert_not_affected(cases[i].text, na_add, &x);
        got[0] = '\0';
        for (k = 0; k < x.n; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                     k ? "|" : "", x.v[k]);
        if (n != x.n || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\" (%zu), want \"%s\"", i, got, n,
                     cases[i].want);
    }
}

static void test_command(void **state)
{
    static const struct {
        const char *in;
        enum lifecycle_verb want;
        const char *id;
    } cases[] = {
        {"release EGI-20240511-01\n", LIFECYCLE_RELEASE, "EGI-20240511-01"},
        {"\n\n  Release   EGI-20240511-01  \r\n> quoted preview\n",
         LIFECYCLE_RELEASE, "EGI-20240511-01"},
        {"cancel EGI-ADV-20110615-02", LIFECYCLE_CANCEL,
         "EGI-ADV-20110615-02"},
        {"release EGI-20240511-01 now", LIFECYCLE_NONE, ""},
        {"please release EGI-20240511-01", LIFECYCLE_NONE, ""},
        {"release", LIFECYCLE_NONE, ""},
        {"releaseEGI-20240511-01", LIFECYCLE_NONE, ""},
        {"TLP:AMBER\nrelease EGI-20240511-01", LIFECYCLE_NONE, ""},
        {"release OTHER-20240511-01", LIFECYCLE_NONE, ""},
    };
    char id[ALERT_ID_MAX];
    enum lifecycle_verb got;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        id[0] = '\0';
        got = lifecycle_command(cases[i].in, "EGI", id);
        if (got != cases[i].want ||
            (got != LIFECYCLE_NONE && strcmp(id, cases[i].id) != 0))
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, (int)got, id,
                     (int)cases[i].want, cases[i].id);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_ids_more),
        cmocka_unit_test(test_thread),
        cmocka_unit_test(test_tlp),
        cmocka_unit_test(test_strictest),
        cmocka_unit_test(test_tlp_parse),
        cmocka_unit_test(test_risk),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_command),
        cmocka_unit_test(test_not_affected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
