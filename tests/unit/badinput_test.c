/* Hostile input: regression cases for bugs the fuzzers found (named after
 * the bug), and the limits that are checked before a library sees input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "util/csv.h"

#define T_CALLS_MAX 64      /* csv_next calls before we call it a hang */

/* fuzz_csv: a NUL byte ended a record without moving past it (strchr
 * finds the terminator in ",\r\n"), so csv_next returned the same empty
 * record forever. */
static void test_csv_nul_byte_endless_loop(void **state)
{
    static const struct { const char *in; size_t len; } cases[] = {
        {"a,b\n\0\0\0", 7},
        {"\0", 1},
        {"x,\"q\"\0,y\n", 9},
        {"name\nNGI_XX,ngi,X1\0\0\0, \"\"B\",\"\"", 33},
    };
    const char *f[CSV_FIELDS_MAX];
    struct buf rec;
    size_t i, k, pos, line, n, last;
    int rc;

    (void)state;
    buf_init(&rec, CSV_RECORD_MAX);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pos = line = 0;
        rc = 1;
        for (k = 0; rc == 1 && k < T_CALLS_MAX; k++) {
            last = pos;
            rc = csv_next(cases[i].in, cases[i].len, &pos, &line, &rec, f,
                          &n);
            if (rc == 1 && pos <= last)
                fail_msg("case %zu: got a record at %zu without moving, "
                         "want progress or an error", i, pos);
        }
        if (rc == 1)
            fail_msg("case %zu: got %d records, want an end", i, T_CALLS_MAX);
        if (rc != CSV_EQUOTE)
            fail_msg("case %zu: got rc %d, want CSV_EQUOTE (NUL refused)", i,
                     rc);
    }
    buf_free(&rec);
}

/* The line limit is checked on the raw text, before the CRLF copy and
 * before libetpan: a CR before the LF does not count. */
static void test_msg_line_limit(void **state)
{
    static const struct { size_t line; const char *eol; size_t max; int ok; }
    cases[] = {
        {100, "\n", 100, 1},
        {101, "\n", 100, 0},
        {100, "\r\n", 100, 1},
        {101, "\r\n", 100, 0},
        {100, "", 100, 1},          /* last line without a line end */
        {101, "", 100, 0},
        {5000, "\n", 0, 1},         /* 0: no limit */
    };
    struct msg_limits lim;
    struct msg *m;
    struct err e;
    struct buf raw;
    size_t i, j;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_init(&raw, 1 << 20);
        buf_puts(&raw, "Subject: x\n\n");
        for (j = 0; j < cases[i].line; j++)
            buf_putc(&raw, 'a');
        buf_puts(&raw, cases[i].eol);
        msg_limits_default(&lim);
        lim.max_line = cases[i].max;
        err_init(&e);
        rc = msg_parse(raw.data, raw.len, &lim, &m, &e);
        if (cases[i].ok && rc != 0)
            fail_msg("case %zu: got \"%s\", want parsed", i, e.msg);
        if (!cases[i].ok && (rc == 0 || e.code != ERR_TOOBIG ||
                             strstr(e.msg, "line 3 longer than") == NULL))
            fail_msg("case %zu: got rc %d \"%s\", want ERR_TOOBIG for line 3",
                     i, rc, e.msg);
        msg_free(m);
        buf_free(&raw);
    }
}

/* fuzz_msg: a header value with a long run of white space (controls
 * become spaces when decoded) was folded inside the run, leaving a line of
 * white space alone; a reader took it for the end of the header block, so
 * the rest of the header, Content-Type included, became body text. */
