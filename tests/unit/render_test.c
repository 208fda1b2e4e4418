/* render: templates load-time checks and expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/render.h"

static char dir[] = "/tmp/agw-render.XXXXXX";

static void put(const char *name, const char *text)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s.tmpl", dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_load_errors(void **state)
{
    static const struct { const char *name, *text, *want; } cases[] = {
        {"nosubj", "Hello\n\n{{body}}\n", ":1: a template starts with"},
        {"noblank", "Subject: x\n{{body}}\n", ":2: an empty line"},
        {"unknown", "Subject: x\n\n{{bogus}}\n", ":3: unknown variable"},
        {"unclosed", "Subject: {{tlp\n\nx\n", ":1: '{{' without"},
        {"unknownsubj", "Subject: {{nope}}\n\nx\n", ":1: unknown variable"},
        {"line5", "Subject: x\n\na\nb\n{{zzz}}\n", ":5: unknown variable"},
    };
    struct render_tmpl *t;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put(cases[i].name, cases[i].text);
        err_init(&e);
        if (render_load(dir, cases[i].name, &t, &e) == 0)
            fail_msg("%s: got success, want error '%s'", cases[i].name,
                     cases[i].want);
        if (strstr(e.msg, cases[i].want) == NULL)
            fail_msg("%s: got '%s', want '%s'", cases[i].name, e.msg,
                     cases[i].want);
    }
}

static void test_apply(void **state)
{
    struct render_tmpl *t;
    struct render_var vars[] = {{"tlp", "TLP:AMBER"}, {"subject", "hi"},
                                {"body", "text"}, {"list", "nren"}};
    struct buf s, b;
    struct err e;

    (void)state;
    put("ok", "Subject: [{{tlp}}] {{subject}}\n\n{{body}}\n-- {{list}}"
        "{{alert_id}}\n");
    err_init(&e);
    assert_int_equal(render_load(dir, "ok", &t, &e), 0);
    buf_init(&s, 1024);
    buf_init(&b, 1024);
    assert_int_equal(render_apply(t, vars, 4, &s, &b, &e), 0);
    assert_string_equal(buf_cstr(&s), "[TLP:AMBER] hi");
    assert_string_equal(buf_cstr(&b), "text\n-- nren\n");
    buf_reset(&s);
    vars[1].value = "evil\r\nBcc: victim@example.org";
    assert_int_equal(render_apply(t, vars, 4, &s, &b, &e), -1);
    assert_non_null(strstr(e.msg, "line break"));
    buf_free(&s);
    buf_free(&b);
    render_free(t);
}

/* No variable can put a line break into the Subject, whichever variable
 * carries it; a value is never expanded again ("{{body}}" stays text). */
static void test_injection(void **state)
{
    static const struct { const char *var, *value; int ok; } cases[] = {
        {"subject", "evil\r\nBcc: victim@example.org", 0},
        {"subject", "evil\nBcc: victim@example.org", 0},
        {"subject", "evil\rBcc: victim@example.org", 0},
        {"subject", "trailing\n", 0},
        {"alert_id", "EGI-1\r\nX-Injected: 1", 0},
        {"list", "nren\nReply-To: attacker@example.net", 0},
        {"tlp", "TLP:AMBER\r\n\r\nbody", 0},
        {"subject", "{{body}} stays text", 1},
        {"body", "a body may\r\nhold line breaks", 1},
    };
    struct render_tmpl *t;
    struct render_var vars[] = {{"tlp", "TLP:AMBER"}, {"subject", "hi"},
                                {"body", "text"}, {"list", "nren"},
                                {"alert_id", "EGI-20260707-01"}};
    struct buf s, b;
    struct err e;
    size_t i, j;
    int rc;

    (void)state;
    put("inj", "Subject: [{{tlp}}] {{alert_id}} {{subject}} ({{list}})\n\n"
        "{{body}}\n");
    err_init(&e);
    assert_int_equal(render_load(dir, "inj", &t, &e), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct render_var v[5];
        memcpy(v, vars, sizeof(v));
        for (j = 0; j < 5; j++)
            if (strcmp(v[j].name, cases[i].var) == 0)
                v[j].value = cases[i].value;
        buf_init(&s, 4096);
        buf_init(&b, 4096);
        err_init(&e);
        rc = render_apply(t, v, 5, &s, &b, &e);
        if ((rc == 0) != cases[i].ok)
            fail_msg("%s='%s': got rc %d, want %s", cases[i].var,
                     cases[i].value, rc, cases[i].ok ? "0" : "-1");
        if (rc == 0 && strpbrk(buf_cstr(&s), "\r\n"))
            fail_msg("%s: got a line break in the Subject, want none",
                     cases[i].var);
        if (i == 7 && strstr(buf_cstr(&s), "{{body}} stays text") == NULL)
            fail_msg("got '%s', want the value verbatim", buf_cstr(&s));
        buf_free(&s);
        buf_free(&b);
    }
    render_free(t);
}

static void test_shipped(void **state)
{
    static const char *const names[] = {"full", "sanitised"};
    const char *src = getenv("AGW_SOURCE_DIR");
    char path[512];
    struct err e;
    size_t i;

    (void)state;
    snprintf(path, sizeof(path), "%s/templates", src ? src : ".");
    for (i = 0; i < 2; i++) {
        err_init(&e);
        if (render_check_template(path, names[i], &e) != 0)
            fail_msg("%s: got '%s', want no error", names[i], e.msg);
    }
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
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_shipped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
