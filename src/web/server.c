/* server - libmicrohttpd: the listening socket (loopback or UNIX only),
 * a request's form and upload, the session and CSRF checks, the routes,
 * and the headers every answer carries (web.h). */
#include "web/web.h"
#include "web/web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* No script, no inline style, nothing from elsewhere; no framing. */
#define WEB_CSP "default-src 'none'; style-src 'self'; img-src 'self'; " \
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static const char web_css[] =
    "body{font:14px/1.4 sans-serif;margin:0;color:#222}"
    "nav{background:#234;padding:.5em 1em}nav a{color:#fff;margin-right:1em}"
    "nav .who{float:right;color:#cde}nav form{display:inline}"
    "main{padding:1em}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
    "vertical-align:top}th{background:#eef}"
    "pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;"
    "white-space:pre-wrap;max-height:30em;overflow:auto}"
    ".ok{background:#dfd;border:1px solid #8c8;padding:.4em}"
    ".bad{background:#fdd;border:1px solid #c88;padding:.4em}"
    "form.inline{display:inline}form.box{border:1px solid #ccc;"
    "padding:.5em;margin:.5em 0}label{margin-right:.8em}"
    ".held{color:#a50}.quarantined{color:#a00}";

struct web {
    struct gateway *g;
    const struct conf *conf;
    time_t coverage_at;         /* when temp.coverage was filled, 0 never */
};

/* ---- the listening socket ---- */

static int web_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >>
                24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(
            &((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

int web_listen_addr(const char *spec, void *sa, unsigned *salen,
                    struct err *e)
{
    struct sockaddr_in *in = sa;
    struct sockaddr_in6 *in6 = sa;
    const char *colon = strrchr(spec, ':');
    char host[64], *end;
    long port;

    if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
        return err_set(e, ERR_USAGE, "--listen wants HOST:PORT, not '%.80s'",
                       spec);
    snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno || colon[1] == '\0' || *end || port < 0 || port > 65535)
        return err_set(e, ERR_USAGE, "--listen: bad port '%.20s'", colon + 1);
    memset(sa, 0, sizeof(struct sockaddr_in6));
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host) - 2);
        host[strlen(host) - 2] = '\0';
    }
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)port);
        *salen = sizeof(*in);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        *salen = sizeof(*in6);
    } else {
        return err_set(e, ERR_USAGE, "--listen: '%.64s' is no numeric "
                       "address", host);
    }
    if (!web_loopback(sa))
        return err_set(e, ERR_USAGE, "--listen %.80s: not a loopback "
                       "address; the console listens on loopback or a UNIX "
                       "socket only (put a TLS reverse proxy in front)", spec);
    return 0;
}

static int web_socket_unix(const char *path, struct err *e)
{
    struct sockaddr_un un;
    int fd;

    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(un.sun_path))
        return err_set(e, ERR_USAGE, "--socket: path over %zu bytes",
                       sizeof(un.sun_path) - 1);
    memcpy(un.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, ERR_IO, "socket: %s", strerror(errno));
    unlink(path);
    /* 0660: the proxy reaches it through the group. */
    if (fchmod(fd, 0660) != 0 ||
        bind(fd, (struct sockaddr *)&un, sizeof(un)) != 0 ||
        chmod(path, 0660) != 0 || listen(fd, 64) != 0) {
        err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int web_socket_inet(const char *spec, char *where, size_t n,
                           struct err *e)
{
    struct sockaddr_in6 sa;
    unsigned salen;
    socklen_t got = sizeof(sa);
    int fd, one = 1;
    char host[INET6_ADDRSTRLEN];

    if (web_listen_addr(spec, &sa, &salen, e) != 0)
        return -1;
    fd = socket(sa.sin6_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, ERR_IO, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, salen) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &got) != 0) {
        err_set(e, ERR_IO, "--listen %.80s: %s", spec, strerror(errno));
        close(fd);
        return -1;
    }
    if (sa.sin6_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host,
                  sizeof(host));
    else
        inet_ntop(AF_INET6, &sa.sin6_addr, host, sizeof(host));
    snprintf(where, n, sa.sin6_family == AF_INET ? "http://%s:%u/" :
             "http://[%s]:%u/", host, (unsigned)ntohs(sa.sin6_port));
    return fd;
}

/* ---- a request ---- */

