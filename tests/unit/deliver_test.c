/*
 * deliver_test - the three transports against real peers on loopback:
 * files in a temp directory, Postfix's smtp-sink, a scripted SMTP peer
 * (per-command replies smtp-sink cannot give), and a shell script posing
 * as sendmail.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "relay/deliver.h"
#include "util/err.h"

#define SINK "/usr/sbin/smtp-sink"
#define NRCPT 3
#define MAXLINES 16

/* A message whose lines start with dots, including a lone ".", which
 * would end DATA early if nobody stuffed it. */
static const char MSG[] =
    "From: csirt@example.org\r\n"
    "To: list@example.org\r\n"
    "Subject: alert\r\n"
    "\r\n"
    ".hidden line\r\n"
    "..two dots\r\n"
    ".\r\n"
    "last line\r\n";

/* ---- helpers ---------------------------------------------------------- */

/* Children and temp dirs a test made, so the teardown can clean up even
 * after a failed assertion jumped out of the test. */
#define TRACK_MAX 16
static pid_t kids[TRACK_MAX];
static char *dirs[TRACK_MAX];

static void track_pid(pid_t pid)
{
    size_t i;

    for (i = 0; i < TRACK_MAX; i++)
        if (kids[i] == 0) {
            kids[i] = pid;
            return;
        }
}

static void untrack_pid(pid_t pid)
{
    size_t i;

    for (i = 0; i < TRACK_MAX; i++)
        if (kids[i] == pid)
            kids[i] = 0;
}

