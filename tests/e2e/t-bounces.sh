#!/bin/bash
# Bounces (issue 17), against a real Postfix: the gateway hands its copies
# to a private Postfix, asking for DSNs (ENVID = the copy, NOTIFY, ORCPT);
# Postfix relays them to smtp-sinks: one that accepts, one that refuses
# every RCPT with 550 (officer3@ngi-zz.example) and one that answers 450
# (csirt@nren-yy.example, with delay_warning_time 1s). Postfix's bounce
# and delay reports come back to the bounce address through pipe(8) into
# `alertgw filter`, which stores and reads them: `bounced` and `delayed`
# in the audit log, the contact `bouncing` after two alerts, shown by
# `contacts show` and `lists coverage`, cleared by `contacts confirm`.
# Forged, garbled and crashing reports change nothing but a counter.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
# every sink of ours stopped whatever way the script ends (a sink left
# running would hold ctest's output pipe open)
GOOD_PID="" DEAD_PID=""
trap 'kill $GOOD_PID $DEAD_PID 2>/dev/null; pf_stop; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
as_gw() {   # the gateway as pipe(8) and the worker run it: as PF_USER
    runuser -u "$PF_USER" -- "$PF_ALERTGW" -c "$AGW_CONF" "$@"
}
q() { runuser -u "$PF_USER" -- sqlite3 -cmd ".timeout 10000" "$T/gw/data/alertgw.db" "$@"; }
DEAD=officer3@ngi-zz.example
SLOW=csirt@nren-yy.example
BOUNCE=csirt-bounces@csirt.example

agw_setup "$T/gw" >/dev/null
pf_sink_start "$T/sink"
GOOD_PORT=$SINK_PORT GOOD_PID=$SINK_PID
python3 "$AGW_SOURCE_DIR/tests/e2e/slowsmtp.py" "$T/dead.port" "$T/dead.log" \
    --data-delay 0 --refuse "$DEAD=550 5.1.1 <$DEAD>: mailbox unavailable" \
    >/dev/null 2>&1 &
DEAD_PID=$!
for _ in $(seq 100); do [ -s "$T/dead.port" ] && break; sleep 0.1; done
DEAD_PORT=$(cat "$T/dead.port")
pf_sink_start "$T/slow" -r RCPT
SLOW_PORT=$SINK_PORT
pf_gateway_for_pipe
PF_RELAYHOST=127.0.0.1:$GOOD_PORT pf_start "$T/pf" "$BOUNCE"
cat >>"$PF_DIR/etc/transport" <<TR
$DEAD smtp:[127.0.0.1]:$DEAD_PORT
$SLOW smtp:[127.0.0.1]:$SLOW_PORT
duty@csirt.example smtp:[127.0.0.1]:$GOOD_PORT
TR
cat >>"$PF_DIR/etc/main.cf" <<CF
delay_warning_time = 1s
CF
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$PF_PORT|" "$AGW_CONF"

