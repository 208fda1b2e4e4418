#!/bin/bash
# `alertgw check` (issue 16): one command for cron and monitoring. It
# checks the configuration, the keys, coverage (a list without recipients
# too), the outbox, the audit chain and the worker's last pass; one line
# per problem and exit 65, `ok` and exit 0 when none, 78 for a broken
# configuration, --json a list of {check, problem, detail}.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
run() {             # run WANT-EXIT DESCRIPTION COMMAND...: output in $T/out, $T/err
    local want=$1 what=$2 got
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then echo "ok - $what (exit $got)"
    else echo "not ok - $what: got exit $got, want $want: $(cat "$T/out" "$T/err")"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$1" "$T/out" || { echo "# out: $(cat "$T/out")"; false; }; }
now=$(date +%s)

for a in $(q "SELECT address FROM contacts"); do agw contacts confirm "$a" >/dev/null; done
run 65 "check before any worker pass" agw check
check "the worker is named" has "worker: no pass recorded"
check "one line per problem" test "$(wc -l <"$T/out")" = 1
agw queue run >/dev/null
check "queue run records its pass" test "$(q "SELECT value FROM settings WHERE key = 'worker_last_pass'")" -ge "$now"
run 0 "check of a healthy gateway" agw check
check "a single ok line" test "$(cat "$T/out")" = ok
run 0 "check --json of a healthy gateway" agw check --json
check "an empty JSON list" test "$(cat "$T/out")" = "[]"

# the worker's last pass too long ago
q "UPDATE settings SET value = $((now - 3 * 3600 - 60)) WHERE key = 'worker_last_pass'"
run 65 "worker last pass 3h ago" agw check
check "worker: last pass 3h ago" has "worker: last pass 3h ago"
run 0 "--worker-age 4h accepts it" agw check --worker-age 4h
run 64 "--worker-age wants a unit" agw check --worker-age 30
q "UPDATE settings SET value = $now WHERE key = 'worker_last_pass'"

# coverage: a list nobody gets (issue 16: "queued for 0 recipients")
agw lists add empty --address empty@csirt.example >/dev/null
run 65 "a list without recipients" agw check
check "coverage: no-recipient" has "coverage: list empty: no-recipient"
run 65 "lists coverage reports it too" agw lists coverage empty
check "lists coverage: no-recipient" has "no-recipient"
agw lists rm empty >/dev/null

# outbox: a copy pending for two hours, a delivery failed today
q "INSERT INTO alerts(id, received, recipient, state) VALUES(900, $now, 'alerts@csirt.example', 'queued')"
q "INSERT INTO copies(id, alert_row, kind, message_id, message, created) VALUES(900, 900, 'notice', '<x@y>', 'x', $((now - 7200)))"
q "INSERT INTO outbox(copy_id, rcpt, state, updated) VALUES(900, 'late@else.example', 'pending', $now)"
q "INSERT INTO outbox(copy_id, rcpt, state, updated, reply) VALUES(900, 'bad@else.example', 'failed', $now, '550 no')"
run 65 "outbox problems" agw check --json
check "outbox: pending-age in JSON" has '{"check":"outbox","problem":"pending-age","detail":"oldest pending copy waits 2h (over 1h)"}'
check "outbox: failed in JSON" has '{"check":"outbox","problem":"failed","detail":"1 delivery failed permanently in the last day"}'
run 65 "--pending-age 3h: only the failure" agw check --pending-age 3h
check "no pending-age line" test "$(grep -c pending "$T/out")" = 0
q "DELETE FROM outbox WHERE copy_id = 900"
run 0 "outbox clean again" agw check

# keys: a contact pinned to a key the GnuPG home lacks
agw contacts edit cert@nren-xx.example --fingerprint 0123456789ABCDEF0123456789ABCDEF01234567 >/dev/null
run 65 "a missing key" agw check
check "keys: missing" has "keys: key 0123456789ABCDEF0123456789ABCDEF01234567 (contact cert@nren-xx.example) missing"
agw contacts edit cert@nren-xx.example --fingerprint '' >/dev/null

# audit: the chain's recorded head no longer matches
head=$(q "SELECT value FROM settings WHERE key = 'audit_head'")
q "UPDATE settings SET value = 'ff' WHERE key = 'audit_head'"
run 65 "a broken audit chain" agw check
check "audit: broken" has "audit: chain broken"
q "UPDATE settings SET value = '$head' WHERE key = 'audit_head'"
run 0 "all clean" agw check

# a broken configuration: 78, before anything else
echo "nonsense line" >>"$AGW_CONF"
run 78 "a broken configuration" agw check
agw_test_end
