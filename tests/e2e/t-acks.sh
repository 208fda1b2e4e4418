#!/bin/bash
# Acknowledgements (issue 17): copies carry Reply-To: ack_address; what
# reaches that address (through `filter`, as pipe(8) runs it) is
# forwarded unchanged to ack_forward and counted as an organisation's
# acknowledgement when it answers a copy (In-Reply-To, or the alert id in
# the Subject) from an active contact of an organisation the alert
# reached. An out-of-office reply, a reply from an unknown address and a
# garbled one are forwarded, never counted. `alerts acks` and `--late`.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
ACK=csirt-ack@csirt.example
TEAM=csirt-team@csirt.example
agw_conf_set gateway ack_address "$ACK"
agw_conf_set gateway ack_forward "$TEAM"
agw orgs add NGI_YY --kind ngi >/dev/null
for c in officer1@ngi-xx.example:NGI_XX officer2@ngi-yy.example:NGI_YY \
         cert@nren-xx.example:NREN-XX abuse@isp-one.example:ISP-One; do
    agw contacts edit "${c%%:*}" --org "${c#*:}" >/dev/null
done

agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "EGI-20260707-01: Compromised credentials used on EXAMPLE-T2" >"$T/alert.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/alert.eml"
agw queue run >/dev/null
check "every list copy has Reply-To: $ACK" \
    test "$(grep -l "^Reply-To: $ACK" "$AGW_OUT"/*.eml | wc -l)" = 3
msgid() { q "SELECT c.message_id FROM copies c JOIN lists l ON l.id = c.list_id WHERE l.name = '$1'"; }
NGI=$(msgid ngi) ISP=$(msgid isp)

reply() {   # reply NAME FROM SUBJECT [HEADER...]: a reply, through filter
    local name=$1 from=$2 subject=$3
    shift 3
    { echo "From: A Person <$from>"; echo "To: $ACK"; echo "Subject: $subject"
      echo "Message-ID: <$name@reply.example>"; echo "Date: Thu, 03 Dec 2026 10:00:00 +0000"
      for h in "$@"; do echo "$h"; done; echo; echo "Seen, thanks. ($name)"; } >"$T/$name.eml"
    agw filter --wait --recipient "$ACK" <"$T/$name.eml"
}
last() { q "SELECT detail FROM reports ORDER BY id DESC LIMIT 1"; }
# officer1 signs with the key pinned for it (verified); cert signs with a
# key the registry does not pin for it (counted, not verified)
O1_HOME=$(agw_gnupg_home)
O1_FPR=$(agw_key "$O1_HOME" "Officer One <officer1@ngi-xx.example>")
gpg --homedir "$O1_HOME" --armor --export "$O1_FPR" >"$T/o1.asc"
agw keys import "$T/o1.asc" --contact officer1@ngi-xx.example >/dev/null
X_HOME=$(agw_gnupg_home)
X_FPR=$(agw_key "$X_HOME" "Someone <cert@nren-xx.example>")
signed_reply() {    # signed_reply NAME HOME FPR FROM SUBJECT [HEADER]
    echo "Seen, thanks. ($1)" >"$T/$1.txt"
    $PGPMIME sign "$3" "$2" "$4" "$5" "$T/$1.txt" | sed "s/^To: .*/To: $ACK\r/" >"$T/$1.eml.tmp"
    if [ -n "${6:-}" ]; then sed "1a $6\r" "$T/$1.eml.tmp"; else cat "$T/$1.eml.tmp"; fi >"$T/$1.eml"
    agw filter --wait --recipient "$ACK" <"$T/$1.eml"
}
signed_reply r1 "$O1_FPR" "$O1_HOME" officer1@ngi-xx.example "Re: EGI-20260707-01 ..." "In-Reply-To: $NGI"
check "a signed reply from NGI_XX's contact answering its copy counts, verified ($(last))" \
    matches "$(last)" "counted: officer1@ngi-xx.example acknowledges EGI-20260707-01 (verified)"
signed_reply r2 "$X_FPR" "$X_HOME" cert@nren-xx.example "RE: [TLP:AMBER] EGI-20260707-01: Compromised credentials"
check "a reply naming the alert id in its Subject counts, by a key not pinned: not verified ($(last))" \
    test "$(last)" = "counted: cert@nren-xx.example acknowledges EGI-20260707-01"
