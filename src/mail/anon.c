/*
 * anon - victim-site identifiers out, placeholders in. See anon.h.
 *
 * One pass of rule patterns, then one pass of a combined token pattern:
 *
 *   1. Every rule pattern runs over the whole text. Its matches (or the
 *      (?<id>...) group of a match) become spans; overlaps are settled
 *      leftmost first, then by rule order (file name order, then order in
 *      the file). Each span becomes [CLASS-n].
 *   2. Between spans, a hand-written scanner finds e-mail addresses,
 *      IPv6 and IPv4 addresses and networks, host names and words, in
 *      that order of preference at one position (see "the token scanner").
 *      Each token costs a few hash probes in the sites index, most of them
 *      answered by a small filter; only hits are replaced. No regex ever
 *      holds a site name, so the cost does not depend on the number of
 *      sites.
 *
 * Word tokens ([letters digits _] joined by '.' or '-') are looked up
 *   a) as the start of a multi-word alias ("Queen Mary University of
 *      London", any white space between the words),
 *   b) whole ("EXAMPLE-T2", "T2_XX_Example"),
 *   c) when they hold a '.': each part between dots, as in b) and d)
 *      ("EXAMPLE-T2.log"),
 *   d) split at '_' and '-': the longest run of parts that is a name,
 *      leftmost first ("EXAMPLE-T2_DATADISK" -> "[SITE-1]_DATADISK",
 *      "core-EXAMPLE-T2", "RAL-LCG2" for a site RAL).
 * A name inside a longer part ("general", "RALly") never matches; a short
 * name of letters only ("RAL") inside a compound or a path counts only in
 * capitals ("RAL-LCG2", not "ral_backdoor", "/tmp/.ral/"). A token that is
 * not under a site domain (nor kept) is looked at in anon_tokens.c's
 * compounds: addresses glued into it, reverse zones, a host with a file
 * name glued to it, names among its parts; an attacker host name is never
 * rewritten label by label, and one that embeds a site domain or a
 * distinctive site name is a conflict (the apply fails, alert held).
 *
 * A text with defanged forms, invisible characters, look-alike letters or
 * percent-encoding in it is run over its folded view (anon_fold.c), the replacements written back over the
 * original.
 *
 * Rule patterns are compiled with PCRE2_MATCH_INVALID_UTF: stray bytes of
 * other charsets act as barriers instead of failing the match, and the
 * subject is not re-validated at every call (which would be quadratic).
 * The scanner treats such bytes the same way.
 *
 * This file: the handle's life cycle and limits, and one run (rule spans,
 * then the tokens between them). anon_int.h lists the module's others.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANON_JIT_STACK_MIN (32u << 10)
#define ANON_JIT_STACK_MAX (512u << 10)
#define ANON_HEAP_LIMIT_KIB (32u << 10)   /* interpreter only */

/* ---- small helpers ---- */

char *anon_strndup(const char *p, size_t len)
{
    char *c = malloc(len + 1);

    if (c) {
        memcpy(c, p, len);
        c[len] = '\0';
    }
    return c;
}

static int pcre_err(struct err *e, enum err_code code, const char *what,
                    int rc)
{
    PCRE2_UCHAR msg[256];

    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
        snprintf((char *)msg, sizeof msg, "error %d", rc);
    return err_set(e, code, "%s: %s", what, (char *)msg);
}

/* ---- one run: rules ---- */

static int run_match(const struct anon_run *r, const pcre2_code *code,
                     int jit, size_t end, size_t off)
{
    const PCRE2_SPTR t = (PCRE2_SPTR)r->text;

    if (jit)
        return pcre2_jit_match(code, t, end, off, 0, r->md, r->a->mctx);
    return pcre2_match(code, t, end, off, 0, r->md, r->a->mctx);
}

static int match_fail(struct err *e, const char *what, int rc)
{
    char m[ANON_SHOW_MAX];

    snprintf(m, sizeof m, "%s: match failed (alert held)", what);
    return pcre_err(e, ERR_DATA, m, rc);
}

