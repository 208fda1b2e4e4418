/* listing: the exact bytes of a listing and a show, as a table and as
 * JSON (SQLite's json_quote: numbers bare, text escaped by SQLite, NULL
 * as ""), the filter on a column, '_' columns left out, no rows, a show
 * that finds nothing, and names that are no plain identifiers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/listing.h"
#include "db/store.h"

static char t_dir[] = "/tmp/agw-listing-test.XXXXXX";

/* A table with every kind of value, and a view over it. */
static const char t_schema[] =
    "CREATE TABLE t(id INTEGER, name TEXT, r REAL, n TEXT);"
    "INSERT INTO t VALUES(1, 'plain', 1.5, 'x');"
    "INSERT INTO t VALUES(2, 'q\"uo\\te' || char(10) || 'tab' || char(9)"
    " || 'é', 0.25, NULL);"
    "CREATE VIEW v AS SELECT id AS _id, name, id AS num, r, n FROM t"
    " ORDER BY id;"
    /* issue 16: yes/no columns were 1/0 in JSON; by their names, JSON
     * booleans now, whether the view holds 1/0 or yes/no */
    "CREATE VIEW b AS SELECT name, 2 - id AS active, CASE id WHEN 1 THEN"
    " 'yes' ELSE 'no' END AS anonymise, n AS single_org FROM t ORDER BY id;";

static const struct {
    const char *what;
    int show, json;
    const char *view, *col, *value;
    const char *want;               /* NULL: an error */
    enum err_code code;
} cases[] = {
    {"table", 0, 0, "v", NULL, NULL,
     "name\tnum\tr\tn\nplain\t1\t1.5\tx\nq\"uo\\te tab \xc3\xa9\t2\t0.25\t\n",
     0},
    {"json", 0, 1, "v", NULL, NULL,
     "[\n  {\"name\": \"plain\", \"num\": 1, \"r\": 1.5, \"n\": \"x\"},\n"
     "  {\"name\": \"q\\\"uo\\\\te\\ntab\\t\xc3\xa9\", \"num\": 2, "
     "\"r\": 0.25, \"n\": \"\"}\n]\n", 0},
    {"json filtered on a hidden column", 0, 1, "v", "_id", "1",
     "[\n  {\"name\": \"plain\", \"num\": 1, \"r\": 1.5, \"n\": \"x\"}\n]\n",
     0},
    {"filter value NULL: every row", 0, 0, "v", "_id", NULL,
     "name\tnum\tr\tn\nplain\t1\t1.5\tx\nq\"uo\\te tab \xc3\xa9\t2\t0.25\t\n",
     0},
    {"json, no rows", 0, 1, "v", "name", "none", "[]\n", 0},
    {"table, no rows", 0, 0, "v", "name", "none", "", 0},
    {"show", 1, 0, "v", "_id", "2",
     "name: q\"uo\\te tab \xc3\xa9\nnum: 2\nr: 0.25\nn: \n", 0},
    {"show json", 1, 1, "v", "name", "plain",
     "{\n  \"name\": \"plain\",\n  \"num\": 1,\n  \"r\": 1.5,\n"
     "  \"n\": \"x\"\n}\n", 0},
    {"show, no row", 1, 0, "v", "name", "none", NULL, ERR_DATA},
    {"booleans: json true/false by the column's name", 0, 1, "b", NULL,
     NULL,
     "[\n  {\"name\": \"plain\", \"active\": true, \"anonymise\": true, "
     "\"single_org\": \"x\"},\n  {\"name\": \"q\\\"uo\\\\te\\ntab\\t"
     "\xc3\xa9\", \"active\": false, \"anonymise\": false, "
     "\"single_org\": \"\"}\n]\n", 0},
    {"booleans: the table as the view has them", 0, 0, "b", NULL, NULL,
     "name\tactive\tanonymise\tsingle_org\nplain\t1\tyes\tx\n"
     "q\"uo\\te tab \xc3\xa9\t0\tno\t\n", 0},
    {"booleans: a show", 1, 1, "b", "name", "plain",
     "{\n  \"name\": \"plain\",\n  \"active\": true,\n"
     "  \"anonymise\": true,\n  \"single_org\": \"x\"\n}\n", 0},
    {"view name not an identifier", 0, 0, "v; DROP TABLE t", NULL, NULL,
     NULL, ERR_SOFTWARE},
    {"column name not an identifier", 0, 0, "v", "name = name OR 1", "x",
     NULL, ERR_SOFTWARE},
    {"no such view", 0, 0, "nope", NULL, NULL, NULL, ERR_SOFTWARE},
};

/* The schema, one statement at a time (store_run runs one). */
static void t_schema_run(struct store *s)
{
    const char *p = t_schema, *q;
    char one[256];
    struct err e;

    err_init(&e);
    for (; (q = strchr(p, ';')) != NULL; p = q + 1) {
        snprintf(one, sizeof(one), "%.*s", (int)(q - p), p);
        if (store_run(s, &e, one, "") < 0)
            fail_msg("schema: %s", e.msg);
    }
}

static void test_listing_cases(void **state)
{
    char path[256], *got = NULL;
    struct store *s;
    struct err e;
    size_t i, len;
    FILE *out;
    int rc;

    (void)state;
    snprintf(path, sizeof(path), "%s/t.db", t_dir);
    err_init(&e);
    assert_int_equal(store_open(&s, path, 1, &e), 0);
    t_schema_run(s);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&e);
        out = open_memstream(&got, &len);
        assert_non_null(out);
        rc = cases[i].show
             ? listing_show(s, cases[i].view, cases[i].col, cases[i].value,
                            "thing", cases[i].json, out, &e)
             : listing_print(s, cases[i].view, cases[i].col, cases[i].value,
                             cases[i].json, out, &e);
        fclose(out);
        if (cases[i].want && (rc != 0 || strcmp(got, cases[i].want) != 0))
            fail_msg("%s: got rc %d, \"%s\" (%s), want \"%s\"",
                     cases[i].what, rc, got, e.msg, cases[i].want);
        if (!cases[i].want && (rc == 0 || e.code != cases[i].code))
            fail_msg("%s: got rc %d code %d (%s), want code %d",
                     cases[i].what, rc, e.code, e.msg, cases[i].code);
        free(got);
        got = NULL;
    }
    store_close(s);
    unlink(path);
}

static void test_listing_show_message(void **state)
{
    char path[256];
    struct store *s;
    struct err e;
    FILE *out = fopen("/dev/null", "w");

    (void)state;
    snprintf(path, sizeof(path), "%s/m.db", t_dir);
    err_init(&e);
    assert_int_equal(store_open(&s, path, 1, &e), 0);
    assert_int_equal(listing_show(s, "orgs_list", "name", "NOPE",
                                  "organisation", 0, out, &e), -1);
    assert_string_equal(e.msg, "no organisation 'NOPE'");
    fclose(out);
    store_close(s);
    unlink(path);
}

static int t_setup(void **state)
{
    (void)state;
    return mkdtemp(t_dir) == NULL ? -1 : 0;
}

static int t_teardown(void **state)
{
    char path[256];
    static const char *const left[] = {"t.db-wal", "t.db-shm", "m.db-wal",
                                       "m.db-shm"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", t_dir, left[i]);
        unlink(path);
    }
    return rmdir(t_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listing_cases),
        cmocka_unit_test(test_listing_show_message),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
