/*
 * registry_int - what the registry's files share: the checks of what a
 * command is given, ids by name, one column of one row, the end of a
 * write's transaction, the pieces two kinds of import have in common,
 * and the verbs by which a table's owner (the one file with its SQL)
 * lets the imports, the export and coverage read and write it.
 * Private to src/registry/; other modules use registry.h.
 *
 * Errors and ownership as in registry.h: fallible functions return 0 or
 * -1 and fill e; strings are borrowed for the call.
 */
#ifndef AGW_REGISTRY_INT_H
#define AGW_REGISTRY_INT_H

#include <stdint.h>
#include <stdio.h>

#include "registry/registry.h"

/* registry.c: checks and look-ups */
int registry_end(struct store *s, int rc, struct err *e);
/* An import's end: as registry_end, but a dry run rolls back what it
 * did (and counted) and succeeds. */
int registry_import_end(struct store *s, const struct registry_import *r,
                        int rc, struct err *e);
int registry_one_of(const char *v, const char *const *set);
int registry_text(const char *v, const char *what, struct err *e);
int registry_name(const char *v, const char *what, struct err *e);
int registry_kind(const char *kind, int empty_ok, struct err *e);
int registry_address(const char *a, struct err *e);
int registry_id(struct store *s, const char *sql, const char *v,
                const char *what, int64_t *id, struct err *e);
int registry_row(struct store *s, const char *sql, const char *name,
                 int64_t *id, int *manual, struct err *e);
int registry_set(struct store *s, const char *table, const char *col,
                 int64_t id, const char *v, struct err *e);
int registry_set_int(struct store *s, const char *table,
                     const char *col, int64_t id, int64_t v,
                     struct err *e);

/* lists.c: coverage's questions of the lists (list NULL: every list).
 * gaps inserts into temp.coverage, made by the caller, the problems SQL
 * finds alone (no-contact, no-key without a pin, unconfirmed and failed
 * since the time since); keys prepares the recipients with a pinned key,
 * columns list, encrypt, address, fingerprint, for the caller to step
 * and finalize; it reads the recipients gaps gathered (temp.coverage_rcpt),
 * so it comes after gaps. */
int registry_list_gaps(struct store *s, const char *list, int64_t since,
                       struct err *e);
int registry_list_keys(struct store *s, const char *list,
                       struct store_stmt **st, struct err *e);

/* orgs.c: an organisation's id by name (ERR_DATA when none); the id of
 * one that must be an NGI ("" or NULL: 0, none); its id and whether it is
 * manual (1 found, 0 none). */
int registry_org_id(struct store *s, const char *name, int64_t *id,
                    struct err *e);
int registry_ngi_id(struct store *s, const char *ngi, int64_t *id,
                    struct err *e);
/* 1 when organisation id's kind, country or NGI is not what an import
 * brings (an empty country or NGI 0 brings nothing), 0 when it is. */
int registry_org_differs(struct store *s, int64_t id, const char *kind,
                         const char *country, int64_t ngi, struct err *e);
int registry_org_lookup(struct store *s, const char *name, int64_t *id,
                        int *manual, struct err *e);
/* The CSV import: id 0 adds the organisation (origin csv), else row id
 * gets these values; set_ngi gives the one named name its NGI (0: none). */
int registry_org_csv(struct store *s, int64_t id, const char *name,
                     const char *kind, const char *country, const char *src,
                     struct err *e);
int registry_org_set_ngi(struct store *s, const char *name, int64_t ngi,
                         struct err *e);
/* GOCDB: *id 0 adds the organisation as imported and sets *id; else row
 * *id gets kind, and country and NGI where given. */
int registry_org_gocdb(struct store *s, int64_t *id, const char *name,
                       const char *kind, const char *country, int64_t ngi,
                       struct err *e);
/* Statements for the caller to step and finalize: every organisation as
 * the CSV has it (name, kind, country, ngi, source); the names of
 * imported ones of origin that the current import has not seen. */
