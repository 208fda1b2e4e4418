/*
 * fuzz_msg - a message along the path every alert takes: parse, decode,
 * anonymise each text part, build the entity, a complete message and a
 * multipart/signed message, then read both back.
 *
 * Invariants (a failure aborts: it is a bug, not bad input):
 *  - every failure sets an error;
 *  - what we build parses back (or is refused only as too big), with the
 *    same parts, the same decoded text and the same attachment bytes;
 *  - a signed message we build hands a reader exactly the entity that
 *    would have been signed;
 *  - the rebuilt text holds no site identifier (anon_scan): the property
 *    the leak check in process.c relies on.
 *
 * Sites: the sample sites of the end-to-end tests; rules: the shipped
 * rules/ directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/anon.h"
#include "fuzz.h"
#include "mail/msg.h"
#include "mail/sites.h"

#define FZ_MAX_SIZE (1u << 20)
#define FZ_OUT_MAX (64u << 20)
#define FZ_PARTS (MSG_DEFAULT_MAX_PARTS + 1)

static const char fz_sites_text[] =
    "EXAMPLE-T2 \"Example Institute Grid Centre\" \"ExGrid\" "
    "grid.inst.example inst.example 192.0.2.0/24 2001:db8:77::/48\n"
    "UKI-LT2-DEMO \"Demo University of London\" demo-uni.example "
    "198.51.100.0/26\n"
    "RAL \"Rutherford Demo Laboratory\" rdl.example 2001:db8:aaaa::/48\n";

/* What looks like an armoured signature; never verified here. */
static const char fz_sig[] =
    "-----BEGIN PGP SIGNATURE-----\r\n\r\n"
    "iHUEARYIAB0WIQRfuzz0000000000000000000000000000000AAoJEAAAAAAAAAAA\r\n"
    "-----END PGP SIGNATURE-----\r\n";

static struct sites *fz_sites;
static struct anon *fz_anon;

/* The anonymised copy: v[0] the body, then the attachments. */
struct fz_copy {
    struct msg_part v[FZ_PARTS];
    struct buf data[FZ_PARTS];
    struct buf fname[FZ_PARTS];
    size_t n;
    struct buf subject, from;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct err e;

    (void)argc;
    (void)argv;
    err_init(&e);
    fz_sites = sites_new();
    FUZZ_CHECK(fz_sites != NULL);
    if (sites_load_text(fz_sites, fz_sites_text, sizeof fz_sites_text - 1,
                        "fuzz-sites", &e) != 0 ||
        sites_keep(fz_sites, "cvmfs-stratum-one.grid.inst.example", &e) != 0 ||
        anon_new(&fz_anon, fz_sites, AGW_SOURCE_DIR "/rules", &e) != 0) {
        fprintf(stderr, "fuzz_msg: set-up: %s\n", e.msg);
        abort();
    }
    return 0;
}

static void fz_copy_init(struct fz_copy *cp)
{
    size_t i;

    for (i = 0; i < FZ_PARTS; i++) {
        buf_init(&cp->data[i], FZ_OUT_MAX);
        buf_init(&cp->fname[i], FZ_OUT_MAX);
    }
    buf_init(&cp->subject, FZ_OUT_MAX);
    buf_init(&cp->from, FZ_OUT_MAX);
}

static void fz_copy_free(struct fz_copy *cp)
{
    size_t i;

    for (i = 0; i < FZ_PARTS; i++) {
        buf_free(&cp->data[i]);
        buf_free(&cp->fname[i]);
    }
    buf_free(&cp->subject);
    buf_free(&cp->from);
    free(cp);
}

/* Every accessor, so that what they point at is read under ASan. */
static void fz_touch(const struct msg *m)
{
    const char *names[] = {"From", "To", "Subject", "Date", "Message-ID",
                           "Content-Type", "X-Nothing"};
    const char *p;
    size_t i, n, sum = 0;

    for (i = 0; i < sizeof names / sizeof *names; i++)
        if ((p = msg_header(m, names[i])) != NULL)
            sum += strlen(p);
    if (msg_is_pgp_signed(m)) {
        FUZZ_CHECK(msg_signed_part(m, &p, &n) == 0);
        for (i = 0; i < n; i++)
            sum += (unsigned char)p[i];
        FUZZ_CHECK(msg_signature(m, &p, &n) == 0);
        for (i = 0; i < n; i++)
            sum += (unsigned char)p[i];
    } else {
        FUZZ_CHECK(msg_signed_part(m, &p, &n) != 0);
    }
    (void)sum;
}