static char *tmpdir_new(void)
{
    char *d = strdup("/tmp/agw.XXXXXX");
    size_t i;

    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    for (i = 0; i < TRACK_MAX; i++)
        if (dirs[i] == NULL) {
            dirs[i] = d;
            break;
        }
    return d;
}

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void tmpdir_free(char *d)
{
    size_t i;

    for (i = 0; i < TRACK_MAX; i++)
        if (dirs[i] == d)
            dirs[i] = NULL;
    nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Whole file, NUL-terminated; NULL when missing. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (f == NULL)
        return NULL;
    do {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void spit(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t k = 0;

    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
        k++;
    return k;
}

static char *crlf_to_lf(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;

    assert_non_null(out);
    for (; *s; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            *o++ = *s;
    *o = '\0';
    return out;
}

static const char *state_name(enum deliver_state s)
{
    static const char *names[] = {"PENDING", "OK", "TEMP", "PERM"};

    return (unsigned)s < 4 ? names[s] : "?";
}

static void rcpts_init(struct deliver_rcpt *r, size_t n,
                       const char *const *addrs)
{
    size_t i;

    memset(r, 0, n * sizeof(*r));
    for (i = 0; i < n; i++) {
        r[i].addr = addrs[i];
        r[i].state = DELIVER_OK;          /* must be reset by deliver_send */
        r[i].code = -1;
    }
}

static const char *const ADDRS[NRCPT] = {
    "a@example.org", "b@example.org", "c@example.org"
};

static struct deliver_msg msg_make(const char *sender, const char *name)
{
    /* an envid that needs xtext: only a relay offering DSN hears it */
    struct deliver_msg m = {sender, MSG, sizeof(MSG) - 1, name, "id 7+"};

    return m;
}

/* "got X, want Y" for one recipient. */
static int check_rcpt(const char *tc, size_t i, const struct deliver_rcpt *r,
                      enum deliver_state st, int code)
{
    if (r->state == st && (code < 0 || r->code == code))
        return 0;
    print_error("%s: rcpt %zu (%s): got %s %d \"%s\", want %s %d\n", tc, i,
                r->addr, state_name(r->state), r->code, r->reply,
                state_name(st), code);
    return 1;
}

static int check_rc(const char *tc, int rc, const struct err *e, int want_rc,
                    enum err_code want_code)
{
    if (rc == want_rc && (want_rc == 0 || e->code == want_code))
        return 0;
    print_error("%s: got rc %d %s \"%s\", want rc %d %s\n", tc, rc,
                err_code_name(e->code), e->msg, want_rc,
                err_code_name(want_code));
    return 1;
}

/* A port nobody listens on right now. */
static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static int listen_loopback(int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void reap(pid_t pid)
{
    int st;

    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    untrack_pid(pid);
}

static int teardown(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < TRACK_MAX; i++) {
        reap(kids[i]);
        kids[i] = 0;
        if (dirs[i] != NULL)
            tmpdir_free(dirs[i]);
    }
    return 0;
}

static struct deliver *open_ok(const char *spec)
{
    struct deliver *d = NULL;
    struct err e;

    err_init(&e);
    if (deliver_open(&d, spec, &e) != 0)
        fail_msg("deliver_open(%s): got %s \"%s\", want ok", spec,
                 err_code_name(e.code), e.msg);
    return d;
}

static struct deliver *open_smtp(int port)
{
    char spec[64];

    snprintf(spec, sizeof(spec), "smtp://127.0.0.1:%d", port);
    return open_ok(spec);
}

/* ---- deliver_open ---------------------------------------------------- */

static void test_open_specs(void **state)
{
    static const struct {
        const char *spec;
        int want_rc;
    } cases[] = {
        {"dir:/tmp", 0},
        {"smtp://127.0.0.1:2525", 0},
        {"smtp://relay.example.org", 0},
        {"smtp://[::1]:25", 0},
        {"sendmail:/usr/sbin/sendmail", 0},
        {"dir:", -1},
        {"smtp://", -1},
        {"smtp://host:0", -1},
        {"smtp://host:65536", -1},
        {"smtp://host:25x", -1},
        {"smtp://host:", -1},
        {"smtp://host:25/", -1},
        {"smtp://ho st:25", -1},
        {"smtp://[::1:25", -1},
        {"sendmail:sendmail", -1},
        {"ftp://host", -1},
        {"", -1},
    };
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct deliver *d = NULL;
        struct err e;
        int rc;

        err_init(&e);
        rc = deliver_open(&d, cases[i].spec, &e);
        if (rc != cases[i].want_rc || (rc != 0 && e.code != ERR_CONFIG) ||
            (rc != 0) != (d == NULL)) {
            print_error("open %s: got %d %s, want %d\n", cases[i].spec, rc,
                        err_code_name(e.code), cases[i].want_rc);
            bad++;
        }
        deliver_close(d);
    }
    deliver_close(NULL);
    assert_int_equal(bad, 0);
}

/* ---- dir: ------------------------------------------------------------- */

static void test_dir_write(void **state)
{
    char *dir = tmpdir_new(), spec[64], *eml, *env, *p;
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", "alert-1.list_2");
    struct deliver *d;
    struct err e;
    size_t len, i;
    int round;

    (void)state;
    snprintf(spec, sizeof(spec), "dir:%s", dir);
    d = open_ok(spec);
    /* Twice: a retry after a crash overwrites with the same content. */
    for (round = 0; round < 2; round++) {
        rcpts_init(r, NRCPT, ADDRS);
        err_init(&e);
        assert_int_equal(check_rc("dir", deliver_send(d, &m, r, NRCPT, &e),
                                  &e, 0, ERR_OK), 0);
        for (i = 0; i < NRCPT; i++)
            assert_int_equal(check_rcpt("dir", i, &r[i], DELIVER_OK, 0), 0);
    }
    p = path_join(dir, "alert-1.list_2.eml");
    eml = slurp(p, &len);
    free(p);
    assert_non_null(eml);
    assert_int_equal(len, sizeof(MSG) - 1);
    assert_memory_equal(eml, MSG, len);
    p = path_join(dir, "alert-1.list_2.rcpt");
    env = slurp(p, NULL);
    free(p);
    assert_non_null(env);
    assert_string_equal(env, "csirt@example.org\na@example.org\n"
                             "b@example.org\nc@example.org\n");
    {                                   /* no temporary file left */
        DIR *dh = opendir(dir);
        struct dirent *de;
        int files = 0;

        assert_non_null(dh);
        while ((de = readdir(dh)) != NULL)
            if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
                files++;
        closedir(dh);
        assert_int_equal(files, 2);
    }
    free(eml);
    free(env);
    deliver_close(d);
    tmpdir_free(dir);
}

static void test_dir_bad_name(void **state)
{
    static const char *const names[] = {
        "", "../x", "a/b", "a b", "x\n", "caf\xc3\xa9", NULL
    };
    char *dir = tmpdir_new(), spec[64];
    struct deliver_rcpt r[NRCPT];
    struct deliver *d;
    size_t i;
    int bad = 0;

    (void)state;
    snprintf(spec, sizeof(spec), "dir:%s", dir);
    d = open_ok(spec);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct deliver_msg m = msg_make("csirt@example.org", names[i]);
        struct err e;

        err_init(&e);
        rcpts_init(r, NRCPT, ADDRS);
        bad += check_rc(names[i] ? names[i] : "(null)",
                        deliver_send(d, &m, r, NRCPT, &e), &e, -1, ERR_DATA);
        bad += check_rcpt("bad name", 0, &r[0], DELIVER_PENDING, 0);
    }
    assert_int_equal(bad, 0);
    deliver_close(d);
    tmpdir_free(dir);
}

static void test_dir_missing(void **state)
{
    char *dir = tmpdir_new(), spec[128];
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", "m1");
    struct deliver *d;
    struct err e;

    (void)state;
    snprintf(spec, sizeof(spec), "dir:%s/nonexistent", dir);
    d = open_ok(spec);
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    assert_int_equal(check_rc("missing dir",
                              deliver_send(d, &m, r, NRCPT, &e), &e, -1,
                              ERR_IO), 0);
    assert_true(err_is_temp(&e));
    assert_non_null(strstr(e.msg, "No such file"));
    assert_int_equal(check_rcpt("missing dir", 0, &r[0], DELIVER_PENDING, 0),
                     0);
    deliver_close(d);
    tmpdir_free(dir);
}

/* ---- smtp against smtp-sink ------------------------------------------- */

struct sink {
    pid_t pid;
    int port;
    char *dir;
};

static void sink_wait_listening(int port)
{
    struct sockaddr_in sa;
    struct timespec ms = {0, 20 * 1000000L};
    int i;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    for (i = 0; i < 150; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

        close(fd);
        if (ok)
            return;
        nanosleep(&ms, NULL);
    }
    fail_msg("smtp-sink did not start on port %d", port);
}

/* smtp-sink [-u root] -d DIR/msg. [-X CMDS] 127.0.0.1:PORT 10. The probe
 * connection of sink_wait_listening counts as a session, so no -n. */
static void sink_start(struct sink *s, const char *opt, const char *cmds)
{
    char addr[32], *tmpl, *argv[12];
    int k = 0;

    s->dir = tmpdir_new();
    s->port = free_port();
    tmpl = path_join(s->dir, "msg.");
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
    argv[k++] = (char *)SINK;
    if (geteuid() == 0) {
        argv[k++] = (char *)"-u";
        argv[k++] = (char *)"root";
    }
    argv[k++] = (char *)"-d";
    argv[k++] = tmpl;
    if (opt != NULL) {
        argv[k++] = (char *)opt;
        argv[k++] = (char *)cmds;
    }
    argv[k++] = addr;
    argv[k++] = (char *)"10";
    argv[k] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        dup2(fd, 1);
        dup2(fd, 2);
        execv(SINK, argv);
        _exit(127);
    }
    track_pid(s->pid);
    free(tmpl);
    sink_wait_listening(s->port);
}

static void sink_stop(struct sink *s)
{
    reap(s->pid);
    tmpdir_free(s->dir);
}

