/* smtp_pipe - MAIL, RCPT and DATA pipelined (RFC 2920) when the relay
 * offers PIPELINING: smtp.c's SMTP_PIPE state.
 *
 * libetpan never pipelines (each of its commands waits for its reply), so
 * the commands are written here through the session's own stream
 * (mailstream_write, one mailstream_flush a group) and the replies read
 * here, in order, off the same buffered stream; the body still goes
 * through mailsmtp_data_message. A group is [RSET] [MAIL] RCPT... [DATA]:
 * DATA goes last in the group that offers the last recipient (RFC 2920
 * section 3.1), so a message of up to SMTP_PIPE_MAX - 3 recipients costs
 * one round trip before its body. What each reply means is what it means
 * without pipelining (smtp.c), read from its numeric code. */
#include "relay/deliver_int.h"
#include "util/limits.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libetpan/mailstream.h>
#include <libetpan/mailstream_helper.h>

enum smtp_cmd { SMTP_CMD_RSET, SMTP_CMD_MAIL, SMTP_CMD_RCPT, SMTP_CMD_DATA };

static const char *const smtp_cmd_name[] = {
    [SMTP_CMD_RSET] = "RSET", [SMTP_CMD_MAIL] = "MAIL",
    [SMTP_CMD_RCPT] = "RCPT", [SMTP_CMD_DATA] = "DATA",
};

/* One group: each command written and, for RCPT, its recipient. */
struct smtp_group {
    enum smtp_cmd cmd[SMTP_PIPE_MAX];
    struct deliver_rcpt *rcpt[SMTP_PIPE_MAX];
    size_t n;
    size_t rcpts;           /* RCPTs among them */
};

/* ---- one reply --------------------------------------------------------- */

static void smtp_text_append(char *text, size_t size, const char *part)
{
    size_t used = strlen(text);

    if (used > 0 && used + 1 < size) {
        text[used++] = ' ';
        text[used] = '\0';
    }
    text_oneline(text + used, size - used, part);
}

static int smtp_line_code(const char *l)
{
    if (strlen(l) < 3 || !isdigit((unsigned char)l[0]) ||
        !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]))
        return 0;
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

/* As libetpan reads a reply (the text after "250 " or "250-", lines
 * joined), into the session's own line buffer, which is free between
 * libetpan's calls. A line without a code, a reply longer than
 * SMTP_REPLY_LINES_MAX lines or a connection gone: 0. */
int smtp_read_reply(struct smtp_run *run, char *text, size_t size)
{
    size_t lines;
    int code = 0;
    char *l;

    text[0] = '\0';
    for (lines = 0; lines < SMTP_REPLY_LINES_MAX; lines++) {
        l = mailstream_read_line_remove_eol(run->s->stream,
                                            run->s->line_buffer);
        if (l == NULL || (code = smtp_line_code(l)) == 0)
            return 0;
        smtp_text_append(text, size, l[3] == ' ' || l[3] == '-' ? l + 4 :
                         l + 3);
        if (l[3] != '-')
            return code;
    }
    return 0;
}

/* ---- writing a group --------------------------------------------------- */

/* ---- DSN parameters (RFC 3461) ----------------------------------------- */

int smtp_xtext(char *out, size_t size, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    unsigned char ch;

    for (; *in; in++) {
        ch = (unsigned char)*in;
        if (ch >= '!' && ch <= '~' && ch != '+' && ch != '=') {
            if (o + 1 >= size)
                return -1;
            out[o++] = (char)ch;
            continue;
        }
        if (o + 3 >= size)
            return -1;
        out[o++] = '+';
        out[o++] = hex[ch >> 4];
        out[o++] = hex[ch & 15];
    }
    if (o >= size)
        return -1;
    out[o] = '\0';
    return (int)o;
}

void smtp_envid(const struct smtp_run *run, char *out, size_t size)
{
    int n;

    out[0] = '\0';
    if (!(run->s->esmtp & MAILSMTP_ESMTP_DSN) || run->msg->envid == NULL)
        return;
    n = smtp_xtext(out, size, run->msg->envid);
    if (n < 0 || n > SMTP_ENVID_MAX)
        out[0] = '\0';
}

