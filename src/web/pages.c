/* pages - what the console shows of alerts: the dashboard, the alerts,
 * one alert (its copies per list as recipients see them, what was
 * withheld and why, its thread, its audit trail, and for a held one the
 * exact command that releases it), the outbox and the audit log. Every
 * table is a view the command line prints too (db/listing.h). */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/listing.h"
#include "db/store.h"

int web_page_dashboard(struct web_req *r)
{
    struct buf *b = &r->page;
    char when[32];
    struct tm tm;

    if (web_head(r, "Dashboard") != 0 ||
        html_fmt(b, "<h2>Alerts of the last 7 days, by state</h2>") ||
        web_table(r, "web_alert_states", NULL, NULL, 0, NULL, NULL) ||
        html_fmt(b, "<h2>Held and quarantined</h2>") ||
        web_table(r, "web_stopped", NULL, NULL, 50, "row", "/alert") ||
        html_fmt(b, "<h2>Outbox</h2>") ||
        web_table(r, "queue_status", "copy", "all", 1, NULL, NULL))
        return -1;
    if (web_coverage(r, 0) < 0)
        return -1;
    gmtime_r(r->coverage_at, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
    if (html_fmt(b, "<h2>Coverage problems (<a href=\"/coverage\">per list"
                 "</a>; as of %s, at most %d s old)</h2>", when,
                 WEB_COVERAGE_CACHE_S) ||
        web_table(r, "web_coverage_counts", NULL, NULL, 0, NULL, NULL) ||
        html_fmt(b, "<h2>Keys expiring or missing within %d days</h2>"
                 "<h3>The gateway's and the officers' signing keys (as "
                 "<code>alertgw keys check</code>)</h3>", WEB_DAYS_DEFAULT) ||
        web_table(r, "web_signer_keys", NULL, NULL, 100, NULL, NULL) ||
        html_fmt(b, "<h3>Recipients' pinned keys</h3>") ||
        web_table(r, "web_coverage_keys", NULL, NULL, 100, NULL, NULL))
        return -1;
    return web_foot(r);
}

int web_page_alerts(struct web_req *r)
{
    if (web_head(r, "Alerts") != 0 ||
        web_table(r, "web_alerts", NULL, NULL, 500, "row", "/alert") != 0)
        return -1;
    return web_foot(r);
}

/* The fields of one alert the page decides by. */
struct web_alert {
    int found;
    char alert_id[128], state[32], thread[128];
};

static int web_alert_row(void *arg, int n, const char *const *names,
                         const char *const *vals, struct err *e)
{
    struct web_alert *a = arg;
    int i;

    a->found = 1;
    for (i = 0; i < n; i++) {
        if (strcmp(names[i], "alert_id") == 0)
            snprintf(a->alert_id, sizeof(a->alert_id), "%s", vals[i]);
        else if (strcmp(names[i], "state") == 0)
            snprintf(a->state, sizeof(a->state), "%s", vals[i]);
        else if (strcmp(names[i], "thread") == 0)
            snprintf(a->thread, sizeof(a->thread), "%s", vals[i]);
    }
    return 1;
}

/* One copy, the message as it leaves (signed, encoded: its bytes are
 * never parsed here, outside the sandboxed child): a sanitised list's
 * copy for everyone; a whole copy (a list that does not anonymise), and
 * a preview (it quotes every list's copy, whole ones too), for officers
 * only. */
static int web_copy_row(void *arg, int n, const char *const *names,
                        const char *const *vals, struct err *e)
{
    struct web_req *r = arg;
    const char *kind = vals[1], *list = vals[2], *anon = vals[3];
    int rc;

    if (n < 6)
        return err_set(e, ERR_SOFTWARE, "web_copies: columns changed");
    if (strcmp(kind, "preview") == 0)
        rc = html_fmt(&r->page, "<h3>Signed preview mailed to the signer, "
                      "%s</h3>", vals[4]);
    else
        rc = html_fmt(&r->page, "<h3>List %s: copy of %s</h3>", list,
                      vals[4]);
    if (rc == 0 && (strcmp(anon, "0") == 0 || strcmp(kind, "preview") == 0)
        && r->who.role < ACCOUNT_OFFICER)
        rc = html_fmt(&r->page, "<p>A whole (unsanitised) copy: only "
                      "officers see it.</p>");
    else if (rc == 0)
        rc = html_fmt(&r->page, "<pre class=\"copy\">%s</pre>", vals[5]);
    return rc ? err_set(e, ERR_TOOBIG, "page too big") : 0;
}

static int web_held_how(struct web_req *r, const struct web_alert *a)
{
    return html_fmt(&r->page, "<h2>Held: how to release or cancel it</h2>"
                    "<p>Releasing and cancelling stay an officer's signed "
                    "command. On the gateway host:</p><pre class=\"cmd\">"
                    "alertgw release %s\nalertgw cancel %s</pre><p>or mail "
                    "the distribution's address a message signed with an "
                    "officer's key whose body is</p><pre class=\"cmd\">"
                    "release %s</pre><p>(or <code>cancel %s</code>).</p>",
                    a->alert_id, a->alert_id, a->alert_id, a->alert_id);
}

int web_page_alert(struct web_req *r)
{
    const char *row = web_arg(r, "row");
    struct web_alert a;
    struct buf *b = &r->page;

    memset(&a, 0, sizeof(a));
    if (row == NULL || listing_each(r->g->store, "web_alert", "row", row, 1,
                                    web_alert_row, &a, &r->e) != 0)
        return row ? -1 : web_refuse(r, 404, "which alert? (?row=N)");
    if (!a.found)
        return web_refuse(r, 404, "no such alert");
    if (web_head(r, a.alert_id[0] ? a.alert_id : "Alert") != 0 ||
        web_table(r, "web_alert", "row", row, 1, NULL, NULL) ||
        (strcmp(a.state, "held") == 0 && web_held_how(r, &a)) ||
        html_fmt(b, "<h2>Per list: sent or withheld, and why</h2>") ||
        web_table(r, "alerts_show", "row", row, 0, NULL, NULL) ||
        html_fmt(b, "<h2>Thread (updates)</h2>") ||
        web_table(r, "web_thread", "_row", row, 0, "row", "/alert") ||
        html_fmt(b, "<h2>Copies, as the recipients see them</h2>") ||
        listing_each(r->g->store, "web_copies", "_row", row, WEB_ROWS_MAX,
                     web_copy_row, r, &r->e))
        return -1;
    if (r->who.role >= ACCOUNT_OFFICER && a.thread[0] &&
        (html_fmt(b, "<h2>Reveal: placeholder to original</h2>") ||
         web_table(r, "reveal", "_thread", a.thread, 0, NULL, NULL)))
        return -1;
    if (html_fmt(b, "<h2>Audit trail</h2>") ||
        web_table(r, "audit_log", "_alert_id", a.alert_id, 0, NULL, NULL))
        return -1;
    return web_foot(r);
}

int web_page_outbox(struct web_req *r)
{
    if (web_head(r, "Outbox") != 0 ||
        web_table(r, "queue_status", NULL, NULL, 500, NULL, NULL) != 0)
        return -1;
    return web_foot(r);
}

int web_page_audit(struct web_req *r)
{
    struct audit_verify v;
    char line[ERR_MSG_MAX + 64];
    int rc;

    memset(&v, 0, sizeof(v));
    rc = audit_verify(r->g->store, &v, &r->e);
    if (rc < 0 || web_head(r, "Audit log") != 0)
        return -1;
    if (rc == 0)
        snprintf(line, sizeof(line), "audit verify: the chain holds (%ld "
                 "rows sealed, %ld not yet)", v.sealed, v.unsealed);
    else
        snprintf(line, sizeof(line), "audit verify: BROKEN at row %lld: %s",
                 (long long)v.bad_row, v.why);
    if (web_say(r, rc == 0, line) != 0 ||
        web_table(r, "audit_log", NULL, NULL, 1000, NULL, NULL) != 0)
        return -1;
    return web_foot(r);
}
