#include "intake/intake.h"

#include "db/alerts.h"
#include "db/audit.h"
#include "db/store.h"
#include "util/fault.h"

int intake_store(struct gateway *g, int64_t dist, const char *recipient,
                 const char *raw, size_t len, int64_t *row, struct err *e)
{
    if (store_begin(g->store, e) != 0)
        return -1;
    if (alerts_insert(g->store, dist, recipient, row, e) != 0) {
        store_rollback(g->store);
        return -1;
    }
    if (alerts_raw_insert(g->store, *row, raw, len, e) != 0) {
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
