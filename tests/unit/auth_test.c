/*
 * auth_test - the message shapes authentication reads before any
 * signature is checked: the one author (msg_author: the 2019 study's From
 * tricks), the top-level type, single-part bodies and PGP/MIME encrypted
 * recognition (src/msg.c additions for auth). The signatures themselves
 * are tested against real GnuPG in pgp_test and tests/e2e/t-auth-*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/msg.h"

#define T_NAME_MAX 256
#define T_ADDR_MAX 256
#define T_MSG_MAX 8192

static struct msg *t_parse(const char *raw)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct err e;

    msg_limits_default(&lim);
    err_init(&e);
    if (msg_parse(raw, strlen(raw), &lim, &m, &e) != 0)
        fail_msg("parse: got %s, want a message", e.msg);
    return m;
}

struct acase {
    const char *headers;    /* top-level fields before the body */
    int want_rc;
    const char *want_name, *want_addr;  /* ok cases */
    const char *want_reason;            /* refused: substring */
};

static const struct acase acases[] = {
    {"From: manager@bigcorporation.de\n", 0, "", "manager@bigcorporation.de",
     NULL},
    {"From: The Manager <manager@bigcorporation.de>\n", 0, "The Manager",
     "manager@bigcorporation.de", NULL},
    {"From: \"The Manager\" <manager@bigcorporation.de>\n", 0,
     "The Manager", "manager@bigcorporation.de", NULL},
    {"From: =?utf-8?q?J=C3=B6rg?= <j@example.org>\n", 0, "J\xc3\xb6rg",
     "j@example.org", NULL},
    /* Strict on purpose: libetpan leaves a trailing comment unread, and
     * what is not read whole is not trusted. */
    {"From: m@example.org (a comment)\n", -1, NULL, NULL,
     "does not parse as one mailbox"},
    {"To: x@example.org\n", -1, NULL, NULL, "no From field"},
    {"From: \n", -1, NULL, NULL, "From is empty"},
    {"From: The Manager\n", -1, NULL, NULL, "From"},
    {"From: a@example.org\nFrom: b@example.org\n", -1, NULL, NULL,
     "2 From fields"},
    {"From: A <a@example.org>, B <b@example.org>\n", -1, NULL, NULL,
     "several mailboxes"},
    {"From: manager@bigcorporation.de <eve@bigcorporation.de>\n", -1, NULL,
     NULL, "From"},
    {"From: manager@bigcorporation.de     . <eve@bigcorporation.de>\n", -1,
     NULL, NULL, "From"},
    {"From: \"manager@bigcorporation.de\" <eve@bigcorporation.de>\n", -1,
     NULL, NULL, "display name looks like an address"},
    {"From: <eve@bigcorporation.de> trailing words\n", -1, NULL, NULL,
     "From"},
    {"From: =?utf-8?q?m=40x=2Eorg?= <eve@bigcorporation.de>\n", -1, NULL,
     NULL, "display name looks like an address"},
};

static void t_author_case(const struct acase *c)
{
    char raw[T_MSG_MAX], name[T_NAME_MAX], addr[T_ADDR_MAX];
    struct msg *m;
    struct err e;
    int rc;

    snprintf(raw, sizeof(raw), "%sSubject: x\n\nbody\n", c->headers);
    m = t_parse(raw);
    err_init(&e);
    rc = msg_author(m, name, sizeof(name), addr, sizeof(addr), &e);
    if (rc != c->want_rc)
        fail_msg("%s: got %d (%s), want %d", c->headers, rc, e.msg,
                 c->want_rc);
    if (rc == 0 && (strcmp(name, c->want_name) != 0 ||
                    strcmp(addr, c->want_addr) != 0))
        fail_msg("%s: got \"%s\" <%s>, want \"%s\" <%s>", c->headers, name,
                 addr, c->want_name, c->want_addr);
    if (rc != 0 && (e.code != ERR_DATA || strstr(e.msg, c->want_reason) ==
                    NULL))
        fail_msg("%s: got reason \"%s\", want \"%s\"", c->headers, e.msg,
                 c->want_reason);
    msg_free(m);
}

static void test_author(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++)
        t_author_case(&acases[i]);
}

struct scase {
    const char *raw;
    const char *want_type;
    int want_encrypted;
    const char *want_body;      /* NULL: not single-part */
    const char *want_charset;
};

static const struct scase scases[] = {
    {"From: a@b.example\n\nplain\n", "text/plain", 0, "plain\r\n", ""},
    {"Content-Type: text/plain; charset=iso-8859-1\n"
     "Content-Transfer-Encoding: quoted-printable\n\nJ=F6rg=\n ok\n",
     "text/plain", 0, "J\xf6rg ok\r\n", "iso-8859-1"},
    {"Content-Type: text/html\n\n<b>x</b>\n", "text/html", 0, "<b>x</b>\r\n",
     ""},
    {"Content-Type: message/rfc822\n\nSubject: inner\n\ntext\n",
     "message/rfc822", 0, NULL, NULL},
    {"Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\n",
     "multipart/mixed", 0, NULL, NULL},
    {"Content-Type: multipart/encrypted; boundary=b;\n"
     " protocol=\"application/pgp-encrypted\"\n\n"
     "--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n"
     "--b\nContent-Type: application/octet-stream\n\nDATA\n--b--\n",
     "multipart/encrypted", 1, NULL, NULL},
    /* protocol missing: not RFC 3156 */
    {"Content-Type: multipart/encrypted; boundary=b\n\n"
     "--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n"
     "--b\nContent-Type: application/octet-stream\n\nDATA\n--b--\n",
     "multipart/encrypted", 0, NULL, NULL},
};

