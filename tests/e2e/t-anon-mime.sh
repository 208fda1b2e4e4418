#!/bin/bash
# Issue 3, MIME: an alert with a quoted-printable soft line break inside a
# host name, a base64 ISO-8859-1 part, an RFC 2047 Subject, an HTML part,
# a binary attachment and a text attachment goes through the real pipeline
# (`preview` and `submit` + `queue run`); the sanitised copy is read back
# with Python's email package and checked part by part, decoded in its
# declared charset. `preview --diff` lists line, original, placeholder and
# rule for each replacement.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
T=$(mktemp -d)
trap 'agw_cleanup; rm -rf "$T"' EXIT
D=$AGW_SOURCE_DIR/tests/data/anon
fails=0

agw_setup "$T/gw"
# "Intrusion à EXAMPLE-T2 on wn01.grid.inst.example", ISO-8859-1, Q-encoded
SUBJECT='=?iso-8859-1?q?Intrusion_=E0_EXAMPLE-T2_on_wn01=2Egrid=2Einst=2Eexample?='
# The Subject is a protected header of the signed entity: what is
# distributed comes from the signed bytes only.
{ printf 'Subject: %s\n' "$SUBJECT"; cat "$D/mime-entity.txt"; } >"$T/entity.txt"
$PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" \
    "Duty Officer <duty@csirt.example>" "$SUBJECT" "$T/entity.txt" \
    >"$T/alert.eml"

# preview: the exact nren copy
rc=0
agw preview --list nren "$T/alert.eml" >"$T/preview.eml" 2>"$T/preview.err" || rc=$?
check "preview --list nren: exit 0 (got $rc: $(head -c 300 "$T/preview.err"))" test "$rc" = 0
python3 "$AGW_SOURCE_DIR/tests/e2e/check-copy.py" "$T/preview.eml" >"$T/preview.chk" || true
sed 's/^/preview: /; s/^preview: not ok/not ok - preview:/; s/^preview: ok - /ok - preview: /' \
    "$T/preview.chk"
n=$(grep -c '^not ok' "$T/preview.chk" || true)
fails=$((fails + n))
check "preview: checks ran" test "$(grep -c '^ok' "$T/preview.chk")" -ge 20

# preview --diff: line, original, placeholder, rule (tab-separated)
rc=0
agw preview --list nren --diff "$T/alert.eml" >"$T/diff.txt" 2>"$T/diff.err" || rc=$?
check "preview --diff: exit 0 (got $rc)" test "$rc" = 0
check "diff header" test "$(head -1 "$T/diff.txt")" = "$(printf 'line\toriginal\tplaceholder\trule')"
difrow() {  # difrow DESCRIPTION ERE
    check "diff row: $1" grep -qE "$2" "$T/diff.txt"
}
TAB=$'\t'
difrow "Subject site name" "^1${TAB}EXAMPLE-T2${TAB}\[SITE-[0-9]+\]${TAB}site$"
difrow "host joined across the QP soft break" \
    "^[0-9]+${TAB}wn-r03-n117\.grid\.inst\.example${TAB}host[0-9]+\.site[0-9]+\.invalid${TAB}host$"
difrow "address on line 1 of the body (QP joined)" "^1${TAB}192\.0\.2\.45${TAB}\[IP-[0-9]+\]${TAB}ip$"
difrow "bracketed IPv6" "^[0-9]+${TAB}\[2001:db8:77::a\]${TAB}\[IP-[0-9]+\]${TAB}ip$"
difrow "e-mail" "^[0-9]+${TAB}jo\.smith@inst\.example${TAB}user[0-9]+@site[0-9]+\.invalid${TAB}email$"
difrow "GOCDB network in the ISO-8859-1 part" \
    "^1${TAB}192\.0\.2\.0/255\.255\.255\.0${TAB}\[NET-[0-9]+\]${TAB}net$"
difrow "entity-decoded HTML text" "^[0-9]+${TAB}192\.0\.2\.9${TAB}\[IP-[0-9]+\]${TAB}ip$"
difrow "pool account (rule name)" "^1${TAB}exvo012${TAB}\[ACCOUNT-[0-9]+\]${TAB}pool-account$"
check "diff: no kept host" bash -c "! grep -q cvmfs-stratum-one '$T/diff.txt'"
check "diff: attacker address not listed" bash -c "! grep -q 203.0.113.9 '$T/diff.txt'"

# the real pipeline: submit, then the worker writes the copies
rc=0
agw submit --dist alerts "$T/alert.eml" >"$T/submit.out" 2>&1 || rc=$?
check "submit: exit 0 (got $rc: $(head -c 300 "$T/submit.out"))" test "$rc" = 0
agw queue run >/dev/null 2>&1 || true
f=$(ls "$T/gw/out"/nren-*.eml 2>/dev/null | head -1)
check "nren copy written" test -n "$f"
if [ -n "$f" ]; then
    python3 "$AGW_SOURCE_DIR/tests/e2e/check-copy.py" "$f" >"$T/sent.chk" || true
    sed 's/^ok - /ok - sent: /; s/^not ok - /not ok - sent: /' "$T/sent.chk"
    n=$(grep -c '^not ok' "$T/sent.chk" || true)
    fails=$((fails + n))
fi
g=$(ls "$T/gw/out"/ngi-*.eml 2>/dev/null | head -1)
check "ngi copy whole (names the site)" bash -c "[ -n '$g' ] && python3 '$AGW_SOURCE_DIR/tests/e2e/pgpmime.py' text '$g' | grep -q 'EXAMPLE-T2'"

echo "# $fails failed"
exit $((fails > 0))
