/*
 * msg_tree_test - an entity's shape (src/mail/msg_tree.c, issue 14): the
 * tree msg_content reads (multiparts, attached messages with their header
 * part, dispositions, Content-IDs), the body it names, the check of a
 * shape that crossed a process boundary, and msg_build_tree's output read
 * back into the same shape.
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

#define T_OUT_MAX (1024u * 1024)

/* A forwarded phishing mail: mixed(text, message(mixed(alternative(text,
 * related(html, image)), attachment))). LF line ends, as Postfix hands
 * mail over. */
static const char T_FWD[] =
    "Subject: alert\n"
    "Content-Type: multipart/mixed; boundary=\"o\"\n\n"
    "--o\nContent-Type: text/plain\n\nThe alert's own text.\n"
    "--o\nContent-Type: message/rfc822\n"
    "Content-Disposition: attachment; filename=\"phish.eml\"\n\n"
    "Received: from a.example\n\tby b.example\n"
    "Subject: =?utf-8?q?caf=C3=A9?=\n"
    "Content-Type: multipart/mixed; boundary=\"i\"\n\n"
    "--i\nContent-Type: multipart/alternative; boundary=\"a\"\n\n"
    "--a\nContent-Type: text/plain\n\nThe phish.\n"
    "--a\nContent-Type: multipart/related; boundary=\"r\"\n\n"
    "--r\nContent-Type: text/html\n\n<img src=\"cid:l@x\">\n"
    "--r\nContent-Type: image/gif\nContent-ID: <l@x>\n"
    "Content-Disposition: inline\nContent-Transfer-Encoding: base64\n\n"
    "R0lGODlhAQABAAAAACw=\n--r--\n--a--\n"
    "--i\nContent-Type: text/csv\n"
    "Content-Disposition: attachment; filename=\"h.csv\"\n\nh\n--i--\n"
    "--o--\n";

/* The shape as one line: depth, kind (M multi, R message, P part),
 * subtype or type, disposition (-, i, a), Content-ID. */
static void t_shape(const struct msg_content *c, struct buf *b)
{
    static const char disp[] = "-ia";
    size_t i;

    for (i = 0; i < c->nnodes; i++) {
        const struct msg_node *n = &c->nodes[i];
        assert_int_equal(buf_printf(b, "%u%c%s%c%s ", n->depth,
            n->kind == MSG_NODE_MULTI ? 'M' :
            n->kind == MSG_NODE_MESSAGE ? 'R' : 'P',
            n->kind == MSG_NODE_MULTI ? n->subtype :
            c->parts[n->part].content_type, disp[n->disp],
            n->cid ? n->cid : ""), 0);
    }
}

static struct msg_content *t_content(const char *raw, size_t len)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *c = NULL;
    struct err e;

    msg_limits_default(&lim);
    err_init(&e);
    if (msg_parse(raw, len, &lim, &m, &e) != 0 ||
        msg_content(m, &c, &e) != 0)
        fail_msg("parse: got %s (%s), want success", err_code_name(e.code),
                 e.msg);
    msg_free(m);
    return c;
}

static const char T_FWD_SHAPE[] =
    "0Mmixed- 1Ptext/plain- 1Rtext/rfc822-headersa 2Mmixed- "
    "3Malternative- 4Ptext/plain- 4Mrelated- 5Ptext/html- "
    "5Pimage/gifil@x 3Ptext/csva ";

static void test_tree_read(void **state)
{
    struct msg_content *c = t_content(T_FWD, sizeof(T_FWD) - 1);
    struct buf b;
    long body = msg_content_body(c);
    const struct msg_part *hp = &c->parts[c->nodes[2].part];

    (void)state;
    buf_init(&b, 4096);
    t_shape(c, &b);
    if (strcmp(buf_cstr(&b), T_FWD_SHAPE) != 0)
        fail_msg("shape: got \"%s\", want \"%s\"", buf_cstr(&b),
                 T_FWD_SHAPE);
    if (body < 0 || strcmp(c->parts[body].data, "The alert's own text."))
        fail_msg("body: got part %ld, want the alert's own text", body);
    if (hp->filename == NULL || strcmp(hp->filename, "phish.eml") != 0 ||
        strstr(hp->data, "Received: from a.example by b.example\n") == NULL ||
        strstr(hp->data, "Subject: caf\xc3\xa9\n") == NULL)
        fail_msg("message header part: got name %s, text \"%s\"",
                 hp->filename ? hp->filename : "(none)", hp->data);
    buf_free(&b);
    msg_content_free(c);
}

/* The body is never read from inside an attached message. */
static void test_tree_body_not_in_message(void **state)
{
    static const char raw[] =
        "Subject: x\nContent-Type: multipart/mixed; boundary=\"o\"\n\n"
        "--o\nContent-Type: message/rfc822\n\nSubject: in\n\nphish text\n"
        "--o--\n";
    struct msg_content *c = t_content(raw, sizeof(raw) - 1);

    (void)state;
    if (msg_content_body(c) != -1)
        fail_msg("body: got part %ld, want none (-1)", msg_content_body(c));
    msg_content_free(c);
}

