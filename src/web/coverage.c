/* coverage - the coverage page: registry_coverage's problems for every
 * list (and for the dashboard the signing keys' state), and a chart drawn on the server as SVG (no script, no third
 * party): per list and per NGI, who is reached, confirmed, keyed. */
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/listing.h"
#include "db/store.h"
#include "mail/pgp.h"
#include "registry/registry.h"

/* Coverage asks GnuPG only when some recipient has a pinned key; a key
 * GnuPG does not have is reported by coverage itself. */
static int web_key_expiry(void *ctx, const char *fpr, time_t *exp,
                          struct err *e)
{
    struct web_req *r = ctx;
    struct err mine;

    if (gateway_pgp(r->g, e) != 0)
        return -1;
    err_init(&mine);
    if (pgp_key_expiry(r->g->pgp, fpr, exp, &mine) == 0)
        return 1;
    if (mine.code == ERR_NOUSER)
        return 0;
    return err_set(e, mine.code, "%s", mine.msg);
}

/* The gateway's and the officers' keys as `keys check` judges them
 * (registry_keys_*): the signing keys, a few look-ups, not the whole
 * keyring; the recipients' keys are coverage's. */
static int web_signer_keys(struct web_req *r, time_t now)
{
    struct store *s = r->g->store;

    if (gateway_pgp(r->g, &r->e) != 0 ||
        registry_keys_load(s, r->g->pgp, 1, &r->e) != 0 ||
        registry_keys_check_view(s, WEB_DAYS_DEFAULT, now, &r->e) != 0)
        return -1;
    return store_run(s, &r->e, "CREATE TEMP VIEW IF NOT EXISTS "
                     "web_signer_keys AS SELECT fingerprint, problem, "
                     "expires, used_by, uid FROM keys_check WHERE used_by "
                     "NOT LIKE 'contact %'", "") < 0 ? -1 : 0;
}

int web_coverage(struct web_req *r, int fresh)
{
    struct store *s = r->g->store;
    time_t now = time(NULL);
    long n;

    if (!fresh && *r->coverage_at &&
        now - *r->coverage_at < WEB_COVERAGE_CACHE_S)
        return 0;
    n = registry_coverage(s, NULL, WEB_DAYS_DEFAULT, now, web_key_expiry, r,
                          &r->e);
    /* TEMP views: the table they read is this connection's own. */
    if (n < 0 ||
        store_run(s, &r->e, "CREATE TEMP VIEW IF NOT EXISTS "
                  "web_coverage_counts AS SELECT problem, count(*) AS "
                  "count FROM temp.coverage GROUP BY problem ORDER BY "
                  "problem", "") < 0 ||
        store_run(s, &r->e, "CREATE TEMP VIEW IF NOT EXISTS "
                  "web_coverage_keys AS SELECT list, problem, subject, "
                  "detail FROM temp.coverage WHERE problem IN ('no-key', "
                  "'key-expiring') ORDER BY list, subject", "") < 0 ||
        store_run(s, &r->e, "CREATE TEMP VIEW IF NOT EXISTS "
                  "web_coverage_all AS SELECT list, problem, subject, detail "
                  "FROM temp.coverage ORDER BY list, problem, subject",
                  "") < 0 || web_signer_keys(r, now) != 0)
        return -1;
    *r->coverage_at = now;
    return 0;
}

/* ---- the chart ---- */

#define WEB_BARS 4
#define WEB_CHART_ROWS 40       /* lists or NGIs drawn; the table has all */

struct web_chart {
    int n;
    char label[WEB_CHART_ROWS][96];
    long v[WEB_CHART_ROWS][WEB_BARS];
    char name[WEB_BARS][32];
    long max;
};

static int web_chart_row(void *arg, int n, const char *const *names,
                         const char *const *vals, struct err *e)
{
    struct web_chart *c = arg;
    int i;

    if (n < WEB_BARS + 1 || c->n == WEB_CHART_ROWS)
        return 1;
    snprintf(c->label[c->n], sizeof(c->label[0]), "%s", vals[0]);
    for (i = 0; i < WEB_BARS; i++) {
        c->v[c->n][i] = strtol(vals[i + 1], NULL, 10);
        snprintf(c->name[i], sizeof(c->name[0]), "%s", names[i + 1]);
        if (c->v[c->n][i] > c->max)
            c->max = c->v[c->n][i];
    }
    c->n++;
    return 0;
}

static const char *const web_fill[WEB_BARS] = {"#468", "#6a4", "#c93",
                                               "#a5a"};

static int web_svg_legend(struct buf *b, const struct web_chart *c, int y)
{
    int i, rc = 0;

    for (i = 0; rc == 0 && i < WEB_BARS; i++)
        rc = html_fmt(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\""
                      " fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\""
                      ">%s</text>", 160 + i * 130, y, web_fill[i],
                      178 + i * 130, y + 11, c->name[i]);
    return rc;
}

/* Grouped horizontal bars, one group a row, scaled to the largest. */
static int web_svg(struct buf *b, const struct web_chart *c, const char *t)
{
    int i, k, rc, y, h = 30 + c->n * (WEB_BARS * 9 + 10), w;
    long max = c->max > 0 ? c->max : 1;

    rc = html_fmt(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\""
                  " height=\"%d\" role=\"img\" aria-label=\"%s\" class=\""
                  "chart\">", h, t);
    rc = rc ? rc : web_svg_legend(b, c, 4);
    for (i = 0; rc == 0 && i < c->n; i++) {
        y = 28 + i * (WEB_BARS * 9 + 10);
        rc = html_fmt(b, "<text x=\"0\" y=\"%d\" font-size=\"12\">%s</text>",
                      y + 2 * 9 + 4, c->label[i]);
        for (k = 0; rc == 0 && k < WEB_BARS; k++) {
            w = (int)(c->v[i][k] * 480 / max);
            rc = html_fmt(b, "<rect x=\"160\" y=\"%d\" width=\"%d\" height=\""
                          "8\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size"
                          "=\"9\">%D</text>", y + k * 9, w, web_fill[k],
                          164 + w, y + k * 9 + 8, (int64_t)c->v[i][k]);
        }
    }
    return rc ? rc : html_fmt(b, "</svg>");
}

static int web_chart(struct web_req *r, const char *view, const char *t)
{
    struct web_chart *c = calloc(1, sizeof(*c));
    int rc;

    if (c == NULL)
        return err_set(&r->e, ERR_NOMEM, "out of memory");
    rc = listing_each(r->g->store, view, NULL, NULL, 0, web_chart_row, c,
                      &r->e);
    if (rc == 0 && c->n > 0)
        rc = web_svg(&r->page, c, t);
    free(c);
    return rc;
}

int web_page_coverage(struct web_req *r)
{
    struct buf *b = &r->page;

    if (web_coverage(r, 1) < 0 || web_head(r, "Coverage") != 0 ||
        html_fmt(b, "<h2>Per list</h2>") ||
        web_chart(r, "web_list_stats", "coverage per list") ||
        web_table(r, "web_list_stats", NULL, NULL, 0, "list", "/list") ||
        html_fmt(b, "<h2>Per NGI (its sites)</h2>") ||
        web_chart(r, "web_ngi_stats", "coverage per NGI") ||
        web_table(r, "web_ngi_stats", NULL, NULL, 0, NULL, NULL) ||
        html_fmt(b, "<h2>Problems (as <code>alertgw lists coverage</code> "
                 "--days %d)</h2>", WEB_DAYS_DEFAULT) ||
        web_table(r, "web_coverage_all", NULL, NULL, 1000, NULL, NULL))
        return -1;
    return web_foot(r);
}
