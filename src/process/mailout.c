#include "process/mailout.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mail/pgp.h"
#include "db/outbox.h"
#include "db/store.h"
#include "util/limits.h"

int mailout_msgid(const struct gateway *g, const char *local, char *out,
                  size_t n)
{
    char safe[MAILOUT_LOCAL_MAX];
    unsigned char r[8];
    size_t i;
    int len;

    for (i = 0; local[i] && i + 1 < sizeof(safe); i++)
        safe[i] = isalnum((unsigned char)local[i]) ||
                  strchr(".+-", local[i]) ? local[i] : '-';
    safe[i] = '\0';
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return -1;
    len = snprintf(out, n, "<%s.%02x%02x%02x%02x%02x%02x%02x%02x@%s>", safe,
                   r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                   g->conf->domain);
    return len > 0 && (size_t)len < n ? 0 : -1;
}

void mailout_date(char *out, size_t n)
{
    time_t now = time(NULL);
    struct tm tm;

    localtime_r(&now, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

int mailout_sign(struct gateway *g, const struct msg_header_field *hdrs,
                 size_t nhdrs, const struct buf *entity, struct buf *out,
                 struct err *e)
{
    struct buf sig;
    char micalg[32];
    int rc = -1;

    buf_init(&sig, 1u << 20);
    if (gateway_signing_key(g, e) == 0 && gateway_pgp(g, e) == 0 &&
        pgp_sign_detached(g->pgp, g->signing_key, entity->data, entity->len,
                          &sig, micalg, sizeof(micalg), e) == 0)
        rc = msg_build_signed(hdrs, nhdrs, entity->data, entity->len,
                              sig.data, sig.len, micalg, out, e);
    buf_free(&sig);
    return rc;
}

/* The headers of a notice, Reply-To only when reply_to is set: the
 * protected copy inside the signature (ph) and the outer one (h). */
static size_t mailout_notice_headers(struct msg_header_field *h,
                                     const char *from, const char *to,
                                     const char *reply_to,
                                     const char *subject)
{
    size_t n = 0;

    h[n++] = (struct msg_header_field){"From", from};
    h[n++] = (struct msg_header_field){"To", to};
    if (reply_to && reply_to[0])
        h[n++] = (struct msg_header_field){"Reply-To", reply_to};
    h[n++] = (struct msg_header_field){"Subject", subject};
    return n;
}

/* What the gateway writes, whole: parts signed with the protected
 * headers h[0..n) (h has room for MAILOUT_HDRS_MAX), then Date, a fresh
 * Message-ID (into msgid; local part local), In-Reply-To when given, and
 * Auto-Submitted (RFC 3834: no auto-replies, no loops) outside. */
static int mailout_build(struct gateway *g, const char *local,
                         const struct msg_part *parts, size_t np,
                         struct msg_header_field *h, size_t n,
                         const char *in_reply_to, const char *automatic,
                         char *msgid, struct buf *out, struct err *e)
{
    char date[MAILOUT_DATE_MAX];
    struct buf entity;
    int rc = -1;

    buf_init(&entity, MAILOUT_MAX);
    mailout_date(date, sizeof(date));
    if (mailout_msgid(g, local, msgid, MAILOUT_MSGID_MAX) != 0) {
        err_set(e, ERR_SOFTWARE, "cannot make a Message-ID");
    } else if (msg_build_entity_protected(parts, np, h, n, &entity,
                                          e) == 0) {
        h[n++] = (struct msg_header_field){"Date", date};
        h[n++] = (struct msg_header_field){"Message-ID", msgid};
        if (in_reply_to && in_reply_to[0])
            h[n++] = (struct msg_header_field){"In-Reply-To", in_reply_to};
        h[n++] = (struct msg_header_field){"Auto-Submitted", automatic};
        rc = mailout_sign(g, h, n, &entity, out, e);
    }
    buf_free(&entity);
    return rc;
}

static int mailout_build_notice(struct gateway *g, const char *to,
                                const char *reply_to, const char *subject,
                                const char *body, char *msgid,
                                struct buf *out, struct err *e)
{
    struct msg_part part = {1, (char *)"text/plain", NULL, (char *)body,
                            strlen(body), NULL, 0};
    struct msg_header_field h[MAILOUT_HDRS_MAX];
    size_t n = mailout_notice_headers(h, g->conf->from, to, reply_to,
                                      subject);

    return mailout_build(g, "notice", &part, 1, h, n, NULL,
                         "auto-generated", msgid, out, e);
}

int mailout_notice_reply(struct gateway *g, int64_t alert_row,
                         const char *kind, const char *to,
                         const char *reply_to, const char *subject,
                         const char *body, struct err *e)
{
    char msgid[MAILOUT_MSGID_MAX];
    struct buf msg;
    int64_t copy;
    int rc = -1;

    buf_init(&msg, MAILOUT_MAX);
    if (mailout_build_notice(g, to, reply_to, subject, body, msgid, &msg,
                             e) == 0 &&
        outbox_copy_add(g->store, alert_row, 0, kind, msgid, msg.data,
                        msg.len, &copy, e) == 0 &&
        outbox_add(g->store, copy, to, e) == 0)
        rc = 0;
    buf_free(&msg);
    return rc;
}

int mailout_notice(struct gateway *g, int64_t alert_row, const char *kind,
                   const char *to, const char *subject, const char *body,
                   struct err *e)
{
    return mailout_notice_reply(g, alert_row, kind, to, NULL, subject, body,
                                e);
}

/* "0123 4567 ..." as fingerprints are read out on the phone. */
static void mailout_fpr_groups(const char *fpr, char *out, size_t n)
{
    size_t i, o = 0;

    for (i = 0; fpr[i] && o + 2 < n; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = ' ';
        out[o++] = fpr[i];
    }
    out[o] = '\0';
}

static int mailout_key_text(struct gateway *g, struct buf *text,
                            struct err *e)
{
    char groups[MAILOUT_FPR_TEXT_MAX];

    mailout_fpr_groups(g->signing_key, groups, sizeof(groups));
    if (buf_printf(text, "This is the OpenPGP key with which %s signs "
                   "every message it sends:\n\n    %s\n\nIt is attached "
                   "(csirt-gateway.asc). Do not trust it because of this "
                   "mail: compare the fingerprint above with the one the "
                   "CSIRT publishes (its web page, its Trusted Introducer "
                   "entry) or read out to you on the phone, then import "
                   "it:\n\n    gpg --import csirt-gateway.asc\n\nThis is "
                   "an automatic answer to a mail to the key address; it "
                   "goes to one address at most once a day.\n",
                   g->conf->from, groups) != 0)
        return err_set(e, ERR_SOFTWARE, "key answer: out of memory");
    return 0;
}

int mailout_key_answer(struct gateway *g, const char *to,
                       const char *in_reply_to, char *msgid,
                       struct buf *out, struct err *e)
{
    struct msg_header_field h[MAILOUT_HDRS_MAX];
    struct buf text, key;
    struct msg_part parts[2];
    size_t n = 0;
    int rc = -1;

    buf_init(&text, MAILOUT_MAX);
    buf_init(&key, MAILOUT_MAX);
    if (gateway_pgp(g, e) == 0 && gateway_signing_key(g, e) == 0 &&
        pgp_export(g->pgp, g->signing_key, &key, e) == 0 &&
        mailout_key_text(g, &text, e) == 0) {
        parts[0] = (struct msg_part){1, (char *)"text/plain", NULL,
                                     text.data, text.len, NULL, 0};
        /* not text to the builder: text parts are written as text/plain */
        parts[1] = (struct msg_part){0, (char *)"application/pgp-keys",
                                     (char *)"csirt-gateway.asc", key.data,
                                     key.len, NULL, 0};
        h[n++] = (struct msg_header_field){"From", g->conf->from};
        h[n++] = (struct msg_header_field){"To", to};
        h[n++] = (struct msg_header_field){"Subject", "OpenPGP key of the "
                                           "CSIRT's alert gateway"};
        rc = mailout_build(g, "key", parts, 2, h, n, in_reply_to,
                           "auto-replied", msgid, out, e);
    }
    buf_free(&text);
    buf_free(&key);
    return rc;
}
