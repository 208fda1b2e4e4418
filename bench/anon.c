/*
 * bench_anon - the anonymiser's speed and memory figures (issue 3).
 *
 * Builds N synthetic sites (name, alias, 2 domains, 2 networks each) and a
 * synthetic alert of mixed log lines and prose that names them, both from
 * a fixed seed, then measures:
 *   load     sites-file text for 10,000 sites into the index (< 200 ms)
 *   speed    anon_apply over a 1 MiB alert with all shipped rules, with
 *            10,000 sites and with 100 sites (>= 100 MiB/s at 10,000;
 *            the 100-site run no more than 1.5x faster)
 *   memory   peak RSS of this process (< 3 x message + 32 MiB)
 *   whole    the whole `alertgw anonymise` (process_anonymise: parse,
 *            anonymise, rebuild, the independent leak detector, in its
 *            sandboxed child) on a 5 MiB message, 10,000 and 100 sites
 *            (>= 50 MiB/s at 10,000, the 100-site run no more than 1.5x
 *            faster); CPU time of this process and the child
 * Times are CPU time of this process (one core), best of --reps runs, so
 * other load on a shared machine does not count against the figures.
 *
 * usage: bench_anon [--rules DIR] [--sites N] [--size BYTES] [--reps N]
 *                   [--dump PREFIX]
 * --dump writes PREFIX.sites and PREFIX.txt (the N-site case) to look at.
 * Exit 0 when every target is met, 1 when one is missed, 2 on error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "mail/anon.h"
#include "mail/sites.h"
#include "process/process.h"
#include "util/buf.h"

#define BENCH_SEED 0x5eed2026u
#define BENCH_SMALL 100
#define BENCH_LOAD_MS_MAX 200.0
#define BENCH_MIBS_MIN 100.0
#define BENCH_RATIO_MAX 1.5
#define BENCH_MIB (1024.0 * 1024.0)
#define BENCH_WHOLE_MIBS_MIN 50.0     /* the whole anonymise command */

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
    fprintf(stderr, "bench_anon: %s: %s\n", what, e ? e->msg : "failed");
    exit(2);
}

/* The site's word: i written in base 20 with syllables, so unique. */
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

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

static int sites_text(size_t n, struct buf *b)
{
    char w[32], up[32];
    size_t i;
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        site_word(i, w, sizeof w);
        memcpy(up, w, sizeof w);
        upper(up);
        /* every other alias shares its first words with thousands */
        if (i % 2)
            rc = buf_printf(b, "%s-T2 \"Institute of %c%s Physics\" ", up,
                            up[0], w + 1);
        else
            rc = buf_printf(b, "%s-T2 \"%c%sGrid\" ", up, up[0], w + 1);
        if (rc == 0)
            rc = buf_printf(b, "%s.edu.example grid-%s.example "
                            "10.%zu.%zu.0/24 2001:db8:%zx::/48\n",
                            w, w, i / 256 % 256, i % 256, i);
    }
    return rc;
}

/* ---- the synthetic alert ---- */

static const char *const prose[] = {
    "The attacker used a stolen key to log in and dropped a miner in "
    "/var/tmp/.x/.sshd; the general advice is to rebuild the node.",
    "No other neutral parties were involved, and the credential was "
    "revoked at 03:20 UTC after the duty officer was told.",
    "Please check your logs for the indicators below and report any hit "
    "to the CSIRT within 24 hours; see CVE-2024-3094 and [R 1].",
    "Affected software: openssh-server 9.6p1, xz-utils 5.6.0 and 5.6.1.",
};

struct gen {
    struct rng r;
    size_t nsites;
    struct buf *b;
};

static void gen_site(struct gen *g, char *w, size_t size)
{
    site_word(rng_below(&g->r, (uint32_t)g->nsites), w, size);
}

static int line_sshd(struct gen *g)
{
    char w[32];

    gen_site(g, w, sizeof w);
    return buf_printf(g->b, "2024-05-11T03:%02u:%02uZ wn%03u.grid-%s.example "
                      "sshd[%u]: Accepted publickey for exvo%03u from "
                      "203.0.113.%u port %u ssh2: RSA SHA256:"
                      "q1w2e3r4t5y6u7i8o9p0AsDfGhJkLzXcVbNm\n",
                      rng_below(&g->r, 60), rng_below(&g->r, 60),
                      rng_below(&g->r, 1000), w, rng_below(&g->r, 65536),
                      rng_below(&g->r, 100), rng_below(&g->r, 255),
                      1024 + rng_below(&g->r, 60000));
}

