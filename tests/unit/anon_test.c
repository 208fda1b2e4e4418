/* anon_test - anonymisation, leak scan, rule files, the mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail/anon.h"

#ifndef AGW_SOURCE_DIR
#define AGW_SOURCE_DIR "."
#endif

#define OUT_MAX (1u << 20)

static const char sites_text[] =
    "CERN \"European Organization for Nuclear Research\" cern.ch "
    "128.142.0.0/16 2001:1458::/32\n"
    "UKI-LT2-QMUL \"Queen Mary University of London\" qmul.ac.uk "
    "138.37.0.0/16\n"
    "EXAMPLE-T2 \"ExGrid\" \"T2_XX_Example\" \"LCG.Example.xx\" "
    "grid.inst.example inst.example 192.0.2.0/255.255.255.0 "
    "2001:db8:77::/48\n"
    "RAL rl.example 198.51.100.0/24\n"
    "CYF-DEMO cyf-demo.example\n";

struct fixture {
    struct sites *s;
    struct anon *a;
    char rules[4096];
};

static const char *rules_dir(char *buf, size_t size)
{
    const char *src = getenv("AGW_SOURCE_DIR");

    snprintf(buf, size, "%s/rules", src ? src : AGW_SOURCE_DIR);
    return buf;
}

static int setup(void **state)
{
    static struct fixture f;
    struct err e;

    err_init(&e);
    f.s = sites_new();
    if (sites_load_text(f.s, sites_text, sizeof sites_text - 1, "t", &e)
        || sites_keep(f.s, "voms.cern.ch", &e)
        || anon_new(&f.a, f.s, rules_dir(f.rules, sizeof f.rules), &e)) {
        print_error("setup: %s\n", e.msg);
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    anon_free(f->a);
    sites_free(f->s);
    return 0;
}

struct apply_case {
    const char *in;
    const char *want;
};

static const struct apply_case apply_cases[] = {
    /* names and aliases, any case, on word boundaries only */
    {"Sites CERN and cern hit.", "Sites [SITE-1] and [SITE-1] hit."},
    {"RAL: general, neutral, RALly, RAL.", "[SITE-1]: general, neutral, "
                                           "RALly, [SITE-1]."},
    {"généRAL RAL’s", "généRAL [SITE-1]’s"},
    {"EXAMPLE-T2 ExGrid t2_xx_example", "[SITE-1] [SITE-1] [SITE-1]"},
    {"EXAMPLE-T2_DATADISK and T2_XX_Example_SCRATCH",
     "[SITE-1]_DATADISK and [SITE-1]_SCRATCH"},
    {"DIRAC site LCG.Example.xx.", "DIRAC site [SITE-1]."},
    {"RAL-LCG2 is another name, so is core-EXAMPLE-T2-x.log",
     "[SITE-1]-LCG2 is another name, so is core-[SITE-2]-x.log"},
    {"at Queen Mary University of London (QMUL)",
     "at [SITE-1] (QMUL)"},
    {"at Queen Mary\n  university OF\tLondon.", "at [SITE-1]."},
    {"Queen Mary University of Londonderry", "Queen Mary University of "
                                             "Londonderry"},
    /* hosts, e-mail, URLs */
    {"wn-r03-n117.grid.inst.example. and LXPLUS.CERN.CH",
     "host1.site1.invalid. and host2.site2.invalid"},
    {"cern.ch and CERN", "site1.invalid and [SITE-1]"},
    {"https://jo:pw@portal.inst.example:8443/x?y=1",
     "https://jo:pw@host1.site1.invalid:8443/x?y=1"},
    {"mail jo.smith@inst.example, JO.SMITH@INST.EXAMPLE",
     "mail user1@site1.invalid, user1@site1.invalid"},
    {"voms.cern.ch stays, x.voms.cern.ch not",
     "voms.cern.ch stays, host1.site1.invalid not"},
    {"C2 update-cdn.example.net:4444 notcern.ch",
     "C2 update-cdn.example.net:4444 notcern.ch"},
    {"attacker@evil.example.net", "attacker@evil.example.net"},
    /* addresses and networks */
    {"from 192.0.2.45 and 203.0.113.9", "from [IP-1] and 203.0.113.9"},
    {"192.000.002.045 ::ffff:192.0.2.45 192.0.2.45:22",
     "[IP-1] [IP-1] [IP-1]:22"},
    {"2001:db8:77::a [2001:DB8:77:0:0:0:0:A]:443 fe80::1%eth0",
     "[IP-1] [IP-1]:443 fe80::1%eth0"},
    {"ip:2001:db8:77::a: refused", "ip:[IP-1]: refused"},
    {"nets 192.0.2.0/24 192.0.2.0/255.255.255.0 2001:db8:77::/48 10.0.0.0/8",
     "nets [NET-1] [NET-1] [NET-2] 10.0.0.0/8"},
    {"128.142.1.1 198.51.100.7", "[IP-1] [IP-2]"},
    /* things receivers act on stay */
    {"CVE-2024-0001 AS64500 2024-05-11T03:14:07Z 03:14:07 "
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
     "d41d8cd98f00b204e9800998ecf8427e",
     "CVE-2024-0001 AS64500 2024-05-11T03:14:07Z 03:14:07 "
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
     "d41d8cd98f00b204e9800998ecf8427e"},
    {"1.2.3.4.5 v1.2.3 aa:bb:cc:dd:ee:ff", "1.2.3.4.5 v1.2.3 "
                                           "aa:bb:cc:dd:ee:ff"},
    /* rules first, then sites in the rest */
    {"login by exvo012@inst.example ran /home/exvo012/x on 192.0.2.1",
     "login by [ACCOUNT-1]@site1.invalid ran /home/[ACCOUNT-1]/x on [IP-1]"},
    {"DN /DC=ch/DC=cern/OU=Users/CN=jsmith at CERN",
     "DN [DN-1] at [SITE-1]"},
    /* issue 3, "Must be replaced", one case a form */
    {"http://[2001:db8:77::5]:8080/x and ftp://anon@ftp.inst.example./pub",
     "http://[IP-1]:8080/x and ftp://anon@host1.site1.invalid./pub"},
    {"May 11 03:14:07 wn01.grid.inst.example sshd[123]: Accepted password "
     "for root from 192.0.2.7 port 22 ssh2",
     "May 11 03:14:07 host1.site1.invalid sshd[123]: Accepted password "
     "for root from [IP-1] port 22 ssh2"},
    {"GRID.INST.EXAMPLE WN01.Grid.Inst.Example.",
     "site1.invalid host1.site1.invalid."},
    {"2001:0db8:0077:0000:0000:0000:0000:000a 2001:db8:77:0:0:0:0:00a "
     "2001:db8:77::a",
     "[IP-1] [IP-1] [IP-1]"},
    {"mixed 2001:db8:77::192.0.2.1 mapped ::ffff:c000:22d ::FFFF:192.0.2.45",
     "mixed [IP-1] mapped [IP-2] [IP-2]"},
    {"subnets 192.0.2.128/25 2001:db8:77:8000::/49 wider 192.0.0.0/16 "
     "2001:db8::/32",
     "subnets [NET-1] [NET-2] wider 192.0.0.0/16 2001:db8::/32"},
    {"GOCDB 198.51.100.0/255.255.255.0;192.0.2.0/255.255.255.128",
     "GOCDB [NET-1];[NET-2]"},
    {"/DC=example/DC=inst/OU=computers/CN=wn01.grid.inst.example ok",
     "[DN-1] ok"},
    {"CN=Jo Smith, OU=Users, O=Inst, DC=inst, DC=example signed",
     "[DN-1] signed"},
    {"general, neutral, RALly, CERNVM, concern, 'RAL' (Ral) ral.",
     "general, neutral, RALly, CERNVM, concern, '[SITE-1]' ([SITE-1]) "
     "[SITE-1]."},
    /* a host with a file name extension; a name as a part of a token */
    {"auth-wn01.grid.inst.example.log cern.ch.gz grid.inst.example.tar.gz",
     "host1.site1.invalid.log site2.invalid.gz site1.invalid.tar.gz"},
    /* a name as a part of a dotted token */
    {"EXAMPLE-T2.log ral.phish.example x.EXAMPLE-T2_DATADISK.log v1.2.3",
     "[SITE-1].log ral.phish.example x.[SITE-1]_DATADISK.log v1.2.3"},
    /* "Must stay" */
    {"C2 https://update-cdn.example.net:4444/p.sh from 203.0.113.9 "
     "(AS64500) at 2024-05-11T03:14:07Z, CVE-2024-3094, "
     "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709, "
     "evil.example.org, http://www.example.com/concerns",
     "C2 https://update-cdn.example.net:4444/p.sh from 203.0.113.9 "
     "(AS64500) at 2024-05-11T03:14:07Z, CVE-2024-3094, "
     "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709, "
     "evil.example.org, http://www.example.com/concerns"},
    {"keep voms.cern.ch and VOMS.CERN.CH. but not voms2.cern.ch",
     "keep voms.cern.ch and VOMS.CERN.CH. but not host1.site1.invalid"},
    /* invalid UTF-8 is a barrier, not an error */
    {"\xff" "CERN\xfe cern.ch", "\xff[SITE-1]\xfe site1.invalid"},
    {"", ""},
};

