#include "intake/keyreq.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

int keyreq_addr_ok(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t n = strlen(addr);

    /* and no domain that starts or ends with a dot */
    return text_addr_ok(addr, KEYREQ_ADDR_MAX) && at[1] != '.' &&
           addr[n - 1] != '.';
}

/* Senders that are programs, not people (RFC 3834 5.2 and the usual
 * list-manager and bounce local parts). */
static const char *keyreq_daemon(const char *sender)
{
    static const char *const locals[] = {"mailer-daemon", "postmaster",
                                         "listserv", "majordomo",
                                         "noreply", "no-reply"};
    const char *at = strrchr(sender, '@');
    size_t n = at ? (size_t)(at - sender) : strlen(sender), i, k;

    for (i = 0; i < sizeof(locals) / sizeof(locals[0]); i++)
        if (strlen(locals[i]) == n && strncasecmp(sender, locals[i], n) == 0)
            return "a daemon's sender";
    if (strncasecmp(sender, "owner-", 6) == 0)
        return "a list owner's sender";
    for (k = 0; k < 2; k++) {
        const char *suf = k ? "-request" : "-bounces";
        size_t sl = strlen(suf);

        if (n > sl && strncasecmp(sender + n - sl, suf, sl) == 0)
            return "a list's sender";
    }
    return NULL;
}

/* One unfolded field: name in [name, colon), value trimmed into val. */
struct keyreq_field {
    const char *name;
    size_t nlen;
    char val[KEYREQ_MSGID_MAX + 3];
};

static int keyreq_is(const struct keyreq_field *f, const char *name)
{
    return strlen(name) == f->nlen && strncasecmp(f->name, name, f->nlen) == 0;
}

/* The end of the header block (its empty line), or of the bytes read. */
static size_t keyreq_header_len(const char *msg, size_t len)
{
    size_t i;

    if (len > KEYREQ_HEADER_MAX)
        len = KEYREQ_HEADER_MAX;
    for (i = 0; i < len; i++)
        if (msg[i] == '\n' && (i + 1 == len || msg[i + 1] == '\n' ||
                               (msg[i + 1] == '\r' && i + 2 < len &&
                                msg[i + 2] == '\n')))
            return i + 1;
    return len;
}

/* Read the field starting at p (< end); returns where the next starts.
 * The value keeps its first sizeof(val) - 1 bytes, folds as spaces. */
static const char *keyreq_field(const char *p, const char *end,
                                struct keyreq_field *f)
{
    const char *colon = p;
    size_t o = 0;

    while (colon < end && *colon != ':' && *colon != '\n')
        colon++;
    f->name = p;
    f->nlen = colon < end && *colon == ':' ? (size_t)(colon - p) : 0;
    p = colon < end && *colon == ':' ? colon + 1 : colon;
    for (; p < end; p++) {
        if (*p == '\n') {
            if (p + 1 < end && (p[1] == ' ' || p[1] == '\t'))
                continue;           /* a folded line goes on */
            p++;
            break;
        }
        if (*p == '\r')
            continue;
        if (o + 1 < sizeof(f->val) && !(o == 0 && isspace((unsigned char)*p)))
            f->val[o++] = isspace((unsigned char)*p) ? ' ' : *p;
    }
    while (o > 0 && f->val[o - 1] == ' ')
        o--;
    f->val[o] = '\0';
    return p;
}

/* What one field says of the request: why not to answer, or NULL. */
static const char *keyreq_judge(const struct keyreq_field *f,
                                struct keyreq *r)
{
    if (keyreq_is(f, "Auto-Submitted"))
        return strncasecmp(f->val, "no", 2) == 0 &&
               (f->val[2] == '\0' || f->val[2] == ';' || f->val[2] == ' ') ?
               NULL : "an automatic message (Auto-Submitted)";
    if (keyreq_is(f, "Precedence"))
        return strcasecmp(f->val, "bulk") == 0 ||
               strcasecmp(f->val, "junk") == 0 ||
               strcasecmp(f->val, "list") == 0 ?
               "bulk or list mail (Precedence)" : NULL;
    if (keyreq_is(f, "List-Id") || keyreq_is(f, "List-Unsubscribe"))
        return "list mail (List-Id)";
    if (keyreq_is(f, "X-Autoreply") || keyreq_is(f, "X-Autorespond"))
        return "an automatic message (X-Autoreply)";
    if (keyreq_is(f, "Message-ID") && r->msgid[0] == '\0') {
        size_t n = strlen(f->val);

        /* one <...> of printable bytes, else no In-Reply-To at all */
        if (n > 2 && n <= KEYREQ_MSGID_MAX && f->val[0] == '<' &&
            f->val[n - 1] == '>' && strcspn(f->val + 1, "<> \t\"\\") == n - 2)
            memcpy(r->msgid, f->val, n + 1);
    }
    return NULL;
}

void keyreq_screen(const char *sender, const char *msg, size_t len,
                   struct keyreq *r)
{
    const char *p = msg, *end;
    struct keyreq_field f;

    r->refused = NULL;
    r->msgid[0] = '\0';
    if (sender == NULL || sender[0] == '\0') {
        r->refused = "no envelope sender (a bounce)";
        return;
    }
    /* pipe(8) writes a null sender as MAILER-DAEMON: a daemon first */
    if ((r->refused = keyreq_daemon(sender)) != NULL)
        return;
    if (!keyreq_addr_ok(sender)) {
        r->refused = "not one plain address";
        return;
    }
    end = msg + keyreq_header_len(msg, len);
    while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end &&
                                       p[1] == '\n')) {
        p = keyreq_field(p, end, &f);
        if ((r->refused = keyreq_judge(&f, r)) != NULL)
            return;
    }
}