static int line_web(struct gen *g)
{
    size_t i = rng_below(&g->r, (uint32_t)g->nsites);

    return buf_printf(g->b, "10.%zu.%zu.%u - - [11/May/2024:03:14:07 +0000] "
                      "\"GET /cgi-bin/x.cgi?u=http://update-cdn.example.net:"
                      "4444/p.sh HTTP/1.1\" 200 %u \"-\" \"curl/8.5\"\n",
                      i / 256 % 256, i % 256, 1 + rng_below(&g->r, 254),
                      rng_below(&g->r, 99999));
}

static int line_prose_site(struct gen *g)
{
    size_t i = rng_below(&g->r, (uint32_t)g->nsites);
    char w[32], up[32];

    site_word(i, w, sizeof w);
    memcpy(up, w, sizeof w);
    upper(up);
    if (buf_printf(g->b, "On 2024-05-11 the attacker, coming from "
                   "198.51.100.%u (AS64500), logged in to ce01.%s.edu."
                   "example at %s-T2 and then moved on to other sites; "
                   "contact jo.smith@%s.edu.example for details. ",
                   rng_below(&g->r, 255), w, up, w) != 0)
        return -1;
    /* the site's alias, as sites_text wrote it */
    if (i % 2)
        return buf_printf(g->b, "The Institute of %c%s Physics was told.\n",
                          up[0], w + 1);
    return buf_printf(g->b, "The %c%sGrid team was told.\n", up[0], w + 1);
}

static int line_v6(struct gen *g)
{
    size_t i = rng_below(&g->r, (uint32_t)g->nsites);

    char w[32];

    site_word(i, w, sizeof w);
    return buf_printf(g->b, "conn from [2001:db8:%zx::%x]:22 to "
                      "2001:db8:ffff:1::%x, user /DC=example/DC=edu/DC=%s/"
                      "OU=Users/CN=user%u/CN=Jo Smith\n",
                      i, rng_below(&g->r, 65536), rng_below(&g->r, 65536),
                      w, rng_below(&g->r, 1000));
}

static int line_hash(struct gen *g)
{
    uint32_t a = rng_next(&g->r), b = rng_next(&g->r);

    return buf_printf(g->b, "sha256 %08x%08x%08x%08x%08x%08x%08x%08x "
                      "/var/tmp/.x/.sshd first seen 2024-05-11 03:14:07\n",
                      a, b, a ^ b, a, b, ~a, ~b, a + b);
}

static int line_prose(struct gen *g)
{
    return buf_printf(g->b, "%s\n",
                      prose[rng_below(&g->r, sizeof prose / sizeof *prose)]);
}

/* About one line in three names a site. */
static int gen_alert(size_t nsites, size_t size, struct buf *b)
{
    static int (*const lines[])(struct gen *) = {
        line_prose, line_sshd, line_hash, line_prose, line_web,
        line_prose, line_prose_site, line_hash, line_v6};
    struct gen g = {{BENCH_SEED}, nsites, b};
    int rc = 0;

    while (b->len < size && rc == 0)
        rc = lines[rng_below(&g.r, sizeof lines / sizeof *lines)](&g);
    if (rc == 0 && b->len > size)
        b->len = size;   /* may cut the last line: fine for a bench */
    return rc;
}

/* ---- measurements ---- */

struct setup {
    struct sites *s;
    struct anon *a;
    double load_ms;
};

static void setup_make(struct setup *st, size_t n, const char *rules)
{
    struct buf t;
    struct err e;
    double t0;

    err_init(&e);
    buf_init(&t, (size_t)1 << 30);
    if (sites_text(n, &t) != 0)
        die("sites text", NULL);
    st->s = sites_new();
    t0 = cpu_ms();
    if (st->s == NULL || sites_load_text(st->s, t.data, t.len, "bench", &e))
        die("sites load", &e);
    st->load_ms = cpu_ms() - t0;
    buf_free(&t);
    if (anon_new(&st->a, st->s, rules, &e) != 0)
        die("anon_new", &e);
}

static void setup_free(struct setup *st)
{
    anon_free(st->a);
    sites_free(st->s);
}

