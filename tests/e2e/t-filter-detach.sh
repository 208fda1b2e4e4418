#!/bin/bash
# filter answers the MTA at the commit (issue 15): the alert is processed
# by a detached process of filter's own, in a session of its own and
# holding nothing the MTA waits on, or, if that process dies, by the
# worker (queue run). A processor still running keeps its alert (its
# lock); the worker leaves it alone, then takes it over once it is gone;
# a processor that dies every time still ends quarantined (poison
# accounting). Events are asserted in order, never timings.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
PROC=""
trap '[ -n "$PROC" ] && kill -9 $PROC 2>/dev/null; agw_cleanup; rm -rf "$T"' EXIT

N=0
alert() {   # alert: the next signed alert in $T/alert$N.eml, its id in AID
    N=$((N + 1))
    AID=$(printf 'EGI-20260710-%02d' "$N")
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: detach-$N"; } >"$T/body$N.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$N.txt" \
        "$AID: Compromised credentials used on EXAMPLE-T2" >"$T/alert$N.eml"
}
state() { q "SELECT state FROM alerts WHERE id = (SELECT max(id) FROM alerts)"; }
# The detached processors of this gateway: processes that run filter
# with this test's configuration.
processors() {
    ps -eo pid=,args= | awk -v a="$ALERTGW" -v c="$AGW_CONF" \
        '$2 == a && $4 == c && $5 == "filter" { print $1 }'
}

# ---- answered at the commit, processed by the detached child ----------------
alert
agw filter --recipient alerts@csirt.example <"$T/alert$N.eml" >"$T/out" 2>&1
rc=$?
check "filter: exit 0 ($rc)" test "$rc" = 0
check "filter: the alert is stored" test "$(q "SELECT count(*) FROM alerts")" = 1
check "the detached child processes it, with no queue run" agw_processed
check "queued by it ($(state))" test "$(state)" = queued
check "its copies wait in the outbox" \
    test "$(q "SELECT count(*) FROM outbox WHERE state = 'pending'")" -ge 7
agw queue run >/dev/null
check "queue run sends them" test "$(q "SELECT count(*) FROM outbox WHERE state = 'pending'")" = 0

# ---- processing that takes long: filter answers first --------------------------
# process-stall: the detached processor stalls, holding the alert's lock,
# before it processes. filter's output is read through a pipe: it ends
# although the processor lives on (it holds nothing of filter's caller).
alert
ALERTGW_FAULT=process-stall timeout 60 "$ALERTGW" -c "$AGW_CONF" filter \
    --recipient alerts@csirt.example <"$T/alert$N.eml" 2>&1 | cat >"$T/out"
rc=${PIPESTATUS[0]}
check "slow processing: filter answered 0, its output closed ($rc)" test "$rc" = 0
check "slow processing: stored, not processed yet ($(state))" test "$(state)" = new
PROC=$(processors)
check "slow processing: the detached processor lives on, one ($PROC)" \
    test -n "$PROC" -a "$(echo "$PROC" | wc -w)" = 1
check "slow processing: in a session of its own, not the caller's" \
    test "$(ps -o sid= -p "$PROC" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')"
agw queue run >"$T/run.out"
check "while it runs, the worker leaves the alert to it ($(cat "$T/run.out"))" \
    grep -q '^processed 0 alerts' "$T/run.out"
check "still new ($(state))" test "$(state)" = new
kill -9 $PROC
for _ in $(seq 100); do [ -z "$(processors)" ] && break; sleep 0.1; done
PROC=""
agw queue run >"$T/run.out"
check "once it is dead, the worker takes it over ($(cat "$T/run.out"))" \
    grep -q '^processed 1 alerts' "$T/run.out"
check "queued by the worker ($(state))" test "$(state)" = queued

# ---- a processor that dies every time: quarantined --------------------------------
# The detached processor and then every worker pass die after the attempt
# is counted; the alert is quarantined at PROCESS_ATTEMPTS_MAX (3).
alert
ALERTGW_CRASH=process-before-commit agw filter --recipient alerts@csirt.example \
    <"$T/alert$N.eml" >/dev/null 2>&1
check "dying processor: filter still answered 0" test $? = 0
# (a pass that finds the detached processor still at work leaves it)
for _ in $(seq 100); do
    [ "$(state)" = new ] || break
    ALERTGW_CRASH=process-before-commit "$ALERTGW" -c "$AGW_CONF" queue run >/dev/null 2>&1
    sleep 0.1
done
check "dying processor: quarantined ($(state))" test "$(state)" = quarantined
check "dying processor: after 3 attempts ($(q "SELECT reason FROM alerts WHERE id = (SELECT max(id) FROM alerts)"))" \
    test "$(q "SELECT count(*) FROM alerts WHERE id = (SELECT max(id) FROM alerts) AND reason LIKE '%never finished (3 attempts)%'")" = 1
check "no copy of it queued" \
    test "$(q "SELECT count(*) FROM copies c JOIN alerts a ON a.id = c.alert_row WHERE a.id = (SELECT max(id) FROM alerts) AND c.kind = 'copy'")" = 0

# ---- --wait: answered once processed -------------------------------------------------
alert
agw filter --wait --recipient alerts@csirt.example <"$T/alert$N.eml"
check "--wait: processed when filter answers ($(state))" test "$(state)" = queued

agw_test_end
