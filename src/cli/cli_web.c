/* cli_web - commands: `web` (the console, src/web/) and `web user` (its
 * accounts). The only file of cli/ that includes web/. */
#include "cli/cli_int.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "db/listing.h"
#include "web/account.h"
#include "web/web.h"

static int cmd_web(struct cli *c, struct cli_args *a)
{
    struct web_opts o = {cli_opt(a, "listen"), cli_opt(a, "socket"), stderr};

    if (o.listen == NULL && o.socket == NULL)
        o.listen = "127.0.0.1:8025";
    if (o.listen && o.socket)
        return err_set(&c->e, ERR_USAGE, "web: --listen or --socket, not "
                       "both");
    if (cli_open(c) != 0)
        return -1;
    return web_serve(&c->g, &c->conf, &o, &c->e);
}

/* One line from fd into out (n bytes), without its line end. */
static int cli_web_line(FILE *fp, char *out, size_t n)
{
    size_t len;

    if (fgets(out, (int)n, fp) == NULL)
        return -1;
    len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == n - 1)
        return -1;                      /* longer than the limit */
    out[len] = '\0';
    return 0;
}

/* From the terminal without echo, twice; else the first line of stdin. */
static int cli_web_password(struct cli *c, char *pw, size_t n)
{
    char again[WEB_PASSWORD_MAX + 2];
    struct termios old, quiet;
    int rc;

    if (!isatty(0)) {
        if (cli_web_line(stdin, pw, n) != 0)
            return err_set(&c->e, ERR_DATA, "no password on stdin (one line"
                           ", at most %d bytes)", WEB_PASSWORD_MAX);
        return 0;
    }
    if (tcgetattr(0, &old) != 0)
        return err_set(&c->e, ERR_IO, "terminal: cannot turn echo off");
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(0, TCSAFLUSH, &quiet);
    fputs("password: ", stderr);
    rc = cli_web_line(stdin, pw, n);
    fputs("\nagain: ", stderr);
    rc |= cli_web_line(stdin, again, sizeof(again));
    fputc('\n', stderr);
    tcsetattr(0, TCSAFLUSH, &old);
    if (rc == 0 && strcmp(pw, again) != 0)
        rc = err_set(&c->e, ERR_DATA, "the two passwords differ");
    else if (rc != 0)
        rc = err_set(&c->e, ERR_DATA, "no password given");
    explicit_bzero(again, sizeof(again));
    return rc;
}

static int cli_web_user_add(struct cli *c, struct cli_args *a)
{
    char pw[WEB_PASSWORD_MAX + 2];
    int rc;

    if (a->npos != 2 || cli_opt(a, "role") == NULL)
        return err_set(&c->e, ERR_USAGE, "usage: alertgw web user add NAME "
                       "--role viewer|keeper|officer");
    if (account_role(cli_opt(a, "role")) == 0)
        return err_set(&c->e, ERR_USAGE, "--role: viewer, keeper or officer,"
                       " not '%.40s'", cli_opt(a, "role"));
    if (cli_open(c) != 0 || cli_web_password(c, pw, sizeof(pw)) != 0)
        return -1;
    rc = account_add(c->g.store, a->pos[1], cli_opt(a, "role"), pw, &c->e);
    explicit_bzero(pw, sizeof(pw));
    if (rc == 0)
        printf("account %s added (%s)\n", a->pos[1], cli_opt(a, "role"));
    return rc;
}

static int cmd_web_user(struct cli *c, struct cli_args *a)
{
    const char *verb = a->pos[0];

    if (strcmp(verb, "add") == 0)
        return cli_web_user_add(c, a);
    if (strcmp(verb, "list") == 0 && a->npos == 1)
        return cli_print(c, "web_users_list", NULL, NULL, a);
    if (strcmp(verb, "remove") == 0 && a->npos == 2) {
        if (cli_open(c) != 0 ||
            account_remove(c->g.store, a->pos[1], &c->e) != 0)
            return -1;
        printf("account %s removed\n", a->pos[1]);
        return 0;
    }
    return err_set(&c->e, ERR_USAGE, "usage: alertgw web user add NAME "
                   "--role ROLE | list [--json] | remove NAME");
}

static const struct cli_cmd cli_web_cmds[] = {
    {"web", "user", "role=,json", 1, 2, cmd_web_user,
     "add NAME --role viewer|keeper|officer | list [--json] | remove NAME",
     "The web console's accounts.\n"
     "add: the password is read from the terminal (twice, no echo) or\n"
     "as the first line of stdin, at least 10 bytes; it is stored as an\n"
     "Argon2id hash. viewer reads every page; keeper also changes the\n"
     "registry and imports; officer also adds officers (signing\n"
     "authority) and sees reveal and whole (unsanitised) copies.\n"
     "remove ends the account's sessions too.\n"
     "Adding and removing are in the audit chain."},
    {"web", NULL, "listen=,socket=", 0, 0, cmd_web,
     "[--listen 127.0.0.1:8025 | --socket PATH]",
     "Serve the web console until SIGTERM.\n"
     "--listen: a loopback address and port only (127.0.0.0/8, [::1],\n"
     "localhost; port 0 picks one); --socket: a UNIX socket (mode 0660)\n"
     "for a reverse proxy. TLS, and anything beyond this host, is the\n"
     "proxy's (README \"Web console\"). Says where it listens on stderr."},
};

CLI_TABLE(cli_web);