/* Best CPU time of reps runs over text; *nch is the replacement count. */
static double speed(const struct anon *a, const struct buf *text, int reps,
                    size_t *nmap)
{
    double best = -1;
    int i;

    for (i = 0; i < reps; i++) {
        struct anon_map *m = anon_map_new();
        struct buf out;
        struct err e;
        double t0, ms;

        err_init(&e);
        buf_init(&out, text->len * 4 + 4096);
        t0 = cpu_ms();
        if (m == NULL
            || anon_apply(a, m, text->data, text->len, &out, NULL, &e) != 0)
            die("anon_apply", &e);
        ms = cpu_ms() - t0;
        if (best < 0 || ms < best)
            best = ms;
        *nmap = anon_map_count(m);
        buf_free(&out);
        anon_map_free(m);
    }
    return (double)text->len / BENCH_MIB / (best / 1e3);
}

static void dump(const char *prefix, size_t nsites, const struct buf *text)
{
    char path[4096];
    struct buf st;
    FILE *f;

    buf_init(&st, (size_t)1 << 30);
    if (sites_text(nsites, &st) != 0)
        die("sites text", NULL);
    snprintf(path, sizeof path, "%s.sites", prefix);
    if ((f = fopen(path, "w")) == NULL || fwrite(st.data, 1, st.len, f) != st.len
        || fclose(f) != 0)
        die(path, NULL);
    snprintf(path, sizeof path, "%s.txt", prefix);
    if ((f = fopen(path, "w")) == NULL
        || fwrite(text->data, 1, text->len, f) != text->len || fclose(f) != 0)
        die(path, NULL);
    buf_free(&st);
}

static double run_size(size_t nsites, size_t size, const char *rules,
                       int reps, double *load_ms, const char *dump_to)
{
    struct setup st;
    struct buf text;
    size_t nmap = 0;
    double mibs;

    setup_make(&st, nsites, rules);
    buf_init(&text, size + 4096);
    if (gen_alert(nsites, size, &text) != 0)
        die("alert text", NULL);
    if (dump_to)
        dump(dump_to, nsites, &text);
    mibs = speed(st.a, &text, reps, &nmap);
    printf("anon %zu sites: %.1f MiB/s over %zu bytes (%zu placeholders)\n",
           nsites, mibs, text.len, nmap);
    *load_ms = st.load_ms;
    buf_free(&text);
    setup_free(&st);
    return mibs;
}

/* ---- the whole command: parse, anonymise, rebuild, detector ---- */

/* CPU time of this process and of its waited-for children (the sandboxed
 * child that process_anonymise runs the work in). */
static double cpu_all_ms(void)
{
    struct rusage self, kids;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
                    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e3 +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
                    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e3;
}

/* A configuration naming only the rules (the rest defaults). */
static void whole_conf(struct conf *c, const char *rules)
{
    char path[] = "/tmp/bench_anon.XXXXXX";
    struct err e;
    FILE *f;
    int fd = mkstemp(path);

    err_init(&e);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
        die("config file", NULL);
    fprintf(f, "[anonymise]\nrules_dir = %s\n", rules);
    if (fclose(f) != 0 || conf_load(c, path, &e) != 0)
        die("config", &e);
    unlink(path);
}

/* MiB/s of `alertgw anonymise` on a message of size bytes naming nsites
 * sites: best CPU time (with the child's) of reps runs; the sites index,
 * anonymiser and detector are made once, as the command makes them before
 * it reads the message. */
static double whole(size_t nsites, size_t size, const char *rules, int reps)
{
    static const char head[] = "From: Duty Officer <duty@csirt.example>\n"
        "Subject: EGI-20260707-01 bench\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n";
    struct conf conf;
    struct gateway g;
    struct buf msg, out;
    struct err e;
    double best = -1, t0, ms, mibs;
    int i;

    whole_conf(&conf, rules);
    gateway_init(&g, &conf);
    buf_init(&msg, size + 4096);
    buf_init(&out, size * 4 + 4096);
    err_init(&e);
    if (buf_puts(&msg, head) != 0 || gen_alert(nsites, size, &msg) != 0)
        die("alert text", NULL);
    if (msg.len > 0 && msg.data[msg.len - 1] != '\n' && buf_putc(&msg, '\n'))
        die("alert text", NULL);
    g.sites = sites_new();
    if (g.sites == NULL || sites_text(nsites, &out) != 0 ||
        sites_load_text(g.sites, out.data, out.len, "bench", &e) != 0 ||
        gateway_anon(&g, &e) != 0)
        die("whole: set-up", &e);
    for (i = 0; i < reps; i++) {
        buf_reset(&out);
        t0 = cpu_all_ms();
        if (process_anonymise(&g, NULL, msg.data, msg.len, &out, &e) != 0)
            die("whole: anonymise", &e);
        ms = cpu_all_ms() - t0;
        if (best < 0 || ms < best)
            best = ms;
    }
    mibs = (double)msg.len / BENCH_MIB / (best / 1e3);
    printf("whole anonymise %zu sites: %.1f MiB/s over %zu bytes "
           "(%.0f ms)\n", nsites, mibs, msg.len, best);
    buf_free(&msg);
    buf_free(&out);
    gateway_close(&g);
    conf_free(&conf);
    return mibs;
}

