/*
 * fuzz_template - a template file (templates/NAME.tmpl) through
 * render_load, then render_apply with values that try to break out of
 * the Subject line.
 *
 * Invariants: every failure sets an error; a rendered Subject never holds
 * CR or LF (no header injection), whatever the template or the values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mail/render.h"

#define FZ_OUT_MAX (16u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_tmpdir("fuzz.tmpl");
    return 0;
}

static void fz_apply(const struct render_tmpl *t, const char *subject)
{
    const struct render_var vars[] = {
        {"alert_id", "EGI-20260707-01"}, {"tlp", "TLP:AMBER"},
        {"subject", subject}, {"body", "body {{subject}} text\n"},
        {"list", "nren"}, {"date", "Tue, 07 Jul 2026 08:00:00 +0000"},
        {"risk", ""}, {"update", ""},
    };
    struct buf subj, body;
    struct err e;

    err_init(&e);
    buf_init(&subj, FZ_OUT_MAX);
    buf_init(&body, FZ_OUT_MAX);
    if (!fuzz_failed(render_apply(t, vars, sizeof vars / sizeof *vars, &subj,
                                  &body, &e), &e))
        FUZZ_CHECK(strpbrk(buf_cstr(&subj), "\r\n") == NULL);
    buf_free(&subj);
    buf_free(&body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct render_tmpl *t = NULL;
    struct err e;

    err_init(&e);
    fuzz_write(data, size);
    if (fuzz_failed(render_load(fuzz_tmpdir("fuzz.tmpl"), "fuzz", &t, &e),
                    &e)) {
        FUZZ_CHECK(t == NULL);
        return 0;
    }
    fz_apply(t, "Compromised credentials on EXAMPLE-T2");
    fz_apply(t, "injected\r\nBcc: eve@attacker.example");
    fz_apply(t, "");
    render_free(t);
    return 0;
}
