#!/bin/bash
# The key address (issue 16): a mail to it, handed by a real Postfix's
# pipe(8) to `alertgw sendkey --sender ${sender}`, is answered with the
# gateway's public key, signed by it, through the relay (a smtp-sink);
# the answer verifies with the key it carries, names its fingerprint and
# answers the request (In-Reply-To). Never answered: a second request
# from the same address within sendkey_interval, a bounce (null sender),
# an automatic message, list mail, a daemon sender; past sendkey_per_hour
# nobody. Each decision is in the audit log. A relay that is down defers
# the request in Postfix (75) and answers it once the relay is back.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
as_gw() { runuser -u "$PF_USER" -- "$PF_ALERTGW" -c "$AGW_CONF" "$@"; }

agw_setup "$T/gw"
pf_sink_start "$T/sink"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
sed -i "s|^\[delivery\]|[delivery]\nsendkey_per_hour = 3|" "$AGW_CONF"
check "the test configuration takes sendkey_per_hour" grep -q '^sendkey_per_hour = 3' "$AGW_CONF"
pf_gateway_for_pipe
pf_start "$T/pf" alerts@csirt.example
cat >>"$PF_DIR/etc/master.cf" <<MASTER
alertgw-sendkey unix - n n - - pipe
  flags=Rq user=$PF_USER argv=$PF_ALERTGW -c $AGW_CONF sendkey --sender \${sender}
MASTER
echo "csirt-sendkey@csirt.example alertgw-sendkey:" >>"$PF_DIR/etc/transport"
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
DB=$T/gw/data/alertgw.db
GWFPR=$(sqlite3 "$DB" "SELECT value FROM settings WHERE key='signing_key'")