reply r3 abuse@isp-one.example "Out of Office: EGI-20260707-01" "In-Reply-To: $ISP" "Auto-Submitted: auto-replied"
check "an out-of-office reply is not counted ($(last))" \
    matches "$(last)" "not counted: written by a machine (Auto-Submitted)"
reply r4 stranger@elsewhere.example "Re: EGI-20260707-01" "In-Reply-To: $NGI"
check "a reply from an unknown address is not counted ($(last))" \
    matches "$(last)" "not counted: stranger@elsewhere.example answers EGI-20260707-01 but is no active contact*"
reply r5 officer2@ngi-yy.example "Re: hello" "In-Reply-To: <unknown@x.example>"
check "a reply answering no alert is not counted ($(last))" \
    matches "$(last)" "not counted: answers no alert"
reply r6 officer1@ngi-xx.example "Re: EGI-20260707-01" "In-Reply-To: $NGI"
check "a second reply of the same contact is not counted twice" \
    matches "$(last)" "not counted: officer1@ngi-xx.example counted before*"
head -c 2000 /dev/urandom >"$T/r7.eml"
agw filter --wait --recipient "$ACK" <"$T/r7.eml"
check "garbage is forwarded, not counted ($(last))" matches "$(last)" "not counted:*"
check "two acknowledgements recorded" test "$(q 'SELECT count(*) FROM acks')" = 2
check "audit: two acknowledged rows" \
    test "$(q "SELECT count(*) FROM audit WHERE event = 'acknowledged'")" = 2
check "every reply settled forwarded" \
    test "$(q "SELECT count(*) FROM reports WHERE kind = 'reply' AND state = 'forwarded'")" = 7

