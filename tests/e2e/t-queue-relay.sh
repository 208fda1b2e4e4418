#!/bin/bash
# Delivery at the relay's speed (issue 15): every message of a pass over
# one SMTP connection (RSET between transactions), PIPELINING when the
# relay offers it, and per-recipient outcomes as before. Against
# slowsmtp.py, which logs every (recipient, Message-ID) it accepted and
# each session (messages, commands read before the one before was
# answered, and of those how many came without PIPELINING offered):
# - a relay offering PIPELINING that refuses one RCPT for good (550) and
#   one for now (451): the others delivered, one failed, one retried;
# - a relay without PIPELINING: the same delivery, nothing pipelined;
# - a relay that hangs up after each message (between two transactions):
#   the next message goes on a new connection, nothing twice or lost.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
RELAY_PID=""
trap '[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null; agw_cleanup; rm -rf "$T"' EXIT
LOG=$T/relay.log
SESSIONS=$T/sessions
: >"$LOG"
n=0

# relay [OPTS...]: a new slowsmtp.py (the last one stopped), its logs
# emptied; points delivery at it.
relay() {
    [ -n "$RELAY_PID" ] && kill "$RELAY_PID" && wait "$RELAY_PID" 2>/dev/null
    n=$((n + 1))
    : >"$SESSIONS"
    python3 "$AGW_SOURCE_DIR/tests/e2e/slowsmtp.py" "$T/port$n" "$LOG" \
        --data-delay 0 --sessions "$SESSIONS" "$@" &
    RELAY_PID=$!
    for _ in $(seq 100); do [ -s "$T/port$n" ] && break; sleep 0.1; done
    agw_conf_set delivery transport "smtp://127.0.0.1:$(cat "$T/port$n")"
}

# alert N: submit a signed alert EGI-20260712-0N; its row in R
alert() {
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: relay-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260712-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/alert$1.eml"
    agw submit --dist alerts "$T/alert$1.eml" >/dev/null
    R=$(q "SELECT max(id) FROM alerts")
}

# What the outbox says was sent for alert row $1 (one "rcpt<TAB>msgid" a
# row), and what the relay logged for those Message-IDs, both sorted.
sent_of() { q "SELECT o.rcpt || char(9) || trim(c.message_id, '<>') FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1 AND o.state = 'sent'" | sort; }
got_of() {
    q "SELECT trim(message_id, '<>') FROM copies WHERE alert_row = $1" >"$T/ids"
    grep -F -f "$T/ids" "$LOG" | sort
}
rows_of() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1 AND o.state = '$2'"; }
row() { q "SELECT state || ' ' || code || ' ' || attempts FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1 AND o.rcpt = '$2'"; }

# once ROW WHAT: what the relay accepted is exactly what the outbox marks
# sent, none twice
once() {
    sent_of "$1" >"$T/want"
    got_of "$1" >"$T/got"
    check "$2: relay took $(wc -l <"$T/got") (recipient, Message-ID), outbox sent $(wc -l <"$T/want"), none twice ($(uniq -d "$T/got" | head -3 | tr '\n\t' ', '))" \
        cmp -s "$T/want" "$T/got"
}
# sessions: how many the relay saw; field F summed over them
sessions() { wc -l <"$SESSIONS"; }
summed() { awk -F '\t' -v f="$1" '{ n += $f } END { print n + 0 }' "$SESSIONS"; }
# transactions: copies handed over, by queue run's line in $1
handed() { awk '/copies handed/ { n += $4 } END { print n + 0 }' "$1"; }

# Two recipients a batch: several transactions in one pass.
agw_conf_set delivery smtp_batch 2

# ---- PIPELINING, one RCPT refused for good, one for now --------------------
relay --pipelining --refuse "officer2@ngi-yy.example=550 5.1.1 no such user" \
    --refuse "cert@nren-xx.example=451 4.2.0 greylisted"
alert 1
R1=$R
agw queue run >"$T/run1.out"
sleep 0.3       # the relay writes its session line once we are gone
check "pipelining: one connection for the pass ($(sessions) sessions, $(handed "$T/run1.out") transactions)" \
    test "$(sessions)" = 1
check "pipelining: every transaction on it ($(summed 2) messages)" \
    test "$(summed 2)" = "$(handed "$T/run1.out")" -a "$(summed 2)" -ge 4
check "pipelining: commands were pipelined ($(summed 3))" test "$(summed 3)" -ge 4
check "the 550 recipient failed for good ($(row "$R1" officer2@ngi-yy.example))" \
    test "$(row "$R1" officer2@ngi-yy.example)" = "failed 550 1"
check "the 451 recipient waits for its retry ($(row "$R1" cert@nren-xx.example))" \
    test "$(row "$R1" cert@nren-xx.example)" = "pending 451 1"
check "the 550 reply recorded" \
    test "$(q "SELECT reply FROM outbox WHERE rcpt = 'officer2@ngi-yy.example'")" = "5.1.1 no such user"
check "every other recipient sent ($(rows_of "$R1" sent) of $(q "SELECT count(*) FROM outbox") rows)" \
    test "$(rows_of "$R1" sent)" = $(( $(q "SELECT count(*) FROM outbox") - 2 ))
once "$R1" "pipelining, refusals"
# The relay takes everyone now; the greylisted recipient is due again.
relay --pipelining
agw queue retry "$(q "SELECT id FROM outbox WHERE rcpt = 'cert@nren-xx.example'")" >/dev/null
agw queue run >/dev/null
check "retry: the 451 recipient sent ($(row "$R1" cert@nren-xx.example))" \
    test "$(row "$R1" cert@nren-xx.example)" = "sent 250 2"
check "retry: the 550 recipient not tried again" \
    test "$(grep -c '^officer2@ngi-yy.example	' "$LOG")" = 0
once "$R1" "after the retry"

# ---- no PIPELINING -----------------------------------------------------------
relay
alert 2
R2=$R
agw queue run >"$T/run2.out"
sleep 0.3
check "no pipelining: one connection for the pass ($(sessions) sessions, $(summed 2) messages)" \
    test "$(sessions)" = 1 -a "$(summed 2)" = "$(handed "$T/run2.out")"
check "no pipelining: no command sent before the last was answered ($(summed 4))" \
    test "$(summed 3)$(summed 4)" = 00
check "no pipelining: nothing left pending" test "$(rows_of "$R2" pending)" = 0
once "$R2" "no pipelining"

# ---- the relay hangs up between two transactions ------------------------------
for mode in pipelining plain; do
    if [ "$mode" = pipelining ]; then relay --pipelining --drop-after 1; else relay --drop-after 1; fi
    alert $((n + 1))
    R3=$R
    agw queue run >"$T/run3.out"
    sleep 0.3
    check "hang-up ($mode): each message on a new connection ($(sessions) sessions, $(handed "$T/run3.out") transactions)" \
        test "$(sessions)" = "$(handed "$T/run3.out")" -a "$(summed 2)" = "$(handed "$T/run3.out")"
    check "hang-up ($mode): nothing deferred, nothing failed" \
        test "$(rows_of "$R3" pending)$(rows_of "$R3" failed)" = 00
    once "$R3" "hang-up ($mode)"
done

check "audit chain intact" agw audit verify
agw_test_end