/* Issue 14: the forms duty officers really write, one row a form. Each
 * failed on the code before the fix (leaked or mangled). */
static const struct apply_case issue14_cases[] = {
    /* 1. defanged: the placeholder itself, the defanging around it kept */
    {"192.0.2[.]45 192[.]0[.]2[.]45 192(.)0(.)2(.)45 192{.}0{.}2{.}45",
     "[IP-1] [IP-1] [IP-1] [IP-1]"},
    {"192.0.2[.]45[:]22 and 2001:db8:77[:]:a, 2001[:]db8[:]77[:][:]a",
     "[IP-1][:]22 and [IP-2], [IP-2]"},
    {"host.inst[.]example wn01[.]grid[.]inst[.]example",
     "host1.site1.invalid host2.site1.invalid"},
    {"hxxps://portal[.]inst[.]example/x hxxp://rl(.)example",
     "hxxps://host1.site1.invalid/x hxxp://site2.invalid"},
    {"jo.smith [at] inst [dot] example, jo.smith[at]inst[dot]example, "
     "jo.smith(at)inst(dot)example, jo.smith[@]inst{.}example",
     "user1@site1.invalid, user1@site1.invalid, user1@site1.invalid, "
     "user1@site1.invalid"},
    {"EXAMPLE-T2[.] stays defanged: evil[.]example 203.0.113[.]9 "
     "x [at] evil [dot] example",
     "[SITE-1][.] stays defanged: evil[.]example 203.0.113[.]9 "
     "x [at] evil [dot] example"},
    /* 2. glued forms */
    {"log_192.0.2.45_ssh.txt 192.0.2.45-report.pdf report_192.0.2.46.txt",
     "log_[IP-1]_ssh.txt [IP-1]-report.pdf report_[IP-2].txt"},
    {"ip-192-0-2-45.example 192-0-2-46.dyn.example",
     "ip-[IP-1].example [IP-2].dyn.example"},
    {"45.2.0.192.in-addr.arpa 2.0.192.in-addr.arpa. 192.0.2.45",
     "[IP-1].in-addr.arpa [NET-1].in-addr.arpa. [IP-1]"},
    {"a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2"
     ".ip6.arpa 7.7.0.0.8.b.d.0.1.0.0.2.IP6.ARPA 2001:db8:77::a",
     "[IP-1].ip6.arpa [NET-1].IP6.ARPA [IP-1]"},
    {"ui01.grid.inst.example-secure.log wn01.grid.inst.example_access_log "
     "backup-wn02.grid.inst.example",
     "host1.site1.invalid-secure.log host2.site1.invalid_access_log "
     "host3.site1.invalid"},
    {"dump-2001:db8:77::a.pcap dump_2001:db8:77::a.pcap "
     "wn01.grid.inst.example.local, see wn02.grid.inst.example.Then",
     "dump-[IP-1].pcap dump_[IP-1].pcap host1.site1.invalid.local, see "
     "host2.site1.invalid.Then"},
    {"log_203.0.113.9_ssh.txt ip-203-0-113-9.example "
     "9.113.0.203.in-addr.arpa 2024-05-11-03 v1.2.3.4-rc1 192.0.2.45.1.6",
     "log_203.0.113.9_ssh.txt ip-203-0-113-9.example "
     "9.113.0.203.in-addr.arpa 2024-05-11-03 v1.2.3.4-rc1 192.0.2.45.1.6"},
    /* tcpdump's ADDR.PORT: the address goes, the port stays (the leak
     * detector found "192.0.2.45.6" kept as it was) */
    {"IP 192.0.2.45.22 > 203.0.113.9.443: Flags [S], 192.0.2.45.6",
     "IP [IP-1].22 > 203.0.113.9.443: Flags [S], [IP-1].6"},
    /* 3. invisible characters go with the identifier; NBSP is a space */
    {"EXAM\xc2\xadPLE-T2 192.0.2\xe2\x80\x8b.45 Ex\xe2\x80\x8dGrid "
     "cern\xe2\x81\xa0.ch UKI-LT2\xe2\x80\x8c-QMUL",
     "[SITE-1] [IP-1] [SITE-1] site2.invalid [SITE-3]"},
    {"Queen\xc2\xa0Mary University of\xc2\xa0London, a\xe2\x80\x8b" "b",
     "[SITE-1], a\xe2\x80\x8b" "b"},
    /* 4. site-name variants */
    {"example-t2-admins@lists.example.org, qmul@lists.example.org",
     "[SITE-1]-admins@lists.example.org, qmul@lists.example.org"},
    {"EXAMPLE_T2 EXAMPLE T2 EXAMPLE.T2 EXAMPLET2 uki_lt2_qmul_disk",
     "[SITE-1] [SITE-1] [SITE-1] [SITE-1] [SITE-2]_disk"},
    {"EXAMPLE T20 EXAMPLET20 EXAMPLE-T2x", "EXAMPLE T20 EXAMPLET20 "
                                           "EXAMPLE-T2x"},
    /* 5. DN variants */
    {"subject= DC = example, DC = inst, CN = Jo Smith",
     "subject= [DN-1]"},
    {"/dc=example/dc=inst/cn=jsmith; DC=example;DC=inst;CN=Jo Smith",
     "[DN-1]; [DN-2]"},
    {"/DC=org/DC=terena/DC=tcs/C=PL/O=ACC Demo/CN=Jan Kowalski jkowal01 "
     "\"/DC=org/DC=terena/DC=tcs/C=PL/O=ACC Demo/CN=Jan Kowalski jkowal01\"",
     "[DN-1] jkowal01 \"[DN-1] jkowal01\""},
    /* 6. indicators stay */
    {"ral.update-cdn.example.net https://ral.update-cdn.example.net/ral/x "
     "/tmp/.ral/ ral_backdoor backdoor-ral",
     "ral.update-cdn.example.net https://ral.update-cdn.example.net/ral/x "
     "/tmp/.ral/ ral_backdoor backdoor-ral"},
    {"xmrig620 id=abc123 user=exvo012 for atlas001 from",
     "xmrig620 id=abc123 user=[ACCOUNT-1] for [ACCOUNT-2] from"},
    {"accounts exvo012 and atlas001, again exvo012; for cms042, cms043 or "
     "cms044. xmrig620 and abc123",
     "accounts [ACCOUNT-1] and [ACCOUNT-2], again [ACCOUNT-1]; for "
     "[ACCOUNT-3], [ACCOUNT-4] or [ACCOUNT-5]. xmrig620 and abc123"},
    {"RAL-LCG2 RAL_BACKUP cern.phish.example",
     "[SITE-1]-LCG2 [SITE-1]_BACKUP cern.phish.example"},
};

