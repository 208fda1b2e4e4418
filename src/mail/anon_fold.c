/*
 * anon_fold - the folded view of a text: how a reader (and a receiver's
 * tools, once refanged) reads it, for the rules and the token scanner.
 *
 * Duty officers defang indicators (192.0.2[.]45, host.inst[.]example,
 * 2001:db8::1 with [:], jo.smith [at] inst [dot] example, (.) {.}) and
 * copy-paste brings invisible characters into names (soft hyphen, zero
 * width space, joiners, word joiner) and NO-BREAK SPACE between the words
 * of an alias. The scanner reads none of these as part of an identifier,
 * so an identifier written so went out as it was (issue 14).
 *
 * The fold makes a second text with each such form replaced by what it
 * stands for ('.', ':', '@', ' ', '-', or nothing), and a list of edits
 * that maps a span of the folded text back to the original. A run goes
 * over the folded text; each replacement then covers the original span,
 * defanging and invisible characters inside it included. What lies
 * outside a replacement is copied from the original: an attacker's
 * indicator stays defanged as it was written, and a replaced one comes
 * out as its placeholder (placeholders are never reachable, so they need
 * no defanging; "hxxps://" or "[:]22" around them stays).
 *
 * A text without any such form (the usual case) is not copied at all:
 * anon_fold_first says so in one pass over its bytes.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"

#include <stdlib.h>
#include <string.h>

/* Bytes that may start a form: brackets and the first byte of the UTF-8
 * forms below (not the space of " [at] ": spaces are everywhere). */
static const unsigned char fold_lead[256] = {
    ['['] = 1, ['('] = 1, ['{'] = 1,
    [0xc2] = 1, [0xe2] = 1, [0xef] = 1,
};

static int lower_eq(const char *p, const char *w, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (text_lower((unsigned char)p[i]) != (unsigned char)w[i])
            return 0;
    return 1;
}

static char closing(char c)
{
    return c == '[' ? ']' : c == '(' ? ')' : '}';
}

/* A bracketed form at t[i] ('[', '(' or '{'): "[.]" "[:]" "[@]" "[at]"
 * "[dot]" (any case, any of the three bracket pairs). Its length and what
 * it stands for in *c; 0 when none. Asked at every bracket of a text (log
 * lines are full of them), so the closing byte is looked at first. */
static size_t fold_bracket(const char *t, size_t len, size_t i, char *c)
{
    char close = closing(t[i]), c1;
    size_t rest = len - i;

    if (rest < 3)
        return 0;
    c1 = t[i + 1];
    if (t[i + 2] == close && (c1 == '.' || c1 == ':' || c1 == '@')) {
        *c = c1;
        return 3;
    }
    if (rest >= 4 && t[i + 3] == close && lower_eq(t + i + 1, "at", 2)) {
        *c = '@';
        return 4;
    }
    if (rest >= 5 && t[i + 4] == close && lower_eq(t + i + 1, "dot", 3)) {
        *c = '.';
        return 5;
    }
    return 0;
}

/* The form at t[i]: its length in the original (0: none), what it stands
 * for in *c, and *clen (0 or 1) bytes of it. *back is 1 when the form
 * starts a byte earlier, at the space of " [at] " or " [dot] ". */
static size_t fold_at(const char *t, size_t len, size_t i, char *c,
                      size_t *clen, size_t *back)
{
    const unsigned char *u = (const unsigned char *)t + i;
    size_t n;

    *clen = 1;
    *back = 0;
    if (u[0] == '[' || u[0] == '(' || u[0] == '{') {
        n = fold_bracket(t, len, i, c);
        /* " [at] " and " [dot] ": the spaces go with the form */
        if (n >= 4 && i > 0 && t[i - 1] == ' ' && i + n < len
            && t[i + n] == ' ') {
            *back = 1;
            n += 2;
        }
        return n;
    }
    if (u[0] == 0xc2 && len - i >= 2) {
        if (u[1] == 0xad) {         /* U+00AD SOFT HYPHEN */
            *clen = 0;
            return 2;
        }
        *c = ' ';                   /* U+00A0 NO-BREAK SPACE */
        return u[1] == 0xa0 ? 2 : 0;
    }
    if (len - i < 3)
        return 0;
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x8b && u[2] <= 0x8d) {
        *clen = 0;                  /* U+200B ZWSP, U+200C ZWNJ, U+200D ZWJ */
        return 3;
    }
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0x91) {
        *c = '-';                   /* U+2011 NON-BREAKING HYPHEN */
        return 3;
    }
    if ((u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0xa0)     /* U+2060 WJ */
        || (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)) { /* U+FEFF */
        *clen = 0;
        return 3;
    }
    return 0;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen bytes at a time: the first form from i on, or len. Only the
 * bytes that may start one (brackets, non-ASCII) are looked at closer. */
