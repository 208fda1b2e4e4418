#!/bin/bash
# Officers are de-authorised by `officers rm` and suspended by `officers
# edit --active no`: each change one transaction with its audit row; the
# next alert signed by that key is quarantined ("signer ... is not an
# authorised officer") with nothing queued for it, while the alerts it
# signed before stay as they were. `officers list` says when, by which
# command and by whom each officer was added.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
ME=$(id -un)

# newofficer NAME: a key "NAME Officer <name@csirt.example>" in its own
# GnuPG home; sets HOME_<NAME>, FPR_<NAME>, UID_<NAME>, exports to $T/NAME.asc
newofficer() {
    local h f u="$1 Officer <$(echo "$1" | tr 'A-Z' 'a-z')@csirt.example>"
    h=$(agw_gnupg_home)
    f=$(agw_key "$h" "$u")
    gpg --homedir "$h" --armor --export "$f" >"$T/$1.asc"
    eval "HOME_$1=\$h FPR_$1=\$f UID_$1=\"\$u\""
}

# alert N NAME: an alert EGI-20260708-0N signed by officer NAME (each its
# own body: the same signed body twice would be a replay).
alert() {
    local h f u
    eval "h=\$HOME_$2 f=\$FPR_$2 u=\$UID_$2"
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: officers-$1"; } >"$T/body$1.txt"
    $PGPMIME sign "$h" "$f" "$u" \
        "EGI-20260708-0$1: Compromised credentials used on EXAMPLE-T2" \
        "$T/body$1.txt" >"$T/alert$1.eml"
    echo "$T/alert$1.eml"
}

# submit FILE: rc, and the alert's row in R
submit() {
    agw submit --dist alerts "$1" >"$T/out" 2>"$T/err"
    rc=$?
    R=$(q "SELECT max(id) FROM alerts")
}
# copies of alert row R queued to anyone (list copies only)
queued() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $R AND c.kind = 'copy'"; }
sent_all() { test "$(q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.alert_row = $1 AND o.state <> 'sent'")" = 0; }

# expect_quarantined NAME FPR: the last submit was refused as not an officer
expect_quarantined() {
    check "$1: exit 77 (got $rc: $(head -c 200 "$T/err"))" test "$rc" = 77
    check "$1: quarantined" test "$(q "SELECT state FROM alerts WHERE id = $R")" = quarantined
    check "$1: reason names the signer ($(q "SELECT reason FROM alerts WHERE id = $R"))" \
        test "$(q "SELECT reason FROM alerts WHERE id = $R")" = "signer $2 is not an authorised officer"
    check "$1: no copy queued for it" test "$(queued)" = 0
}

# one_line_exit WANT DESCRIPTION COMMAND...: exit WANT, one line on stderr
one_line_exit() {
    local want=$1 desc=$2 got
    shift 2
    "$@" >/dev/null 2>"$T/err"
    got=$?
    check "$desc: exit $want (got $got)" test "$got" = "$want"
    check "$desc: one line on stderr ($(head -c 200 "$T/err"))" test "$(wc -l <"$T/err")" = 1
}

# ---- help --------------------------------------------------------------------
for sub in add edit rm list; do
    check "officers $sub --help" sh -c "\"\$ALERTGW\" -c \"$AGW_CONF\" officers $sub --help | grep -q '^usage: alertgw officers $sub'"
done

# ---- added: when, by which command, by whom -----------------------------------
newofficer Olga
agw keys import "$T/Olga.asc" --officer --name "Olga Officer" \
    --email olga@csirt.example >/dev/null
newofficer Ian
agw officers add --key "$T/Ian.asc" --name "Ian Officer" --email ian@csirt.example >/dev/null
agw officers list >"$T/list"
check "list: header names added and added_by" \
    grep -q "^fingerprint	name	email	active	added	added_by$" "$T/list"
check "list: keys import --officer, by $ME, active, added now" \
    grep -qE "^$FPR_Olga	Olga Officer	olga@csirt.example	1	$(date -u +%Y-%m-%d)T[0-9:]{8}Z	keys import --officer by $ME" "$T/list"