static int fz_anon_into(struct anon_map *map, const char *s, size_t n,
                        struct buf *out, struct err *e)
{
    return anon_apply(fz_anon, map, s, n, out, NULL, e);
}

static int fz_part(struct fz_copy *cp, struct anon_map *map,
                   const struct msg_part *p, size_t k, struct err *e)
{
    struct msg_part *o = &cp->v[k];

    *o = *p;
    o->filename = NULL;
    if (p->is_text) {
        if (fz_anon_into(map, p->data, p->len, &cp->data[k], e) != 0)
            return -1;
    } else if (buf_append(&cp->data[k], p->data, p->len) != 0) {
        return err_set(e, ERR_TOOBIG, "part too big");
    }
    if (p->filename) {
        if (fz_anon_into(map, p->filename, strlen(p->filename),
                         &cp->fname[k], e) != 0)
            return -1;
        o->filename = (char *)buf_cstr(&cp->fname[k]);
    }
    o->data = (char *)buf_cstr(&cp->data[k]);
    o->len = cp->data[k].len;
    return 0;
}

/* Body: the first text/plain part, as process.c picks it; the rest are
 * attachments. */
static int fz_anonymise(const struct msg_content *c, struct anon_map *map,
                        struct fz_copy *cp, struct err *e)
{
    static const struct msg_part empty = {1, (char *)"text/plain", NULL,
                                          (char *)"", 0, NULL, 0};
    size_t i, body = c->nparts;

    for (i = 0; i < c->nparts && body == c->nparts; i++)
        if (c->parts[i].is_text &&
            strcmp(c->parts[i].content_type, "text/plain") == 0)
            body = i;
    if (fz_anon_into(map, c->subject, strlen(c->subject), &cp->subject,
                     e) != 0 ||
        fz_anon_into(map, c->from, strlen(c->from), &cp->from, e) != 0 ||
        fz_part(cp, map, body < c->nparts ? &c->parts[body] : &empty, 0,
                e) != 0)
        return -1;
    cp->n = 1;
    for (i = 0; i < c->nparts; i++)
        if (i != body && fz_part(cp, map, &c->parts[i], cp->n++, e) != 0)
            return -1;
    return 0;
}

static void fz_scan(const char *s, size_t n)
{
    struct err e;

    err_init(&e);
    if (anon_scan(fz_anon, s, n, "rebuilt copy", &e) != 0) {
        fprintf(stderr, "fuzz_msg: leak after anonymisation: %s\n", e.msg);
        abort();
    }
}

/* The rebuilt message must read back to what was put in. */
static void fz_read_back(const struct buf *out, const struct fz_copy *cp)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *c = NULL;
    struct err e;
    size_t i;

    err_init(&e);
    msg_limits_default(&lim);
    lim.max_size = FZ_OUT_MAX;
    lim.max_parts = 2 * MSG_DEFAULT_MAX_PARTS;
    /* Text decoded from base64 may be refused by a pre-scan (a deep
     * comment nest now visible in quoted-printable): too big, never bad. */
    if (fuzz_failed(msg_parse(out->data, out->len, &lim, &m, &e), &e) ||
        fuzz_failed(msg_content(m, &c, &e), &e)) {
        if (e.code != ERR_TOOBIG)
            fprintf(stderr, "fuzz_msg: rebuilt message refused: %s\n", e.msg);
        FUZZ_CHECK(e.code == ERR_TOOBIG);
        goto out;
    }
    FUZZ_CHECK(c->nparts == cp->n);
    for (i = 0; i < c->nparts; i++) {
        FUZZ_CHECK(c->parts[i].is_text == cp->v[i].is_text);
        FUZZ_CHECK(c->parts[i].len == cp->v[i].len);
        FUZZ_CHECK(memcmp(c->parts[i].data, cp->v[i].data,
                          cp->v[i].len) == 0);
        if (c->parts[i].is_text)
            fz_scan(c->parts[i].data, c->parts[i].len);
    }
    fz_scan(c->subject, strlen(c->subject));
