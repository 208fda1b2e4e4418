/* util: the capped buffer (buf.c), whole-file reads and durable writes
 * (file.c), "a, b; c" lists at the edge of their output size (items.c;
 * the list forms are in items_test.c), and the records of the sandbox's
 * pipe (pack.c): the round trip, then every garbled record a reader must
 * refuse without reading past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/duration.h"
#include "util/file.h"
#include "util/items.h"
#include "util/pack.h"
#include "util/sha256.h"
#include "util/text.h"

/* ---- buf ------------------------------------------------------------- */

/* Appends in order against one cap: each gets its answer, and a refused
 * one leaves the contents as they were. */
static void test_buf_cap(void **state)
{
    static const struct {
        size_t max;
        const char *appends[4];     /* NULL ends */
        int rc[4];
        const char *want;
    } cases[] = {
        {8, {"abc", "defgh", NULL}, {0, 0}, "abcdefgh"},       /* exactly */
        {8, {"abc", "defghi", "de", NULL}, {0, BUF_ETOOBIG, 0}, "abcde"},
        {0, {"", "x", NULL}, {0, BUF_ETOOBIG}, ""},
        {3, {"abcd", "abc", "", NULL}, {BUF_ETOOBIG, 0, 0}, "abc"},
        /* past the first allocation (64) and its doublings */
        {200, {"0123456789012345678901234567890123456789012345678901234567"
               "890123456789", "0123456789012345678901234567890123456789"
               "01234567890123456789012345678901234567890123456789", NULL},
         {0, 0},
         "0123456789012345678901234567890123456789012345678901234567890123"
         "4567890123456789012345678901234567890123456789012345678901234567"
         "89012345678901234567890123456789"},
    };
    struct buf b;
    size_t c, i;
    int rc;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        buf_init(&b, cases[c].max);
        for (i = 0; cases[c].appends[i] != NULL; i++) {
            rc = buf_puts(&b, cases[c].appends[i]);
            if (rc != cases[c].rc[i])
                fail_msg("case %zu append %zu (\"%s\", max %zu): got %d, "
                         "want %d", c, i, cases[c].appends[i], cases[c].max,
                         rc, cases[c].rc[i]);
        }
        if (strcmp(buf_cstr(&b), cases[c].want) != 0 ||
            b.len != strlen(cases[c].want))
            fail_msg("case %zu: got \"%s\" (%zu), want \"%s\"", c,
                     buf_cstr(&b), b.len, cases[c].want);
        assert_true(b.len <= b.max);
        buf_free(&b);
    }
}

/* printf against the cap, sizes that would wrap, NUL bytes inside, and
 * the verbs around: reset keeps storage, steal hands it over, free twice
 * is fine. */
static void test_buf_verbs(void **state)
{
    struct buf b;
    char *p;
    size_t n;

    (void)state;
    buf_init(&b, 10);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "abc"), 0);
    assert_int_equal(buf_printf(&b, "%s", "toolong"), BUF_ETOOBIG);
    assert_string_equal(buf_cstr(&b), "42-abc");
    assert_int_equal(buf_printf(&b, "%s", "wxyz"), 0);     /* exactly 10 */
    assert_string_equal(buf_cstr(&b), "42-abcwxyz");
    assert_int_equal(buf_putc(&b, '!'), BUF_ETOOBIG);
    /* a length that would wrap the sum is refused before any copy */
    assert_int_equal(buf_append(&b, "", SIZE_MAX), BUF_ETOOBIG);
    assert_int_equal(buf_append(&b, "", SIZE_MAX - 4), BUF_ETOOBIG);
    assert_int_equal(b.len, 10);

    p = b.data;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, p);
    assert_string_equal(buf_cstr(&b), "");

    assert_int_equal(buf_append(&b, "a\0b", 3), 0);       /* NUL counted */
    assert_int_equal(b.len, 3);
    assert_int_equal(b.data[3], '\0');
    p = buf_steal(&b, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "a\0b", 4);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);

    p = buf_steal(&b, &n);          /* nothing appended: still a string */
    assert_non_null(p);
    assert_int_equal(n, 0);
    assert_string_equal(p, "");
    free(p);

    buf_free(&b);
    buf_free(&b);
    buf_free(NULL);
}