static void test_msg_fold_whitespace_only_line(void **state)
{
    static const size_t runs[] = {1, 60, 77, 78, 79, 150, 500};
    struct msg_header_field h[2] = {{"From", NULL}, {"Subject", "s"}};
    const char *entity = "Content-Type: text/plain; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n"
                         "\r\nbody\r\n";
    struct msg_limits lim;
    struct msg_content *c;
    struct msg *m;
    struct buf v, out;
    struct err e;
    const char *p, *q;
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        buf_init(&v, 1 << 16);
        buf_init(&out, 1 << 16);
        buf_puts(&v, "name-before-the-run");
        for (j = 0; j < runs[i]; j++)
            buf_putc(&v, ' ');
        buf_puts(&v, "word after the run <a@b.example>");
        h[0].value = buf_cstr(&v);
        err_init(&e);
        if (msg_build_message(h, 2, entity, strlen(entity), &out, &e) != 0)
            fail_msg("run %zu: got \"%s\", want built", runs[i], e.msg);
        for (p = out.data; (q = strstr(p, "\r\n")) != NULL && q != p;
             p = q + 2) {
            for (j = 0; p + j < q && (p[j] == ' ' || p[j] == '\t'); j++)
                ;
            if (p + j == q)
                fail_msg("run %zu: got a header line of white space only, "
                         "want none", runs[i]);
        }
        msg_limits_default(&lim);
        if (msg_parse(out.data, out.len, &lim, &m, &e) != 0 ||
            msg_content(m, &c, &e) != 0)
            fail_msg("run %zu: got \"%s\", want parsed", runs[i], e.msg);
        if (c->nparts != 1 || strcmp(c->parts[0].data, "body\n") != 0)
            fail_msg("run %zu: got %zu parts, first \"%s\", want \"body\"",
                     runs[i], c->nparts, c->nparts ? c->parts[0].data : "");
        msg_content_free(c);
        msg_free(m);
        buf_free(&v);
        buf_free(&out);
    }
}

/* fuzz_msg: a From value that folded right after a comment's ')' made
 * libetpan end the header block at the continuation line, so the rest of
 * the header became body text. Folds no longer follow a ')'. */
static void test_msg_fold_after_comment(void **state)
{
    static const char *const values[] = {
        "????????????????????????????????????"
        "                                 (comment)"
        "                         =?iso-8858-1?=C3=A9?????????????????????",
        "???????????????????????????????????? (comment) "
        "=?UTF-8?B?Pz8/Pz8/Pz8/Pz8/Pz8/Pz8/Pz8/Pz8/PT9pc28tODg1OC0xPz1D?=",
    };
    struct msg_header_field h[2] = {{"From", NULL}, {"Subject", "s"}};
    const char *entity = "Content-Type: text/plain; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: quoted-printable\r\n"
                         "\r\nbody\r\n";
    struct msg_limits lim;
    struct msg_content *c;
    struct msg *m;
    struct buf out;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        buf_init(&out, 1 << 16);
        h[0].value = values[i];
        err_init(&e);
        if (msg_build_message(h, 2, entity, strlen(entity), &out, &e) != 0)
            fail_msg("value %zu: got \"%s\", want built", i, e.msg);
        msg_limits_default(&lim);
        if (msg_parse(out.data, out.len, &lim, &m, &e) != 0 ||
            msg_content(m, &c, &e) != 0)
            fail_msg("value %zu: got \"%s\", want parsed", i, e.msg);
        if (c->nparts != 1 || strcmp(c->parts[0].data, "body\n") != 0)
            fail_msg("value %zu: got %zu parts, first \"%s\", want \"body\"",
                     i, c->nparts, c->nparts ? c->parts[0].data : "");
        msg_content_free(c);
        msg_free(m);
        buf_free(&out);
    }
}

/* Parse raw as a message and return its first part's decoded text. */
static char *t_first_text(const char *raw, size_t n)
{
    struct msg_limits lim;
    struct msg_content *c = NULL;
    struct msg *m = NULL;
    struct err e;
    char *text;

    err_init(&e);
    msg_limits_default(&lim);
    if (msg_parse(raw, n, &lim, &m, &e) != 0 || msg_content(m, &c, &e) != 0)
        fail_msg("got \"%s\", want parsed", e.msg);
    if (c->nparts < 1)
        fail_msg("got no part, want one");
    text = strdup(c->parts[0].data);
    msg_content_free(c);
    msg_free(m);
    return text;
}

