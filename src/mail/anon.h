/*
 * anon - replace victim-site identifiers in UTF-8 text with stable,
 * unmistakable placeholders, and scan text for identifiers that survived.
 *
 * Candidates are found by a hand-written scanner (host names, e-mail
 * addresses, IPv4/IPv6 addresses and CIDR ranges, words and word
 * sequences) and looked up in the sites index, so the cost does not grow
 * with the number of sites. Rule files (rules/NAME.rules, see rules/README)
 * add PCRE2 (JIT) patterns of their own, each with a placeholder class.
 * HTML parts go through anon_apply_html (entities, attributes, comments).
 *
 * Placeholders (never routable, never an address):
 *   site name/alias  [SITE-n]
 *   host name        hostN.siteN.invalid   (domain itself: siteN.invalid)
 *   e-mail address   userN@siteN.invalid
 *   IP address       [IP-n]      network range  [NET-n]
 *   rule class C     [C-n]       (class upper-cased)
 * n counts per class within one anon_map, from 1. The same original
 * (compared case-insensitively) always gets the same placeholder in a map.
 *
 * Ownership: anon borrows the sites index (it must outlive the anon).
 * anon_map owns copies of everything added to it. Strings returned by
 * accessors are borrowed until the next change or free.
 *
 * Limits: PCRE2 match and depth limits and a JIT stack are set; a rule
 * that hits them makes anon_apply fail with ERR_DATA (hold the alert),
 * never produce a partly anonymised text.
 */
#ifndef AGW_ANON_H
#define AGW_ANON_H

#include <stddef.h>

#include "util/err.h"
#include "mail/sites.h"
#include "util/buf.h"
#include "util/limits.h"

#define ANON_MATCH_LIMIT 1000000u
#define ANON_DEPTH_LIMIT 10000u

struct anon;
struct anon_map;

/* rules_dir may be NULL (no rule files). Rule-file errors: ERR_CONFIG with
 * "FILE:LINE: reason" ("FILE: reason" for an unreadable file). Every file
 * is read to its end and every bad line reported, each through err_add()
 * (err.h: the err holds the first, an attached list all of them); then
 * anon_new fails. ERR_NOMEM stops at once. A rules_dir without a *.rules
 * file, or without a rule of each class the shipped rules cover (account,
 * dn), is ERR_CONFIG too. */
int anon_new(struct anon **out, const struct sites *sites,
             const char *rules_dir, struct err *e);
void anon_free(struct anon *a);

struct anon_map *anon_map_new(void);
void anon_map_free(struct anon_map *m);
/* Preload a mapping (from the registry, for updates of an alert id). */
int anon_map_add(struct anon_map *m, const char *cls, const char *original,
                 const char *placeholder, struct err *e);
size_t anon_map_count(const struct anon_map *m);
/* i-th mapping; cls is "site", "host", "email", "ip", "net" or a rule's
 * class. Returns -1 past the end. */
int anon_map_get(const struct anon_map *m, size_t i, const char **cls,
                 const char **original, const char **placeholder);

/* One replacement, for `preview --diff`. */
struct anon_change {
    size_t line;              /* 1-based line of the input */
    char *original;
    char *placeholder;
    char *rule;               /* "site", "host", ... or the rule name */
};
struct anon_changes {
    struct anon_change *v;
    size_t n, cap;
};
void anon_changes_free(struct anon_changes *c);

/* Anonymise in[0..len) into out (appended). changes may be NULL.
 * Defanged forms ([.] (.) {.} [:] [@] [at] [dot]) and invisible
 * characters (soft hyphen, zero-width space and joiners, word joiner) are
 * read as what they stand for; a replacement covers them, the rest of the
 * text stays as written. An attacker host that embeds a site domain or a
 * site's distinctive name fails the apply with ERR_DATA, "conflict:
 * indicator "X" embeds site domain D ..." (the alert is held: replacing
 * it breaks the indicator, keeping it names the victim). */
int anon_apply(const struct anon *a, struct anon_map *m, const char *in,
               size_t len, struct buf *out, struct anon_changes *changes,
               struct err *e);

/* The same for an HTML part: text, entities (&#46; &amp; ...), attribute
 * values and comments are matched as decoded; the output is the input
 * HTML with each replacement written escaped (tags inside a replaced name,
 * as in "cern</b>.ch", are kept after the placeholder). Change lines are
 * those of the HTML. */
int anon_apply_html(const struct anon *a, struct anon_map *m, const char *in,
                    size_t len, struct buf *out, struct anon_changes *changes,
                    struct err *e);

/* Leak check: 0 when text holds no site identifier (keep-list excepted);
 * otherwise -1 with ERR_LEAK and "identifier 'X' (site S) in WHERE". */
int anon_scan(const struct anon *a, const char *text, size_t len,
              const char *where, struct err *e);

/* anon_scan over the decoded text of an HTML part (as anon_apply_html
 * reads it). */
int anon_scan_html(const struct anon *a, const char *text, size_t len,
                   const char *where, struct err *e);

/* Run the examples embedded in the rule files; report to out, one line a
 * failing example. Returns -1 (ERR_CONFIG) when any example fails. */
int anon_rules_test(const struct anon *a, struct buf *out, struct err *e);

/* PCRE2 limits of every rule and token match (conf [limits]). Defaults:
 * ANON_MATCH_LIMIT, ANON_DEPTH_LIMIT, 32 MiB of heap, 512 KiB of JIT
 * stack. A match that hits one fails the apply or scan (ERR_DATA), so the
 * alert is held with the rule named; rules lint/test run under the same
 * limits. ERR_NOMEM when the JIT stack cannot be made. */
struct anon_limits {
    unsigned long match_limit;
    unsigned long depth_limit;
    unsigned long heap_kib;         /* interpreter only */
    unsigned long jit_stack_kib;
};
int anon_set_limits(struct anon *a, const struct anon_limits *l,
                    struct err *e);
/* Time budget: from now on, a rule match started more than ms later fails
 * the apply or scan (ERR_DATA, "RULE: over the time budget of one alert").
 * ms 0 clears it. */
void anon_set_deadline(struct anon *a, long ms);

#endif
