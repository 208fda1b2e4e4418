#!/bin/bash
# Issue 14: `alertgw anonymise` runs the independent leak detector over
# what it built, as the pipeline does before a copy leaves: a message
# naming a site in a form the anonymiser does not replace (an address of a
# site network as a decimal URL host) is refused (exit 65, the form named),
# nothing printed; a clean one is printed as before.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
S=$AGW_SOURCE_DIR/tests/data/sites-sample.txt
printf '[anonymise]\nrules_dir = %s\n' "$AGW_SOURCE_DIR/rules" >"$T/c.conf"
an() { "$ALERTGW" -c "$T/c.conf" anonymise --sites "$S" "$@"; }

printf 'Subject: dropper\n\nFetched from hxxp://3221226029/x.sh by the attacker.\n' \
    >"$T/decimal.eml"
rc=0; an "$T/decimal.eml" >"$T/out" 2>"$T/err" || rc=$?
check "decimal URL host: exit 65 (got $rc)" test "$rc" = 65
check "the form is named: $(cat "$T/err")" \
    grep -q 'leak: network of site EXAMPLE-T2 as "3221226029"' "$T/err"
check "nothing printed" test ! -s "$T/out"

printf 'Subject: clean\n\nwn01.grid.inst.example was entered from 203.0.113.9.\n' \
    >"$T/clean.eml"
rc=0; an "$T/clean.eml" >"$T/out" 2>"$T/err" || rc=$?
check "clean: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
check "clean: anonymised" grep -q 'host[0-9]*\.site[0-9]*\.invalid was entered from 203.0.113.9' "$T/out"
agw_test_end
