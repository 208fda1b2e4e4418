/* registry (and store under it): validation, duplicates, transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry.h"
#include "registry/gocdb.h"
#include "db/schema.h"

static char dir[] = "/tmp/agw-reg.XXXXXX";

static struct store *open_db(void)
{
    char path[256];
    struct store *s;
    struct err e;

    snprintf(path, sizeof(path), "%s/t.db", dir);
    err_init(&e);
    if (store_open(&s, path, 1, &e) != 0)
        fail_msg("store_open: %s", e.msg);
    return s;
}

static int64_t count(struct store *s, const char *table)
{
    char sql[128];
    int64_t n = -1;
    struct err e;

    err_init(&e);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    store_get_int(s, &e, &n, sql, "");
    return n;
}

static void test_addresses(void **state)
{
    static const struct { const char *a; int ok; } cases[] = {
        {"cert@nren.example", 1}, {"a.b+c@x.example", 1},
        {"no-at.example", 0}, {"two@@x.example", 0}, {"@x.example", 0},
        {"x@nodot", 0}, {"sp ace@x.example", 0}, {"cr\r@x.example", 0},
        {"lf\n@x.example", 0}, {"<x@y.example>", 0}, {"", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (registry_valid_address(cases[i].a) != cases[i].ok)
            fail_msg("'%s': got %d, want %d", cases[i].a, !cases[i].ok,
                     cases[i].ok);
}

static void test_errors_change_nothing(void **state)
{
    struct store *s = open_db();
    struct registry_contact c = {"cert@nren.example", "CERT", NULL, NULL,
                                 NULL, 0, 0};
    struct registry_list l = {"nren", "nren@csirt.example", "", 1,
                              "sanitised", "drop", "never", NULL, NULL};
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), 0);
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    c.address = "bad address";
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    c.address = "x@nren.example";
    c.org = "NoSuchOrg";
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    assert_int_equal(count(s, "contacts"), 1);

    err_init(&e);
    assert_int_equal(registry_list_add(s, &l, &e), 0);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nolist", "cert@nren.example",
                                         &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nren", "cert@nren.example", &e),
                     0);
    err_init(&e);
    assert_int_equal(registry_member_add(s, "nren", "cert@nren.example", &e),
                     -1);
    assert_int_equal(e.code, ERR_DUP);

    /* A distribution naming one unknown list adds nothing at all. */
    err_init(&e);
    assert_int_equal(registry_dist_add(s, "alerts", "alerts@csirt.example",
                                       "nren,nosuch", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    assert_int_equal(count(s, "dists"), 0);
    assert_int_equal(count(s, "dist_lists"), 0);
    store_close(s);
}

static void test_officers(void **state)
{
    struct store *s = open_db();
    const char *fpr = "aa48 2b4f f773 584f 58d1 4563 f182 73c6 fb57 9be4";
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_officer_add(s, fpr, "Manager", NULL,
                                          "officers add by test", &e), 0);
    assert_int_equal(registry_officer_active(s,
        "AA482B4FF773584F58D14563F18273C6FB579BE4", &e), 1);
    assert_int_equal(registry_officer_active(s,
        "F9E600725878C6DAE30688CA4B568F486E960FB5", &e), 0);
    err_init(&e);
    assert_int_equal(registry_officer_add(s, "1234", NULL, NULL, "", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    store_close(s);
}

/* An officer's address for its receipts: only while active; cut to the
 * caller's buffer. */
static void test_officer_email(void **state)
{
    static const char fpr[] = "0123456789ABCDEF0123456789ABCDEF01234567";
    struct registry_officer off = {NULL, NULL, -1};
    static const struct {
        const char *fpr;
        int deactivate;     /* before the look-up */
        size_t n;
        const char *want;
    } cases[] = {
        {fpr, 0, 64, "duty@csirt.example"},
        {fpr, 0, 5, "duty"},
        {"F00D56789ABCDEF0123456789ABCDEF012345678", 0, 64, ""},
        {fpr, 1, 64, ""},
    };
    struct store *s = open_db();
    char out[64];
    struct err e;
    size_t i;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_officer_add(s, fpr, "Duty", "duty@csirt."
                                          "example", "test", &e), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].deactivate)
            assert_int_equal(registry_officer_edit(s, fpr, &off, "test", &e),
                             0);
        if (registry_officer_email(s, cases[i].fpr, out, cases[i].n, &e) != 0)
            fail_msg("case %zu: %s", i, e.msg);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, out, cases[i].want);
    }
    store_close(s);
}

/* Value of a one-row, one-column text query ("" when none). */
static void text_of(struct store *s, const char *sql, char *out, size_t n)
{
    struct store_stmt *st;
    struct err e;

    err_init(&e);
    out[0] = '\0';
    if (store_prepare(s, sql, &st, &e) != 0)
        fail_msg("%s: %s", sql, e.msg);
    if (store_step(st, &e) == 1)
        snprintf(out, n, "%s", store_col_text(st, 0));
    store_finalize(st);
}