void smtp_orcpt(const struct smtp_run *run, const char *addr, size_t limit,
                char *out, size_t size)
{
    static const char type[] = "rfc822;";
    /* "RCPT TO:<" ">" NOTIFY " ORCPT=" "\r\n" */
    size_t fixed = 9 + 1 + strlen(SMTP_NOTIFY) + 7 + 2 + strlen(addr);
    int n;

    out[0] = '\0';
    if (!(run->s->esmtp & MAILSMTP_ESMTP_DSN) || size <= sizeof(type))
        return;
    memcpy(out, type, sizeof(type));
    n = smtp_xtext(out + sizeof(type) - 1, size - sizeof(type) + 1, addr);
    if (n < 0 || fixed + sizeof(type) - 1 + (size_t)n > limit)
        out[0] = '\0';
}

static int smtp_mail_line(const struct smtp_run *run, char *line,
                          size_t size)
{
    char ret[16] = "", sz[32] = "", envid[SMTP_ENVID_MAX + 1];

    /* What libetpan's mailesmtp_mail_size says, so that a relay hears
     * the same MAIL with and without pipelining. */
    if (run->s->esmtp & MAILSMTP_ESMTP_DSN)
        snprintf(ret, sizeof(ret), " RET=HDRS");
    if ((run->s->esmtp & MAILSMTP_ESMTP_SIZE) && run->msg->len > 0)
        snprintf(sz, sizeof(sz), " SIZE=%zu", run->msg->len);
    smtp_envid(run, envid, sizeof(envid));
    return snprintf(line, size, "MAIL FROM:<%s>%s%s%s%s\r\n",
                    run->msg->sender, ret, envid[0] ? " ENVID=" : "", envid,
                    sz);
}

static int smtp_rcpt_line(const struct smtp_run *run, const char *addr,
                          char *line, size_t size)
{
    char orcpt[SMTP_CMD_MAX];
    int dsn = (run->s->esmtp & MAILSMTP_ESMTP_DSN) != 0;

    smtp_orcpt(run, addr, SMTP_CMD_MAX, orcpt, sizeof(orcpt));
    return snprintf(line, size, "RCPT TO:<%s>%s%s%s\r\n", addr,
                    dsn ? SMTP_NOTIFY : "", orcpt[0] ? " ORCPT=" : "", orcpt);
}

static int smtp_group_add(struct smtp_run *run, struct smtp_group *g,
                          enum smtp_cmd cmd, struct deliver_rcpt *r)
{
    char line[SMTP_CMD_MAX];
    int len;

    if (cmd == SMTP_CMD_MAIL)
        len = smtp_mail_line(run, line, sizeof(line));
    else if (cmd == SMTP_CMD_RCPT)
        len = smtp_rcpt_line(run, r->addr, line, sizeof(line));
    else
        len = snprintf(line, sizeof(line), "%s\r\n", smtp_cmd_name[cmd]);
    /* Addresses are at most DELIVER_ADDR_MAX (deliver_send checked). */
    if (len < 0 || (size_t)len >= sizeof(line) ||
        mailstream_write(run->s->stream, line, (size_t)len) != len)
        return -1;
    g->cmd[g->n] = cmd;
    g->rcpt[g->n++] = r;
    g->rcpts += cmd == SMTP_CMD_RCPT;
    return 0;
}

/* The next recipient still to offer, or NULL (refused up front ones are
 * skipped). */
static struct deliver_rcpt *smtp_next_rcpt(struct smtp_run *run)
{
    while (run->next < run->n &&
           run->rcpts[run->next].state != DELIVER_PENDING)
        run->next++;
    return run->next < run->n ? &run->rcpts[run->next] : NULL;
}

/* Writes the next group and flushes it; -1 when the connection broke. */
static int smtp_group_write(struct smtp_run *run, struct smtp_group *g)
{
    struct deliver_rcpt *r;

    if (run->rset && smtp_group_add(run, g, SMTP_CMD_RSET, NULL) != 0)
        return -1;
    run->rset = 0;
    if (!run->mail_sent && smtp_group_add(run, g, SMTP_CMD_MAIL, NULL) != 0)
        return -1;
    run->mail_sent = 1;
    while (g->n < SMTP_PIPE_MAX && (r = smtp_next_rcpt(run)) != NULL) {
        if (smtp_group_add(run, g, SMTP_CMD_RCPT, r) != 0)
            return -1;
        run->next++;
    }
    /* DATA only while a recipient may still be accepted: RFC 2920 has
     * the relay refuse it otherwise, but a relay that does not would
     * wait for a body. */
    if (g->n < SMTP_PIPE_MAX && smtp_next_rcpt(run) == NULL &&
        (run->accepted > 0 || g->rcpts > 0)) {
        if (smtp_group_add(run, g, SMTP_CMD_DATA, NULL) != 0)
            return -1;
        run->data_sent = 1;
    }
    if (g->n == 0)
        return 0;
    return mailstream_flush(run->s->stream) == 0 ? 0 : -1;
}

