#!/bin/bash
# Nothing accepted is lost: kill -9 (ALERTGW_CRASH, the fault seam) at
# points of intake, processing and fan-out; then the MTA's retry (filter
# again when it died) and `queue run` until settled: every list member has
# the copy at the SMTP sink, exactly once except where the crash fell
# between the relay's reply to DATA and the commit (the documented window).
# Faults (relay, full disk, gpg-agent): t-crash-faults.sh.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/crash-lib.sh"
crash_setup

# ---- kill -9 in intake and processing (filter) --------------------------------
# A death after the intake commit makes Postfix deliver the alert again:
# the second copy is stored too and then quarantined as a replay (the
# officer's signature was already accepted), so nothing goes out twice.
for point in intake-before-commit filter-stored process-before-commit \
             process-after-commit; do
    new_alert
    filter_like_postfix "$point"
    settle || true
    expect_delivered "filter killed at $point" ONCE
done

# ---- kill -9 in the worker: processing and fan-out ---------------------------
worker_crash() {   # worker_crash POINT ONCE|ATLEASTONCE [stall filter]
    new_alert
    # filter dies right after its commit: the alert is left 'new' for the
    # worker (Postfix's retry is left out here).
    set +e
    ALERTGW_CRASH=filter-stored "$ALERTGW" -c "$AGW_CONF" filter \
        --recipient alerts@csirt.example <"$MSG" 2>/dev/null
    set -e
    check "stored for the worker to take" \
        test "$(sql "SELECT count(*) FROM alerts WHERE state='new'")" = 1
    sleep 2
    set +e
    ALERTGW_CRASH=$1 "$ALERTGW" -c "$AGW_CONF" queue run >/dev/null 2>&1
    rc=$?
    set -e
    check "worker killed at $1 (status $rc)" test "$rc" = 137
    settle || true
    expect_delivered "worker killed at $1" "$2"
}
worker_crash process-before-commit ONCE  # copies made, not committed
worker_crash process-after-commit ONCE   # committed, nothing sent yet
worker_crash queue-before-send ONCE
worker_crash queue-after-send ATLEASTONCE   # the window: relay said 250
agw_conf_set delivery smtp_batch 2
agw_conf_set delivery record_batch 1     # a commit a message
worker_crash queue-committed-2 ONCE      # mid fan-out, batch 2 recorded
agw_conf_set delivery record_batch 3
worker_crash queue-sent-5 ATLEASTONCE    # the 2nd batch sent, not recorded
agw_conf_set delivery smtp_batch 1000


[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