/* ---- file ------------------------------------------------------------ */

static char t_dir[] = "/tmp/agw-util-test.XXXXXX";

static void t_path(char *out, size_t n, const char *name)
{
    int k = snprintf(out, n, "%s/%s", t_dir, name);

    assert_true(k > 0 && (size_t)k < n);
}

/* Entries of the test directory other than . and .. */
static int t_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void test_file_write_read(void **state)
{
    char path[256], sub[256];
    struct stat st;
    struct buf b;

    (void)state;
    t_path(sub, sizeof(sub), "w");
    assert_int_equal(mkdir(sub, 0700), 0);
    t_path(path, sizeof(path), "w/f");
    assert_int_equal(file_write_atomic(path, "first\n", 6, 0600), 0);
    assert_int_equal(file_write_atomic(path, "second\0x", 8, 0600), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* the temporary file is gone: only f is left */
    assert_int_equal(t_entries(sub), 1);

    buf_init(&b, 1024);
    assert_int_equal(file_read(path, 8, &b), 0);          /* exactly max */
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "second\0x", 8);
    buf_reset(&b);
    errno = 0;
    assert_int_equal(file_read(path, 7, &b), -1);
    assert_int_equal(errno, E2BIG);
    assert_true(b.len <= 7);
    buf_reset(&b);
    errno = 0;
    t_path(path, sizeof(path), "w/missing");
    assert_int_equal(file_read(path, 8, &b), -1);
    assert_int_equal(errno, ENOENT);
    /* into a directory that does not exist: no file, errno says why */
    t_path(path, sizeof(path), "nodir/f");
    errno = 0;
    assert_int_equal(file_write_atomic(path, "x", 1, 0600), -1);
    assert_int_equal(errno, ENOENT);
    buf_free(&b);
    t_path(path, sizeof(path), "w/f");
    unlink(path);
    rmdir(sub);
}

/* A pipe writer with more than max to say is read to its end (it is not
 * left blocked on a full pipe), and the reader answers E2BIG. */
static void test_file_read_fd_drains(void **state)
{
    static char block[4096];
    struct buf b;
    int fd[2], status, i;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(fd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        memset(block, 'x', sizeof(block));
        for (i = 0; i < 64; i++)        /* 256 KiB: four pipes' worth */
            if (write(fd[1], block, sizeof(block)) != (ssize_t)sizeof(block))
                _exit(1);
        _exit(0);
    }
    close(fd[1]);
    buf_init(&b, 1 << 20);
    errno = 0;
    assert_int_equal(file_read_fd(fd[0], 1000, &b), -1);
    assert_int_equal(errno, E2BIG);
    assert_true(b.len <= 1000);
    close(fd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the writer did not get to write everything (status %d)",
                 status);
    buf_free(&b);
}

static void test_file_mkdirs(void **state)
{
    static const struct {
        const char *path;       /* under the test directory */
        int rc;
    } cases[] = {
        {"m/a/b/c", 0},
        {"m/a/b/c", 0},         /* all there already */
        {"m/a/d/", 0},          /* a final slash */
        {"m//e", 0},            /* a doubled slash */
        {"m/file/x", -1},       /* through a regular file */
    };
    char path[256], file[256];
    struct stat st;
    mode_t mask;
    size_t c;
    int fd, rc;

    (void)state;
    t_path(path, sizeof(path), "m");
    assert_int_equal(mkdir(path, 0700), 0);
    t_path(file, sizeof(file), "m/file");
    fd = open(file, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        t_path(path, sizeof(path), cases[c].path);
        rc = file_mkdirs(path, 0750);
        if (rc != cases[c].rc)
            fail_msg("mkdirs %s: got %d, want %d", cases[c].path, rc,
                     cases[c].rc);
    }
    mask = umask(0);
    umask(mask);
    t_path(path, sizeof(path), "m/a/b/c");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0750 & ~mask);
    assert_int_equal(file_mkdirs("", 0700), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    {
        static const char *const rm[] = {"m/a/b/c", "m/a/b", "m/a/d",
                                         "m/a", "m/e", "m/file", "m"};
        size_t i;

        for (i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
            t_path(path, sizeof(path), rm[i]);
            if (rmdir(path) != 0)
                unlink(path);
        }
    }
}