static size_t first_form(const char *t, size_t i, size_t len)
{
    const __m128i sq = _mm_set1_epi8('['), pa = _mm_set1_epi8('(');
    const __m128i cu = _mm_set1_epi8('{');
    size_t clen, back;
    char c;

    for (; len - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, sq),
                                              _mm_cmpeq_epi8(x, pa)),
                                 _mm_cmpeq_epi8(x, cu));
        /* movemask also takes each byte's top bit: non-ASCII bytes */
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, x));

        for (; bits; bits &= bits - 1) {
            size_t k = i + (size_t)__builtin_ctz(bits);

            if (fold_lead[(unsigned char)t[k]]
                && fold_at(t, len, k, &c, &clen, &back))
                return k - back;
        }
    }
    for (; i < len; i++)
        if (fold_lead[(unsigned char)t[i]]
            && fold_at(t, len, i, &c, &clen, &back))
            return i - back;
    return len;
}
#else
static size_t first_form(const char *t, size_t i, size_t len)
{
    size_t clen, back;
    char c;

    for (; i < len; i++)
        if (fold_lead[(unsigned char)t[i]]
            && fold_at(t, len, i, &c, &clen, &back))
            return i - back;
    return len;
}
#endif

/* This runs over every text, and nearly all of them hold no form. */
size_t anon_fold_first(const char *t, size_t len)
{
    return first_form(t, 0, len);
}

static int edit_push(struct anon_fold *f, size_t fpos, size_t flen,
                     size_t opos, size_t olen)
{
    struct anon_fold_edit *v;

    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 16;

        v = realloc(f->v, ncap * sizeof *v);
        if (v == NULL)
            return -1;
        f->v = v;
        f->cap = ncap;
    }
    v = &f->v[f->n];
    v->fpos = fpos;
    v->fend = fpos + flen;
    v->delta = (f->n ? f->v[f->n - 1].delta : 0) + (long)olen - (long)flen;
    f->n++;
    return 0;
}

int anon_fold_build(struct anon_fold *f, const char *t, size_t len,
                    size_t from, struct err *e)
{
    size_t i = from, run = 0, n, clen, back;
    char c;
    int rc = 0;

    memset(f, 0, sizeof *f);
    buf_init(&f->text, len + 1);
    while (rc == 0 && i < len) {
        if (!fold_lead[(unsigned char)t[i]]
            || (n = fold_at(t, len, i, &c, &clen, &back)) == 0) {
            i++;
            continue;
        }
        i -= back;
        rc = buf_append(&f->text, t + run, i - run);
        if (rc == 0 && edit_push(f, f->text.len, clen, i, n) != 0)
            rc = BUF_ENOMEM;
        if (rc == 0)
            rc = buf_append(&f->text, &c, clen);
        i += n;
        run = i;
    }
    if (rc == 0)
        rc = buf_append(&f->text, t + run, len - run);
    if (rc != 0) {
        anon_fold_free(f);
        return err_set(e, ERR_NOMEM, "out of memory reading defanged text");
    }
    return 0;
}

void anon_fold_free(struct anon_fold *f)
{
    buf_free(&f->text);
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

/* The number of edits e with key(e) < x, key being fend (start of a span:
 * edits wholly before it, a deletion right before it included) or, for
 * the end of a span, fpos + 1 (edits that begin inside it). */
static size_t edits_before(const struct anon_fold *f, size_t x, int end)
{
    size_t lo = 0, hi = f->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t key = end ? f->v[mid].fpos + 1 : f->v[mid].fend;

        if (key <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t anon_fold_orig(const struct anon_fold *f, size_t x, int end)
{
    size_t k = edits_before(f, x, end);

    return k ? (size_t)((long)x + f->v[k - 1].delta) : x;
}
