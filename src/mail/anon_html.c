/*
 * anon_html - HTML parts: anon_apply_html and anon_scan_html read an HTML
 * part as a reader sees it and write the replacements back as HTML.
 */
#include "mail/anon.h"
#include "mail/anon_int.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- HTML ----
 *
 * An HTML part is matched as a reader sees it: a shadow text holds the
 * text with entities decoded (&#46; &amp; &nbsp; ...), attribute values and
 * comments, each byte remembering the range of the HTML it came from.
 * Inline tags without attributes (<b>, </span>) take no room, so
 * "cern</b>.ch" reads "cern.ch"; other tags read as a line break, and
 * attribute values and comments are fenced by a byte no token or alias
 * crosses. The rules and lookups run on the shadow; the writer copies the
 * HTML between replacements untouched, writes each placeholder escaped,
 * and keeps the tags a replacement covered, so the output is still HTML.
 * The attribute values of an inline tag are read after the whole text
 * (as the leak detector renders them), so that "EXAM<span class=x>PLE"
 * is one word to the reader and to the scanner (issue 14); the writer
 * puts replacements back in the order of the HTML. */

/* Between attribute values, comments and text: a line break for the
 * rules (which mostly stop at white space), and a byte no token or alias
 * holds. A replacement that still crosses one fails (alert held). */
#define ANON_HTML_FENCE "\n\x01\n"
#define ANON_FENCE_LEN 3

struct html_shadow {
    struct buf s;               /* the text a reader sees */
    size_t *os, *oe;            /* per byte of s: its source [os, oe) */
    size_t cap;
    size_t *later;              /* inline tags with attributes: ts, te */
    size_t nlater, caplater;
};

static int sh_put(struct html_shadow *sh, const char *p, size_t n,
                  size_t os, size_t oe)
{
    size_t i;

    if (sh->s.len + n > sh->cap) {
        size_t ncap = (sh->s.len + n) * 2 + 64;
        size_t *a = realloc(sh->os, ncap * sizeof *a), *b;

        if (a == NULL)
            return -1;
        sh->os = a;
        b = realloc(sh->oe, ncap * sizeof *b);
        if (b == NULL)
            return -1;
        sh->oe = b;
        sh->cap = ncap;
    }
    for (i = 0; i < n; i++) {
        sh->os[sh->s.len + i] = os;
        sh->oe[sh->s.len + i] = oe;
    }
    return buf_append(&sh->s, p, n) == 0 ? 0 : -1;
}

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* &#N; &#xH; (';' optional, as browsers read it) */
static size_t entity_num(const char *p, size_t len, uint32_t *cp)
{
    size_t i = 2;
    int hex = i < len && (p[i] == 'x' || p[i] == 'X'), digits = 0;
    uint32_t v = 0;

    i += (size_t)hex;
    for (; i < len && digits < 8; i++, digits++) {
        int c = (unsigned char)p[i], d;

        if (isdigit(c))
            d = c - '0';
        else if (hex && isxdigit(c))
            d = tolower(c) - 'a' + 10;
        else
            break;
        v = v * (hex ? 16u : 10u) + (uint32_t)d;
    }
    if (digits == 0 || v == 0 || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
        return 0;
    *cp = v;
    return i < len && p[i] == ';' ? i + 1 : i;
}

/* The entity at p ('&'): its length, the decoded bytes in o, *n of them;
 * 0 when it is no entity we read (then it stays as it is). */
static size_t html_entity(const char *p, size_t len, char *o, size_t *n)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
                 {"apos", '\''}, {"nbsp", ' '}, {"period", '.'},
                 {"commat", '@'}, {"colon", ':'}, {"sol", '/'},
                 {"lowbar", '_'}, {"hyphen", '-'}, {"dash", '-'}};
    uint32_t cp = 0;
    size_t k, i, nl;

    if (len > ANON_ENTITY_MAX)
        len = ANON_ENTITY_MAX;
    if (len > 2 && p[1] == '#') {
        k = entity_num(p, len, &cp);
    } else {
        for (k = 0, i = 0; i < sizeof named / sizeof *named; i++) {
            nl = strlen(named[i].name);
            if (len > nl + 1 && memcmp(p + 1, named[i].name, nl) == 0
                && p[nl + 1] == ';') {
                cp = named[i].cp;
                k = nl + 2;
                break;
            }
        }
    }
    if (k)
        *n = utf8_put(cp, o);
    return k;
}

