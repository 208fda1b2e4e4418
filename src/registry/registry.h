/*
 * registry - organisations, contacts, lists, memberships (direct and by
 * rule), distributions, officers and sites in the database: the SQL
 * behind the maintenance commands, the imports and exports, the coverage
 * report, and the look-ups the pipeline makes.
 *
 * Every function that changes something runs as one transaction: on any
 * error nothing is changed. Input is validated first: addresses must look
 * like addr-spec (no white space or control bytes, one '@', at most
 * REGISTRY_ADDR_MAX bytes), fingerprints 40 or 64 hex digits.
 *
 * Imported and manual rows: orgs, contacts and sites carry source
 * 'imported' or 'manual'. An import updates only imported rows; an edit by
 * hand makes a row manual, so no later import overwrites it. Rows of the
 * same origin missing from a new import are reported, never deleted.
 *
 * Errors: ERR_DATA invalid input, or an unknown organisation, contact,
 * list, distribution, officer or site named in a maintenance command; ERR_DUP
 * already present; ERR_NOUSER only from registry_dist_find (the MTA
 * bounces on it); ERR_TEMP busy (after the store's busy timeout).
 *
 * Ownership: strings are borrowed for the call; report streams are the
 * caller's.
 */
#ifndef AGW_REGISTRY_H
#define AGW_REGISTRY_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util/err.h"
#include "registry/gocdb.h"
#include "mail/pgp.h"
#include "mail/sites.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/limits.h"

int registry_valid_address(const char *addr);
/* Upper-case hex, spaces removed, into out (PGP fingerprint form). */
int registry_norm_fpr(const char *in, char *out, size_t outsz);

/* Roles (issue 16). A contact's role and a list rule's role are compared
 * without regard to case: every role is stored in one spelling, ASCII
 * lower case with its white space runs folded to one space and trimmed,
 * so "Security  Officer" reaches a rule for "security officer". The
 * vocabulary below is what the gateway knows (GOCDB's contacts, the
 * README's lists); another role is kept, with a warning from the
 * command that wrote it, as it may be a typing slip no rule matches. */
#define REGISTRY_ROLES "security officer, csirt, abuse, noc, admin"
/* role (NULL: none) in its stored spelling into out (REGISTRY_TEXT_MAX
 * + 1 bytes); ERR_DATA as registry_text for a role too long or holding
 * a control byte. */
int registry_role_norm(const char *role, char *out, struct err *e);
/* 1 when role ("" too), in any case, is one of REGISTRY_ROLES, else 0. */
int registry_role_known(const char *role);

/* For add: NULL means the default (""/none). For edit: NULL means
 * unchanged, and "" clears country or ngi. name in an edit renames. */
struct registry_org {
    const char *name;
    const char *kind;           /* ngi | nren | isp | csirt | site */
    const char *country;
    const char *ngi;            /* a site's NGI (an org of kind ngi) */
};
int registry_org_add(struct store *s, const struct registry_org *o,
                     struct err *e);
int registry_org_edit(struct store *s, const char *name,
                      const struct registry_org *o, struct err *e);
/* Refused while contacts belong to it. */
int registry_org_rm(struct store *s, const char *name, struct err *e);

/* As registry_org for add and edit. active: 1 yes, -1 no, 0 the default
 * (add: active) or unchanged (edit); confirmed 0: never / unchanged. */
struct registry_contact {
    const char *address;
    const char *name;
    const char *org;            /* "" in an edit: none */
    const char *fingerprint;    /* "" in an edit: none */
    const char *role;           /* "security officer", "csirt", ... */
    int active;                 /* 1, -1, or 0 */
    int64_t confirmed;          /* time of confirmation, 0: not given */
};
int registry_contact_add(struct store *s, const struct registry_contact *c,
                         struct err *e);
int registry_contact_edit(struct store *s, const char *address,
                          const struct registry_contact *c, struct err *e);
int registry_contact_rm(struct store *s, const char *address, struct err *e);
/* 1 when a contact has address, 0 when none, -1 on error. */
int registry_contact_known(struct store *s, const char *address,
                           struct err *e);
/* The organisation of the active contact with address (compared without
 * case), and its pinned fingerprint (cut to fsize; "" when none): 1, or 0
 * when there is no such active contact with an organisation. */
