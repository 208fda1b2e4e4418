/* cli_queue - commands: the outbox and the audit log. */
#include "cli_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anon.h"
#include "pgp.h"
#include "process.h"
#include "queue.h"
#include "registry.h"
#include "render.h"
#include "store.h"
#include "util/file.h"

static int cmd_queue_run(struct cli *c, struct cli_args *a)
{
    struct queue_report r;

    if (cli_open(c) != 0 || queue_run(&c->g, &r, &c->e) != 0)
        return -1;
    printf("processed %ld alerts; %ld copies handed to the relay: %ld "
           "recipients sent, %ld deferred, %ld failed\n", r.processed,
           r.copies, r.sent, r.deferred, r.failed);
    return 0;
}

static int cmd_queue_status(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "SELECT o.state, count(*) AS recipients, "
                     "count(DISTINCT o.copy_id) AS copies, "
                     "coalesce(strftime('%s','now') - min(c.created), 0) "
                     "AS oldest_age_s FROM outbox o JOIN copies c ON "
                     "c.id = o.copy_id GROUP BY o.state ORDER BY o.state",
                     NULL, a);
}

static int cmd_audit(struct cli *c, struct cli_args *a)
{
    if (a->pos[0])
        return cli_print(c, "SELECT datetime(u.at, 'unixepoch') AS at, "
                         "u.alert_row AS row, u.event, u.detail FROM audit u "
                         "JOIN alerts l ON l.id = u.alert_row WHERE "
                         "l.alert_id = ? ORDER BY u.id", a->pos[0], a);
    return cli_print(c, "SELECT datetime(at, 'unixepoch') AS at, alert_row "
                     "AS row, event, detail FROM audit ORDER BY id", NULL, a);
}

static const struct cli_cmd cli_queue_cmds[] = {
    {"queue", "run", "", 0, 0, cmd_queue_run, "",
     "One worker pass: process new alerts, deliver what is due."},
    {"queue", "status", "json", 0, 0, cmd_queue_status, "[--json]",
     "Outbox recipients and copies per state, and the oldest age."},
    {"audit", NULL, "json", 0, 1, cmd_audit, "[--json] [ALERT-ID]",
     "Who was sent which copy, when, with what outcome."},
};

CLI_TABLE(cli_queue);