#define OFF_FPR "F9E600725878C6DAE30688CA4B568F486E960FB5"

/* Officers edit and rm: each change one transaction with its audit row;
 * an unknown or malformed fingerprint changes nothing; alerts the
 * officer signed stay (their signer is text). */
static void test_officer_edit_rm(void **state)
{
    static const struct {
        const char *fpr;
        char op;            /* 'e' edit --active, 'r' rm */
        int active;         /* edit: 1 yes, -1 no */
        int want_rc;
        enum err_code want_code;
        int want_active;    /* registry_officer_active afterwards */
        const char *want_event;     /* the last audit event */
    } cases[] = {
        {OFF_FPR, 'e', -1, 0, ERR_OK, 0, "officer-edited"},
        {"f9e6 0072 5878 c6da e306 88ca 4b56 8f48 6e96 0fb5", 'e', 1, 0,
         ERR_OK, 1, "officer-edited"},
        {OFF_FPR, 'r', 0, 0, ERR_OK, 0, "officer-removed"},
        {OFF_FPR, 'r', 0, -1, ERR_DATA, 0, "officer-removed"},
        {OFF_FPR, 'e', -1, -1, ERR_DATA, 0, "officer-removed"},
        {"nothex", 'r', 0, -1, ERR_DATA, 0, "officer-removed"},
    };
    struct store *s = open_db();
    struct registry_officer o = {NULL, NULL, 0};
    char got[256];
    int64_t audits;
    size_t i;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_officer_add(s, OFF_FPR, "Eve", "eve@x.example",
                                          "keys import --officer by t", &e),
                     0);
    text_of(s, "SELECT added_by || '|' || (added_at > 0) FROM officers "
            "WHERE fingerprint='" OFF_FPR "'", got, sizeof(got));
    assert_string_equal(got, "keys import --officer by t|1");
    text_of(s, "SELECT event || '|' || detail || '|' || (hash <> '') FROM "
            "audit ORDER BY id DESC LIMIT 1", got, sizeof(got));
    assert_string_equal(got, "officer-added|" OFF_FPR ": Eve <eve@x.example> "
                        "(keys import --officer by t)|1");
    assert_true(store_run(s, &e, "INSERT INTO alerts(received, recipient, "
                          "signer) VALUES(1, 'a@x.example', ?)",
                          "t", OFF_FPR) == 1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;

        audits = count(s, "audit");
        err_init(&e);
        o.active = cases[i].active;
        rc = cases[i].op == 'r' ? registry_officer_rm(s, cases[i].fpr, "by t",
                                                    &e)
                              : registry_officer_edit(s, cases[i].fpr, &o,
                                                      "by t", &e);
        if (rc != cases[i].want_rc || e.code != cases[i].want_code)
            fail_msg("case %zu: got %d (%s), want %d", i, rc, e.msg,
                     cases[i].want_rc);
        if (count(s, "audit") != audits + (rc == 0))
            fail_msg("case %zu: got %lld audit rows, want %lld", i,
                     (long long)count(s, "audit"),
                     (long long)audits + (rc == 0));
        err_init(&e);
        if (registry_officer_active(s, OFF_FPR, &e) != cases[i].want_active)
            fail_msg("case %zu: active: got %d, want %d", i,
                     !cases[i].want_active, cases[i].want_active);
        text_of(s, "SELECT event FROM audit ORDER BY id DESC LIMIT 1", got,
                sizeof(got));
        if (strcmp(got, cases[i].want_event) != 0)
            fail_msg("case %zu: last event: got %s, want %s", i, got,
                     cases[i].want_event);
    }
    text_of(s, "SELECT detail FROM audit WHERE event='officer-removed'", got,
            sizeof(got));
    assert_string_equal(got, OFF_FPR ": Eve <eve@x.example> (by t)");
    o.active = 0;
    err_init(&e);
    assert_int_equal(registry_officer_edit(s, "AA482B4FF773584F58D14563F18273"
                                           "C6FB579BE4", &o, "", &e), -1);
    assert_int_equal(e.code, ERR_DATA);     /* nothing to change */
    assert_int_equal(count(s, "alerts"), 1);
    text_of(s, "SELECT count(*) FROM pragma_foreign_key_check", got,
            sizeof(got));
    assert_string_equal(got, "0");
    store_close(s);
}

static void test_schema_newer_refused(void **state)
{
    struct store *s = open_db();
    char path[256];
    struct err e;

    (void)state;
    err_init(&e);
    assert_true(store_run(s, &e, "PRAGMA user_version=99", "") >= 0);
    store_close(s);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    err_init(&e);
    assert_int_equal(store_open(&s, path, 0, &e), -1);
    assert_non_null(strstr(e.msg, "newer"));
    unlink(path);
}


