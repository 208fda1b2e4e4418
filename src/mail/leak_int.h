/*
 * leak_int - what the files of the leak module share. Private to
 * src/mail/leak*.c; other modules use leak.h.
 *
 *   leak.c       life cycle, the identifiers' automaton, one check, the
 *                finding's line
 *   leak_html.c  step 1: HTML rendered (libxml2)
 *   leak_norm.c  the normal form: placeholders, decoding,
 *                folding (ICU), refanging, words
 *   leak_addr.c  addresses of site networks, DNs
 */
#ifndef AGW_LEAK_INT_H
#define AGW_LEAK_INT_H

#include <stddef.h>
#include <stdint.h>

#include <unicode/unorm2.h>
#include <unicode/uspoof.h>

#include "mail/leak.h"
#include "mail/sites.h"
#include "util/ac.h"
#include "util/buf.h"
#include "util/err.h"

#define LEAK_BMP 0x10000
#define LEAK_UNSET UINT32_MAX   /* a memo entry not yet computed */

/* What a pattern of the automaton stands for. */
enum leak_kind { LEAK_NAME, LEAK_ALIAS, LEAK_DOMAIN };

struct leak_pat {
    uint32_t site;
    uint32_t j;                 /* the j-th alias or domain */
    enum leak_kind kind;
};

/* One text in its normal forms. Offsets and indexes are 32 bits, as
 * LEAK_TEXT_MAX keeps texts under 4 GiB. */
struct leak_text {
    const char *src;            /* the text read (HTML: rendered) */
    size_t slen;
    uint32_t *cp, *org;         /* steps 2-5: code points, and where each
                                   starts in src */
    size_t n, capn;
    size_t nmax;                /* n past it: the text grows too much */
    char *w;                    /* step 6: ' ', words, ' ' */
    uint32_t *widx;             /* w[i] comes from cp[widx[i]] */
    size_t wn, capw;
};

struct leak {
    const struct sites *sites;  /* borrowed */
    struct ac *ac;
    struct leak_pat *pats;
    size_t npats, cappats;
    const UNormalizer2 *nfkc;   /* ICU's, never freed */
    USpoofChecker *spoof;
    int icu_failed;             /* a fold of this check failed: it fails */
    /* memo of leak_fold_cp for the BMP: at[cp] is LEAK_UNSET or the
     * offset in pool << 6 | count */
    uint32_t *at;
    uint32_t *pool;
    size_t npool, cappool;
    /* the arrays of the last check, kept for the next: a fresh 13 bytes
     * a byte of text, page-faulted in at every check, cost more than the
     * check itself */
    struct leak_text scratch;
};


/* The finding, as leak_check reports it. */
struct leak_find {
    char what[LEAK_WHAT_MAX];   /* "site X", "domain D of site X", ... */
    size_t s, e;                /* src[s..e) */
};

/* leak_norm.c */
int leak_fold_open(struct leak *l, struct err *e);
void leak_fold_close(struct leak *l);
/* html[0..len) as text into out; -1 when memory ran out. */
int leak_html_render(const char *html, size_t len, struct buf *out);
/* Steps 2-6 on t->src, into t's arrays (kept from an earlier text, grown
 * when too small); -1 (ERR_NOMEM) on failure. */
int leak_text_norm(struct leak *l, struct leak_text *t, int flags,
                   struct err *e);
void leak_text_free(struct leak_text *t);
/* src[] end of the code point at index i (the start of the next code
 * point that starts later, or the end of src). */
size_t leak_text_end(const struct leak_text *t, size_t i);

/* leak_addr.c */
/* The first address of a site network, or DN, in t: 1 with f filled,
 * else 0. */
int leak_find_addr(const struct leak *l, const struct leak_text *t,
                   struct leak_find *f);
int leak_find_dn(const struct leak_text *t, struct leak_find *f);

#endif
