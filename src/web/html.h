/*
 * html - the console's HTML: one escaping function for every value that
 * reaches a page, and a formatter that applies it.
 *
 * html_escape writes text with & < > " ' as character references, and
 * every control byte but tab and line break as U+FFFD's reference, so
 * a value can sit between tags or inside a double- or single-quoted
 * attribute alike. html_fmt is the only way the pages write: its format
 * is a literal of the code (markup), and every %s argument is a value
 * that goes through html_escape; %d is an int, %D an int64_t, %% a
 * percent sign. There is no directive for unescaped text: markup that
 * varies is chosen among literals.
 *
 * Errors: -1 when the page's buffer is at its cap (WEB_PAGE_MAX).
 */
#ifndef AGW_HTML_H
#define AGW_HTML_H

#include <stddef.h>

#include "util/buf.h"

int html_escape(struct buf *b, const char *text);
int html_fmt(struct buf *b, const char *fmt, ...);

#endif
