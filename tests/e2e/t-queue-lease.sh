#!/bin/bash
# Overlapping workers send each batch once: two `queue run` passes, and
# two `queue run --watch` workers, against one database and a relay that
# takes 2 s to answer the end of DATA (slowsmtp.py, which logs every
# (recipient, Message-ID) it accepted). Each batch is leased to one
# worker before its SMTP transaction; a second worker skips it. Then a
# worker killed after its claim (the next pass here sees its process gone
# and sends its rows, once), a lease of a worker on another host (left
# alone until it runs out, then sent once), a worker killed after the
# relay's answer (the one documented duplicate window), and a relay so
# slow that the lease's deadline passes before DATA (given up, nothing
# sent, retried).
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; agw_cleanup; rm -rf "$T"' EXIT
LOG=$T/relay.log
: >"$LOG"

# relay PORTFILE [OPTS...]: start slowsmtp.py; sets RELAY_PID, points
# delivery at it.
relay() {
    local pf=$1
    shift
    python3 "$AGW_SOURCE_DIR/tests/e2e/slowsmtp.py" "$pf" "$LOG" "$@" &
    RELAY_PID=$!
    PIDS="$PIDS $RELAY_PID"
    for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
    agw_conf_set delivery transport "smtp://127.0.0.1:$(cat "$pf")"
}

# alert N: submit a signed alert EGI-20260709-0N; its row in R
alert() {
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: lease-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260709-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/alert$1.eml"
    agw submit --dist alerts "$T/alert$1.eml" >/dev/null
    R=$(q "SELECT max(id) FROM alerts")
}

# What the outbox holds for alert row $1 (one "rcpt<TAB>msgid" a row), and
# what the relay logged for those Message-IDs, both sorted.
want_of() { q "SELECT o.rcpt || char(9) || trim(c.message_id, '<>') FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1" | sort; }
got_of() {
    q "SELECT trim(message_id, '<>') FROM copies WHERE alert_row = $1" >"$T/ids"
    grep -F -f "$T/ids" "$LOG" | sort
}
copies_of() { q "SELECT count(*) FROM copies WHERE alert_row = $1"; }
rows_of() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1 AND o.state = '$2'"; }
leased() { q "SELECT count(*) FROM outbox WHERE lease_owner <> ''"; }
handed() { awk '/copies handed/ { n += $4 } END { print n + 0 }' "$@"; }

# once ROW WHAT: every recipient of alert ROW was delivered exactly once
once() {
    want_of "$1" >"$T/want"
    got_of "$1" >"$T/got"
    check "$2: relay took $(wc -l <"$T/got") (recipient, Message-ID), want $(wc -l <"$T/want"), none twice ($(uniq -d "$T/got" | head -3 | tr '\n\t' ', '))" \
        cmp -s "$T/want" "$T/got"
    check "$2: every row sent" test "$(rows_of "$1" pending)$(rows_of "$1" failed)" = 00
}

# status_all FIELD: a field of queue status's 'all' row (JSON)
status_all() {
    agw queue status --json | python3 -c "import json,sys; r=json.load(sys.stdin)[0]; print(r['$1'])"
}

relay "$T/port1"

# ---- two passes at once ----------------------------------------------------------
alert 1
R1=$R
check "alert 1: several copies to share ($(copies_of "$R1"))" test "$(copies_of "$R1")" -ge 3
"$ALERTGW" -c "$AGW_CONF" queue run >"$T/w1.out" 2>&1 &
W1=$!
"$ALERTGW" -c "$AGW_CONF" queue run >"$T/w2.out" 2>&1 &
W2=$!
PIDS="$PIDS $W1 $W2"
wait "$W1"; rc1=$?
wait "$W2"; rc2=$?
check "two passes: both exit 0 ($rc1, $rc2: $(cat "$T/w1.out" "$T/w2.out" | tr '\n' ' '))" test "$rc1$rc2" = 00
once "$R1" "two passes"
check "two passes: each copy handed over once ($(handed "$T/w1.out") + $(handed "$T/w2.out"))" \
    test "$(handed "$T/w1.out" "$T/w2.out")" = "$(copies_of "$R1")"
# A pass leases every due row in one transaction: the other finds them
# all leased and sends nothing.
check "two passes: one leased all in one claim, the other sent none" \
    test "$(handed "$T/w1.out")" = 0 -o "$(handed "$T/w2.out")" = 0
