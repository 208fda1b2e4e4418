# Helpers of t-crash*.sh (sourced after lib.sh and postfix-lib.sh).
# crash_setup: $T, clean-up at exit, a gateway delivering to an
# smtp-sink. sql, new_alert (AID MSG),
# filter_like_postfix, settle, deliveries, expect_delivered.
sql() { sqlite3 "$T/gw/data/alertgw.db" "$@"; }
MEMBERS="officer1@ngi-xx.example officer2@ngi-yy.example officer3@ngi-zz.example
         cert@nren-xx.example csirt@nren-yy.example abuse@isp-one.example
         soc@isp-two.example"
N=0
new_alert() {   # new_alert [DIST-ADDRESS]: signs the next alert; sets AID MSG
    N=$((N + 1))
    AID=$(printf 'EGI-20260708-%02d' "$N")
    MSG=$T/alert$N.eml
    # Each alert its own body: the same signed body twice is a replay.
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: $AID"; } >"$T/body$N.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$N.txt" \
        "$AID: Compromised credentials used on EXAMPLE-T2" >"$MSG"
}
filter_like_postfix() {  # filter_like_postfix CRASH-POINT|"" [RCPT]
    local rc tries=0 crash=$1 rcpt=${2:-alerts@csirt.example}
    # Postfix runs it again while it died or answered 75 (without the crash).
    while :; do
        set +e
        env ${crash:+ALERTGW_CRASH=$crash} "$ALERTGW" -c "$AGW_CONF" filter \
            --recipient "$rcpt" <"$MSG" 2>>"$T/filter.err"
        rc=$?
        set -e
        # answered at the commit: its detached processor finishes (or
        # dies at the crash point) before the test goes on
        [ "$rc" = 0 ] && { agw_processed; return 0; }
        tries=$((tries + 1))
        [ "$tries" -gt 6 ] && return 1
        crash=""
    done
}
# queue run until nothing is new or pending (each pass retries all), at
# most ~15 s: the worker leaves a fresh 'new' alert to filter for 2 s.
settle() {
    for _ in $(seq 30); do
        agw queue retry --all >/dev/null 2>&1 || true
        agw queue run >/dev/null 2>&1 || true
        [ "$(sql "SELECT (SELECT count(*) FROM alerts WHERE state='new') + (SELECT count(*) FROM outbox WHERE state='pending')")" = 0 ] && return 0
        sleep 0.5
    done
    return 1
}
# How many list copies of alert $AID each member got at the sink.
deliveries() {  # deliveries MEMBER
    local f n=0
    for f in $(grep -l "^Subject: .*$AID" "$T"/sink/msg.* 2>/dev/null); do
        grep -q '^List-Id:' "$f" || continue
        n=$((n + $(grep -c "^X-Rcpt-Args: <$1>" "$f")))
    done
    echo "$n"
}
expect_delivered() {   # expect_delivered NAME ONCE|ATLEASTONCE
    local m c bad=0 dup=0
    for m in $MEMBERS; do
        c=$(deliveries "$m")
        [ "$c" -ge 1 ] || bad=1
        [ "$c" -gt 1 ] && dup=1
    done
    check "$1: every member has the copy" test "$bad" = 0
    if [ "$bad" != 0 ]; then    # what the database says, for the log
        sql "SELECT id, state, alert_id, reason FROM alerts ORDER BY id DESC LIMIT 3" | sed 's/^/# alert: /'
        sql "SELECT o.state, count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$AID' GROUP BY o.state" | sed 's/^/# outbox: /'
        tail -3 "$T/filter.err" 2>/dev/null | sed 's/^/# filter: /'
        agw queue run 2>&1 | sed 's/^/# queue run: /' || true
    fi
    if [ "$2" = ONCE ]; then
        check "$1: exactly once" test "$dup" = 0
    else
        echo "# $1: duplicates: $dup (allowed here)"
    fi
    check "$1: one alert queued" \
        test "$(sql "SELECT count(*) FROM alerts WHERE alert_id='$AID' AND state='queued'")" = 1
    check "$1: any second delivery by the MTA quarantined as a replay" \
        test "$(sql "SELECT count(*) FROM alerts WHERE alert_id='$AID' AND state='quarantined' AND reason NOT LIKE 'replay%'")" = 0
    check "$1: no recipient left failed" \
        test "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" = 0
}


crash_setup() {
    T=$(mktemp -d)
    PEER_PID=""
    FULL_MOUNTED=""
    trap '[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null; [ -n "$FULL_MOUNTED" ] && umount "$T/full"; pf_stop; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
    fails=0
    agw_setup "$T/gw"
    agw_conf_set gateway time_budget 1
    pf_sink_start "$T/sink"
    agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
}