/* A database left by an older alertgw: the schema strings up to version v
 * and rows such a version could hold, made with the sqlite3 shell. */
static void make_old_db(const char *path, int v)
{
    static const char *const schemas[] = {schema_v1, schema_v2, schema_v3,
                                          schema_v4, schema_v5, schema_v6,
                                          schema_v7, schema_v8, schema_v9,
                                          schema_v10, schema_v11,
                                          schema_v12};
    _Static_assert(sizeof(schemas) / sizeof(schemas[0]) ==
                       STORE_SCHEMA_VERSION - 1,
                   "every older schema version");
    char script[300], cmd[700];
    FILE *fp;
    int i;

    snprintf(script, sizeof(script), "%s/old.sql", dir);
    fp = fopen(script, "w");
    assert_non_null(fp);
    for (i = 0; i < v; i++)
        fprintf(fp, "%s\n", schemas[i]);
    fprintf(fp, "INSERT INTO orgs(name, kind) VALUES('NREN-A', 'nren');"
            "INSERT INTO contacts(address, org_id, created) VALUES("
            "'cert@nren-a.example', 1, 0);"
            "INSERT INTO lists(name, address, anonymise, template) VALUES("
            "'nren', 'nren@csirt.example', 1, 'sanitised');"
            "INSERT INTO members VALUES(1, 1);"
            "%s"
            "%s"
            "PRAGMA user_version=%d;\n", v < 7 ?
            "INSERT INTO alerts(received, recipient, raw) VALUES(0, "
            "'alerts@csirt.example', 'RAW MESSAGE');" :
            /* version 7 keeps the raw message in alert_raw */
            "INSERT INTO alerts(received, recipient) VALUES(0, "
            "'alerts@csirt.example');"
            "INSERT INTO alert_raw VALUES(1, 'RAW MESSAGE');",
            /* roles as written before version 9: any case, duplicates */
            v < 8 ? "" : "INSERT INTO contacts(address, org_id, role, "
            "created) VALUES('so@nren-a.example', 1, 'Security Officer', 0);"
            "INSERT INTO member_rules(list_id, org_kind, role) VALUES(1, "
            "'nren', 'security officer'), (1, 'nren', 'SECURITY OFFICER');",
            v);
    fclose(fp);
    unlink(path);
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' < '%s'", path, script);
    if (system(cmd) != 0)
        fail_msg("could not make a version %d database", v);
}

static void test_migrate_every_version(void **state)
{
    char path[256];
    struct store *s;
    struct err e;
    int64_t n;
    int v;

    (void)state;
    snprintf(path, sizeof(path), "%s/old.db", dir);
    for (v = 1; v < STORE_SCHEMA_VERSION; v++) {
        make_old_db(path, v);
        err_init(&e);
        if (store_open(&s, path, 0, &e) != 0)
            fail_msg("from version %d: %s", v, e.msg);
        assert_int_equal(store_get_int(s, &e, &n, "PRAGMA user_version", ""),
                         1);
        if (n != STORE_SCHEMA_VERSION)
            fail_msg("from version %d: got version %lld, want %d", v,
                     (long long)n, STORE_SCHEMA_VERSION);
        /* The raw message moved out of alerts (version 7). */
        assert_int_equal(store_get_int(s, &e, &n, "SELECT count(*) FROM "
                         "alert_raw r JOIN alerts a ON a.id = r.alert_row "
                         "WHERE r.raw = 'RAW MESSAGE'", ""), 1);
        assert_int_equal(n, 1);
        /* The old rows are there and the new model reads them. */
        assert_int_equal(store_get_int(s, &e, &n, "SELECT count(*) FROM "
                         "list_recipients r JOIN contacts c ON c.id = "
                         "r.contact_id WHERE c.source='manual' AND "
                         "c.role=''", ""), 1);
        if (n != 1)
            fail_msg("from version %d: got %lld recipients, want 1", v,
                     (long long)n);
        /* Version 9: roles in lower case, rules merged, compared
         * without case: "Security Officer" reaches the rule's list. */
        if (v == 8) {
            assert_int_equal(store_get_int(s, &e, &n, "SELECT count(*) "
                             "FROM list_recipients r JOIN contacts c ON "
                             "c.id = r.contact_id WHERE c.address = "
                             "'so@nren-a.example' AND c.role = "
                             "'security officer'", ""), 1);
            assert_int_equal(n, 1);
            assert_int_equal(store_get_int(s, &e, &n, "SELECT count(*) "
                             "FROM member_rules", ""), 1);
            assert_int_equal(n, 1);
        }
        store_close(s);
        /* Opening again changes nothing. */
        err_init(&e);
        assert_int_equal(store_open(&s, path, 0, &e), 0);
        store_close(s);
    }
    unlink(path);
}

