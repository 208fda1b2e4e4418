#!/bin/bash
# Regression (issue 16): roles were free text compared with their case, so
# `--role "Security Officer"` silently reached no list whose rule says
# `security officer`. Roles are stored in lower case wherever they are
# written (contacts add/edit/import, lists add-rule, GOCDB), rules are
# found in any case, and a role outside the vocabulary is warned about
# (stderr, exit 0).
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
run() {             # run WANT-EXIT DESCRIPTION COMMAND...: output in $T/out, $T/err
    local want=$1 what=$2 got
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then echo "ok - $what (exit $got)"
    else echo "not ok - $what: got exit $got, want $want: $(cat "$T/err")"; fails=$((fails + 1)); fi
}
reach() {           # reach LIST ADDRESS: ADDRESS is among LIST's recipients
    test "$(q "SELECT count(*) FROM list_recipients r JOIN lists l ON l.id = r.list_id WHERE l.name = '$1' AND r.address = '$2'")" = 1
}
WARN="is not one of security officer, csirt, abuse, noc, admin"

agw orgs add NGI-RO --kind ngi --country XX >/dev/null
agw lists add officers --address officers@csirt.example >/dev/null
run 0 "lists add-rule --role 'Security Officer'" agw lists add-rule officers --role "Security Officer"
check "the rule is stored in lower case" test "$(q "SELECT role FROM member_rules")" = "security officer"
check "a known role gives no warning" test ! -s "$T/err"
run 0 "contacts add --role 'SECURITY  Officer'" agw contacts add so@ngi-ro.example --org NGI-RO --role "SECURITY  Officer"
check "the contact's role is stored in lower case" test "$(q "SELECT role FROM contacts WHERE address = 'so@ngi-ro.example'")" = "security officer"
check "the contact reaches the list" reach officers so@ngi-ro.example
run 65 "the same rule in another case is a duplicate" agw lists add-rule officers --role "security OFFICER"
run 0 "contacts add --role 'Securty Officer' (a slip)" agw contacts add slip@ngi-ro.example --org NGI-RO --role "Securty Officer"
check "an unknown role is warned about on stderr" grep -qF "role 'Securty Officer' $WARN" "$T/err"
check "but kept" test "$(q "SELECT role FROM contacts WHERE address = 'slip@ngi-ro.example'")" = "securty officer"
run 0 "contacts edit --role Abuse" agw contacts edit slip@ngi-ro.example --role Abuse
check "edit stores it in lower case, no warning" test "$(q "SELECT role FROM contacts WHERE address = 'slip@ngi-ro.example'")" = abuse -a ! -s "$T/err"
run 0 "lists add-rule --role 'NOC '" agw lists add-rule officers --kind ngi --role "NOC "
run 0 "lists rm-rule in another case" agw lists rm-rule officers --kind ngi --role noc
check "the rule is gone" test "$(q "SELECT count(*) FROM member_rules WHERE role = 'noc'")" = 0
# a rule stored in another case before this change: still removed
q "INSERT INTO member_rules(list_id, org_kind, role) SELECT id, '', 'CSIRT' FROM lists WHERE name = 'officers'"
run 0 "lists rm-rule finds an old upper-case rule" agw lists rm-rule officers --role csirt
check "the old rule is gone" test "$(q "SELECT count(*) FROM member_rules WHERE role = 'CSIRT'")" = 0

printf 'address,name,org,role\ncsv@ngi-ro.example,CSV,NGI-RO,Security Officer\nodd@ngi-ro.example,Odd,NGI-RO,Chief\n' >"$T/c.csv"
run 0 "contacts import with mixed-case and unknown roles" agw contacts import "$T/c.csv"
check "import stores roles in lower case" test "$(q "SELECT role FROM contacts WHERE address = 'csv@ngi-ro.example'")" = "security officer"
check "the imported contact reaches the list" reach officers csv@ngi-ro.example
check "import warns about the unknown role" grep -qF "1 row(s) with a role not one of" "$T/err"
agw_test_end