/* The one dump file (smtp-sink writes it when "." arrives). */
static char *sink_dump(const struct sink *s)
{
    DIR *dh = opendir(s->dir);
    struct dirent *de;
    char *text = NULL;
    int tries;

    assert_non_null(dh);
    for (tries = 0; tries < 100 && text == NULL; tries++) {
        struct timespec ms = {0, 20 * 1000000L};

        rewinddir(dh);
        while ((de = readdir(dh)) != NULL && text == NULL)
            if (strncmp(de->d_name, "msg.", 4) == 0) {
                char *p = path_join(s->dir, de->d_name);

                text = slurp(p, NULL);
                free(p);
            }
        if (text == NULL)
            nanosleep(&ms, NULL);
    }
    closedir(dh);
    return text;
}

static void test_smtp_sink_ok(void **state)
{
    struct sink s;
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", NULL);
    struct deliver *d;
    struct err e;
    char *dump, *body, *want;
    size_t i;

    (void)state;
    sink_start(&s, NULL, NULL);
    d = open_smtp(s.port);
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    assert_int_equal(check_rc("sink ok", deliver_send(d, &m, r, NRCPT, &e),
                              &e, 0, ERR_OK), 0);
    for (i = 0; i < NRCPT; i++)
        assert_int_equal(check_rcpt("sink ok", i, &r[i], DELIVER_OK, 250), 0);
    dump = sink_dump(&s);
    assert_non_null(dump);
    /* smtp-sink offers DSN: the envelope asks for reports (issue 17) */
    assert_non_null(strstr(dump, "X-Mail-Args: <csirt@example.org> RET=HDRS "
                           "ENVID=id+207+2B"));
    for (i = 0; i < NRCPT; i++) {
        char line[128];

        snprintf(line, sizeof(line), "X-Rcpt-Args: <%s> NOTIFY=FAILURE,DELAY "
                 "ORCPT=rfc822;%s\n", ADDRS[i], ADDRS[i]);
        assert_non_null(strstr(dump, line));
    }
    /* The message follows smtp-sink's three-line Received header; it is
     * stored un-stuffed with LF line ends and one empty line after it. */
    body = strstr(dump, "\nFrom: csirt@example.org\n");
    assert_non_null(body);
    want = crlf_to_lf(MSG);
    if (strlen(body + 1) != strlen(want) + 1 ||
        strncmp(body + 1, want, strlen(want)) != 0 ||
        strcmp(body + 1 + strlen(want), "\n") != 0)
        fail_msg("sink dump: got [%s], want [%s] and an empty line",
                 body + 1, want);
    free(want);
    deliver_close(d);
    free(dump);
    sink_stop(&s);
}

/* smtp-sink's own rejections: -r soft (450), -f hard (500), -Q 421. */
static void test_smtp_sink_reject(void **state)
{
    static const struct {
        const char *name, *opt, *cmds;
        int want_rc;
        enum deliver_state want;
        int code;
    } cases[] = {
        {"RCPT 4xx", "-r", "RCPT", 0, DELIVER_TEMP, 450},
        {"RCPT 5xx", "-f", "RCPT", 0, DELIVER_PERM, 500},
        {"MAIL 5xx", "-f", "MAIL", 0, DELIVER_PERM, 500},
        {"MAIL 4xx", "-r", "MAIL", 0, DELIVER_TEMP, 450},
        {"DATA 5xx", "-f", "DATA", 0, DELIVER_PERM, 500},
        {"dot 5xx", "-f", ".", 0, DELIVER_PERM, 500},
        {"dot 4xx", "-r", ".", 0, DELIVER_TEMP, 450},
        {"DATA 421", "-Q", "DATA", -1, DELIVER_TEMP, 0},
        {"RCPT drop", "-q", "RCPT", -1, DELIVER_PENDING, 0},
    };
    size_t c, i;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct sink s;
        struct deliver_rcpt r[NRCPT];
        struct deliver_msg m = msg_make("csirt@example.org", NULL);
        struct deliver *d;
        struct err e;

        sink_start(&s, cases[c].opt, cases[c].cmds);
        d = open_smtp(s.port);
        rcpts_init(r, NRCPT, ADDRS);
        err_init(&e);
        bad += check_rc(cases[c].name, deliver_send(d, &m, r, NRCPT, &e),
                        &e, cases[c].want_rc, ERR_TEMP);
        for (i = 0; i < NRCPT; i++)
            bad += check_rcpt(cases[c].name, i, &r[i], cases[c].want,
                              cases[c].code);
        deliver_close(d);
        sink_stop(&s);
    }
    assert_int_equal(bad, 0);
}

static void test_smtp_refused(void **state)
{
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", NULL);
    struct deliver *d = open_smtp(free_port());
    struct err e;

    (void)state;
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    assert_int_equal(check_rc("refused", deliver_send(d, &m, r, NRCPT, &e),
                              &e, -1, ERR_TEMP), 0);
    assert_non_null(strstr(e.msg, "refused"));
    assert_int_equal(check_rcpt("refused", 0, &r[0], DELIVER_PENDING, 0), 0);
    deliver_close(d);
}

/* ---- smtp against a scripted peer ------------------------------------- */

/*
 * The peer answers each line it reads with the next script entry (the
 * first entry is the greeting). After a 354 it reads the message up to
 * ".\r\n" as one step. "=close" hangs up, "=hang" goes silent. It logs
 * every byte it receives, for checks on what reached the wire.
 */
struct peer {
    pid_t pid;
    int port;
    char *dir;
    char *log;
};

static int peer_getline(int fd, int log, char *line, size_t size)
{
    size_t n = 0;
    char c;

    while (n + 1 < size) {
        ssize_t r = read(fd, &c, 1);

        if (r <= 0)
            return -1;
        if (write(log, &c, 1) != 1)
            return -1;
        line[n++] = c;
        if (c == '\n')
            break;
    }
    line[n] = '\0';
    return 0;
}

static int peer_read_body(int fd, int log)
{
    char line[1024];

    do
        if (peer_getline(fd, log, line, sizeof(line)) != 0)
            return -1;
    while (strcmp(line, ".\r\n") != 0);
    return 0;
}

static int peer_say(int fd, const char *reply)
{
    if (strcmp(reply, "=close") == 0)
        return -1;
    if (strcmp(reply, "=hang") == 0) {
        sleep(5);
        return -1;
    }
    if (write(fd, reply, strlen(reply)) < 0 || write(fd, "\r\n", 2) < 0)
        return -1;
    return 0;
}

