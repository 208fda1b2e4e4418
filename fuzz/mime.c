/*
 * fuzz_mime - msg_parse and msg_content alone: the part of fuzz_msg that
 * reaches libetpan, without the anonymiser behind it and on inputs of at
 * most 4 KB (scripts/fuzz.sh), so a run tries about ten times as many
 * messages a second. Made for the parser's own defects (libetpan 1.9.4
 * SIGSEGVs on boundary="\"", README "libetpan defects guarded"); it
 * shares fuzz/msg.dict and the msg seeds.
 *
 * Invariants: every failure sets an error; a parsed message answers every
 * accessor, and its decoded parts are within the limits it was read with;
 * its shape passes msg_nodes_check and is written back without a crash
 * or a refusal of the shape itself.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "mail/msg.h"

#define FZ_MAX_SIZE (1u << 20)

static void fz_read(const struct msg *m)
{
    static const char *const names[] = {"From", "Subject", "Content-Type"};
    const char *p;
    size_t i, n, sum = 0;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((p = msg_header(m, names[i])) != NULL)
            sum += strlen(p);
    if (msg_is_pgp_signed(m)) {
        FUZZ_CHECK(msg_signed_part(m, &p, &n) == 0);
        for (i = 0; i < n; i++)
            sum += (unsigned char)p[i];
    }
    (void)sum;
}

static void fz_write(const struct msg_content *c)
{
    struct buf out;
    struct err e;

    buf_init(&out, FZ_MAX_SIZE * 4);
    err_init(&e);
    if (msg_build_tree(c->parts, c->nparts, c->nodes, c->nnodes, NULL, 0,
                       &out, &e) != 0)
        FUZZ_CHECK(e.code != ERR_OK && e.code != ERR_SOFTWARE);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *c = NULL;
    struct err e;
    size_t i;

    err_init(&e);
    msg_limits_default(&lim);
    lim.max_size = FZ_MAX_SIZE;
    if (fuzz_failed(msg_parse((const char *)data, size, &lim, &m, &e), &e))
        return 0;
    fz_read(m);
    if (!fuzz_failed(msg_content(m, &c, &e), &e)) {
        FUZZ_CHECK(c->nparts <= lim.max_parts);
        for (i = 0; i < c->nparts; i++)
            FUZZ_CHECK(c->parts[i].len == 0 || c->parts[i].data != NULL);
        /* the shape read is one the writer takes (issue 14), and
         * writing it back never crashes */
        FUZZ_CHECK(msg_nodes_check(c->nodes, c->nnodes, c->parts,
                                   c->nparts) == 0);
        fz_write(c);
    }
    msg_content_free(c);
    msg_free(m);
    return 0;
}
