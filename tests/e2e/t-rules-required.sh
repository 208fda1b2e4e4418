#!/bin/bash
# Issue 14, item 8: no rules at all is a configuration error. A rules_dir
# that exists but holds no *.rules file (a typo, files renamed by a package
# upgrade), or lacks a class the shipped rules cover (account, dn), used to
# anonymise with what it had: DNs went out readable and `rules lint` /
# `rules test` said all was well. Now the commands exit 78 naming what is
# missing, and an alert waits (temporary) until the rules are back.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
sql() { q "$@"; }

mkdir "$T/empty" "$T/nodn"
# what a package upgrade leaves behind: the old files under other names
cp "$AGW_SOURCE_DIR/rules/dn.rules" "$T/empty/dn.rules.dpkg-old"
cp "$AGW_SOURCE_DIR/rules/accounts.rules" "$T/nodn/"

rc=0; agw rules lint --rules "$T/empty" >/dev/null 2>"$T/lint.err" || rc=$?
check "rules lint, no rule file: exit 78 (got $rc)" test "$rc" = 78
check "rules lint says there is no rule file" \
    grep -q "$T/empty: no \*.rules file" "$T/lint.err"
rc=0; agw rules test --rules "$T/nodn" >"$T/test.out" 2>"$T/test.err" || rc=$?
check "rules test, no dn rule: exit 78 (got $rc)" test "$rc" = 78
check "rules test names the missing class" \
    grep -q "$T/nodn: no rule of class dn" "$T/test.err"
check "rules test does not report success" bash -c "! grep -q pass '$T/test.out'"
rc=0; agw rules lint --rules "$AGW_SOURCE_DIR/rules" >/dev/null 2>&1 || rc=$?
check "the shipped rules lint clean (got $rc)" test "$rc" = 0

printf 'Subject: x\n\nDN /DC=org/DC=inst/CN=Jo Smith seen\n' >"$T/msg.eml"
rc=0
agw anonymise --rules "$T/empty" "$T/msg.eml" >"$T/anon.out" 2>"$T/anon.err" || rc=$?
check "anonymise with no rule file: exit 78 (got $rc)" test "$rc" = 78
check "anonymise printed no copy" test ! -s "$T/anon.out"

# The pipeline: the alert waits, no copy leaves, nothing is held for good.
agw_conf_set anonymise rules_dir "$T/empty"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "EGI-20260707-51 no rules" >"$T/alert.eml"
rc=0
agw filter --wait --recipient alerts@csirt.example <"$T/alert.eml" >/dev/null 2>"$T/filter.err" || rc=$?
check "filter stores it (exit $rc)" test "$rc" = 0
rc=0; agw queue run >/dev/null 2>"$T/queue.err" || rc=$?
state=$(sql "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")
check "the alert waits, new (got $state)" test "$state" = new
check "queue run names the rules directory: $(head -c 300 "$T/queue.err")" \
    grep -q "$T/empty: no \*.rules file" "$T/queue.err"
check "no copy in the outbox" test "$(sql "SELECT count(*) FROM copies WHERE kind = 'copy'")" = 0

# the rules back: the same alert goes out
agw_conf_set anonymise rules_dir "$AGW_SOURCE_DIR/rules"
agw queue run >/dev/null 2>&1 || true
state=$(sql "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")
check "with the rules back the alert is queued ($state)" test "$state" = queued
agw_test_end
