#!/bin/bash
# Regression (issue 16): a quarantined mail could be neither seen nor run
# again: `alerts show --raw ROW` prints the stored mail as received, and
# `alerts retry ROW` runs it again after a key or officer fix, through the
# same checks from the start (never around them), audited.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
SECOND_HOME=$(agw_gnupg_home)
SECOND_FPR=$(agw_key "$SECOND_HOME" "Second Officer <second@csirt.example>")
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo retry; } >"$T/body.txt"
$PGPMIME sign "$SECOND_HOME" "$SECOND_FPR" "Second Officer <second@csirt.example>" \
    "EGI-20260709-01: retry" "$T/body.txt" >"$T/a.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/a.eml" >/dev/null 2>&1 || true
r=$(q "SELECT max(id) FROM alerts")
check "not yet an officer: quarantined" test "$(q "SELECT state FROM alerts WHERE id=$r")" = quarantined

agw alerts show --raw "$r" >"$T/raw.eml"
check "alerts show --raw: the mail as received" cmp -s "$T/a.eml" "$T/raw.eml"
set +e; agw alerts show --raw 999 >/dev/null 2>&1; rc=$?; set -e
check "alerts show --raw of an unknown row: 67 (got $rc)" test "$rc" = 67

# Before the fix, the same checks quarantine it again, for the same reason
# (the key is not even in the gateway's keyring yet).
why=$(q "SELECT reason FROM alerts WHERE id=$r")
agw alerts retry "$r" >"$T/out1"
check "retry before the fix: quarantined again" grep -q "^retried alert row $r: quarantined" "$T/out1"
check "retry before the fix: the same reason ($(cat "$T/out1"))" grep -qF "$why" "$T/out1"

# The fix: the key becomes an officer's. The poison counter is reset too.
gpg --homedir "$SECOND_HOME" --armor --export "$SECOND_FPR" >"$T/second.asc"
agw officers add --key "$T/second.asc" --name "Second Officer" --email second@csirt.example >/dev/null
q "UPDATE alerts SET attempts = 3 WHERE id = $r"
agw alerts retry "$r" >"$T/out2"
check "retry after the fix: queued ($(cat "$T/out2"))" grep -q "^retried alert row $r: queued EGI-20260709-01" "$T/out2"
check "retry after the fix: copies made" test "$(q "SELECT count(*) FROM copies WHERE alert_row=$r AND kind='copy'")" = 3
check "retries audited with who" test "$(q "SELECT count(*) FROM audit WHERE alert_row=$r AND event='retried' AND detail LIKE 'by host:%'")" = 2

set +e; agw alerts retry "$r" >/dev/null 2>"$T/err3"; rc=$?; set -e
check "retry of a queued alert: 65 (got $rc)" test "$rc" = 65
check "says why" grep -q 'is queued' "$T/err3"
set +e; agw alerts retry 999 >/dev/null 2>&1; rc=$?; set -e
check "retry of an unknown row: 67 (got $rc)" test "$rc" = 67

agw_test_end
