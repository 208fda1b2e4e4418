/*
 * registry - organisations, contacts, lists, memberships, distributions,
 * officers and sites in the database: the SQL behind the maintenance
 * commands and the look-ups the pipeline makes.
 *
 * Every function that changes something runs as one transaction: on any
 * error nothing is changed. Input is validated first: addresses must look
 * like addr-spec (no white space or control bytes, one '@', at most
 * REGISTRY_ADDR_MAX bytes), fingerprints 40 or 64 hex digits.
 *
 * Errors: ERR_DATA invalid input; ERR_DUP already present; ERR_NOUSER an
 * unknown organisation, contact, list or distribution; ERR_TEMP busy.
 *
 * Ownership: strings are borrowed for the call.
 */
#ifndef AGW_REGISTRY_H
#define AGW_REGISTRY_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "sites.h"
#include "store.h"

#define REGISTRY_ADDR_MAX 254
#define REGISTRY_NAME_MAX 128

int registry_valid_address(const char *addr);
/* Upper-case hex, spaces removed, into out (PGP fingerprint form). */
int registry_norm_fpr(const char *in, char *out, size_t outsz);

int registry_org_add(struct store *s, const char *name, const char *kind,
                     const char *country, struct err *e);

struct registry_contact {
    const char *address;
    const char *name;
    const char *org;            /* NULL: none */
    const char *fingerprint;    /* NULL: none */
};
int registry_contact_add(struct store *s, const struct registry_contact *c,
                         struct err *e);
int registry_contact_rm(struct store *s, const char *address, struct err *e);

struct registry_list {
    const char *name;
    const char *address;
    const char *audience;
    int anonymise;
    const char *template_name;
    const char *attachments;    /* keep | drop | refuse */
    const char *encrypt;        /* never | if-key | always */
};
int registry_list_add(struct store *s, const struct registry_list *l,
                      struct err *e);
int registry_member_add(struct store *s, const char *list,
                        const char *address, struct err *e);

/* lists: comma-separated list names. */
int registry_dist_add(struct store *s, const char *name, const char *address,
                      const char *lists, struct err *e);
/* Look up a distribution by inbound address or by name. */
int registry_dist_find(struct store *s, const char *address, const char *name,
                       int64_t *id, struct err *e);

int registry_officer_add(struct store *s, const char *fpr, const char *name,
                         const char *email, struct err *e);
/* 1 when fpr is an active officer, 0 when not, -1 on error. */
int registry_officer_active(struct store *s, const char *fpr, struct err *e);

/* Replace nothing: add each site of the index not yet present, add the
 * identifiers it lacks. *added counts new sites. */
int registry_sites_import(struct store *s, const struct sites *idx,
                          long *added, struct err *e);
/* Fill idx with every site of the registry. */
int registry_sites_load(struct store *s, struct sites *idx, struct err *e);

/* Print the rows of a query: a header line and tab-separated rows, or a
 * JSON array of objects with the column names as keys. */
int registry_print(struct store *s, const char *sql, const char *arg,
                   int json, FILE *out, struct err *e);

#endif