static void test_rules_and_recipients(void **state)
{
    struct store *s = open_db();
    struct registry_org nren = {"NREN-R", "nren", "XX", NULL};
    struct registry_org isp = {"ISP-R", "isp", NULL, NULL};
    struct registry_contact c1 = {"csirt@nren-r.example", NULL, "NREN-R",
                                  NULL, "csirt", 0, 0};
    struct registry_contact c2 = {"noc@nren-r.example", NULL, "NREN-R", NULL,
                                  "noc", 0, 0};
    struct registry_contact c3 = {"csirt@isp-r.example", NULL, "ISP-R", NULL,
                                  "csirt", 0, 0};
    struct registry_contact off = {NULL, NULL, NULL, NULL, NULL, -1, 0};
    struct registry_list l = {"rules", "rules@csirt.example", "", 1,
                              "sanitised", "drop", "never", "nren", NULL};
    struct err e;
    int64_t n;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_org_add(s, &nren, &e), 0);
    assert_int_equal(registry_org_add(s, &isp, &e), 0);
    assert_int_equal(registry_contact_add(s, &c1, &e), 0);
    assert_int_equal(registry_contact_add(s, &c2, &e), 0);
    assert_int_equal(registry_contact_add(s, &c3, &e), 0);
    assert_int_equal(registry_list_add(s, &l, &e), 0);
    assert_int_equal(registry_rule_add(s, "rules", "nren", "csirt", &e), 0);
    assert_int_equal(registry_member_add(s, "rules", "csirt@nren-r.example",
                                         &e), 0);
    /* A direct member that a rule also selects is queued once. */
    store_get_int(s, &e, &n, "SELECT count(*) FROM list_recipients", "");
    if (n != 1)
        fail_msg("got %lld recipients, want 1", (long long)n);
    /* Deactivated: neither path reaches it. */
    assert_int_equal(registry_contact_edit(s, "csirt@nren-r.example", &off,
                                           &e), 0);
    store_get_int(s, &e, &n, "SELECT count(*) FROM list_recipients", "");
    if (n != 0)
        fail_msg("got %lld recipients after deactivation, want 0",
                 (long long)n);
    /* Coverage: the NREN now has no active recipient. */
    n = registry_coverage(s, "rules", 30, 1000000000, NULL, NULL, &e);
    assert_true(n >= 1);
    assert_int_equal(store_get_int(s, &e, &n, "SELECT count(*) FROM "
                     "temp.coverage WHERE problem='no-contact' AND "
                     "subject='NREN-R'", ""), 1);
    assert_int_equal(n, 1);
    err_init(&e);
    assert_int_equal(registry_rule_add(s, "rules", "planet", "", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    store_close(s);
}

/* Regression (issue 16): roles were free text compared with their case,
 * so a contact added with --role "Security Officer" silently reached no
 * list whose rule says "security officer". Roles are now stored in one
 * spelling, and a rule is found again in any case. */
static void test_roles_without_case(void **state)
{
    static const struct { const char *in, *want; int known; } cases[] = {
        {"Security Officer", "security officer", 1},
        {"  SECURITY   officer ", "security officer", 1},
        {"CSIRT", "csirt", 1},
        {"abuse", "abuse", 1},
        {"NOC", "noc", 1},
        {"Admin", "admin", 1},
        {"", "", 1},
        {"Securty Officer", "securty officer", 0},
        {"Überwachung", "Überwachung", 0},
    };
    struct store *s = open_db();
    struct registry_org org = {"NGI-ROLE", "ngi", "XX", NULL};
    struct registry_contact so = {"so@ngi-role.example", NULL, "NGI-ROLE",
                                  NULL, "Security Officer", 0, 0};
    struct registry_contact ed = {NULL, NULL, NULL, NULL, " NOC ", 0, 0};
    struct registry_list l = {"roles", "roles@csirt.example", "", 0,
                              "sanitised", "drop", "never", "", NULL};
    char out[REGISTRY_TEXT_MAX + 1];
    struct err e;
    size_t i;
    int64_t n = -1;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&e);
        if (registry_role_norm(cases[i].in, out, &e) != 0 ||
            strcmp(out, cases[i].want) != 0)
            fail_msg("'%s': got '%s' (%s), want '%s'", cases[i].in, out,
                     e.msg, cases[i].want);
        if (registry_role_known(cases[i].in) != cases[i].known)
            fail_msg("'%s': got known %d, want %d", cases[i].in,
                     !cases[i].known, cases[i].known);
    }
    err_init(&e);
    assert_int_equal(registry_org_add(s, &org, &e), 0);
    assert_int_equal(registry_contact_add(s, &so, &e), 0);
    assert_int_equal(registry_list_add(s, &l, &e), 0);
    assert_int_equal(registry_rule_add(s, "roles", "", "security officer",
                                       &e), 0);
    store_get_int(s, &e, &n, "SELECT count(*) FROM list_recipients r JOIN "
                  "lists l ON l.id = r.list_id WHERE l.name = 'roles'", "");
    if (n != 1)
        fail_msg("got %lld recipients for 'Security Officer', want 1",
                 (long long)n);
    /* the same rule in another case is a duplicate, and is removed by it */
    assert_int_equal(registry_rule_add(s, "roles", "", "SECURITY OFFICER",
                                       &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    err_init(&e);
    assert_int_equal(store_run(s, &e, "INSERT INTO member_rules(list_id, "
                               "org_kind, role) SELECT id, '', 'CSIRT' FROM "
                               "lists WHERE name = 'roles'", ""), 1);
    assert_int_equal(registry_rule_rm(s, "roles", "", "csirt", &e), 0);
    assert_int_equal(registry_contact_edit(s, "so@ngi-role.example", &ed, &e),
                     0);
    store_get_int(s, &e, &n, "SELECT count(*) FROM contacts WHERE role = "
                  "'noc' AND address = 'so@ngi-role.example'", "");
    assert_int_equal(n, 1);
    store_close(s);
}

/* The pipeline's view of a distribution: its lists by name, each with
 * the organisations among its recipients (a contact without one counts
 * as its own); and a list's recipients in address order, active only. */
static void test_lists_of(void **state)
{
    struct registry_org org = {"ORG-L", "nren", NULL, NULL};
    struct registry_contact cs[] = {
        {"b@org-l.example", NULL, "ORG-L", NULL, NULL, 0, 0},
        {"a@org-l.example", NULL, "ORG-L", "AA482B4FF773584F58D14563F18273C6"
         "FB579BE4", NULL, 0, 0},
        {"c@lone.example", NULL, NULL, NULL, NULL, 0, 0},
        {"d@lone.example", NULL, NULL, NULL, NULL, -1, 0},
    };
    struct registry_list zl = {"zeta-l", "zeta-l@csirt.example", "", 0,
                               "sanitised", "drop", "never", NULL, NULL};
    struct registry_list al = {"alpha-l", "alpha-l@csirt.example", "", 1,
                               "sanitised", "keep", "if-key", NULL, NULL};
    static const char *const want_rcpts[][2] = {
        {"a@org-l.example", "AA482B4FF773584F58D14563F18273C6FB579BE4"},
        {"b@org-l.example", ""}, {"c@lone.example", ""}};
    struct store *s = open_db();
    struct store_stmt *st;
    struct err e;
    int64_t dist, lid;
    size_t i;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_org_add(s, &org, &e), 0);
    for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
        assert_int_equal(registry_contact_add(s, &cs[i], &e), 0);
    assert_int_equal(registry_list_add(s, &zl, &e), 0);
    assert_int_equal(registry_list_add(s, &al, &e), 0);
    for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
        assert_int_equal(registry_member_add(s, "zeta-l", cs[i].address, &e),
                         0);
    assert_int_equal(registry_dist_add(s, "dist-l", "dist-l@csirt.example",
                                       "zeta-l,alpha-l", &e), 0);
    assert_int_equal(registry_dist_find(s, NULL, "dist-l", &dist, &e), 0);

    assert_int_equal(registry_lists_of(s, dist, NULL, &st, &e), 0);
    assert_int_equal(store_step(st, &e), 1);
    assert_string_equal(store_col_text(st, 1), "alpha-l");
    assert_int_equal(store_col_int(st, 3), 1);
    assert_string_equal(store_col_text(st, 5), "keep");
    assert_int_equal(store_col_int(st, 8), 0);
    assert_string_equal(store_col_text(st, 9), "if-key");
    assert_int_equal(store_step(st, &e), 1);
    assert_string_equal(store_col_text(st, 1), "zeta-l");
    if (store_col_int(st, 8) != 2)
        fail_msg("zeta-l: got %lld organisations, want 2",
                 (long long)store_col_int(st, 8));
    lid = store_col_int(st, 0);
    assert_int_equal(store_step(st, &e), 0);
    store_finalize(st);

    assert_int_equal(registry_lists_of(s, -1, "zeta-l", &st, &e), 0);
    assert_int_equal(store_step(st, &e), 1);
    assert_int_equal(store_col_int(st, 0), lid);
    assert_int_equal(store_step(st, &e), 0);
    store_finalize(st);
    assert_int_equal(registry_lists_of(s, -1, "no-such-l", &st, &e), 0);
    assert_int_equal(store_step(st, &e), 0);
    store_finalize(st);

    assert_int_equal(registry_list_recipients(s, lid, &st, &e), 0);
    for (i = 0; i < sizeof(want_rcpts) / sizeof(want_rcpts[0]); i++) {
        if (store_step(st, &e) != 1)
            fail_msg("recipient %zu: got none, want %s", i, want_rcpts[i][0]);
        if (strcmp(store_col_text(st, 0), want_rcpts[i][0]) != 0 ||
            strcmp(store_col_text(st, 1), want_rcpts[i][1]) != 0)
            fail_msg("recipient %zu: got %s '%s', want %s '%s'", i,
                     store_col_text(st, 0), store_col_text(st, 1),
                     want_rcpts[i][0], want_rcpts[i][1]);
    }
    assert_int_equal(store_step(st, &e), 0);
    store_finalize(st);
    store_close(s);
}

