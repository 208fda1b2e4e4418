#!/bin/bash
# TLP: lenient labels in, canonical out; per-list ceilings; RED to no list;
# AMBER+STRICT only to a single-organisation list; the distribution's
# default for an unlabelled alert; the receipt says what was withheld.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
LC="python3 $AGW_SOURCE_DIR/tests/e2e/lifecycle.py"
n=0
# send DIST SUBJECT FIRSTLINE: the sample alert with its TLP line replaced
send() {
    n=$((n+1))
    { echo "$3"; tail -n +2 "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "mail $n"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" "$2" >"$T/a$n.eml"
    set +e; agw submit --dist "$1" "$T/a$n.eml" >"$T/out$n" 2>&1; echo $? >"$T/rc$n"; set -e
}
lists_of() {    # lists that got a copy of alert id $1
    q "SELECT group_concat(name) FROM (SELECT l.name FROM copies c JOIN alerts a ON a.id = c.alert_row JOIN lists l ON l.id = c.list_id WHERE a.alert_id = '$1' AND c.kind = 'copy' ORDER BY l.name)"
}
receipt_of() {  # text of the receipt for alert id $1
    $LC text "$DB" "$(q "SELECT c.id FROM copies c JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$1' AND c.kind = 'receipt' ORDER BY c.id DESC LIMIT 1")"
}

# Policy commands.
check "lists policy refuses RED as a ceiling" bash -c "! \"$ALERTGW\" -c \"$AGW_CONF\" lists policy isp --tlp-ceiling RED 2>/dev/null"
check "lists policy refuses a bad label" bash -c "! \"$ALERTGW\" -c \"$AGW_CONF\" lists policy isp --tlp-ceiling PURPLE 2>/dev/null"
set +e; agw lists policy nosuch --tlp-ceiling GREEN >/dev/null 2>&1; rc=$?; set -e
check "lists policy of an unknown list: 67 (got $rc)" test "$rc" = 67
agw lists policy isp --tlp-ceiling green >/dev/null
check "ceiling stored canonically" test "$(q "SELECT tlp_ceiling FROM lists WHERE name='isp'")" = GREEN

# AMBER (the sample's own label) is above isp's ceiling.
send alerts "EGI-20260707-01: credentials" "TLP:AMBER"
check "AMBER: queued (exit 0)" test "$(cat "$T/rc1")" = 0
check "AMBER: ngi and nren only (got $(lists_of EGI-20260707-01))" test "$(lists_of EGI-20260707-01)" = "ngi,nren"
check "submit says one list withheld" grep -q 'withheld from 1 list' "$T/out1"
receipt_of EGI-20260707-01 >"$T/r1"
check "receipt: isp withheld above ceiling" grep -qE '^  isp +withheld: TLP:AMBER is above the list.s ceiling TLP:GREEN' "$T/r1"
check "receipt: ngi queued" grep -qE '^  ngi +queued' "$T/r1"
check "nothing queued for isp members" test "$(q "SELECT count(*) FROM outbox WHERE rcpt LIKE '%isp-%'")" = 0

# Lenient reading: "tlp: white" is CLEAR and goes everywhere, written canonically.
send alerts "EGI-20260707-02: scan" "tlp: white"
check "WHITE read as CLEAR: all three lists" test "$(lists_of EGI-20260707-02)" = "isp,ngi,nren"
c=$(q "SELECT c.id FROM copies c JOIN alerts a ON a.id=c.alert_row JOIN lists l ON l.id=c.list_id WHERE a.alert_id='EGI-20260707-02' AND l.name='isp'")
check "canonical label in the Subject" grep -q '^\[TLP:CLEAR\] ' <($LC header "$DB" "$c" Subject)
check "canonical banner in the body" grep -q '^TLP:CLEAR   EGI-20260707-02' <($LC text "$DB" "$c")

# The strictest label wins: GREEN in the Subject, AMBER in the body.
send alerts "[TLP:GREEN] EGI-20260707-03: mixed" "TLP: Amber"
check "mixed labels: AMBER wins" test "$(q "SELECT tlp FROM alerts WHERE alert_id='EGI-20260707-03'")" = "TLP:AMBER"
check "mixed labels: not to the GREEN list" test "$(lists_of EGI-20260707-03)" = "ngi,nren"
# Regression (issue 14): the officer's own label came out beside the
# template's ("[TLP:AMBER] [TLP:GREEN] ..."): the Subject has one label.
c=$(q "SELECT c.id FROM copies c JOIN alerts a ON a.id=c.alert_row JOIN lists l ON l.id=c.list_id WHERE a.alert_id='EGI-20260707-03' AND l.name='nren'")
check "mixed labels: one label in the Subject ($($LC header "$DB" "$c" Subject))" \
    test "$($LC header "$DB" "$c" Subject)" = "[TLP:AMBER] EGI-20260707-03: mixed"

# RED: no list; held; the receipt says why.
send alerts "EGI-20260707-04: red" "TLP:RED"
check "RED: held (exit 65, got $(cat "$T/rc4"))" test "$(cat "$T/rc4")" = 65
check "RED: no copy" test -z "$(lists_of EGI-20260707-04)"
check "RED: state held" test "$(q "SELECT state FROM alerts WHERE alert_id='EGI-20260707-04'")" = held
receipt_of EGI-20260707-04 >"$T/r4"
check "RED: receipt says never fanned out" grep -qE '^  nren +withheld: TLP:RED is never fanned out' "$T/r4"
check "RED: receipt says not distributed" grep -q 'not distributed' <(q "SELECT message FROM copies c JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='EGI-20260707-04' AND c.kind='receipt'")
# Regression (issue 16): a RED alert stayed held for ever; release and
# cancel both said "no alert ... awaits release" with exit 67 (unknown id).
set +e; agw release EGI-20260707-04 >"$T/rel4" 2>&1; rc=$?; set -e
check "RED: release refused as bad data (65, got $rc)" test "$rc" = 65
check "RED: release says it is held and how to end it ($(cat "$T/rel4"))" grep -q "is held, not awaiting release .*cancel EGI-20260707-04" "$T/rel4"
set +e; agw cancel EGI-20260707-04 >"$T/can4" 2>&1; rc=$?; set -e
check "RED: cancel works (0, got $rc: $(cat "$T/can4"))" test "$rc" = 0
check "RED: alerts list says cancelled" grep -qE 'EGI-20260707-04.*cancelled by host:' <(agw alerts list)
check "RED: a receipt for the cancellation" test "$(q "SELECT count(*) FROM copies c JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='EGI-20260707-04' AND c.kind='receipt'")" = 2
set +e; agw cancel EGI-20260707-04 >/dev/null 2>&1; rc=$?; set -e
check "RED: a second cancel refused (65, got $rc)" test "$rc" = 65
set +e; agw cancel EGI-20260707-99 >/dev/null 2>&1; rc=$?; set -e
check "cancel of an unknown id: 67 (got $rc)" test "$rc" = 67
set +e; agw release EGI-20260707-01 >"$T/rel1" 2>&1; rc=$?; set -e
check "release of a distributed alert: 65 (got $rc)" test "$rc" = 65

# AMBER+STRICT: only to a list of one organisation.
agw orgs add TEAM-A --kind csirt >/dev/null
agw contacts add a1@team-a.example --org TEAM-A >/dev/null
agw contacts add a2@team-a.example --org TEAM-A >/dev/null
agw lists add team --address team@csirt.example --anonymise no >/dev/null
agw lists add-member team a1@team-a.example
agw lists add-member team a2@team-a.example
agw lists policy team --tlp-ceiling AMBER+STRICT --single-org yes >/dev/null
agw lists policy ngi --tlp-ceiling AMBER+STRICT --single-org yes >/dev/null
agw dists add strict --address strict@csirt.example --lists team,ngi,nren >/dev/null
send strict "EGI-20260707-05: strict" "TLP:AMBER STRICT"
check "AMBER STRICT read as AMBER+STRICT" test "$(q "SELECT tlp FROM alerts WHERE alert_id='EGI-20260707-05'")" = "TLP:AMBER+STRICT"
check "AMBER+STRICT: only the single-org list (got $(lists_of EGI-20260707-05))" test "$(lists_of EGI-20260707-05)" = team
receipt_of EGI-20260707-05 >"$T/r5"
check "receipt: ngi spans organisations" grep -qE '^  ngi +withheld: TLP:AMBER\+STRICT never goes to a list spanning organisations \(single-org list, 3 organisations\)' "$T/r5"
check "receipt: nren above its ceiling" grep -qE '^  nren +withheld: TLP:AMBER\+STRICT is above' "$T/r5"

# No label: the distribution's default.
send strict "EGI-20260707-06: unlabelled" "No label here."
check "no label: AMBER by default" test "$(q "SELECT tlp FROM alerts WHERE alert_id='EGI-20260707-06'")" = "TLP:AMBER"
agw dists policy strict --default-tlp GREEN >/dev/null
send strict "EGI-20260707-07: unlabelled" "No label here either."
check "no label: the distribution's default GREEN" test "$(q "SELECT tlp FROM alerts WHERE alert_id='EGI-20260707-07'")" = "TLP:GREEN"
check "GREEN goes to all three" test "$(lists_of EGI-20260707-07)" = "ngi,nren,team"

# Missing keys: a list that encrypts always withholds keyless recipients.
agw lists add encl --address encl@csirt.example --anonymise no --encrypt always >/dev/null
agw contacts add keyed@team-b.example --fingerprint 0123456789ABCDEF0123456789ABCDEF01234567 >/dev/null
agw contacts add keyless@team-b.example >/dev/null
agw lists add-member encl keyed@team-b.example
agw lists add-member encl keyless@team-b.example
agw dists add enc --address enc@csirt.example --lists encl >/dev/null
send enc "EGI-20260707-08: keys" "TLP:GREEN"
# (keyed@'s pinned key is not in the gateway's keyring: no usable key
# either; t-encrypt.sh covers real keys)
check "keyless recipient gets nothing" test "$(q "SELECT group_concat(rcpt) FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='EGI-20260707-08' AND c.kind='copy'")" = ""
receipt_of EGI-20260707-08 >"$T/r8"
check "receipt: keyless recipient withheld" grep -qE '^  encl +queued: 1 signed copy for 0 recipients; 0 encrypted to their own keys; 2 withheld \(no usable OpenPGP key' "$T/r8"

check "alerts show lists the outcomes" bash -c "\"$ALERTGW\" -c \"$AGW_CONF\" alerts show EGI-20260707-05 | grep -q 'withheld'"

agw_test_end
