/*
 * fuzz_leak - the independent leak detector (leak_check) over any bytes,
 * as text, as HTML and as a MIME message, against a fixed set of sites.
 *
 * Invariants: the answer is 0, or -1 with an error set; a finding is one
 * printable line starting "leak: "; the same bytes get the same answer
 * twice (the fold memo changes nothing but speed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mail/leak.h"
#include "mail/sites.h"

static const char fz_sites[] =
    "EXAMPLE-T2 \"Example Institute\" inst.example 192.0.2.0/24 "
    "2001:db8:77::/48\n"
    "RAL \"Rutherford Appleton Laboratory\" rl.example 203.0.113.128/25\n";

static struct sites *fz_s;
static struct leak *fz_l;

static void fz_init(void)
{
    struct err e;

    err_init(&e);
    fz_s = sites_new();
    if (fz_s == NULL ||
        sites_load_text(fz_s, fz_sites, sizeof(fz_sites) - 1, "fuzz", &e) ||
        sites_keep(fz_s, "cvmfs.inst.example", &e) != 0 ||
        leak_new(&fz_l, fz_s, &e) != 0) {
        fprintf(stderr, "fuzz_leak: %s\n", e.msg);
        abort();
    }
}

static void fz_one(const char *t, size_t n, int flags)
{
    struct err e1, e2;
    int r1, r2;
    size_t i;

    err_init(&e1);
    err_init(&e2);
    r1 = leak_check(fz_l, t, n, flags, "fuzz", &e1);
    r2 = leak_check(fz_l, t, n, flags, "fuzz", &e2);
    FUZZ_CHECK(r1 == 0 || r1 == -1);
    FUZZ_CHECK(r1 == r2 && e1.code == e2.code);
    if (r1 == 0)
        return;
    FUZZ_CHECK(e1.code != ERR_OK);
    FUZZ_CHECK(strcmp(e1.msg, e2.msg) == 0);
    if (e1.code == ERR_LEAK)
        FUZZ_CHECK(strncmp(e1.msg, "leak: ", 6) == 0);
    for (i = 0; e1.msg[i]; i++)
        FUZZ_CHECK((unsigned char)e1.msg[i] >= 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;

    if (fz_l == NULL)
        fz_init();
    fz_one(t, size, 0);
    fz_one(t, size, LEAK_HTML);
    fz_one(t, size, LEAK_MIME);
    (void)leak_is_text(t, size);
    return 0;
}
