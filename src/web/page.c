/* page - the frame around every page, a view as a table, forms and their
 * messages, the login page, and the one path by which the console
 * changes anything (web_change). */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/listing.h"
#include "db/store.h"

int web_head(struct web_req *r, const char *title)
{
    struct buf *b = &r->page;
    int rc;

    rc = html_fmt(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                  "charset=\"utf-8\"><title>%s - alertgw</title><link "
                  "rel=\"stylesheet\" href=\"/style.css\"></head><body>",
                  title);
    if (rc == 0 && r->logged_in) {
        rc = html_fmt(b, "<nav><a href=\"/\">Dashboard</a><a href=\"/alerts"
                      "\">Alerts</a><a href=\"/registry?t=orgs\">Registry</a>"
                      "<a href=\"/coverage\">Coverage</a><a href=\"/outbox\">"
                      "Outbox</a><a href=\"/audit\">Audit</a>");
        if (rc == 0 && r->who.role >= ACCOUNT_KEEPER)
            rc = html_fmt(b, "<a href=\"/import\">Import</a>");
        if (rc == 0)
            rc = html_fmt(b, "<span class=\"who\">%s (%s) ", r->who.user,
                          account_role_name(r->who.role));
        if (rc == 0)
            rc = web_form_open(r, "/logout", "inline");
        if (rc == 0)
            rc = html_fmt(b, "<button>Log out</button></form></span></nav>");
    }
    if (rc == 0)
        rc = html_fmt(b, "<main><h1>%s</h1>", title);
    return rc;
}

int web_foot(struct web_req *r)
{
    return html_fmt(&r->page, "</main></body></html>\n");
}

