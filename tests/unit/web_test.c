/* web_test - the console's pieces that need no browser: the one
 * escaping function and its formatter (web/html.c), the listen-address
 * check (web/server.c), accounts, sessions and the login throttle
 * (web/account.c) and the upload kept from preview to apply
 * (web/upload.c) on a scratch database; and listing_each, which its
 * tables read views with. The browser's side: e2e/t-web-browser.sh;
 * HTTP by hand: e2e/t-web.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/listing.h"
#include "db/store.h"
#include "web/account.h"
#include "web/html.h"
#include "web/upload.h"
#include "web/web.h"
#include "t_db.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/agw-web-test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    return rmdir(dir);
}

static void test_html_escape(void **state)
{
    static const struct { const char *in, *want; } cases[] = {
        {"plain text", "plain text"},
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"a & b", "a &amp; b"},
        {"\"q\" 'a'", "&quot;q&quot; &#39;a&#39;"},
        {"x\" onmouseover=\"y", "x&quot; onmouseover=&quot;y"},
        {"tab\tline\nend", "tab\tline\nend"},
        {"nul\x01" "esc\x1b" "del\x7f", "nul&#xFFFD;esc&#xFFFD;del&#xFFFD;"},
        {"Universit\xc3\xa9", "Universit\xc3\xa9"},
        {"", ""},
    };
    struct buf b;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_init(&b, 1024);
        assert_int_equal(html_escape(&b, cases[i].in), 0);
        if (strcmp(buf_cstr(&b), cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, buf_cstr(&b),
                     cases[i].want);
        buf_free(&b);
    }
}

static void test_html_fmt(void **state)
{
    struct buf b;

    buf_init(&b, 1024);
    assert_int_equal(html_fmt(&b, "<td class=\"%s\">%s</td><b>%d %D 100%%"
                              "</b>", "a\"b", "<i>", -3, (int64_t)1 << 40),
                     0);
    assert_string_equal(buf_cstr(&b), "<td class=\"a&quot;b\">&lt;i&gt;"
                        "</td><b>-3 1099511627776 100%</b>");
    buf_free(&b);
    /* the page's cap: a value over it fails, it is not cut silently */
    buf_init(&b, 16);
    assert_int_equal(html_fmt(&b, "<p>%s</p>", "0123456789abcdef"), -1);
    buf_free(&b);
}

static void test_listen_addr(void **state)
{
    static const struct { const char *spec; int ok; } cases[] = {
        {"127.0.0.1:8025", 1}, {"127.1.2.3:1", 1}, {"localhost:8025", 1},
        {"[::1]:8025", 1}, {"127.0.0.1:0", 1},
        {"0.0.0.0:8025", 0}, {"192.0.2.1:80", 0}, {"[::]:8025", 0},
        {"[2001:db8::1]:80", 0}, {"example.org:80", 0}, {"8025", 0},
        {"127.0.0.1:99999", 0}, {"127.0.0.1:", 0}, {"127.0.0.1:80x", 0},
        {"[::ffff:192.0.2.1]:80", 0},
    };
    struct sockaddr_in6 sa;
    unsigned len;
    struct err e;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&e);
        rc = web_listen_addr(cases[i].spec, &sa, &len, &e);
        if ((rc == 0) != cases[i].ok)
            fail_msg("%s: got %s (%s), want %s", cases[i].spec,
                     rc == 0 ? "accepted" : "refused", e.msg,
                     cases[i].ok ? "accepted" : "refused");
        if (!cases[i].ok && e.code != ERR_USAGE)
            fail_msg("%s: got code %d, want ERR_USAGE", cases[i].spec,
                     e.code);
    }
}