/* ---- items ----------------------------------------------------------- */

/* The output's size is the edge: size - 1 bytes fit, size do not, and a
 * refused item is stepped over all the same. */
static void test_items_size(void **state)
{
    const char *p = "abc, abcd ,ab;";
    char out[4];

    (void)state;
    assert_int_equal(items_next(&p, out, sizeof(out)), 1);
    assert_string_equal(out, "abc");
    assert_int_equal(items_next(&p, out, sizeof(out)), -1);
    assert_int_equal(items_next(&p, out, sizeof(out)), 1);
    assert_string_equal(out, "ab");
    assert_int_equal(items_next(&p, out, sizeof(out)), 0);
    assert_int_equal(*p, '\0');
    assert_int_equal(items_next(&p, out, sizeof(out)), 0);
}

/* ---- pack ------------------------------------------------------------ */

static void test_pack_round_trip(void **state)
{
    static const char bin[] = {'a', '\0', 'b', '\xff'};
    struct buf b;
    struct unpack u;
    const char *p;
    char fixed[8], *s;
    size_t n;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(pack_u32(&b, 0), 0);
    assert_int_equal(pack_u32(&b, UINT32_MAX), 0);
    assert_int_equal(pack_i64(&b, INT64_MIN), 0);
    assert_int_equal(pack_i64(&b, -2), 0);
    assert_int_equal(pack_put(&b, bin, sizeof(bin)), 0);
    assert_int_equal(pack_puts(&b, "text"), 0);
    assert_int_equal(pack_puts(&b, NULL), 0);
    assert_int_equal(pack_puts(&b, ""), 0);
    assert_int_equal(pack_puts(&b, "1234567"), 0);

    unpack_init(&u, b.data, b.len);
    assert_int_equal(unpack_u32(&u), 0);
    assert_int_equal(unpack_u32(&u), UINT32_MAX);
    assert_true(unpack_i64(&u) == INT64_MIN);
    assert_true(unpack_i64(&u) == -2);
    p = unpack_bytes(&u, &n);
    assert_non_null(p);
    assert_int_equal(n, sizeof(bin));
    assert_memory_equal(p, bin, sizeof(bin));
    assert_true(p >= b.data && p + n <= b.data + b.len);     /* borrowed */
    s = unpack_str(&u, 4);
    assert_non_null(s);
    assert_string_equal(s, "text");
    free(s);
    s = unpack_str(&u, 0);                                  /* NULL as "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    unpack_fixed(&u, fixed, 1);                             /* "" fits 1 */
    assert_string_equal(fixed, "");
    unpack_fixed(&u, fixed, sizeof(fixed));                 /* 7 fit 8 */
    assert_string_equal(fixed, "1234567");
    assert_int_equal(unpack_done(&u), 1);
    /* a record can hold as much as its buffer's cap, no more */
    buf_free(&b);
    buf_init(&b, 11);
    assert_int_equal(pack_puts(&b, "abc"), 0);
    assert_int_equal(pack_puts(&b, "d"), -1);
    buf_free(&b);
}

/* A record the writer script builds, then cut short or lengthened; the
 * reader script reads it; want: what unpack_done says at the end and
 * whether the reader went bad.
 *
 * Writer: u u32 7 | i i64 -2 | s the string "abc" | z the bytes "a\0c" |
 *         L a bare length of 5 with 2 bytes after it | H a length of
 *         2^64-1 | x one stray byte.
 * Reader: u u32 | i i64 | b bytes | s str (max 16) | t str (max 2) |
 *         f fixed into 4 bytes | g fixed into 3 bytes. */
