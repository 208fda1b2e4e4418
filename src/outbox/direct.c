/* queue_send_now: one message past the outbox, through the same relay
 * set-up as a pass of the worker. */
#include "outbox/queue.h"

#include <string.h>

#include "relay/deliver.h"

int queue_send_now(struct gateway *g, const char *msg, size_t len,
                   const char *rcpt, struct err *e)
{
    struct deliver_rcpt r;
    struct deliver_msg m = {g->conf->sender, msg, len, "answer", NULL};
    struct deliver *d;
    int rc;

    memset(&r, 0, sizeof(r));
    r.addr = rcpt;
    if (queue_relay_open(g, &d, e) != 0)
        return -1;
    rc = deliver_send(d, &m, &r, 1, e);
    deliver_close(d);
    if (rc != 0)
        return -1;
    if (r.state == DELIVER_OK)
        return 0;
    return err_set(e, r.state == DELIVER_PERM ? ERR_DATA : ERR_TEMP,
                   "relay refused %s: %d %s", rcpt, r.code, r.reply);
}
