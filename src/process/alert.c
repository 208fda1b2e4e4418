#include "process/alert.h"
#include "util/limits.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
    if (p[8] == '-' && alert_digits(p + 9, 3) >= 2)
        return 9 + alert_digits(p + 9, 3);
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

void alert_thread(const char *id, char *out, size_t outsz)
{
    const char *adv = strstr(id, "-ADV-");
    size_t n = strlen(id);

    /* PREFIX-ADV-YYYYMMDD-NN: NN counts updates of one advisory */
    if (adv && n > 3 && id[n - 3] == '-' && adv + 5 + 8 == id + n - 3)
        n -= 3;
    if (outsz == 0)
        return;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, id, n);
    out[n] = '\0';
}

/* Colours and the misspellings seen often enough in real mail to accept;
 * AMBER+STRICT is AMBER followed by STRICT (see alert_tlp_strict). */
static const struct {
    const char *word;
    enum alert_tlp tlp;
} alert_tlps[] = {
    {"AMBER", TLP_AMBER}, {"AMBR", TLP_AMBER}, {"AMEBR", TLP_AMBER},
    {"AMBRE", TLP_AMBER}, {"ABMER", TLP_AMBER},
    {"GREEN", TLP_GREEN}, {"GREN", TLP_GREEN}, {"GRREN", TLP_GREEN},
    {"GEEN", TLP_GREEN}, {"GREEEN", TLP_GREEN},
    {"CLEAR", TLP_CLEAR}, {"CLAER", TLP_CLEAR}, {"CLEAER", TLP_CLEAR},
    {"WHITE", TLP_CLEAR}, {"WHTE", TLP_CLEAR}, {"WITHE", TLP_CLEAR},
    {"RED", TLP_RED},
};

static int alert_word_end(const char *p)
{
    return !isalnum((unsigned char)*p) && *p != '_';
}

/* After AMBER: "+STRICT", " STRICT", "-STRICT", " + STRICT". */
static int alert_tlp_strict(const char *p)
{
    size_t n = 0;

    while (n < ALERT_TLP_SEP_MAX && p[n] && strchr(" +-_", p[n]))
        n++;
    if (n == 0)
        return 0;
    p += n;
    return (strncasecmp(p, "STRICT", 6) == 0 && alert_word_end(p + 6)) ||
           (strncasecmp(p, "STRCT", 5) == 0 && alert_word_end(p + 5));
}

/* The colour at p, else TLP_NONE. */
static enum alert_tlp alert_colour(const char *p)
{
    size_t i, n;

    for (i = 0; i < sizeof(alert_tlps) / sizeof(alert_tlps[0]); i++) {
        n = strlen(alert_tlps[i].word);
        if (strncasecmp(p, alert_tlps[i].word, n) != 0 ||
            !alert_word_end(p + n))
            continue;
        if (alert_tlps[i].tlp == TLP_AMBER && alert_tlp_strict(p + n))
            return TLP_AMBER_STRICT;
        return alert_tlps[i].tlp;
    }
    return TLP_NONE;
}

/* p at "TLP": a separator (":", ": ", " ", "-", "_", "=") and a colour. */
static enum alert_tlp alert_tlp_at(const char *p)
{
    size_t n = 0;

    p += 3;
    while (n < ALERT_TLP_SEP_MAX && p[n] && strchr(" :-_=", p[n]))
        n++;
    if (n == 0)
        return TLP_NONE;
    return alert_colour(p + n);
}

static enum alert_tlp alert_scan_tlp(const char *text, int strictest)
{
    const char *p;
    enum alert_tlp t, best = TLP_NONE;

    for (p = text; (p = strcasestr(p, "TLP")) != NULL; p += 3) {
        if (p > text && isalnum((unsigned char)p[-1]))
            continue;
        t = alert_tlp_at(p);
        if (t != TLP_NONE && !strictest)
            return t;
        if (t > best)
            best = t;
    }
    return best;
}

enum alert_tlp alert_find_tlp(const char *text)
{
    return alert_scan_tlp(text, 0);
}