int anon_spans_push(struct anon_spans *sp, size_t s, size_t e,
                    const struct anon_rule *rule)
{
    if (sp->n == sp->cap) {
        size_t ncap = sp->cap ? sp->cap * 2 : 16;
        struct anon_span *v = realloc(sp->v, ncap * sizeof *v);

        if (v == NULL)
            return -1;
        sp->v = v;
        sp->cap = ncap;
    }
    sp->v[sp->n].start = s;
    sp->v[sp->n].end = e;
    sp->v[sp->n].rule = rule;
    sp->v[sp->n].kind = HIT_RULE;
    sp->v[sp->n].site = -1;
    sp->v[sp->n].is_domain = 0;
    sp->v[sp->n].key[0] = '\0';
    sp->n++;
    return 0;
}

/* Offset of the character after off (UTF-8 continuation bytes skipped). */
static size_t next_char(const char *t, size_t len, size_t off)
{
    off++;
    while (off < len && ((unsigned char)t[off] & 0xc0) == 0x80)
        off++;
    return off;
}

/* Past the deadline of anon_set_deadline: a rule that stays under its
 * PCRE2 limits on each match can still take long over many matches. */
static int anon_late(const struct anon_run *r, const char *what)
{
    struct timespec now;
    const struct timespec *d = &r->a->deadline;

    if (d->tv_sec == 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 0;
    if (now.tv_sec < d->tv_sec ||
        (now.tv_sec == d->tv_sec && now.tv_nsec <= d->tv_nsec))
        return 0;
    return err_set(r->e, ERR_DATA, "%s: over the time budget of one alert "
                   "(alert held)", what);
}

static int rule_spans(struct anon_run *r, const struct anon_rule *rule,
                      struct anon_spans *sp)
{
    size_t off = 0;

    while (off <= r->len) {
        PCRE2_SIZE *ov, s, e;
        int rc = anon_late(r, rule->name);

        if (rc != 0)
            return rc;
        rc = run_match(r, rule->code, rule->jit, r->len, off);

        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0)
            return match_fail(r->e, rule->name, rc);
        ov = pcre2_get_ovector_pointer(r->md);
        s = ov[0];
        e = ov[1];
        if (rule->id_group && rc > rule->id_group
            && ov[2 * rule->id_group] != PCRE2_UNSET) {
            s = ov[2 * rule->id_group];
            e = ov[2 * rule->id_group + 1];
        }
        if (e > s && anon_spans_push(sp, s, e, rule) != 0)
            return err_set(r->e, ERR_NOMEM, "out of memory matching rules");
        off = ov[1] > ov[0] ? ov[1] : next_char(r->text, r->len, ov[0]);
    }
    return 0;
}

static int span_cmp(const void *x, const void *y)
{
    const struct anon_span *a = x, *b = y;

    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* End of the sorted run of spans from i. */
static size_t spans_run(const struct anon_span *v, size_t i, size_t n)
{
    for (i++; i < n && span_cmp(&v[i - 1], &v[i]) <= 0; i++)
        ;
    return i;
}

/* v[i..mid) and v[mid..end) merged into out[i..end), left first on ties */
static void spans_merge(const struct anon_span *v, size_t i, size_t mid,
                        size_t end, struct anon_span *out)
{
    size_t j = mid, k = i;

    while (i < mid && j < end)
        out[k++] = span_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < mid)
        out[k++] = v[i++];
    while (j < end)
        out[k++] = v[j++];
}

/* A stable sort by span_cmp. Each rule's spans come in order, so they are
 * a few sorted runs to merge (qsort cost more than some rules). */
static int spans_sort(struct anon_spans *sp)
{
    struct anon_span *tmp, *src = sp->v, *dst, *t;
    size_t n = sp->n, i, mid, end, runs;

    if (n < 2 || spans_run(sp->v, 0, n) == n)
        return 0;
    tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    dst = tmp;
    do {
        for (runs = 0, i = 0; i < n; i = end, runs++) {
            mid = spans_run(src, i, n);
            end = mid < n ? spans_run(src, mid, n) : n;
            spans_merge(src, i, mid, end, dst);
        }
        t = src;
        src = dst;
        dst = t;
    } while (runs > 1);
    if (src != sp->v)
        memcpy(sp->v, src, n * sizeof *src);
    free(tmp);
    return 0;
}

/* Sorted, overlaps dropped (leftmost, then rule order). */
static int spans_settle(struct anon_run *r, struct anon_spans *sp)
{
    size_t i, n = 0, end = 0;

    if (spans_sort(sp) != 0)
        return err_set(r->e, ERR_NOMEM, "out of memory matching rules");
    for (i = 0; i < sp->n; i++) {
        if (n > 0 && sp->v[i].start < end)
            continue;
        sp->v[n++] = sp->v[i];
        end = sp->v[i].end;
    }
    sp->n = n;
    return 0;
}

