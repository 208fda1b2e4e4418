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
 * Look-alikes fold too (issue 14): a letter of another script that
 * ICU's confusable skeleton (after NFKC) takes for one Latin letter or
 * digit ("EX\u0410MPLE-T2", Cyrillic A), fullwidth ASCII and ideographic
 * full stops, and percent-encoding of a name's bytes in a URL
 * ("inst%2Eexample", "%D0%B0" for Cyrillic a), and the letters and
 * digits outside the two-byte range that NFKC takes for one ASCII letter
 * or digit: mathematical alphanumerics ("\U0001D404" bold E, four bytes
 * of UTF-8 for one letter), circled and squared letters, letterlike
 * symbols, superscripts. The leak detector folds
 * the same forms its own way (leak_norm.c); here they are folded so that
 * the alert is anonymised instead of held.
 *
 * A text without any such form (the usual case) is not copied at all:
 * anon_fold_first says so in one pass over its bytes.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf16.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>

/* Bytes that may start a form: brackets, '%' and the first byte of the
 * UTF-8 forms below (not the space of " [at] ": spaces are everywhere).
 * 0xc2 to 0xdf lead the two-byte code points (Greek, Cyrillic, accented
 * Latin), 0xe2 the symbols of U+2000 to U+2FFF, 0xe3 U+3002, 0xef the
 * fullwidth forms, 0xf0 the mathematical and enclosed letters. */
static const unsigned char fold_lead[256] = {
    ['['] = 1, ['('] = 1, ['{'] = 1, ['%'] = 1,
    [0xc2] = 1, [0xc3] = 1, [0xc4] = 1, [0xc5] = 1, [0xc6] = 1, [0xc7] = 1,
    [0xc8] = 1, [0xc9] = 1, [0xca] = 1, [0xcb] = 1, [0xcc] = 1, [0xcd] = 1,
    [0xce] = 1, [0xcf] = 1, [0xd0] = 1, [0xd1] = 1, [0xd2] = 1, [0xd3] = 1,
    [0xd4] = 1, [0xd5] = 1, [0xd6] = 1, [0xd7] = 1, [0xd8] = 1, [0xd9] = 1,
    [0xda] = 1, [0xdb] = 1, [0xdc] = 1, [0xdd] = 1, [0xde] = 1, [0xdf] = 1,
    [0xe2] = 1, [0xe3] = 1, [0xef] = 1, [0xf0] = 1,
};

/* The ranges of a->looksym, in its order: where NFKC folds some code
 * points to one ASCII letter or digit ("\u24B6" circled A, "\U0001D7CE"
 * bold zero, "\U0001F130" squared A). Which ones, ICU says (sym_compute);
 * these bound only where it is asked. */
static const struct {
    uint32_t lo, n;
} sym_range[] = {
    {0x2070, 0x30},             /* superscripts and subscripts */
    {0x2100, 0x50},             /* letterlike symbols */
    {0x2460, 0xa0},             /* enclosed alphanumerics */
    {0x1d400, 0x400},           /* mathematical alphanumeric symbols */
    {0x1f100, 0x100},           /* enclosed alphanumeric supplement */
};

/* ---- look-alikes ---- */

static int ascii_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9');
}

/* The one ASCII letter or digit ICU takes c for (NFKC, then the
 * confusable skeleton, combining marks dropped), in c's case; 0 when
 * none. A letter maps only to a letter, a digit only to a digit
 * ("\u0431" is skeleton '6'). The skeleton's prototype of 'I' is 'l'. */
static unsigned char look_compute(const UNormalizer2 *nf,
                                  const USpoofChecker *sc, UChar32 c)
{
    UChar in[2] = {(UChar)c, 0}, n[8], sk[16];
    UErrorCode st = U_ZERO_ERROR;
    int32_t nn, ns, i;
    int got = 0, d;

    nn = unorm2_normalize(nf, in, 1, n, 8, &st);
    if (U_SUCCESS(st))
        ns = uspoof_getSkeleton(sc, 0, n, nn, sk, 16, &st);
    if (U_FAILURE(st))
        return 0;
    for (i = 0; i < ns; i++) {
        d = sk[i];
        if (u_getCombiningClass(d) != 0 || u_charType(d) == U_NON_SPACING_MARK)
            continue;
        if (got || !ascii_alnum(d))
            return 0;
        got = d;
    }
    if (got == 0 || (u_isdigit(c) != 0) != (got >= '0' && got <= '9'))
        return 0;
    if (u_isupper(c))
        return (unsigned char)(got == 'l' ? 'I' : (got >= 'a' && got <= 'z' ? got - ('a' - 'A') : got));
    return (unsigned char)(u_islower(c) ? text_lower((unsigned char)got) : got);
}

/* The ASCII letter or digit NFKC makes of c alone, else 0: it keeps the
 * case ("\U0001D41A" bold small a is 'a'); one that makes more ("\u2474",
 * "(1)") is none. */