/* ---- the replies of a group ------------------------------------------- */

static enum smtp_state smtp_pipe_rcpt(struct smtp_run *run,
                                      struct deliver_rcpt *r, int code,
                                      const char *text)
{
    run->answered++;
    if (code / 100 == 2) {
        rcpt_set(r, DELIVER_PENDING, code, text);
        run->accepted++;
    } else
        rcpt_set(r, smtp_class(code), code, text);
    return SMTP_PIPE;
}

/* A refused sender refuses the whole transaction: every recipient gets
 * the MAIL reply (the RCPTs written after it are answered 503). */
static enum smtp_state smtp_pipe_mail(struct smtp_run *run, int code,
                                      const char *text)
{
    if (code / 100 == 2)
        return SMTP_PIPE;
    run->answered++;
    deliver_set_pending(run->rcpts, run->n, smtp_class(code), code, text);
    return SMTP_END;
}

/* DATA is last in its group. 354 with no recipient accepted: a relay
 * that breaks RFC 2920 waits for a body that must not come; the
 * connection is dropped (no final dot: nothing is delivered). */
static enum smtp_state smtp_pipe_data(struct smtp_run *run, int code,
                                      const char *text)
{
    if (code == 354) {
        if (run->accepted > 0)
            return SMTP_BODY;
        run->unusable = 1;
        return SMTP_END;
    }
    if (code / 100 == 2 || code / 100 == 3)
        return smtp_fail_reply(run, "DATA", code, text);
    smtp_settle(run, smtp_class(code), code, text);
    return SMTP_END;
}

/* One reply of the group: what smtp.c's smtp_reply does for a command
 * libetpan sent (lost, out of range, 421: the attempt fails), then the
 * command's own meaning. */
static enum smtp_state smtp_pipe_reply(struct smtp_run *run,
                                       enum smtp_cmd cmd,
                                       struct deliver_rcpt *r, int code,
                                       const char *text)
{
    const char *what = smtp_cmd_name[cmd];

    if (code == 421 && r != NULL) {
        rcpt_set(r, DELIVER_TEMP, code, text);
        run->answered++;
    }
    if (code < 200 || code > 599 || code == 421)
        return smtp_fail_reply(run, what, code, text);
    switch (cmd) {
    case SMTP_CMD_RSET:
        return code / 100 == 2 ? SMTP_PIPE :
               smtp_fail_reply(run, what, code, text);
    case SMTP_CMD_MAIL:
        return smtp_pipe_mail(run, code, text);
    case SMTP_CMD_RCPT:
        return smtp_pipe_rcpt(run, r, code, text);
    default:
        return smtp_pipe_data(run, code, text);
    }
}

/* After a refused MAIL the rest of the group's replies are read and
 * dropped; the session serves the next message only if all came and
 * none was a 354. */
static void smtp_group_drain(struct smtp_run *run,
                             const struct smtp_group *g, size_t from)
{
    char text[DELIVER_REPLY_MAX];
    int code;

    for (; from < g->n && !run->unusable; from++) {
        code = smtp_read_reply(run, text, sizeof(text));
        if (code == 0 || code == 421 ||
            (g->cmd[from] == SMTP_CMD_DATA && code == 354))
            run->unusable = 1;
    }
}

enum smtp_state smtp_st_pipe(struct smtp_run *run)
{
    struct smtp_group g;
    char text[DELIVER_REPLY_MAX];
    enum smtp_state next = SMTP_PIPE;
    size_t i;

    g.n = g.rcpts = 0;
    if (smtp_group_write(run, &g) != 0)
        return smtp_fail_reply(run, "pipelined commands", 0, NULL);
    if (g.n == 0)           /* every recipient refused: no DATA */
        return SMTP_END;
    for (i = 0; i < g.n && next == SMTP_PIPE; i++)
        next = smtp_pipe_reply(run, g.cmd[i], g.rcpt[i],
                               smtp_read_reply(run, text, sizeof(text)),
                               text);
    if (next == SMTP_END)
        smtp_group_drain(run, &g, i);
    return next;
}