const char *web_arg(struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_cookie(struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *web_field(struct web_req *r, const char *name)
{
    int i;

    for (i = 0; i < r->nfields; i++)
        if (strcmp(r->field[i].name, name) == 0)
            return buf_cstr(&r->field[i].value);
    return NULL;
}

static enum MHD_Result web_post_iter(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *filename,
                                     const char *ctype, const char *enc,
                                     const char *data, uint64_t off,
                                     size_t size)
{
    struct web_req *r = cls;
    int i;

    if (filename != NULL) {
        if (off == 0)
            snprintf(r->upload_name, sizeof(r->upload_name), "%s", filename);
        if (buf_append(&r->upload, data, size) != 0)
            r->too_big = 1;
        return MHD_YES;
    }
    for (i = 0; i < r->nfields; i++)
        if (strcmp(r->field[i].name, key) == 0)
            break;
    if (i == r->nfields) {
        if (r->nfields == WEB_FIELDS_MAX || strlen(key) >= 64) {
            r->too_big = 1;
            return MHD_YES;
        }
        snprintf(r->field[i].name, sizeof(r->field[i].name), "%s", key);
        buf_init(&r->field[i].value, strcmp(key, "key") == 0 ?
                 (size_t)WEB_KEY_FIELD_MAX : WEB_FIELD_MAX);
        r->nfields++;
    }
    if (buf_append(&r->field[i].value, data, size) != 0)
        r->too_big = 1;
    return MHD_YES;
}

static struct web_req *web_req_new(struct web *w, struct MHD_Connection *c,
                                   const char *url, const char *method)
{
    struct web_req *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->g = w->g;
    r->conf = w->conf;
    r->coverage_at = &w->coverage_at;
    r->conn = c;
    r->method = method;
    r->status = 200;
    snprintf(r->path, sizeof(r->path), "%s", url);
    r->post = strcmp(method, "POST") == 0;
    buf_init(&r->page, WEB_PAGE_MAX);
    buf_init(&r->upload, WEB_UPLOAD_MAX);
    err_init(&r->e);
    if (r->post)
        r->pp = MHD_create_post_processor(c, 65536, web_post_iter, r);
    return r;
}

static void web_req_free(struct web_req *r)
{
    int i;

    if (r == NULL)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (i = 0; i < r->nfields; i++) {
        explicit_bzero(r->field[i].value.data, r->field[i].value.cap);
        buf_free(&r->field[i].value);
    }
    buf_free(&r->page);
    buf_free(&r->upload);
    free(r);
}

static void web_completed(void *cls, struct MHD_Connection *c, void **ctx,
                          enum MHD_RequestTerminationCode toe)
{
    web_req_free(*ctx);
    *ctx = NULL;
}

/* The client for the throttle: X-Real-IP from the proxy (only loopback
 * and the socket reach us, so only the proxy sets it), else the peer. */
static void web_client(struct web_req *r)
{
    const union MHD_ConnectionInfo *ci;
    const char *real, *proto;
    const struct sockaddr *sa;

    real = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Real-IP");
    proto = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                        "X-Forwarded-Proto");
    r->secure = proto && strcmp(proto, "https") == 0;
    snprintf(r->address, sizeof(r->address), "local");
    if (real) {
        snprintf(r->address, sizeof(r->address), "%s", real);
        return;
    }
    ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                  r->address, sizeof(r->address));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  r->address, sizeof(r->address));
}

static enum MHD_Result web_send(struct web_req *r, const char *type,
                                const void *body, size_t len)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;

    resp = MHD_create_response_from_buffer(len, (void *)body,
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r->cookie);
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- routes ---- */

struct web_route {
    const char *method, *path;
    enum account_role min;
    int (*fn)(struct web_req *r);
};

static const struct web_route web_routes[] = {
    {"GET", "/", ACCOUNT_VIEWER, web_page_dashboard},
    {"GET", "/alerts", ACCOUNT_VIEWER, web_page_alerts},
    {"GET", "/alert", ACCOUNT_VIEWER, web_page_alert},
    {"GET", "/outbox", ACCOUNT_VIEWER, web_page_outbox},
    {"GET", "/audit", ACCOUNT_VIEWER, web_page_audit},
    {"GET", "/registry", ACCOUNT_VIEWER, web_page_registry},
    {"GET", "/list", ACCOUNT_VIEWER, web_page_list},
    {"POST", "/registry", ACCOUNT_KEEPER, web_post_registry},
    {"GET", "/coverage", ACCOUNT_VIEWER, web_page_coverage},
    {"GET", "/import", ACCOUNT_KEEPER, web_page_import},
    {"POST", "/import", ACCOUNT_KEEPER, web_post_import},
};

int web_same(const char *a, const char *b)
{
    size_t n, i;
    unsigned char d = 0;

    if (a == NULL || b == NULL)
        return 0;
    n = strlen(a);
    if (n != strlen(b) || n == 0)
        return 0;
    for (i = 0; i < n; i++)
        d |= (unsigned char)a[i] ^ (unsigned char)b[i];
    return d == 0;
}

