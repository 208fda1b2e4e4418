/*
 * alert - what the gateway reads out of an alert's text: its id and its
 * TLP label. Lenient in, canonical out.
 *
 * Ids (prefix configurable, "EGI" here): EGI-YYYYMMDD-NN, [EGI-YYYYMMDD],
 * EGI-SVG-YYYY-NN, EGI-ADV-YYYYMMDD-NN. TLP 2.0 labels: RED, AMBER,
 * AMBER+STRICT, GREEN, CLEAR (WHITE is read as CLEAR); "TLP: amber" is
 * read as TLP:AMBER.
 */
#ifndef AGW_ALERT_H
#define AGW_ALERT_H

#include <stddef.h>

#define ALERT_ID_MAX 64
#define ALERT_PREFIX_MAX 16

/* First alert id in text; 1 found (id copied to out), 0 none. */
int alert_find_id(const char *text, const char *prefix, char *out,
                  size_t outsz);

enum alert_tlp { TLP_NONE = 0, TLP_CLEAR, TLP_GREEN, TLP_AMBER,
                 TLP_AMBER_STRICT, TLP_RED };
/* The first TLP label in text. */
enum alert_tlp alert_find_tlp(const char *text);
/* "TLP:AMBER+STRICT" etc.; "" for TLP_NONE. */
const char *alert_tlp_label(enum alert_tlp t);

#endif