static void test_account_add(void **state)
{
    static const struct {
        const char *name, *role, *pw;
        enum err_code want;
    } cases[] = {
        {"alice", "keeper", "correct horse", ERR_OK},
        {"alice", "viewer", "correct horse", ERR_DUP},
        {"bob", "admin", "correct horse", ERR_DATA},
        {"bob", "viewer", "short", ERR_DATA},
        {"<b>ob", "viewer", "correct horse", ERR_DATA},
        {"", "viewer", "correct horse", ERR_DATA},
        {"bob.smith@csirt.example", "officer", "0123456789", ERR_OK},
    };
    struct store *s = t_db_open(dir, NULL, 0);
    struct err e;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&e);
        account_add(s, cases[i].name, cases[i].role, cases[i].pw, &e);
        if (e.code != cases[i].want)
            fail_msg("%s/%s: got code %d (%s), want %d", cases[i].name,
                     cases[i].role, e.code, e.msg, cases[i].want);
    }
    t_expect(s, "SELECT group_concat(name || ':' || role, ' ') FROM "
             "web_users ORDER BY name", "alice:keeper "
             "bob.smith@csirt.example:officer");
    t_expect(s, "SELECT count(*) FROM web_users WHERE hash LIKE "
             "'$argon2id$%' AND hash NOT LIKE '%horse%'", "2");
    t_expect(s, "SELECT group_concat(detail, ' ') FROM audit WHERE event = "
             "'web-user-added'", "alice: keeper "
             "bob.smith@csirt.example: officer");
    err_init(&e);
    assert_int_equal(account_remove(s, "nobody", &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    t_db_remove(dir, s);
}

static void test_login_session(void **state)
{
    struct store *s = t_db_open(dir, NULL, 0);
    struct account_session who;
    char sid[ACCOUNT_TOKEN_HEX], sid2[ACCOUNT_TOKEN_HEX];
    struct err e;
    time_t now = 1800000000;

    err_init(&e);
    assert_int_equal(account_add(s, "alice", "officer", "correct horse",
                                 &e), 0);
    assert_int_equal(account_login(s, "alice", "correct horse", "a1", now,
                                   sid, &e), 1);
    assert_int_equal(strlen(sid), ACCOUNT_TOKEN_HEX - 1);
    assert_int_equal(account_session(s, sid, now + 10, 1800, &who, &e), 1);
    assert_string_equal(who.user, "alice");
    assert_int_equal(who.role, ACCOUNT_OFFICER);
    assert_int_equal(strlen(who.csrf), ACCOUNT_TOKEN_HEX - 1);
    /* the table keeps the id's hash, never the id */
    {
        char q[256];

        snprintf(q, sizeof(q), "SELECT count(*) FROM web_sessions WHERE "
                 "id = '%s'", sid);
        t_expect(s, q, "0");
    }
    assert_int_equal(account_session(s, "0000", now, 1800, &who, &e), 0);
    /* used within the idle time: alive, and its clock moves on */
    assert_int_equal(account_session(s, sid, now + 1700, 1800, &who, &e), 1);
    assert_int_equal(account_session(s, sid, now + 3400, 1800, &who, &e), 1);
    /* idle longer: over, and gone for good */
    assert_int_equal(account_session(s, sid, now + 5300, 1800, &who, &e), 0);
    assert_int_equal(account_session(s, sid, now + 3500, 1800, &who, &e), 0);
    /* logout ends it */
    assert_int_equal(account_login(s, "alice", "correct horse", "a1", now,
                                   sid2, &e), 1);
    assert_int_equal(account_logout(s, sid2, &e), 0);
    assert_int_equal(account_session(s, sid2, now, 1800, &who, &e), 0);
    /* removing the account ends its sessions */
    assert_int_equal(account_login(s, "alice", "correct horse", "a1", now,
                                   sid2, &e), 1);
    assert_int_equal(account_remove(s, "alice", &e), 0);
    assert_int_equal(account_session(s, sid2, now, 1800, &who, &e), 0);
    t_db_remove(dir, s);
}

static void test_throttle(void **state)
{
    struct store *s = t_db_open(dir, NULL, 0);
    char sid[ACCOUNT_TOKEN_HEX];
    struct err e;
    time_t now = 1800000000;
    int i;

    err_init(&e);
    assert_int_equal(account_add(s, "alice", "viewer", "correct horse", &e),
                     0);
    assert_int_equal(account_login(s, "nobody", "x", "a1", now, sid, &e), 0);
    for (i = 1; i < WEB_THROTTLE_USER; i++)
        assert_int_equal(account_login(s, "alice", "wrong", "a1", now, sid,
                                       &e), 0);
    /* alice's failures below the limit: the right password still works */
    assert_int_equal(account_login(s, "alice", "correct horse", "a2", now,
                                   sid, &e), 1);
    assert_int_equal(account_login(s, "alice", "wrong", "a3", now, sid, &e),
                     0);
    /* at the limit: refused before the password is looked at */
    assert_int_equal(account_login(s, "alice", "correct horse", "a4", now,
                                   sid, &e), 2);
    /* after the window: allowed again */
    assert_int_equal(account_login(s, "alice", "correct horse", "a4",
                                   now + WEB_THROTTLE_WINDOW_S + 1, sid, &e),
                     1);
    /* per address: many names from one place */
    for (i = 0; i < WEB_THROTTLE_ADDRESS; i++) {
        char name[32];

        snprintf(name, sizeof(name), "guess%d", i);
        assert_int_equal(account_login(s, name, "x", "evil",
                                       now + 2 * WEB_THROTTLE_WINDOW_S, sid,
                                       &e), 0);
    }
    assert_int_equal(account_login(s, "alice", "correct horse", "evil",
                                   now + 2 * WEB_THROTTLE_WINDOW_S, sid, &e),
                     2);
    assert_int_equal(account_login(s, "alice", "correct horse", "good",
                                   now + 2 * WEB_THROTTLE_WINDOW_S, sid, &e),
                     1);
    t_db_remove(dir, s);
}

struct each_seen {
    int rows;
    char last[128];
};

/* An upload kept from its preview to its apply (web/upload.c): taken by
 * its session and SHA-256 only, not after WEB_UPLOAD_KEEP_S, replaced by
 * the session's next one, gone with the session. */
static void test_upload_kept(void **state)
{
    struct store *s = t_db_open(dir, NULL, 0);
    struct account_session who, other;
    char sid[ACCOUNT_TOKEN_HEX], sid2[ACCOUNT_TOKEN_HEX];
    char sha[SHA256_HEX], sha2[SHA256_HEX], want[SHA256_HEX];
    char kind[16], name[64];
    struct buf b;
    struct err e;
    time_t now = 1800000000;

    err_init(&e);
    buf_init(&b, 1024);
    assert_int_equal(account_add(s, "kim", "keeper", "correct horse", &e), 0);
    assert_int_equal(account_login(s, "kim", "correct horse", "a1", now, sid,
                                   &e), 1);
    assert_int_equal(account_login(s, "kim", "correct horse", "a1", now,
                                   sid2, &e), 1);
    assert_int_equal(account_session(s, sid, now, 1800, &who, &e), 1);
    assert_int_equal(account_session(s, sid2, now, 1800, &other, &e), 1);
    assert_int_equal(upload_keep(s, who.key, "orgs", "o.csv", "name\nA\n", 8,
                                 now, sha, &e), 0);
    sha256_hex_of("name\nA\n", 8, want);
    assert_string_equal(sha, want);
    assert_int_equal(upload_take(s, other.key, sha, now, &b, kind,
                                 sizeof(kind), name, sizeof(name), &e), 0);
    assert_int_equal(upload_take(s, who.key, want + 1, now, &b, kind,
                                 sizeof(kind), name, sizeof(name), &e), 0);
    assert_int_equal(upload_take(s, who.key, sha, now + WEB_UPLOAD_KEEP_S + 1,
                                 &b, kind, sizeof(kind), name, sizeof(name),
                                 &e), 0);
    assert_int_equal(upload_take(s, who.key, sha, now + 60, &b, kind,
                                 sizeof(kind), name, sizeof(name), &e), 1);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "name\nA\n", 8);
    assert_string_equal(kind, "orgs");
    assert_string_equal(name, "o.csv");
    /* the session's next preview replaces it */
    assert_int_equal(upload_keep(s, who.key, "orgs", "p.csv", "x", 1, now,
                                 sha2, &e), 0);
    t_expect(s, "SELECT count(*) FROM web_uploads", "1");
    assert_int_equal(upload_take(s, who.key, sha, now, &b, kind,
                                 sizeof(kind), name, sizeof(name), &e), 0);
    /* applied: dropped; a logout takes the session's with it */
    assert_int_equal(upload_drop(s, who.key, &e), 0);
    t_expect(s, "SELECT count(*) FROM web_uploads", "0");
    assert_int_equal(upload_keep(s, other.key, "orgs", "q.csv", "y", 1, now,
                                 sha2, &e), 0);
    assert_int_equal(account_logout(s, sid2, &e), 0);
    t_expect(s, "SELECT count(*) FROM web_uploads", "0");
    buf_free(&b);
    t_db_remove(dir, s);
}