/* "=close" hangs up our side only and reads (and logs) what the client
 * sends until it goes: closing with unread input would make the kernel
 * answer with a reset, which destroys the replies the client has not read
 * yet (pipelined ones), and the outcome would depend on timing. */
static void peer_hang_up(int fd, int log, const char *reply)
{
    char line[1024];

    if (strcmp(reply, "=close") != 0)
        return;
    shutdown(fd, SHUT_WR);
    while (peer_getline(fd, log, line, sizeof(line)) == 0)
        ;
}

/* One connection: the script, then QUIT answered until the client goes
 * (unless the script hung up). */
static void peer_session(int fd, int log, const char *const *script)
{
    char line[1024];
    int body = 0;
    size_t i;

    if (peer_say(fd, script[0]) != 0)
        return;
    for (i = 1; script[i] != NULL; i++) {
        if (body ? peer_read_body(fd, log) : peer_getline(fd, log, line,
                                                         sizeof(line)))
            return;
        if (peer_say(fd, script[i]) != 0) {
            peer_hang_up(fd, log, script[i]);
            return;
        }
        body = strncmp(script[i], "354", 3) == 0;
    }
    while (peer_getline(fd, log, line, sizeof(line)) == 0)
        if (strncmp(line, "QUIT", 4) == 0 && peer_say(fd, "221 bye") != 0)
            break;
}

/* Each script of scripts (NULL-terminated) serves one connection, in
 * turn. */
static void peer_serve(int lfd, int log, const char *const *const *scripts)
{
    int fd;

    for (; *scripts != NULL; scripts++) {
        if ((fd = accept(lfd, NULL, NULL)) < 0)
            break;
        peer_session(fd, log, *scripts);
        close(fd);
    }
    _exit(0);
}

static void peer_start_sessions(struct peer *p,
                                const char *const *const *scripts)
{
    int lfd = listen_loopback(&p->port), log;

    p->dir = tmpdir_new();
    p->log = path_join(p->dir, "wire.log");
    log = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(log >= 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        alarm(10);
        peer_serve(lfd, log, scripts);
    }
    track_pid(p->pid);
    close(log);
    close(lfd);
}

static void peer_start(struct peer *p, const char *const *script)
{
    const char *const *scripts[] = {script, NULL};

    peer_start_sessions(p, scripts);
}

/* The wire log once the peer is done (or killed). */
static char *peer_stop(struct peer *p)
{
    struct timespec ms = {0, 10 * 1000000L};
    char *text;
    int i, st;

    for (i = 0; i < 100 && waitpid(p->pid, &st, WNOHANG) == 0; i++)
        nanosleep(&ms, NULL);
    if (i == 100)
        reap(p->pid);
    untrack_pid(p->pid);
    text = slurp(p->log, NULL);
    free(p->log);
    tmpdir_free(p->dir);
    return text ? text : strdup("");
}

#define OKSTART "220 peer ESMTP", "250-peer\r\n250 8BITMIME", "250 2.1.0 ok"
/* The same with PIPELINING offered: MAIL, the RCPTs and DATA come in one
 * write, the peer answers them one by one as it reads them. */
#define PIPESTART "220 peer ESMTP", \
    "250-peer\r\n250-PIPELINING\r\n250 8BITMIME", "250 2.1.0 ok"
#define PIPEGROUP "MAIL FROM:<csirt@example.org>\r\nRCPT TO:<a@example.org>" \
    "\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n"

struct peer_case {
    const char *name;
    const char *script[MAXLINES];
    int timeout;
    int want_rc;
    enum err_code want_err;
    enum deliver_state want[NRCPT];
    int code[NRCPT];
    const char *reply0;         /* want r[0].reply, or NULL */
    const char *on_wire;        /* must appear in the log, or NULL */
    const char *not_on_wire;
};