static unsigned char sym_compute(const UNormalizer2 *nf, UChar32 c)
{
    UChar in[2], n[8];
    int32_t nin = 0, nn;
    UErrorCode st = U_ZERO_ERROR;

    U16_APPEND_UNSAFE(in, nin, c);
    nn = unorm2_normalize(nf, in, nin, n, 8, &st);
    return U_SUCCESS(st) && nn == 1 && ascii_alnum(n[0]) ? (unsigned char)n[0]
                                                         : 0;
}

static void sym_init(struct anon *a, const UNormalizer2 *nf)
{
    size_t r, o = 0;
    uint32_t k;

    for (r = 0; r < sizeof sym_range / sizeof *sym_range; r++)
        for (k = 0; k < sym_range[r].n; k++)
            a->looksym[o++] = sym_compute(nf, (UChar32)(sym_range[r].lo + k));
}

/* The letter a->looksym holds for cp, else 0. */
static char sym_look(const struct anon *a, uint32_t cp)
{
    size_t r, o = 0;

    for (r = 0; r < sizeof sym_range / sizeof *sym_range; r++) {
        if (cp >= sym_range[r].lo && cp - sym_range[r].lo < sym_range[r].n)
            return (char)a->looksym[o + cp - sym_range[r].lo];
        o += sym_range[r].n;
    }
    return 0;
}

int anon_fold_init(struct anon *a, struct err *e)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCInstance(&st);
    USpoofChecker *sc = U_SUCCESS(st) ? uspoof_open(&st) : NULL;
    UChar32 c;

    if (U_FAILURE(st) || sc == NULL)
        return err_set(e, ERR_SOFTWARE, "ICU: %s", u_errorName(st));
    for (c = 0x80; c < ANON_UNI2_MAX; c++) {
        int8_t ty = u_charType(c);

        if (u_isalnum(c))
            a->look2[c] = look_compute(nf, sc, c);
        if (ty == U_NON_SPACING_MARK || ty == U_ENCLOSING_MARK)
            a->mark2[c >> 3] |= (unsigned char)(1u << (c & 7));
    }
    uspoof_close(sc);
    sym_init(a, nf);
    /* the self-test the leak detector does too: a fold that silently
     * failed would hold alerts it should anonymise */
    if (a->look2[0x430] != 'a' || a->look2[0x410] != 'A'
        || sym_look(a, 0x1d404) != 'E' || sym_look(a, 0x24b6) != 'A'
        || !(a->mark2[0x301 >> 3] >> (0x301 & 7) & 1))
        return err_set(e, ERR_SOFTWARE, "ICU folds look-alikes wrongly");
    return 0;
}

/* U+FF01..U+FF5E (fullwidth ASCII) at u, 3 bytes: the ASCII letter,
 * digit, '.', '-' or '@' it stands for, else 0. */
