/*
 * sites - the index of victim sites: names, aliases, DNS domains, networks,
 * and the keep-list of shared service host names.
 *
 * Built once (from a sites file, or entry by entry from the registry), then
 * read-only: lookups do not allocate and cost the same whatever the number
 * of sites (hash tables and a prefix table, never a scan of all sites).
 *
 * Sites file format (DESIGN.md): one site a line; first token the site
 * name; then, in any order, aliases in double quotes, DNS domains, networks
 * in CIDR (IPv4 or IPv6). '#' starts a comment. Errors name FILE:LINE,
 * one per bad line.
 *
 * Ownership: strings passed in are copied. Pointers returned by the
 * accessors are borrowed from the index and live until sites_free().
 */
#ifndef AGW_SITES_H
#define AGW_SITES_H

#include <stddef.h>

#include "util/err.h"
#include "util/limits.h"

struct sites;

struct sites *sites_new(void);
void sites_free(struct sites *s);

/* Parse sites-file text; origin names it in errors ("sites.txt:12: ...").
 * A bad line is reported (ERR_DATA, through err_add: every bad line on its
 * own, see err.h) and skipped, and the rest of the text still read; the
 * result is then -1 though the good lines were added. ERR_NOMEM, or
 * ERR_TOOBIG past SITES_MAX sites, stop at that line. */
int sites_load_text(struct sites *s, const char *text, size_t len,
                    const char *origin, struct err *e);
int sites_load_file(struct sites *s, const char *path, struct err *e);

/* Programmatic building (from the registry). sites_add returns the new
 * site's index in *idx. ERR_DUP for a name already present, ERR_DATA for
 * a malformed domain or network. */
int sites_add(struct sites *s, const char *name, size_t *idx, struct err *e);
int sites_add_alias(struct sites *s, size_t idx, const char *alias,
                    struct err *e);
int sites_add_domain(struct sites *s, size_t idx, const char *domain,
                     struct err *e);
int sites_add_network(struct sites *s, size_t idx, const char *cidr,
                      struct err *e);
/* A host name that stays readable even under a site domain. */
int sites_keep(struct sites *s, const char *host, struct err *e);

size_t sites_count(const struct sites *s);
const char *sites_name(const struct sites *s, size_t idx);
/* kind: 'a' alias, 'd' domain, 'n' network (as normalised CIDR text).
 * Returns the j-th value of that kind for site idx, NULL past the end. */
const char *sites_value(const struct sites *s, size_t idx, int kind,
                        size_t j);

/* Lookups. Each returns the site index, or -1 when not a site identifier.
 * name: a whole word, compared without regard to case (names and
 *       single-word aliases).
 * host: a DNS name (trailing dot and case ignored); matches a site domain
 *       or any name under it, unless the name is on the keep-list.
 * addr: IPv4 or IPv6 text in any form (compressed, full, leading zeros,
 *       IPv4-mapped); matches when inside a site network. */
long sites_lookup_name(const struct sites *s, const char *w, size_t len);
long sites_lookup_host(const struct sites *s, const char *h, size_t len);
long sites_lookup_addr(const struct sites *s, const char *a, size_t len);

/* Additions for anon (and for importers). */

/* Like sites_lookup_host; on a hit *dlen is the length of the site domain
 * that matched (equal to the host's length, trailing dot not counted, when
 * the host is the domain itself). */
long sites_match_host(const struct sites *s, const char *h, size_t len,
                      size_t *dlen);
/* 1 when the host name (trailing dot and case ignored) is on the
 * keep-list, else 0. */
int sites_is_kept(const struct sites *s, const char *h, size_t len);
/* A network in text ("192.0.2.0/24", "192.0.2.0/255.255.255.0",
 * "2001:db8::/48"): the site whose network holds its first address. */
long sites_lookup_net(const struct sites *s, const char *cidr, size_t len);
/* Multi-word aliases (names and aliases with white space). t[0..len) starts
 * at a word; matches the longest such alias at the start of t, words
 * compared without regard to case, any run of white space (line breaks
 * too) between them, and no letter, digit or '_' right after. Returns the
 * site and the matched length in *mlen, or -1. Costs one hash probe for
 * the first word, then a compare per alias sharing that first word. */
long sites_match_phrase(const struct sites *s, const char *t, size_t len,
                        size_t *mlen);
/* A word token t[0..wlen) with the text after it up to t[len]: the site
 * of the longest multi-word alias starting at t (as sites_match_phrase),
 * else of the name t[0..wlen) (as sites_lookup_name); *mlen is the length
 * matched. -1 when neither. One pass and one hash for both. */
long sites_match_word(const struct sites *s, const char *t, size_t wlen,
                      size_t len, size_t *mlen);
/* Canonical text of an address or network in any form accepted above
 * (IPv4-mapped IPv6 becomes IPv4, "/dotted-mask" becomes "/len"); out
 * holds SITES_ADDR_TEXT_MAX bytes. -1 when a is not an address. Pure. */
int sites_addr_canon(const char *a, size_t len, char *out);

#endif