int web_form_open(struct web_req *r, const char *action, const char *cls)
{
    return html_fmt(&r->page, "<form method=\"post\" action=\"%s\" class=\""
                    "%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                    action, cls, r->who.csrf);
}

int web_say(struct web_req *r, int ok, const char *text)
{
    return html_fmt(&r->page, ok ? "<p class=\"ok\">%s</p>" :
                    "<p class=\"bad\">alertgw: %s</p>", text);
}

void web_redirect(struct web_req *r, const char *path)
{
    r->status = 303;
    snprintf(r->location, sizeof(r->location), "%s", path);
    buf_reset(&r->page);
}

int web_refuse(struct web_req *r, int status, const char *text)
{
    r->status = status;
    buf_reset(&r->page);
    if (web_head(r, status == 404 ? "Not found" : "Refused") != 0 ||
        web_say(r, 0, text) != 0)
        return -1;
    return web_foot(r);
}

/* ---- a view as a table ---- */

struct web_tab {
    struct web_req *r;
    const char *link, *href;
    long rows;
};

static int web_tab_row(void *arg, int n, const char *const *names,
                       const char *const *vals, struct err *e)
{
    struct web_tab *t = arg;
    struct buf *b = &t->r->page;
    int i, rc = 0;

    if (t->rows++ == 0) {
        rc = html_fmt(b, "<table><tr>");
        for (i = 0; rc == 0 && i < n; i++)
            rc = html_fmt(b, "<th>%s</th>", names[i]);
        rc = rc ? rc : html_fmt(b, "</tr>");
    }
    rc = rc ? rc : html_fmt(b, "<tr>");
    for (i = 0; rc == 0 && i < n; i++) {
        if (t->link && strcmp(names[i], t->link) == 0)
            rc = html_fmt(b, "<td><a href=\"%s?%s=%s\">%s</a></td>", t->href,
                          names[i], vals[i], vals[i]);
        else
            rc = html_fmt(b, "<td class=\"%s\">%s</td>", vals[i], vals[i]);
    }
    rc = rc ? rc : html_fmt(b, "</tr>");
    return rc ? err_set(e, ERR_TOOBIG, "page over %ld bytes",
                        (long)WEB_PAGE_MAX) : 0;
}

int web_table(struct web_req *r, const char *view, const char *col,
              const char *value, long max, const char *link,
              const char *href)
{
    struct web_tab t = {r, link, href, 0};

    if (max <= 0 || max > WEB_ROWS_MAX)
        max = WEB_ROWS_MAX;
    if (listing_each(r->g->store, view, col, value, max + 1, web_tab_row, &t,
                     &r->e) != 0)
        return -1;
    if (t.rows == 0)
        return html_fmt(&r->page, "<p>none</p>");
    if (html_fmt(&r->page, "</table>") != 0)
        return -1;
    if (t.rows > max)
        return html_fmt(&r->page, "<p>(more rows than shown; `alertgw` on "
                        "the host lists them all)</p>");
    return 0;
}

/* ---- changes ---- */

int web_change(struct web_req *r, const char *what, web_change_fn fn,
               void *arg)
{
    struct store *s = r->g->store;
    char detail[ERR_MSG_MAX];

    if (store_begin(s, &r->e) != 0)
        return -1;
    snprintf(detail, sizeof(detail), "%s: %s", r->who.user, what);
    if (fn(r, arg) != 0 ||
        audit_add(s, 0, "web-change", detail, NULL, &r->e) != 0) {
        store_rollback(s);
        return -1;
    }
    *r->coverage_at = 0;
    return store_commit(s, &r->e);
}

/* ---- login ---- */

/* The login form's CSRF token: there is no session yet, so it is a
 * random value in a cookie of its own that the POST must repeat (login
 * CSRF would log a victim into the attacker's account). */
static int web_login_form(struct web_req *r, const char *msg)
{
    const char *had = web_cookie(r, "agw_login");
    char tok[ACCOUNT_TOKEN_HEX];

    /* Kept while the browser has one: a second tab, or the favicon's
     * redirect here, must not void the form already shown. */
    if (had && strlen(had) == ACCOUNT_TOKEN_HEX - 1 &&
        strspn(had, "0123456789abcdef") == ACCOUNT_TOKEN_HEX - 1)
        memcpy(tok, had, sizeof(tok));
    else if (account_token(tok, &r->e) != 0)
        return -1;
    snprintf(r->cookie, sizeof(r->cookie), "agw_login=%s; Path=/login; "
             "HttpOnly; SameSite=Strict%s", tok, r->secure ? "; Secure" : "");
    if (web_head(r, "Log in") != 0 || (msg && web_say(r, 0, msg) != 0))
        return -1;
    return html_fmt(&r->page, "<form method=\"post\" action=\"/login\" "
                    "class=\"box\"><input type=\"hidden\" name=\"csrf\" "
                    "value=\"%s\"><label>Name <input name=\"user\" "
                    "id=\"user\" autocomplete=\"username\"></label><label>"
                    "Password <input type=\"password\" name=\"password\" "
                    "id=\"password\" autocomplete=\"current-password\">"
                    "</label><button id=\"login\">Log in</button></form>",
                    tok) || web_foot(r);
}

int web_page_login(struct web_req *r)
{
    const char *user = web_field(r, "user"), *pw = web_field(r, "password");
    char sid[ACCOUNT_TOKEN_HEX];
    int rc;

    if (!r->post)
        return web_login_form(r, NULL);
    if (!web_same(web_field(r, "csrf"), web_cookie(r, "agw_login"))) {
        r->status = 403;
        return web_login_form(r, "refused: this form's CSRF token is "
                              "missing or wrong (reload the page)");
    }
    rc = account_login(r->g->store, user ? user : "", pw ? pw : "",
                       r->address, time(NULL), sid, &r->e);
    if (rc < 0)
        return -1;
    if (rc == 2) {
        r->status = 429;
        return web_login_form(r, "too many failed logins; wait a quarter "
                              "of an hour");
    }
    if (rc == 0) {
        r->status = 403;
        return web_login_form(r, "wrong name or password");
    }
    snprintf(r->cookie, sizeof(r->cookie), "agw_session=%s; Path=/; "
             "HttpOnly; SameSite=Strict%s", sid, r->secure ? "; Secure" : "");
    explicit_bzero(sid, sizeof(sid));
    web_redirect(r, "/");
    return 0;
}
