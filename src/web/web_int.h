/*
 * web_int - what the console's files share: the request being answered,
 * the page frame, the forms, the routes. Private to src/web/.
 *
 * A handler reads r->form (the posted fields, the upload) and the query,
 * writes the page body into r->page through html_fmt only, and answers 0;
 * or sets r->status and a one-line r->msg. Handlers run on the server's
 * one thread with the gateway's handles in r->g.
 */
#ifndef AGW_WEB_INT_H
#define AGW_WEB_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "gateway/gateway.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"
#include "web/account.h"
#include "web/html.h"

struct web_field {
    char name[64];
    struct buf value;
};

struct web_req {
    struct gateway *g;
    const struct conf *conf;
    const char *method;
    char path[WEB_URL_MAX];
    void *conn;                         /* struct MHD_Connection */
    int post;
    struct web_field field[WEB_FIELDS_MAX];
    int nfields;
    int too_big;                        /* a field or the upload over its cap */
    struct buf upload;                  /* the file of a multipart form */
    char upload_name[256];
    void *pp;                           /* struct MHD_PostProcessor */
    int logged_in;
    struct account_session who;
    char sid[ACCOUNT_TOKEN_HEX];
    char address[64];                   /* the client, for the throttle */
    int secure;                         /* behind TLS: X-Forwarded-Proto */
    struct buf page;
    int status;
    char location[WEB_URL_MAX];         /* a redirect after a POST */
    char cookie[256];                   /* Set-Cookie */
    struct err e;
    time_t *coverage_at;                /* the server's: see web_coverage */
};

/* server.c: a query argument or a posted field, NULL when absent. */
const char *web_arg(struct web_req *r, const char *name);
const char *web_field(struct web_req *r, const char *name);
/* 1 when a and b (NULL: no) are equal and not empty; the time taken
 * does not tell how much of them was. */
int web_same(const char *a, const char *b);
/* A cookie the browser sent, NULL when none. */
const char *web_cookie(struct web_req *r, const char *name);

/* page.c: the frame around a page, the tables and the forms. */
int web_head(struct web_req *r, const char *title);
int web_foot(struct web_req *r);
/* A view's rows as a table (db/listing.h); link: a column whose cell
 * links to href?name=value (NULL: none); max rows, then "more". */
int web_table(struct web_req *r, const char *view, const char *col,
              const char *value, long max, const char *link,
              const char *href);
/* The opening of a POST form to action with its CSRF token. */
int web_form_open(struct web_req *r, const char *action, const char *cls);
/* A one-line message box: ok or the error, as the CLI says it. */
int web_say(struct web_req *r, int ok, const char *text);
/* Redirect (303) to path after a POST, with a message for the next page. */
void web_redirect(struct web_req *r, const char *path);
/* 403/404 with one line. */
int web_refuse(struct web_req *r, int status, const char *text);

/* change.c: run fn (a registry verb) in one transaction with its audit
 * row "web-change: USER: what"; 0 or -1 with r->e the verb's error. */
typedef int (*web_change_fn)(struct web_req *r, void *arg);
int web_change(struct web_req *r, const char *what, web_change_fn fn,
               void *arg);

/* The pages, by file. Each answers 0 with the page in r->page. */
int web_page_login(struct web_req *r);
int web_page_dashboard(struct web_req *r);
int web_page_alerts(struct web_req *r);
int web_page_alert(struct web_req *r);
int web_page_outbox(struct web_req *r);
int web_page_audit(struct web_req *r);
int web_page_registry(struct web_req *r);
int web_page_list(struct web_req *r);
int web_post_registry(struct web_req *r);
int web_page_coverage(struct web_req *r);
int web_page_import(struct web_req *r);
int web_post_import(struct web_req *r);
/* coverage.c: fill temp.coverage (registry_coverage) for every list,
 * asking GnuPG about pinned keys; 0 or -1. Not fresh: what the
 * connection computed within WEB_COVERAGE_CACHE_S will do (the
 * dashboard; coverage over a large registry costs more than the rest of
 * the page); a change through the console forgets it. */
int web_coverage(struct web_req *r, int fresh);

#endif