/* Shapes that must not be written (or walked by the parent). */
static void test_tree_check(void **state)
{
    static const struct {
        const char *name;
        struct { enum msg_node_kind k; unsigned d; size_t part; } n[4];
        size_t nn;
    } cases[] = {
        {"part alone", {{MSG_NODE_PART, 0, 0}}, 1},
        {"multi with two parts", {{MSG_NODE_MULTI, 0, 0},
            {MSG_NODE_PART, 1, 0}, {MSG_NODE_PART, 1, 1}}, 3},
        {"message with its entity", {{MSG_NODE_MESSAGE, 0, 2},
            {MSG_NODE_PART, 1, 0}}, 2},
        {"message with an empty body", {{MSG_NODE_MESSAGE, 0, 2}}, 1},
        {"root not at depth 0", {{MSG_NODE_PART, 1, 0}}, 1},
        {"two roots", {{MSG_NODE_PART, 0, 0}, {MSG_NODE_PART, 0, 1}}, 2},
        {"a part with a child", {{MSG_NODE_MULTI, 0, 0},
            {MSG_NODE_PART, 1, 0}, {MSG_NODE_PART, 2, 1}}, 3},
        {"a depth skipped", {{MSG_NODE_MULTI, 0, 0},
            {MSG_NODE_PART, 2, 0}}, 2},
        {"a multi with no child (libetpan's reading of one without a "
         "delimiter line)", {{MSG_NODE_MULTI, 0, 0}}, 1},
        {"a message with two children", {{MSG_NODE_MESSAGE, 0, 2},
            {MSG_NODE_PART, 1, 0}, {MSG_NODE_PART, 1, 1}}, 3},
        {"a message whose header is no header part",
            {{MSG_NODE_MESSAGE, 0, 0}}, 1},
        {"a part index out of range", {{MSG_NODE_PART, 0, 3}}, 1},
        {"an unknown kind", {{(enum msg_node_kind)7, 0, 0}}, 1},
    };
    static const int want[] = {0, 0, 0, 0, -1, -1, -1, -1, 0, -1, -1, -1,
                               -1};
    struct msg_part parts[3] = {
        {1, (char *)"text/plain", NULL, (char *)"a", 1, NULL, 0},
        {1, (char *)"text/plain", NULL, (char *)"b", 1, NULL, 0},
        {1, (char *)"text/rfc822-headers", NULL, (char *)"From: x\n", 8, NULL,
         0},
    };
    struct msg_node v[4];
    size_t i, j;
    int got;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(v, 0, sizeof(v));
        for (j = 0; j < cases[i].nn; j++) {
            v[j].kind = cases[i].n[j].k;
            v[j].depth = cases[i].n[j].d;
            v[j].part = cases[i].n[j].part;
            snprintf(v[j].subtype, sizeof(v[j].subtype), "mixed");
        }
        got = msg_nodes_check(v, cases[i].nn, parts, 3);
        if (got != want[i])
            fail_msg("%s: got %d, want %d", cases[i].name, got, want[i]);
    }
}

/* What msg_build_tree writes reads back as the same shape: the alert's
 * tree written over its own parts, then parsed again. */
static void test_tree_roundtrip(void **state)
{
    struct msg_content *c = t_content(T_FWD, sizeof(T_FWD) - 1), *c2;
    struct buf out, s1, s2;
    struct err e;

    (void)state;
    buf_init(&out, T_OUT_MAX);
    buf_init(&s1, 4096);
    buf_init(&s2, 4096);
    err_init(&e);
    if (msg_build_tree(c->parts, c->nparts, c->nodes, c->nnodes, NULL, 0,
                       &out, &e) != 0)
        fail_msg("build: got %s (%s), want success", err_code_name(e.code),
                 e.msg);
    c2 = t_content(out.data, out.len);
    t_shape(c, &s1);
    t_shape(c2, &s2);
    if (strcmp(buf_cstr(&s1), buf_cstr(&s2)) != 0)
        fail_msg("round trip: got \"%s\", want \"%s\"", buf_cstr(&s2),
                 buf_cstr(&s1));
    /* the header fields of the attached message came through, the
     * writer's own Content-* aside */
    if (strstr(c2->parts[c2->nodes[2].part].data,
               "Subject: caf\xc3\xa9\n") == NULL ||
        strstr(out.data, "=?UTF-8?B?Y2Fmw6k=?=") == NULL)
        fail_msg("attached header: got \"%s\"",
                 c2->parts[c2->nodes[2].part].data);
    buf_free(&out);
    buf_free(&s1);
    buf_free(&s2);
    msg_content_free(c);
    msg_content_free(c2);
}

/* A header word too long to fold went out as an error (the alert held);
 * it is written as encoded words now, and reads back the same. */
static void test_tree_long_word(void **state)
{
    struct buf raw, out;
    struct msg_content *c, *c2;
    struct err e;
    size_t i;

    (void)state;
    buf_init(&raw, T_OUT_MAX);
    buf_init(&out, T_OUT_MAX);
    assert_int_equal(buf_puts(&raw, "Subject: x\nContent-Type: "
                              "message/rfc822\n\nX-Long: "), 0);
    for (i = 0; i < 1500; i++)
        assert_int_equal(buf_putc(&raw, (char)('a' + i % 26)), 0);
    assert_int_equal(buf_puts(&raw, "\n\nbody\n"), 0);
    c = t_content(raw.data, raw.len);
    err_init(&e);
    if (msg_build_tree(c->parts, c->nparts, c->nodes, c->nnodes, NULL, 0,
                       &out, &e) != 0)
        fail_msg("build: got %s (%s), want success", err_code_name(e.code),
                 e.msg);
    c2 = t_content(out.data, out.len);
    /* the attached message's header part: the field, then the writer's
     * MIME-Version and Content-* */
    if (strncmp(c->parts[0].data, c2->parts[0].data, c->parts[0].len) != 0)
        fail_msg("long word: got \"%.80s...\", want it as it was",
                 c2->parts[0].data);
    buf_free(&raw);
    buf_free(&out);
    msg_content_free(c);
    msg_content_free(c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_read),
        cmocka_unit_test(test_tree_body_not_in_message),
        cmocka_unit_test(test_tree_check),
        cmocka_unit_test(test_tree_roundtrip),
        cmocka_unit_test(test_tree_long_word),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
