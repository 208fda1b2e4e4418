/*
 * fuzz_rules - a rule file (rules/NAME.rules) through anon_new, then its
 * embedded examples (anon_rules_test) and the rules applied to the input
 * itself, so the fuzzer picks both the patterns and their subject.
 *
 * There is no text-loading entry in anon, so each input is written to
 * fuzz.rules in a private directory. A hostile pattern must stop at the
 * PCRE2 limits (an error, never a hang: -timeout catches one) and a
 * failed apply must leave no half-anonymised output behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/anon.h"
#include "fuzz.h"
#include "mail/sites.h"

#define FZ_OUT_MAX (16u << 20)

static struct sites *fz_sites;
static const char fz_sites_text[] =
    "EXAMPLE-T2 \"Example Institute Grid Centre\" grid.inst.example "
    "192.0.2.0/24 2001:db8:77::/48\n";
static const char fz_text[] =
    "login by exvo012 from 192.0.2.45 on wn1.grid.inst.example, "
    "/home/jo.smith/.x, DN /DC=org/DC=example/CN=Jo Smith 1234, "
    "EXAMPLE-T2 and the Example Institute Grid Centre.\n";

/* The classes a rules directory must have (anon_new refuses it without
 * them), by rules that never match, so that the input's own rules are
 * what gets exercised. */
static void fz_required(int make)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/zz-required.rules",
             fuzz_tmpdir("fuzz.rules"));
    if (!make) {
        (void)unlink(path);
        return;
    }
    f = fopen(path, "w");
    FUZZ_CHECK(f != NULL);
    fputs("rule need-account\nclass account\npattern (?!)\n"
          "example \"x\" => \"x\"\nrule need-dn\nclass dn\n"
          "pattern (?!)\nexample \"x\" => \"x\"\n", f);
    FUZZ_CHECK(fclose(f) == 0);
}

static void fz_unrequire(void)
{
    fz_required(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct err e;

    (void)argc;
    (void)argv;
    err_init(&e);
    fz_sites = sites_new();
    FUZZ_CHECK(fz_sites != NULL);
    FUZZ_CHECK(sites_load_text(fz_sites, fz_sites_text,
                               sizeof fz_sites_text - 1, "s", &e) == 0);
    fuzz_tmpdir("fuzz.rules");
    fz_required(1);
    atexit(fz_unrequire);   /* runs before fuzz_cleanup removes the dir */
    return 0;
}

static void fz_apply(const struct anon *a, const char *t, size_t n)
{
    struct anon_map *m = anon_map_new();
    struct anon_changes ch = {NULL, 0, 0};
    struct buf out;
    struct err e;

    FUZZ_CHECK(m != NULL);
    err_init(&e);
    buf_init(&out, FZ_OUT_MAX);
    if (fuzz_failed(anon_apply(a, m, t, n, &out, &ch, &e), &e))
        FUZZ_CHECK(out.len == 0);
    anon_changes_free(&ch);
    buf_free(&out);
    anon_map_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct anon *a = NULL;
    struct buf report;
    struct err e;

    err_init(&e);
    fuzz_write(data, size);
    if (fuzz_failed(anon_new(&a, fz_sites, fuzz_tmpdir("fuzz.rules"), &e),
                    &e)) {
        FUZZ_CHECK(a == NULL);
        return 0;
    }
    buf_init(&report, FZ_OUT_MAX);
    err_init(&e);
    (void)fuzz_failed(anon_rules_test(a, &report, &e), &e);
    buf_free(&report);
    fz_apply(a, fz_text, sizeof fz_text - 1);
    fz_apply(a, (const char *)data, size);
    anon_free(a);
    return 0;
}