static char fullwidth(const unsigned char *u)
{
    unsigned cp = (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6
                  | (u[2] & 0x3f);
    int c;

    if (cp < 0xff01 || cp > 0xff5e)
        return 0;
    c = (int)(cp - 0xfee0);
    return ascii_alnum(c) || c == '.' || c == '-' || c == '@' ? (char)c : 0;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The byte of "%XX" at t[i], or -1. */
static int pct_byte(const char *t, size_t len, size_t i)
{
    int h, l;

    if (len - i < 3 || t[i] != '%' || (h = hexv(t[i + 1])) < 0
        || (l = hexv(t[i + 2])) < 0)
        return -1;
    return h << 4 | l;
}

/* A three-byte code point at u (u[0] 0xe0 to 0xef), or 0 when the
 * sequence is broken. */
static uint32_t utf8_3(const unsigned char *u)
{
    if ((u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80)
        return 0;
    return (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6
           | (u[2] & 0x3f);
}

/* A four-byte code point at u (u[0] 0xf0), or 0 when broken or
 * overlong (an overlong form is no letter). */
static uint32_t utf8_4(const unsigned char *u)
{
    uint32_t cp;

    if ((u[1] & 0xc0) != 0x80 || (u[2] & 0xc0) != 0x80
        || (u[3] & 0xc0) != 0x80)
        return 0;
    cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12
         | (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
    return cp >= 0x10000 ? cp : 0;
}

/* A two-byte code point u[0..1] that looks like an ASCII letter: it. */
static char look2(const struct anon *a, const unsigned char *u)
{
    unsigned cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);

    return (u[1] & 0xc0) == 0x80 && cp >= 0x80 ? (char)a->look2[cp] : 0;
}

/* A two-byte code point u[0..1] that is a combining mark. */
static int mark2(const struct anon *a, const unsigned char *u)
{
    unsigned cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);

    return (u[1] & 0xc0) == 0x80 && (a->mark2[cp >> 3] >> (cp & 7) & 1);
}

/* "%XX" at t[i] for a byte of a name ([A-Za-z0-9._@-]), or "%XX%XX" for
 * a two-byte look-alike: its length, the ASCII byte in *c. */
static size_t fold_pct(const struct anon *a, const char *t, size_t len,
                       size_t i, char *c)
{
    int b = pct_byte(t, len, i), b2;
    unsigned char u[2];

    if (b < 0)
        return 0;
    if (b < 0x80) {
        *c = (char)b;
        return ascii_alnum(b) || b == '.' || b == '_' || b == '@' || b == '-'
               ? 3 : 0;
    }
    if (b < 0xc2 || b > 0xdf || (b2 = pct_byte(t, len, i + 3)) < 0)
        return 0;
    u[0] = (unsigned char)b;
    u[1] = (unsigned char)b2;
    return (*c = look2(a, u)) != 0 ? 6 : 0;
}

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
static size_t fold_at(const struct anon *a, const char *t, size_t len,
                      size_t i, char *c, size_t *clen, size_t *back)
{
    const unsigned char *u = (const unsigned char *)t + i;
    size_t n;

    *clen = 1;
    *back = 0;
    if (u[0] == '%')
        return fold_pct(a, t, len, i, c);
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
        if (u[1] == 0xa0)
            return 2;
    }
    if (u[0] >= 0xc2 && u[0] <= 0xdf && len - i >= 2) {
        if (mark2(a, u)) {
            *clen = 0;
            return 2;
        }
        return (*c = look2(a, u)) != 0 ? 2 : 0;
    }
    if (len - i < 3)
        return 0;
    /* one letter of four bytes: the edit maps its one folded byte back
     * to all four ("\U0001D404" 'E') */
    if (u[0] == 0xf0)
        return len - i >= 4 && (*c = sym_look(a, utf8_4(u))) != 0 ? 4 : 0;
    if (u[0] == 0xef && u[1] >= 0xbc && u[1] <= 0xbd)
        return (*c = fullwidth(u)) != 0 ? 3 : 0;
    /* U+3002 IDEOGRAPHIC FULL STOP, U+FF61 its halfwidth form: '.' (IDNA) */
    if ((u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x82)
        || (u[0] == 0xef && u[1] == 0xbd && u[2] == 0xa1)) {
        *c = '.';
        return 3;
    }
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x8b && u[2] <= 0x8d) {
        *clen = 0;                  /* U+200B ZWSP, U+200C ZWNJ, U+200D ZWJ */
        return 3;
    }
    /* U+2010 HYPHEN, U+2011 NON-BREAKING HYPHEN, U+2012 FIGURE DASH,
     * U+2013 EN DASH (word processors write it for '-'), U+2212 MINUS
     * SIGN: '-'; U+2024 ONE DOT LEADER: '.' (NFKC) */
    if ((u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x90 && u[2] <= 0x93)
        || (u[0] == 0xe2 && u[1] == 0x88 && u[2] == 0x92)) {
        *c = '-';
        return 3;
    }
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xa4) {
        *c = '.';
        return 3;
    }
    if ((u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0xa0)     /* U+2060 WJ */
        || (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)) { /* U+FEFF */
        *clen = 0;
        return 3;
    }
    if (u[0] == 0xe2)           /* circled, letterlike, superscript */
        return (*c = sym_look(a, utf8_3(u))) != 0 ? 3 : 0;
    return 0;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen bytes at a time: the first form from i on, or len. Only the
 * bytes that may start one (brackets, '%', non-ASCII) are looked at
 * closer. */
static size_t first_form(const struct anon *a, const char *t, size_t i,
                         size_t len)
{
    const __m128i sq = _mm_set1_epi8('['), pa = _mm_set1_epi8('(');
    const __m128i cu = _mm_set1_epi8('{'), pc = _mm_set1_epi8('%');
    size_t clen, back;
    char c;

    for (; len - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, sq),
                                              _mm_cmpeq_epi8(x, pa)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, cu),
                                              _mm_cmpeq_epi8(x, pc)));
        /* movemask also takes each byte's top bit: non-ASCII bytes */
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, x));

        for (; bits; bits &= bits - 1) {
            size_t k = i + (size_t)__builtin_ctz(bits);

            if (fold_lead[(unsigned char)t[k]]
                && fold_at(a, t, len, k, &c, &clen, &back))
                return k - back;
        }
    }
    for (; i < len; i++)
        if (fold_lead[(unsigned char)t[i]]
            && fold_at(a, t, len, i, &c, &clen, &back))
            return i - back;
    return len;
}
#else
static size_t first_form(const struct anon *a, const char *t, size_t i,
                         size_t len)
{
    size_t clen, back;
    char c;

    for (; i < len; i++)
        if (fold_lead[(unsigned char)t[i]]
            && fold_at(a, t, len, i, &c, &clen, &back))
            return i - back;
    return len;
}
#endif

/* This runs over every text, and nearly all of them hold no form. */
size_t anon_fold_first(const struct anon *a, const char *t, size_t len)
{
    return first_form(a, t, 0, len);
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

int anon_fold_build(const struct anon *a, struct anon_fold *f,
                    const char *t, size_t len, size_t from, struct err *e)
{
    size_t i = from, run = 0, n, clen, back;
    char c;
    int rc = 0;

    memset(f, 0, sizeof *f);
    buf_init(&f->text, len + 1);
    while (rc == 0 && i < len) {
        if (!fold_lead[(unsigned char)t[i]]
            || (n = fold_at(a, t, len, i, &c, &clen, &back)) == 0) {
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
