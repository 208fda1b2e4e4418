#!/bin/bash
# Every error of a broken configuration, sites or rule file is printed on
# its own line, FILE:LINE: reason, before the command fails (regression: a
# file with two bad keys was reported as one line naming the first key's
# line with the last key's reason).
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start

# run WANT_EXIT NAME COMMAND...: stderr to $T/NAME.err, exit code checked.
run() {
    local want=$1 name=$2 got
    shift 2
    "$@" >"$T/$name.out" 2>"$T/$name.err"
    got=$?
    check "$name: exit $want (got $got)" test "$got" = "$want"
}

# same NAME EXPECTED: stderr of NAME is exactly EXPECTED.
same() {
    if diff -u <(printf '%s\n' "$2") "$T/$1.err"; then
        echo "ok - $1: one line per error"
    else
        echo "not ok - $1: stderr differs (above)"
        fails=$((fails + 1))
    fi
}

printf '[delivery]\nfoo = 1\nbar = 2\n' >"$T/two-bad.conf"
run 78 two-bad "$ALERTGW" -c "$T/two-bad.conf" config
same two-bad "alertgw: $T/two-bad.conf:2: unknown key [delivery] foo
alertgw: $T/two-bad.conf:3: unknown key [delivery] bar"

# Syntax errors (inih names one a pass) and numbers come out in file order.
printf '[gateway\n[gateway]\nmax_size = 12\nno equals sign\n' >"$T/mixed.conf"
run 78 mixed "$ALERTGW" -c "$T/mixed.conf" config
same mixed "alertgw: $T/mixed.conf:1: syntax error
alertgw: $T/mixed.conf:3: [gateway] max_size must be a number from 1024 to 1073741824, not '12'
alertgw: $T/mixed.conf:4: syntax error"

# Values the relay reads are checked by it at load, each with its line
# (issue 16: a mistyped transport was found only by `queue run`), and
# out-of-range limits are errors, never replaced by defaults.
printf '[delivery]\ntransport = smtp:/relay.example\nsmtp_tls = maybe\nsmtp_tls_verify = sure\nsmtp_tls_fingerprint = abc\n[limits]\nmax_parts = 100000\npcre2_match_limit = 0\n' >"$T/values.conf"
run 78 values "$ALERTGW" -c "$T/values.conf" config
same values "alertgw: $T/values.conf:2: [delivery] transport: relay 'smtp:/relay.example': want dir:PATH, smtp://HOST:PORT or sendmail:PATH
alertgw: $T/values.conf:3: [delivery] smtp_tls: 'maybe': want off, may or require
alertgw: $T/values.conf:4: [delivery] smtp_tls_verify: 'sure': want auto, yes or no
alertgw: $T/values.conf:5: [delivery] smtp_tls_fingerprint: want 64 hex digits, got 3
alertgw: $T/values.conf:7: [limits] max_parts must be a number from 2 to 256, not '100000'
alertgw: $T/values.conf:8: [limits] pcre2_match_limit must be a number from 1000 to 100000000, not '0'"
printf '[gateway]\ntime_budget = 2m\n[delivery]\nretry_max_age = 5d\ntransport = smtp://[::1]:2525\n' >"$T/units.conf"
run 0 units "$ALERTGW" -c "$T/units.conf" config
check "units: durations read as seconds" grep -q '^retry_max_age = 432000$' "$T/units.out"

# Past ERR_LIST_MAX (20) lines the rest are counted.
{ echo '[gateway]'; for i in $(seq 1 25); do echo "k$i = 1"; done; } >"$T/many.conf"
run 78 many "$ALERTGW" -c "$T/many.conf" config
check "many: 20 error lines" test "$(grep -c 'unknown key' "$T/many.err")" = 20
check "many: then the count of the rest" \
    test "$(tail -n 1 "$T/many.err")" = "alertgw: ... and 5 more"

# A good configuration for the sites file and the rule files.
cat >"$T/good.conf" <<CONF
[gateway]
data_dir = $T/data
[anonymise]
rules_dir = $AGW_SOURCE_DIR/rules
[render]
templates_dir = $AGW_SOURCE_DIR/templates
CONF

printf 'A a.example\nB bad!token\nC c.example\nD "unclosed\n' >"$T/two-bad.sites"
printf 'Subject: x\n\nhello\n' >"$T/msg.eml"
run 65 sites "$ALERTGW" -c "$T/good.conf" anonymise --sites "$T/two-bad.sites" \
    "$T/msg.eml"
same sites "alertgw: $T/two-bad.sites:2: neither a quoted alias, a domain nor a network 'bad!token'
alertgw: $T/two-bad.sites:4: unclosed quote"

mkdir "$T/rules"
printf 'rule one\nclass x\npattern (ab\nexample "a" => "a"\n' >"$T/rules/a.rules"
printf 'class q\nrule two\nclass ip\npattern t\nexample "t" => "t"\n' \
    >"$T/rules/b.rules"
run 78 rules "$ALERTGW" -c "$T/good.conf" rules lint --rules "$T/rules"
same rules "alertgw: $T/rules/a.rules:3: bad pattern: missing closing parenthesis at offset 3
alertgw: $T/rules/b.rules:1: class outside a rule
alertgw: $T/rules/b.rules:3: class ip is reserved"

agw_test_end