static void t_write(struct buf *b, const char *script)
{
    uint64_t len;

    for (; *script; script++) {
        switch (*script) {
        case 'u': assert_int_equal(pack_u32(b, 7), 0); break;
        case 'i': assert_int_equal(pack_i64(b, -2), 0); break;
        case 's': assert_int_equal(pack_puts(b, "abc"), 0); break;
        case 'z': assert_int_equal(pack_put(b, "a\0c", 3), 0); break;
        case 'L':
            len = 5;
            assert_int_equal(buf_append(b, &len, sizeof(len)), 0);
            assert_int_equal(buf_append(b, "ab", 2), 0);
            break;
        case 'H':
            len = UINT64_MAX;
            assert_int_equal(buf_append(b, &len, sizeof(len)), 0);
            break;
        case 'x': assert_int_equal(buf_putc(b, 'x'), 0); break;
        default: fail_msg("writer: unknown '%c'", *script);
        }
    }
}

static void t_read(struct unpack *u, const char *script)
{
    char out[4];
    size_t n;

    for (; *script; script++) {
        switch (*script) {
        case 'u': (void)unpack_u32(u); break;
        case 'i': (void)unpack_i64(u); break;
        case 'b': (void)unpack_bytes(u, &n); break;
        case 's': free(unpack_str(u, 16)); break;
        case 't': free(unpack_str(u, 2)); break;
        case 'f': unpack_fixed(u, out, 4); break;
        case 'g': unpack_fixed(u, out, 3); break;
        default: fail_msg("reader: unknown '%c'", *script);
        }
    }
}

static void test_pack_garbled(void **state)
{
    static const struct {
        const char *name, *write;
        size_t cut;             /* bytes taken off the end */
        const char *read;
        int done, bad;
    } cases[] = {
        {"whole", "uisz", 0, "uisb", 1, 0},
        {"empty record, u32 wanted", "", 0, "u", 0, 1},
        {"u32 one byte short", "u", 1, "u", 0, 1},
        {"i64 one byte short", "i", 1, "i", 0, 1},
        {"length prefix cut in half", "s", 7, "s", 0, 1},
        {"string one byte short", "s", 1, "s", 0, 1},
        {"length past the end", "L", 0, "b", 0, 1},
        {"length 2^64-1", "H", 0, "b", 0, 1},
        {"length 2^64-1 as a string", "H", 0, "s", 0, 1},
        {"NUL in a string", "z", 0, "s", 0, 1},
        {"NUL in a fixed field", "z", 0, "f", 0, 1},
        {"NUL is fine as bytes", "z", 0, "b", 1, 0},
        {"string over its max", "s", 0, "t", 0, 1},
        {"fixed field one too long", "s", 0, "g", 0, 1},
        {"fixed field that fits", "s", 0, "f", 1, 0},
        {"a byte left over", "ux", 0, "u", 0, 0},
        {"a field left over", "us", 0, "u", 0, 0},
        {"read as the wrong type", "s", 0, "u", 0, 0},
        /* bad sticks: the u32 after a failed string is not read even
         * though 4 bytes are there */
        {"bad is for good", "su", 0, "tu", 0, 1},
        {"bytes past a short one", "zu", 5, "bu", 0, 1},
    };
    struct buf b;
    struct unpack u;
    size_t c;
    int done;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        buf_init(&b, 1024);
        t_write(&b, cases[c].write);
        assert_true(cases[c].cut <= b.len);
        b.len -= cases[c].cut;
        unpack_init(&u, b.data ? b.data : "", b.len);
        t_read(&u, cases[c].read);
        done = unpack_done(&u);
        if (done != cases[c].done || u.bad != cases[c].bad)
            fail_msg("%s: got done %d bad %d, want done %d bad %d",
                     cases[c].name, done, u.bad, cases[c].done,
                     cases[c].bad);
        assert_true(u.left <= b.len);
        buf_free(&b);
    }
}

/* After the first failure every reader answers empty: 0, NULL, "". */
static void test_pack_bad_answers(void **state)
{
    struct unpack u;
    char out[4] = "xyz";
    size_t n = 99;

    (void)state;
    unpack_init(&u, "abc", 3);
    assert_int_equal(unpack_u32(&u), 0);
    assert_int_equal(u.bad, 1);
    assert_true(unpack_i64(&u) == 0);
    assert_null(unpack_bytes(&u, &n));
    assert_int_equal(n, 0);
    assert_null(unpack_str(&u, 16));
    unpack_fixed(&u, out, sizeof(out));
    assert_string_equal(out, "");
    assert_int_equal(unpack_done(&u), 0);
}

