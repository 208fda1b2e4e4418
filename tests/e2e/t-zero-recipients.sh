#!/bin/bash
# Regression (issue 16): a list with no recipients got "queued ... for 0
# recipients", exit 0 and a receipt saying "distributed", with nothing to
# tell that nobody was reached. Now submit warns (list X reached nobody),
# the receipt warns and its Subject says so, and an update sent to a list
# that never got the original says so in the receipt.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
LC="python3 $AGW_SOURCE_DIR/tests/e2e/lifecycle.py"
n=0
send() {    # send DIST SUBJECT: the sample alert, submitted
    n=$((n+1))
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "mail $n"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" "$2" >"$T/a$n.eml"
    set +e; agw submit --dist "$1" "$T/a$n.eml" >"$T/out$n" 2>"$T/err$n"; echo $? >"$T/rc$n"; set -e
}
receipt() {     # the last receipt: Subject, then text
    c=$(q "SELECT max(id) FROM copies WHERE kind='receipt'")
    $LC header "$DB" "$c" Subject
    $LC text "$DB" "$c"
}
agw lists add empty --address empty@csirt.example --anonymise no >/dev/null
agw dists add some --address some@csirt.example --lists ngi,empty >/dev/null
agw dists add none --address none@csirt.example --lists empty >/dev/null

send some "EGI-20260708-01: half"
check "some: exit 0 (got $(cat "$T/rc1"))" test "$(cat "$T/rc1")" = 0
check "some: submit warns that list empty reached nobody" grep -q 'warning: list empty reached nobody' "$T/err1"
receipt >"$T/r1"
check "some: receipt Subject says one list reached nobody" grep -q '^Receipt: EGI-20260708-01 distributed; 1 list reached nobody' "$T/r1"
check "some: receipt warns" grep -q '^Warning: list empty reached nobody' "$T/r1"
check "some: per-list line says why" grep -qE '^  empty +queued: 1 signed copy for 0 recipients; the list reached nobody' "$T/r1"

send none "EGI-20260708-02: nobody"
check "none: submit warns" grep -q 'warning: list empty reached nobody' "$T/err2"
receipt >"$T/r2"
check "none: receipt Subject says reached nobody, not distributed" grep -q '^Receipt: EGI-20260708-02 reached nobody' "$T/r2"

# An update to lists of which one (nren) never got the original.
agw dists add first --address first@csirt.example --lists ngi >/dev/null
agw dists add both --address both@csirt.example --lists ngi,nren >/dev/null
send first "EGI-20260708-03: original"
check "original: no warning" test ! -s "$T/err3"
receipt >"$T/r3"
check "original: receipt plainly distributed" grep -q '^Receipt: EGI-20260708-03 distributed (' "$T/r3"
send both "EGI-20260708-03 UPDATE 1: more"
receipt >"$T/r4"
check "update: nren never got the original" grep -qE '^  nren +queued: .*an update, but this list never got the original' "$T/r4"
check "update: ngi got it, no such note" bash -c "! grep -E '^  ngi ' '$T/r4' | grep -q 'never got'"

agw_test_end