static void web_session(struct web_req *r)
{
    const char *sid = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                                  "agw_session");
    int rc;

    if (sid == NULL)
        return;
    rc = account_session(r->g->store, sid, time(NULL),
                         r->conf->web_idle_timeout, &r->who, &r->e);
    if (rc == 1) {
        r->logged_in = 1;
        snprintf(r->sid, sizeof(r->sid), "%s", sid);
    }
}

static int web_logout(struct web_req *r)
{
    if (account_logout(r->g->store, r->sid, &r->e) != 0)
        return -1;
    snprintf(r->cookie, sizeof(r->cookie), "agw_session=; Path=/; Max-Age=0;"
             " HttpOnly; SameSite=Strict%s", r->secure ? "; Secure" : "");
    web_redirect(r, "/login");
    return 0;
}

static int web_route(struct web_req *r)
{
    const struct web_route *k = NULL;
    size_t i;

    if (strcmp(r->path, "/login") == 0)
        return web_page_login(r);
    if (strcmp(r->path, "/favicon.ico") == 0)
        return web_refuse(r, 404, "no such page");
    if (!r->logged_in) {
        web_redirect(r, "/login");
        return 0;
    }
    if (r->post && !web_same(web_field(r, "csrf"), r->who.csrf))
        return web_refuse(r, 403, "refused: this form's CSRF token is "
                          "missing or wrong (reload the page)");
    if (r->post && strcmp(r->path, "/logout") == 0)
        return web_logout(r);
    for (i = 0; i < sizeof(web_routes) / sizeof(web_routes[0]); i++)
        if (strcmp(web_routes[i].path, r->path) == 0 &&
            strcmp(web_routes[i].method, r->method) == 0)
            k = &web_routes[i];
    if (k == NULL)
        return web_refuse(r, 404, "no such page");
    if (r->who.role < k->min)
        return web_refuse(r, 403, "refused: your role may not do this");
    return k->fn(r);
}

static enum MHD_Result web_answer(struct web_req *r)
{
    web_client(r);
    if (strcmp(r->path, "/style.css") == 0)
        return web_send(r, "text/css", web_css, sizeof(web_css) - 1);
    if (strcmp(r->method, "GET") != 0 && !r->post) {
        r->status = 405;
        return web_send(r, "text/plain", "method not allowed\n", 19);
    }
    if (r->post && (r->pp == NULL || r->too_big)) {
        web_refuse(r, r->too_big ? 413 : 415, r->too_big ? "refused: the "
                   "form is over its size limit" : "refused: not a form");
        return web_send(r, "text/html; charset=utf-8", r->page.data,
                        r->page.len);
    }
    web_session(r);
    if (web_route(r) != 0) {
        buf_reset(&r->page);
        web_refuse(r, 500, r->e.msg);
    }
    return web_send(r, "text/html; charset=utf-8", r->page.data,
                    r->page.len);
}

static enum MHD_Result web_handler(void *cls, struct MHD_Connection *c,
                                   const char *url, const char *method,
                                   const char *version,
                                   const char *upload, size_t *upload_size,
                                   void **ctx)
{
    struct web_req *r = *ctx;

    if (r == NULL) {
        if (strlen(url) >= WEB_URL_MAX)
            return MHD_NO;
        *ctx = r = web_req_new(cls, c, url, method);
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (r->pp && MHD_post_process(r->pp, upload, *upload_size) != MHD_YES)
            r->too_big = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    return web_answer(r);
}

int web_serve(struct gateway *g, const struct conf *c,
              const struct web_opts *o, struct err *e)
{
    struct web w = {g, c, 0};
    struct MHD_Daemon *d;
    char where[128];
    sigset_t set;
    int fd, sig;

    if ((o->listen == NULL) == (o->socket == NULL))
        return err_set(e, ERR_USAGE, "web wants --listen HOST:PORT or "
                       "--socket PATH");
    if (o->socket) {
        fd = web_socket_unix(o->socket, e);
        snprintf(where, sizeof(where), "unix:%s", o->socket);
    } else {
        fd = web_socket_inet(o->listen, where, sizeof(where), e);
    }
    if (fd < 0)
        return -1;
    /* The daemon's thread inherits the mask: the signals come here. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                         0, NULL, NULL, web_handler, &w,
                         MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)WEB_CONNECTIONS_MAX,
                         MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)WEB_CONN_TIMEOUT_S,
                         MHD_OPTION_NOTIFY_COMPLETED, web_completed, NULL,
                         MHD_OPTION_END);
    if (d == NULL) {
        close(fd);
        return err_set(e, ERR_IO, "web: libmicrohttpd would not start");
    }
    if (o->ready) {
        fprintf(o->ready, "alertgw: web console on %s\n", where);
        fflush(o->ready);
    }
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    close(fd);
    if (o->socket)
        unlink(o->socket);
    return 0;
}