int registry_orgs_rows(struct store *s, struct store_stmt **st,
                       struct err *e);
int registry_orgs_unseen(struct store *s, const char *origin,
                         struct store_stmt **st, struct err *e);

/* contacts.c: a fingerprint, normalised ("" or NULL gives ""); a
 * contact's id by address (ERR_DATA when none); its id and whether it is
 * manual (1 found, 0 none); the number of contacts of organisation org. */
int registry_fpr(const char *in, char out[80], struct err *e);
int registry_contact_id(struct store *s, const char *addr, int64_t *id,
                        struct err *e);
int registry_contact_lookup(struct store *s, const char *addr, int64_t *id,
                            int *manual, struct err *e);
int registry_contacts_in_org(struct store *s, int64_t org, int64_t *n,
                             struct err *e);
/* A contact as a CSV import writes it, every field set: fingerprint
 * normalised, org an id or 0. id 0 adds it (origin csv), else row id
 * becomes rec. */
struct registry_contact_rec {
    const char *address, *name, *role, *fingerprint, *source;
    int64_t org, confirmed;
    int active;
};
int registry_contact_csv(struct store *s, int64_t id,
                         const struct registry_contact_rec *rec,
                         struct err *e);
/* An address from GOCDB for organisation org (0: none) with its role
 * (csirt for a site's CSIRT_EMAIL, security officer for an NGI's
 * SECURITY_EMAIL): id 0 adds it as imported, else row id gets the org
 * and the role. */
int registry_contact_gocdb(struct store *s, int64_t id, const char *addr,
                           int64_t org, const char *role, struct err *e);
/* Statements for the caller to step and finalize: every contact as the
 * CSV has it (address, name, org, role, fingerprint, active, source,
 * confirmed); the addresses of imported contacts of origin that the
 * current import has not seen (temp.import_seen). */
int registry_contacts_rows(struct store *s, struct store_stmt **st,
                           struct err *e);
int registry_contacts_unseen(struct store *s, const char *origin,
                             struct store_stmt **st, struct err *e);

/* sites_db.c: a site's id and whether it is manual (1 found, 0 none);
 * the site other than sid that holds identifier v of kind (as its value,
 * or as its name when kind is alias): 1 with its name in name (n bytes,
 * cut), 0 none; one identifier added (kept by its holder when another
 * site has it); an imported site's imported identifiers let go; a site's
 * identifiers and org as one text, to tell an update from no change;
 * an imported site written (*sid 0: added, *sid set; else its origin
 * and org); the names of imported sites of origin that the current
 * import has not seen, a statement to step and finalize. */
int registry_site_lookup(struct store *s, const char *name, int64_t *id,
                         int *manual, struct err *e);
int registry_site_id_holder(struct store *s, int64_t sid, const char *kind,
                            const char *v, char *name, size_t n,
                            struct err *e);
int registry_site_id_add(struct store *s, int64_t sid, const char *kind,
                         const char *v, const char *src, struct err *e);
int registry_site_ids_release(struct store *s, int64_t sid, struct err *e);
int registry_site_sig(struct store *s, int64_t sid, struct buf *out,
                      struct err *e);
int registry_site_imported(struct store *s, int64_t *sid, const char *name,
                           const char *origin, int64_t org, struct err *e);
int registry_sites_unseen(struct store *s, const char *origin,
                          struct store_stmt **st, struct err *e);

/* sites_import.c: a site's identifiers, the start of every import, and
 * the check that the sites still load */
int registry_site_ids(struct store *s, int64_t sid,
                      const struct sites *idx, size_t i,
                      const char *src, FILE *out,
                      struct registry_import *r, struct err *e);
int registry_import_start(struct store *s, struct registry_import *r,
                          struct err *e);
int registry_sites_verify(struct store *s, struct err *e);

/* csv_io.c: a time as YYYY-MM-DDTHH:MM:SSZ, "" for none */
void registry_time_text(int64_t t, char out[32]);

#endif