static int t_setup(void **state)
{
    (void)state;
    return mkdtemp(t_dir) == NULL ? -1 : 0;
}

static int t_teardown(void **state)
{
    (void)state;
    return rmdir(t_dir);
}

/* FIPS 180-4 test vectors, one shot and fed in pieces (the audit chain
 * and copy hashes must not change when the implementation does). */
static void test_sha256_vectors(void **state)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char got[SHA256_HEX];
    struct sha256 s;
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        sha256_hex_of(v[i].in, strlen(v[i].in), got);
        assert_string_equal(got, v[i].hex);
        sha256_init(&s);
        for (k = 0; v[i].in[k]; k++)
            sha256_update(&s, v[i].in + k, 1);
        sha256_hex(&s, got);
        assert_string_equal(got, v[i].hex);
    }
}

static void test_text_show_and_lower(void **state)
{
    char out[8];

    (void)state;
    assert_string_equal(text_show("a\nb\001c", 5, out, sizeof(out)),
                        "a?b?c");
    assert_string_equal(text_show("0123456789", 10, out, sizeof(out)),
                        "0123456");
    assert_int_equal(text_lower('Q'), 'q');
    assert_int_equal(text_lower(0xc3), 0xc3);
    assert_true(text_lower8(0x5a41205b40c3617aull) == 0x7a61205b40c3617aull);
}

/* One spelling for the command line and the configuration. */
static void test_duration_parse(void **state)
{
    (void)state;
    assert_int_equal(duration_parse("90s", DURATION_BARE_REFUSED), 90);
    assert_int_equal(duration_parse("15m", DURATION_BARE_REFUSED), 900);
    assert_int_equal(duration_parse("12h", DURATION_BARE_REFUSED), 43200);
    assert_int_equal(duration_parse("30d", DURATION_BARE_REFUSED), 2592000);
    assert_int_equal(duration_parse("2w", DURATION_BARE_REFUSED), 1209600);
    assert_int_equal(duration_parse("0s", DURATION_BARE_REFUSED), 0);
    assert_int_equal(duration_parse("300", DURATION_BARE_SECONDS), 300);
    /* a bare number on the command line: which unit was meant? */
    assert_int_equal(duration_parse("30", DURATION_BARE_REFUSED), -1);
    assert_int_equal(duration_parse("", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse(NULL, DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("-5s", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse(" 5s", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("5 s", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("5ss", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("5y", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("1.5h", DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("99999999999999999999s",
                                    DURATION_BARE_SECONDS), -1);
    assert_int_equal(duration_parse("5200w", DURATION_BARE_SECONDS),
                     5200LL * 7 * 86400);
    assert_int_equal(duration_parse("5300w", DURATION_BARE_SECONDS), -1);
}

/* One line for an error or a relay's reply, in place too (err.c). */
static void test_text_oneline(void **state)
{
    char out[16], in_place[] = "550 no\r\nsuch\x01user \n";

    (void)state;
    text_oneline(out, sizeof(out), "451 try\r\n later\x7f  ");
    assert_string_equal(out, "451 try   later");
    text_oneline(out, 6, "abcdefgh");
    assert_string_equal(out, "abcde");
    text_oneline(out, sizeof(out), NULL);
    assert_string_equal(out, "");
    text_oneline(in_place, sizeof(in_place), in_place);
    assert_string_equal(in_place, "550 no  such?user");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_text_show_and_lower),
        cmocka_unit_test(test_text_oneline),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_verbs),
        cmocka_unit_test(test_file_write_read),
        cmocka_unit_test(test_file_read_fd_drains),
        cmocka_unit_test(test_file_mkdirs),
        cmocka_unit_test(test_items_size),
        cmocka_unit_test(test_pack_round_trip),
        cmocka_unit_test(test_pack_garbled),
        cmocka_unit_test(test_pack_bad_answers),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
