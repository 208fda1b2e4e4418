# web-lib.sh: the web console for e2e scripts (sourced after lib.sh).
#
# agw_web_users: accounts viewer1, keeper1, officer1 (password
#   "pass-$name-123"). agw_web_start [ARGS]: `alertgw web` on a free
#   loopback port (or ARGS) in the background; WEB_URL its base URL,
#   WEB_PID its process, stopped by agw_web_stop and at exit.
# agw_web_held: an alert held for release (the distribution alerts
#   requires release), signed by the officer's real key: HELD_ID its id,
#   HELD_ROW its row.

agw_web_users() {
    local u
    for u in viewer keeper officer; do
        echo "pass-${u}1-123" | agw web user add "${u}1" --role "$u" >/dev/null
    done
}

agw_web_start() {
    local i
    : >"$T/web.err"
    if [ $# -eq 0 ]; then set -- --listen 127.0.0.1:0; fi
    $ALERTGW -c "$AGW_CONF" web "$@" 2>"$T/web.err" &
    WEB_PID=$!
    trap 'agw_web_stop; agw_cleanup; rm -rf "$T"' EXIT
    for i in $(seq 100); do
        WEB_URL=$(sed -n 's/^alertgw: web console on \(http[^ ]*\)\/$/\1/p' "$T/web.err")
        [ -n "$WEB_URL" ] && return 0
        grep -q 'web console on unix:' "$T/web.err" && return 0
        kill -0 "$WEB_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

agw_web_stop() {
    if [ -n "${WEB_PID:-}" ]; then
        kill "$WEB_PID" 2>/dev/null || true
        wait "$WEB_PID" 2>/dev/null || true
        WEB_PID=
    fi
}

agw_web_held() {
    HELD_ID=EGI-20260707-01
    agw dists policy alerts --require-release yes >/dev/null
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"
      echo "Payload check: <script>alert(document.domain)</script>"
    } >"$T/held.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/held.txt" \
        "$HELD_ID: credentials" >"$T/held.eml"
    agw submit --dist alerts "$T/held.eml" >/dev/null 2>&1 || true
    HELD_ROW=$(sqlite3 "$DB" "SELECT id FROM alerts WHERE alert_id='$HELD_ID' AND state='held'")
}