int registry_contact_org(struct store *s, const char *address,
                         int64_t *org, char *fpr, size_t fsize,
                         struct err *e);
/* Pin fpr (as GnuPG gave it) for the contact: 1 done, 0 no such contact,
 * -1 on error. One statement; the contact's source stays as it is. */
int registry_contact_pin(struct store *s, const char *address,
                         const char *fpr, struct err *e);

/* For edit: NULL / -1 unchanged. audience_kinds: comma-separated org
 * kinds the list is meant to reach (what coverage checks). */
struct registry_list {
    const char *name;
    const char *address;
    const char *audience;
    int anonymise;
    const char *template_name;
    const char *attachments;    /* keep | drop | refuse */
    const char *encrypt;        /* never | if-key | always */
    const char *audience_kinds;
    const char *indicators;     /* none | csv | stix | both */
};
int registry_list_add(struct store *s, const struct registry_list *l,
                      struct err *e);
int registry_list_edit(struct store *s, const char *name,
                       const struct registry_list *l, struct err *e);
/* `lists add` and `lists edit` as an operator gives them, by the command
 * line's options or the console's form: one implementation of their
 * defaults and checks. Every field NULL when not given; anonymise 1 yes,
 * -1 no, 0 not given. Add needs an address (ERR_USAGE "lists add needs
 * --address"), anonymises unless told not to, and takes the template
 * 'sanitised' ('full' when it does not anonymise) unless one is named;
 * edit changes what is given. The template is checked in templates_dir
 * (render_check_template: its error line) before anything changes. One
 * transaction, as registry_list_add and _edit. */
int registry_list_add_given(struct store *s, const char *templates_dir,
                            const struct registry_list *l, struct err *e);
int registry_list_edit_given(struct store *s, const char *templates_dir,
                             const char *name, const struct registry_list *l,
                             struct err *e);
/* Refused once copies were made for it (they keep pointing at it). */
int registry_list_rm(struct store *s, const char *name, struct err *e);
/* The id of the list named name (ERR_DATA when none). */
int registry_list_id(struct store *s, const char *name, int64_t *id,
                     struct err *e);
/* What the pipeline reads of lists: each prepares a read-only statement
 * in *st that the caller steps (store_step) and finalizes.
 * lists_of: the lists distribution dist feeds, by name; dist < 0: the
 * one list named name. Columns: id, name, address, anonymise, template,
 * attachments, tlp_ceiling, single_org, orgs (organisations among its
 * recipients, a contact without one counting as its own), encrypt,
 * indicators.
 * recipients: the active recipients of list (members and rules), by
 * address then fingerprint. Columns: address, fingerprint ("": none). */
int registry_lists_of(struct store *s, int64_t dist, const char *name,
                      struct store_stmt **st, struct err *e);
int registry_list_recipients(struct store *s, int64_t list,
                             struct store_stmt **st, struct err *e);
int registry_member_add(struct store *s, const char *list,
                        const char *address, struct err *e);
int registry_member_rm(struct store *s, const char *list,
                       const char *address, struct err *e);
/* Rule membership: every active contact whose org is of org_kind and
 * whose role is role ("" matches any), resolved when copies are queued. */
int registry_rule_add(struct store *s, const char *list, const char *org_kind,
                      const char *role, struct err *e);
int registry_rule_rm(struct store *s, const char *list, const char *org_kind,
                     const char *role, struct err *e);

/* lists: comma-separated list names. */
int registry_dist_add(struct store *s, const char *name, const char *address,
                      const char *lists, struct err *e);
/* address and lists NULL: unchanged; lists replaces the set. */
int registry_dist_edit(struct store *s, const char *name, const char *address,
                       const char *lists, struct err *e);
int registry_dist_rm(struct store *s, const char *name, struct err *e);
/* Look up a distribution by inbound address or by name (ERR_NOUSER). */
int registry_dist_find(struct store *s, const char *address, const char *name,
                       int64_t *id, struct err *e);

