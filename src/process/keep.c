/*
 * keep - the officer's "Keep:" lines (issue 14): an attacker indicator
 * that embeds a victim's name (a look-alike domain such as
 * "inst.example.badactor.example") is a conflict the anonymiser never
 * decides alone: it holds the alert. The officer decides inside the
 * signed alert, with a line
 *
 *     Keep: inst.example.badactor.example, cdn.inst.example.evil.example
 *
 * Each host listed there stays readable in this alert's copies: it is
 * added to the keep-list of the sites index, which the anonymiser and
 * the independent detector both consult. The index is the sandboxed
 * child's own copy (it was forked for this alert), so nothing outlives
 * the alert. A host under a site domain is the victim's own name, never
 * an indicator: such a line holds the alert (ERR_DATA), so that a Keep
 * line cannot undo the anonymisation.
 */
#include "process/process_int.h"
#include "util/limits.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int keep_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == ';';
}

/* One listed host into the keep-list. */
static int keep_one(struct sites *s, const char *h, size_t n, struct err *e)
{
    char host[KEEP_HOST_MAX + 1], show[KEEP_HOST_MAX + 1];
    size_t dlen;

    if (n > KEEP_HOST_MAX || memchr(h, '.', n) == NULL)
        return err_set(e, ERR_DATA, "Keep: '%s' is no host name (alert held)",
                       text_show(h, n, show, sizeof show));
    memcpy(host, h, n);
    host[n] = '\0';
    if (sites_match_host(s, host, n, &dlen) >= 0)
        return err_set(e, ERR_DATA, "Keep: %s is under a site domain, not an "
                       "indicator (alert held)", host);
    return sites_keep(s, host, e);
}

/* The hosts of one "Keep:" line p[0..n) (after the colon). */
static int keep_line(struct sites *s, const char *p, size_t n, struct err *e)
{
    size_t i = 0, j;

    while (i < n) {
        while (i < n && keep_sep(p[i]))
            i++;
        for (j = i; j < n && !keep_sep(p[j]); j++)
            ;
        if (j > i && keep_one(s, p + i, j - i, e) != 0)
            return -1;
        i = j;
    }
    return 0;
}

/* Every line of text[0..len) that starts with "Keep:" (any case). */
static int keep_text(struct sites *s, const char *t, size_t len,
                     struct err *e)
{
    size_t i = 0, end;
    const char *nl;

    while (i < len) {
        nl = memchr(t + i, '\n', len - i);
        end = nl ? (size_t)(nl - t) : len;
        if (end - i > 5 && strncasecmp(t + i, "keep:", 5) == 0) {
            size_t e2 = end > i && t[end - 1] == '\r' ? end - 1 : end;

            if (keep_line(s, t + i + 5, e2 - i - 5, e) != 0)
                return -1;
        }
        i = end + 1;
    }
    return 0;
}

int keep_apply(struct sites *s, const struct msg_content *mc, struct err *e)
{
    size_t i;

    for (i = 0; i < mc->nparts; i++)
        if (mc->parts[i].is_text &&
            strcmp(mc->parts[i].content_type, "text/plain") == 0 &&
            keep_text(s, mc->parts[i].data, mc->parts[i].len, e) != 0)
            return -1;
    return 0;
}
