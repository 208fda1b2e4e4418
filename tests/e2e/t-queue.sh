#!/bin/bash
# The outbox as an operator sees it: filter's time budget (75 before the
# commit, 0 after it), queue run / status / retry / purge / run --watch,
# back-off when the relay is down, permanent failures, RCPT batches, and
# the audit log with its hash chain (edited, removed and truncated rows).
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
T=$(mktemp -d)
WATCH_PID=""
trap '[ -n "$WATCH_PID" ] && kill -9 "$WATCH_PID" 2>/dev/null; pf_stop; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fails=0
sql() { sqlite3 "$T/gw/data/alertgw.db" "$@"; }
alert() {   # alert N: a signed alert with id EGI-20260707-0N
    # Each alert its own body: the same signed body twice is a replay.
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: queue-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260707-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/alert$1.eml"
    echo "$T/alert$1.eml"
}
# Recipients of the list copies of one alert in a state.
rcpts_in() {    # rcpts_in ALERT-ID STATE
    sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$1' AND c.kind = 'copy' AND o.state = '$2'"
}

agw_setup "$T/gw"

# ---- filter's time budget -------------------------------------------------
agw_conf_set gateway time_budget 1
msg1=$(alert 1)     # signed before the clock starts
start=$(date +%s%N)
set +e
ALERTGW_FAULT=filter-stall agw filter --wait --recipient alerts@csirt.example \
    <"$msg1" 2>"$T/err"
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "budget spent before the commit: exit 75 (got $rc)" test "$rc" = 75
# the stall would last for ever: the 1 s budget ends it (10 s: a hang
# guard for a loaded machine, not a speed figure)
check "budget spent: answered within 10 s (${ms} ms)" test "$ms" -lt 10000
check "budget spent: stderr starts with 4.3.0" grep -q '^4\.3\.0 ' "$T/err"
check "budget spent: nothing stored" test "$(sql 'SELECT count(*) FROM alerts')" = 0
set +e
ALERTGW_FAULT=filter-stall-stored agw filter --wait --recipient alerts@csirt.example \
    <"$T/alert1.eml" 2>"$T/err"
rc=$?
set -e
check "budget spent after the commit: exit 0 (got $rc)" test "$rc" = 0
check "budget spent after the commit: stored, left for the worker" \
    test "$(sql "SELECT state FROM alerts")" = new
# The worker takes the alert filter left (the first commit wins, so a
# filter still processing it cannot make the copies twice).
agw queue run >"$T/run.out"
agw_conf_set gateway time_budget 60
check "queue run processes and delivers it ($(cat "$T/run.out"))" \
    grep -q '^processed 1 alerts' "$T/run.out"
check "all 7 list recipients sent" test "$(rcpts_in EGI-20260707-01 sent)" = 7
agw audit EGI-20260707-01 >"$T/audit"
check "audit: one 'sent' row per recipient of the list copies" \
    test "$(grep -c "	sent	.*@.*example	" "$T/audit")" -ge 7
h=$(sha256sum "$(ls "$T"/gw/out/ngi-*.eml)" | cut -c1-16)
check "audit: names the ngi copy by its SHA-256 ($h)" \
    test "$(grep -c "officer[123]@.*	$h	" "$T/audit")" = 3
check "audit verify: intact" agw audit verify

# ---- relay down: deferred with back-off, retry, then delivered -------------
DOWN=$(pf_free_port)
agw_conf_set delivery transport "smtp://127.0.0.1:$DOWN"
agw filter --wait --recipient alerts@csirt.example <"$(alert 2)"
agw queue run >"$T/run.out"
check "relay down: every recipient deferred" test "$(rcpts_in EGI-20260707-02 pending)" = 7
check "relay down: attempts counted, next try ~60 s ahead" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state='pending' AND attempts=1 AND next_try - updated BETWEEN 59 AND 61")" -ge 7
agw queue status --json >"$T/status"
check "queue status: pending counted" grep -q '"pending": "\?[1-9]' "$T/status"
check "queue status: a fan-out in flight for EGI-20260707-02" \
    grep -q '"alert": "EGI-20260707-02"' "$T/status"