/* keys import --contact: the contact must exist before GnuPG's home is
 * touched, and the pin leaves the row's source alone. */
static void test_contact_pin(void **state)
{
    static const char fpr[] = "AA482B4FF773584F58D14563F18273C6FB579BE4";
    struct registry_contact c = {"pin@csirt.example", NULL, NULL, NULL, NULL,
                                 0, 0};
    static const struct {
        const char *addr;
        int want;
    } cases[] = {
        {"pin@csirt.example", 1}, {"PIN@csirt.example", 1},
        {"nobody@csirt.example", 0},
    };
    struct store *s = open_db();
    char got[80];
    struct err e;
    size_t i;
    int rc;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_contact_add(s, &c, &e), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if ((rc = registry_contact_known(s, cases[i].addr, &e)) !=
            cases[i].want)
            fail_msg("known %s: got %d, want %d", cases[i].addr, rc,
                     cases[i].want);
        if ((rc = registry_contact_pin(s, cases[i].addr, fpr, &e)) !=
            cases[i].want)
            fail_msg("pin %s: got %d, want %d", cases[i].addr, rc,
                     cases[i].want);
    }
    text_of(s, "SELECT fingerprint || ' ' || source FROM contacts WHERE "
            "address='pin@csirt.example'", got, sizeof(got));
    assert_string_equal(got, "AA482B4FF773584F58D14563F18273C6FB579BE4 "
                        "manual");
    store_close(s);
}

