#include "intake/intake.h"

#include <time.h>

#include "db/audit.h"
#include "db/store.h"
#include "util/fault.h"

int intake_store(struct gateway *g, int64_t dist, const char *recipient,
                 const char *raw, size_t len, int64_t *row, struct err *e)
{
    if (store_begin(g->store, e) != 0)
        return -1;
    if (store_run(g->store, e, "INSERT INTO alerts(received, recipient, "
                  "dist_id) VALUES(?,?,?)", "iti", (int64_t)time(NULL),
                  recipient, dist) < 0) {
        store_rollback(g->store);
        return -1;
    }
    *row = store_last_id(g->store);
    if (store_run(g->store, e, "INSERT INTO alert_raw(alert_row, raw) "
                  "VALUES(?,?)", "ib", *row, raw, len) < 0) {
        store_rollback(g->store);
        return -1;
    }
    if (audit_add(g->store, *row, "received", recipient, NULL, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    fault_crash("intake-before-commit");     /* crash tests */
    return store_commit(g->store, e);
}