agw queue run >"$T/run.out"
check "back-off: nothing due on the next pass ($(cat "$T/run.out"))" \
    grep -q '0 copies handed' "$T/run.out"
check "audit: deferrals recorded" test "$(agw audit EGI-20260707-02 | grep -c '	deferred	')" -ge 7

pf_sink_start "$T/sink"
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
check "queue retry EGI-20260707-02" agw queue retry EGI-20260707-02
agw queue status --json >"$T/status"
check "queue status: a retried fan-out is due in 0 s (next_try 0 is now, not the epoch)" \
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r=r.get("rows", r) if isinstance(r, dict) else r; sys.exit(not (r and all(int(x["next_try_in_s"]) == 0 for x in r)))' "$T/status"
agw queue run >"$T/run.out"
check "after retry: delivered" test "$(rcpts_in EGI-20260707-02 sent)" = 7
check "queue status: nothing in flight" \
    test "$(agw queue status --json | grep -c '"alert": "EGI')" = 0
set +e
agw queue retry EGI-20260707-02 >/dev/null 2>&1
rc=$?
set -e
check "queue retry of a settled alert: exit 67 (got $rc)" test "$rc" = 67
pf_sink_stop

# ---- permanent failures: 5xx to every RCPT ---------------------------------
pf_sink_start "$T/sink5" -f RCPT
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
agw filter --wait --recipient alerts@csirt.example <"$(alert 3)"
agw queue run >/dev/null
check "5xx RCPT: failed at once" test "$(rcpts_in EGI-20260707-03 failed)" = 7
check "audit: failures with their code" \
    test "$(agw audit EGI-20260707-03 | grep -c '	failed	.*	5[0-9][0-9]	')" -ge 7
pf_sink_stop
pf_sink_start "$T/sink6"
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
check "queue retry --all" agw queue retry --all
agw queue run >/dev/null
check "a failed recipient retried by hand is sent" test "$(rcpts_in EGI-20260707-03 sent)" = 7
pf_sink_stop

# ---- RCPT batches -----------------------------------------------------------
pf_sink_start "$T/sink7"
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
agw_conf_set delivery smtp_batch 2
agw filter --wait --recipient alerts@csirt.example <"$(alert 4)"
agw queue run >/dev/null
check "batches of 2: all sent" test "$(rcpts_in EGI-20260707-04 sent)" = 7
pf_sink_wait 5 10 || true
ngi=$(grep -l 'officer1@\|officer2@\|officer3@' "$T"/sink7/msg.* | wc -l)
check "batches of 2: the ngi copy (3 members) in 2 transactions (got $ngi)" test "$ngi" = 2
big=$(for f in "$T"/sink7/msg.*; do grep -c '^X-Rcpt-Args' "$f"; done | sort -n | tail -1)
check "batches of 2: no transaction over 2 recipients (max $big)" test "$big" -le 2
agw_conf_set delivery smtp_batch 1000
pf_sink_stop

# ---- purge --------------------------------------------------------------------
agw_conf_set delivery transport "dir:$AGW_OUT"
sql "UPDATE outbox SET updated = updated - 7200"
sql "INSERT INTO outbox(copy_id, rcpt, state, updated) SELECT id, 'late@nren-xx.example', 'pending', 0 FROM copies LIMIT 1"
settled=$(sql "SELECT count(*) FROM outbox WHERE state != 'pending'")
agw queue purge --older-than 1h >"$T/purge"
check "purge: every settled row older than 1h ($(cat "$T/purge"))" grep -q "^$settled settled" "$T/purge"
check "purge: the pending row stays" test "$(sql "SELECT count(*) FROM outbox WHERE state='pending'")" = 1
set +e
agw queue purge --older-than soon >/dev/null 2>&1
rc=$?
set -e
check "purge: a bad duration is a usage error (got $rc)" test "$rc" = 64

