/*
 * bench_leak - the independent leak detector's figures (issue 14).
 *
 * Builds N synthetic sites (name, alias, 2 domains, 2 networks each, as
 * bench_anon does) and a synthetic anonymised copy: log lines and prose
 * whose site identifiers are placeholders, beside attacker addresses,
 * hashes, URLs and timestamps, so the detector reads all of it and finds
 * nothing (a finding stops the bench: that would be a false positive).
 * Then measures, in CPU time of this process (best of --reps):
 *   build    leak_new over N sites (the automaton, ICU opened)
 *   speed    leak_check over the text, with N sites and with 100 sites
 *            (plain text; and as HTML, each line a <p>)
 *   memory   peak RSS of this process
 *
 * usage: bench_leak [--sites N] [--size BYTES] [--reps N]
 * Exit 0 when every target is met, 1 when one is missed, 2 on error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mail/leak.h"
#include "mail/sites.h"
#include "util/buf.h"

#define BENCH_SEED 0x1eaf2026u
#define BENCH_SMALL 100
#define BENCH_MIBS_MIN 25.0     /* plain text at N sites */
#define BENCH_RATIO_MAX 1.5     /* 100 sites no more than this faster */
#define BENCH_MIB (1024.0 * 1024.0)

struct rng {
    uint64_t s;
};

static uint32_t rng_next(struct rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 16);
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return rng_next(r) % n;
}

static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const struct err *e)
{
    fprintf(stderr, "bench_leak: %s: %s\n", what, e ? e->msg : "failed");
    exit(2);
}

/* The site's word, as bench_anon makes it. */
static void site_word(size_t i, char *out, size_t size)
{
    static const char *const syl[20] = {
        "ka", "ro", "mi", "te", "lu", "sa", "no", "vi", "de", "ga",
        "pe", "zu", "ri", "ho", "ba", "ne", "ti", "lo", "fa", "qu"};
    size_t n = 0;
    int k;

    for (k = 0; k < 4; k++) {
        n += (size_t)snprintf(out + n, size - n, "%s", syl[i % 20]);
        i /= 20;
    }
}

static int sites_text(size_t n, struct buf *b)
{
    char w[32];
    size_t i;
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        site_word(i, w, sizeof w);
        rc = buf_printf(b, "%s-T2 \"Institute of %s Physics\" "
                        "%s.edu.example grid-%s.example 10.%zu.%zu.0/24 "
                        "2001:db8:%zx::/48\n", w, w, w, w, i / 256 % 256,
                        i % 256, i);
    }
    return rc;
}

/* ---- the synthetic anonymised copy ---- */

static const char *const prose[] = {
    "The attacker used a stolen key to log in and dropped a miner in "
    "/var/tmp/.x/.sshd; the general advice is to rebuild the node.",
    "No other neutral parties were involved, and the credential was "
    "revoked at 03:20 UTC after the duty officer was told.",
    "Please check your logs for the indicators below and report any hit "
    "to the CSIRT within 24 hours; see CVE-2024-3094 and [R 1].",
    "Affected software: openssh-server 9.6p1, xz-utils 5.6.0 and 5.6.1.",
    "The site [SITE-1] reported it; contact user1@site1.invalid, and "
    "[SITE-2] saw the same from [IP-3] within [NET-1].",
};

static int gen_line(struct rng *r, struct buf *b)
{
    uint32_t a = rng_next(r), c = rng_next(r);

    switch (rng_below(r, 6)) {
    case 0:
        return buf_printf(b, "2024-05-11T03:%02u:%02uZ host%u.site%u.invalid "
                          "sshd[%u]: Accepted publickey for [ACCOUNT-%u] "
                          "from 203.0.113.%u port %u ssh2\n",
                          rng_below(r, 60), rng_below(r, 60),
                          rng_below(r, 50), rng_below(r, 9),
                          rng_below(r, 65536), rng_below(r, 30),
                          rng_below(r, 255), 1024 + rng_below(r, 60000));
    case 1:
        return buf_printf(b, "[IP-%u] - - [11/May/2024:03:14:07 +0000] "
                          "\"GET /cgi-bin/x.cgi?u=http://update-cdn.example"
                          ".net:4444/p.sh HTTP/1.1\" 200 %u \"-\"\n",
                          rng_below(r, 40), rng_below(r, 99999));
    case 2:
        return buf_printf(b, "sha256 %08x%08x%08x%08x%08x%08x%08x%08x "
                          "/var/tmp/.x/.sshd first seen 2024-05-11\n",
                          a, c, a ^ c, a, c, ~a, ~c, a + c);
    case 3:
        return buf_printf(b, "conn from [IP-%u]:22 to 2001:db8:ffff:1::%x, "
                          "user [DN-%u]\n", rng_below(r, 40),
                          rng_below(r, 65536), rng_below(r, 9));
    default:
        return buf_printf(b, "%s\n",
                          prose[rng_below(r, sizeof prose / sizeof *prose)]);
    }
}