/* Text (or an attribute value) p[from..to) into the shadow, decoded. */
static int sh_text(struct html_shadow *sh, const char *p, size_t from,
                   size_t to)
{
    size_t i = from, run = from, k, n;
    char o[4];

    while (i < to) {
        if (p[i] != '&' || (k = html_entity(p + i, to - i, o, &n)) == 0) {
            i++;
            continue;
        }
        for (; run < i; run++)
            if (sh_put(sh, p + run, 1, run, run + 1) != 0)
                return -1;
        if (sh_put(sh, o, n, i, i + k) != 0)
            return -1;
        i += k;
        run = i;
    }
    for (; run < to; run++)
        if (sh_put(sh, p + run, 1, run, run + 1) != 0)
            return -1;
    return 0;
}

static int is_inline_tag(const char *name, size_t n)
{
    static const char *const tags[] = {"a", "b", "i", "u", "s", "em",
        "strong", "span", "font", "small", "big", "code", "tt", "sub",
        "sup", "abbr", "mark", "q", "wbr", "kbd", "samp", "var", "del",
        "ins", "strike", "cite", "dfn", "bdi", "bdo", "time", "data"};
    size_t i;

    for (i = 0; i < sizeof tags / sizeof *tags; i++)
        if (strlen(tags[i]) == n && strncasecmp(tags[i], name, n) == 0)
            return 1;
    return 0;
}

/* End of the markup at p[i] ('<'): past its '>' (quotes respected), or
 * past "-->" for a comment; len when unterminated. */
static size_t tag_end(const char *p, size_t len, size_t i)
{
    char q = 0;

    if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
        const char *e = memmem(p + i + 4, len - i - 4, "-->", 3);

        return e ? (size_t)(e - p) + 3 : len;
    }
    for (i++; i < len; i++) {
        if (q) {
            q = p[i] == q ? 0 : q;
        } else if (p[i] == '"' || p[i] == '\'') {
            q = p[i];
        } else if (p[i] == '>') {
            return i + 1;
        }
    }
    return len;
}

/* Attribute values of the tag p[ts..te) into the shadow, fenced. */
static int sh_attrs(struct html_shadow *sh, const char *p, size_t ts,
                    size_t te, int *any)
{
    size_t i = ts, vs, ve;

    *any = 0;
    while (i < te) {
        if (p[i] != '=') {
            i++;
            continue;
        }
        for (i++; i < te && isspace((unsigned char)p[i]); i++)
            ;
        if (i < te && (p[i] == '"' || p[i] == '\'')) {
            const char *q = memchr(p + i + 1, p[i], te - i - 1);

            vs = i + 1;
            ve = q ? (size_t)(q - p) : te - 1;
        } else {
            for (vs = i; i < te && !isspace((unsigned char)p[i])
                         && p[i] != '>'; i++)
                ;
            ve = i;
        }
        if (sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, vs, vs) != 0
            || sh_text(sh, p, vs, ve) != 0)
            return -1;
        *any = 1;
        i = ve + 1;
    }
    return 0;
}

/* An inline tag's attributes p[ts..te), read after the text. */
static int sh_later(struct html_shadow *sh, size_t ts, size_t te)
{
    if (sh->nlater == sh->caplater) {
        size_t ncap = sh->caplater ? sh->caplater * 2 : 16;
        size_t *v = realloc(sh->later, 2 * ncap * sizeof *v);

        if (v == NULL)
            return -1;
        sh->later = v;
        sh->caplater = ncap;
    }
    sh->later[2 * sh->nlater] = ts;
    sh->later[2 * sh->nlater + 1] = te;
    sh->nlater++;
    return 0;
}