static int check(const char *what, int ok)
{
    printf("  %-44s %s\n", what, ok ? "ok" : "MISSED");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *rules = AGW_SOURCE_DIR "/rules", *dump_to = NULL;
    size_t nsites = 10000, size = 1u << 20, whole_size = 5u << 20;
    int reps = 20, whole_reps = 5, i, missed = 0;
    double wslow = 0, wfast = 0;
    double load_ms, small_ms, fast, slow, ratio, rss_mib, mem_max;
    struct rusage ru;
    char what[96];

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rules") == 0)
            rules = argv[i + 1];
        else if (strcmp(argv[i], "--sites") == 0)
            nsites = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--size") == 0)
            size = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dump") == 0)
            dump_to = argv[i + 1];
        else if (strcmp(argv[i], "--reps") == 0)
            reps = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--whole-size") == 0)
            whole_size = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--whole-reps") == 0)
            whole_reps = (int)strtol(argv[i + 1], NULL, 10);
        else
            break;
    }
    if (i < argc || nsites < BENCH_SMALL || size == 0 || reps < 1 ||
        whole_reps < 1) {
        fprintf(stderr, "usage: bench_anon [--rules DIR] [--sites N] "
                        "[--size BYTES] [--reps N] [--dump PREFIX]\n"
                        "       [--whole-size BYTES (0: skip)] "
                        "[--whole-reps N]\n");
        return 2;
    }
    slow = run_size(nsites, size, rules, reps, &load_ms, dump_to);
    fast = run_size(BENCH_SMALL, size, rules, reps, &small_ms, NULL);
    ratio = fast / slow;
    getrusage(RUSAGE_SELF, &ru);
    rss_mib = (double)ru.ru_maxrss / 1024.0;
    if (whole_size > 0) {   /* after the RSS figure, which is the anon's */
        wslow = whole(nsites, whole_size, rules, whole_reps);
        wfast = whole(BENCH_SMALL, whole_size, rules, whole_reps);
    }
    mem_max = 3.0 * (double)size / BENCH_MIB + 32.0;
    printf("load %zu sites: %.1f ms\n", nsites, load_ms);
    printf("ratio %d/%zu sites: %.2f\n", BENCH_SMALL, nsites, ratio);
    printf("peak RSS: %.1f MiB\n", rss_mib);
    snprintf(what, sizeof what, "load < %.0f ms", BENCH_LOAD_MS_MAX);
    missed |= check(what, load_ms < BENCH_LOAD_MS_MAX);
    snprintf(what, sizeof what, "speed at %zu sites >= %.0f MiB/s", nsites,
             BENCH_MIBS_MIN);
    missed |= check(what, slow >= BENCH_MIBS_MIN);
    snprintf(what, sizeof what, "%d sites no more than %.1fx faster",
             BENCH_SMALL, BENCH_RATIO_MAX);
    missed |= check(what, ratio <= BENCH_RATIO_MAX);
    snprintf(what, sizeof what, "peak RSS < %.1f MiB", mem_max);
    missed |= check(what, rss_mib < mem_max);
    if (whole_size > 0) {
        snprintf(what, sizeof what, "whole command at %zu sites >= %.0f "
                 "MiB/s", nsites, BENCH_WHOLE_MIBS_MIN);
        missed |= check(what, wslow >= BENCH_WHOLE_MIBS_MIN);
        snprintf(what, sizeof what, "whole, %d sites no more than %.1fx "
                 "faster", BENCH_SMALL, BENCH_RATIO_MAX);
        missed |= check(what, wfast / wslow <= BENCH_RATIO_MAX);
    }
    return missed;
}