static void test_apply_issue14_forms(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof issue14_cases / sizeof *issue14_cases; i++) {
        const struct apply_case *c = &issue14_cases[i];
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;

        buf_init(&out, OUT_MAX);
        err_init(&e);
        if (anon_apply(f->a, m, c->in, strlen(c->in), &out, NULL, &e) != 0) {
            print_error("issue 14 case %zu: got error '%s', want \"%s\"\n",
                        i, e.msg, c->want);
            bad++;
        } else if (strcmp(buf_cstr(&out), c->want) != 0) {
            print_error("issue 14 case %zu: got \"%s\", want \"%s\"\n", i,
                        buf_cstr(&out), c->want);
            bad++;
        } else if (anon_scan(f->a, buf_cstr(&out), out.len, "copy", &e)
                   != 0) {
            print_error("issue 14 case %zu: scan of the copy: %s\n", i,
                        e.msg);
            bad++;
        }
        buf_free(&out);
        anon_map_free(m);
    }
    assert_int_equal(bad, 0);
}

/* Issue 14: a look-alike attacker domain embedding a site domain was
 * rewritten (cyf-demo.example.badactor.example became
 * site1.invalid.badactor.example): the NREN blocked the wrong name. It is
 * a conflict now: the apply fails (the alert is held) naming it. */