/* A span worth looking for again: one word of letters and digits (with
 * '.', '_', '-'), both present, as pool accounts are ("exvo012"). */
static int echo_worthy(const char *p, size_t n)
{
    size_t i;
    int alpha = 0, digit = 0;

    if (n < 4 || n > ANON_ECHO_LEN_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (isalpha(c))
            alpha = 1;
        else if (isdigit(c))
            digit = 1;
        else if (c != '.' && c != '_' && c != '-')
            return 0;
    }
    return alpha && digit;
}

/* Note w[0..len) (a word a rule replaced) for the token pass, once. */
static void echo_note(struct anon_run *r, const char *w, size_t len,
                      const struct anon_rule *rule)
{
    size_t j;

    for (j = 0; j < r->necho; j++)
        if (r->echo[j].len == len && memcmp(r->echo[j].w, w, len) == 0)
            return;
    if (r->necho >= ANON_ECHO_MAX)
        return;
    r->echo[r->necho].w = w;
    r->echo[r->necho].len = len;
    r->echo[r->necho].rule = rule;
    r->necho++;
    r->echo_filter[ANON_ECHO_BIT(w, len) / 64] |=
        1ull << (ANON_ECHO_BIT(w, len) % 64);
}

/* Lower-case letters then digits ("exvo012"): the number of digits, else
 * 0. */
static size_t word_digits(const char *w, size_t n)
{
    size_t i = 0, k;

    while (i < n && islower((unsigned char)w[i]))
        i++;
    if (i == 0 || i == n)
        return 0;
    for (k = i; k < n; k++)
        if (!isdigit((unsigned char)w[k]))
            return 0;
    return n - i;
}

/* "exvo012 and atlas001", "exvo012, atlas001 or cms042": the word of the
 * same shape (letters, then as many digits) listed right after t[end], in
 * [*ws, returned end), or 0 when none is. */
static size_t echo_listed(const struct anon_run *r, size_t start, size_t end,
                          size_t *ws)
{
    const char *t = r->text;
    size_t p = end, q, nd = word_digits(t + start, end - start);

    if (nd == 0)
        return 0;
    if (p < r->len && t[p] == ',')
        p++;
    while (p < r->len && t[p] == ' ')
        p++;
    if (r->len - p > 4 && memcmp(t + p, "and ", 4) == 0)
        p += 4;
    else if (r->len - p > 3 && memcmp(t + p, "or ", 3) == 0)
        p += 3;
    if (p == end || (p > 0 && t[p - 1] != ' '))
        return 0;
    for (q = p; q < r->len && q - p <= ANON_ECHO_LEN_MAX
                && isalnum((unsigned char)t[q]); q++)
        ;
    if ((q < r->len && (t[q] == '_' || t[q] == '-' || isalnum((unsigned char)t[q])))
        || word_digits(t + p, q - p) != nd)
        return 0;
    *ws = p;
    return q;
}

/* A rule that found an account in context ("for exvo012", "/home/
 * exvo012") has told which word is the victim's: the token pass replaces
 * the same word elsewhere in the text too ("and again exvo012"), and the
 * words of the same shape listed right after it ("exvo012 and atlas001";
 * issue 14: the pool rule needs context now). At most ANON_ECHO_MAX
 * distinct words, each with the rule that found it. */
static void rule_echoes(struct anon_run *r, const struct anon_spans *sp)
{
    size_t i, s, e, ws, we;

    for (i = 0; i < sp->n && r->necho < ANON_ECHO_MAX; i++) {
        s = sp->v[i].start;
        e = sp->v[i].end;
        if (sp->v[i].rule == NULL || !echo_worthy(r->text + s, e - s))
            continue;
        echo_note(r, r->text + s, e - s, sp->v[i].rule);
        while (r->necho < ANON_ECHO_MAX
               && (we = echo_listed(r, s, e, &ws)) != 0) {
            echo_note(r, r->text + ws, we - ws, sp->v[i].rule);
            s = ws;
            e = we;
        }
    }
}

/* All rule spans and anon_forms.c's, sorted, overlaps dropped (leftmost,
 * then forms, then rule order), then the words rules identified found
 * again. */