# ---- run --watch stops cleanly on SIGTERM -------------------------------------
"$ALERTGW" -c "$AGW_CONF" queue run --watch --interval 1s >"$T/watch.out" 2>&1 &
WATCH_PID=$!
agw filter --wait --recipient alerts@csirt.example <"$(alert 5)"
for _ in $(seq 150); do
    [ "$(rcpts_in EGI-20260707-05 sent)" = 7 ] && break
    sleep 0.1
done
check "watch: delivers what filter queued" test "$(rcpts_in EGI-20260707-05 sent)" = 7
check "watch: delivered the late row too" \
    test "$(sql "SELECT state FROM outbox WHERE rcpt='late@nren-xx.example'")" = sent
kill -TERM "$WATCH_PID"
set +e
for _ in $(seq 30); do kill -0 "$WATCH_PID" 2>/dev/null || break; sleep 0.1; done
wait "$WATCH_PID"
rc=$?
set -e
WATCH_PID=""
check "watch: SIGTERM ends it with exit 0 (got $rc)" test "$rc" = 0
check "watch: says it stopped" grep -q '^stopped' "$T/watch.out"

# ---- the audit chain ----------------------------------------------------------
agw filter --wait --recipient alerts@csirt.example <"$(alert 6)"
agw audit verify >"$T/verify.out" 2>&1
check "rows are sealed as they are written, before any queue run ($(cat "$T/verify.out"))" \
    grep -q ", 0 not yet sealed" "$T/verify.out"
set +e
sql "INSERT INTO audit(at, event) VALUES(1, 'forged')" 2>"$T/forge.err"
check "a row cannot be added by a tool that does not chain it ($(cat "$T/forge.err"))" \
    grep -q "no such function: agw_audit_hash" "$T/forge.err"
set -e
check "audit verify --seal: intact" agw audit verify --seal
rows=$(sql "SELECT count(*) FROM audit")
mid=$(sql "SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET $((rows / 2))")
last=$(sql "SELECT max(id) FROM audit")
cp "$T/gw/data/alertgw.db" "$T/pristine.db"
set +e
sql "UPDATE audit SET detail = 'x' WHERE id = $mid" 2>/dev/null
check "a sealed row cannot be updated through SQL" test $? != 0
tamper() {  # tamper SQL: on a fresh copy, without the guard triggers
    cp "$T/pristine.db" "$T/gw/data/alertgw.db"
    rm -f "$T/gw/data/alertgw.db-wal" "$T/gw/data/alertgw.db-shm"
    sql "DROP TRIGGER audit_sealed_update; DROP TRIGGER audit_sealed_delete; $1"
    agw audit verify >"$T/verify.out" 2>&1
}
tamper "UPDATE audit SET detail = 'x' WHERE id = $mid"
check "edited row: exit 65 (got $?)" test $? = 65
check "edited row: named ($(cat "$T/verify.out"))" grep -q "row $mid: row edited" "$T/verify.out"
tamper "UPDATE audit SET rcpt = 'evil@example.org' WHERE id = $mid"
check "edited recipient: detected" grep -q "row $mid: row edited" "$T/verify.out"
tamper "DELETE FROM audit WHERE id = $mid"
check "removed row: detected at the next one ($(cat "$T/verify.out"))" \
    grep -q "chain broken at row $((mid + 1)): chain broken" "$T/verify.out"
tamper "DELETE FROM audit WHERE id = $last"
check "removed last row: detected ($(cat "$T/verify.out"))" grep -q "recorded head" "$T/verify.out"
set -e
cp "$T/pristine.db" "$T/gw/data/alertgw.db"
rm -f "$T/gw/data/alertgw.db-wal" "$T/gw/data/alertgw.db-shm"
check "the untouched database still verifies" agw audit verify

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