/* Officers: the keys whose signatures make the gateway speak, pinned by
 * primary fingerprint (any case, spaces allowed; stored upper-case hex).
 * by names who made the change ("officers add by alice"; free text, at
 * most REGISTRY_TEXT_MAX bytes, no control bytes): add records it as
 * added_by with the time as added_at. Each change is one transaction
 * with its row in the audit chain (event officer-added, officer-edited,
 * officer-removed; detail "FPR: what (by)"). ERR_DATA: not a
 * fingerprint, a bad e-mail address, no such officer, an edit that
 * changes nothing; ERR_DUP: already an officer. */
int registry_officer_add(struct store *s, const char *fpr, const char *name,
                         const char *email, const char *by, struct err *e);
/* `officers add` as an operator gives it, by the command line or the
 * console (officer role): key (len bytes, NULL: none) is the officer's
 * public key, imported into p's home first (pgp_import: a secret key is
 * refused) and authorised by its primary fingerprint; fpr, when given
 * too, must be that key's ("ORIGIN holds key X, not Y", origin naming
 * where the key came from). Without a key fpr alone is authorised (the
 * key must reach the home some other way). Neither: ERR_USAGE. The
 * authorised fingerprint into out. The keyring is not part of the
 * transaction: a key imported for a refused officer stays in the home,
 * as `keys import` would leave it. */
int registry_officer_add_key(struct store *s, struct pgp *p, const char *key,
                             size_t len, const char *origin, const char *fpr,
                             const char *name, const char *email,
                             const char *by, char out[PGP_FPR_MAX],
                             struct err *e);
/* For edit: NULL unchanged; active 1 yes, -1 no, 0 unchanged. An
 * inactive officer stays on record, but its signature no longer counts. */
struct registry_officer {
    const char *name;
    const char *email;
    int active;
};
int registry_officer_edit(struct store *s, const char *fpr,
                          const struct registry_officer *o, const char *by,
                          struct err *e);
/* The officer's row goes; alerts it signed keep its fingerprint as their
 * signer (text, no foreign key) and stay as they are. Its key stays in
 * the GnuPG home (a contact may pin it; old alerts are verified by it). */
int registry_officer_rm(struct store *s, const char *fpr, const char *by,
                        struct err *e);
/* 1 when fpr is an active officer, 0 when not, -1 on error. */
int registry_officer_active(struct store *s, const char *fpr, struct err *e);
/* The e-mail address of fpr when it is an active officer; "" when it is
 * not one, or has none on record. out holds n bytes (longer: cut). */
int registry_officer_email(struct store *s, const char *fpr, char *out,
                           size_t n, struct err *e);

/* Sites by hand: ids holds the identifiers to add (site i = 0 of a
 * sites index built by the caller; validates and normalises), org NULL
 * unchanged, "" none. rm_value removes one identifier. Edits make the
 * site manual. */
int registry_site_add(struct store *s, const struct sites *ids,
                      const char *org, struct err *e);
int registry_site_edit(struct store *s, const char *name,
                       const struct sites *ids, const char *rm_value,
                       const char *org, struct err *e);
/* `sites add` and `sites edit` as an operator gives them, by the command
 * line's options or the console's form: the identifiers are validated
 * and normalised by the sites module (what the anonymiser will match is
 * what is stored), then registry_site_add or _edit. alias: one alias;
 * domains, networks: comma-separated (ERR_DATA "bad value in ..." for an
 * empty or overlong one); rm (edit only) one identifier to remove; all
 * NULL when not given, org as above. */
struct registry_site_given {
    const char *name;
    const char *alias;
    const char *domains;
    const char *networks;
    const char *rm;
    const char *org;
};
int registry_site_add_given(struct store *s,
                            const struct registry_site_given *g,
                            struct err *e);
int registry_site_edit_given(struct store *s,
                             const struct registry_site_given *g,
                             struct err *e);
int registry_site_rm(struct store *s, const char *name, struct err *e);
/* The keep-list: host names that stay readable under a site domain. */
int registry_keep(struct store *s, const char *host, int remove,
                  struct err *e);

/* Counts of one import: rows read, and what became of them (for GOCDB
 * these count sites; orgs_added and contacts_* the rest). */
/* What an import did. The caller zeroes it and may set dry_run; the
 * import fills the counts. */