/* A contacts CSV adds new rows and brings known ones up to date; what
 * the export writes imports back unchanged. */
static void test_contacts_csv(void **state)
{
    static const char first[] =
        "address,name,role,active\n"
        "csv1@csirt.example,One,csirt,1\n"
        "csv2@csirt.example,Two,noc,0\n";
    static const char second[] =
        "address,name,confirmed\n"
        "csv2@csirt.example,Two again,2024-01-02T03:04:05Z\n";
    struct store *s = open_db();
    struct registry_import r = {0};
    struct buf out, again;
    char got[200];
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_contacts_import(s, first, strlen(first), "a",
                                              &r, &e), 0);
    if (r.added != 2 || r.updated != 0)
        fail_msg("first: got added %ld updated %ld, want 2 0", r.added,
                 r.updated);
    assert_int_equal(registry_contacts_import(s, second, strlen(second), "b",
                                              &r, &e), 0);
    if (r.added != 0 || r.updated != 1)
        fail_msg("second: got added %ld updated %ld, want 0 1", r.added,
                 r.updated);
    /* a field the file lacks is reset to its default: role, active */
    text_of(s, "SELECT name || '|' || role || '|' || active || '|' || "
            "confirmed || '|' || origin FROM contacts WHERE "
            "address='csv2@csirt.example'", got, sizeof(got));
    assert_string_equal(got, "Two again||1|1704164645|csv");
    buf_init(&out, 1u << 20);
    buf_init(&again, 1u << 20);
    assert_int_equal(registry_contacts_export(s, &out, &e), 0);
    assert_non_null(strstr(buf_cstr(&out), "csv2@csirt.example,Two again,,,,"
                           "1,manual,2024-01-02T03:04:05Z"));
    assert_int_equal(registry_contacts_import(s, buf_cstr(&out), out.len,
                                              "c", &r, &e), 0);
    assert_int_equal(r.added, 0);
    assert_int_equal(registry_contacts_export(s, &again, &e), 0);
    assert_string_equal(buf_cstr(&again), buf_cstr(&out));
    buf_free(&out);
    buf_free(&again);
    store_close(s);
}

/* An organisations CSV: NGIs resolved in a second pass (an NGI may come
 * after its members), rows updated by name, the export read back. */