check "two passes: no lease left behind" test "$(leased)" = 0
check "queue status: nothing pending or leased, every recipient sent" \
    test "$(status_all pending) $(status_all leased) $(status_all sent)" = "0 0 $(rows_of "$R1" sent)"

# ---- two --watch workers -------------------------------------------------------
"$ALERTGW" -c "$AGW_CONF" queue run --watch --interval 1s >"$T/v1.out" 2>&1 &
V1=$!
"$ALERTGW" -c "$AGW_CONF" queue run --watch --interval 1s >"$T/v2.out" 2>&1 &
V2=$!
PIDS="$PIDS $V1 $V2"
alert 2
R2=$R
for _ in $(seq 300); do
    [ "$(rows_of "$R2" pending)" = 0 ] && break
    sleep 0.1
done
sleep 1     # a pass that took nothing still ends cleanly
kill -TERM "$V1" "$V2"
wait "$V1"; rc1=$?
wait "$V2"; rc2=$?
check "two watchers: both stop with exit 0 ($rc1, $rc2)" test "$rc1$rc2" = 00
once "$R2" "two watchers"
check "two watchers: each copy handed over once ($(handed "$T/v1.out") + $(handed "$T/v2.out"))" \
    test "$(handed "$T/v1.out" "$T/v2.out")" = "$(copies_of "$R2")"
check "two watchers: no lease left behind" test "$(leased)" = 0

# ---- a worker killed after its claim ------------------------------------------------
alert 3
R3=$R
ALERTGW_CRASH=queue-before-send "$ALERTGW" -c "$AGW_CONF" queue run >/dev/null 2>&1
check "killed after the claim: its batch stays leased ($(leased) rows)" test "$(leased)" -ge 1
check "queue status: the leased rows counted ($(status_all leased))" test "$(status_all leased)" = "$(leased)"
me=$(hostname | tr -c 'A-Za-z0-9.\n-' '_')
check "queue status: by whom ($(q "SELECT DISTINCT lease_owner FROM outbox WHERE lease_owner <> ''"))" \
    sh -c "\"\$ALERTGW\" -c \"$AGW_CONF\" queue status | grep -q '	$me:[0-9]*:[0-9]*:[0-9a-f]\{8\}$'"
agw queue run >/dev/null
once "$R3" "killed after the claim: the next pass on this host sees the owner gone"
check "killed after the claim: no lease left" test "$(leased)" = 0

# ---- a worker on another host holds a batch ---------------------------------------------
alert 4
R4=$R
other=elsewhere.example:4026531836:4242:0badcafe
q "UPDATE outbox SET lease_owner = '$other', lease_until = strftime('%s', 'now') + 600 WHERE copy_id = (SELECT id FROM copies WHERE alert_row = $R4 AND list_id = (SELECT id FROM lists WHERE name = 'ngi'))"
check "another host's lease: shown by queue status" \
    sh -c "\"\$ALERTGW\" -c \"$AGW_CONF\" queue status | grep -q '	3	.*	$other$'"
agw queue run >/dev/null
check "while it holds, no pass here touches those rows" \
    test "$(q "SELECT count(*) FROM outbox WHERE lease_owner = '$other' AND state = 'pending'")" = 3
check "the other copies went" test "$(rows_of "$R4" pending)" = 3
# As if the lease (queue_lease_seconds: 810 s here) had run out.
q "UPDATE outbox SET lease_until = strftime('%s', 'now') - 1 WHERE lease_owner = '$other'"
agw queue run >/dev/null
once "$R4" "another host's lease run out"
check "another host's lease: cleared" test "$(leased)" = 0

# ---- a worker killed after the relay's answer: the documented window --------------------
alert 5
R5=$R
ALERTGW_CRASH=queue-after-send "$ALERTGW" -c "$AGW_CONF" queue run >/dev/null 2>&1
sent_copy=$(q "SELECT min(copy_id) FROM outbox WHERE lease_owner <> ''")   # the first sent
mid=$(q "SELECT trim(message_id, '<>') FROM copies WHERE id = $sent_copy")
n1=$(grep -c "	$mid$" "$LOG")
check "killed after the answer: the relay has that copy ($n1 recipients)" test "$n1" -ge 1
agw queue run >/dev/null
check "the next pass sends it again, once (the documented duplicate window)" \
    test "$(grep -c "	$mid$" "$LOG")" = $((n1 * 2))
