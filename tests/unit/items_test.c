/* items: "a, b; c" lists as GOCDB writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/items.h"

static void test_items(void **state)
{
    static const struct {
        const char *in;
        const char *want;   /* items joined with '|'; "!" for too long */
    } cases[] = {
        {"", ""},
        {" ,; ,", ""},
        {"192.0.2.0/24", "192.0.2.0/24"},
        {"a, b;c ;; d ,", "a|b|c|d"},
        {"\ta b\t,\n c", "a b|c"},
        {"short, much-too-long-item, x", "short|!|x"},
    };
    char out[16], got[128];
    const char *p;
    size_t c;
    int rc;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        got[0] = '\0';
        p = cases[c].in;
        while ((rc = items_next(&p, out, sizeof(out))) != 0) {
            if (got[0])
                strcat(got, "|");
            strcat(got, rc < 0 ? "!" : out);
        }
        if (strcmp(got, cases[c].want) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[c].in, got,
                     cases[c].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
