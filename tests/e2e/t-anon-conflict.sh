#!/bin/bash
# Regression (issue 14): a look-alike attacker domain that embeds a victim
# domain (inst.example.badactor.example, inst.example being EXAMPLE-T2's)
# was rewritten to site1.invalid.badactor.example in the anonymised
# copies, so NREN CSIRTs blocked the wrong name, and the alert went out
# queued. Replacing breaks the indicator, keeping it names the victim: the
# alert is held now, its reason naming the indicator, and nothing is
# queued for anyone. The same alert without the look-alike is queued, its
# defanged victim address replaced and its defanged attacker host kept.
# With a "Keep:" line naming the look-alike the officer decides: queued,
# the look-alike readable; a Keep line naming a victim host is held.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start

agw_setup "$T/gw"
DB=$T/gw/data/alertgw.db
sql() { sqlite3 "$DB" "$@"; }
outbox_rows() { sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy'"; }

# submit NAME TEXT: the officer's signed alert through filter; its row's
# "state|reason".
submit() {
    printf '%s\n' "$2" >"$T/$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/$1.txt" \
        "EGI-20261203-0$3 [TLP:AMBER] phishing" >"$T/$1.eml"
    agw filter --wait --recipient alerts@csirt.example <"$T/$1.eml" \
        >"$T/$1.out" 2>"$T/$1.err"
    echo "$?" >"$T/$1.rc"
    sql "SELECT state || '|' || reason FROM alerts ORDER BY id DESC LIMIT 1"
}

before=$(outbox_rows)
got=$(submit lookalike "Phishing at https://inst.example.badactor.example/login
from 203.0.113.9 against EXAMPLE-T2." 1)
check "look-alike: filter exit 0" test "$(cat "$T/lookalike.rc")" = 0
check "look-alike: held ($got)" test "${got%%|*}" = held
check "look-alike: reason names the indicator and the site domain" \
    eval '[[ "$got" == *'\''conflict: indicator "inst.example.badactor.example" embeds site domain inst.example'\''* ]]'
check "look-alike: nothing queued" test "$(outbox_rows)" = "$before"

got=$(submit defanged "Victim 192.0.2[.]45 (wn01.grid.inst[.]example) talked to
update-cdn[.]example[.]net at EXAMPLE-T2." 2)
check "defanged: filter exit 0" test "$(cat "$T/defanged.rc")" = 0
check "defanged: queued ($got)" test "${got%%|*}" = queued
check "defanged: copies queued" test "$(outbox_rows)" -gt "$before"
agw queue run >/dev/null 2>&1 || true
# the sanitised copies (the NGI's is whole), decoded
copy=$(grep -rl 'SANITISED' "$AGW_OUT" 2>/dev/null | head -1)
check "defanged: a sanitised copy was written" test -n "$copy"
[ -n "$copy" ] && python3 -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_content())' "$copy" >"$T/copy.txt"
check "defanged: the attacker host stays defanged" \
    grep -q 'update-cdn\[\.\]example\[\.\]net' "$T/copy.txt"
copy=$T/copy.txt
if [ -n "$copy" ]; then
    check "defanged: the victim address is a placeholder" grep -q '\[IP-1\]' "$copy"
    check "defanged: no victim address in it" bash -c "! grep -q '192.0.2' '$copy'"
    check "defanged: no victim host in it" bash -c "! grep -qi 'inst\[\.\]example' '$copy'"
fi

# The officer decides inside the signed alert: a "Keep:" line lists the
# look-alike, which then stays readable as an indicator in every copy;
# the victim's own names are still replaced, and the detector passes it.
rm -f "$AGW_OUT"/*.eml
got=$(submit kept "Phishing at https://inst.example.badactor.example/login
from 203.0.113.9 against EXAMPLE-T2 (wn01.grid.inst.example).
Keep: inst.example.badactor.example" 3)
check "Keep: queued ($got)" test "${got%%|*}" = queued
agw queue run >/dev/null 2>&1 || true
copy=$(grep -rl 'SANITISED' "$AGW_OUT" 2>/dev/null | head -1)
check "Keep: a sanitised copy was written" test -n "$copy"
if [ -n "$copy" ]; then
    python3 -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_content())' "$copy" >"$T/kept.txt"
    check "Keep: the look-alike stays readable" \
        grep -q 'https://inst.example.badactor.example/login' "$T/kept.txt"
    check "Keep: the site and its host are replaced" \
        bash -c "! grep -qE 'EXAMPLE-T2|wn01.grid' '$T/kept.txt' && grep -q 'host1.site1.invalid' '$T/kept.txt'"
fi

# preview --diff before sending: the conflict named (exit 65); with the
# Keep line, the changes listed and the look-alike not among them
rc=0; agw preview --list nren --diff "$T/lookalike.eml" >"$T/pv.out" 2>"$T/pv.err" || rc=$?
check "preview --diff of the conflict: exit 65 (got $rc)" test "$rc" = 65
check "preview --diff names the conflict" grep -q 'conflict: indicator "inst.example.badactor.example"' "$T/pv.err"
rc=0; agw preview --list nren --diff "$T/kept.eml" >"$T/pv.out" 2>"$T/pv.err" || rc=$?
check "preview --diff with Keep: exit 0 (got $rc: $(head -c 300 "$T/pv.err"))" test "$rc" = 0
check "preview --diff with Keep: the host's change listed, the look-alike's not" \
    bash -c "grep -qP '^\\d+\\twn01\\.grid\\.inst\\.example\\thost1\\.site1\\.invalid\\thost' '$T/pv.out' && ! grep -qP '^\\d+\\t[^\\t]*badactor' '$T/pv.out'"

# A Keep line naming a victim host cannot undo the anonymisation: held.
before=$(outbox_rows)
got=$(submit keepvictim "Scans from wn01.grid.inst.example.
Keep: wn01.grid.inst.example" 4)
check "Keep of a site host: held ($got)" test "${got%%|*}" = held
check "Keep of a site host: the reason says why" \
    eval '[[ "$got" == *"Keep: wn01.grid.inst.example is under a site domain"* ]]'
check "Keep of a site host: nothing queued" test "$(outbox_rows)" = "$before"
agw_test_end