static void test_conflict_look_alike_domain(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"see cyf-demo.example.badactor.example now",
         "conflict: indicator \"cyf-demo.example.badactor.example\" embeds "
         "site domain cyf-demo.example"},
        {"https://login.cern.ch.evil.example/x",
         "conflict: indicator \"login.cern.ch.evil.example\" embeds site "
         "domain cern.ch"},
        {"mail x@inst.example.evil.example",
         "conflict: indicator \"inst.example.evil.example\" embeds site "
         "domain inst.example"},
        {"cyf-demo[.]example[.]badactor[.]example",
         "conflict: indicator \"cyf-demo.example.badactor.example\" embeds "
         "site domain cyf-demo.example"},
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;

        buf_init(&out, OUT_MAX);
        err_init(&e);
        if (anon_apply(f->a, m, cases[i].in, strlen(cases[i].in), &out, NULL,
                       &e) == 0)
            fail_msg("case %zu: got \"%s\", want error '%s'", i,
                     buf_cstr(&out), cases[i].want);
        if (strstr(e.msg, cases[i].want) == NULL || e.code != ERR_DATA)
            fail_msg("case %zu: got error %d '%s', want '%s'", i, e.code,
                     e.msg, cases[i].want);
        if (out.len != 0)
            fail_msg("case %zu: output left behind", i);
        buf_free(&out);
        anon_map_free(m);
    }
}

static void test_apply(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof apply_cases / sizeof *apply_cases; i++) {
        const struct apply_case *c = &apply_cases[i];
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;

        buf_init(&out, OUT_MAX);
        err_init(&e);
        if (anon_apply(f->a, m, c->in, strlen(c->in), &out, NULL, &e) != 0) {
            print_error("case %zu: got error '%s', want \"%s\"\n", i, e.msg,
                        c->want);
            bad++;
        } else if (strcmp(buf_cstr(&out), c->want) != 0) {
            print_error("case %zu: got \"%s\", want \"%s\"\n", i,
                        buf_cstr(&out), c->want);
            bad++;
        }
        buf_free(&out);
        anon_map_free(m);
    }
    assert_int_equal(bad, 0);
}

static void expect_str(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got, want);
}

/* Issue 14: `preview --diff` shows what was written, defanging and all,
 * on the line it was written on. */
static void test_changes_defanged(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    struct anon_changes ch = {NULL, 0, 0};
    const char *t = "a\nfrom 192.0.2[.]45 and\njo [at] inst [dot] example\n";
    struct buf out;
    struct err e;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t, strlen(t), &out, &ch, &e), 0);
    expect_str("out", buf_cstr(&out), "a\nfrom [IP-1] and\n"
                                      "user1@site1.invalid\n");
    assert_int_equal(ch.n, 2);
    expect_str("orig 0", ch.v[0].original, "192.0.2[.]45");
    assert_int_equal(ch.v[0].line, 2);
    expect_str("orig 1", ch.v[1].original, "jo [at] inst [dot] example");
    assert_int_equal(ch.v[1].line, 3);
    expect_str("ph 1", ch.v[1].placeholder, "user1@site1.invalid");
    anon_changes_free(&ch);
    buf_free(&out);
    anon_map_free(m);
}

/* One map across two texts (an alert and its update). */
static void test_stable(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    struct buf out;
    struct err e;
    const char *t1 = "RAL then x.grid.inst.example then CERN 192.0.2.9";
    const char *t2 = "cern.ch, EXAMPLE-T2, X.GRID.INST.EXAMPLE., ral";

    buf_init(&out, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t1, strlen(t1), &out, NULL, &e), 0);
    expect_str("first", buf_cstr(&out),
               "[SITE-1] then host1.site2.invalid then [SITE-3] [IP-1]");
    buf_reset(&out);
    assert_int_equal(anon_apply(f->a, m, t2, strlen(t2), &out, NULL, &e), 0);
    expect_str("update", buf_cstr(&out),
               "site3.invalid, [SITE-2], host1.site2.invalid., [SITE-1]");
    assert_int_equal(anon_map_count(m), 6);
    buf_free(&out);
    anon_map_free(m);
}

struct map_row {
    const char *cls, *orig, *ph;
};

static void test_preload(void **state)
{
    static const struct map_row pre[] = {
        {"site", "CERN", "[SITE-4]"},
        {"host", "lxplus.cern.ch", "host7.site4.invalid"},
        {"email", "jo@cern.ch", "user2@site4.invalid"},
        {"ip", "128.142.0.1", "[IP-3]"},
        {"account", "exvo012", "[ACCOUNT-5]"},
    };
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    const char *t = "CERN lxplus.cern.ch b.cern.ch jo@cern.ch x@cern.ch "
                    "128.142.000.001 128.142.0.2 user exvo012 user exvo013 RAL";
    const char *cls, *orig, *ph;
    struct buf out;
    struct err e;
    size_t i;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    for (i = 0; i < sizeof pre / sizeof *pre; i++)
        assert_int_equal(anon_map_add(m, pre[i].cls, pre[i].orig, pre[i].ph,
                                      &e), 0);
    assert_int_equal(anon_map_add(m, "ip", "128.142.0.1", "[IP-9]", &e), -1);
    assert_int_equal(e.code, ERR_DUP);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t, strlen(t), &out, NULL, &e), 0);
    expect_str("preloaded", buf_cstr(&out),
               "[SITE-4] host7.site4.invalid host8.site4.invalid "
               "user2@site4.invalid user3@site4.invalid [IP-3] [IP-4] "
               "user [ACCOUNT-5] user [ACCOUNT-6] [SITE-5]");
    assert_int_equal(anon_map_get(m, 0, &cls, &orig, &ph), 0);
    expect_str("get cls", cls, "site");
    expect_str("get orig", orig, "CERN");
    assert_int_equal(anon_map_get(m, anon_map_count(m), &cls, &orig, &ph),
                     -1);
    buf_free(&out);
    anon_map_free(m);
}