# Forwarded unchanged: each reply reaches ack_forward byte for byte
agw queue run >/dev/null
same=0
for r in r1 r2 r3 r4 r5 r6 r7; do
    for f in $(grep -l "$TEAM" "$AGW_OUT"/*.rcpt); do
        cmp -s "${f%.rcpt}.eml" "$T/$r.eml" && same=$((same + 1)) && break
    done
done
check "all 7 replies forwarded to $TEAM unchanged (got $same)" test "$same" = 7

agw alerts acks EGI-20260707-01 --json >"$T/acks.json"
acked() {   # acked ORG: yes or no, from alerts acks --json
    python3 -c "import json,sys; r=[x for x in json.load(open('$T/acks.json')) if x['org']==sys.argv[1]]; print(','.join(sorted(set(x['acknowledged'] for x in r))))" "$1"
}
check "alerts acks: NGI_XX acknowledged" test "$(acked NGI_XX)" = yes
check "alerts acks: NREN-XX acknowledged" test "$(acked NREN-XX)" = yes
check "alerts acks: NGI_YY did not" test "$(acked NGI_YY)" = no
check "alerts acks: ISP-One did not (out of office)" test "$(acked ISP-One)" = no
check "alerts acks: per list (NGI_XX on ngi), verified" \
    grep -q '"list": "ngi", "org": "NGI_XX", "acknowledged": "yes", "sender": "officer1@ngi-xx.example", "at": "[0-9 :-]*", "verified": "yes"' "$T/acks.json"
check "alerts acks: NREN-XX not verified" \
    grep -q '"org": "NREN-XX", "acknowledged": "yes", "sender": "cert@nren-xx.example", "at": "[0-9 :-]*", "verified": "no"' "$T/acks.json"
check "alerts acks of an unknown alert: 67" \
    bash -c "'$ALERTGW' -c '$AGW_CONF' alerts acks EGI-20991231-01 2>/dev/null; test \$? = 67"

# --late: the copies made 5 h ago, NGI_XX acknowledged 1 h after them,
# NREN-XX only now; with --late 4h: NREN-XX (late), NGI_YY and ISP-One
# (never), not NGI_XX.
q "UPDATE copies SET created = created - 5 * 3600"
q "UPDATE acks SET at = (SELECT created FROM copies WHERE id = 1) + 3600 WHERE sender = 'officer1@ngi-xx.example'"
agw alerts acks --late 4h >"$T/late.out"
check "--late 4h: NREN-XX acknowledged late" grep -q "	NREN-XX	.*	20" "$T/late.out"
check "--late 4h: NGI_YY never" grep -q "	NGI_YY	.*	never$" "$T/late.out"
check "--late 4h: ISP-One never" grep -q "	ISP-One	.*	never$" "$T/late.out"
check "--late 4h: not NGI_XX" bash -c "! grep -q '	NGI_XX	' '$T/late.out'"
check "--late 6h: nobody is late yet" test -z "$(agw alerts acks --late 6h)"
check "--late 4h --days 1h: an alert older than that is left out" \
    test -z "$(agw alerts acks --late 4h --days 1h)"

# Reminders: remind_after 4h on the distribution (the copies are 5 h old
# now): one signed reminder to each organisation that did not
# acknowledge, to exactly the contacts its copy reached, threaded under
# that copy; a second pass sends none.
agw dists policy alerts --remind-after 4h >/dev/null
check "dists policy --remind-after 4h stored" \
    test "$(q "SELECT remind_after FROM dists WHERE name = 'alerts'")" = 14400
before=$(ls "$AGW_OUT"/*.eml | wc -l)
agw queue run >"$T/remind1.out"
check "queue run: 2 reminders ($(cat "$T/remind1.out"))" grep -q '; 2 reminders' "$T/remind1.out"
check "reminders noted for NGI_YY and ISP-One only" \
    test "$(q "SELECT group_concat(name, ',') FROM (SELECT g.name FROM reminders r JOIN orgs g ON g.id = r.org_id ORDER BY g.name)")" = "ISP-One,NGI_YY"
rcpts=$(q "SELECT o.rcpt FROM outbox o JOIN reminders r ON r.copy_id = o.copy_id ORDER BY o.rcpt" | xargs)
check "reminders go to exactly the non-ackers' contacts ($rcpts)" \
    test "$rcpts" = "abuse@isp-one.example officer2@ngi-yy.example"
check "audit: two reminded rows" test "$(q "SELECT count(*) FROM audit WHERE event = 'reminded'")" = 2
NGIREM=$(grep -l "^Subject: Reminder: please acknowledge EGI-20260707-01" "$AGW_OUT"/*.eml | while read -r f; do grep -q "officer2@ngi-yy.example" "${f%.eml}.rcpt" && echo "$f"; done)
check "the reminder to NGI_YY went out" test -n "$NGIREM"
check "threaded under the ngi copy" grep -q "^In-Reply-To: $NGI" "$NGIREM"
check "to the list address, Reply-To the ack address" \
    bash -c "grep -q '^To: ngi-security@csirt.example' '$NGIREM' && grep -q '^Reply-To: $ACK' '$NGIREM'"
GWFPR=$(q "SELECT value FROM settings WHERE key = 'signing_key'")
VH=$(agw_gnupg_home)
gpg --homedir "$GW_HOME" --export "$GWFPR" 2>/dev/null | gpg --homedir "$VH" --batch --quiet --import 2>/dev/null
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" split "$NGIREM" "$T/rem.data" "$T/rem.sig"
check "the reminder is signed by the gateway (gpg)" \
    gpg --homedir "$VH" --batch --quiet --verify "$T/rem.sig" "$T/rem.data"
check "the reminder names nothing of the alert but its id" \
    bash -c "! grep -qi 'EXAMPLE-T2\|inst.example\|192.0.2' '$NGIREM'"
agw queue run >"$T/remind2.out"
check "a second pass sends no reminder ($(cat "$T/remind2.out"))" \
    bash -c "! grep -q 'reminders' '$T/remind2.out'"
check "still two reminders on record" test "$(q 'SELECT count(*) FROM reminders')" = 2

# A reply whose reading failed REPORT_ATTEMPTS_MAX times (stood for by
# its attempts count) is still forwarded, not counted.
q "INSERT INTO reports(received, kind, recipient, raw, attempts) VALUES(strftime('%s', 'now'), 'reply', '$ACK', CAST('Subject: stuck' || char(10) || char(10) || 'x' AS BLOB), 5)"
agw queue run >/dev/null
check "a reply that failed too often is forwarded all the same" \
    test "$(q "SELECT state || ': ' || detail FROM reports ORDER BY id DESC LIMIT 1")" = "forwarded: not counted: processing failed 5 times"
check "... to $TEAM" test "$(q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'forward' AND o.rcpt = '$TEAM'")" = 8
agw_test_end