struct registry_import {
    int dry_run;        /* report, then roll back */
    long read, added, updated, unchanged, kept, gone, conflicts;
    long orgs_added, contacts_added, contacts_updated;
    long roles_unknown; /* rows whose role is not in REGISTRY_ROLES */
};
/* Sites of idx, from origin ("file", "gocdb"): new ones added as
 * imported, imported ones brought up to date, manual ones kept; imported
 * sites of that origin missing from idx reported on out. */
int registry_sites_import(struct store *s, const struct sites *idx,
                          const char *origin, FILE *out,
                          struct registry_import *r, struct err *e);
/* GOCDB: the sites as above, plus an org of kind site per site (its NGI
 * the ROC, added as an imported NGI when missing) and its CSIRT_EMAIL as
 * an imported contact with role "csirt". One transaction. */
int registry_gocdb_import(struct store *s, const struct gocdb *g, FILE *out,
                          struct registry_import *r, struct err *e);
/* Fill idx with every site of the registry and the keep-list. */
int registry_sites_load(struct store *s, struct sites *idx, struct err *e);
/* The affected audience of site (issue 19), a read-only statement in
 * *st: the active contacts of the site's organisation, then the active
 * security officers of that organisation's NGI. Columns: address,
 * fingerprint ("": none), kind ('site' or 'ngi'), the organisation's
 * name. No row: the site has neither. */
int registry_site_recipients(struct store *s, const char *site,
                             struct store_stmt **st, struct err *e);
/* 1 when address (any case) is an active recipient of list, else 0;
 * -1 on error. */
int registry_list_has(struct store *s, int64_t list, const char *address,
                      struct err *e);

/* CSV (util/csv), header line first. Export appends to out; import adds
 * new rows and updates existing ones (by address / name), one
 * transaction; errors name origin:line. Columns:
 *   contacts: address,name,org,role,fingerprint,active,source,confirmed
 *   orgs:     name,kind,country,ngi,source
 * confirmed is UTC "YYYY-MM-DDTHH:MM:SSZ" or empty. */
int registry_contacts_export(struct store *s, struct buf *out, struct err *e);
int registry_contacts_import(struct store *s, const char *text, size_t len,
                             const char *origin, struct registry_import *r,
                             struct err *e);
int registry_orgs_export(struct store *s, struct buf *out, struct err *e);
int registry_orgs_import(struct store *s, const char *text, size_t len,
                         const char *origin, struct registry_import *r,
                         struct err *e);

/* What GnuPG says of keys, for `keys list`, `keys check`, `check` and the
 * console's dashboard, in the connection's temporary table
 * keyring(fingerprint, uid, state, expires, can_sign, can_encrypt,
 * exp_at), emptied first, with the TEMP view keys_list over it (who
 * uses each key: gateway, officer, contacts). signers_only: only the
 * gateway's and the active officers' keys, one look-up each (a large
 * keyring of recipients' keys is not listed); else every key of p's
 * home. */
int registry_keys_load(struct store *s, struct pgp *p, int signers_only,
                       struct err *e);
/* The TEMP view keys_check(fingerprint, problem, expires, used_by, uid)
 * over keyring (replaced if there was one): every pinned key (the
 * gateway's, active officers', active contacts') missing from the
 * keyring, revoked, expired, invalid, unable to sign (gateway,
 * officers) or encrypt (contacts), or expiring before now + days. */
int registry_keys_check_view(struct store *s, long days, time_t now,
                             struct err *e);

/* Coverage of one list (NULL: every list) into the connection's temporary
 * table coverage(list, problem, subject, detail), emptied first:
 *   no-recipient a list without any active recipient (member or rule)
 *   no-contact   an org of an audience kind without an active recipient
 *   no-key       a recipient without a usable key on a list that encrypts
 *   key-expiring a pinned key expiring within days
 *   unconfirmed  a recipient not confirmed within days
 *   failed       a recipient with a permanently failed delivery within days
 * key_expiry (may be NULL: no key checks) answers for a fingerprint: 1
 * with *exp (0: never), 0 when the key is unknown, -1 on error. Returns
 * the number of problems, or -1. The caller prints the table. */
typedef int (*registry_key_expiry_fn)(void *ctx, const char *fpr,
                                      time_t *exp, struct err *e);
long registry_coverage(struct store *s, const char *list, long days,
                       time_t now, registry_key_expiry_fn key_expiry,
                       void *ctx, struct err *e);

#endif
