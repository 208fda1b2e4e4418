#!/bin/bash
# A real Postfix in front: signed alerts submitted over SMTP (swaks) to a
# private Postfix instance on loopback, piped by pipe(8) into
# `alertgw filter` (the master.cf entry README gives), copies delivered by
# `queue run` over SMTP to Postfix's smtp-sink, checked there: one message
# per list with exactly that list's members, each signature verified by gpg.
# Also the exit-code contract as Postfix reads it: an unknown distribution
# address bounces (67), a store that fails (75) is deferred and kept.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
as_gw() {   # the gateway as pipe(8) runs it: as PF_USER
    runuser -u "$PF_USER" -- "$PF_ALERTGW" -c "$AGW_CONF" "$@"
}

agw_setup "$T/gw"
pf_sink_start "$T/sink"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
pf_gateway_for_pipe
pf_start "$T/pf" alerts@csirt.example nosuchdist@csirt.example
# A second pipe entry whose store always fails (ALERTGW_FAULT=commit, the
# full-disk seam): Postfix must defer and keep the message.
cat >>"$PF_DIR/etc/master.cf" <<EOF
alertgw-broken unix - n n - - pipe
  flags=Rq user=$PF_USER argv=/usr/bin/env ALERTGW_FAULT=commit $PF_ALERTGW -c $AGW_CONF filter --recipient alerts@csirt.example
EOF
echo "broken@csirt.example alertgw-broken:" >>"$PF_DIR/etc/transport"
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1

SUBJECT="EGI-20260707-01: Compromised credentials used on EXAMPLE-T2"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "$SUBJECT" >"$T/alert.eml"
submit() {  # submit RCPT: one SMTP transaction to Postfix
    swaks --server 127.0.0.1 --port "$PF_PORT" --from duty@csirt.example \
        --to "$1" --data "@$T/alert.eml" --silent 2 >"$T/swaks.log" 2>&1
}
check "Postfix accepted the alert over SMTP" submit alerts@csirt.example
check "pipe(8) delivered to alertgw" pf_wait_queue_empty 30
check "maillog: delivered via alertgw" \
    grep -q 'to=<alerts@csirt.example>.*relay=alertgw.*status=sent' "$PF_DIR/maillog"
# filter answered at the commit; its detached processor queues it (read
# as the pipe user, so that no file of the database becomes root's)
processed() {
    for _ in $(seq 300); do
        as_gw alerts list --json | grep -q '"state": "new"' || return 0
        sleep 0.1
    done
    return 1
}
check "filter's detached processor processed it" processed
check "the alert is stored and queued" \
    test "$(as_gw alerts list --json | grep -c '"state": "queued"')" = 1

DB=$T/gw/data/alertgw.db
as_gw queue run >"$T/run.out"
check "queue run: nothing deferred or failed ($(cat "$T/run.out"))" \
    grep -q ' 0 deferred, 0 failed' "$T/run.out"
# One transaction per copy: the three list copies (and the officer's
# receipt where the pipeline sends one).
ncopies=$(sqlite3 "$DB" "SELECT count(DISTINCT copy_id) FROM outbox")
check "the sink has one message per copy" pf_sink_wait "$ncopies" 20
check "exactly $ncopies transactions at the sink (got $(pf_sink_count))" \
    test "$(pf_sink_count)" = "$ncopies"
check "three of them list copies" test "$(grep -l '^List-Id:' "$T"/sink/msg.* | wc -l)" = 3

GWFPR=$(sqlite3 "$T/gw/data/alertgw.db" "SELECT value FROM settings WHERE key='signing_key'")
gpg --homedir "$GW_HOME" --export "$GWFPR" >"$T/gw.pgp" 2>/dev/null
VERIFY_HOME=$(agw_gnupg_home)
gpg --homedir "$VERIFY_HOME" --batch --quiet --import "$T/gw.pgp" 2>/dev/null
declare -A WANT=([ngi-security]="officer1@ngi-xx.example officer2@ngi-yy.example officer3@ngi-zz.example"
                 [nren-csirts]="cert@nren-xx.example csirt@nren-yy.example"
                 [isp-security]="abuse@isp-one.example soc@isp-two.example")
for f in "$T"/sink/msg.*; do
    to=$(grep -m1 -i '^To:' "$f" | grep -o '[a-z-]*@csirt\.example' | head -1)
    to=${to%@csirt.example}
    got=$(grep '^X-Rcpt-Args:' "$f" | sed 's/.*<\(.*\)>.*/\1/' | sort | xargs)
    mid=$(grep -m1 -i '^Message-ID:' "$f" | sed 's/^[^:]*: *//')
    dbrcpts=$(sqlite3 "$DB" "SELECT o.rcpt FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.message_id = '$mid'" | sort | xargs)
    check "$to: recipients are the copy's outbox rows ($got)" test "$got" = "$dbrcpts"
    if grep -q '^List-Id:' "$f"; then
        check "$to: recipients are the list's members" \
            test "$got" = "${WANT[${to:-none}]:-none}"
    fi
    check "$to: envelope sender" grep -q '^X-Mail-Args: <csirt-bounces@csirt.example>' "$f"
    sink_message "$f" >"$T/$to.eml"
    python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" split "$T/$to.eml" "$T/$to.data" "$T/$to.sig"
    check "$to: signature verifies (gpg)" gpg --homedir "$VERIFY_HOME" --batch \
        --quiet --verify "$T/$to.sig" "$T/$to.data"
done
check "outbox: every recipient sent" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state != 'sent'")" = 0
check "outbox: the 7 list members among them" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy' AND o.state = 'sent'")" = 7

# 67 → bounce (an address no distribution has).
check "Postfix accepted mail for an unknown distribution" submit nosuchdist@csirt.example
pf_wait_queue_empty 20 || true
check "unknown distribution: bounced with 5.1.1" \
    grep -q 'to=<nosuchdist@csirt.example>.*dsn=5\.1\.1, status=bounced' "$PF_DIR/maillog"

# 75 → deferred, kept in Postfix's queue.
check "Postfix accepted mail for the broken store" submit broken@csirt.example
check "store failure: deferred with 4.3.0" \
    pf_wait_log 'to=<broken@csirt.example>.*dsn=4\.3\.0, status=deferred'
check "store failure: the message stays in Postfix's queue" test "$(pf_queue_count)" = 1
check "store failure: nothing stored" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM alerts")" = 1

if [ "$fails" -ne 0 ]; then
    echo "# maillog:"; sed 's/^/#   /' "$PF_DIR/maillog" | tail -30
    echo "$fails checks failed"; exit 1
fi