static const struct peer_case peer_cases[] = {
    {"mixed rcpt", {OKSTART, "250 2.1.5 ok", "450 4.2.0 busy",
                    "550 5.1.1 unknown", "354 go", "250 2.0.0 queued",
                    NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_TEMP, DELIVER_PERM}, {250, 450, 550},
     "2.0.0 queued", "RCPT TO:<c@example.org>\r\n", NULL},
    {"none accepted", {OKSTART, "550 5.1.1 no", "550 5.1.1 no",
                       "452 4.5.3 too many", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_TEMP},
     {550, 550, 452}, "5.1.1 no", "QUIT", "DATA"},
    {"421 mid rcpt", {OKSTART, "250 ok", "421 4.3.2 closing", "=close",
                      NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_TEMP, DELIVER_PENDING},
     {0, 421, 0}, NULL, NULL, "c@example.org"},
    {"close in DATA", {OKSTART, "250 ok", "250 ok", "250 ok", "354 go",
                       "=close", NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_TEMP, DELIVER_TEMP}, {0, 0, 0},
     NULL, "last line\r\n.\r\n", NULL},
    {"dot 452", {OKSTART, "250 ok", "550 no", "250 ok", "354 go",
                 "452 4.3.1 full", NULL},
     0, 0, ERR_OK, {DELIVER_TEMP, DELIVER_PERM, DELIVER_TEMP},
     {452, 550, 452}, "4.3.1 full", NULL, NULL},
    {"dot 554", {OKSTART, "250 ok", "250 ok", "250 ok", "354 go",
                 "554 5.7.1 spam", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {554, 554, 554}, "5.7.1 spam", NULL, NULL},
    {"DATA 451", {OKSTART, "250 ok", "250 ok", "250 ok", "451 4.3.0 later",
                  NULL},
     0, 0, ERR_OK, {DELIVER_TEMP, DELIVER_TEMP, DELIVER_TEMP},
     {451, 451, 451}, "4.3.0 later", NULL, "last line"},
    {"MAIL 553", {"220 peer", "250 peer", "553 5.1.8 bad sender", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {553, 553, 553}, "5.1.8 bad sender", NULL, "RCPT"},
    {"EHLO 502 then HELO", {"220 old", "502 5.5.2 what", "250 old",
                            "250 ok", "250 ok", "250 ok", "250 ok",
                            "354 go", "250 done", NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_OK, DELIVER_OK}, {250, 250, 250},
     "done", "HELO ", NULL},
    {"greeting 554", {"554 5.3.2 go away", NULL},
     0, -1, ERR_TEMP, {DELIVER_PENDING, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, "EHLO"},
    {"EHLO 421", {"220 peer", "421 4.3.2 bye", NULL},
     0, -1, ERR_TEMP, {DELIVER_PENDING, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, "MAIL"},
    {"reply code out of range", {OKSTART, "250 ok", "999 what", NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, NULL},
    {"reply without code", {OKSTART, "250 ok", "hello there", NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, NULL},
    {"greeting timeout", {"=hang", NULL},
     1, -1, ERR_TEMP, {DELIVER_PENDING, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, NULL},
    {"reply made printable", {OKSTART,
                              "550-5.1.1 bad\x01user\x1b[31m\r\n550 second",
                              "550 no", "550 no", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {550, 550, 550}, "5.1.1 bad?user?[31m second", NULL, NULL},
    /* PIPELINING (issue 15): what each reply means is unchanged. */
    {"pipelined mixed rcpt", {PIPESTART, "250 2.1.5 ok", "450 4.2.0 busy",
                              "550 5.1.1 unknown", "354 go",
                              "250 2.0.0 queued", NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_TEMP, DELIVER_PERM}, {250, 450, 550},
     "2.0.0 queued", PIPEGROUP, NULL},
    {"pipelined MAIL refused", {"220 peer", "250-peer\r\n250 PIPELINING",
                                "553 5.1.8 bad sender", "503 5.5.1 MAIL",
                                "503 5.5.1 MAIL", "503 5.5.1 MAIL",
                                "503 5.5.1 no recipients", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {553, 553, 553}, "5.1.8 bad sender", "QUIT", "last line"},
    {"pipelined none accepted, 354 anyway", {PIPESTART, "550 5.1.1 no",
                                             "550 5.1.1 no", "550 5.1.1 no",
                                             "354 go", NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {550, 550, 550}, "5.1.1 no", PIPEGROUP, "last line"},
    {"pipelined DATA 451", {PIPESTART, "250 ok", "250 ok", "250 ok",
                            "451 4.3.0 later", NULL},
     0, 0, ERR_OK, {DELIVER_TEMP, DELIVER_TEMP, DELIVER_TEMP},
     {451, 451, 451}, "4.3.0 later", NULL, "last line"},
    {"pipelined connection lost", {PIPESTART, "250 ok", "=close", NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_PENDING, DELIVER_PENDING},
     {0, 0, 0}, NULL, NULL, "last line"},
    {"pipelined 421 mid rcpt", {PIPESTART, "250 ok", "421 4.3.2 closing",
                                "=close", NULL},
     0, -1, ERR_TEMP, {DELIVER_TEMP, DELIVER_TEMP, DELIVER_PENDING},
     {0, 421, 0}, NULL, NULL, "last line"},
    {"pipelined reply made printable", {PIPESTART,
                                        "550-5.1.1 bad\x01user\r\n550 second",
                                        "550 no", "550 no", "503 none",
                                        NULL},
     0, 0, ERR_OK, {DELIVER_PERM, DELIVER_PERM, DELIVER_PERM},
     {550, 550, 550}, "5.1.1 bad?user second", NULL, "last line"},
    {"pipelined dot 250", {PIPESTART, "250 ok", "250 ok", "250 ok", "354 go",
                           "250 2.0.0 queued", NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_OK, DELIVER_OK}, {250, 250, 250},
     "2.0.0 queued", "last line\r\n.\r\nQUIT", NULL},
    /* DSN (issue 17): ENVID and ORCPT as xtext, NOTIFY, with and
     * without pipelining; the cases above show nothing of it without. */
    {"DSN asked for", {"220 peer ESMTP", "250-peer\r\n250 DSN", "250 ok",
                       "250 ok", "250 ok", "250 ok", "354 go", "250 ok",
                       NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_OK, DELIVER_OK}, {250, 250, 250},
     NULL, "MAIL FROM:<csirt@example.org> RET=HDRS ENVID=id+207+2B\r\n"
           "RCPT TO:<a@example.org> NOTIFY=FAILURE,DELAY "
           "ORCPT=rfc822;a@example.org\r\n", NULL},
    {"pipelined DSN asked for", {"220 peer ESMTP",
                                 "250-peer\r\n250-PIPELINING\r\n250 DSN",
                                 "250 ok", "250 ok", "250 ok", "250 ok",
                                 "354 go", "250 ok", NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_OK, DELIVER_OK}, {250, 250, 250},
     NULL, "MAIL FROM:<csirt@example.org> RET=HDRS ENVID=id+207+2B\r\n"
           "RCPT TO:<a@example.org> NOTIFY=FAILURE,DELAY "
           "ORCPT=rfc822;a@example.org\r\nRCPT TO:<b@example.org> "
           "NOTIFY=FAILURE,DELAY ORCPT=rfc822;b@example.org\r\n", NULL},
    {"dot stuffing on the wire", {OKSTART, "250 ok", "250 ok", "250 ok",
                                  "354 go", "250 ok", NULL},
     0, 0, ERR_OK, {DELIVER_OK, DELIVER_OK, DELIVER_OK}, {250, 250, 250},
     NULL, "\r\n\r\n..hidden line\r\n...two dots\r\n..\r\nlast line\r\n"
           ".\r\nQUIT", "last line\r\n\r\n."},
};

static int peer_case_run(const struct peer_case *c)
{
    struct peer p;
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", NULL);
    struct deliver *d;
    struct err e;
    char *wire;
    size_t i;
    int bad;

    peer_start(&p, c->script);
    d = open_smtp(p.port);
    if (c->timeout)
        deliver_set_timeout(d, c->timeout);
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    bad = check_rc(c->name, deliver_send(d, &m, r, NRCPT, &e), &e,
                   c->want_rc, c->want_err);
    for (i = 0; i < NRCPT; i++)
        bad += check_rcpt(c->name, i, &r[i], c->want[i], c->code[i]);
    if (c->reply0 && strcmp(r[0].reply, c->reply0) != 0) {
        print_error("%s: reply got \"%s\", want \"%s\"\n", c->name,
                    r[0].reply, c->reply0);
        bad++;
    }
    deliver_close(d);
    wire = peer_stop(&p);
    if ((c->on_wire && !strstr(wire, c->on_wire)) ||
        (c->not_on_wire && strstr(wire, c->not_on_wire))) {
        print_error("%s: wire got [%s], want [%s] and not [%s]\n", c->name,
                    wire, c->on_wire ? c->on_wire : "",
                    c->not_on_wire ? c->not_on_wire : "");
        bad++;
    }
    free(wire);
    return bad;
}

static void test_smtp_peer(void **state)
{
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < sizeof(peer_cases) / sizeof(peer_cases[0]); i++)
        bad += peer_case_run(&peer_cases[i]);
    assert_int_equal(bad, 0);
}

/* ---- one connection for many messages ---------------------------------- */

#define ONE_MSG "250 ok", "250 ok", "250 ok", "354 go"

/* Issue 15: two messages on one handle go over one connection (one EHLO),
 * the second after RSET, and deliver_close says QUIT; a kept connection
 * the relay hung up on is replaced before the message's first answer
 * (nothing lost, nothing twice). */
static void test_smtp_reuse(void **state)
{
    static const char *const plain[] = {
        OKSTART, ONE_MSG, "250 one", "250 reset", "250 2.1.0 ok", ONE_MSG,
        "250 two", NULL};
    static const char *const piped[] = {
        PIPESTART, ONE_MSG, "250 one", "250 reset", "250 2.1.0 ok", ONE_MSG,
        "250 two", NULL};
    static const char *const hangup[] = {OKSTART, ONE_MSG, "250 one",
                                         "=close", NULL};
    static const char *const piped_hangup[] = {PIPESTART, ONE_MSG,
                                               "250 one", "=close", NULL};
    static const char *const again[] = {OKSTART, ONE_MSG, "250 two", NULL};
    static const struct {
        const char *name;
        const char *const *scripts[3];
        size_t ehlo;
    } cases[] = {
        {"reuse", {plain, NULL}, 1},
        {"reuse pipelined", {piped, NULL}, 1},
        {"hang-up between messages", {hangup, again, NULL}, 2},
        {"hang-up between pipelined messages", {piped_hangup, again, NULL},
         2},
    };
    static const char *const replies[] = {"one", "two"};
    size_t c, k, i;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct deliver_msg m = msg_make("csirt@example.org", NULL);
        struct deliver_rcpt r[NRCPT];
        struct peer p;
        struct deliver *d;
        struct err e;
        char *wire;

        peer_start_sessions(&p, cases[c].scripts);
        d = open_smtp(p.port);
        for (k = 0; k < 2; k++) {
            rcpts_init(r, NRCPT, ADDRS);
            err_init(&e);
            bad += check_rc(cases[c].name, deliver_send(d, &m, r, NRCPT, &e),
                            &e, 0, ERR_OK);
            for (i = 0; i < NRCPT; i++)
                bad += check_rcpt(cases[c].name, i, &r[i], DELIVER_OK, 250);
            if (strcmp(r[0].reply, replies[k]) != 0) {
                print_error("%s: reply got \"%s\", want \"%s\"\n",
                            cases[c].name, r[0].reply, replies[k]);
                bad++;
            }
        }
        deliver_close(d);
        wire = peer_stop(&p);
        if (count_of(wire, "EHLO ") != cases[c].ehlo ||
            count_of(wire, "last line\r\n.\r\n") != 2 ||
            (cases[c].ehlo == 1 &&
             !strstr(wire, "last line\r\n.\r\nRSET\r\nMAIL FROM:")) ||
            strcmp(wire + strlen(wire) - 6, "QUIT\r\n") != 0) {
            print_error("%s: wire got [%s], want %zu EHLO, RSET, two "
                        "messages, QUIT\n", cases[c].name, wire,
                        cases[c].ehlo);
            bad++;
        }
        free(wire);
    }
    assert_int_equal(bad, 0);
}

/* ---- unsafe addresses ------------------------------------------------- */

static void test_smtp_unsafe_rcpt(void **state)
{
    static const char *const script[] = {
        OKSTART, "250 ok", "354 go", "250 ok", NULL
    };
    char longaddr[DELIVER_ADDR_MAX + 2];
    const char *addrs[7];
    struct deliver_rcpt r[7];
    struct deliver_msg m = msg_make("csirt@example.org", NULL);
    struct peer p;
    struct deliver *d;
    struct err e;
    char *wire;
    size_t i;

    (void)state;
    memset(longaddr, 'a', sizeof(longaddr) - 1);
    longaddr[sizeof(longaddr) - 1] = '\0';
    addrs[0] = "evil@example.org>\r\nRCPT TO:<x@evil.example";
    addrs[1] = "ok@example.org";
    addrs[2] = "sp ace@example.org";
    addrs[3] = "";
    addrs[4] = longaddr;
    addrs[5] = "lf@example.org\nDATA";
    addrs[6] = "<angle@example.org>";
    peer_start(&p, script);
    d = open_smtp(p.port);
    rcpts_init(r, 7, addrs);
    err_init(&e);
    assert_int_equal(check_rc("unsafe", deliver_send(d, &m, r, 7, &e), &e, 0,
                              ERR_OK), 0);
    for (i = 0; i < 7; i++) {
        if (i == 1) {
            assert_int_equal(check_rcpt("unsafe", i, &r[i], DELIVER_OK, 250),
                             0);
            continue;
        }
        assert_int_equal(check_rcpt("unsafe", i, &r[i], DELIVER_PERM, 0), 0);
        assert_string_equal(r[i].reply, "refused: unsafe address");
    }
    deliver_close(d);
    wire = peer_stop(&p);
    if (count_of(wire, "RCPT TO:") != 1 || strstr(wire, "evil") ||
        count_of(wire, "DATA") != 1)
        fail_msg("unsafe: wire got [%s], want one RCPT", wire);
    free(wire);
}

/* An unsafe sender fails before any connection: ERR_DATA, not the
 * ERR_TEMP a connection to this closed port would give. */
static void test_unsafe_sender(void **state)
{
    static const char *const senders[] = {
        "a@b\r\nRSET", "a b@example.org", "<a@example.org>", NULL
    };
    struct deliver_rcpt r[NRCPT];
    struct deliver *d = open_smtp(free_port());
    size_t i;
    int bad = 0;

    (void)state;
    for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
        struct deliver_msg m = msg_make(senders[i], NULL);
        struct err e;

        rcpts_init(r, NRCPT, ADDRS);
        err_init(&e);
        bad += check_rc("unsafe sender", deliver_send(d, &m, r, NRCPT, &e),
                        &e, -1, ERR_DATA);
    }
    assert_int_equal(bad, 0);
    deliver_close(d);
}

/* The null reverse-path is a valid sender. */
static void test_smtp_null_sender(void **state)
{
    static const char *const script[] = {
        OKSTART, "250 ok", "250 ok", "250 ok", "354 go", "250 ok", NULL
    };
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("", NULL);
    struct peer p;
    struct deliver *d;
    struct err e;
    char *wire;

    (void)state;
    peer_start(&p, script);
    d = open_smtp(p.port);
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    assert_int_equal(check_rc("null sender", deliver_send(d, &m, r, NRCPT,
                                                          &e), &e, 0, ERR_OK),
                     0);
    deliver_close(d);
    wire = peer_stop(&p);
    assert_non_null(strstr(wire, "MAIL FROM:<>"));
    free(wire);
}

/* ---- sendmail: -------------------------------------------------------- */

static char *sm_script(const char *dir, const char *tail)
{
    char text[1024], *path = path_join(dir, "sendmail");

    snprintf(text, sizeof(text),
             "#!/bin/sh\n"
             "printf '%%s\\n' \"$@\" > '%s/argv'\n"
             "%s\n", dir, tail);
    spit(path, text, 0700);
    return path;
}

static void test_sendmail(void **state)
{
    static const struct {
        const char *name, *tail;
        int want_rc;
        enum deliver_state want;
        const char *reply;
    } cases[] = {
        {"exit 0", "cat > \"$(dirname $0)/stdin\"; exit 0", 0, DELIVER_OK,
         NULL},
        {"exit 75", "cat >/dev/null; echo 'queue full' >&2; exit 75", 0,
         DELIVER_TEMP, "queue full"},
        {"exit 69", "cat >/dev/null; exit 69", 0, DELIVER_PERM,
         "sendmail exited with status 69"},
        {"signal", "cat >/dev/null; kill -9 $$", 0, DELIVER_TEMP,
         "sendmail killed by signal 9"},
        {"no read, exit 0", "exec 0<&-; exit 0", 0, DELIVER_TEMP, NULL},
    };
    size_t c;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char *dir = tmpdir_new(), *prog = sm_script(dir, cases[c].tail);
        char spec[256], *big = NULL;
        struct deliver_rcpt r[NRCPT];
        struct deliver_msg m = msg_make("csirt@example.org", NULL);
        struct deliver *d;
        struct err e;
        size_t i;

        if (c == 4) {                   /* more than a pipe holds */
            big = malloc(1 << 20);
            assert_non_null(big);
            memset(big, 'x', 1 << 20);
            m.data = big;
            m.len = 1 << 20;
        }
        snprintf(spec, sizeof(spec), "sendmail:%s", prog);
        d = open_ok(spec);
        deliver_set_timeout(d, 5);
        rcpts_init(r, NRCPT, ADDRS);
        err_init(&e);
        bad += check_rc(cases[c].name, deliver_send(d, &m, r, NRCPT, &e),
                        &e, cases[c].want_rc, ERR_OK);
        for (i = 0; i < NRCPT; i++)
            bad += check_rcpt(cases[c].name, i, &r[i], cases[c].want, 0);
        if (cases[c].reply && strcmp(r[0].reply, cases[c].reply) != 0) {
            print_error("%s: reply got \"%s\", want \"%s\"\n",
                        cases[c].name, r[0].reply, cases[c].reply);
            bad++;
        }
        if (c == 0) {
            char *p = path_join(dir, "argv"), *argv = slurp(p, NULL);
            char *q = path_join(dir, "stdin"), *in = slurp(q, NULL);
            char *want = crlf_to_lf(MSG);

            assert_non_null(argv);
            assert_string_equal(argv, "-oi\n-f\ncsirt@example.org\n--\n"
                                "a@example.org\nb@example.org\n"
                                "c@example.org\n");
            assert_non_null(in);
            assert_string_equal(in, want);
            free(p);
            free(q);
            free(argv);
            free(in);
            free(want);
        }
        free(big);
        deliver_close(d);
        free(prog);
        tmpdir_free(dir);
    }
    assert_int_equal(bad, 0);
}

static void test_sendmail_unsafe_and_missing(void **state)
{
    static const char *const addrs[NRCPT] = {
        "a@example.org", "-oQ/tmp\nx", "c@example.org"
    };
    char *dir = tmpdir_new(), *prog = sm_script(dir, "cat >/dev/null");
    char spec[256], *p, *argv;
    struct deliver_rcpt r[NRCPT];
    struct deliver_msg m = msg_make("csirt@example.org", NULL);
    struct deliver *d;
    struct err e;

    (void)state;
    snprintf(spec, sizeof(spec), "sendmail:%s", prog);
    d = open_ok(spec);
    rcpts_init(r, NRCPT, addrs);
    err_init(&e);
    assert_int_equal(deliver_send(d, &m, r, NRCPT, &e), 0);
    assert_int_equal(check_rcpt("sm unsafe", 1, &r[1], DELIVER_PERM, 0), 0);
    assert_int_equal(check_rcpt("sm unsafe", 2, &r[2], DELIVER_OK, 0), 0);
    p = path_join(dir, "argv");
    argv = slurp(p, NULL);
    assert_non_null(argv);
    assert_string_equal(argv, "-oi\n-f\ncsirt@example.org\n--\n"
                              "a@example.org\nc@example.org\n");
    free(p);
    free(argv);
    deliver_close(d);

    snprintf(spec, sizeof(spec), "sendmail:%s/nonexistent", dir);
    d = open_ok(spec);
    rcpts_init(r, NRCPT, ADDRS);
    err_init(&e);
    assert_int_equal(check_rc("sm missing", deliver_send(d, &m, r, NRCPT, &e),
                              &e, -1, ERR_TEMP), 0);
    assert_non_null(strstr(e.msg, "No such file"));
    assert_int_equal(check_rcpt("sm missing", 0, &r[0], DELIVER_PENDING, 0),
                     0);
    deliver_close(d);
    free(prog);
    tmpdir_free(dir);
}

/* TLS policy, checked before any connection: required TLS to a relay off
 * loopback needs a way to authenticate it (verification or a pin); pins
 * are 64 hex digits, colons allowed; verification needs a CA file with a
 * certificate in it; only address literals count as loopback. */
static void test_tls_policy(void **state)
{
    static const char PIN[] =
        "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:"
        "93:4C:A4:95:99:1B:78:52:B8:55";
    static const struct {
        const char *spec, *tls, *pin, *verify, *ca;
        int set_rc, check_rc;
    } cases[] = {
        {"smtp://192.0.2.1:25", "require", "", "", "", 0, 0},
        {"smtp://192.0.2.1:25", "require", "", "auto", DELIVER_CA_FILE, 0, 0},
        {"smtp://192.0.2.1:25", "require", "", "no", "", 0, -1},
        {"smtp://192.0.2.1:25", "require", PIN, "no", "", 0, 0},
        {"smtp://192.0.2.1:25", "may", "", "no", "", 0, 0},
        {"smtp://192.0.2.1:25", "off", "", "", "", 0, 0},
        {"smtp://127.0.0.1:25", "require", "", "no", "", 0, 0},
        {"smtp://localhost", "require", "", "no", "", 0, 0},
        {"smtp://[::1]:25", "require", "", "no", "", 0, 0},
        /* a DNS name that looks like loopback is not */
        {"smtp://127.example.org", "require", "", "no", "", 0, -1},
        {"smtp://192.0.2.1:25", "require", "", "", "/nonexistent.pem", 0, -1},
        {"smtp://192.0.2.1:25", "may", "", "", "/dev/null", 0, -1},
        /* loopback: the CA file is not needed unless verify = yes */
        {"smtp://127.0.0.1:25", "may", "", "", "/dev/null", 0, 0},
        {"smtp://127.0.0.1:25", "may", "", "yes", "/dev/null", 0, -1},
        /* a pin replaces the chain: no CA file needed */
        {"smtp://192.0.2.1:25", "require", PIN, "yes", "/dev/null", 0, 0},
        {"smtp://192.0.2.1:25", "off", "", "yes", "/dev/null", 0, 0},
        {"smtp://192.0.2.1:25", "require", "e3b0", "", "", -1, -1},
        {"smtp://192.0.2.1:25", "require", "zz", "", "", -1, -1},
        {"smtp://192.0.2.1:25", "require", "", "maybe", "", -1, -1},
        {"dir:/nonexistent", "require", "", "no", "", 0, 0},
    };
    size_t c;
    int bad = 0;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct deliver *d;
        enum deliver_tls tls;
        struct err e;
        int src, crc;

        err_init(&e);
        assert_int_equal(deliver_open(&d, cases[c].spec, &e), 0);
        assert_int_equal(deliver_tls_parse(cases[c].tls, &tls), 0);
        deliver_set_tls(d, tls);
        src = deliver_set_pin(d, cases[c].pin, &e);
        if (src == 0)
            src = deliver_set_verify(d, cases[c].verify, cases[c].ca, &e);
        crc = src == 0 ? deliver_check(d, &e) : -1;
        if (src != cases[c].set_rc || crc != cases[c].check_rc ||
            (crc != 0 && e.code != ERR_CONFIG)) {
            print_error("tls case %zu (%s %s pin '%s' verify '%s' ca '%s'): "
                        "got set %d check %d (%s), want set %d check %d\n",
                        c, cases[c].spec, cases[c].tls, cases[c].pin,
                        cases[c].verify, cases[c].ca, src, crc, e.msg,
                        cases[c].set_rc, cases[c].check_rc);
            bad++;
        }
        deliver_close(d);
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_open_specs, teardown),
        cmocka_unit_test_teardown(test_dir_write, teardown),
        cmocka_unit_test_teardown(test_dir_bad_name, teardown),
        cmocka_unit_test_teardown(test_dir_missing, teardown),
        cmocka_unit_test_teardown(test_smtp_sink_ok, teardown),
        cmocka_unit_test_teardown(test_smtp_sink_reject, teardown),
        cmocka_unit_test_teardown(test_smtp_refused, teardown),
        cmocka_unit_test_teardown(test_smtp_peer, teardown),
        cmocka_unit_test_teardown(test_smtp_reuse, teardown),
        cmocka_unit_test_teardown(test_smtp_unsafe_rcpt, teardown),
        cmocka_unit_test_teardown(test_unsafe_sender, teardown),
        cmocka_unit_test_teardown(test_smtp_null_sender, teardown),
        cmocka_unit_test_teardown(test_sendmail, teardown),
        cmocka_unit_test_teardown(test_sendmail_unsafe_and_missing, teardown),
        cmocka_unit_test(test_tls_policy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
