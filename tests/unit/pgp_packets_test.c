/*
 * pgp_packets_test - OpenPGP packet headers in both formats, partial
 * lengths, the split of a message into PKESKs and its data packet, and
 * ASCII armour, on hand-made bytes (no GnuPG: e2e/t-encrypt-batch.sh
 * runs the same code on what gpg makes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/pgp_packets.h"

#define T_IN_MAX 8192

/* An input: head octets, then fill octets of 0xAA, then tail octets,
 * then fill2 octets of 0xBB. */
struct t_in {
    const char *head;
    size_t hlen;
    size_t fill;
    const char *tail;
    size_t tlen;
    size_t fill2;
};

static size_t t_make(const struct t_in *in, unsigned char *out)
{
    size_t n = 0;

    assert_true(in->hlen + in->fill + in->tlen + in->fill2 <= T_IN_MAX);
    memcpy(out, in->head, in->hlen);
    n += in->hlen;
    memset(out + n, 0xAA, in->fill);
    n += in->fill;
    if (in->tlen)
        memcpy(out + n, in->tail, in->tlen);
    n += in->tlen;
    memset(out + n, 0xBB, in->fill2);
    return n + in->fill2;
}

#define H(s) s, sizeof(s) - 1

/* ---- pgp_pkt_read ------------------------------------------------------ */

