#include "alert.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Count of digits at p, at most max. */
static size_t alert_digits(const char *p, size_t max)
{
    size_t n = 0;

    while (n < max && isdigit((unsigned char)p[n]))
        n++;
    return n;
}

/* Length of an id starting at p (just after "PREFIX-"), 0 if none.
 * Forms: YYYYMMDD-NN, YYYYMMDD, SVG-YYYY-NN, ADV-YYYYMMDD-NN. */
static size_t alert_id_tail(const char *p)
{
    size_t n;

    if (strncmp(p, "SVG-", 4) == 0) {
        if (alert_digits(p + 4, 4) == 4 && p[8] == '-' &&
            alert_digits(p + 9, 3) >= 2)
            return 9 + alert_digits(p + 9, 3);
        return 0;
    }
    if (strncmp(p, "ADV-", 4) == 0) {
        n = alert_id_tail(p + 4);
        return n == 11 || n == 12 ? 4 + n : 0;
    }
    if (alert_digits(p, 9) != 8)
        return 0;
    if (p[8] == '-' && alert_digits(p + 9, 3) >= 2 &&
        alert_digits(p + 9, 3) <= 2)
        return 11;
    return 8;
}

int alert_find_id(const char *text, const char *prefix, char *out,
                  size_t outsz)
{
    size_t plen = strlen(prefix), n;
    const char *p;

    if (plen == 0 || plen > ALERT_PREFIX_MAX)
        return 0;
    for (p = text; (p = strstr(p, prefix)) != NULL; p += plen) {
        if (p > text && isalnum((unsigned char)p[-1]))
            continue;
        if (p[plen] != '-')
            continue;
        n = alert_id_tail(p + plen + 1);
        if (n == 0 || isalnum((unsigned char)p[plen + 1 + n]))
            continue;
        n += plen + 1;
        if (n >= outsz)
            return 0;
        memcpy(out, p, n);
        out[n] = '\0';
        return 1;
    }
    return 0;
}

static const struct {
    const char *word;
    enum alert_tlp tlp;
} alert_tlps[] = {
    /* longest first: AMBER+STRICT before AMBER */
    {"AMBER+STRICT", TLP_AMBER_STRICT},
    {"AMBER", TLP_AMBER},
    {"GREEN", TLP_GREEN},
    {"CLEAR", TLP_CLEAR},
    {"WHITE", TLP_CLEAR},
    {"RED", TLP_RED},
};

static enum alert_tlp alert_tlp_at(const char *p)
{
    size_t i, n;

    p += 3;
    while (*p == ' ')
        p++;
    if (*p != ':')
        return TLP_NONE;
    p++;
    while (*p == ' ')
        p++;
    for (i = 0; i < sizeof(alert_tlps) / sizeof(alert_tlps[0]); i++) {
        n = strlen(alert_tlps[i].word);
        if (strncasecmp(p, alert_tlps[i].word, n) == 0 &&
            !isalnum((unsigned char)p[n]))
            return alert_tlps[i].tlp;
    }
    return TLP_NONE;
}

enum alert_tlp alert_find_tlp(const char *text)
{
    const char *p;
    enum alert_tlp t;

    for (p = text; (p = strcasestr(p, "TLP")) != NULL; p += 3) {
        if (p > text && isalnum((unsigned char)p[-1]))
            continue;
        t = alert_tlp_at(p);
        if (t != TLP_NONE)
            return t;
    }
    return TLP_NONE;
}

const char *alert_tlp_label(enum alert_tlp t)
{
    switch (t) {
    case TLP_CLEAR: return "TLP:CLEAR";
    case TLP_GREEN: return "TLP:GREEN";
    case TLP_AMBER: return "TLP:AMBER";
    case TLP_AMBER_STRICT: return "TLP:AMBER+STRICT";
    case TLP_RED: return "TLP:RED";
    default: return "";
    }
}