static int each_row(void *arg, int n, const char *const *names,
                    const char *const *vals, struct err *e)
{
    struct each_seen *t = arg;

    t->rows++;
    snprintf(t->last, sizeof(t->last), "%d %s=%s", n, names[0], vals[0]);
    return 0;
}

static void test_listing_each(void **state)
{
    static const char *const rows[] = {
        "INSERT INTO orgs(name, kind) VALUES ('A', 'ngi'), ('B', 'site'), "
        "('C', 'site')",
    };
    struct store *s = t_db_open(dir, rows, 1);
    struct each_seen t;
    struct err e;

    err_init(&e);
    memset(&t, 0, sizeof(t));
    assert_int_equal(listing_each(s, "orgs_list", NULL, NULL, 0, each_row,
                                  &t, &e), 0);
    assert_int_equal(t.rows, 3);
    assert_string_equal(t.last, "6 name=C");
    memset(&t, 0, sizeof(t));
    assert_int_equal(listing_each(s, "orgs_list", "kind", "site", 1,
                                  each_row, &t, &e), 0);
    assert_int_equal(t.rows, 1);
    assert_string_equal(t.last, "6 name=B");
    t_db_remove(dir, s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_html_fmt),
        cmocka_unit_test(test_listen_addr),
        cmocka_unit_test(test_account_add),
        cmocka_unit_test(test_login_session),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_listing_each),
        cmocka_unit_test(test_upload_kept),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
