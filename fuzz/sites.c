/*
 * fuzz_sites - the sites file parser (sites_load_text), then every lookup
 * with each word of the same input as the key, and every stored value
 * read back.
 *
 * Invariants: every failure sets an error; what the parser stored reads
 * back as the site it belongs to (a name finds its own site; a canonical
 * network text canonicalises to itself).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mail/sites.h"

#define FZ_WORDS_MAX 256
#define FZ_SITES_MAX 1024       /* sites read back per input */

static void fz_lookups(const struct sites *s, const char *w, size_t n)
{
    char canon[SITES_ADDR_TEXT_MAX];
    size_t len = 0;

    (void)sites_lookup_name(s, w, n);
    (void)sites_lookup_host(s, w, n);
    (void)sites_lookup_addr(s, w, n);
    (void)sites_lookup_net(s, w, n);
    if (sites_match_host(s, w, n, &len) >= 0)
        FUZZ_CHECK(len <= n);
    if (sites_match_phrase(s, w, n, &len) >= 0)
        FUZZ_CHECK(len > 0 && len <= n);
    if (sites_addr_canon(w, n, canon) == 0)
        FUZZ_CHECK(memchr(canon, '\0', sizeof canon) != NULL);
}

/* Each word, and each suffix from a word start (phrases span words). */
static void fz_words(const struct sites *s, const char *t, size_t n)
{
    size_t i = 0, j, k = 0;

    while (i < n && k++ < FZ_WORDS_MAX) {
        while (i < n && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t'))
            i++;
        for (j = i; j < n && t[j] != ' ' && t[j] != '\n' && t[j] != '\t'; j++)
            ;
        if (j > i)
            fz_lookups(s, t + i, j - i);
        if (i < n) {
            size_t len;
            (void)sites_match_phrase(s, t + i, n - i, &len);
        }
        i = j;
    }
}

static void fz_read_back(const struct sites *s)
{
    char canon[SITES_ADDR_TEXT_MAX];
    const char *v;
    size_t i, j, n = sites_count(s);
    static const int kinds[] = {'a', 'd', 'n'};
    size_t k;

    for (i = 0; i < n && i < FZ_SITES_MAX; i++) {
        const char *name = sites_name(s, i);

        FUZZ_CHECK(name != NULL);
        for (k = 0; k < sizeof kinds / sizeof *kinds; k++)
            for (j = 0; (v = sites_value(s, i, kinds[k], j)) != NULL; j++)
                if (kinds[k] == 'n') {
                    FUZZ_CHECK(sites_addr_canon(v, strlen(v), canon) == 0);
                    FUZZ_CHECK(strcmp(canon, v) == 0);
                }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sites *s = sites_new();
    struct err e;
    int rc;

    FUZZ_CHECK(s != NULL);
    err_init(&e);
    rc = sites_load_text(s, (const char *)data, size, "fuzz.txt", &e);
    (void)fuzz_failed(rc, &e);
    /* what was added before a bad line stays and must be consistent */
    fz_read_back(s);
    fz_words(s, (const char *)data, size);
    sites_free(s);
    return 0;
}