/* fuzz_msg: "\r\r\n" in a text part was handed on as "\r\n", which the
 * writer made a line break, so the copy read back one byte shorter than
 * the text that was anonymised. */
static void test_msg_cr_run_before_lf(void **state)
{
    static const struct { const char *body, *want; } cases[] = {
        {"a \r\r\nb\r\n", "a \nb\n"},
        {"x\r\r\r\ny\rz\r\n", "x\ny\rz\n"},
        {"end\r\r", "end\r\r"},
    };
    struct msg_part part = {1, (char *)"text/plain", NULL, NULL, 0};
    struct buf raw, ent;
    struct err e;
    char *text, *again;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_init(&raw, 1 << 16);
        buf_init(&ent, 1 << 16);
        assert_int_equal(buf_printf(&raw, "From: a@b.example\r\n"
                                    "Content-Type: text/plain\r\n\r\n%s",
                                    cases[i].body), 0);
        text = t_first_text(raw.data, raw.len);
        if (strcmp(text, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, text,
                     cases[i].want);
        part.data = text;
        part.len = strlen(text);
        err_init(&e);
        if (msg_build_entity(&part, 1, &ent, &e) != 0)
            fail_msg("case %zu: got \"%s\", want built", i, e.msg);
        again = t_first_text(ent.data, ent.len);
        if (strcmp(again, text) != 0)
            fail_msg("case %zu: read back \"%s\", want \"%s\"", i, again,
                     text);
        free(again);
        free(text);
        buf_free(&ent);
        buf_free(&raw);
    }
}

/* A multipart message of n tiny parts; each part's text is line. */
static void t_parts_msg(struct buf *b, size_t n, const char *line)
{
    size_t i;

    assert_int_equal(buf_printf(b, "From: a@b.example\r\nMIME-Version: 1.0"
                                "\r\nContent-Type: multipart/mixed; "
                                "boundary=\"Bd\"\r\n\r\n"), 0);
    for (i = 0; i < n; i++)
        assert_int_equal(buf_printf(b, "--Bd\r\n\r\n%s\r\n", line), 0);
    assert_int_equal(buf_printf(b, "--Bd--\r\n"), 0);
}

/* libetpan made a part of each of 900,000 delimiter lines (390 MB) before
 * the part limit could see the tree: the delimiter lines are counted
 * first. Lines that merely start with "--" do not count. */
static void test_msg_tiny_parts_counted_first(void **state)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct buf b;
    struct err e;
    char line[4096];
    size_t i;

    (void)state;
    msg_limits_default(&lim);
    buf_init(&b, 64u << 20);
    t_parts_msg(&b, 200000, "x");
    err_init(&e);
    assert_int_equal(msg_parse(b.data, b.len, &lim, &m, &e), -1);
    assert_int_equal(e.code, ERR_TOOBIG);
    if (strstr(e.msg, "delimiter lines") == NULL)
        fail_msg("got \"%s\", want the delimiter count", e.msg);
    buf_free(&b);

    /* max_parts - 1 parts (the multipart is one), each of "--" lines */
    for (i = 0; i + 7 < sizeof(line); i += 7)
        memcpy(line + i, "-- x\r\n", 7);
    line[i - 2] = '\0';
    buf_init(&b, 64u << 20);
    t_parts_msg(&b, lim.max_parts - 1, line);
    err_init(&e);
    if (msg_parse(b.data, b.len, &lim, &m, &e) != 0)
        fail_msg("got \"%s\", want %zu parts parsed", e.msg,
                 lim.max_parts - 1);
    msg_free(m);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_nul_byte_endless_loop),
        cmocka_unit_test(test_msg_line_limit),
        cmocka_unit_test(test_msg_fold_whitespace_only_line),
        cmocka_unit_test(test_msg_fold_after_comment),
        cmocka_unit_test(test_msg_cr_run_before_lf),
        cmocka_unit_test(test_msg_tiny_parts_counted_first),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