static void test_changes(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    struct anon_changes ch = {NULL, 0, 0};
    const char *t = "line one CERN\nline two\n user exvo012 at 192.0.2.1\n";
    struct buf out;
    struct err e;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t, strlen(t), &out, &ch, &e), 0);
    assert_int_equal(ch.n, 3);
    assert_int_equal(ch.v[0].line, 1);
    expect_str("rule 0", ch.v[0].rule, "site");
    expect_str("orig 0", ch.v[0].original, "CERN");
    assert_int_equal(ch.v[1].line, 3);
    expect_str("rule 1", ch.v[1].rule, "pool-account");
    expect_str("ph 1", ch.v[1].placeholder, "[ACCOUNT-1]");
    expect_str("rule 2", ch.v[2].rule, "ip");
    anon_changes_free(&ch);
    buf_free(&out);
    anon_map_free(m);
}

struct scan_case {
    const char *text;
    const char *want;   /* NULL: clean */
};

static const struct scan_case scan_cases[] = {
    /* issue 14: a leak written defanged or with an invisible character */
    {"host wn01.grid.inst[.]example", "identifier 'wn01.grid.inst.example' "
                                      "(site EXAMPLE-T2) in body"},
    {"from 192[.]0[.]2[.]45", "identifier '192.0.2.45' (site EXAMPLE-T2) "
                              "in body"},
    {"site EXAM\xc2\xadPLE-T2", "identifier 'EXAMPLE-T2' (site EXAMPLE-T2) "
                                "in body"},
    {"ral.update-cdn.example.net /tmp/.ral/ evil[.]example", NULL},
    {"[SITE-1] host1.site1.invalid user1@site1.invalid [IP-1] [NET-1]",
     NULL},
    {"general neutral voms.cern.ch 203.0.113.9", NULL},
    {"hello Cern.CH.", "identifier 'Cern.CH' (site CERN) in body"},
    {"from ::ffff:192.0.2.1", "identifier '::ffff:192.0.2.1' (site "
                              "EXAMPLE-T2) in body"},
    {"Queen Mary\nUniversity of London",
     "identifier 'Queen Mary?University of London' (site UKI-LT2-QMUL) "
     "in body"},
    {"x EXAMPLE-T2_DATADISK", "identifier 'EXAMPLE-T2' (site EXAMPLE-T2) "
                              "in body"},
};

