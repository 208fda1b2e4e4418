#!/bin/bash
# Regression (issue 13): an alert silently skipped lists past the 64th.
# A distribution of 66 lists got copies for 64, state queued, and the
# receipt said nothing. Now the limit (REGISTRY_DIST_LISTS_MAX, 64) is
# checked where lists are given to a distribution, and an alert that
# meets more (a database edited by hand) is held with the reason, never
# truncated.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
for i in $(seq 1 66); do
    agw lists add "l$i" --address "l$i@csirt.example" --audience "list $i" >/dev/null
    agw lists add-member "l$i" cert@nren-xx.example >/dev/null
done
all=$(seq -s, -f 'l%g' 1 66)
first64=$(seq -s, -f 'l%g' 1 64)

agw dists add big --address big@csirt.example --lists "$all" >"$T/out" 2>"$T/err"
rc=$?
check "dists add with 66 lists refused (65, got $rc)" test "$rc" = 65
check "one line naming the limit: $(cat "$T/err")" \
    bash -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'at most 64 lists' '$T/err'"
check "nothing half-written" test "$(q "SELECT count(*) FROM dists WHERE name = 'big'")" = 0
check "64 lists are fine" agw dists add big --address big@csirt.example --lists "$first64"
agw dists edit big --lists "$all" 2>"$T/err"
rc=$?
check "dists edit to 66 lists refused (65, got $rc)" test "$rc" = 65
check "the 64 stay" test "$(q "SELECT count(*) FROM dist_lists d JOIN dists s ON s.id = d.dist_id WHERE s.name = 'big'")" = 64

# A database edited by hand past the limit: the alert is held, not cut.
q "INSERT INTO dist_lists SELECT s.id, l.id FROM dists s, lists l WHERE s.name = 'big' AND l.name IN ('l65', 'l66')"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "EGI-20260707-66 Many lists" >"$T/a.eml"
agw filter --wait --recipient big@csirt.example <"$T/a.eml"
row=$(q "SELECT max(id) FROM alerts")
state=$(q "SELECT state || ': ' || reason FROM alerts WHERE id = $row")
check "alert to 66 lists held ($state)" \
    bash -c "[[ '$state' == 'held: the distribution feeds more than 64 lists'* ]]"
check "no copy for any list" \
    test "$(q "SELECT count(*) FROM copies WHERE alert_row = $row AND kind = 'copy'")" = 0
agw_test_end