static int run_rule_spans(struct anon_run *r, struct anon_spans *sp)
{
    size_t i;

    for (i = 0; i < r->a->nrules; i++)
        if (rule_spans(r, &r->a->rules[i], sp) != 0)
            return -1;
    if (r->sites && anon_form_spans(r, sp) != 0)
        return -1;
    if (spans_settle(r, sp) != 0)
        return -1;
    rule_echoes(r, sp);
    return 0;
}

static int run_body(struct anon_run *r)
{
    struct anon_spans sp = {NULL, 0, 0};
    size_t i, pos = 0;
    int rc = run_rule_spans(r, &sp);

    for (i = 0; rc == 0 && i < sp.n; i++) {
        const struct anon_span *v = &sp.v[i];
        struct anon_hit h = {v->kind, v->start, v->end, v->site,
                             v->is_domain, v->rule,
                             v->key[0] ? v->key : NULL};

        if (r->sites)
            rc = anon_run_tokens(r, pos, h.start);
        if (rc == 0)
            rc = anon_run_hit(r, &h);
        pos = h.end;
    }
    if (rc == 0 && r->sites)
        rc = anon_run_tokens(r, pos, r->len);
    free(sp.v);
    return rc;
}

/* Room in out for about the whole output (about the input's size) up
 * front: one allocation instead of a dozen reallocations and copies of a
 * growing buffer. buf has no reserve call, so the input is appended and
 * taken back. Past the cap nothing is reserved: the output may still fit,
 * placeholders being shorter than some originals. */
static void out_reserve(struct buf *out, const char *in, size_t len)
{
    size_t out0 = out->len;

    if (out->cap - out0 > len || buf_append(out, in, len) != 0)
        return;
    out->len = out0;
    out->data[out0] = '\0';
}

static int run_apply_text(const struct anon *a, const struct sites *sites,
                          struct anon_map *m, const char *in, size_t len,
                          struct buf *out, struct anon_changes *changes,
                          struct anon_recs *rec, struct err *e)
{
    struct anon_run r = {.a = a, .sites = sites, .m = m, .text = in,
                         .len = len, .out = out, .ch = changes, .line = 1,
                         .e = e, .rec = rec};
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    int rc;

    r.md = pcre2_match_data_create(a->ovec, NULL);
    if (r.md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for match data");
    out_reserve(out, in, len);
    rc = run_body(&r);
    if (rc == 0) {
        rc = buf_append(out, in + r.copied, len - r.copied);
        if (rc != 0)
            rc = anon_buf_fail(e, rc);
    }
    if (rc != 0) {
        /* never a partly anonymised text */
        out->len = out0;
        if (out->data)
            out->data[out0] = '\0';
        anon_changes_truncate(changes, ch0);
    }
    pcre2_match_data_free(r.md);
    return rc;
}

/* The original of each change is the original text's span, defanging
 * and all, not the folded one ("192.0.2[.]45" in `preview --diff`). The
 * run added one record per change, in order. */
static int fold_changes(const char *in, const struct anon_recs *fr,
                        struct anon_changes *ch, size_t ch0, struct err *e)
{
    size_t i;

    for (i = 0; ch && i < fr->n && ch0 + i < ch->n; i++) {
        char *o = anon_strndup(in + fr->v[i].start,
                               fr->v[i].end - fr->v[i].start);

        if (o == NULL)
            return err_set(e, ERR_NOMEM, "out of memory listing changes");
        free(ch->v[ch0 + i].original);
        ch->v[ch0 + i].original = o;
    }
    return 0;
}

/* The replacements of a run over the folded text (fr, in folded
 * offsets) written over the original: each placeholder where its span
 * was, everything else as it was. fr becomes original offsets, and goes
 * to rec too when the caller wants them (HTML). */
static int fold_write(const char *in, size_t len, const struct anon_fold *f,
                      struct anon_recs *fr, struct buf *out,
                      struct anon_recs *rec, struct err *e)
{
    size_t i, pos = 0;
    int rc = 0;

