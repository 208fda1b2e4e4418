/* mail/dsn: delivery status reports (RFC 3464) read, and what is not one
 * refused with its reason; the header fields of replies (issue 17). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mail/dsn.h"

#define HDR(ct) "From: MAILER-DAEMON@mx.example\nContent-Type: " ct "\n\n"
#define REPORT HDR("multipart/report; report-type=delivery-status;\n" \
                   "\tboundary=\"=_b 1\"")
#define STATUS "--=_b 1\nContent-Type: text/plain\n\nhuman text\n" \
               "--=_b 1\nContent-Type: message/delivery-status\n\n"

/* Postfix's own shape, CRLF and LF alike */
static const char postfix[] =
    REPORT STATUS
    "Reporting-MTA: dns; mx.csirt.example\n"
    "Original-Envelope-Id: 42\n\n"
    "Final-Recipient: rfc822; officer3@ngi-zz.example\n"
    "Original-Recipient: rfc822;officer3@ngi-zz.example\n"
    "Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; 127.0.0.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <officer3@ngi-zz.example>:\n"
    "    mailbox unavailable\n\n"
    "Final-Recipient: rfc822; csirt@nren-yy.example\n"
    "Action: Delayed\nStatus: 4.3.0 (busy)\n\n"
    "--=_b 1\nContent-Type: text/rfc822-headers\n\nSubject: x\n\n"
    "--=_b 1--\n";

static const struct {
    const char *name, *in;
    int rc;
    const char *envid;
    size_t n;
    const char *orcpt, *final, *action, *status, *diag, *why;
} cases[] = {
    {"postfix bounce", postfix, 0, "42", 2, "officer3@ngi-zz.example",
     "officer3@ngi-zz.example", "failed", "5.1.1",
     "smtp; 550 5.1.1 <officer3@ngi-zz.example>: mailbox unavailable", ""},
    {"not multipart/report", HDR("text/plain") "hello\n", -1, "", 0, "", "",
     "", "", "", "not a multipart/report"},
    {"no header at all", "", -1, "", 0, "", "", "", "", "",
     "not a multipart/report"},
    {"other report type", HDR("multipart/report; report-type=disposition-"
                              "notification; boundary=b") "--b\n", -1, "", 0,
     "", "", "", "", "", "not a delivery status report"},
    {"no boundary", HDR("multipart/report; report-type=delivery-status")
     "x\n", -1, "", 0, "", "", "", "", "",
     "multipart/report without a boundary"},
    {"no status part", REPORT "--=_b 1\nContent-Type: text/plain\n\nx\n"
     "--=_b 1--\n", -1, "", 0, "", "", "", "", "",
     "no message/delivery-status part"},
    {"status names no recipient", REPORT STATUS "Reporting-MTA: dns; x\n\n"
     "Action: failed\n\n--=_b 1--\n", -1, "", 0, "", "", "", "", "",
     "the report names no recipient"},
    /* an x400 or utf-8 address is no address of ours; control bytes in
     * a value are made printable; the status keeps digits and dots */
    {"odd values", REPORT STATUS "Original-Envelope-Id: 7\x01x\n\n"
     "Final-Recipient: rfc822;ok@c.example\n"
     "Original-Recipient: rfc822;<a b@c>\n"
     "Action: failed;x\nStatus: 5.7.1<script>\n\n", 0, "7?x", 1, "",
     "ok@c.example", "failed", "5.7.1", "", ""},
    {"x400 only", REPORT STATUS "\nFinal-Recipient: x400; /C=XX/\n"
     "Action: failed\n\n", -1, "", 0, "", "", "", "", "",
     "the report names no recipient"},
    {"unterminated", REPORT STATUS "Original-Envelope-Id: 9\r\n\r\n"
     "Final-Recipient: rfc822;z@y.example\r\nAction: delayed", 0, "9", 1, "",
     "z@y.example", "delayed", "", "", ""},
};

static int check_str(const char *name, const char *what, const char *got,
                     const char *want)
{
    if (strcmp(got, want) == 0)
        return 0;
    print_error("%s: %s got \"%s\", want \"%s\"\n", name, what, got, want);
    return 1;
}

static void test_dsn_parse(void **state)
{
    struct dsn_report *r = malloc(sizeof(*r));
    size_t i;
    int bad = 0, rc;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc = dsn_parse(cases[i].in, strlen(cases[i].in), r);
        if (rc != cases[i].rc || r->n != cases[i].n) {
            print_error("%s: got rc %d n %zu, want %d %zu (%s)\n",
                        cases[i].name, rc, r->n, cases[i].rc, cases[i].n,
                        r->why);
            bad++;
            continue;
        }
        bad += check_str(cases[i].name, "why", r->why, cases[i].why);
        bad += check_str(cases[i].name, "envid", r->envid, cases[i].envid);
        if (r->n == 0)
            continue;
        bad += check_str(cases[i].name, "orcpt", r->rcpt[0].orcpt,
                         cases[i].orcpt);
        bad += check_str(cases[i].name, "final", r->rcpt[0].final,
                         cases[i].final);
        bad += check_str(cases[i].name, "action", r->rcpt[0].action,
                         cases[i].action);
        bad += check_str(cases[i].name, "status", r->rcpt[0].status,
                         cases[i].status);
        bad += check_str(cases[i].name, "diag", r->rcpt[0].diag,
                         cases[i].diag);
    }
    /* the second recipient of Postfix's report: a delay, any case */
    assert_int_equal(dsn_parse(postfix, sizeof(postfix) - 1, r), 0);
    bad += check_str("postfix #2", "action", r->rcpt[1].action, "delayed");
    bad += check_str("postfix #2", "status", r->rcpt[1].status, "4.3.0");
    free(r);
    assert_int_equal(bad, 0);
}