send_alert() {  # send_alert N: alert EGI-20260707-0N, processed and sent
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
        "EGI-20260707-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/alert$1.eml"
    as_gw submit --dist alerts "$T/alert$1.eml" >/dev/null
    as_gw queue run >"$T/run$1.out"
}
wait_for() {    # wait_for SQL WANT [SECS]: until the query answers WANT
    local i
    for i in $(seq $((${3:-30} * 10))); do
        [ "$(q "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    echo "# $1: got $(q "$1"), want $2"
    return 1
}
audit_of() {    # audit_of EVENT RCPT: its rows
    q "SELECT count(*) FROM audit WHERE event = '$1' AND rcpt = '$2'"
}

send_alert 1
check "alert 1 handed to Postfix ($(cat "$T/run1.out"))" grep -q ' 0 deferred, 0 failed' "$T/run1.out"
# Postfix passes NOTIFY and ORCPT on to the next hop: the good sink sees them
SINK_DIR=$T/sink pf_sink_wait 4 20 || true
# Postfix passes ENVID, ORCPT and NOTIFY on (in its own order)
NGI1=$(q "SELECT c.id FROM copies c JOIN lists l ON l.id = c.list_id WHERE l.name = 'ngi' ORDER BY c.id LIMIT 1")
check "the next hop sees ENVID=<copy id>.<its MAC>" \
    grep -q "^X-Mail-Args: <$BOUNCE> ENVID=$NGI1\.[0-9a-f]\{16\} RET=HDRS" "$T"/sink/msg.*
check "the next hop sees ORCPT=rfc822;<recipient> and NOTIFY" \
    grep -q '^X-Rcpt-Args: <officer1@ngi-xx.example> ORCPT=rfc822;officer1@ngi-xx.example NOTIFY=FAILURE,DELAY' \
    "$T"/sink/msg.*
check "Postfix refused $DEAD at the next hop (550) and bounced to $BOUNCE" \
    wait_for "SELECT count(*) FROM dsn_results WHERE action = 'bounced'" 1
check "maillog: the bounce went to the gateway by pipe(8)" \
    grep -q "to=<$BOUNCE>.*relay=alertgw.*status=sent" "$PF_DIR/maillog"
check "audit: $DEAD bounced once, with status and diagnostic" \
    test "$(q "SELECT count(*) FROM audit WHERE event = 'bounced' AND rcpt = '$DEAD' AND detail LIKE 'copy %: 5.%550%'")" = 1
check "audit: nobody else bounced" test "$(q "SELECT count(*) FROM audit WHERE event = 'bounced'")" = 1
check "the bounce names the copy that went to $DEAD" \
    test "$(q "SELECT count(*) FROM dsn_results d JOIN outbox o ON o.copy_id = d.copy_id AND o.rcpt = d.rcpt WHERE d.rcpt = '$DEAD'")" = 1
check "one bounced alert: not bouncing yet" \
    test "$(as_gw contacts show "$DEAD" --json | grep -c '"health": ""')" = 1
check "contacts show: the last bounce" \
    bash -c "runuser -u $PF_USER -- $PF_ALERTGW -c $AGW_CONF contacts show $DEAD | grep -q '5.1.1 smtp; 550 5.1.1'"
check "a DELAY report for $SLOW is recorded as delayed" \
    wait_for "SELECT count(*) > 0 FROM audit WHERE event = 'delayed' AND rcpt = '$SLOW'" 1 40

send_alert 2
check "alert 2 sent ($(cat "$T/run2.out"))" grep -q ' 0 deferred, 0 failed' "$T/run2.out"
check "$DEAD bounced on two alerts" \
    wait_for "SELECT count(DISTINCT alert_row) FROM dsn_results WHERE rcpt = '$DEAD' AND action = 'bounced'" 2
check "audit: $DEAD marked bouncing once" test "$(audit_of bouncing "$DEAD")" = 1
check "contacts show: bouncing" \
    test "$(as_gw contacts show "$DEAD" --json | grep -c '"health": "bouncing since')" = 1
as_gw lists coverage ngi >"$T/coverage.out" || true
check "lists coverage: $DEAD bouncing" grep -q "^ngi	bouncing	$DEAD	" "$T/coverage.out"
check "lists coverage: no one else bouncing" test "$(grep -c '	bouncing	' "$T/coverage.out")" = 1
check "nothing removed: $DEAD still a member" \
    test "$(as_gw lists members ngi | grep -c "$DEAD")" = 1
as_gw contacts confirm "$DEAD" >/dev/null
check "contacts confirm clears the mark" \
    test "$(as_gw contacts show "$DEAD" --json | grep -c '"health": ""')" = 1
as_gw lists coverage ngi >"$T/coverage2.out" || true
check "lists coverage: no longer bouncing" test "$(grep -c '	bouncing	' "$T/coverage2.out")" = 0

# Hostile reports, straight into filter as pipe(8) runs it.
before_audit=$(q "SELECT count(*) FROM audit")
before_health=$(q "SELECT group_concat(address || bouncing_since || last_bounce) FROM contact_health")
COPY=$(q "SELECT min(copy_id) FROM outbox WHERE rcpt = 'officer1@ngi-xx.example'")
forge() {  # forge ENVID RCPT: an RFC 3464 report as an attacker would write
    printf 'From: MAILER-DAEMON@evil.example\nTo: %s\nSubject: Undelivered\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nno\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; evil.example\nOriginal-Envelope-Id: %s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 forged\n\n--b1--\n' \
        "$BOUNCE" "$1" "$2" "$2"
}
feed() { as_gw filter --recipient "$BOUNCE" --wait; }
ENVID=$(grep -h "^X-Mail-Args: <$BOUNCE> ENVID=$COPY\." "$T"/sink/msg.* | head -1 | sed 's/.*ENVID=\([^ ]*\).*/\1/')
check "the copy's envelope id is known to the test ($ENVID)" test -n "$ENVID"
forge "$ENVID" attacker@evil.example | feed
check "forged: a recipient the copy never went to is unmatched" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = unmatched
# a forger who knows the copy id and a recipient, but not the MAC
forge "$COPY" officer1@ngi-xx.example | feed
check "forged: the copy id without its MAC is unmatched" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = unmatched
forge "$COPY.0123456789abcdef" officer1@ngi-xx.example | feed
check "forged: the copy id with a wrong MAC is unmatched" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = unmatched
forge 999999 officer1@ngi-xx.example | feed
check "forged: an envelope id of no copy is unmatched" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = unmatched
printf 'From: x@evil.example\nSubject: hello\n\nnot a report\n' | feed
check "garbled: a message that is no report" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = garbled
head -c 3000 /dev/urandom | feed
check "garbled: random bytes" \
    test "$(q "SELECT state FROM reports ORDER BY id DESC LIMIT 1")" = garbled
forge "$COPY" officer1@ngi-xx.example |
    runuser -u "$PF_USER" -- env ALERTGW_FAULT=report-child-crash "$PF_ALERTGW" \
        -c "$AGW_CONF" filter --recipient "$BOUNCE" --wait
check "a parser that crashes costs one report (garbled, kept)" \
    test "$(q "SELECT state || ' ' || detail FROM reports ORDER BY id DESC LIMIT 1" | cut -c1-22)" = "garbled parser: parser"
check "hostile reports added no audit row" test "$(q "SELECT count(*) FROM audit")" = "$before_audit"
check "hostile reports changed no contact's health" \
    test "$(q "SELECT group_concat(address || bouncing_since || last_bounce) FROM contact_health")" = "$before_health"
check "every report is kept" test "$(q "SELECT count(*) FROM reports WHERE length(raw) > 0")" = "$(q "SELECT count(*) FROM reports")"
as_gw reports counts >"$T/counts.out"
check "reports counts: 4 unmatched, 3 garbled" \
    bash -c "grep -q '^bounce	unmatched	4$' $T/counts.out && grep -q '^bounce	garbled	3$' $T/counts.out"
as_gw queue run >"$T/run3.out"
check "the worker reads nothing twice" test "$(q "SELECT count(*) FROM reports WHERE state = 'new'")" = 0

if [ "$fails" -ne 0 ]; then
    echo "# maillog:"; sed 's/^/#   /' "$PF_DIR/maillog" | tail -40
    q "SELECT id, kind, state, detail FROM reports" | sed 's/^/# /'
    echo "$fails checks failed"; exit 1
fi