check "list: officers add by $ME" grep -q "^$FPR_Ian	.*	officers add by $ME" "$T/list"
agw officers list --json >"$T/list.json"
check "list --json: added_by" grep -q "\"added_by\": \"keys import --officer by $ME" "$T/list.json"
check "list --json: added" grep -qE '"added": "[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/list.json"
check "audit: officer-added for Olga" sh -c "\"\$ALERTGW\" -c \"$AGW_CONF\" audit | grep -q 'officer-added.*$FPR_Olga: Olga Officer <olga@csirt.example> (keys import --officer by $ME'"

# ---- rm: an alert of theirs went out; the next one is quarantined -------------
submit "$(alert 1 Olga)"
R1=$R
check "Olga's first alert: accepted (exit $rc: $(head -c 200 "$T/err"))" test "$rc" = 0
agw queue run >/dev/null
check "Olga's first alert: every copy sent" sent_all "$R1"
check "Olga's first alert: signer recorded" test "$(q "SELECT signer FROM alerts WHERE id = $R1")" = "$FPR_Olga"
agw officers rm "$FPR_Olga" >"$T/out" 2>"$T/err"
rc=$?
check "officers rm: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
check "officers rm: says so ($(cat "$T/out"))" grep -q "^officer $FPR_Olga removed$" "$T/out"
check "officers rm: gone from the list" sh -c "! \"\$ALERTGW\" -c \"$AGW_CONF\" officers list | grep -q '$FPR_Olga'"
agw audit >"$T/audit"
check "audit shows the removal" \
    grep -q "	officer-removed	.*$FPR_Olga: Olga Officer <olga@csirt.example> (officers rm by $ME" "$T/audit"
check "audit chain intact" agw audit verify
submit "$(alert 2 Olga)"
expect_quarantined "removed officer's next alert" "$FPR_Olga"
check "earlier alert untouched: still queued, signer kept" \
    test "$(q "SELECT state || ' ' || signer FROM alerts WHERE id = $R1")" = "queued $FPR_Olga"
check "earlier alert: alerts show still works" agw alerts show EGI-20260708-01
check "no foreign key broken" test -z "$(q "PRAGMA foreign_key_check")"
agw queue run >/dev/null
check "nothing of the quarantined alert went to a list" test "$(queued)" = 0

# ---- edit --active no / yes ------------------------------------------------------
submit "$(alert 3 Ian)"
check "Ian's first alert: accepted (exit $rc)" test "$rc" = 0
R3=$R
agw queue run >/dev/null
check "Ian's first alert: every copy sent" sent_all "$R3"
agw officers edit "$FPR_Ian" --active no >"$T/out" 2>"$T/err"
rc=$?
check "officers edit --active no: exit 0 (got $rc: $(cat "$T/err"))" test "$rc" = 0
check "officers edit: says so ($(cat "$T/out"))" grep -q "^officer $FPR_Ian inactive$" "$T/out"
check "list: Ian inactive, still listed" grep -q "^$FPR_Ian	Ian Officer	ian@csirt.example	0	" <(agw officers list)
check "audit shows the edit" \
    sh -c "\"\$ALERTGW\" -c \"$AGW_CONF\" audit | grep -q '	officer-edited	.*$FPR_Ian: active no (officers edit by $ME'"
submit "$(alert 4 Ian)"
expect_quarantined "inactive officer's alert" "$FPR_Ian"
agw officers edit "$FPR_Ian" --active yes >/dev/null
submit "$(alert 5 Ian)"
check "active again: accepted (exit $rc: $(head -c 200 "$T/err"))" test "$rc" = 0
check "active again: copies queued" test "$(queued)" -gt 0
check "audit chain intact after the edits" agw audit verify

# ---- errors --------------------------------------------------------------------------
NOBODY=0123456789ABCDEF0123456789ABCDEF01234567
one_line_exit 65 "officers rm of an unknown fingerprint" agw officers rm "$NOBODY"
one_line_exit 65 "officers edit of an unknown fingerprint" agw officers edit "$NOBODY" --active no
one_line_exit 65 "officers rm of a malformed fingerprint" agw officers rm nothex
one_line_exit 64 "officers edit --active maybe" agw officers edit "$FPR_Ian" --active maybe
one_line_exit 64 "officers edit without a change" agw officers edit "$FPR_Ian"
one_line_exit 65 "officers rm of the removed one again" agw officers rm "$FPR_Olga"
check "errors changed nothing: Ian active" test "$(q "SELECT active FROM officers WHERE fingerprint = '$FPR_Ian'")" = 1

agw_test_end
