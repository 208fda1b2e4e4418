/*
 * leak_html - step 1 of the leak detector's normal form (leak.h): an HTML
 * part rendered to the text a reader sees, with libxml2, the attributes
 * that carry text after it.
 */
#include "mail/leak_int.h"

#include <string.h>

#include <libxml/HTMLparser.h>


/* Elements after which the text breaks: a name is never split across
 * them by accident, while inline ones (span, b, font, ...) join. */
static int html_block(const xmlNode *n)
{
    static const char *const block[] = {
        "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4",
        "h5", "h6", "table", "ul", "ol", "pre", "blockquote", "hr",
        "title", "dt", "dd", "body", "head", "html", "option", "section",
        "article", "header", "footer", "tbody", "thead",
    };
    size_t i;

    for (i = 0; n->name && i < sizeof(block) / sizeof(block[0]); i++)
        if (strcmp((const char *)n->name, block[i]) == 0)
            return 1;
    return 0;
}

/* Text into out; attribute values, each on a line of its own, into
 * attrs (after the text: "EXAM<span class=x>PLE" is one word). */
static int html_enter(const xmlNode *n, struct buf *out, struct buf *attrs)
{
    const xmlAttr *a;
    const xmlNode *v;
    int rc = 0;

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        return n->content ? buf_puts(out, (const char *)n->content) : 0;
    if (n->type != XML_ELEMENT_NODE)
        return 0;       /* comments and the like: not rendered */
    /* every attribute value on a line of its own: href, src, title, ... */
    for (a = n->properties; a && rc == 0; a = a->next)
        for (v = a->children; v && rc == 0; v = v->next)
            if (v->content)
                rc = buf_puts(attrs, (const char *)v->content) |
                     buf_putc(attrs, '\n');
    return rc;
}

/* HTML5 makes "<!x>", "<?x>" and "</ x>" bogus comments, which a browser
 * does not show; libxml2 2.9 keeps some of them as text. In place, from
 * b[from], each such run up to its '>' is taken out of the rendered text
 * (a "&lt;!x&gt;" of the author's goes too: a name is only joined more). */
static void html_bogus_strip(struct buf *b, size_t from)
{
    size_t r, w, k;
    char *d = b->data;

    for (r = w = from; r < b->len;) {
        if (d[r] == '<' && r + 1 < b->len &&
            (d[r + 1] == '!' || d[r + 1] == '?' ||
             (d[r + 1] == '/' && r + 2 < b->len &&
              !((d[r + 2] | 0x20) >= 'a' && (d[r + 2] | 0x20) <= 'z')))) {
            for (k = r + 2; k < b->len && d[k] != '>' && d[k] != '<'; k++)
                ;
            if (k < b->len && d[k] == '>') {
                r = k + 1;
                continue;
            }
        }
        d[w++] = d[r++];
    }
    b->len = w;
    if (d)
        d[w] = '\0';
}

int leak_html_render(const char *html, size_t len, struct buf *out)
{
    size_t from = out->len;

    htmlDocPtr doc;
    xmlNode *n;
    struct buf attrs;
    int rc = 0;

    if (len > LEAK_TEXT_MAX)
        return -1;
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                         HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                         HTML_PARSE_NONET | HTML_PARSE_RECOVER |
                         HTML_PARSE_IGNORE_ENC);
    if (doc == NULL)
        return 0;       /* nothing rendered: the text is checked as is */
    buf_init(&attrs, LEAK_TEXT_MAX);
    /* a walk without recursion: nesting depth is the sender's choice */
    n = doc->children;
    while (n && rc == 0) {
        rc = html_enter(n, out, &attrs);
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n->type == XML_ELEMENT_NODE && html_block(n))
                rc |= buf_putc(out, '\n');
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (n == NULL || n == (xmlNode *)doc) {
                n = NULL;
                break;
            }
        }
    }
    xmlFreeDoc(doc);
    if (rc == 0)
        html_bogus_strip(out, from);
    if (rc == 0 && attrs.len)
        rc = buf_putc(out, '\n') | buf_append(out, attrs.data, attrs.len);
    buf_free(&attrs);
    return rc == 0 ? 0 : -1;
}