static int sh_markup(struct html_shadow *sh, const char *p, size_t ts,
                     size_t te)
{
    size_t n = ts + 1, ns;
    int any = 0;

    if (te - ts >= 4 && memcmp(p + ts, "<!--", 4) == 0) {
        size_t ce = te - ts >= 7 ? te - 3 : te;

        return sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, ts, ts)
                       || sh_text(sh, p, ts + 4, ce)
                       || sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, te, te)
                   ? -1 : 0;
    }
    if (n < te && p[n] == '/')
        n++;
    for (ns = n; n < te && isalnum((unsigned char)p[n]); n++)
        ;
    if (is_inline_tag(p + ns, n - ns))
        return sh_later(sh, n, te);
    if (sh_attrs(sh, p, n, te, &any) != 0)
        return -1;
    if (any)
        return sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN, te, te);
    return sh_put(sh, "\n", 1, ts, te);
}

/* The attribute values of the inline tags, after the text. */
static int sh_attrs_later(struct html_shadow *sh, const char *p)
{
    size_t i;
    int any = 0;

    for (i = 0; i < sh->nlater; i++) {
        if (sh_attrs(sh, p, sh->later[2 * i], sh->later[2 * i + 1], &any) != 0)
            return -1;
        if (any && sh_put(sh, ANON_HTML_FENCE, ANON_FENCE_LEN,
                          sh->later[2 * i + 1], sh->later[2 * i + 1]) != 0)
            return -1;
    }
    return 0;
}

static void sh_free(struct html_shadow *sh)
{
    buf_free(&sh->s);
    free(sh->os);
    free(sh->oe);
    free(sh->later);
}

static int sh_build(struct html_shadow *sh, const char *p, size_t len,
                    struct err *e)
{
    size_t i = 0, ts = 0;

    memset(sh, 0, sizeof *sh);
    buf_init(&sh->s, len * 2 + 64);
    while (i < len) {
        if (p[i] == '<' && i + 1 < len
            && (isalpha((unsigned char)p[i + 1]) || p[i + 1] == '/'
                || p[i + 1] == '!' || p[i + 1] == '?')) {
            size_t te = tag_end(p, len, i);

            if (sh_text(sh, p, ts, i) != 0 || sh_markup(sh, p, i, te) != 0)
                goto nomem;
            i = ts = te;
        } else {
            i++;
        }
    }
    if (sh_text(sh, p, ts, len) != 0 || sh_attrs_later(sh, p) != 0
        || buf_append(&sh->s, "", 0) != 0)
        goto nomem;
    return 0;
nomem:
    return err_set(e, ERR_NOMEM, "out of memory reading HTML");
}

static int put_escaped(struct buf *out, const char *s)
{
    int rc = 0;

    for (; *s && rc == 0; s++) {
        if (*s == '&')
            rc = buf_puts(out, "&amp;");
        else if (*s == '<')
            rc = buf_puts(out, "&lt;");
        else if (*s == '>')
            rc = buf_puts(out, "&gt;");
        else if (*s == '"')
            rc = buf_puts(out, "&quot;");
        else
            rc = buf_putc(out, *s);
    }
    return rc;
}

/* The tags inside p[os..oe) (a replaced range), in order. */
static int put_tags(struct buf *out, const char *p, size_t os, size_t oe)
{
    int rc = 0;

    while (rc == 0 && os < oe) {
        const char *lt = memchr(p + os, '<', oe - os);
        size_t te;

        if (lt == NULL)
            break;
        te = tag_end(p, oe, (size_t)(lt - p));
        rc = buf_append(out, lt, te - (size_t)(lt - p));
        os = te;
    }
    return rc;
}

static int rec_cmp(const void *x, const void *y)
{
    const struct anon_rec *a = x, *b = y;

    return a->start < b->start ? -1 : a->start > b->start;
}

/* The replacements as source ranges, in the order of the HTML (those of
 * inline tags' attributes were read last). NULL when memory ran out. */
