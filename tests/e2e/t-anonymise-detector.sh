#!/bin/bash
# Issue 14: `alertgw anonymise` runs the independent leak detector over
# what it built, as the pipeline does before a copy leaves: a message
# naming a site in a form the anonymiser does not replace (a letter of
# Latin Extended Additional, U+1E00, inside the name) is refused (exit 65,
# the form named), nothing printed (mathematical bold letters, the example
# before, are replaced now: t-anonymise-forms); a
# clean one is printed as before, and so is one with an address of a site
# network as a decimal URL host, which the anonymiser replaces now.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
S=$AGW_SOURCE_DIR/tests/data/sites-sample.txt
printf '[anonymise]\nrules_dir = %s\n' "$AGW_SOURCE_DIR/rules" >"$T/c.conf"
an() { "$ALERTGW" -c "$T/c.conf" anonymise --sites "$S" "$@"; }

printf 'Subject: extended\n\nSources: EX\xe1\xb8\x80MPLE-T2 nodes.\n' \
    >"$T/ext.eml"
rc=0; an "$T/ext.eml" >"$T/out" 2>"$T/err" || rc=$?
check "Latin Extended Additional: exit 65 (got $rc)" test "$rc" = 65
check "the form is named: $(cat "$T/err")" \
    grep -q 'leak: site EXAMPLE-T2 as "EX<U+1E00>MPLE-T2"' "$T/err"
check "nothing printed" test ! -s "$T/out"

printf 'Subject: dropper\n\nFetched from hxxp://3221226029/x.sh by the attacker.\n' \
    >"$T/decimal.eml"
rc=0; an "$T/decimal.eml" >"$T/out" 2>"$T/err" || rc=$?
check "decimal URL host: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
check "decimal URL host: replaced" grep -q 'hxxp://\[IP-[0-9]*\]/x.sh' "$T/out"

# every form the anonymiser learned after the detector held it: replaced,
# and the detector passes the result
printf 'Subject: forms\n\nEX\xd0\x90MPLE-T2 \xef\xbc\xa5XAMPLE-T2\nhttp://wn01.grid.inst%%2Eexample/ hxxp://0xC000022D/x\n192.0.2.5-9 dc=example dc=inst\n\xf0\x9d\x90\x84XAMPLE-T2 192 . 0 . 2 . 5 2001-db8-77--1.ipv6-literal.net\n' \
    >"$T/forms.eml"
rc=0; an "$T/forms.eml" >"$T/out" 2>"$T/err" || rc=$?
check "learned forms: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
tr -d '\r' <"$T/out" >"$T/out.lf"; mv "$T/out.lf" "$T/out"
check "learned forms: names" grep -qx '\[SITE-1\] \[SITE-1\]' "$T/out"
check "learned forms: URLs" grep -qx 'http://host1.site1.invalid/ hxxp://\[IP-1\]/x' "$T/out"
check "learned forms: range, DC" grep -qx '\[IP-2\]-\[IP-3\] site1.invalid' "$T/out"
check "learned forms: bold, blanks, IPv6 with -" \
    grep -qx '\[SITE-1\] \[IP-2\] \[IP-4\].ipv6-literal.net' "$T/out"

printf 'Subject: clean\n\nwn01.grid.inst.example was entered from 203.0.113.9.\n' \
    >"$T/clean.eml"
rc=0; an "$T/clean.eml" >"$T/out" 2>"$T/err" || rc=$?
check "clean: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
check "clean: anonymised" grep -q 'host[0-9]*\.site[0-9]*\.invalid was entered from 203.0.113.9' "$T/out"
agw_test_end
