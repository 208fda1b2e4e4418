/* util/csv: RFC 4180 records in, records out, and the round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/csv.h"

/* Every record of text, fields joined with '|' and records with '/'. */
static int join_all(const char *text, struct buf *out)
{
    const char *f[CSV_FIELDS_MAX];
    struct buf rec;
    size_t pos = 0, line = 0, n, i;
    int rc;

    buf_init(&rec, CSV_RECORD_MAX);
    buf_reset(out);
    while ((rc = csv_next(text, strlen(text), &pos, &line, &rec, f, &n)) ==
           1) {
        for (i = 0; i < n; i++)
            buf_printf(out, "%s%s", i ? "|" : "", f[i]);
        buf_putc(out, '/');
    }
    buf_free(&rec);
    return rc;
}

static void test_read(void **state)
{
    static const struct { const char *in, *want; int rc; } cases[] = {
        {"a,b,c\n", "a|b|c/", 0},
        {"a,b,c", "a|b|c/", 0},
        {"a,,c\r\nd,e,f\r\n", "a||c/d|e|f/", 0},
        {"\"x, y\",\"say \"\"hi\"\"\"\n", "x, y|say \"hi\"/", 0},
        {"\"two\nlines\",z\n", "two\nlines|z/", 0},
        {"\n\na\n\n", "a/", 0},
        {",\n", "|/", 0},
        {"\"\"\n", "/", 0},
        {"", "", 0},
        {"\"open\n", "", CSV_EQUOTE},
        {"a\"b\n", "", CSV_EQUOTE},
        {"\"a\"b\n", "", CSV_EQUOTE},
        {"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", "", CSV_EFIELDS},
    };
    struct buf out;
    size_t i;
    int rc;

    (void)state;
    buf_init(&out, 1 << 16);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc = join_all(cases[i].in, &out);
        if (rc != cases[i].rc)
            fail_msg("case %zu: got rc %d, want %d", i, rc, cases[i].rc);
        if (rc == 0 && strcmp(buf_cstr(&out), cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, buf_cstr(&out),
                     cases[i].want);
    }
    buf_free(&out);
}

static void test_round_trip(void **state)
{
    static const char *const rec[] = {"plain", "", "with, comma",
                                      "quote \" inside", "line\nbreak",
                                      " padded ", "cr\r"};
    const size_t n = sizeof(rec) / sizeof(rec[0]);
    const char *f[CSV_FIELDS_MAX];
    struct buf out, r;
    size_t pos = 0, line = 0, got, i;

    (void)state;
    buf_init(&out, 1 << 16);
    buf_init(&r, CSV_RECORD_MAX);
    assert_int_equal(csv_put(&out, rec, n), 0);
    assert_int_equal(csv_next(out.data, out.len, &pos, &line, &r, f, &got),
                     1);
    if (got != n)
        fail_msg("got %zu fields, want %zu", got, n);
    for (i = 0; i < n; i++)
        if (strcmp(f[i], rec[i]) != 0)
            fail_msg("field %zu: got '%s', want '%s'", i, f[i], rec[i]);
    assert_int_equal(pos, out.len);
    buf_free(&out);
    buf_free(&r);
}

/* Regression: a contact name "=HYPERLINK(...)" was exported verbatim and
 * ran as a formula in the admin's spreadsheet. */
static void test_csv_export_neutralises_formulas(void **state)
{
    static const char *const rec[] = {"=1+1", "+49 30 1234", "-x", "@SUM(A1)",
                                      "\tx", "'=kept", "''@two", "o'k",
                                      "'plain", "a=b"};
    static const char want[] = "'=1+1,'+49 30 1234,'-x,'@SUM(A1),"
                               "\"'\tx\",''=kept,'''@two,o'k,'plain,a=b\n";
    const size_t n = sizeof(rec) / sizeof(rec[0]);
    const char *f[CSV_FIELDS_MAX];
    struct buf out, r;
    size_t pos = 0, line = 0, got, i;

    (void)state;
    buf_init(&out, 1 << 16);
    buf_init(&r, CSV_RECORD_MAX);
    assert_int_equal(csv_put(&out, rec, n), 0);
    assert_int_equal(buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, want);
    assert_int_equal(csv_next(out.data, out.len - 1, &pos, &line, &r, f,
                              &got), 1);
    assert_int_equal(got, n);
    for (i = 0; i < n; i++)
        assert_string_equal(f[i], rec[i]);
    buf_free(&out);
    buf_free(&r);
}

static void test_record_cap(void **state)
{
    const char *f[CSV_FIELDS_MAX];
    struct buf text, r;
    size_t pos = 0, line = 0, n, i;

    (void)state;
    buf_init(&text, CSV_RECORD_MAX * 2);
    buf_init(&r, CSV_RECORD_MAX);
    for (i = 0; i < CSV_RECORD_MAX + 10; i++)
        buf_putc(&text, 'x');
    buf_putc(&text, '\n');
    assert_int_equal(csv_next(text.data, text.len, &pos, &line, &r, f, &n),
                     CSV_ETOOBIG);
    buf_free(&text);
    buf_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_csv_export_neutralises_formulas),
        cmocka_unit_test(test_record_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
