/*
 * auth - whether an inbound alert may be distributed: it must be signed,
 * the signature must be good and made by the key of an active officer
 * (pinned by primary fingerprint), recent enough, and it must cover the
 * whole content that will be distributed.
 *
 * The verdict is data: ok, or the reason for the quarantine. -1 only when
 * the check could not be made (GnuPG agent or database unavailable:
 * ERR_TEMP), so that the alert is tried again later.
 *
 * Ownership: the result owns the authenticated content; free it with
 * auth_result_free(). The message is borrowed.
 */
#ifndef AGW_AUTH_H
#define AGW_AUTH_H

#include <time.h>

#include "err.h"
#include "gateway.h"
#include "msg.h"
#include "pgp.h"

struct auth_result {
    int ok;                         /* 1: authentic, content set */
    int malformed;                  /* not ok because it does not parse */
    char signer[PGP_FPR_MAX];       /* primary fingerprint when known */
    char reason[ERR_MSG_MAX];       /* why not ok */
    time_t signed_at;
    struct msg_content *content;    /* exactly what the signature covers */
};

int auth_check(struct gateway *g, const struct msg *m, struct auth_result *r,
               struct err *e);
void auth_result_free(struct auth_result *r);

#endif