static void test_orgs_csv(void **state)
{
    static const char text[] =
        "name,kind,country,ngi\n"
        "Site-C,site,CC,NGI-C\n"
        "NGI-C,ngi,CC,\n";
    static const char edit[] = "name,kind\nSite-C,csirt\n";
    static const char bad[] = "name,kind,ngi\nX-C,isp,Site-C\n";
    struct store *s = open_db();
    struct registry_import r = {0};
    struct buf out;
    char got[200];
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(registry_orgs_import(s, text, strlen(text), "o", &r,
                                          &e), 0);
    if (r.added != 2 || r.updated != 0)
        fail_msg("got added %ld updated %ld, want 2 0", r.added, r.updated);
    text_of(s, "SELECT o.kind || '|' || o.country || '|' || n.name || '|' "
            "|| o.origin FROM orgs o JOIN orgs n ON n.id = o.ngi_id WHERE "
            "o.name = 'Site-C'", got, sizeof(got));
    assert_string_equal(got, "site|CC|NGI-C|csv");
    /* no ngi column: the NGI stays */
    assert_int_equal(registry_orgs_import(s, edit, strlen(edit), "o2", &r,
                                          &e), 0);
    assert_int_equal(r.updated, 1);
    text_of(s, "SELECT o.kind || '|' || o.country || '|' || n.name FROM "
            "orgs o JOIN orgs n ON n.id = o.ngi_id WHERE o.name = 'Site-C'",
            got, sizeof(got));
    assert_string_equal(got, "csirt||NGI-C");
    buf_init(&out, 1u << 20);
    assert_int_equal(registry_orgs_export(s, &out, &e), 0);
    assert_non_null(strstr(buf_cstr(&out), "\nSite-C,csirt,,NGI-C,manual"
                           "\n"));
    buf_free(&out);
    err_init(&e);
    /* an NGI must be of kind ngi; the whole file changes nothing */
    assert_int_equal(registry_orgs_import(s, bad, strlen(bad), "o3", &r, &e),
                     -1);
    assert_int_equal(e.code, ERR_DATA);
    assert_non_null(strstr(e.msg, "is not an NGI"));
    assert_int_equal(count(s, "orgs WHERE name = 'X-C'"), 0);
    store_close(s);
}

#define GOC_SITE(name, country, mail) \
    "<SITE><SHORT_NAME>" name "</SHORT_NAME><COUNTRY_CODE>" country \
    "</COUNTRY_CODE><ROC>NGI_G</ROC><CSIRT_EMAIL>" mail "</CSIRT_EMAIL>" \
    "<DOMAIN><DOMAIN_NAME>" name ".example</DOMAIN_NAME></DOMAIN></SITE>"

/* GOCDB: organisations and CSIRT contacts added, then updated (an empty
 * COUNTRY keeps the one on record), kept when edited by hand, and
 * reported when gone. */
static void test_gocdb_rows(void **state)
{
    static const char first[] = "<results>" GOC_SITE("S-G1", "Gland",
        "g1@g.example") GOC_SITE("S-G2", "Gland", "g2@g.example")
        "</results>";
    static const char second[] = "<results>" GOC_SITE("S-G1", "",
        "g1@g.example") "</results>";
    struct registry_contact hand = {NULL, "By hand", NULL, NULL, NULL, 0, 0};
    struct store *s = open_db();
    struct registry_import r = {0};
    struct gocdb *g;
    char got[200], *rep = NULL;
    size_t replen = 0;
    FILE *out;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(gocdb_parse(first, strlen(first), &g, &e), 0);
    assert_int_equal(registry_gocdb_import(s, g, NULL, &r, &e), 0);
    gocdb_free(g);
    if (r.added != 2 || r.orgs_added != 3 || r.contacts_added != 2)
        fail_msg("first: got sites %ld orgs %ld contacts %ld, want 2 3 2",
                 r.added, r.orgs_added, r.contacts_added);
    assert_int_equal(registry_contact_edit(s, "g2@g.example", &hand, &e), 0);
    out = open_memstream(&rep, &replen);
    assert_non_null(out);
    assert_int_equal(gocdb_parse(second, strlen(second), &g, &e), 0);
    assert_int_equal(registry_gocdb_import(s, g, out, &r, &e), 0);
    gocdb_free(g);
    fclose(out);
    if (r.orgs_added != 0 || r.contacts_updated != 1 || r.gone != 1)
        fail_msg("second: got orgs %ld contacts %ld gone %ld, want 0 1 1",
                 r.orgs_added, r.contacts_updated, r.gone);
    text_of(s, "SELECT o.country || '|' || n.name FROM orgs o JOIN orgs n "
            "ON n.id = o.ngi_id WHERE o.name = 'S-G1'", got, sizeof(got));
    assert_string_equal(got, "Gland|NGI_G");
    if (strstr(rep, "gone: site S-G2:") == NULL ||
        strstr(rep, "gone: org S-G2:") == NULL ||
        strstr(rep, "gone: contact") != NULL)
        fail_msg("report: got '%s'", rep);
    free(rep);
    store_close(s);
}