    for (i = 0; rc == 0 && i < fr->n; i++) {
        size_t os = anon_fold_orig(f, fr->v[i].start, 0);
        size_t oe = anon_fold_orig(f, fr->v[i].end, 1);

        if (os < pos)
            os = pos;   /* never: spans grow with the folded text */
        if (oe < os)
            oe = os;
        fr->v[i].start = os;
        fr->v[i].end = oe;
        rc = buf_append(out, in + pos, os - pos);
        if (rc == 0)
            rc = buf_puts(out, fr->v[i].ph);
        if (rc == 0 && rec && anon_recs_push(rec, os, oe, fr->v[i].ph) != 0)
            return err_set(e, ERR_NOMEM, "out of memory for HTML");
        pos = oe;
    }
    if (rc == 0)
        rc = buf_append(out, in + pos, len - pos);
    return rc ? anon_buf_fail(e, rc) : 0;
}

/* A text with defanged forms or invisible characters: one run over its
 * folded view (anon_fold.c), the replacements written over the original. */
static int run_apply_folded(const struct anon *a, const struct sites *sites,
                            struct anon_map *m, const char *in, size_t len,
                            size_t first, struct buf *out,
                            struct anon_changes *changes,
                            struct anon_recs *rec, struct err *e)
{
    struct anon_fold f;
    struct anon_recs fr = {NULL, 0, 0};
    struct buf scratch;
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    size_t rec0 = rec ? rec->n : 0;
    int rc = anon_fold_build(a, &f, in, len, first, e);

    if (rc != 0)
        return rc;
    buf_init(&scratch, out->max);
    rc = run_apply_text(a, sites, m, f.text.data, f.text.len, &scratch,
                        changes, &fr, e);
    if (rc == 0)
        rc = fold_write(in, len, &f, &fr, out, rec, e);
    if (rc == 0)
        rc = fold_changes(in, &fr, changes, ch0, e);
    if (rc != 0) {
        out->len = out0;
        if (out->data)
            out->data[out0] = '\0';
        anon_changes_truncate(changes, ch0);
        if (rec)
            rec->n = rec0;
    }
    buf_free(&scratch);
    free(fr.v);
    anon_fold_free(&f);
    return rc;
}

int anon_run_apply(const struct anon *a, const struct sites *sites,
                   struct anon_map *m, const char *in, size_t len,
                   struct buf *out, struct anon_changes *changes,
                   struct anon_recs *rec, struct err *e)
{
    size_t first = anon_fold_first(a, in, len);