static struct anon_rec *html_ranges(const struct html_shadow *sh,
                                    const struct anon_recs *rs)
{
    struct anon_rec *v = malloc((rs->n ? rs->n : 1) * sizeof *v);
    size_t i;

    if (v == NULL)
        return NULL;
    for (i = 0; i < rs->n; i++) {
        v[i].start = sh->os[rs->v[i].start];
        v[i].end = sh->oe[rs->v[i].end - 1];
        v[i].ph = rs->v[i].ph;
    }
    qsort(v, rs->n, sizeof *v, rec_cmp);
    return v;
}

static int html_write(const char *in, size_t len,
                      const struct html_shadow *sh,
                      const struct anon_recs *rs, struct buf *out,
                      struct err *e)
{
    struct anon_rec *v;
    size_t i, pos = 0;
    int rc = 0;

    for (i = 0; i < rs->n; i++)
        if (memchr(sh->s.data + rs->v[i].start, '\x01',
                   rs->v[i].end - rs->v[i].start))
            return err_set(e, ERR_DATA, "a replacement crosses HTML markup "
                           "(alert held)");
    if ((v = html_ranges(sh, rs)) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory writing HTML");
    for (i = 0; rc == 0 && i < rs->n; i++) {
        /* a value in a tag that a replaced name covers: the tag would be
         * written back as it was */
        if (v[i].start < pos) {
            free(v);
            return err_set(e, ERR_DATA, "a replacement inside a tag that "
                           "another covers (alert held)");
        }
        rc = buf_append(out, in + pos, v[i].start - pos);
        if (rc == 0)
            rc = put_escaped(out, v[i].ph);
        if (rc == 0)
            rc = put_tags(out, in, v[i].start, v[i].end);
        pos = v[i].end;
    }
    free(v);
    if (rc == 0)
        rc = buf_append(out, in + pos, len - pos);
    return rc ? anon_buf_fail(e, rc) : 0;
}

/* Lines of the changes this call added, in the HTML's own numbering. */
static void html_lines(const char *in, const struct html_shadow *sh,
                       const struct anon_recs *rs, struct anon_changes *ch,
                       size_t ch0)
{
    size_t i, line = 1, pos = 0;

    for (i = 0; ch && i < rs->n && ch0 + i < ch->n; i++) {
        size_t os = sh->os[rs->v[i].start];

        if (os < pos)   /* an inline tag's attribute, read after the text */
            line = 1, pos = 0;
        for (; pos < os; pos++)
            line += in[pos] == '\n';
        ch->v[ch0 + i].line = line;
    }
}

int anon_apply_html(const struct anon *a, struct anon_map *m, const char *in,
                    size_t len, struct buf *out, struct anon_changes *changes,
                    struct err *e)
{
    struct html_shadow sh;
    struct anon_recs rs = {NULL, 0, 0};
    struct buf scratch;
    size_t out0 = out->len, ch0 = changes ? changes->n : 0;
    int rc = sh_build(&sh, in, len, e);

    buf_init(&scratch, out->max);
    if (rc == 0)
        rc = anon_run_apply(a, a->sites, m, sh.s.data, sh.s.len, &scratch,
                            changes, &rs, e);
    if (rc == 0) {
        html_lines(in, &sh, &rs, changes, ch0);
        rc = html_write(in, len, &sh, &rs, out, e);
    }
    if (rc != 0) {
        out->len = out0;
        if (out->data)
            out->data[out0] = '\0';
        anon_changes_truncate(changes, ch0);
    }
    buf_free(&scratch);
    free(rs.v);
    sh_free(&sh);
    return rc;
}

int anon_scan_html(const struct anon *a, const char *text, size_t len,
                   const char *where, struct err *e)
{
    struct html_shadow sh;
    int rc = sh_build(&sh, text, len, e);

    if (rc == 0)
        rc = anon_scan(a, sh.s.data, sh.s.len, where, e);
    sh_free(&sh);
    return rc;
}

