/*
 * bench_sandbox - what process isolation costs per alert (issue 11).
 *
 * Every alert is read by two sandboxed children (open, copies: see
 * src/process_child.c). One run of sandbox_run is: socketpair, fork,
 * closing descriptors, resource limits, loading the seccomp filter, the
 * work (here: one call to the parent and back, as authentication makes,
 * and a small record), exit and reap. The parent is made to hold a
 * realistic address space first (--parent-mib touched heap, as the sites
 * index and compiled rules of a large registry do), since fork copies its
 * page tables.
 *
 * Prints the CPU time of one run (parent and child, from getrusage: other
 * load on a shared machine does not count) and its median and 95th
 * percentile wall time, and the cost per alert (two runs) against the
 * target: < 5 ms per alert, CPU time; wall median shown beside it.
 *
 * usage: bench_sandbox [--runs N] [--parent-mib M]
 * Exit 0 when the target is met, 1 when missed, 2 on error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "util/sandbox.h"
#include "util/buf.h"

#define BENCH_PER_ALERT_MS_MAX 5.0
#define BENCH_RUNS_DEFAULT 300
#define BENCH_PARENT_MIB_DEFAULT 64
#define BENCH_OP 7

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int serve(void *arg, uint32_t op, const char *req, size_t len,
                 struct buf *reply, struct err *e)
{
    (void)arg;
    if (op != BENCH_OP)
        return err_set(e, ERR_SOFTWARE, "unexpected op");
    return buf_append(reply, req, len);
}

static int work(void *arg, struct sandbox_chan *ch, struct buf *out,
                struct err *e)
{
    static const char ping[] = "verify me";
    struct buf reply;
    int rc;

    (void)arg;
    buf_init(&reply, 1024);
    rc = sandbox_call(ch, BENCH_OP, ping, sizeof(ping) - 1, &reply, e);
    if (rc == 0)
        rc = buf_append(out, reply.data, reply.len);
    buf_free(&reply);
    return rc;
}

static double cpu_ms(void)
{
    struct rusage self, kids;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (self.ru_utime.tv_sec + self.ru_stime.tv_sec +
            kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1000.0 +
           (self.ru_utime.tv_usec + self.ru_stime.tv_usec +
            kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int run_once(double *ms)
{
    struct sandbox_limits lim;
    struct sandbox_end end;
    struct buf rec;
    struct err e;
    double t0 = now_ms();
    int rc;

    sandbox_limits_default(&lim);
    buf_init(&rec, 1024);
    err_init(&e);
    rc = sandbox_run(&lim, work, NULL, serve, NULL, &rec, &end, &e);
    *ms = now_ms() - t0;
    if (rc != 0 || end.how != SANDBOX_DONE || rec.len != 9) {
        fprintf(stderr, "bench_sandbox: run failed: %s%s\n", e.msg,
                end.reason);
        rc = -1;
    }
    buf_free(&rec);
    return rc;
}

int main(int argc, char **argv)
{
    long runs = BENCH_RUNS_DEFAULT, mib = BENCH_PARENT_MIB_DEFAULT, i;
    double *t, med, p95, cpu0, cpu;
    char *heap;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--parent-mib") == 0)
            mib = strtol(argv[i + 1], NULL, 10);
    }
    if (runs < 10 || mib < 0)
        return 2;
    heap = malloc((size_t)mib << 20 | 1);
    t = calloc((size_t)runs, sizeof(*t));
    if (heap == NULL || t == NULL)
        return 2;
    memset(heap, 7, (size_t)mib << 20);
    if (run_once(&t[0]) != 0)       /* warm-up: builds the filter */
        return 2;
    cpu0 = cpu_ms();
    for (i = 0; i < runs; i++)
        if (run_once(&t[i]) != 0)
            return 2;
    cpu = (cpu_ms() - cpu0) / (double)runs;
    qsort(t, (size_t)runs, sizeof(*t), cmp_double);
    med = t[runs / 2];
    p95 = t[runs * 95 / 100];
    printf("sandbox: %ld runs, parent holding %ld MiB: one child %.2f ms "
           "CPU; wall %.2f ms median, %.2f ms p95 (fork, socketpair, "
           "descriptors, rlimits, seccomp load, one call to the parent, "
           "record, reap)\n", runs, mib, cpu, med, p95);
    printf("sandbox: per alert (2 children) %.2f ms CPU, %.2f ms wall "
           "median (target < %.0f ms): %s\n", 2 * cpu, 2 * med,
           BENCH_PER_ALERT_MS_MAX,
           2 * cpu < BENCH_PER_ALERT_MS_MAX ? "met" : "MISSED");
    free(t);
    free(heap);
    return 2 * cpu < BENCH_PER_ALERT_MS_MAX ? 0 : 1;
}