enum alert_tlp alert_strictest_tlp(const char *text)
{
    return alert_scan_tlp(text, 1);
}

enum alert_tlp alert_tlp_parse(const char *s)
{
    enum alert_tlp t;

    if (strncasecmp(s, "TLP", 3) == 0)
        t = alert_tlp_at(s);
    else
        t = alert_colour(s);
    /* a stored or typed label is exact: nothing may follow it */
    if (t == TLP_NONE)
        return TLP_NONE;
    if (strcasecmp(s, alert_tlp_label(t)) == 0 ||
        strcasecmp(s, alert_tlp_label(t) + 4) == 0 ||
        strcasecmp(s, "WHITE") == 0 || strcasecmp(s, "TLP:WHITE") == 0)
        return t;
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

static const struct {
    const char *word;
    const char *canon;
} alert_risks[] = {
    {"critical", "Critical"}, {"high", "High"}, {"moderate", "Moderate"},
    {"medium", "Moderate"}, {"low", "Low"},
};

/* p just after "risk": up to a few words of ":", "-", "category",
 * "level", then the category. */
static const char *alert_risk_at(const char *p)
{
    const char *end = p + ALERT_RISK_GAP_MAX;
    size_t i, n;

    while (p < end && *p && *p != '\n') {
        for (i = 0; i < sizeof(alert_risks) / sizeof(alert_risks[0]); i++) {
            n = strlen(alert_risks[i].word);
            if (strncasecmp(p, alert_risks[i].word, n) == 0 &&
                alert_word_end(p + n) &&
                !isalnum((unsigned char)p[-1]))
                return alert_risks[i].canon;
        }
        p++;
    }
    return NULL;
}

int alert_find_risk(const char *text, char *out, size_t outsz)
{
    const char *p, *canon;

    for (p = text; (p = strcasestr(p, "risk")) != NULL; p += 4) {
        if (p > text && isalnum((unsigned char)p[-1]))
            continue;
        canon = alert_risk_at(p + 4);
        if (canon == NULL)
            continue;
        snprintf(out, outsz, "%s", canon);
        return 1;
    }
    return 0;
}

int alert_find_update(const char *text)
{
    const char *p, *q;
    size_t d;
    long n;

    for (p = text; (p = strcasestr(p, "update")) != NULL; p += 6) {
        if (p > text && isalnum((unsigned char)p[-1]))
            continue;
        q = p + 6;
        while (*q == ' ' || *q == '#' || *q == '-' || *q == ':')
            q++;
        if (q == p + 6 || q > p + 6 + 3)
            continue;
        d = alert_digits(q, 4);
        if (d == 0 || d > 3 || isalnum((unsigned char)q[d]))
            continue;
        n = strtol(q, NULL, 10);
        if (n >= 1 && n <= ALERT_UPDATE_MAX)
            return (int)n;
    }
    return 0;
}

/* A name of a Not-affected: line, [p, p+n), to fn; 1 when given. */
static int alert_name_out(const char *p, size_t n,
                          void (*fn)(void *arg, const char *name), void *arg)
{
    char name[SITES_NAME_MAX + 1];

    if (n == 0 || n > SITES_NAME_MAX)
        return 0;
    memcpy(name, p, n);
    name[n] = '\0';
    fn(arg, name);
    return 1;
}

size_t alert_not_affected(const char *text,
                          void (*fn)(void *arg, const char *name),
                          void *arg)
{
    static const char key[] = "not-affected:";
    const char *p = text, *end;
    size_t got = 0, n;

    while (*p && got < ALERT_NOT_AFFECTED_MAX) {
        p += strspn(p, " \t");
        end = p + strcspn(p, "\n");
        if (strncasecmp(p, key, sizeof(key) - 1) == 0) {
            for (p += sizeof(key) - 1; p < end &&
                 got < ALERT_NOT_AFFECTED_MAX; p += n) {
                p += strspn(p, " \t\r,;");
                if (p >= end)
                    break;
                n = strcspn(p, " \t\r,;\n");
                got += (size_t)alert_name_out(p, n, fn, arg);
            }
        }
        p = *end ? end + 1 : end;
    }
    return got;
}
