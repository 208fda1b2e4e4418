#!/bin/bash
# Release: a distribution that requires release holds each alert and mails
# the signer one signed preview per list; `alertgw release ID` or a signed
# "release ID" mail sends it, `cancel` drops it; a release is accepted once
# and only from an officer; a replayed or pre-signed release is refused.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
LC="python3 $AGW_SOURCE_DIR/tests/e2e/lifecycle.py"
n=0
# sign HOME FPR SUBJECT TEXT > file: a signed mail with that text
sign() {
    n=$((n+1))
    printf '%s\n' "$4" >"$T/body$n.txt"
    agw_sign "$1" "$2" "$T/body$n.txt" "$3"
}
alert() {   # alert ID: a full alert with that id, submitted
    n=$((n+1))
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "mail $n"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" "$1: credentials" >"$T/a$n.eml"
    set +e; agw submit --dist alerts "$T/a$n.eml" >"$T/out" 2>&1; echo $? >"$T/rc"; set -e
}
state() { q "SELECT state || ':' || reason FROM alerts WHERE alert_id='$1' AND command='' ORDER BY id DESC LIMIT 1"; }
sent() {    # outbox rows for list copies of id $1
    q "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='$1' AND c.kind='copy'"
}
filter() { set +e; agw filter --wait --recipient alerts@csirt.example <"$1" >/dev/null 2>&1; echo $?; set -e; }

agw dists policy alerts --require-release yes >/dev/null
check "policy stored" test "$(q "SELECT require_release FROM dists WHERE name='alerts'")" = 1

# 1. Held; one signed preview per list to the signer.
alert EGI-20260707-01
check "submit of a held alert exits 0 (got $(cat "$T/rc"))" test "$(cat "$T/rc")" = 0
check "submit says held until released" grep -q 'held EGI-20260707-01 until released' "$T/out"
check "state held, awaiting release" test "$(state EGI-20260707-01)" = "held:awaiting release"
check "no copy queued to any list" test "$(sent EGI-20260707-01)" = 0
check "three previews to the officer" test "$(q "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.kind='preview' AND o.rcpt='duty@csirt.example'")" = 3
pv=$(q "SELECT c.id FROM copies c WHERE c.kind='preview' AND instr(c.message, 'list nren') LIMIT 1")
$LC text "$DB" "$pv" >"$T/preview"
check "preview shows the sanitised copy" grep -q 'values in brackets are placeholders' "$T/preview"
check "preview tells how to release" grep -q '^    release EGI-20260707-01$' "$T/preview"
check "preview is signed" grep -q 'multipart/signed' <(q "SELECT message FROM copies WHERE id=$pv")
check "preview has no site name in the nren part" bash -c "! sed -n '/----- copy for list nren/,\$p' '$T/preview' | grep -q EXAMPLE-T2"
# Regression (issue 16): the preview asked for a reply with "release ID",
# but a reply went to the gateway's From, the CSIRT mailbox.
check "preview's Reply-To is the distribution address" test "$($LC header "$DB" "$pv" Reply-To)" = alerts@csirt.example
check "preview names the distribution address" grep -q 'send a signed mail to alerts@csirt.example' "$T/preview"

# 2. Release by command, then again: refused.
check "alertgw release" agw release EGI-20260707-01
check "state queued after release" test "$(state EGI-20260707-01)" = "queued:"
check "copies queued to 7 recipients" test "$(sent EGI-20260707-01)" = 7
check "release recorded" test "$(q "SELECT state || ',' || via FROM releases")" = "released,command"
# Regression (issue 16): previews of an alert released on the host before
# the worker ran still went out; they are dropped, and the audit says so.
check "previews not sent after the release" test "$(q "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id JOIN alerts a ON a.id=c.alert_row WHERE c.kind='preview' AND a.alert_id='EGI-20260707-01'")" = 0
check "dropped previews audited" grep -q '3 previews not sent: released by host:' <(q "SELECT detail FROM audit WHERE event='preview-dropped'")
check "receipt after release" grep -qE '^  ngi +queued: 1 signed copy for 3' <($LC text "$DB" "$(q "SELECT max(id) FROM copies WHERE kind='receipt'")")
set +e; agw release EGI-20260707-01 >/dev/null 2>"$T/err"; rc=$?; set -e
check "second release refused (exit 65, got $rc)" test "$rc" = 65
check "second release says already released" grep -q 'already released' "$T/err"
check "still 7 copies queued" test "$(sent EGI-20260707-01)" = 7
set +e; agw release EGI-20269999-99 >/dev/null 2>&1; rc=$?; set -e
check "release of an unknown id: 67 (got $rc)" test "$rc" = 67

