#!/bin/bash
# Regression (issue 16): an unknown alert id, row or organisation filter
# printed nothing and exited 0 (`alerts show EGI-2026-1203-01`, `reveal`
# of an unknown id, `contacts list --org NGI-PL`). Each now says so with
# the exit code the README gives (67 alerts, 65 registry names).
# `alerts show ROW` shows a quarantined mail the notice points at, and
# `lists coverage` exits 65 while it lists a problem, like `keys check`.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
agw_setup "$T/gw" >/dev/null 2>&1
# run WANT NAME GLOB CMD...: exit WANT, stderr matching GLOB
run() {
    local want=$1 name=$2 glob=$3 got
    shift 3
    agw "$@" >"$T/out" 2>"$T/err"
    got=$?
    check "$name: exit $want (got $got)" test "$got" = "$want"
    check "$name: says '$glob' ($(head -c 120 "$T/err"))" matches "$(cat "$T/err")" "$glob"
}
run 67 "alerts show unknown id" "*no alert 'EGI-2026-1203-01'*" alerts show EGI-2026-1203-01
run 67 "alerts show --json unknown id" "*no alert*" alerts show EGI-2026-1203-01 --json
check "  nothing on stdout" test ! -s "$T/out"
run 67 "reveal unknown id" "*no alert 'EGI-20991231-01'*" reveal EGI-20991231-01
run 67 "audit unknown id" "*no alert 'EGI-20991231-01'*" audit EGI-20991231-01
run 65 "contacts list --org unknown" "*no organisation 'NGI-PL'*" contacts list --org NGI-PL
run 0 "contacts list --org any case" "" contacts list --org ngi_xx
run 67 "alerts show unknown row" "*no alert row '999'*" alerts show 999
# a quarantined mail, by the row its notice gives
printf 'From: someone@example.org\nSubject: hi\n\nunsigned\n' |
    agw filter --wait --recipient alerts@csirt.example >/dev/null 2>&1
ROW=$(sqlite3 "$T/gw/data/alertgw.db" "SELECT max(id) FROM alerts")
run 0 "alerts show ROW" "" alerts show "$ROW"
check "  the row's state" grep -q '^state: quarantined$' "$T/out"
check "  and its reason" grep -q '^reason: .' "$T/out"
agw alerts show "$ROW" --json >"$T/out" 2>/dev/null
check "  --json: the row" python3 -c "import json,sys; d=json.load(open('$T/out')); assert d['row'] == $ROW and d['state'] == 'quarantined'"
# coverage: problems → 65 (contacts in agw_setup have no keys, lists
# encrypt never: only unconfirmed contacts count as problems)
agw lists coverage --days 30 >"$T/out" 2>"$T/err"
rc=$?
if [ -s "$T/out" ]; then
    check "coverage with problems: 65 (got $rc)" test "$rc" = 65
    check "coverage: says how many" grep -q 'coverage problem' "$T/err"
else
    check "coverage without problems: 0 (got $rc)" test "$rc" = 0
fi
# a registry change says that it took, in one line (issue 16)
agw orgs add NREN-NEW --kind nren >"$T/out" 2>&1
check "orgs add: one confirmation line" test "$(cat "$T/out")" = "organisation NREN-NEW added"
agw contacts add new@nren-new.example --org NREN-NEW >"$T/out" 2>&1
check "contacts add: one confirmation line" test "$(cat "$T/out")" = "contact new@nren-new.example added"
agw lists add-member nren new@nren-new.example >"$T/out" 2>&1
check "lists add-member: one confirmation line" test "$(cat "$T/out")" = "list nren: member new@nren-new.example added"
agw sites keep cvmfs.example.org >"$T/out" 2>&1
check "sites keep: one confirmation line" test "$(cat "$T/out")" = "host cvmfs.example.org kept readable"
agw sites keep --rm cvmfs.example.org >"$T/out" 2>&1
check "sites keep --rm: one confirmation line" test "$(cat "$T/out")" = "host cvmfs.example.org no longer kept readable"
agw orgs add NREN-NEW --kind nren >"$T/out" 2>"$T/err"
check "a refused change says nothing on stdout" test ! -s "$T/out"
agw_test_end
