/* remind - one signed reminder per alert to each organisation that has
 * not acknowledged it remind_after (`dists policy`) after its copy
 * (report.h). The reminder goes to the list address (To, as the copy
 * did), to the organisation's contacts the copy went to, threaded under
 * the copy (In-Reply-To, References), with Reply-To ack_address. It
 * names the alert by its id and TLP label only, nothing of the alert's
 * text: there is nothing in it to anonymise, so each list gets exactly
 * what its copy already showed. */
#include "process/report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/audit.h"
#include "db/outbox.h"
#include "db/reports.h"
#include "db/store.h"
#include "mail/msg.h"
#include "process/mailout.h"
#include "util/limits.h"

struct remind_pass {
    struct gateway *g;
    long n;
};

static int remind_build(struct gateway *g, const struct reports_due *r,
                        char *msgid, struct buf *out, struct err *e)
{
    char subject[256], body[1024], date[MAILOUT_DATE_MAX], when[32];
    struct msg_part part = {1, (char *)"text/plain", NULL, body, 0, NULL,
                             0};
    struct msg_header_field h[12];
    time_t sent = (time_t)r->sent;
    struct buf entity;
    size_t n = 0;
    int rc = -1;

    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&sent));
    snprintf(subject, sizeof(subject), "Reminder: please acknowledge %s",
             r->alert_id);
    part.len = (size_t)snprintf(body, sizeof(body),
        "This is a reminder of security alert %s, sent to %s (%s)\n"
        "on %s. Nobody of %s has acknowledged it yet.\n\n"
        "Please reply to this message to acknowledge it (the reply goes to\n"
        "%s), or tell the CSIRT who should receive these alerts instead.\n",
        r->alert_id, r->list, r->list_address, when, r->org,
        g->conf->ack_address[0] ? g->conf->ack_address : g->conf->from);
    h[n++] = (struct msg_header_field){"From", g->conf->from};
    h[n++] = (struct msg_header_field){"To", r->list_address};
    if (g->conf->ack_address[0])
        h[n++] = (struct msg_header_field){"Reply-To", g->conf->ack_address};
    h[n++] = (struct msg_header_field){"Subject", subject};
    buf_init(&entity, MAILOUT_MAX);
    mailout_date(date, sizeof(date));
    if (mailout_msgid(g, "reminder", msgid, MAILOUT_MSGID_MAX) != 0)
        err_set(e, ERR_SOFTWARE, "cannot make a Message-ID");
    else if (msg_build_entity_protected(&part, 1, h, n, &entity, e) == 0) {
        h[n++] = (struct msg_header_field){"Date", date};
        h[n++] = (struct msg_header_field){"Message-ID", msgid};
        h[n++] = (struct msg_header_field){"In-Reply-To", r->msgid};
        h[n++] = (struct msg_header_field){"References", r->msgid};
        h[n++] = (struct msg_header_field){"Auto-Submitted",
                                           "auto-generated"};
        rc = mailout_sign(g, h, n, &entity, out, e);
    }
    buf_free(&entity);
    return rc;
}

/* One reminder in one transaction: 1 sent, 0 another worker's, -1. */
static int remind_one(struct gateway *g, const struct reports_due *r,
                      struct err *e)
{
    char msgid[MAILOUT_MSGID_MAX], text[ERR_MSG_MAX];
    int64_t copy, n = 0;
    struct buf msg;
    int k = -1;

    buf_init(&msg, MAILOUT_MAX);
    if (r->msgid[0] == '\0') {
        err_set(e, ERR_SOFTWARE, "%s: no copy of list %s to thread under",
                r->alert_id, r->list);
        goto out;
    }
    if (gateway_pgp(g, e) != 0 || gateway_signing_key(g, e) != 0 ||
        remind_build(g, r, msgid, &msg, e) != 0)
        goto out;
    if (store_begin(g->store, e) != 0)
        goto out;
    if (outbox_copy_add(g->store, r->alert_row, r->list_id, "reminder", msgid,
                        msg.data, msg.len, &copy, e) != 0 ||
        (k = reports_reminder_add(g->store, r->alert_row, r->list_id,
                                  r->org_id, copy, e)) != 1 ||
        outbox_add_org_rcpts(g->store, copy, r->alert_row, r->list_id,
                             r->org_id, &n, e) != 0)
        k = k == 1 ? -1 : k;
    snprintf(text, sizeof(text), "copy %lld: reminder to %s on %s, %lld "
             "recipient(s)", (long long)copy, r->org, r->list, (long long)n);
    if (k == 1 && audit_add(g->store, r->alert_row, "reminded", text, NULL,
                            e) != 0)
        k = -1;
    if (k == 1 && store_commit(g->store, e) == 0)
        goto out;
    store_rollback(g->store);
    k = k == 1 ? -1 : k;
out:
    buf_free(&msg);
    return k;
}

static int remind_due(void *arg, const struct reports_due *r, struct err *e)
{
    struct remind_pass *p = arg;
    int k = remind_one(p->g, r, e);

    p->n += k == 1;
    return k < 0 ? -1 : 0;
}

int report_remind(struct gateway *g, long *n, struct err *e)
{
    struct remind_pass p = {g, 0};
    int rc;

    rc = reports_reminders_due(g->store, (int64_t)time(NULL),
                               REPORT_PASS_MAX, remind_due, &p, e);
    *n = p.n;
    return rc;
}