request() {     # request FROM [HEADER...]: one mail to the key address
    local from=$1 h=() x
    shift
    for x in "$@"; do h+=(--add-header "$x"); done
    swaks --server 127.0.0.1 --port "$PF_PORT" --from "$from" \
        --to csirt-sendkey@csirt.example --header "Subject: key please" \
        --header "Message-Id: <req.$RANDOM@nren-xx.example>" "${h[@]}" \
        --silent 2 </dev/null >>"$T/swaks.log" 2>&1
}
audit_n() { sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event='$1'${2:+ AND rcpt='$2'}"; }
settle() { pf_wait_queue_empty 30; }

check "Postfix takes a request" request cert@nren-xx.example
check "the queue empties" settle
check "the sink got one answer" pf_sink_wait 1 20
ANS=$(ls "$T"/sink/msg.* | head -1)
sink_message "$ANS" >"$T/answer.eml"
check "the answer goes to the requester" grep -q '^X-Rcpt-Args: <cert@nren-xx.example>' "$ANS"
check "the answer is automatic (RFC 3834)" grep -qi '^Auto-Submitted: auto-replied' "$T/answer.eml"
check "the answer replies to the request" grep -qi '^In-Reply-To: <req\.[0-9]*@nren-xx.example>' "$T/answer.eml"
check "the answer names the fingerprint in groups" \
    grep -q "${GWFPR:0:4} ${GWFPR:4:4} ${GWFPR:8:4}" "$T/answer.eml"
# The recipient's side: take the key from the attachment, then verify the
# signature of the answer with it, as README "Recipients verify" says.
python3 - "$T/answer.eml" "$T" <<'PY' || fails=$((fails + 1))
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
assert m.get_content_type() == 'multipart/signed', m.get_content_type()
signed, sig = m.get_payload()
open(sys.argv[2] + '/signed.txt', 'wb').write(signed.as_bytes(policy=policy.SMTP))
open(sys.argv[2] + '/sig.asc', 'wb').write(sig.get_payload(decode=True))
for part in signed.walk():
    if part.get_content_type() == 'application/pgp-keys':
        open(sys.argv[2] + '/key.asc', 'wb').write(part.get_payload(decode=True))
PY
check "the key is attached" grep -q 'BEGIN PGP PUBLIC KEY' "$T/key.asc"
VH=$(agw_gnupg_home)
gpg --homedir "$VH" --batch --quiet --import "$T/key.asc" 2>/dev/null
check "the attached key is the gateway's" \
    bash -c "gpg --homedir '$VH' --with-colons --list-keys | grep -q '^fpr:::::::::$GWFPR:'"
check "the answer verifies with it" \
    gpg --homedir "$VH" --batch --status-fd 1 --verify "$T/sig.asc" "$T/signed.txt"
check "audited as key-sent" test "$(audit_n key-sent cert@nren-xx.example)" = 1

# Never answered, each audited as ignored with its reason.
request cert@nren-xx.example; settle
check "the same address again: no answer" test "$(pf_sink_count)" = 1
check "... ignored within sendkey_interval" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event='key-request-ignored' AND detail LIKE 'answered within sendkey_interval%'")" = 1
request "<>"; settle
check "a bounce (null sender): no answer" test "$(pf_sink_count)" = 1
request away@nren-yy.example "Auto-Submitted: auto-replied"; settle
request list@nren-yy.example "List-Id: <csirts.lists.example>"; settle
request bulk@nren-yy.example "Precedence: bulk"; settle
request MAILER-DAEMON@nren-yy.example; settle
check "automatic, list, bulk, daemon mail: no answer" test "$(pf_sink_count)" = 1
check "six requests ignored, with reasons" test "$(audit_n key-request-ignored)" = 6
# pipe(8) hands a null sender over as MAILER-DAEMON (its null_sender)
check "the bounce and the daemon: a daemon's sender ($(sqlite3 "$DB" "SELECT rcpt || ': ' || detail FROM audit WHERE event='key-request-ignored'" | tr '\n' ';'))" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event='key-request-ignored' AND detail = 'a daemon''s sender'")" = 2
for r in "(Auto-Submitted)" "(List-Id)" "(Precedence)"; do
    check "reason: $r" bash -c "sqlite3 '$DB' \"SELECT detail FROM audit WHERE event='key-request-ignored'\" | grep -qF \"$r\""
done
check "Postfix delivered every request (none bounced or deferred)" \
    bash -c "! grep -q 'relay=alertgw-sendkey.*status=\(bounced\|deferred\)' '$PF_DIR/maillog'"

# A relay that is down: Postfix defers the request and keeps it; once the
# relay is back, Postfix's retry gets the answer out.
pf_sink_stop
request soc@isp-one.example
check "relay down: the request is deferred in Postfix (75)" \
    pf_wait_log 'relay=alertgw-sendkey.*status=deferred'
check "... and nothing recorded as sent" test "$(audit_n key-sent soc@isp-one.example)" = 0
pf_sink_start "$T/sink2"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
postfix -c "$PF_DIR/etc" flush >/dev/null 2>&1
check "relay back: the deferred request is answered" pf_sink_wait 1 30
check "... once" test "$(audit_n key-sent soc@isp-one.example)" = 1

# A relay that refuses the recipient for good (550): nothing to retry,
# so the request is taken (exit 0) and audited as ignored with the reply.
pf_sink_stop
pf_sink_start "$T/sink3" -f rcpt -B "550 5.1.1 no such user"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
request gone@isp-one.example; settle
check "relay refuses the requester for good: the request is not bounced" \
    bash -c "! grep -q 'relay=alertgw-sendkey.*status=bounced' '$PF_DIR/maillog'"
check "... audited as ignored with the relay's reply" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event='key-request-ignored' AND rcpt='gone@isp-one.example' AND detail LIKE '%550%'")" = 1
check "... and nothing recorded as sent" test "$(audit_n key-sent gone@isp-one.example)" = 0
pf_sink_stop
pf_sink_start "$T/sink2"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"

# sendkey_per_hour = 3: two answered so far, one more, then nobody.
request abuse@isp-two.example; settle
request noc@isp-two.example; settle
check "past sendkey_per_hour: no answer" test "$(pf_sink_count)" = 2
check "... ignored as over sendkey_per_hour" \
    test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event='key-request-ignored' AND detail LIKE 'over sendkey_per_hour%'")" = 1
check "the audit chain holds" as_gw audit verify
agw_test_end
