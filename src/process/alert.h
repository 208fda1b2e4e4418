/*
 * alert - what the gateway reads out of an alert's text: its id, its TLP
 * label, its risk and its update number. Lenient in, canonical out. Pure
 * functions over borrowed text; nothing allocated.
 *
 * Ids (prefix configurable, "EGI" here): EGI-YYYYMMDD-NN, [EGI-YYYYMMDD],
 * EGI-SVG-YYYY-NN, EGI-ADV-YYYYMMDD-NN (there the last number counts the
 * advisory's updates, so its thread is EGI-ADV-YYYYMMDD).
 *
 * TLP 2.0 labels: RED, AMBER+STRICT, AMBER, GREEN, CLEAR. Read: any case,
 * "TLP:", "TLP: ", "TLP ", "TLP-" and "TLP_" before the colour, WHITE as
 * CLEAR, "AMBER STRICT"/"AMBER-STRICT"/"AMBER + STRICT" as AMBER+STRICT,
 * and a few common typos (AMBR, AMEBR, GREEN with a letter doubled or
 * dropped). Written: "TLP:AMBER+STRICT" etc.
 */
#ifndef AGW_ALERT_H
#define AGW_ALERT_H

#include "util/limits.h"

#include <stddef.h>

/* First alert id in text; 1 found (id copied to out), 0 none. */
int alert_find_id(const char *text, const char *prefix, char *out,
                  size_t outsz);
/* The thread an id belongs to: the id itself, or for PREFIX-ADV-DATE-NN
 * the id without -NN. out gets at most outsz-1 bytes. */
void alert_thread(const char *id, char *out, size_t outsz);

/* Ordered from least to most restrictive: compare with < and >. */
enum alert_tlp { TLP_NONE = 0, TLP_CLEAR, TLP_GREEN, TLP_AMBER,
                 TLP_AMBER_STRICT, TLP_RED };
/* The first TLP label in text. */
enum alert_tlp alert_find_tlp(const char *text);
/* The most restrictive TLP label anywhere in text (what a copy must carry:
 * never less restrictive than any label of the original). */
enum alert_tlp alert_strictest_tlp(const char *text);
/* "TLP:AMBER+STRICT" etc.; "" for TLP_NONE. */
const char *alert_tlp_label(enum alert_tlp t);
/* A label given by a person or stored: "amber", "TLP:AMBER", "white";
 * TLP_NONE when it is none of them. */
enum alert_tlp alert_tlp_parse(const char *s);

/* "Risk: High", "Risk category - critical", "RISK: Medium": the canonical
 * category (Critical, High, Moderate, Low) copied to out; 0 if none. */
int alert_find_risk(const char *text, char *out, size_t outsz);
/* "UPDATE 2", "Update #3", "update-4": n (1..ALERT_UPDATE_MAX); 0 none. */
int alert_find_update(const char *text);

/* The sites an officer excludes from the affected audience (issue 19):
 * every line of text that starts (after blanks) with "Not-affected:"
 * (any case), its names separated by ',', ';' or blanks. Each name
 * (SITES_NAME_MAX bytes at most; a longer one is skipped) goes through
 * fn with arg; at most ALERT_NOT_AFFECTED_MAX names are read. Returns
 * how many were given to fn. */
size_t alert_not_affected(const char *text,
                          void (*fn)(void *arg, const char *name),
                          void *arg);

#endif