# 3. Release by signed mail; the replayed mail is refused.
alert EGI-20260707-02
sign "$OFFICER_HOME" "$OFFICER_FPR" "Re: Release needed: EGI-20260707-02" \
    "release EGI-20260707-02

> Alert EGI-20260707-02 is held" >"$T/rel2.eml"
check "release mail stored (exit 0)" test "$(filter "$T/rel2.eml")" = 0
check "released by mail" test "$(state EGI-20260707-02)" = "queued:"
check "mail release queued 7" test "$(sent EGI-20260707-02)" = 7
check "release via mail by the officer" test "$(q "SELECT via || ',' || decided_by FROM releases WHERE alert_id='EGI-20260707-02'")" = "mail,$OFFICER_FPR"
check "command row recorded" test "$(q "SELECT command || ',' || state FROM alerts WHERE command <> ''")" = "release,queued"
check "replayed release mail stored (exit 0)" test "$(filter "$T/rel2.eml")" = 0
check "replayed release refused" test "$(q "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")" != queued
check "replay queued nothing more" test "$(sent EGI-20260707-02)" = 7

# 4. Only an officer: a foreign key's release is quarantined, alert stays held.
alert EGI-20260707-03
FOREIGN_HOME=$(agw_gnupg_home)
FOREIGN_FPR=$(agw_key "$FOREIGN_HOME" "Mallory <duty@csirt.example>")
sign "$FOREIGN_HOME" "$FOREIGN_FPR" "release" "release EGI-20260707-03" >"$T/rel3.eml"
filter "$T/rel3.eml" >/dev/null
check "foreign release quarantined" test "$(q "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")" = quarantined
check "alert still held" test "$(state EGI-20260707-03)" = "held:awaiting release"
check "nothing queued" test "$(sent EGI-20260707-03)" = 0

# 5. Cancel; a release after cancel is refused.
check "alertgw cancel" agw cancel EGI-20260707-03
check "cancelled alert stays held with the reason" grep -q '^held:cancelled by host:' <(state EGI-20260707-03)
check "cancel queued nothing" test "$(sent EGI-20260707-03)" = 0
agw queue run >/dev/null 2>&1 || true
check "no preview of a cancelled alert delivered" test "$(grep -rl 'Release needed: EGI-20260707-03' "$AGW_OUT" 2>/dev/null | wc -l)" = 0
check "receipt says withheld: cancelled" grep -qE '^  isp +withheld: cancelled by' <($LC text "$DB" "$(q "SELECT max(id) FROM copies WHERE kind='receipt'")")
set +e; agw release EGI-20260707-03 >/dev/null 2>"$T/err"; rc=$?; set -e
check "release after cancel refused (65, got $rc)" test "$rc" = 65
check "says already cancelled" grep -q 'already cancelled' "$T/err"

# 6. A release signed before the alert was held is a replay.
sign "$OFFICER_HOME" "$OFFICER_FPR" "release" "release EGI-20260707-04" >"$T/rel4.eml"
sleep 1.2
alert EGI-20260707-04
filter "$T/rel4.eml" >/dev/null
check "pre-signed release refused" grep -q 'signed before the alert was held' <(q "SELECT reason FROM alerts ORDER BY id DESC LIMIT 1")
check "pre-signed release queued nothing" test "$(sent EGI-20260707-04)" = 0
check "alert still awaiting" test "$(state EGI-20260707-04)" = "held:awaiting release"

# 7. Without the policy, alerts go straight out.
agw dists policy alerts --require-release no >/dev/null
alert EGI-20260707-05
check "no policy: queued at once" test "$(sent EGI-20260707-05)" = 7

agw_test_end