static int gen_copy(size_t size, int html, struct buf *b)
{
    struct rng r = {BENCH_SEED};
    int rc = 0;

    while (b->len < size && rc == 0) {
        if (html)
            rc = buf_puts(b, "<p>");
        if (rc == 0)
            rc = gen_line(&r, b);
    }
    return rc;
}

/* ---- measurements ---- */

static double speed(struct leak *l, const struct buf *text, int flags,
                    int reps)
{
    double best = -1, t0, ms;
    struct err e;
    int i;

    for (i = 0; i < reps; i++) {
        err_init(&e);
        t0 = cpu_ms();
        if (leak_check(l, text->data, text->len, flags, "bench", &e) != 0)
            die("leak_check", &e);
        ms = cpu_ms() - t0;
        if (best < 0 || ms < best)
            best = ms;
    }
    return (double)text->len / BENCH_MIB / (best / 1e3);
}

static void run(size_t nsites, const struct buf *plain,
                const struct buf *html, int reps, double *mibs)
{
    struct sites *s = sites_new();
    struct leak *l;
    struct buf t;
    struct err e;
    double t0, build;

    err_init(&e);
    buf_init(&t, (size_t)1 << 30);
    if (s == NULL || sites_text(nsites, &t) != 0 ||
        sites_load_text(s, t.data, t.len, "bench", &e) != 0)
        die("sites", &e);
    buf_free(&t);
    t0 = cpu_ms();
    if (leak_new(&l, s, &e) != 0)
        die("leak_new", &e);
    build = cpu_ms() - t0;
    mibs[0] = speed(l, plain, 0, reps);
    mibs[1] = speed(l, html, LEAK_HTML, reps);
    printf("leak %zu sites: build %.1f ms; %.1f MiB/s text, %.1f MiB/s "
           "HTML over %zu bytes\n", nsites, build, mibs[0], mibs[1],
           plain->len);
    leak_free(l);
    sites_free(s);
}

static int check(const char *what, int ok)
{
    printf("  %-44s %s\n", what, ok ? "ok" : "MISSED");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t nsites = 10000, size = 5u << 20;
    int reps = 3, i, missed = 0;
    double big[2], small[2], ratio;
    struct buf plain, html;
    struct rusage ru;
    char what[96];

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--sites") == 0)
            nsites = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--size") == 0)
            size = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = (int)strtol(argv[i + 1], NULL, 10);
        else
            break;
    }
    if (i < argc || nsites < BENCH_SMALL || size == 0 || reps < 1) {
        fprintf(stderr, "usage: bench_leak [--sites N] [--size BYTES] "
                        "[--reps N]\n");
        return 2;
    }
    buf_init(&plain, size + 4096);
    buf_init(&html, size + 4096);
    if (gen_copy(size, 0, &plain) != 0 || gen_copy(size, 1, &html) != 0)
        die("copy text", NULL);
    run(nsites, &plain, &html, reps, big);
    run(BENCH_SMALL, &plain, &html, reps, small);
    ratio = small[0] / big[0];
    getrusage(RUSAGE_SELF, &ru);
    printf("ratio %d/%zu sites: %.2f\n", BENCH_SMALL, nsites, ratio);
    printf("peak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    snprintf(what, sizeof what, "speed at %zu sites >= %.0f MiB/s", nsites,
             BENCH_MIBS_MIN);
    missed |= check(what, big[0] >= BENCH_MIBS_MIN);
    snprintf(what, sizeof what, "%d sites no more than %.1fx faster",
             BENCH_SMALL, BENCH_RATIO_MAX);
    missed |= check(what, ratio <= BENCH_RATIO_MAX);
    buf_free(&plain);
    buf_free(&html);
    return missed;
}
