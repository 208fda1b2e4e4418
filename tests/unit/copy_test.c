/* copy: the last check before a copy leaves (copy_leak_msg) reads every
 * place of the copy once: the raw copy's header fields, MIME structure
 * and parameters as they stand, and each text part decoded (its body as
 * written is then left out of the raw read, issue 14's speed, unless it
 * is base64: a line in it that is not base64 is read raw). A victim
 * name in a form only the independent detector reads (U+1E00 for its A)
 * is put in each place in turn: each is caught, in the place named; the
 * same copy with a placeholder there passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "process/process_int.h"
#include "util/buf.h"

/* EXAMPLE-T2 (tests/data/sites-sample.txt) with its A written U+1E00
 * (A with ring below), which the anonymiser's own scanner does not read
 * (README, known gaps), so that the independent detector must */
#define T_FORM "EX\xe1\xb8\x80MPLE-T2"
#define T_FORM_QP "EX=E1=B8=80M=\r\nPLE-T2"
#define T_FORM_PCT "EX%E1%B8%80MPLE-T2"
#define T_CLEAN "[SITE-1]"
/* all of it in mathematical bold: no byte of it is base64, so a base64
 * decoder skips it and only the raw copy's checks read it (the
 * anonymiser's scanner reads this form too now: either finding will do) */
#define T_ALL_BOLD "\xf0\x9d\x90\x84\xf0\x9d\x90\x97\xf0\x9d\x90\x80" \
    "\xf0\x9d\x90\x8c\xf0\x9d\x90\x8f\xf0\x9d\x90\x8b\xf0\x9d\x90\x84-" \
    "\xf0\x9d\x90\x93\xf0\x9d\x9f\x90"

#define T_HEAD "From: CSIRT <csirt@csirt.example>\r\n" \
    "To: nren@lists.example\r\nSubject: EGI-20260707-01 [TLP:AMBER]\r\n"
#define T_TEXT "MIME-Version: 1.0\r\n" \
    "Content-Type: text/plain; charset=utf-8\r\n" \
    "Content-Transfer-Encoding: 8bit\r\n"
#define T_MIXED "MIME-Version: 1.0\r\n" \
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" \
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" \
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n" \
    "The attacker came from 203.0.113.9.\r\n"

struct t_case {
    const char *place;
    const char *msg;        /* @V@: where the name goes */
    const char *leak, *clean;
    const char *where;      /* the place the finding names */
};

static const struct t_case cases[] = {
    {"a header field", T_HEAD "Comments: seen at @V@\r\n" T_TEXT
     "\r\nBody.\r\n", T_FORM, T_CLEAN, "in the raw copy"},
    {"the Subject", "From: csirt@csirt.example\r\nSubject: at @V@\r\n"
     T_TEXT "\r\nBody.\r\n", T_FORM, T_CLEAN, "in Subject"},
    {"a MIME parameter", T_HEAD "MIME-Version: 1.0\r\n"
     "Content-Type: text/plain; charset=utf-8; x-origin=\"@V@\"\r\n"
     "Content-Transfer-Encoding: 8bit\r\n\r\nBody.\r\n", T_FORM, T_CLEAN,
     "in the raw copy"},
    {"a file name", T_HEAD T_MIXED "--b1\r\n"
     "Content-Type: text/plain; charset=utf-8\r\n"
     "Content-Disposition: attachment; filename*=utf-8''@V@.txt\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\nbm90ZXMK\r\n--b1--\r\n",
     T_FORM_PCT, "SITE-1", "in the file name of part 2"},
    {"a quoted-printable body split by a soft line break", T_HEAD
     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
     "Seen at @V@ today.\r\n", T_FORM_QP, T_CLEAN, "in part 1"},
    {"a base64 attachment", T_HEAD T_MIXED "--b1\r\n"
     "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n"
     "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\n@V@\r\n--b1--\r\n",
     "SG9zdHMgb2YgRVjhuIBNUExFLVQyIHdlcmUgZW50ZXJlZC4K",
     "SG9zdHMgb2YgW1NJVEUtMV0gd2VyZSBlbnRlcmVkLgo=", "in part 2"},
    {"an HTML alternative", T_HEAD "MIME-Version: 1.0\r\n"
     "Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n"
     "--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSeen.\r\n"
     "--b2\r\nContent-Type: text/html; charset=utf-8\r\n"
     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
     "<p>Seen at <span class=3Dx>@V@</span>PLE-T2</p>\r\n--b2--\r\n",
     "EX=E1=B8=80M", "SITE-1 AM", "in part 2 (HTML"},
    {"the template's own text", T_HEAD T_MIXED "--b1\r\n"
     "Content-Type: text/plain; charset=utf-8\r\n"
     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
     "-- =0D\r\nSanitised copy for the NREN CSIRTs of @V@.\r\n--b1--\r\n",
     T_FORM_QP, T_CLEAN, "in part 2"},
    {"a base64 text part, a line in it that is not base64 (read raw)",
     T_HEAD T_MIXED "--b1\r\n"
     "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\"\r\n"
     "Content-Transfer-Encoding: base64\r\n\r\nbm90ZXMK\r\n@V@\r\n--b1--\r\n",
     T_ALL_BOLD, "-", "in the raw copy"},
    {"a header field, bare LF line ends (the raw copy read whole)",
     "From: csirt@csirt.example\nSubject: x\nComments: at @V@\n"
     "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: quoted-printable\n\nBody.\n", T_FORM,
     T_CLEAN, "in the raw copy"},
};

