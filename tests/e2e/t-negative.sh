#!/bin/bash
# What must never be distributed, and what the MTA must hear.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; agw_cleanup; rm -rf "$T"' EXIT
fails=0
expect_exit() {     # expect_exit WANT DESCRIPTION COMMAND...
    local want=$1 what=$2 got
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then echo "ok - $what (exit $got)"
    else echo "not ok - $what: got exit $got, want $want: $(cat "$T/err")"; fails=$((fails+1)); fi
}
state_of_last() {
    sqlite3 "$T/gw/data/alertgw.db" "SELECT state || ':' || reason FROM alerts ORDER BY id DESC LIMIT 1"
}
# Copies for lists; quarantine notices to the admin address are expected.
queued_rows() {
    sqlite3 "$T/gw/data/alertgw.db" "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.list_id IS NOT NULL"
}
notices_to_claimed_sender() {
    sqlite3 "$T/gw/data/alertgw.db" "SELECT count(*) FROM outbox WHERE rcpt NOT LIKE 'csirt-admin@%'"
}

agw_setup "$T/gw"
SAMPLE=$AGW_SOURCE_DIR/tests/data/alert-sample.txt
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$SAMPLE" "EGI-20260707-02 test" >"$T/good.eml"

# Unsigned: a plain message.
printf 'From: duty@csirt.example\nSubject: EGI-20260707-03 plain\n\nhello EXAMPLE-T2\n' >"$T/unsigned.eml"
expect_exit 0 "unsigned alert is stored" agw filter --wait --recipient alerts@csirt.example <"$T/unsigned.eml"
check "unsigned alert quarantined" bash -c "[[ '$(state_of_last)' == quarantined:not\ a\ PGP/MIME* ]]"

# Signed by a key that is no officer (imported, so the signature is good).
EVE_HOME=$(agw_gnupg_home)
EVE_FPR=$(agw_key "$EVE_HOME" "Eve <eve@attacker.example>")
gpg --homedir "$EVE_HOME" --armor --export "$EVE_FPR" | \
    gpg --homedir "$GW_HOME" --batch --quiet --import 2>/dev/null
agw_sign "$EVE_HOME" "$EVE_FPR" "$SAMPLE" "EGI-20260707-04 eve" >"$T/eve.eml"
expect_exit 0 "foreign-signed alert is stored" agw filter --wait --recipient alerts@csirt.example <"$T/eve.eml"
check "foreign signer quarantined ($(state_of_last))" bash -c "[[ '$(state_of_last)' == *'not an authorised officer'* ]]"

# Signed by a key the gateway does not have at all.
ZED_HOME=$(agw_gnupg_home)
ZED_FPR=$(agw_key "$ZED_HOME" "Zed <zed@attacker.example>")
agw_sign "$ZED_HOME" "$ZED_FPR" "$SAMPLE" "EGI-20260707-05 zed" >"$T/zed.eml"
expect_exit 0 "unknown-key alert is stored" agw filter --wait --recipient alerts@csirt.example <"$T/zed.eml"
check "unknown key quarantined ($(state_of_last))" bash -c "[[ '$(state_of_last)' == quarantined:* ]]"

# Tampered body: one character of the signed text changed.
sed 's/Block 203/Block 204/' "$T/good.eml" >"$T/tampered.eml"
check "tampering changed the file" bash -c "! cmp -s '$T/good.eml' '$T/tampered.eml'"
expect_exit 0 "tampered alert is stored" agw filter --wait --recipient alerts@csirt.example <"$T/tampered.eml"
check "tampered alert quarantined ($(state_of_last))" bash -c "[[ '$(state_of_last)' == *'signature not valid'* ]]"

# Garbage on stdin: stored, then quarantined as malformed.
head -c 3000 /dev/urandom >"$T/garbage"
expect_exit 0 "garbage is stored" agw filter --wait --recipient alerts@csirt.example <"$T/garbage"
check "garbage quarantined ($(state_of_last))" bash -c "[[ '$(state_of_last)' == quarantined:* ]]"

check "nothing was queued by any of them" test "$(queued_rows)" = 0
check "no notice went to a claimed sender" test "$(notices_to_claimed_sender)" = 0

# The MTA's exit codes.
expect_exit 67 "unknown recipient bounces" agw filter --wait --recipient nobody@csirt.example <"$T/good.eml"
check "bounce text has an enhanced status code" grep -q '^5\.1\.1 ' "$T/err"
n_before=$(sqlite3 "$T/gw/data/alertgw.db" "SELECT count(*) FROM alerts")
sed -i 's/^max_signature_age = 3600$/max_signature_age = 3600\nmax_size = 2048/' "$AGW_CONF"
expect_exit 65 "over max_size bounces" agw filter --wait --recipient alerts@csirt.example <"$T/good.eml"
sed -i '/^max_size = 2048$/d' "$AGW_CONF"
chmod a-w "$T/gw/data" "$T/gw/data/alertgw.db"
if [ "$(id -u)" = 0 ]; then
    # root ignores file modes: make the database unwritable another way.
    ALERTGW_FAULT=commit expect_exit 75 "failed commit defers" agw filter --wait --recipient alerts@csirt.example <"$T/good.eml"
else
    expect_exit 75 "unwritable database defers" agw filter --wait --recipient alerts@csirt.example <"$T/good.eml"
fi
check "temporary failure text is 4.x.x" grep -q '^4\.' "$T/err"
chmod u+w "$T/gw/data" "$T/gw/data/alertgw.db"
n_after=$(sqlite3 "$T/gw/data/alertgw.db" "SELECT count(*) FROM alerts")
check "nothing half-written ($n_before alerts before, $n_after after)" test "$n_before" = "$n_after"
sed 's/^data_dir = .*/data_dir = \/nonexistent\/agw/' "$AGW_CONF" >"$T/broken.conf"
expect_exit 75 "missing database defers" "$ALERTGW" -c "$T/broken.conf" filter --recipient alerts@csirt.example <"$T/good.eml"
printf '[gateway]\nno_such_key = 1\n' >"$T/bad.conf"
expect_exit 75 "broken configuration defers" "$ALERTGW" -c "$T/bad.conf" filter --recipient alerts@csirt.example <"$T/good.eml"

# The officer's shell reports verdicts directly.
expect_exit 77 "submit of a foreign-signed alert" agw submit --dist alerts "$T/eve.eml"
expect_exit 65 "submit of garbage" agw submit --dist alerts "$T/garbage"
expect_exit 0 "submit of a good alert" agw submit --dist alerts "$T/good.eml"
check "submit reports the copies" grep -q 'queued EGI-20260707-02: 3 copies for 7 recipients' "$T/out"
expect_exit 67 "submit to an unknown distribution" agw submit --dist nosuch "$T/good.eml"

# Usage and registry errors.
expect_exit 64 "unknown command" agw frobnicate
expect_exit 0 "--help works" agw contacts add --help
expect_exit 65 "duplicate contact" agw contacts add officer1@ngi-xx.example
expect_exit 65 "invalid address" agw contacts add 'bad address'
expect_exit 65 "unknown list" agw lists add-member nosuch officer1@ngi-xx.example
expect_exit 78 "unknown template" agw lists add x --address x@csirt.example --template nosuch

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
