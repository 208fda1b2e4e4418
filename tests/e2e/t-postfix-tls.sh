#!/bin/bash
# Outbound through a real Postfix as the relay, with STARTTLS: the worker
# hands the copies to a private Postfix (smtpd offering STARTTLS with a
# self-signed certificate) which relays them to smtp-sink. smtp_tls =
# require: the session is encrypted (Postfix logs the TLS connection) and
# every copy arrives; against a relay that offers no STARTTLS, require
# leaves every recipient pending (nothing sent in clear), may sends.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
sql() { sqlite3 "$T/gw/data/alertgw.db" "$@"; }
alert() {
    # Each alert its own body: the same signed body twice is a replay.
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: tls-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260710-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/a$1.eml"
    agw filter --wait --recipient alerts@csirt.example <"$T/a$1.eml"
}
list_rcpts() {  # list_rcpts ALERT-ID STATE
    sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$1' AND c.kind = 'copy' AND o.state = '$2'"
}

agw_setup "$T/gw"
pf_sink_start "$T/sink"
PF_ALERTGW=$ALERTGW PF_TLS=1 PF_RELAYHOST=127.0.0.1:$SINK_PORT pf_start "$T/pf"

agw_conf_set delivery transport "smtp://127.0.0.1:$PF_PORT"
agw_conf_set delivery smtp_tls require
alert 1
agw queue run >"$T/run.out" 2>&1 || true
check "require, relay offers STARTTLS: the 7 list recipients sent ($(cat "$T/run.out"))" \
    test "$(list_rcpts EGI-20260710-01 sent)" = 7
check "Postfix logged a TLS session from the gateway" \
    grep -q 'TLS connection established from localhost\[127.0.0.1\]' "$PF_DIR/maillog"
check "Postfix relayed the copies to the sink" pf_sink_wait 3 20
got=$(grep -l '^List-Id:' "$T"/sink/msg.* 2>/dev/null | wc -l)
check "the sink has the 3 list copies (got $got)" test "$got" = 3
rcpts=$(cat "$T"/sink/msg.* 2>/dev/null | grep -c '^X-Rcpt-Args: <.*\(ngi\|nren\|isp\)-' || true)
check "... for all 7 members (got $rcpts)" test "$rcpts" = 7
check "Postfix received them over TLS (TLS in its Received header)" \
    grep -q 'with ESMTPS' "$(grep -l '^List-Id:' "$T"/sink/msg.* | head -1)"
# Issue 15: every copy of the pass over one connection (one TLS session),
# MAIL/RCPT/DATA pipelined as Postfix's smtpd offers, which it accepts.
handed=$(awk '/copies handed/ { print $4 }' "$T/run.out")
tls=$(grep -c 'TLS connection established from localhost\[127.0.0.1\]' "$PF_DIR/maillog")
check "one connection for the pass: $tls TLS session(s) for $handed copies" \
    test "$tls" = 1 -a "$handed" -ge 4
check "Postfix found no improper pipelining" \
    bash -c "! grep -q 'improper command pipelining' '$PF_DIR/maillog'"

# The relay authenticated by its certificate's SHA-256 (the pin).
PIN=$(openssl x509 -in "$PF_DIR/etc/cert.pem" -outform DER | sha256sum | cut -c1-64)
agw_conf_set delivery smtp_tls_fingerprint "$PIN"
alert 3
agw queue run >/dev/null 2>&1 || true
check "pinned certificate matches: sent" test "$(list_rcpts EGI-20260710-03 sent)" = 7
agw_conf_set delivery smtp_tls_fingerprint "$(echo "$PIN" | tr 0-9a-f 1-9a-f0)"
alert 4
agw queue run >/dev/null 2>&1 || true
check "another certificate than the pin: nothing sent" test "$(list_rcpts EGI-20260710-04 sent)" = 0
check "... every recipient pending, the reason recorded" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state='pending' AND reply LIKE '%does not match smtp_tls_fingerprint%'")" -ge 7
agw_conf_set delivery smtp_tls_fingerprint ""

agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
alert 2
agw queue run >/dev/null 2>&1 || true
check "require, relay without STARTTLS: nothing sent" test "$(list_rcpts EGI-20260710-02 sent)" = 0
check "require, relay without STARTTLS: every recipient pending" \
    test "$(list_rcpts EGI-20260710-02 pending)" = 7
check "the reason is recorded" \
    test "$(sql "SELECT count(*) FROM outbox WHERE reply LIKE '%offers no STARTTLS%'")" -ge 7
agw_conf_set delivery smtp_tls may
agw queue retry EGI-20260710-02 >/dev/null
agw queue run >/dev/null
check "may, relay without STARTTLS: sent" test "$(list_rcpts EGI-20260710-02 sent)" = 7
agw_conf_set delivery smtp_tls_fingerprint "12:34"
set +e
agw queue run >/dev/null 2>&1
rc=$?
set -e
check "a malformed pin is a configuration error (got $rc)" test "$rc" = 78
agw_conf_set delivery smtp_tls_fingerprint ""
agw_conf_set delivery smtp_tls bogus
set +e
agw queue run >/dev/null 2>&1
rc=$?
set -e
check "a bad smtp_tls is a configuration error (got $rc)" test "$rc" = 78

[ "$fails" -eq 0 ] || { sql "SELECT DISTINCT reply FROM outbox" | sed "s/^/# reply: /"; echo "# maillog:"; tail -20 "$PF_DIR/maillog" | sed 's/^/#   /'; echo "$fails checks failed"; exit 1; }
