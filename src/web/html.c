/* html - escaping and the pages' formatter (html.h). */
#include "web/html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A run of bytes that need nothing is appended at once: pages of
 * thousands of rows spend their time here. */
int html_escape(struct buf *b, const char *text)
{
    const unsigned char *p = (const unsigned char *)text, *run = p;
    const char *ref;

    for (;; p++) {
        switch (*p) {
        case '&': ref = "&amp;"; break;
        case '<': ref = "&lt;"; break;
        case '>': ref = "&gt;"; break;
        case '"': ref = "&quot;"; break;
        case '\'': ref = "&#39;"; break;
        case '\0': ref = NULL; break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                ref = "&#xFFFD;";
            else
                continue;
        }
        if (p > run && buf_append(b, run, (size_t)(p - run)) != 0)
            return -1;
        if (ref == NULL)
            return 0;
        if (buf_puts(b, ref) != 0)
            return -1;
        run = p + 1;
    }
}

int html_fmt(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    const char *p, *run = fmt;
    char num[32];
    int rc = 0;

    va_start(ap, fmt);
    for (p = fmt; rc == 0 && *p; p++) {
        if (*p != '%')
            continue;
        if (p > run)
            rc = buf_append(b, run, (size_t)(p - run));
        p++;
        if (rc != 0 || *p == '\0')
            break;
        if (*p == 's') {
            const char *v = va_arg(ap, const char *);

            rc = html_escape(b, v ? v : "");
        } else if (*p == 'd') {
            snprintf(num, sizeof(num), "%d", va_arg(ap, int));
            rc = buf_puts(b, num);
        } else if (*p == 'D') {
            snprintf(num, sizeof(num), "%" PRId64, va_arg(ap, int64_t));
            rc = buf_puts(b, num);
        } else {
            rc = buf_putc(b, *p);
        }
        run = p + 1;
    }
    if (rc == 0 && *run && p > run)
        rc = buf_append(b, run, (size_t)(p - run));
    va_end(ap);
    return rc;
}