static void test_scan(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof scan_cases / sizeof *scan_cases; i++) {
        const struct scan_case *c = &scan_cases[i];
        struct err e;
        int rc;

        err_init(&e);
        rc = anon_scan(f->a, c->text, strlen(c->text), "body", &e);
        if (c->want == NULL && rc != 0) {
            print_error("scan %zu: got '%s', want clean\n", i, e.msg);
            bad++;
        } else if (c->want && (rc != -1 || e.code != ERR_LEAK
                               || strcmp(e.msg, c->want) != 0)) {
            print_error("scan %zu: got %d '%s', want '%s'\n", i, rc, e.msg,
                        c->want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Output of anon_apply is the scan's input: nothing must be left. */
static void test_apply_then_scan(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof apply_cases / sizeof *apply_cases; i++) {
        const char *in = apply_cases[i].in;
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;

        buf_init(&out, OUT_MAX);
        err_init(&e);
        if (anon_apply(f->a, m, in, strlen(in), &out, NULL, &e) != 0
            || anon_scan(f->a, buf_cstr(&out), out.len, "copy", &e) != 0) {
            print_error("case %zu: got '%s', want clean\n", i, e.msg);
            bad++;
        }
        buf_free(&out);
        anon_map_free(m);
    }
    assert_int_equal(bad, 0);
}

static const struct apply_case html_cases[] = {
    /* issue 14: defanged forms and invisible characters read in HTML too,
     * also written as entities (&shy; is not read: a character, &#173;) */
    {"<p>wn01.grid.inst[.]example, 192.0.2<b>[.]</b>45 and "
     "EXAM&#173;PLE-T2</p>",
     "<p>host1.site1.invalid, [IP-1]<b></b> and [SITE-1]</p>"},
    {"<a href=\"hxxps://portal[.]cern[.]ch/x\">evil[.]example</a>",
     "<a href=\"hxxps://host1.site1.invalid/x\">evil[.]example</a>"},
    {"<p>Host lxplus.cern.ch at CERN</p>",
     "<p>Host host1.site1.invalid at [SITE-1]</p>"},
    /* entities are decoded before matching, kept where nothing changed */
    {"cern&#46;ch, c&#x65;rn&period;ch and CERN&amp;co &lt;x&gt;",
     "site1.invalid, site1.invalid and [SITE-1]&amp;co &lt;x&gt;"},
    {"<a href=\"https://portal.cern.ch:8443/x?a=1&amp;b=2\" "
     "title='CERN'>link</a>",
     "<a href=\"https://host1.site1.invalid:8443/x?a=1&amp;b=2\" "
     "title='[SITE-1]'>link</a>"},
    {"<a href=mailto:jo@cern.ch>jo@cern.ch</a>",
     "<a href=mailto:user1@site1.invalid>user1@site1.invalid</a>"},
    /* an inline tag inside a name is kept after the placeholder */
    {"<b>cern</b>.ch and <i>192.0.</i>2.4", "<b>site1.invalid</b> and "
                                           "<i>[IP-1]</i>"},
    {"Queen&nbsp;Mary University of<br>\nLondon.", "[SITE-1]<br>."},
    {"<!-- from 192.0.2.4 --><div>general &lt;neutral&gt;</div>",
     "<!-- from [IP-1] --><div>general &lt;neutral&gt;</div>"},
    {"<td>CERN</td><td>ch</td>", "<td>[SITE-1]</td><td>ch</td>"},
    {"&#99;&#101;&#114;&#110;.ch", "site1.invalid"},
    {"", ""},
};

static void test_html(void **state)
{
    struct fixture *f = *state;
    size_t i, bad = 0;

    for (i = 0; i < sizeof html_cases / sizeof *html_cases; i++) {
        const struct apply_case *c = &html_cases[i];
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;

        buf_init(&out, OUT_MAX);
        err_init(&e);
        if (anon_apply_html(f->a, m, c->in, strlen(c->in), &out, NULL,
                            &e) != 0) {
            print_error("html %zu: got error '%s'\n", i, e.msg);
            bad++;
        } else if (strcmp(buf_cstr(&out), c->want) != 0) {
            print_error("html %zu: got \"%s\", want \"%s\"\n", i,
                        buf_cstr(&out), c->want);
            bad++;
        } else if (anon_scan_html(f->a, out.data ? out.data : "", out.len,
                                  "html", &e) != 0) {
            print_error("html %zu: got leak '%s', want clean\n", i, e.msg);
            bad++;
        }
        buf_free(&out);
        anon_map_free(m);
    }
    assert_int_equal(bad, 0);
}

static void test_html_scan(void **state)
{
    static const char *const leaks[] = {
        "c&#x65;rn.ch", "<img alt=\"LXPLUS.CERN.CH\">", "<b>cern</b>.ch",
        "<!-- 192.0.2.9 -->", "Queen&nbsp;Mary University of London",
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof leaks / sizeof *leaks; i++) {
        struct err e;

        err_init(&e);
        if (anon_scan_html(f->a, leaks[i], strlen(leaks[i]), "html", &e)
            != -1 || e.code != ERR_LEAK)
            fail_msg("html scan %zu: got clean, want a leak", i);
    }
}

/* HTML diff lines are the HTML's own. */
static void test_html_changes(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    struct anon_changes ch = {NULL, 0, 0};
    const char *t = "<p>one</p>\n<p title=\"x\">two\n<b>CERN</b></p>\n";
    struct buf out;
    struct err e;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply_html(f->a, m, t, strlen(t), &out, &ch, &e),
                     0);
    assert_int_equal(ch.n, 1);
    assert_int_equal(ch.v[0].line, 3);
    expect_str("orig", ch.v[0].original, "CERN");
    anon_changes_free(&ch);
    buf_free(&out);
    anon_map_free(m);
}

/* An update: the stored mapping, reloaded, gives the same placeholders;
 * identifiers new in the update get numbers no earlier one has. */
static void test_roundtrip(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m1 = anon_map_new(), *m2 = anon_map_new();
    const char *t1 = "CERN lxplus.cern.ch jo@cern.ch 128.142.0.1 "
                     "128.142.0.0/24 user=exvo012 /DC=ch/DC=cern/CN=jo RAL";
    const char *t2 = "RAL b.cern.ch 198.51.100.1 user=exvo013 x@cern.ch "
                     "EXAMPLE-T2 grid.inst.example";
    const char *cls, *orig, *ph, *cls2, *orig2, *ph2;
    struct buf o1, o2;
    struct err e;
    size_t i, j;

    buf_init(&o1, OUT_MAX);
    buf_init(&o2, OUT_MAX);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m1, t1, strlen(t1), &o1, NULL, &e), 0);
    for (i = 0; anon_map_get(m1, i, &cls, &orig, &ph) == 0; i++)
        assert_int_equal(anon_map_add(m2, cls, orig, ph, &e), 0);
    buf_reset(&o2);
    assert_int_equal(anon_apply(f->a, m2, t1, strlen(t1), &o2, NULL, &e), 0);
    expect_str("same text again", buf_cstr(&o2), buf_cstr(&o1));
    assert_int_equal(anon_map_count(m2), anon_map_count(m1));
    buf_reset(&o2);
    assert_int_equal(anon_apply(f->a, m2, t2, strlen(t2), &o2, NULL, &e), 0);
    assert_true(anon_map_count(m2) > anon_map_count(m1));
    for (i = 0; anon_map_get(m2, i, &cls, &orig, &ph) == 0; i++)
        for (j = i + 1; anon_map_get(m2, j, &cls2, &orig2, &ph2) == 0; j++)
            if (strcmp(ph, ph2) == 0)
                fail_msg("'%s' and '%s' both got %s", orig, orig2, ph);
    buf_free(&o1);
    buf_free(&o2);
    anon_map_free(m1);
    anon_map_free(m2);
}

static void test_shipped_rules(void **state)
{
    struct fixture *f = *state;
    struct buf out;
    struct err e;

    buf_init(&out, OUT_MAX);
    err_init(&e);
    if (anon_rules_test(f->a, &out, &e) != 0)
        fail_msg("%s\n%s", e.msg, buf_cstr(&out));
    buf_free(&out);
}

/* ---- rule files in a scratch directory ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void remove_file(const char *dir, const char *name)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

struct rule_err_case {
    const char *text;
    const char *want;   /* message after "DIR/x.rules:" */
};

static const struct rule_err_case rule_err_cases[] = {
    {"rule a\nclass x\npattern (ab\nexample \"\" => \"\"\n",
     "3: bad pattern: missing closing parenthesis at offset 3"},
    {"rule a\nflavour x\n", "2: unknown keyword 'flavour'"},
    {"class x\n", "1: class outside a rule"},
    {"rule a\nclass x\nexample \"a\" => \"a\"\n", "1: rule a has no pattern"},
    {"rule a\npattern a\nexample \"a\" => \"a\"\n", "1: rule a has no class"},
    {"rule a\nclass x\npattern a\n\nrule b\n", "1: rule a has no example"},
    {"rule a\nclass ip\n", "2: class ip is reserved"},
    {"rule a\nclass Big\n",
     "2: bad class (lower-case letters, digits, - and _)"},
    {"rule a\nclass x\npattern a\nexample \"a\" = \"b\"\n",
     "4: example: expected '=>'"},
    {"rule a\nclass x\npattern a\nexample \"a\\q\" => \"b\"\n",
     "4: example: bad escape \\q"},
    {"rule a\nclass x\npattern a\nexample \"a\" => \"b\nx\"\n",
     "4: example: unclosed quote"},
    {"rule a\nclass x\npattern a\npattern b\n",
     "4: second pattern for rule a"},
};

