/* mailout: the Message-IDs and Dates the gateway writes (what needs no
 * GnuPG; signing and notices run in tests/e2e). A Message-ID's local
 * part is the caller's text cut to [A-Za-z0-9.+-], then 64 random bits;
 * ids never repeat; a Date is RFC 5322 in English whatever the zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "process/mailout.h"

static void t_gateway(struct gateway *g, struct conf *c)
{
    memset(c, 0, sizeof(*c));
    c->domain = (char *)"csirt.example";
    memset(g, 0, sizeof(*g));
    g->conf = c;
}

/* "<" want "." 16 hex digits "@csirt.example>" */
static int t_msgid_is(const char *id, const char *want)
{
    size_t n = strlen(want), i;

    if (id[0] != '<' || strncmp(id + 1, want, n) != 0 || id[1 + n] != '.')
        return 0;
    for (i = 0; i < 16; i++)
        if (strchr("0123456789abcdef", id[2 + n + i]) == NULL ||
            id[2 + n + i] == '\0')
            return 0;
    return strcmp(id + 2 + n + 16, "@csirt.example>") == 0;
}

static void test_msgid_local(void **state)
{
    static const struct {
        const char *local, *want;
    } cases[] = {
        {"notice", "notice"},
        {"EGI-20260706-01.nren", "EGI-20260706-01.nren"},
        {"+.-", "+.-"},
        {"a b\tc", "a-b-c"},
        {"x@y>z<", "x-y-z-"},
        {"a\"b\\c", "a-b-c"},
        {"l\xc3\xbcl", "l--l"},                  /* one byte, one '-' */
    };
    char id[MAILOUT_MSGID_MAX];
    struct gateway g;
    struct conf c;
    size_t i;

    (void)state;
    t_gateway(&g, &c);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (mailout_msgid(&g, cases[i].local, id, sizeof(id)) != 0)
            fail_msg("\"%s\": failed", cases[i].local);
        if (!t_msgid_is(id, cases[i].want))
            fail_msg("\"%s\": got %s, want <%s.HEX16@csirt.example>",
                     cases[i].local, id, cases[i].want);
    }
}

/* A long local part is cut (to 127 bytes); an output too small for the
 * whole id is a failure, not a cut id. */
static void test_msgid_sizes(void **state)
{
    char local[301], want[128], id[MAILOUT_MSGID_MAX];
    struct gateway g;
    struct conf c;
    size_t whole;

    (void)state;
    t_gateway(&g, &c);
    memset(local, 'a', sizeof(local) - 1);
    local[sizeof(local) - 1] = '\0';
    memset(want, 'a', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    assert_int_equal(mailout_msgid(&g, local, id, sizeof(id)), 0);
    if (!t_msgid_is(id, want))
        fail_msg("got %s (%zu bytes), want 127 a's", id, strlen(id));
    whole = strlen("<notice.0123456789abcdef@csirt.example>");
    assert_int_equal(mailout_msgid(&g, "notice", id, whole + 1), 0);
    assert_int_equal(strlen(id), whole);
    assert_int_equal(mailout_msgid(&g, "notice", id, whole), -1);
    assert_int_equal(mailout_msgid(&g, "notice", id, 1), -1);
}

static int t_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_msgid_unique(void **state)
{
    enum { N = 5000 };
    char (*ids)[MAILOUT_MSGID_MAX] = calloc(N, MAILOUT_MSGID_MAX);
    struct gateway g;
    struct conf c;
    size_t i;

    (void)state;
    assert_non_null(ids);
    t_gateway(&g, &c);
    for (i = 0; i < N; i++)
        assert_int_equal(mailout_msgid(&g, "copy", ids[i],
                                       MAILOUT_MSGID_MAX), 0);
    qsort(ids, N, MAILOUT_MSGID_MAX, t_cmp);
    for (i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("%s made twice in %d", ids[i], N);
    free(ids);
}

/* The date of now in zone tz (a POSIX TZ string: no tzdata needed):
 * RFC 5322's form, the zone's offset, and the instant within a few
 * seconds of now. */
static void test_date(void **state)
{
    static const struct {
        const char *tz, *offset;
    } cases[] = {
        {"UTC0", "+0000"},
        {"XST-5:30", "+0530"},
        {"YST5", "-0500"},
        {"ZST-14", "+1400"},
    };
    static const char *const re =
        "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
        "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
        "[0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}$";
    char date[MAILOUT_DATE_MAX], *old = getenv("TZ");
    struct tm tm;
    regex_t rx;
    time_t now, at;
    long off;
    size_t c;

    (void)state;
    old = old ? strdup(old) : NULL;
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        setenv("TZ", cases[c].tz, 1);
        tzset();
        now = time(NULL);
        mailout_date(date, sizeof(date));
        if (regexec(&rx, date, 0, NULL, 0) != 0)
            fail_msg("TZ=%s: got \"%s\", not RFC 5322's form", cases[c].tz,
                     date);
        if (strcmp(date + strlen(date) - 5, cases[c].offset) != 0)
            fail_msg("TZ=%s: got \"%s\", want the offset %s", cases[c].tz,
                     date, cases[c].offset);
        memset(&tm, 0, sizeof(tm));
        assert_non_null(strptime(date, "%a, %d %b %Y %H:%M:%S", &tm));
        off = strtol(date + strlen(date) - 4, NULL, 10);
        off = (off / 100 * 3600 + off % 100 * 60) *
              (date[strlen(date) - 5] == '-' ? -1 : 1);
        at = timegm(&tm) - off;
        if (at < now - 5 || at > now + 5)
            fail_msg("TZ=%s: \"%s\" is %lld s away from now", cases[c].tz,
                     date, (long long)(at - now));
    }
    regfree(&rx);
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msgid_local),
        cmocka_unit_test(test_msgid_sizes),
        cmocka_unit_test(test_msgid_unique),
        cmocka_unit_test(test_date),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