static void test_pkt_read(void **state)
{
    static const struct {
        const char *name;
        struct t_in in;
        int rc;             /* 0, or -1 and err names why */
        int tag, partial;
        size_t body_off, body_len, end;
        const char *why;
    } cases[] = {
        {"old, 1-octet length", {H("\x84\x03"), 3, NULL, 0, 0}, 0,
         1, 0, 2, 3, 5, NULL},
        {"old, 2-octet length", {H("\x85\x00\x03"), 3, NULL, 0, 0}, 0,
         1, 0, 3, 3, 6, NULL},
        {"old, 4-octet length", {H("\x86\x00\x00\x01\x00"), 256, NULL, 0, 0},
         0, 1, 0, 5, 256, 261, NULL},
        {"old, trailing octets not part of it", {H("\x84\x01"), 1, NULL, 0, 9},
         0, 1, 0, 2, 1, 3, NULL},
        {"old, tag 9", {H("\xa4\x02"), 2, NULL, 0, 0}, 0,
         9, 0, 2, 2, 4, NULL},
        {"old, indeterminate length", {H("\x87"), 10, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "indeterminate"},
        {"new, 1-octet length", {H("\xc1\x03"), 3, NULL, 0, 0}, 0,
         1, 0, 2, 3, 5, NULL},
        {"new, 0 length", {H("\xd2\x00"), 0, NULL, 0, 0}, 0,
         18, 0, 2, 0, 2, NULL},
        {"new, 2-octet length 192", {H("\xc1\xc0\x00"), 192, NULL, 0, 0}, 0,
         1, 0, 3, 192, 195, NULL},
        {"new, 2-octet length 8383 cut", {H("\xd2\xdf\xff"), 100, NULL, 0, 0},
         -1, 0, 0, 0, 0, 0, "truncated"},
        {"new, 5-octet length", {H("\xc1\xff\x00\x00\x00\x05"), 5, NULL, 0, 0},
         0, 1, 0, 6, 5, 11, NULL},
        {"new, tag 63", {H("\xff\x01"), 1, NULL, 0, 0}, 0,
         63, 0, 2, 1, 3, NULL},
        {"partial: 512 then 5", {H("\xd2\xe9"), 512, H("\x05"), 5}, 0,
         18, 1, 2, 517, 520, NULL},
        {"partial: 512, 1024, then 0", {H("\xd4\xe9"), 512, H("\xea"), 1024},
         -1, 0, 0, 0, 0, 0, "truncated"},
        {"partial on a PKESK", {H("\xc1\xe9"), 512, H("\x01"), 1}, -1,
         0, 0, 0, 0, 0, "partial length on a tag 1"},
        {"partial under 512 first", {H("\xd2\xe1"), 2, H("\x01"), 1}, -1,
         0, 0, 0, 0, 0, "under 512"},
        {"not a header", {H("\x01\x02"), 0, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "not a packet header"},
        {"reserved tag 0, new", {H("\xc0\x01"), 1, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "reserved tag 0"},
        {"reserved tag 0, old", {H("\x80\x01"), 1, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "reserved tag 0"},
        {"empty", {"", 0, 0, NULL, 0, 0}, -1, 0, 0, 0, 0, 0, "truncated"},
        {"header only, new", {H("\xc1"), 0, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"2-octet length cut", {H("\xc1\xc5"), 0, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"5-octet length cut", {H("\xc1\xff\x00\x00"), 0, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"old 4-octet length cut", {H("\x86\x00\x00"), 0, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"body cut", {H("\xc1\x0a"), 9, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"partial, next length missing", {H("\xd2\xe9"), 512, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "truncated"},
        {"oversize, new 5-octet", {H("\xd2\xff\x7f\xff\xff\xff"), 4, NULL, 0,
         0}, -1, 0, 0, 0, 0, 0, "body over"},
        {"oversize, old 4-octet", {H("\xa6\xff\xff\xff\xff"), 4, NULL, 0, 0},
         -1, 0, 0, 0, 0, 0, "body over"},
        {"oversize, one partial of 2^30", {H("\xd2\xfe"), 4, NULL, 0, 0}, -1,
         0, 0, 0, 0, 0, "body over"},
    };
    unsigned char in[T_IN_MAX];
    struct pgp_pkt p;
    struct err e;
    size_t i, n;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = t_make(&cases[i].in, in);
        err_init(&e);
        rc = pgp_pkt_read(in, n, 0, &p, &e);
        if (rc != cases[i].rc)
            fail_msg("%s: got rc %d (%s), want %d", cases[i].name, rc, e.msg,
                     cases[i].rc);
        if (rc != 0) {
            if (e.code != ERR_DATA || strstr(e.msg, cases[i].why) == NULL)
                fail_msg("%s: got error %d \"%s\", want ERR_DATA \"%s\"",
                         cases[i].name, e.code, e.msg, cases[i].why);
            continue;
        }
        if (p.tag != cases[i].tag || p.partial != cases[i].partial ||
            p.body_off != cases[i].body_off ||
            p.body_len != cases[i].body_len || p.end != cases[i].end)
            fail_msg("%s: got tag %d partial %d body %zu+%zu end %zu, want "
                     "tag %d partial %d body %zu+%zu end %zu", cases[i].name,
                     p.tag, p.partial, p.body_off, p.body_len, p.end,
                     cases[i].tag, cases[i].partial, cases[i].body_off,
                     cases[i].body_len, cases[i].end);
    }
}

/* Partial chunks are not all the same size: 1024, 512, then the rest. */
static void test_pkt_read_partial_chain(void **state)
{
    static unsigned char in[1 + 1 + 1024 + 1 + 512 + 2 + 300];
    struct pgp_pkt p;
    struct err e;
    size_t n = 0;

    (void)state;
    in[n++] = 0xd2;
    in[n++] = 0xea;                 /* 1 << 10 */
    memset(in + n, 1, 1024);
    n += 1024;
    in[n++] = 0xe9;                 /* 1 << 9 */
    memset(in + n, 2, 512);
    n += 512;
    in[n++] = 0xc0 + ((300 - 192) >> 8);
    in[n++] = (300 - 192) & 0xff;
    memset(in + n, 3, 300);
    n += 300;
    assert_int_equal(n, sizeof(in));
    err_init(&e);
    if (pgp_pkt_read(in, n, 0, &p, &e) != 0)
        fail_msg("partial chain: got %s, want ok", e.msg);
    assert_int_equal(p.tag, 18);
    assert_int_equal(p.partial, 1);
    assert_int_equal(p.body_len, 1024 + 512 + 300);
    assert_int_equal(p.end, n);
}

/* ---- pgp_split_read ---------------------------------------------------- */

/* v3 PKESK bodies: version, key id, algorithm 18 (ECDH), 4 octets. */
#define PK1 "\xc1\x0e\x03\x11\x22\x33\x44\x55\x66\x77\x88\x12KEY1"
#define PK2 "\x84\x0e\x03\x99\xaa\xbb\xcc\xdd\xee\xff\x01\x12KEY2"
#define SEIPD "\xd2\x05\x01" "ABCD"

static void test_split(void **state)
{
    static const struct {
        const char *name;
        struct t_in in;
        size_t npkesk;      /* 0: refused with why */
        const char *why;
    } cases[] = {
        {"two PKESKs, SEIPD", {H(PK1 PK2 SEIPD), 0, NULL, 0, 0}, 2, NULL},
        {"one PKESK, OCB", {H(PK1 "\xd4\x03" "\x01xy"), 0, NULL, 0, 0}, 1,
         NULL},
        {"one PKESK, partial SEIPD", {H(PK2 "\xd2\xe9"), 512, H("\x02\x01\x02"),
         0}, 1, NULL},
        {"v6 PKESK", {H("\xc1\x0e\x06\x11\x22\x33\x44\x55\x66\x77\x88\x12KEY1"
                        SEIPD), 0, NULL, 0, 0}, 0, "version 6"},
        {"hidden recipient", {H("\xc1\x0e\x03\x00\x00\x00\x00\x00\x00\x00\x00"
                                "\x12KEY1" SEIPD), 0, NULL, 0, 0}, 0,
         "hidden recipient"},
        {"key id twice", {H(PK1 PK2 PK1 SEIPD), 0, NULL, 0, 0}, 0,
         "met twice"},
        {"SED", {H(PK1 "\xc9\x03xyz"), 0, NULL, 0, 0}, 0, "SED packet"},
        {"no PKESK", {H(SEIPD), 0, NULL, 0, 0}, 0, "no PKESK"},
        {"octets after the data", {H(PK1 SEIPD), 0, NULL, 0, 1}, 0,
         "after the data packet"},
        {"a packet after the data", {H(PK1 SEIPD PK2), 0, NULL, 0, 0}, 0,
         "after the data packet"},
        {"literal data instead", {H(PK1 "\xcb\x03xyz"), 0, NULL, 0, 0}, 0,
         "unexpected tag 11"},
        {"a marker packet first", {H("\xca\x03PGP" PK1 SEIPD), 0, NULL, 0, 0},
         0, "unexpected tag 10"},
        {"PKESKs only", {H(PK1 PK2), 0, NULL, 0, 0}, 0, "truncated"},
        {"PKESK cut", {H("\xc1\x0e\x03\x11\x22"), 0, NULL, 0, 0}, 0,
         "truncated"},
        {"PKESK too short", {H("\xc1\x05\x03\x11\x22\x33\x44" SEIPD), 0,
         NULL, 0, 0}, 0, "too short"},
        {"PKESK over its limit", {H("\xc1\xff\x00\x00\x10\x01\x03"), 4096,
         H(SEIPD), 0}, 0, "over 4096"},
        {"garbage", {H("\x00\xff\x13\x37"), 0, NULL, 0, 0}, 0,
         "not a packet header"},
        {"empty", {"", 0, 0, NULL, 0, 0}, 0, "truncated"},
    };
    unsigned char in[T_IN_MAX + 16];
    struct pgp_split s;
    struct err e;
    char hex[17];
    size_t i, n;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = t_make(&cases[i].in, in);
        err_init(&e);
        rc = pgp_split_read(in, n, &s, &e);
        if (cases[i].npkesk == 0) {
            if (rc == 0 || e.code != ERR_DATA ||
                strstr(e.msg, cases[i].why) == NULL)
                fail_msg("%s: got rc %d \"%s\", want ERR_DATA \"%s\"",
                         cases[i].name, rc, e.msg, cases[i].why);
            if (s.pkesk != NULL || s.npkesk != 0)
                fail_msg("%s: refused but filled", cases[i].name);
            continue;
        }
        if (rc != 0 || s.npkesk != cases[i].npkesk)
            fail_msg("%s: got rc %d (%s) npkesk %zu, want %zu", cases[i].name,
                     rc, e.msg, s.npkesk, cases[i].npkesk);
        if (s.data_off + s.data_len != n || s.pkesk[0].off != 0 ||
            s.pkesk[s.npkesk - 1].off + s.pkesk[s.npkesk - 1].len !=
            s.data_off)
            fail_msg("%s: parts do not tile the input", cases[i].name);
        pgp_split_free(&s);
    }
    /* The key ids and where each PKESK is. */
    n = t_make(&(struct t_in){H(PK1 PK2 SEIPD), 0, NULL, 0, 0}, in);
    assert_int_equal(pgp_split_read(in, n, &s, &e), 0);
    pgp_keyid_hex(s.pkesk[0].keyid, hex);
    assert_string_equal(hex, "1122334455667788");
    pgp_keyid_hex(s.pkesk[1].keyid, hex);
    assert_string_equal(hex, "99AABBCCDDEEFF01");
    assert_int_equal(s.pkesk[0].len, 16);
    assert_int_equal(s.pkesk[1].off, 16);
    assert_int_equal(s.data_off, 32);
    assert_int_equal(s.data_len, 7);
    pgp_split_free(&s);
    pgp_split_free(NULL);
}

/* More PKESKs than the limit: refused, not allocated without end. */
static void test_split_too_many(void **state)
{
    size_t n = (PGP_PKESK_COUNT_MAX + 1) * 16 + 7, i;
    unsigned char *in = malloc(n);
    struct pgp_split s;
    struct err e;

    (void)state;
    assert_non_null(in);
    for (i = 0; i <= PGP_PKESK_COUNT_MAX; i++) {
        memcpy(in + i * 16, PK1, 16);
        in[i * 16 + 3] = (unsigned char)(i >> 8);
        in[i * 16 + 4] = (unsigned char)i;
    }
    memcpy(in + i * 16, SEIPD, 7);
    err_init(&e);
    if (pgp_split_read(in, n, &s, &e) == 0 || strstr(e.msg, "over") == NULL)
        fail_msg("too many PKESKs: got \"%s\", want over the limit", e.msg);
    free(in);
}

/* ---- armour ------------------------------------------------------------ */

static void test_crc24(void **state)
{
    (void)state;
    assert_int_equal(pgp_crc24(PGP_CRC24_INIT, NULL, 0), 0xB704CE);
    assert_int_equal(pgp_crc24(PGP_CRC24_INIT, (const unsigned char *)
                               "123456789", 9), 0x21CF02);
}

static void test_armor(void **state)
{
    static const char want3[] = "-----BEGIN PGP MESSAGE-----\n\nAQID\n"
        "=Z2GT\n-----END PGP MESSAGE-----\n";
    static const char want100[] = "-----BEGIN PGP MESSAGE-----\n\n"
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n"
        "MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f\n"
        "YGFiYw==\n=ojIo\n-----END PGP MESSAGE-----\n";
    static const size_t cuts[] = {0, 1, 2, 3, 47, 48, 49, 99, 100};
    unsigned char d[100];
    struct buf b, b2;
    struct err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(d); i++)
        d[i] = (unsigned char)i;
    err_init(&e);
    buf_init(&b, 4096);
    assert_int_equal(pgp_armor_message((const unsigned char *)"\1\2\3", 3,
                                       &b, &e), 0);
    assert_string_equal(b.data, want3);
    buf_reset(&b);
    assert_int_equal(pgp_armor_message(d, sizeof(d), &b, &e), 0);
    assert_string_equal(b.data, want100);
    /* Two pieces read as one, wherever the cut falls. */
    for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        buf_init(&b2, 4096);
        assert_int_equal(pgp_armor_message2(d, cuts[i], d + cuts[i],
                                            sizeof(d) - cuts[i], &b2, &e), 0);
        if (strcmp(b2.data, want100) != 0)
            fail_msg("armour cut at %zu: got \"%s\"", cuts[i], b2.data);
        buf_free(&b2);
    }
    /* Over the buffer's cap: refused, the buffer as it was. */
    buf_init(&b2, 64);
    assert_int_equal(buf_puts(&b2, "x"), 0);
    assert_int_equal(pgp_armor_message(d, sizeof(d), &b2, &e), -1);
    assert_int_equal(e.code, ERR_TOOBIG);
    assert_string_equal(b2.data, "x");
    buf_free(&b2);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkt_read),
        cmocka_unit_test(test_pkt_read_partial_chain),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_too_many),
        cmocka_unit_test(test_crc24),
        cmocka_unit_test(test_armor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