check "nothing else twice" test "$(got_of "$R5" | uniq -d | wc -l)" = "$n1"
check "every row sent" test "$(rows_of "$R5" pending)" = 0

# ---- the lease's deadline passes before DATA -------------------------------------------
# smtp_timeout 1: the hand-over must be done 10 s after the claim; 16
# recipients at 0.7 s a RCPT take longer, so the worker gives up before
# DATA: nothing sent, every recipient pending (and retried).
kill "$RELAY_PID"
relay "$T/port2" --rcpt-delay 0.7 --data-delay 0
agw_conf_set delivery smtp_timeout 1
agw lists add slow --address slow@csirt.example >/dev/null
for i in $(seq 16); do
    agw contacts add "r$i@slow.example" >/dev/null
    agw lists add-member slow "r$i@slow.example"
done
agw dists add slowdist --address slowdist@csirt.example --lists slow
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: lease-slow"; } >"$T/body6.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body6.txt" \
    "EGI-20260709-06: Compromised credentials used on EXAMPLE-T2" >"$T/alert6.eml"
agw submit --dist slowdist "$T/alert6.eml" >/dev/null
R6=$(q "SELECT max(id) FROM alerts")
slow=$(q "SELECT id FROM copies WHERE alert_row = $R6 AND list_id = (SELECT id FROM lists WHERE name = 'slow')")
smid=$(q "SELECT trim(message_id, '<>') FROM copies WHERE id = $slow")
start=$(date +%s)
agw queue run >/dev/null
took=$(( $(date +%s) - start ))
check "deadline: given up before DATA, nothing delivered" test "$(grep -c "	$smid$" "$LOG")" = 0
check "deadline: all 16 still pending, lease cleared" \
    test "$(q "SELECT count(*) FROM outbox WHERE copy_id = $slow AND state = 'pending' AND lease_owner = ''")" = 16
check "deadline: the reason recorded ($(q "SELECT reply FROM outbox WHERE copy_id = $slow LIMIT 1"))" \
    test "$(q "SELECT count(*) FROM outbox WHERE copy_id = $slow AND reply LIKE '%deadline passed before DATA%'")" = 16
check "deadline: within the lease ($took s, lease $(( 13 + 30 )) s)" test "$took" -le 43

# ---- outcomes committed in batches: a crash re-sends at most one batch -----------
# One recipient a message, outcomes committed 4 messages at a time;
# killed once the relay has answered the 6th: 4 are recorded, the next
# pass sends messages 5 and 6 again, nothing else twice.
kill "$RELAY_PID"
relay "$T/port3" --data-delay 0
agw_conf_set delivery smtp_timeout 60
agw_conf_set delivery smtp_batch 1
agw_conf_set delivery record_batch 4
alert 7
R7=$R
check "batches: enough recipients for two batches ($(rows_of "$R7" pending))" \
    test "$(rows_of "$R7" pending)" -ge 7
ALERTGW_CRASH=queue-sent-6 "$ALERTGW" -c "$AGW_CONF" queue run >/dev/null 2>&1
# (the 5th alone too when the relay took QUEUE_RECORD_MS over the 6th)
rec=$(rows_of "$R7" sent)
check "batches: killed after the 6th message, the first 4 recorded ($rec)" \
    test "$rec" -ge 4 -a "$rec" -le 5
check "batches: the relay has 6 ($(got_of "$R7" | wc -l))" test "$(got_of "$R7" | wc -l)" = 6
agw queue run >/dev/null
check "batches: the next pass sends the unrecorded ones again, $((6 - rec)) twice ($(got_of "$R7" | uniq -d | wc -l))" \
    test "$(got_of "$R7" | uniq -d | wc -l)" = $((6 - rec))
check "batches: no one three times" test "$(got_of "$R7" | uniq -c | awk '$1 > 2' | wc -l)" = 0
check "batches: every row sent" test "$(rows_of "$R7" pending)$(rows_of "$R7" failed)" = 00
check "batches: one audit row per attempt recorded (sent rows: $(q "SELECT count(*) FROM audit a WHERE a.alert_row = $R7 AND a.event = 'sent'"))" \
    test "$(q "SELECT count(*) FROM audit a WHERE a.alert_row = $R7 AND a.event = 'sent'")" = "$(rows_of "$R7" sent)"

check "audit chain intact" agw audit verify
agw_test_end