/* A hostile report naming more recipients than are read: the first
 * DSN_RCPTS_MAX, flagged, in time linear in its size. */
static void test_dsn_too_many(void **state)
{
    static const char one[] = "Final-Recipient: rfc822;a@b.example\n"
                              "Action: failed\nStatus: 5.0.0\n\n";
    struct dsn_report *r = malloc(sizeof(*r));
    size_t head = strlen(REPORT STATUS), n = DSN_RCPTS_MAX + 10, i;
    char *in = malloc(head + n * (sizeof(one) - 1) + 1), *p;

    (void)state;
    assert_non_null(r);
    assert_non_null(in);
    memcpy(in, REPORT STATUS, head);
    for (i = 0, p = in + head; i < n; i++, p += sizeof(one) - 1)
        memcpy(p, one, sizeof(one) - 1);
    *p = '\0';
    /* the per-message block is the first recipient's here */
    assert_int_equal(dsn_parse(in, (size_t)(p - in), r), 0);
    assert_int_equal(r->n, DSN_RCPTS_MAX);
    assert_int_equal(r->truncated, 1);
    free(in);
    free(r);
}

/* Replies: who, what they answer (In-Reply-To first, then References
 * newest first), and whether a machine wrote them. */
static void test_dsn_reply(void **state)
{
    static const struct {
        const char *name, *in, *from, *ref0, *ref1, *automatic;
        size_t nrefs;
    } rcases[] = {
        {"person", "From: \"Jo, Smith\" <Jo@NGI.example>\nSubject: Re: x\n"
         "In-Reply-To: <a@x>\nReferences: <old@x> <mid@x>\n <a@x>\n\nok\n",
         "Jo@NGI.example", "a@x", "a@x", "", 4},
        {"bare from, no refs", "From: jo@ngi.example\n\n", "jo@ngi.example",
         NULL, NULL, "", 0},
        {"vacation", "From: <a@b.example>\nAuto-Submitted: auto-replied\n\n",
         "a@b.example", NULL, NULL, "Auto-Submitted", 0},
        {"Auto-Submitted: no counts", "From: a@b.example\nAuto-Submitted: "
         "No\n\n", "a@b.example", NULL, NULL, "", 0},
        {"bulk", "From: a@b.example\nPrecedence: bulk\n\n", "a@b.example",
         NULL, NULL, "Precedence", 0},
        {"bounce", "Return-Path: <>\nFrom: MAILER-DAEMON@b.example\n\n",
         "MAILER-DAEMON@b.example", NULL, NULL, "empty Return-Path", 0},
        {"daemon", "From: Mail Delivery System <mailer-daemon@b.example>\n\n",
         "mailer-daemon@b.example", NULL, NULL, "a mailer daemon", 0},
        {"out of office subject", "From: a@b.example\nSubject: Out of Office:"
         " EGI-20260707-01\n\n", "a@b.example", NULL, NULL,
         "an out-of-office Subject", 0},
        {"no header", "", "", NULL, NULL, "", 0},
        {"from with space", "From: <a b@c>\n\n", "", NULL, NULL, "", 0},
    };
    struct dsn_reply *r = malloc(sizeof(*r));
    size_t i;
    int bad = 0;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
        assert_int_equal(dsn_reply(rcases[i].in, strlen(rcases[i].in), r), 0);
        bad += check_str(rcases[i].name, "from", r->from, rcases[i].from);
        bad += check_str(rcases[i].name, "automatic", r->automatic,
                         rcases[i].automatic);
        if (r->nrefs != rcases[i].nrefs) {
            print_error("%s: nrefs got %zu, want %zu\n", rcases[i].name,
                        r->nrefs, rcases[i].nrefs);
            bad++;
        }
        if (rcases[i].ref0 && r->nrefs > 2) {
            bad += check_str(rcases[i].name, "ref0", r->refs[0],
                             rcases[i].ref0);
            bad += check_str(rcases[i].name, "ref1", r->refs[1],
                             rcases[i].ref1);
            bad += check_str(rcases[i].name, "ref3", r->refs[3], "old@x");
        }
    }
    free(r);
    assert_int_equal(bad, 0);
}

/* The Subject as the reader wrote it: RFC 2047 words decoded, so an alert
 * id inside a base64 word still names the alert. */
static void test_dsn_reply_subject(void **state)
{
    static const char in[] = "From: a@b.example\nSubject: =?utf-8?b?UmU6IFtUTFA6QU1CRVJdIEVHSS0yMDI2MDcwNy0wMTogw5xiZXJwcsO8ZnVuZw==?=\n\nok\n";
    struct dsn_reply *r = malloc(sizeof(*r));

    (void)state;
    assert_non_null(r);
    assert_int_equal(dsn_reply(in, strlen(in), r), 0);
    assert_non_null(strstr(r->subject, "EGI-20260707-01"));
    assert_non_null(strstr(r->subject, "\xc3\x9c"));     /* U+00DC */
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsn_parse),
        cmocka_unit_test(test_dsn_too_many),
        cmocka_unit_test(test_dsn_reply),
        cmocka_unit_test(test_dsn_reply_subject),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
