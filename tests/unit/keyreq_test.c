/* keyreq: which mails to the key address get an answer, from the
 * envelope sender and the header alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "intake/keyreq.h"

static const char *screen(const char *sender, const char *msg)
{
    static struct keyreq r;

    keyreq_screen(sender, msg, strlen(msg), &r);
    return r.refused;
}

static void test_plain_request_answered(void **state)
{
    struct keyreq r;
    const char *m = "From: Cert <cert@nren.example>\r\n"
                    "Message-ID: <abc.1@nren.example>\r\n"
                    "Subject: key\r\n\r\nplease\r\n";

    (void)state;
    keyreq_screen("cert@nren.example", m, strlen(m), &r);
    assert_null(r.refused);
    assert_string_equal(r.msgid, "<abc.1@nren.example>");
    /* Auto-Submitted: no is a person's mail */
    assert_null(screen("cert@nren.example",
                       "Auto-Submitted: no\n\nbody\n"));
}

static void test_automatic_mail_refused(void **state)
{
    (void)state;
    assert_non_null(screen("a@b.example", "Auto-Submitted: auto-replied\n\n"));
    /* folded, other case */
    assert_non_null(screen("a@b.example",
                           "Subject: x\nauto-submitted:\n\tauto-generated\n\n"));
    assert_non_null(screen("a@b.example", "Precedence: junk\n\n"));
    assert_non_null(screen("a@b.example", "Precedence: LIST\n\n"));
    assert_non_null(screen("a@b.example", "List-Id: <l.example>\n\n"));
    assert_non_null(screen("a@b.example", "X-Autoreply: yes\n\n"));
    /* "nothing" is not "no" */
    assert_non_null(screen("a@b.example", "Auto-Submitted: nothing\n\n"));
}

static void test_body_is_not_header(void **state)
{
    (void)state;
    assert_null(screen("a@b.example",
                       "Subject: x\r\n\r\nPrecedence: bulk\r\nList-Id: x\r\n"));
    assert_null(screen("a@b.example", "Subject: x\n\nAuto-Submitted: yes\n"));
}

static void test_senders(void **state)
{
    (void)state;
    assert_non_null(screen("", "Subject: x\n\n"));
    assert_non_null(screen(NULL, "Subject: x\n\n"));
    assert_non_null(screen("MAILER-DAEMON", "Subject: x\n\n"));
    assert_non_null(screen("mailer-daemon@mx.example", "Subject: x\n\n"));
    assert_non_null(screen("owner-csirts@lists.example", "Subject: x\n\n"));
    assert_non_null(screen("csirts-request@lists.example", "Subject: x\n\n"));
    assert_non_null(screen("csirts-bounces@lists.example", "Subject: x\n\n"));
    assert_non_null(screen("a b@c.example", "Subject: x\n\n"));
    assert_non_null(screen("a@b.example, c@d.example", "Subject: x\n\n"));
    assert_non_null(screen("root@localhost", "Subject: x\n\n"));
    assert_non_null(screen("a@b.example\r\nBcc: x@y.example", "S: x\n\n"));
    assert_true(keyreq_addr_ok("cert+alerts@nren-xx.example"));
    assert_false(keyreq_addr_ok("@nren.example"));
    assert_false(keyreq_addr_ok("a@@nren.example"));
    assert_false(keyreq_addr_ok("a@nren.example."));
    assert_false(keyreq_addr_ok("<a@nren.example>"));
}

/* A Message-ID that is not one plain <...> is not echoed in In-Reply-To */
static void test_msgid_kept_only_when_plain(void **state)
{
    struct keyreq r;
    const char *bad[] = {"Message-ID: <a@b> <c@d>\n\n",
                         "Message-ID: a@b\n\n", "Message-ID: <a b@c>\n\n",
                         "Message-ID: <>\n\n"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        keyreq_screen("a@b.example", bad[i], strlen(bad[i]), &r);
        assert_null(r.refused);
        assert_string_equal(r.msgid, "");
    }
}

/* A header past KEYREQ_HEADER_MAX, no empty line, lines without colons:
 * still a verdict, nothing read past the length given. */
static void test_hostile_header(void **state)
{
    size_t n = KEYREQ_HEADER_MAX * 2;
    char *m = malloc(n);
    struct keyreq r;

    (void)state;
    assert_non_null(m);
    memset(m, 'A', n);
    keyreq_screen("a@b.example", m, n, &r);
    assert_null(r.refused);
    memcpy(m, "Subject: x\nno colon here\nList-Id:", 34);
    keyreq_screen("a@b.example", m, 34, &r);
    assert_non_null(r.refused);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_request_answered),
        cmocka_unit_test(test_automatic_mail_refused),
        cmocka_unit_test(test_body_is_not_header),
        cmocka_unit_test(test_senders),
        cmocka_unit_test(test_msgid_kept_only_when_plain),
        cmocka_unit_test(test_hostile_header),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