static void test_import_keeps_manual(void **state)
{
    struct store *s = open_db();
    struct sites *a = sites_new(), *b = sites_new();
    struct registry_import r = {0};
    struct err e;
    int64_t n;
    static const char ta[] = "S1 s1.example 192.0.2.0/24\nS2 s2.example\n"
                             "S3 s3.example\n";
    static const char tb[] = "S1 s1.example 198.51.100.0/24\n"
                             "S2 s2b.example\n";

    (void)state;
    err_init(&e);
    assert_int_equal(sites_load_text(a, ta, strlen(ta), "a", &e), 0);
    assert_int_equal(sites_load_text(b, tb, strlen(tb), "b", &e), 0);
    assert_int_equal(registry_sites_import(s, a, "file", NULL, &r, &e), 0);
    assert_int_equal(r.added, 3);
    /* S2 edited by hand: the next import must leave it alone. */
    assert_int_equal(registry_site_edit(s, "S2", NULL, NULL, "", &e), 0);
    assert_int_equal(registry_sites_import(s, b, "file", NULL, &r, &e), 0);
    if (r.updated != 1 || r.kept != 1 || r.gone != 1)
        fail_msg("got updated %ld kept %ld gone %ld, want 1 1 1", r.updated,
                 r.kept, r.gone);
    store_get_int(s, &e, &n, "SELECT count(*) FROM site_ids WHERE value IN "
                  "('198.51.100.0/24', 's2.example', 's3.example')", "");
    assert_int_equal(n, 3);
    store_get_int(s, &e, &n, "SELECT count(*) FROM site_ids WHERE value IN "
                  "('192.0.2.0/24', 's2b.example')", "");
    assert_int_equal(n, 0);
    sites_free(a);
    sites_free(b);
    store_close(s);
}

static void load_sites(struct sites *idx, const char *text)
{
    struct err e;

    err_init(&e);
    if (sites_load_text(idx, text, strlen(text), "t", &e) != 0)
        fail_msg("sites: %s", e.msg);
}

/* Sites: a re-import of the same file changes nothing (signatures); an
 * identifier another site holds is an error by hand and a reported
 * conflict in an import, which goes on without it. */
static void test_sites_conflicts(void **state)
{
    static const char a[] = "T1 t1.example \"Tee One\"\nT2 t2.example\n";
    static const char b[] = "T9 t9.example t1.example\n";
    struct sites *ia = sites_new(), *ib = sites_new(), *hand = sites_new();
    struct store *s = open_db();
    struct registry_import r = {0};
    char *rep = NULL;
    size_t replen = 0;
    FILE *out;
    struct err e;

    (void)state;
    load_sites(ia, a);
    load_sites(ib, b);
    load_sites(hand, "T3 t3.example t2.example\n");
    err_init(&e);
    assert_int_equal(registry_sites_import(s, ia, "file", NULL, &r, &e), 0);
    assert_int_equal(r.added, 2);
    assert_int_equal(registry_sites_import(s, ia, "file", NULL, &r, &e), 0);
    if (r.added != 0 || r.updated != 0 || r.unchanged != 2)
        fail_msg("again: got added %ld updated %ld unchanged %ld, want 0 0 2",
                 r.added, r.updated, r.unchanged);
    assert_int_equal(registry_site_add(s, hand, NULL, &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    assert_int_equal(count(s, "sites WHERE name = 'T3'"), 0);
    out = open_memstream(&rep, &replen);
    assert_non_null(out);
    err_init(&e);
    assert_int_equal(registry_sites_import(s, ib, "file", out, &r, &e), 0);
    fclose(out);
    assert_int_equal(r.conflicts, 1);
    if (strstr(rep, "conflict: t1.example: domain t1.example already "
               "belongs to site T1; not added\n") == NULL)
        fail_msg("report: got '%s'", rep);
    assert_int_equal(count(s, "site_ids i JOIN sites s ON s.id = i.site_id "
                           "WHERE s.name = 'T9'"), 1);
    free(rep);
    sites_free(ia);
    sites_free(ib);
    sites_free(hand);
    store_close(s);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_errors_change_nothing),
        cmocka_unit_test(test_officers),
        cmocka_unit_test(test_officer_edit_rm),
        cmocka_unit_test(test_officer_email),
        cmocka_unit_test(test_schema_newer_refused),
        cmocka_unit_test(test_migrate_every_version),
        cmocka_unit_test(test_rules_and_recipients),
        cmocka_unit_test(test_roles_without_case),
        cmocka_unit_test(test_import_keeps_manual),
        cmocka_unit_test(test_lists_of),
        cmocka_unit_test(test_contact_pin),
        cmocka_unit_test(test_contacts_csv),
        cmocka_unit_test(test_orgs_csv),
        cmocka_unit_test(test_gocdb_rows),
        cmocka_unit_test(test_sites_conflicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
