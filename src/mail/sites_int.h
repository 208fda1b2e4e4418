/*
 * sites_int - what the files of the sites module share: the index itself
 * and the steps one file does for another. Private to the sites module
 * (src/mail/sites*.c); other modules use sites.h.
 *
 *   sites.c        the hash tables, life cycle, lookups of words and hosts
 *   sites_build.c  sites, their names, aliases and domains, the keep-list
 *   sites_net.c    addresses and networks
 *   sites_file.c   the sites file
 *
 * Errors as in sites.h: fallible functions return 0 or -1 and fill e when
 * they take one.
 */
#ifndef AGW_SITES_INT_H
#define AGW_SITES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mail/sites.h"
#include "util/err.h"
#include "util/text.h"
#include "util/limits.h"

#define SITES_SLOT_ALIGN 64         /* a cache line: two slots in one */
#define SITES_SNAME 32              /* bytes of a name kept in snames */

enum { SITES_ALIAS, SITES_DOMAIN, SITES_NETWORK, SITES_KINDS };

struct sites_slot;              /* sites.c */

/* The filter holds two bits per key, SITES_FILTER_BITS bits a slot: most
 * lookups in running text miss, and a miss then costs one or two reads of
 * a small bit array instead of probes into the (large, cold) slot array.
 * Tables probed with words of running text also have a prefix filter: a
 * bit per hash of a key's first three bytes, checked on the text itself,
 * so most words are turned away before they are lower-cased and hashed. */
struct sites_tab {
    struct sites_slot *v;
    size_t cap;             /* power of two, 0 before the first insert */
    size_t n;
    uint64_t *filter;       /* cap * SITES_FILTER_BITS bits */
    uint64_t *pfx;          /* 2^SITES_PFX_LOG bits, or NULL: none */
};

struct sites_strv {
    char **v;
    size_t n, cap;
};

struct sites_site {
    char *name;
    struct sites_strv vals[SITES_KINDS];
};

struct sites_net {
    int v6;
    unsigned char addr[16]; /* IPv4 uses the first 4 bytes */
    int plen;
};

struct sites {
    struct sites_site *v;
    size_t n, cap;
    /* Names shorter than SITES_SNAME again, by index, "" for longer ones:
     * the anonymiser reads the name of every site it replaces, and this
     * dense, aligned copy costs one cache miss where v[i].name costs two. */
    char (*snames)[SITES_SNAME];
    struct sites_tab names;
    struct sites_tab phrases;
    struct sites_tab firsts;
    struct sites_tab domains;
    struct sites_tab keep;
    struct sites_tab net4[33];
    struct sites_tab net6[129];
    /* the prefix lengths in use, longest first: an address costs a probe
     * per length in use, not a look at all 129 */
    unsigned char used4[33], used6[129];
    int nused4, nused6;
};

/* White space of a sites file and between the words of an alias; inline,
 * as it runs on every byte of a phrase candidate. */
static inline int sites_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
        || c == '\v';
}

/* sites.c */
/* The value kept for key[0..klen) in t, or -1. */
long sites_tab_get(const struct sites_tab *t, const void *key, size_t klen);
/* Insert or overwrite; the key is copied. -1 when memory ran out or the
 * key or value cannot be held. */
int sites_tab_put(struct sites_tab *t, const void *key, size_t klen,
                  long val);

/* sites_build.c */
/* p[0..len) as a new string at the end of sv; -1 when memory ran out. */
int sites_strv_push(struct sites_strv *sv, const char *p, size_t len);
void sites_strv_free(struct sites_strv *sv);
/* A name or alias, lower-cased and its white space folded, into out
 * (SITES_NAME_MAX + 1 bytes): its length, 0 when empty, -1 when bad. */
long sites_label_norm(const char *p, size_t len, char *out);
/* The site that owns a normalised name or alias, or -1. */
long sites_label_owner(const struct sites *s, const char *norm, size_t len);
/* The same, but -1 too for a spelling of another name (sites_build.c's
 * variants): a name or an alias being added may take that over. */
long sites_label_real_owner(const struct sites *s, const char *norm,
                            size_t len);
/* A DNS domain, lower-cased and without the final dot, into out
 * (SITES_NAME_MAX + 1 bytes): its length, or -1 when it is none. */
long sites_domain_norm(const char *p, size_t len, char *out);
/* ERR_SOFTWARE (-1) when idx is no site of s, else 0. */
int sites_bad_idx(const struct sites *s, size_t idx, struct err *e);
/* ERR_DUP: what p already belongs to site owner; -1. */
int sites_dup_err(const struct sites *s, long owner, const char *what,
                  const char *p, struct err *e);

/* sites_net.c */
/* "addr[/len|/mask]" into n, masked; a bare address is a host network.
 * -1 when it is none. */
int sites_net_parse(const char *p, size_t len, struct sites_net *n);
/* The site that owns exactly network n, or -1. */
long sites_net_owner(const struct sites *s, const struct sites_net *n);
/* Why n cannot be a site's network (its prefix is shorter than
 * SITES_NET4_PREFIX_MIN or SITES_NET6_PREFIX_MIN), or NULL when it can.
 * Checked wherever a network enters an index: a sites file, the
 * registry, a GOCDB document, the command line. */
const char *sites_net_too_wide(const struct sites_net *n);

#endif