    if (first < len)
        return run_apply_folded(a, sites, m, in, len, first, out, changes,
                                rec, e);
    return run_apply_text(a, sites, m, in, len, out, changes, rec, e);
}

int anon_apply(const struct anon *a, struct anon_map *m, const char *in,
               size_t len, struct buf *out, struct anon_changes *changes,
               struct err *e)
{
    return anon_run_apply(a, a->sites, m, in, len, out, changes, NULL, e);
}

static int scan_text(const struct anon *a, const char *text, size_t len,
                     const char *where, struct err *e)
{
    struct anon_run r = {.a = a, .sites = a->sites, .text = text, .len = len,
                         .line = 1, .where = where, .e = e};
    int rc;

    r.md = pcre2_match_data_create(a->ovec, NULL);
    if (r.md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for match data");
    rc = anon_run_tokens(&r, 0, len);
    pcre2_match_data_free(r.md);
    return rc;
}

/* The scan reads the folded view too: an identifier written defanged or
 * with an invisible character in it is a leak all the same. */
int anon_scan(const struct anon *a, const char *text, size_t len,
              const char *where, struct err *e)
{
    struct anon_fold f;
    size_t first;
    int rc;

    if (a->sites == NULL)
        return 0;
    first = anon_fold_first(a, text, len);
    if (first == len)
        return scan_text(a, text, len, where, e);
    if (anon_fold_build(a, &f, text, len, first, e) != 0)
        return -1;
    rc = scan_text(a, f.text.data, f.text.len, where, e);
    anon_fold_free(&f);
    return rc;
}

/* ---- life cycle ---- */

static void ctab_init(unsigned char *t)
{
    int c;

    for (c = 0; c < 256; c++) {
        unsigned v = 0;

        if (c >= 0x80)
            continue;
        if (isalnum(c) || c == '_')
            v |= CH_W | CH_LOCAL | CH_LABEL | CH_ZONE;
        if (isdigit(c))
            v |= CH_DIGIT;
        if (isxdigit(c))
            v |= CH_HEX;
        if (isalpha(c))
            v |= CH_ALPHA;
        if (c == '.' || c == '%' || c == '+' || c == '-')
            v |= CH_LOCAL;
        if (c == '-')
            v |= CH_LABEL | CH_ZONE;
        if (c == '.')
            v |= CH_ZONE;
        if ((v & CH_LOCAL) || c == ':')
            v |= CH_START;
        t[c] = (unsigned char)v;
    }
}

/* \p{L} or \p{N} for code points with a 2-byte form, asked of PCRE2 once;
 * the rest are asked per character (rare in alerts). */
static int uni_init(struct anon *a, struct err *e)
{
    static const char pat[] = "[\\p{L}\\p{N}]";
    pcre2_match_data *md;
    PCRE2_SIZE off;
    uint32_t cp;
    int code;

    a->uni = anon_pattern_compile(pat, sizeof pat - 1, &a->uni_jit, &code,
                                  &off);
    if (a->uni == NULL)
        return pcre_err(e, ERR_SOFTWARE, "letter pattern", code);
    md = pcre2_match_data_create(1, NULL);
    if (md == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for PCRE2");
    for (cp = 0x80; cp < ANON_UNI2_MAX; cp++) {
        unsigned char u[2] = {(unsigned char)(0xc0 | cp >> 6),
                              (unsigned char)(0x80 | (cp & 0x3f))};

        if (pcre2_match(a->uni, u, 2, 0, PCRE2_ANCHORED, md, NULL) > 0)
            a->uni2[cp >> 3] |= (unsigned char)(1u << (cp & 7));
    }
    pcre2_match_data_free(md);
    return 0;
}

static int anon_setup(struct anon *a, struct err *e)
{
    a->mctx = pcre2_match_context_create(NULL);
    a->jstack = pcre2_jit_stack_create(ANON_JIT_STACK_MIN, ANON_JIT_STACK_MAX,
                                       NULL);
    if (a->mctx == NULL || a->jstack == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for PCRE2");
    pcre2_set_match_limit(a->mctx, ANON_MATCH_LIMIT);
    pcre2_set_depth_limit(a->mctx, ANON_DEPTH_LIMIT);
    pcre2_set_heap_limit(a->mctx, ANON_HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(a->mctx, NULL, a->jstack);
    ctab_init(a->ctab);
    a->ovec = 1;
    if (anon_fold_init(a, e) != 0)
        return -1;
    return uni_init(a, e);
}

int anon_new(struct anon **out, const struct sites *sites,
             const char *rules_dir, struct err *e)
{
    struct anon *a = calloc(1, sizeof *a);

    *out = NULL;
    if (a == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    a->sites = sites;
    if (anon_setup(a, e) != 0
        || (rules_dir && anon_load_dir(a, rules_dir, e))) {
        anon_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void anon_free(struct anon *a)
{
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < a->nrules; i++)
        anon_rule_free(&a->rules[i]);
    free(a->rules);
    pcre2_code_free(a->uni);
    pcre2_match_context_free(a->mctx);
    pcre2_jit_stack_free(a->jstack);
    free(a);
}

/* ---- limits (conf [limits]) ---- */

int anon_set_limits(struct anon *a, const struct anon_limits *l,
                    struct err *e)
{
    size_t max = (size_t)l->jit_stack_kib << 10;
    pcre2_jit_stack *js;

    js = pcre2_jit_stack_create(max < ANON_JIT_STACK_MIN ? max
                                                         : ANON_JIT_STACK_MIN,
                                max, NULL);
    if (js == NULL)
        return err_set(e, ERR_NOMEM, "out of memory for the PCRE2 JIT stack");
    pcre2_jit_stack_assign(a->mctx, NULL, js);
    pcre2_jit_stack_free(a->jstack);
    a->jstack = js;
    pcre2_set_match_limit(a->mctx, (uint32_t)l->match_limit);
    pcre2_set_depth_limit(a->mctx, (uint32_t)l->depth_limit);
    pcre2_set_heap_limit(a->mctx, (PCRE2_SIZE)l->heap_kib);
    return 0;
}

void anon_set_deadline(struct anon *a, long ms)
{
    a->deadline.tv_sec = 0;
    a->deadline.tv_nsec = 0;
    if (ms <= 0 || clock_gettime(CLOCK_MONOTONIC, &a->deadline) != 0)
        return;
    a->deadline.tv_sec += ms / 1000 + (a->deadline.tv_sec == 0);
    a->deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (a->deadline.tv_nsec >= 1000000000L) {
        a->deadline.tv_sec++;
        a->deadline.tv_nsec -= 1000000000L;
    }
}