static void test_rule_errors(void **state)
{
    char dir[] = "/tmp/anon_test.XXXXXX";
    size_t i, bad = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    for (i = 0; i < sizeof rule_err_cases / sizeof *rule_err_cases; i++) {
        const struct rule_err_case *c = &rule_err_cases[i];
        char want[1024];
        struct anon *a = NULL;
        struct err e;
        int rc;

        write_file(dir, "x.rules", c->text);
        snprintf(want, sizeof want, "%s/x.rules:%s", dir, c->want);
        err_init(&e);
        rc = anon_new(&a, NULL, dir, &e);
        if (rc != -1 || a != NULL || e.code != ERR_CONFIG
            || strcmp(e.msg, want) != 0) {
            print_error("case %zu: got %d '%s', want '%s'\n", i, rc, e.msg,
                        want);
            bad++;
        }
        anon_free(a);
    }
    remove_file(dir, "x.rules");
    rmdir(dir);
    assert_int_equal(bad, 0);
}

/* Regression: loading stopped at the first bad line of the first bad
 * file. Every bad line of every file is reported with its own FILE:LINE
 * and reason; a bad pattern or rule name is not reported again as a rule
 * with no pattern or as class lines outside a rule, other bad lines do
 * not hide a missing pattern. */
static void test_rule_files_two_bad_lines_each_own_line(void **state)
{
    static const char *const want[] = {
        "a.rules:3: bad pattern: missing closing parenthesis at offset 3",
        "a.rules:5: bad rule name",
        "a.rules:7: unknown keyword 'flavour'",
        "b.rules:1: class outside a rule",
        "b.rules:3: class ip is reserved",
        "b.rules:6: rule three has no example",
        "b.rules:10: unknown keyword 'flavour'",
        "b.rules:9: rule four has no pattern",  /* known at its end */
    };
    char dir[] = "/tmp/anon_test.XXXXXX", line[1024];
    struct anon *a = NULL;
    struct err_list l;
    struct err e;
    size_t i, n = sizeof want / sizeof want[0];

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "a.rules", "rule one\nclass x\npattern (ab\n"
                               "example \"a\" => \"a\"\nrule bad name!\n"
                               "class y\nflavour z\n");
    write_file(dir, "b.rules", "class q\nrule two\nclass ip\npattern t\n"
                               "example \"t\" => \"t\"\nrule three\n"
                               "class z\npattern z\nrule four\n"
                               "flavour x\n");
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(anon_new(&a, NULL, dir, &e), -1);
    assert_null(a);
    assert_int_equal(e.code, ERR_CONFIG);
    if (l.n != n || l.more != 0)
        fail_msg("got %zu lines (+%zu), want %zu", l.n, l.more, n);
    for (i = 0; i < n; i++) {
        snprintf(line, sizeof line, "%s/%s", dir, want[i]);
        expect_str("line", l.line[i], line);
    }
    expect_str("first", e.msg, l.line[0]);
    remove_file(dir, "a.rules");
    remove_file(dir, "b.rules");
    rmdir(dir);
}

/* The classes every rules directory must have (the shipped rules cover
 * them), each by a rule that never matches: these tests are about other
 * rules. Named to sort last, so the others' line numbers stay. */
static void write_required(const char *dir)
{
    write_file(dir, "zz-required.rules",
               "rule need-account\nclass account\npattern (?!)\n"
               "example \"x\" => \"x\"\n"
               "rule need-dn\nclass dn\npattern (?!)\n"
               "example \"x\" => \"x\"\n");
}

/* Regression (issue 14): a rules directory with no *.rules file (a typo,
 * files renamed by an upgrade) or without the classes the shipped rules
 * cover loaded as zero rules, and DNs went out readable. Now a
 * configuration error naming what is missing. */
static void test_rules_required(void **state)
{
    char dir[] = "/tmp/anon_test.XXXXXX", want[1024];
    struct anon *a = NULL;
    struct err_list l;
    struct err e;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "dn.rules.dpkg-old", "rule x\n");
    err_init(&e);
    assert_int_equal(anon_new(&a, NULL, dir, &e), -1);
    assert_null(a);
    assert_int_equal(e.code, ERR_CONFIG);
    snprintf(want, sizeof want, "%s: no *.rules file (the shipped rules "
             "anonymise accounts and DNs)", dir);
    expect_str("empty", e.msg, want);

    write_file(dir, "job.rules", "rule job\nclass job\npattern \\bjob\\d+\n"
                                 "example \"job1\" => \"[JOB-1]\"\n");
    err_init(&e);
    err_list_init(&l);
    err_collect(&e, &l);
    assert_int_equal(anon_new(&a, NULL, dir, &e), -1);
    assert_int_equal(e.code, ERR_CONFIG);
    assert_int_equal(l.n, 2);
    snprintf(want, sizeof want, "%s: no rule of class account (the shipped "
             "rules have one)", dir);
    expect_str("account", l.line[0], want);
    snprintf(want, sizeof want, "%s: no rule of class dn (the shipped "
             "rules have one)", dir);
    expect_str("dn", l.line[1], want);

    write_required(dir);
    err_init(&e);
    assert_int_equal(anon_new(&a, NULL, dir, &e), 0);
    anon_free(a);
    remove_file(dir, "dn.rules.dpkg-old");
    remove_file(dir, "job.rules");
    remove_file(dir, "zz-required.rules");
    rmdir(dir);
}

