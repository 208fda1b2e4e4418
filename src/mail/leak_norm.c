/*
 * leak_norm - a text in the leak detector's normal form (leak.h, steps
 * 2-6; step 1, HTML rendered, is leak_html.c). Every step keeps, for each code point, where in the text read it
 * came from, so that a finding can quote the form that was written.
 */
#include "mail/leak_int.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>      /* htmlEntityLookup: &name; references */
#include <unicode/uchar.h>
#include <unicode/utf16.h>

#define LEAK_B64_LINE_MIN 40    /* a MIME line of base64 at least this long */

/* ---- step 4: one code point folded (ICU) ----------------------------- */

static int is_mark(UChar32 c)
{
    int8_t t = u_charType(c);

    return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK
        || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

static int ascii_alnum(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A non-ASCII letter that looks like Latin letters: those letters. The
 * skeleton of a Latin look-alike is ASCII; of anything else, it is not,
 * and the code point stays as it is. */
static int fold_skeleton(struct leak *l, UChar32 c, uint32_t *out,
                         int k)
{
    UChar in[2], sk[LEAK_FOLD_MAX];
    uint32_t got[LEAK_FOLD_MAX];
    int32_t nin = 0, nsk, i = 0, ng = 0;
    UErrorCode st = U_ZERO_ERROR;
    UChar32 d;

    U16_APPEND_UNSAFE(in, nin, c);
    nsk = uspoof_getSkeleton(l->spoof, 0, in, nin, sk, LEAK_FOLD_MAX, &st);
    while (U_SUCCESS(st) && i < nsk && ng < LEAK_FOLD_MAX) {
        U16_NEXT(sk, i, nsk, d);
        if (is_mark(d))
            continue;
        if (d >= 'A' && d <= 'Z')
            d += 'a' - 'A';
        if (!ascii_alnum((uint32_t)d)) {
            ng = 0;
            break;
        }
        got[ng++] = (uint32_t)d;
    }
    if (U_FAILURE(st) && st != U_BUFFER_OVERFLOW_ERROR)
        l->icu_failed = 1;
    if (U_FAILURE(st) || ng == 0 || k + ng > LEAK_FOLD_MAX) {
        out[k] = (uint32_t)c;
        return k + 1;
    }
    memcpy(out + k, got, (size_t)ng * sizeof(*got));
    return k + ng;
}

/* NFKC with case folding, decomposed, so that marks can be dropped. */
static int fold_compute(struct leak *l, UChar32 c, uint32_t *out)
{
    UChar in[2], nf[LEAK_FOLD_MAX];
    int32_t nin = 0, nn, i = 0;
    UErrorCode st = U_ZERO_ERROR;
    UChar32 d;
    int k = 0;

    U16_APPEND_UNSAFE(in, nin, c);
    nn = unorm2_normalize(l->nfkc, in, nin, nf, LEAK_FOLD_MAX, &st);
    if (U_FAILURE(st)) {
        l->icu_failed = 1;      /* the check fails: leak_text_norm */
        out[0] = 0xFFFD;
        return 1;
    }
    while (i < nn && k < LEAK_FOLD_MAX) {
        U16_NEXT(nf, i, nn, d);
        if (d == 0x3002 || d == 0xFF61)     /* ideographic full stops */
            out[k++] = '.';
        else if (is_mark(d))
            continue;
        else if (d < 0x80)
            out[k++] = (uint32_t)d;
        else
            k = fold_skeleton(l, d, out, k);
    }
    return k;
}

/* c folded into out (LEAK_FOLD_MAX): the count, maybe 0. A BMP code
 * point is computed once and remembered; when the memo cannot grow, it is
 * computed again next time. */
static int fold_cp(struct leak *l, uint32_t c, uint32_t *out)
{
    uint32_t *p;
    size_t cap;
    int k;

    if (c < 0x80) {
        out[0] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
        return 1;
    }
    if (c < LEAK_BMP && l->at[c] != LEAK_UNSET) {
        k = (int)(l->at[c] & 63);
        if (k > 0)
            memcpy(out, l->pool + (l->at[c] >> 6), (size_t)k * sizeof(*out));
        return k;
    }
    k = fold_compute(l, (UChar32)c, out);
    if (c >= LEAK_BMP)
        return k;
    if (l->pool == NULL || l->npool + (size_t)k > l->cappool) {
        cap = l->cappool ? l->cappool * 2 : 4096;
        if ((p = realloc(l->pool, cap * sizeof(*p))) == NULL)
            return k;
        l->pool = p;
        l->cappool = cap;
    }
    memcpy(l->pool + l->npool, out, (size_t)k * sizeof(*out));
    l->at[c] = (uint32_t)(l->npool << 6) | (uint32_t)k;
    l->npool += (size_t)k;
    return k;
}

/* ICU's data is loaded on first use; here it is used before any
 * sandboxed child, and checked: a child cannot open ICU's files, and a
 * fold that silently failed would let a form through. */
static int fold_selftest(struct leak *l)
{
    /* soft hyphen, Cyrillic a, fullwidth A, ideographic full stop, a
     * mathematical bold a (outside the BMP, never in the memo) */
    static const struct {
        uint32_t cp;
        int n;
        uint32_t want;
    } warm[] = {{0xAD, 0, 0}, {0x430, 1, 'a'}, {0xFF21, 1, 'a'},
                {0x3002, 1, '.'}, {0x1D41A, 1, 'a'}, {0x0130, 1, 'i'}};
    uint32_t out[LEAK_FOLD_MAX];
    size_t i;
    int n;

    for (i = 0; i < sizeof(warm) / sizeof(warm[0]); i++) {
        n = fold_cp(l, warm[i].cp, out);
        if (n != warm[i].n || (n == 1 && out[0] != warm[i].want))
            return -1;
    }
    return l->icu_failed ? -1 : 0;
}

int leak_fold_open(struct leak *l, struct err *e)
{
    UErrorCode st = U_ZERO_ERROR;

    l->nfkc = unorm2_getInstance(NULL, "nfkc_cf", UNORM2_DECOMPOSE, &st);
    if (U_SUCCESS(st))
        l->spoof = uspoof_open(&st);
    if (U_FAILURE(st) || l->nfkc == NULL || l->spoof == NULL)
        return err_set(e, ERR_SOFTWARE, "ICU: %s", u_errorName(st));
    if ((l->at = malloc(LEAK_BMP * sizeof(*l->at))) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    memset(l->at, 0xff, LEAK_BMP * sizeof(*l->at));
    if (fold_selftest(l) != 0)
        return err_set(e, ERR_SOFTWARE, "ICU folds code points wrongly");
    return 0;
}

void leak_fold_close(struct leak *l)
{
    if (l->spoof)
        uspoof_close(l->spoof);
    free(l->at);
    free(l->pool);
}

/* ---- steps 2 and 3: placeholders, decoding --------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "WORDn" at s[i]: its length, else 0. */
static size_t word_num(const char *s, size_t i, size_t n, const char *word)
{
    size_t k = strlen(word), j;

    if (n - i <= k || memcmp(s + i, word, k) != 0 || !is_digit(s[i + k]))
        return 0;
    for (j = i + k; j < n && is_digit(s[j]); j++)
        ;
    return j - i;
}

/* The placeholder "[CLASS-n]" at s[i] (as anon_map.c writes them): its
 * length, else 0. */
static size_t ph_class(const char *s, size_t i, size_t n)
{
    size_t j, dash = 0;

    if (i + 1 >= n || !(s[i + 1] >= 'A' && s[i + 1] <= 'Z'))
        return 0;
    for (j = i + 1; j < n && j - i < LEAK_CLASS_MAX && s[j] != ']'; j++) {
        if (s[j] == '-')
            dash = j;
        else if (!(s[j] >= 'A' && s[j] <= 'Z') && !is_digit(s[j]) &&
                 s[j] != '_')
            return 0;
    }
    if (j >= n || s[j] != ']' || dash == 0 || dash + 1 == j || s[dash + 1]
        == '0')
        return 0;
    for (dash++; dash < j; dash++)
        if (!is_digit(s[dash]))
            return 0;
    return j + 1 - i;
}

/* hostN.siteN.invalid, userN@siteN.invalid, siteN.invalid at s[i]. */
static size_t ph_host(const char *s, size_t i, size_t n)
{
    size_t j = i, k;

    if (i > 0 && (is_word(s[i - 1]) || s[i - 1] == '-' || s[i - 1] == '.'))
        return 0;
    if ((k = word_num(s, j, n, "host")) || (k = word_num(s, j, n, "user"))) {
        if (j + k >= n || s[j + k] != (s[j] == 'h' ? '.' : '@'))
            return 0;
        j += k + 1;
    }
    if ((k = word_num(s, j, n, "site")) == 0 || n - (j + k) < 8 ||
        memcmp(s + j + k, ".invalid", 8) != 0)
        return 0;
    j += k + 8;
    return j < n && (is_word(s[j]) || s[j] == '-') ? 0 : j - i;
}

static size_t placeholder(const char *s, size_t i, size_t n)
{
    if (s[i] == '[')
        return ph_class(s, i, n);
    if (s[i] == 'h' || s[i] == 'u' || s[i] == 's')
        return ph_host(s, i, n);
    return 0;
}

/* A MIME body line of base64 at s[i] (a line start): its length with
 * the line break, else 0. */
static size_t b64_line(const char *s, size_t i, size_t n)
{
    size_t j = i;

    while (j < n && (is_word(s[j]) || s[j] == '+' || s[j] == '/' ||
                     s[j] == '='))
        j++;
    if (j - i < LEAK_B64_LINE_MIN)
        return 0;
    if (j < n && s[j] == '\r')
        j++;
    if (j < n && s[j] != '\n')
        return 0;
    return j < n ? j + 1 - i : j - i;
}

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* UTF-8 at b[0..n): the code point and its length; 0xFFFD and 1 when
 * invalid. */
static size_t utf8_cp(const unsigned char *b, size_t n, uint32_t *cp)
{
    uint32_t c = b[0], min;
    size_t k, len;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, c &= 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, c &= 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, c &= 0x07, min = 0x10000;
    else
        goto bad;
    if (n < len)
        goto bad;
    for (k = 1; k < len; k++) {
        if ((b[k] & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (b[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return len;
bad:
    *cp = 0xFFFD;
    return 1;
}

/* "%XX" (a run of them for one UTF-8 sequence) at s[i]: its length. */
static size_t pct_cp(const char *s, size_t i, size_t n, uint32_t *cp)
{
    unsigned char b[4];
    size_t k = 0, need;

    while (k < 4 && i + 3 * k + 2 < n && s[i + 3 * k] == '%' &&
           hexval(s[i + 3 * k + 1]) >= 0 && hexval(s[i + 3 * k + 2]) >= 0) {
        b[k] = (unsigned char)(hexval(s[i + 3 * k + 1]) * 16 +
                               hexval(s[i + 3 * k + 2]));
        k++;
    }
    if (k == 0)
        return 0;
    need = utf8_cp(b, k, cp);
    return 3 * need;
}

/* "&#N;", "&#xH;" or "&name;" at s[i]: its length. */
static size_t ref_cp(const char *s, size_t i, size_t n, uint32_t *cp)
{
    char name[LEAK_ENTITY_MAX + 1];
    const htmlEntityDesc *d;
    size_t j = i + 1, k = 0;
    uint32_t v = 0;
    int hex = 0, h;

    if (j < n && s[j] == '#') {
        j++;
        if (j < n && (s[j] == 'x' || s[j] == 'X'))
            hex = 1, j++;
        for (; j < n && k < 8 && (h = hexval(s[j])) >= 0 &&
               (hex || h < 10); j++, k++)
            v = v * (hex ? 16 : 10) + (uint32_t)h;
        if (k == 0 || j >= n || s[j] != ';')
            return 0;
        *cp = v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)
              ? 0xFFFD : v;
        return j + 1 - i;
    }
    for (; j < n && k < LEAK_ENTITY_MAX && is_word(s[j]); j++)
        name[k++] = s[j];
    name[k] = '\0';
    if (k == 0 || j >= n || s[j] != ';' ||
        (d = htmlEntityLookup((const xmlChar *)name)) == NULL)
        return 0;
    *cp = d->value;
    return j + 1 - i;
}

/* ---- the code point array -------------------------------------------- */

static int text_grow(struct leak_text *t, size_t more)
{
    uint32_t *cp, *og;
    /* a quarter more than the text: the raw copy checked after its
     * largest part then fits (pages never touched cost nothing); never
     * less, even when what the last, shorter text left is nearly full
     * (doubling from a Subject's size copied a 5 MiB body's arrays a
     * dozen times) */
    size_t want = t->slen + t->slen / 4 + 64;
    size_t cap = t->capn > want ? t->capn : want;

    if (t->n + more > t->nmax)
        return -2;
    if (t->n == 0 && t->capn) {
        /* nothing to keep: no copy of the last text's code points */
        free(t->cp);
        free(t->org);
        t->cp = t->org = NULL;
        cap = t->slen + t->slen / 4 + 64;
        t->capn = 0;
    }
    while (cap < t->n + more)
        cap *= 2;
    if (cap > t->nmax)
        cap = t->nmax;
    if ((cp = realloc(t->cp, cap * sizeof(*cp))) == NULL)
        return -1;
    t->cp = cp;
    if ((og = realloc(t->org, cap * sizeof(*og))) == NULL)
        return -1;
    t->org = og;
    t->capn = cap;
    return 0;
}

static inline int text_push(struct leak_text *t, uint32_t c, size_t org)
{
    int rc;

    if (t->n == t->capn && (rc = text_grow(t, 1)) != 0)
        return rc;
    t->cp[t->n] = c;
    t->org[t->n++] = (uint32_t)org;
    return 0;
}

/* Bytes that need no more than lower-casing (PLAIN), that do unless
 * after a letter, digit, '.' or '-' (HUS: "host1.", "user1@", "site1."
 * start placeholders only at a word's start), a line break (LF: under
 * LEAK_MIME the next byte starts a line), and the rest (0). */
enum { B_SLOW, B_PLAIN, B_HUS, B_LF };

static unsigned char byte_class(unsigned c)
{
    if (c >= 0x80 || c == '%' || c == '&' || c == '[')
        return B_SLOW;
    if (c == 'h' || c == 'u' || c == 's')
        return B_HUS;
    return c == '\n' ? B_LF : B_PLAIN;
}

static int after_word(char c)
{
    return is_word(c) || c == '-' || c == '.';
}

/* End of the run of bytes from i that need only lower-casing. */
static size_t plain_run(const unsigned char *cls, const char *s, size_t i,
                        size_t n, int mime)
{
    for (; i < n; i++) {
        unsigned char k = cls[(unsigned char)s[i]];

        if (k == B_PLAIN || (k == B_LF && !mime) ||
            (k == B_HUS && i > 0 && after_word(s[i - 1])))
            continue;
        if (k == B_LF)
            return i + 1;
        break;
    }
    return i;
}

/* s[i..r) lower-cased into the arrays at once: ASCII folds to itself
 * (lower case), one code point a byte, and asks ICU nothing. */
static int push_plain(struct leak_text *t, const unsigned char *lower,
                      const char *s, size_t i, size_t r)
{
    size_t k, n;
    int rc;

    if (t->n + (r - i) > t->capn && (rc = text_grow(t, r - i)) != 0)
        return rc;
    n = t->n;
    for (k = i; k < r; k++, n++) {
        t->cp[n] = lower[(unsigned char)s[k]];
        t->org[n] = (uint32_t)k;
    }
    t->n = n;
    return 0;
}

/* Steps 2-4 over t->src into t->cp. */
static int text_decode(struct leak *l, struct leak_text *t, int flags)
{
    const char *s = t->src;
    uint32_t c, out[LEAK_FOLD_MAX];
    size_t i = 0, k, r, n = t->slen;
    int j, m, rc = 0, mime = (flags & LEAK_MIME) != 0;
    unsigned char cls[256], lower[256];

    for (j = 0; j < 256; j++) {
        cls[j] = byte_class((unsigned)j);
        lower[j] = (unsigned char)(j >= 'A' && j <= 'Z' ? j + ('a' - 'A')
                                                        : j);
    }
    while (i < n && rc == 0) {
        /* the usual bytes: a run of ASCII that starts no placeholder,
         * escape or MIME line (only a line's first byte can start one) */
        if (!(mime && (i == 0 || s[i - 1] == '\n')) &&
            (r = plain_run(cls, s, i, n, mime)) > i) {
            rc = push_plain(t, lower, s, i, r);
            i = r;
            continue;
        }
        if ((flags & LEAK_MIME) && (i == 0 || s[i - 1] == '\n') &&
            (k = b64_line(s, i, n)) > 0) {
            rc = text_push(t, '\n', i);
            i += k;
            continue;
        }
        if ((k = placeholder(s, i, n)) > 0) {
            rc = text_push(t, ' ', i);
            i += k;
            continue;
        }
        if (!((s[i] == '%' && (k = pct_cp(s, i, n, &c)) > 0) ||
              (s[i] == '&' && (k = ref_cp(s, i, n, &c)) > 0)))
            k = utf8_cp((const unsigned char *)s + i, n - i, &c);
        m = fold_cp(l, c, out);
        for (j = 0; j < m && rc == 0; j++)
            rc = text_push(t, out[j], i);
        i += k;
    }
    return rc;
}

/* ---- step 5: refanging ----------------------------------------------- */

static int cp_alnum(uint32_t c)
{
    return c < 0x80 ? ascii_alnum(c) : c != 0xFFFD && u_isalnum((UChar32)c);
}

static int cp_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0;
}

/* cp[i..i+len) spells the ASCII word w. */
static int cp_is(const struct leak_text *t, size_t i, const char *w)
{
    size_t k, len = strlen(w);

    if (t->n - i < len)
        return 0;
    for (k = 0; k < len; k++)
        if (t->cp[i + k] != (unsigned char)w[k])
            return 0;
    return 1;
}

/* "[.]", "(dot)", "{at}", "[:]", "[://]" at r: their length, the
 * replacement in rep. */
static size_t defang_bracket(const struct leak_text *t, size_t r,
                             const char **rep)
{
    static const char *const forms[][2] = {
        {".", "."}, {"dot", "."}, {"at", "@"}, {"@", "@"}, {":", ":"},
        {"://", "://"}, {"/", "/"}, {"//", "//"},
    };
    uint32_t open = t->cp[r], close;
    size_t k, f, len;

    close = open == '[' ? ']' : open == '(' ? ')' : open == '{' ? '}' : 0;
    if (close == 0)
        return 0;
    for (k = r + 1; k < t->n && k - r <= LEAK_DEFANG_MAX; k++)
        if (t->cp[k] == close)
            break;
    if (k >= t->n || t->cp[k] != close)
        return 0;
    len = k - r - 1;
    for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
        if (strlen(forms[f][0]) == len && cp_is(t, r + 1, forms[f][0])) {
            *rep = forms[f][1];
            return k + 1 - r;
        }
    return 0;
}

/* In place: every defanged form as it was before defanging. w is where
 * the next code point is written; what is before it is already done. */
static void text_refang(struct leak_text *t)
{
    const char *rep;
    size_t r = 0, w = 0, k, j;
    uint32_t og;

    while (r < t->n) {
        rep = NULL;
        k = defang_bracket(t, r, &rep);
        if (k) {
            /* "jo [at] inst [dot] example": the spaces go too */
            while (w > 0 && cp_space(t->cp[w - 1]))
                w--;
            while (r + k < t->n && cp_space(t->cp[r + k]))
                k++;
        } else if (cp_space(t->cp[r]) && w > 0 && cp_alnum(t->cp[w - 1])) {
            /* " dot " and " at " between two words */
            if (cp_is(t, r + 1, "dot") && r + 5 < t->n &&
                cp_space(t->cp[r + 4]) && cp_alnum(t->cp[r + 5]))
                k = 5, rep = ".";
            else if (cp_is(t, r + 1, "at") && r + 4 < t->n &&
                     cp_space(t->cp[r + 3]) && cp_alnum(t->cp[r + 4]))
                k = 4, rep = "@";
        } else if (t->cp[r] == 'h' && cp_is(t, r, "hxxp") &&
                   (w == 0 || !cp_alnum(t->cp[w - 1]))) {
            k = 4, rep = "http";
        }
        if (rep == NULL) {
            t->cp[w] = t->cp[r];
            t->org[w++] = t->org[r++];
            continue;
        }
        og = t->org[r];
        /* never longer than what it replaces, so w stays behind r */
        for (j = 0; rep[j]; j++) {
            t->cp[w] = (unsigned char)rep[j];
            t->org[w++] = og;
        }
        r += k;
    }
    t->n = w;
}

/* ---- step 6: words --------------------------------------------------- */

static size_t utf8_len(uint32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Bytes of step 6's form, so that it is allocated once and exactly:
 * under RLIMIT_AS, what is reserved counts, not only what is used. */
static size_t words_size(const struct leak_text *t)
{
    size_t i, n = 2;
    int sep = 1;

    for (i = 0; i < t->n; i++) {
        if (cp_alnum(t->cp[i]))
            n += utf8_len(t->cp[i]), sep = 0;
        else if (!sep)
            n++, sep = 1;
    }
    return n;
}

static int text_words(struct leak_text *t)
{
    size_t i, cap = words_size(t), k;
    uint32_t c;
    char u[4];

    if (cap > t->capw) {
        char *w = realloc(t->w, cap);
        uint32_t *wi;

        if (w == NULL)
            return -1;
        t->w = w;
        if ((wi = realloc(t->widx, cap * sizeof(*wi))) == NULL)
            return -1;
        t->widx = wi;
        t->capw = cap;
    }
    t->w[0] = ' ';
    t->widx[0] = 0;
    t->wn = 1;
    for (i = 0; i < t->n; i++) {
        c = t->cp[i];
        if (!cp_alnum(c)) {
            if (t->w[t->wn - 1] != ' ') {
                t->widx[t->wn] = (uint32_t)i;
                t->w[t->wn++] = ' ';
            }
            continue;
        }
        k = utf8_len(c);
        if (k == 1)
            u[0] = (char)c;
        else if (k == 2)
            u[0] = (char)(0xC0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3F));
        else if (k == 3)
            u[0] = (char)(0xE0 | c >> 12),
            u[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
            u[2] = (char)(0x80 | (c & 0x3F));
        else
            u[0] = (char)(0xF0 | c >> 18),
            u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
            u[2] = (char)(0x80 | ((c >> 6) & 0x3F)),
            u[3] = (char)(0x80 | (c & 0x3F));
        memcpy(t->w + t->wn, u, k);
        while (k-- > 0)
            t->widx[t->wn++] = (uint32_t)i;
    }
    if (t->w[t->wn - 1] != ' ') {
        t->widx[t->wn] = (uint32_t)t->n;
        t->w[t->wn++] = ' ';
    }
    return 0;
}

int leak_text_norm(struct leak *l, struct leak_text *t, int flags,
                   struct err *e)
{
    int rc;

    if (t->slen > LEAK_TEXT_MAX)
        return err_set(e, ERR_TOOBIG, "text too large for the leak check");
    l->icu_failed = 0;
    t->n = t->wn = 0;
    t->nmax = LEAK_GROWTH_MAX * (t->slen + 64);
    rc = text_decode(l, t, flags);
    if (rc == -2)
        return err_set(e, ERR_TOOBIG, "text grows too much under Unicode "
                       "normalisation for the leak check");
    if (rc != 0)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (l->icu_failed)
        return err_set(e, ERR_SOFTWARE, "ICU failed in the leak check");
    text_refang(t);
    if (text_words(t) != 0)
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

void leak_text_free(struct leak_text *t)
{
    free(t->cp);
    free(t->org);
    free(t->w);
    free(t->widx);
    t->cp = t->org = t->widx = NULL;
    t->w = NULL;
    t->n = t->capn = t->wn = t->capw = 0;
}

size_t leak_text_end(const struct leak_text *t, size_t i)
{
    size_t j;

    for (j = i + 1; j < t->n; j++)
        if (t->org[j] > t->org[i])
            return t->org[j];
    return t->slen;
}
