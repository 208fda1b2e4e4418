/*
 * leak - an independent check that a text names no victim site: the last
 * step before a copy for an anonymised list is signed (process/copy.c).
 *
 * It is built differently from the anonymiser (mail/anon*.c) on purpose,
 * so that a form the anonymiser's scanner does not see is still caught:
 * the text is first brought to one normal form, and every registered
 * identifier is brought to the same form, then found with one automaton.
 *
 *   1. HTML (LEAK_HTML) is rendered to text by libxml2's HTML parser:
 *      text and attribute values, tags and comments gone, so a name split
 *      by "<span class=x>" or "<!-- -->" is whole again.
 *   2. Placeholders the anonymiser writes ([SITE-1], host1.site1.invalid,
 *      user1@site1.invalid, site1.invalid) become a separator: never a
 *      leak.
 *   3. Percent-encoding and character references are decoded.
 *   4. Each code point is folded (libicu): NFKC with case folding, default
 *      ignorable code points (soft hyphen, zero-width characters) and
 *      combining marks dropped, a non-ASCII letter that looks like a Latin
 *      one (Cyrillic, Greek: Unicode's confusable skeleton) taken as that
 *      letter, U+3002 and U+FF61 as '.'.
 *   5. Defanging undone: [.] (.) {.} [dot] [at] [:] [://], " dot " and
 *      " at " between words, hxxp.
 *   6. Every run of what is not a letter or digit becomes one space.
 *
 * Site names, aliases and domains (step 6's form, also names written
 * without separators and domains as DC= components) are found with an
 * Aho-Corasick automaton (util/ac.c), whole words only; a domain inside a
 * kept host (sites_keep) is not a leak. Addresses are parsed from step 5's
 * form and tested against the site networks (sites_lookup_addr,
 * sites_lookup_net): IPv4 dotted or with '-' or '_' (PTR names, file
 * names), reversed before in-addr.arpa, as one integer or in hex or octal
 * parts in a URL host; IPv6 in any form and as ip6.arpa nibbles. A DN
 * (two or more attribute=value components, one of DC, CN, OU, UID,
 * separated by '/', ',' or ';') is a leak wherever it is.
 *
 * Cost: per text, linear in its length whatever the number of sites; 13
 * bytes of working memory per byte of text (LEAK_TEXT_MAX bounds it).
 *
 * The handle keeps a memo of folded code points, so a check changes it:
 * build it once (gateway_anon, before any sandboxed child is forked: the
 * child inherits it, ICU and libxml2 loaded, and so opens no file), use it
 * from one thread.
 *
 * Ownership: borrows the sites index, which must outlive it.
 */
#ifndef AGW_LEAK_H
#define AGW_LEAK_H

#include <stddef.h>

#include "mail/sites.h"
#include "util/err.h"
#include "util/limits.h"    /* LEAK_TEXT_MAX, LEAK_SHOW_MAX, ... */

/* Flags of leak_check. */
#define LEAK_HTML 1     /* render as HTML first */
#define LEAK_MIME 2     /* a whole MIME message: base64 body lines skipped
                           (their parts are checked decoded) */

struct leak;

/* The automaton of every name, alias and domain of s; ICU and libxml2
 * opened and warmed. ERR_NOMEM, or ERR_SOFTWARE when ICU fails. */
int leak_new(struct leak **out, const struct sites *s, struct err *e);
void leak_free(struct leak *l);

/* 0 when text[0..len) names no site. Otherwise -1 with ERR_LEAK and one
 * line: 'leak: site EXAMPLE-T2 as "EXAM<U+00AD>PLE-T2" in WHERE' (the
 * first finding; the form as found, code points outside printable ASCII
 * written <U+XXXX>). ERR_TOOBIG past LEAK_TEXT_MAX, ERR_NOMEM. */
int leak_check(struct leak *l, const char *text, size_t len, int flags,
               const char *where, struct err *e);

/* 1 when p[0..len) reads as text (valid UTF-8, no NUL or other C0 control
 * but tab, CR, LF, FF): such a part is checked as text whatever its type. */
int leak_is_text(const char *p, size_t len);

#endif