static void test_rule_examples_fail(void **state)
{
    char dir[] = "/tmp/anon_test.XXXXXX", want[1024];
    struct anon *a = NULL;
    struct buf out;
    struct err e;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "b.rules", "rule job\nclass job\npattern \\bjob\\d+\n"
                               "example \"job17 done\" => \"[JOB-1] done\"\n"
                               "example \"job1 job2\" => \"[JOB-1] [JOB-1]\"\n");
    write_file(dir, "a.rules", "# first by name\n");
    write_file(dir, "ignored.txt", "nonsense\n");
    write_required(dir);
    err_init(&e);
    assert_int_equal(anon_new(&a, NULL, dir, &e), 0);
    buf_init(&out, OUT_MAX);
    assert_int_equal(anon_rules_test(a, &out, &e), -1);
    assert_int_equal(e.code, ERR_CONFIG);
    expect_str("summary", e.msg, "1 of 4 rule examples failed");
    snprintf(want, sizeof want,
             "%s/b.rules:5: got \"[JOB-1] [JOB-2]\", want \"[JOB-1] "
             "[JOB-1]\"\n", dir);
    expect_str("report", buf_cstr(&out), want);
    buf_free(&out);
    anon_free(a);
    remove_file(dir, "a.rules");
    remove_file(dir, "b.rules");
    remove_file(dir, "ignored.txt");
    remove_file(dir, "zz-required.rules");
    rmdir(dir);
}

/* Spans of several rules interleave: leftmost first, then rule order,
 * overlaps dropped; each rule's spans form one sorted run to merge. */
static const char overlap_rules[] =
    "rule a\nclass a\npattern A\\d\nexample \"A1\" => \"[A-1]\"\n"
    "rule b\nclass b\npattern \\d+B\nexample \"2B\" => \"[B-1]\"\n"
    "rule c\nclass c\npattern C|Z\\d\nexample \"C\" => \"[C-1]\"\n"
    "rule d\nclass d\npattern (?<=\\s)Z(?<id>\\d+)\n"
    "example \"Z9\" => \"Z9\"\n"
    "rule e\nclass e\npattern Z\\d\\d\nexample \"Z99\" => \"[E-1]\"\n";

struct overlap_case {
    const char *in;
    const char *want;
};

static void test_rule_overlaps(void **state)
{
    static const struct overlap_case cases[] = {
        {"C A1 22B A3B C 4B A5",
         "[C-1] [A-1] [B-1] [A-2]B [C-1] [B-2] [A-3]"},
        /* "Z77": c and e start together (c, the first rule, wins);
         * d's span starts inside c's */
        {"Z9 Z77 4B", "[C-1] [C-2]7 [B-1]"},
        {"x Z77", "x [C-1]7"},
        {"", ""},
    };
    char dir[] = "/tmp/anon_test.XXXXXX";
    struct anon *a = NULL;
    struct err e;
    size_t i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "o.rules", overlap_rules);
    write_required(dir);
    err_init(&e);
    assert_int_equal(anon_new(&a, NULL, dir, &e), 0);
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct anon_map *m = anon_map_new();
        struct buf out;

        buf_init(&out, OUT_MAX);
        assert_int_equal(anon_apply(a, m, cases[i].in, strlen(cases[i].in),
                                    &out, NULL, &e), 0);
        expect_str(cases[i].in, buf_cstr(&out), cases[i].want);
        buf_free(&out);
        anon_map_free(m);
    }
    anon_free(a);
    remove_file(dir, "o.rules");
    remove_file(dir, "zz-required.rules");
    rmdir(dir);
}

/* A rule that backtracks without end hits the match limit: the whole
 * apply fails, the output buffer keeps what it had, no partial text. */
static void test_match_limit(void **state)
{
    char dir[] = "/tmp/anon_test.XXXXXX";
    char text[4096];
    struct anon *a = NULL;
    struct anon_map *m = anon_map_new();
    struct anon_changes ch = {NULL, 0, 0};
    struct buf out;
    struct err e;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "slow.rules", "rule slow\nclass slow\n"
                                  "pattern (?:a+)+(?!\\S)\n"
                                  "example \"aa b\" => \"[SLOW-1] b\"\n");
    write_required(dir);
    err_init(&e);
    assert_int_equal(anon_new(&a, NULL, dir, &e), 0);
    memset(text, 'a', sizeof text - 2);
    text[sizeof text - 2] = '!';
    text[sizeof text - 1] = '\0';
    buf_init(&out, OUT_MAX);
    assert_int_equal(buf_puts(&out, "kept"), 0);
    assert_int_equal(anon_apply(a, m, text, strlen(text), &out, &ch, &e), -1);
    assert_int_equal(e.code, ERR_DATA);
    expect_str("output", buf_cstr(&out), "kept");
    assert_int_equal(ch.n, 0);
    buf_free(&out);
    anon_map_free(m);
    anon_free(a);
    remove_file(dir, "slow.rules");
    remove_file(dir, "zz-required.rules");
    rmdir(dir);
}

static void test_out_cap(void **state)
{
    struct fixture *f = *state;
    struct anon_map *m = anon_map_new();
    struct buf out;
    struct err e;
    const char *t = "CERN CERN CERN CERN";

    buf_init(&out, 10);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t, strlen(t), &out, NULL, &e), -1);
    assert_int_equal(e.code, ERR_TOOBIG);
    assert_int_equal(out.len, 0);
    buf_free(&out);
    /* the input is over the cap, its anonymised form is not */
    t = "2001:0db8:0077:0000:0000:0000:0000:0001 up";
    buf_init(&out, 10);
    err_init(&e);
    assert_int_equal(anon_apply(f->a, m, t, strlen(t), &out, NULL, &e), 0);
    expect_str("short output", buf_cstr(&out), "[IP-1] up");
    buf_free(&out);
    anon_map_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_issue14_forms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_conflict_look_alike_domain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_defanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_then_scan, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shipped_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_cap, setup, teardown),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_rule_files_two_bad_lines_each_own_line),
        cmocka_unit_test(test_rule_examples_fail),
        cmocka_unit_test(test_rules_required),
        cmocka_unit_test(test_match_limit),
        cmocka_unit_test(test_rule_overlaps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