out:
    msg_content_free(c);
    msg_free(m);
}

/* A reader of the signed message must see exactly the entity. */
static void fz_signed(const struct msg_header_field *h, size_t nh,
                      const struct buf *entity)
{
    struct msg_limits lim;
    struct buf out;
    struct msg *m = NULL;
    struct err e;
    const char *p;
    size_t n;
    int rc;

    err_init(&e);
    buf_init(&out, FZ_OUT_MAX);
    rc = msg_build_signed(h, nh, entity->data, entity->len, fz_sig,
                          sizeof fz_sig - 1, "pgp-sha256", &out, &e);
    FUZZ_CHECK(rc == 0 || e.code == ERR_TOOBIG);
    if (rc == 0) {
        msg_limits_default(&lim);
        lim.max_size = FZ_OUT_MAX;
        lim.max_parts = 2 * MSG_DEFAULT_MAX_PARTS;
        rc = msg_parse(out.data, out.len, &lim, &m, &e);
        FUZZ_CHECK(rc == 0 || e.code == ERR_TOOBIG);
    }
    if (m) {
        FUZZ_CHECK(msg_is_pgp_signed(m));
        FUZZ_CHECK(msg_signed_part(m, &p, &n) == 0);
        FUZZ_CHECK(n == entity->len && memcmp(p, entity->data, n) == 0);
        FUZZ_CHECK(msg_signature(m, &p, &n) == 0 && n > 0);
    }
    msg_free(m);
    buf_free(&out);
}

static void fz_rebuild(const struct fz_copy *cp)
{
    const struct msg_header_field h[] = {
        {"From", cp->from.data ? cp->from.data : ""},
        {"Subject", cp->subject.data ? cp->subject.data : ""},
    };
    struct buf entity, out;
    struct err e;
    int rc;

    err_init(&e);
    buf_init(&entity, FZ_OUT_MAX);
    buf_init(&out, FZ_OUT_MAX);
    rc = msg_build_entity(cp->v, cp->n, &entity, &e);
    FUZZ_CHECK(rc == 0 || e.code == ERR_TOOBIG);
    if (rc == 0)
        rc = msg_build_message(h, 2, entity.data, entity.len, &out, &e);
    /* a header word too long to fold is refused, never cut */
    FUZZ_CHECK(rc == 0 || e.code == ERR_TOOBIG || e.code == ERR_DATA);
    FUZZ_CHECK(rc == 0 || out.len == 0);
    if (rc == 0) {
        fz_read_back(&out, cp);
        fz_signed(h, 2, &entity);
    }
    buf_free(&entity);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct msg_limits lim;
    struct msg *m = NULL;
    struct msg_content *c = NULL;
    struct anon_map *map = NULL;
    struct fz_copy *cp = NULL;
    struct err e;

    err_init(&e);
    msg_limits_default(&lim);
    lim.max_size = FZ_MAX_SIZE;
    if (fuzz_failed(msg_parse((const char *)data, size, &lim, &m, &e), &e))
        return 0;
    fz_touch(m);
    if (fuzz_failed(msg_content(m, &c, &e), &e))
        goto out;
    FUZZ_CHECK(c->nparts <= MSG_DEFAULT_MAX_PARTS);
    map = anon_map_new();
    cp = calloc(1, sizeof *cp);
    FUZZ_CHECK(map != NULL && cp != NULL);
    fz_copy_init(cp);
    /* a rule stopped at its PCRE2 limit: held, never half anonymised */
    if (!fuzz_failed(fz_anonymise(c, map, cp, &e), &e))
        fz_rebuild(cp);
out:
    if (cp)
        fz_copy_free(cp);
    anon_map_free(map);
    msg_content_free(c);
    msg_free(m);
    return 0;
}