static void t_shape_case(const struct scase *c)
{
    char type[128], charset[64];
    struct buf body;
    struct msg *m = t_parse(c->raw);
    struct err e;
    int rc;

    assert_int_equal(msg_top_type(m, type, sizeof(type)), 0);
    if (strcmp(type, c->want_type) != 0)
        fail_msg("%.40s: got type %s, want %s", c->raw, type, c->want_type);
    if (msg_is_pgp_encrypted(m) != c->want_encrypted)
        fail_msg("%.40s: got encrypted %d, want %d", c->raw,
                 msg_is_pgp_encrypted(m), c->want_encrypted);
    buf_init(&body, T_MSG_MAX);
    err_init(&e);
    rc = msg_body(m, &body, charset, sizeof(charset), &e);
    if ((rc == 0) != (c->want_body != NULL))
        fail_msg("%.40s: got body rc %d (%s), want %s", c->raw, rc, e.msg,
                 c->want_body ? "a body" : "none");
    if (rc == 0 && (strcmp(buf_cstr(&body), c->want_body) != 0 ||
                    strcmp(charset, c->want_charset) != 0))
        fail_msg("%.40s: got \"%s\" (%s), want \"%s\" (%s)", c->raw,
                 buf_cstr(&body), charset, c->want_body, c->want_charset);
    if (c->want_encrypted) {
        buf_reset(&body);
        assert_int_equal(msg_encrypted_body(m, &body, &e), 0);
        if (strcmp(buf_cstr(&body), "DATA") != 0)
            fail_msg("encrypted body: got \"%s\", want \"DATA\"",
                     buf_cstr(&body));
    }
    buf_free(&body);
    msg_free(m);
}

static void test_shapes(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++)
        t_shape_case(&scases[i]);
}

/* Content from an entity m does not hold: parts and a protected Subject
 * from the entity, From from m. */
static void test_content_entity(void **state)
{
    static const char ent[] =
        "Subject: inner subject\r\nContent-Type: text/plain\r\n\r\nsigned\r\n";
    struct msg *m = t_parse("From: a@b.example\nSubject: outer\n\nx\n");
    struct msg_content *c = NULL;
    struct err e;

    (void)state;
    err_init(&e);
    assert_int_equal(msg_content_entity(m, ent, sizeof(ent) - 1, &c, &e), 0);
    assert_string_equal(c->subject, "inner subject");
    assert_string_equal(c->from, "a@b.example");
    assert_int_equal(c->nparts, 1);
    assert_string_equal(c->parts[0].data, "signed\n");
    msg_content_free(c);
    msg_free(m);
}

/* Outbound protected headers read back inbound: the Subject inside the
 * signed entity wins over the unprotected outer one, for one part and
 * for several. */
static void test_protected_roundtrip(void **state)
{
    struct msg_part parts[2] = {
        {1, (char *)"text/plain", NULL, (char *)"body text\n", 10, NULL, 0},
        {0, (char *)"application/octet-stream", (char *)"x.bin",
         (char *)"\001\002", 2, NULL, 0},
    };
    const struct msg_header_field h[] = {
        {"Subject", "[EGI-20260707-01] protected \xe2\x9c\x93"},
        {"From", "EGI CSIRT <csirt@csirt.example>"},
        {"To", "ngi-security@csirt.example"},
    };
    struct msg *m = t_parse("From: a@b.example\nSubject: outer\n\nx\n");
    struct msg_content *c;
    struct buf ent;
    struct err e;
    size_t n;

    (void)state;
    for (n = 1; n <= 2; n++) {
        buf_init(&ent, T_MSG_MAX);
        err_init(&e);
        c = NULL;
        if (msg_build_entity_protected(parts, n, h, 3, &ent, &e) != 0)
            fail_msg("%zu parts: got %s, want an entity", n, e.msg);
        if (strstr(buf_cstr(&ent), "protected-headers=\"v1\"") == NULL)
            fail_msg("%zu parts: no protected-headers parameter in %s", n,
                     buf_cstr(&ent));
        assert_int_equal(msg_content_entity(m, ent.data, ent.len, &c, &e), 0);
        assert_string_equal(c->subject,
                            "[EGI-20260707-01] protected \xe2\x9c\x93");
        if (c->nparts != n)
            fail_msg("%zu parts: got %zu back", n, c->nparts);
        assert_string_equal(c->parts[0].data, "body text\n");
        msg_content_free(c);
        buf_free(&ent);
    }
    msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_author),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_content_entity),
        cmocka_unit_test(test_protected_roundtrip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
