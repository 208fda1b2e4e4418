/* alert: ids and TLP labels, read leniently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"

static void test_ids(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        {"EGI-20240511-01: ssh compromise", "EGI-20240511-01"},
        {"Re: [EGI-20240511] UPDATE 2", "EGI-20240511"},
        {"EGI-ADV-20110615-02 kernel", "EGI-ADV-20110615-02"},
        {"advisory EGI-SVG-2024-07 (High)", "EGI-SVG-2024-07"},
        {"no id here", ""},
        {"XEGI-20240511-01 glued", ""},
        {"EGI-2024051-01 short date", ""},
        {"EGI-20240511-01x glued tail", ""},
    };
    char got[ALERT_ID_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got[0] = '\0';
        alert_find_id(cases[i].in, "EGI", got, sizeof(got));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

static void test_tlp(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        {"[TLP:AMBER] x", "TLP:AMBER"},
        {"TLP: amber", "TLP:AMBER"},
        {"tlp:white", "TLP:CLEAR"},
        {"TLP:CLEAR", "TLP:CLEAR"},
        {"TLP:AMBER+STRICT", "TLP:AMBER+STRICT"},
        {"TLP:RED", "TLP:RED"},
        {"TLP:GREEN", "TLP:GREEN"},
        {"TLP:REDDISH", ""},
        {"no label", ""},
        {"XTLP:RED", ""},
    };
    size_t i;
    const char *got;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got = alert_tlp_label(alert_find_tlp(cases[i].in));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_tlp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
