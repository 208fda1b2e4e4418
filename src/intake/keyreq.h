/*
 * keyreq - whether a mail to the gateway's key address (`alertgw sendkey`)
 * gets the gateway's public key back, from its envelope sender and its
 * header alone.
 *
 * Anyone can mail that address, and every answer goes to an address the
 * request only claims, so an answer is refused to whatever RFC 3834 says
 * an automatic answer must never go to: a null or daemon sender, mail
 * that is itself automatic (Auto-Submitted other than "no"), bulk or list
 * mail. Rate limits (one answer an address a day, a number an hour) are
 * the caller's, from the audit log.
 *
 * The header is scanned by hand, never parsed by a MIME library: the
 * parser runs only in the sandboxed child (README "Process isolation"),
 * and a key request needs nothing but a few fields. Input bounded by
 * KEYREQ_HEADER_MAX; fields are compared without case.
 */
#ifndef AGW_KEYREQ_H
#define AGW_KEYREQ_H

#include <stddef.h>

#include "util/limits.h"

struct keyreq {
    const char *refused;                    /* NULL: answer; else why not */
    char msgid[KEYREQ_MSGID_MAX + 3];       /* "<...>" to reply to, or "" */
};

/* Screen a request: the envelope sender and the bytes of the message
 * (only its header is read). Never fails: the verdict is in r. */
void keyreq_screen(const char *sender, const char *msg, size_t len,
                   struct keyreq *r);

/* 1 when addr is one bare address a reply may go to: local@domain,
 * printable ASCII without white space, quotes, angle brackets or commas,
 * a dot in the domain, at most KEYREQ_ADDR_MAX bytes. */
int keyreq_addr_ok(const char *addr);

#endif
