/*
 * dsn - read a delivery status report (RFC 3464: multipart/report;
 * report-type=delivery-status, and its message/delivery-status part)
 * out of one raw message.
 *
 * It runs on hostile bytes in the sandboxed child (process/report.c):
 * no library, no allocation but the caller's struct, every field cut to
 * its named limit (util/limits.h, "mail/dsn.c"), at most DSN_RCPTS_MAX
 * recipients read (the rest flagged as truncated). Line ends may be CRLF
 * or LF (pipe(8) hands over LF).
 *
 * Ownership: the caller's struct is filled; nothing is allocated.
 */
#ifndef AGW_DSN_H
#define AGW_DSN_H

#include <stddef.h>

#include "util/limits.h"

struct dsn_rcpt {
    char orcpt[DSN_ADDR_MAX + 1];   /* Original-Recipient, rfc822 only */
    char final[DSN_ADDR_MAX + 1];   /* Final-Recipient, rfc822 only */
    char action[DSN_WORD_MAX + 1];  /* lower case: failed, delayed, ... */
    char status[DSN_WORD_MAX + 1];  /* "5.1.1", digits and dots only */
    char diag[DSN_DIAG_MAX + 1];    /* Diagnostic-Code, printable */
};

struct dsn_report {
    char envid[DSN_ENVID_MAX + 1];  /* Original-Envelope-Id, printable */
    size_t n;
    int truncated;                  /* more recipients than rcpt holds */
    char why[DSN_DIAG_MAX + 1];     /* what is wrong, when not a report */
    struct dsn_rcpt rcpt[DSN_RCPTS_MAX];
};

/* 0 when raw is a delivery status report naming at least one recipient
 * (r filled); -1 when it is not one (r->why says why). */
int dsn_parse(const char *raw, size_t len, struct dsn_report *r);

/* What decides whether a reply to a copy acknowledges an alert: who
 * claims to send it, what it answers, whether a machine wrote it. */
struct dsn_reply {
    char from[DSN_ADDR_MAX + 1];    /* the From address ("" when none) */
    char msgid[DSN_MSGID_MAX + 1];  /* its Message-ID, without <> */
    char subject[DSN_SUBJECT_MAX + 1];  /* printable, as written */
    /* In-Reply-To's ids, then References' from the newest, without <> */
    char refs[DSN_REFS_MAX][DSN_MSGID_MAX + 1];
    size_t nrefs;
    /* Why it was written by a machine: Auto-Submitted other than "no",
     * a vacation or list Precedence, X-Autoreply, an empty Return-Path
     * (a bounce), a report, a mailer daemon's From, an out-of-office
     * Subject. "" when nothing says so. */
    char automatic[DSN_WORD_MAX * 4 + 1];
    int is_signed;                  /* multipart/signed (RFC 3156) */
};

/* Fills r from raw's header section; 0 always (a reply that says
 * nothing is still a reply, forwarded but not counted). */
int dsn_reply(const char *raw, size_t len, struct dsn_reply *r);

/* A multipart/signed message (RFC 3156): the signed entity (its first
 * part, headers and all, as the bytes stand: the caller makes the line
 * ends CRLF before verifying) and the body of its signature part, both
 * pointing into raw. 0 when found, -1 when raw is no such message. */
int dsn_signed(const char *raw, size_t len, const char **ent, size_t *elen,
               const char **sig, size_t *slen);

#endif