struct t_env {
    struct conf conf;
    struct gateway g;
};

static int t_setup(void **state)
{
    const char *src = getenv("AGW_SOURCE_DIR");
    struct t_env *env = calloc(1, sizeof(*env));
    char path[] = "/tmp/agw-copy-test.XXXXXX", sites[4096];
    struct err e;
    FILE *f;
    int fd = mkstemp(path);

    err_init(&e);
    if (src == NULL || env == NULL || fd < 0 ||
        (f = fdopen(fd, "w")) == NULL)
        return -1;
    fprintf(f, "[anonymise]\nrules_dir = %s/rules\n", src);
    snprintf(sites, sizeof(sites), "%s/tests/data/sites-sample.txt", src);
    if (fclose(f) != 0 || conf_load(&env->conf, path, &e) != 0) {
        unlink(path);
        return -1;
    }
    unlink(path);
    gateway_init(&env->g, &env->conf);
    env->g.sites = sites_new();
    if (env->g.sites == NULL ||
        sites_load_file(env->g.sites, sites, &e) != 0 ||
        gateway_anon(&env->g, &e) != 0) {
        fprintf(stderr, "set-up: %s\n", e.msg);
        return -1;
    }
    *state = env;
    return 0;
}

static int t_teardown(void **state)
{
    struct t_env *env = *state;

    gateway_close(&env->g);
    conf_free(&env->conf);
    free(env);
    return 0;
}

/* c->msg with @V@ made v, then copy_leak_msg over it. */
static int t_check(struct t_env *env, const struct t_case *c, const char *v,
                   struct err *e)
{
    struct pctx pc = {&env->g, NULL, NULL, NULL, NULL, NULL, NULL};
    const char *at = strstr(c->msg, "@V@");
    struct buf m;
    int rc;

    assert_non_null(at);
    buf_init(&m, 1 << 20);
    assert_int_equal(buf_append(&m, c->msg, (size_t)(at - c->msg)) |
                     buf_puts(&m, v) | buf_puts(&m, at + 3), 0);
    err_init(e);
    rc = copy_leak_msg(&pc, m.data, m.len, e);
    buf_free(&m);
    return rc;
}

static void test_every_place(void **state)
{
    struct t_env *env = *state;
    struct err e;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct t_case *c = &cases[i];

        if (t_check(env, c, c->leak, &e) == 0)
            fail_msg("%s: got no finding, want one %s", c->place, c->where);
        if (e.code != ERR_LEAK || strstr(e.msg, "site EXAMPLE-T2") == NULL
            || strstr(e.msg, c->where) == NULL)
            fail_msg("%s: got \"%s\", want a leak of EXAMPLE-T2 %s",
                     c->place, e.msg, c->where);
        if (t_check(env, c, c->clean, &e) != 0)
            fail_msg("%s, a placeholder there: got \"%s\", want no finding",
                     c->place, e.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_place),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
