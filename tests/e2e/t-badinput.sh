#!/bin/bash
# Hostile input through the real binary (issue 8): every case is fed to
# `alertgw filter` as the MTA would, and must reach a definite outcome
# (state and reason in the database), with no outbox row
# unless the alert is whole, valid and signed. Unsigned cases exercise
# the limits and the parser before authentication; the signed ones (the
# officer's key over a hostile MIME entity) reach the decoder and the
# anonymiser after it; the unsigned ones also go through `anonymise`. The
# [limits] keys are shown to take effect. A hostile regex in a user rule
# file is stopped at its PCRE2 match limit, a merely slow one by the time
# budget of one alert (process_budget); either way the alert is held with
# the rule named. Inputs are made at test time (badinput.py).
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start

# A hang guard, not a stopwatch: under `ctest -j2` on a loaded machine
# the same case takes several times its quiet figure. The one-second
# figure is measured by `make bench` (scripts/bench.d/badinput.sh).
LIMIT_MS=${AGW_BADINPUT_MS:-30000}

agw_setup "$T/gw"
DB=$T/gw/data/alertgw.db
GEN="python3 $AGW_SOURCE_DIR/tests/e2e/badinput.py"
mkdir -p "$T/c"
$GEN make "$T/c" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"

sql() { sqlite3 "$DB" "$@"; }
# Copies of alerts only: a quarantine sends the admins a notice.
outbox_rows() { sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy'"; }
last_row() { sql "SELECT max(id) FROM alerts"; }

# sign_entity ENTITY SUBJECT > message: the officer's PGP/MIME signature
# over a MIME entity written by hand (hostile structure inside).
sign_entity() {
    $GEN sign "$OFFICER_HOME" "$OFFICER_FPR" \
        "Duty Officer <duty@csirt.example>" "$2" "$1"
}

ms_now() { date +%s%N | cut -c1-13; }

# feed NAME FILE STATE REASON_GLOB [LIMIT_MS]: filter FILE, then the row's
# verdict. STATE is quarantined, held or queued; REASON_GLOB a bash pattern.
feed() {
    local name=$1 file=$2 want=$3 glob=$4 limit=${5:-$LIMIT_MS}
    local t0 t1 rc before row got state reason
    before=$(outbox_rows)
    row=$(last_row)
    t0=$(ms_now)
    agw filter --wait --recipient alerts@csirt.example <"$file" >"$T/out" 2>"$T/err"
    rc=$?
    t1=$(ms_now)
    check "$name: stored (exit $rc) $(head -c 200 "$T/err")" test "$rc" = 0
    check "$name: a new row" test "$(last_row)" != "$row"
    got=$(sql "SELECT state || '|' || reason FROM alerts ORDER BY id DESC LIMIT 1")
    state=${got%%|*}
    reason=${got#*|}
    check "$name: $state, want $want ($reason)" test "$state" = "$want"
    # shellcheck disable=SC2053
    check "$name: reason matches '$glob'" eval '[[ "$reason" == $glob ]]'
    check "$name: decided in $((t1 - t0)) ms (limit $limit)" \
        test $((t1 - t0)) -le "$limit"
    if [ "$state" != queued ]; then
        check "$name: no outbox row" test "$(outbox_rows)" = "$before"
    fi
}

# --- before authentication: unsigned or broken, limits first ---------------
UNSIGNED='not a PGP/MIME or inline signed message*'
feed truncated-mime "$T/c/truncated.eml" quarantined "$UNSIGNED"
feed no-boundary "$T/c/no-boundary.eml" quarantined "$UNSIGNED"
# a quote is no bchar (RFC 2046): refused before libetpan reads it
feed quoted-quote-boundary "$T/c/quoted-quote-boundary.eml" quarantined \
    'malformed: *boundary*'
# the one-character quoted boundary that crashed libetpan 1.9.4
feed one-quote-boundary "$T/c/one-quote-boundary.eml" quarantined \
    'malformed: *boundary*'
feed nesting-10000 "$T/c/nest-10000.eml" quarantined 'malformed: *'
feed headers-100000 "$T/c/headers-100000.eml" quarantined \
    'malformed: more than * header fields*'
feed header-60kb "$T/c/header-60kb.eml" quarantined 'malformed: header field of *'
feed nul-bytes "$T/c/nul.eml" quarantined 'malformed: *NUL*'
feed bad-base64 "$T/c/bad-base64.eml" quarantined "$UNSIGNED"
feed bad-qp "$T/c/bad-qp.eml" quarantined "$UNSIGNED"
feed unknown-charset "$T/c/unknown-charset.eml" quarantined "$UNSIGNED"
feed duplicate-headers "$T/c/duplicate-headers.eml" quarantined "$UNSIGNED"
feed 8bit-headers "$T/c/8bit-headers.eml" quarantined "$UNSIGNED"
feed comments-deep "$T/c/comments-deep.eml" quarantined 'malformed: comments nested*'
feed parts-1000 "$T/c/parts-1000.eml" quarantined 'malformed: more than *'

# The same cases through `anonymise`, which needs no signature, so the
# decoder and the anonymiser see them: an anonymised message (exit 0) or a
# refusal (65), in time, never a crash and never a sample identifier.
for f in "$T"/c/*.eml; do
    n=$(basename "$f" .eml)
    t0=$(ms_now)
    agw anonymise --sites "$AGW_SOURCE_DIR/tests/data/sites-sample.txt" \
        "$f" >"$T/anon.out" 2>"$T/anon.err"
    rc=$?
    t1=$(ms_now)
    check "anonymise $n: exit $rc in $((t1 - t0)) ms $(head -c 160 "$T/anon.err")" \
        test \( "$rc" = 0 -o "$rc" = 65 \) -a $((t1 - t0)) -le "$LIMIT_MS"
    if [ "$rc" = 0 ]; then
        python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$T/anon.out" \
            >"$T/anon.txt"
        python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" header "$T/anon.out" \
            Subject >>"$T/anon.txt"
        check "anonymise $n: no sample identifier left" bash -c \
            "! grep -qiE 'EXAMPLE-T2|inst\.example|192\.0\.2\.45|jo\.smith' '$T/anon.txt'"
    fi
done

# A 50 MB single line: refused at the door by max_size (the MTA keeps
# nothing; exit 65), then with max_size raised it reaches the parser and
# is refused there by the line limit.
$GEN line "$T/c/line-50mb.eml" $((50 * 1024 * 1024))
t0=$(ms_now)
agw filter --wait --recipient alerts@csirt.example <"$T/c/line-50mb.eml" >/dev/null 2>"$T/err"
rc=$?
t1=$(ms_now)
check "line-50mb: refused by max_size (exit $rc, want 65)" test "$rc" = 65
check "line-50mb: refused in $((t1 - t0)) ms" test $((t1 - t0)) -le "$LIMIT_MS"
# Stored first (the verdict is recorded): writing 50 MB to the database
# durably takes most of the time (12,800 page writes, WAL then
# checkpoint; about 1 s), so this case alone gets twice the limit. (The
# raw message has a table of its own: before, every update of the alert
# row rewrote the 50 MB, and this took 3.4 s.)
sed -i 's/^max_signature_age = 3600$/max_signature_age = 3600\nmax_size = 67108864/' "$AGW_CONF"
feed line-50mb "$T/c/line-50mb.eml" quarantined \
    'malformed: line * longer than 65536 bytes' $((LIMIT_MS * 2))
sed -i '/^max_size = 67108864$/d' "$AGW_CONF"
rm -f "$T/c/line-50mb.eml"

# --- the limits are configuration ([limits] in alertgw.conf) --------------
check "config shows the [limits] section" bash -c \
    "\"$ALERTGW\" -c '$AGW_CONF' config | grep -q '^max_headers = 1000$'"
cat >>"$AGW_CONF" <<'CONF'

[limits]
max_headers = 50
max_line_length = 1000
CONF
$GEN headers "$T/c/headers-60.eml" 60
feed conf-max-headers "$T/c/headers-60.eml" quarantined \
    'malformed: more than 50 header fields'
printf 'Subject: EGI-20260707-48 long\n\n%s\n' "$(head -c 1500 /dev/zero | tr '\0' x)" \
    >"$T/c/line-1500.eml"
feed conf-max-line "$T/c/line-1500.eml" quarantined \
    'malformed: line 3 longer than 1000 bytes'
check "an out-of-range limit is a configuration error (exit 78)" bash -c \
    "printf 'max_parts = 100000\n' >>'$AGW_CONF'; \"$ALERTGW\" -c '$AGW_CONF' config >/dev/null 2>&1; test \$? = 78"
sed -i '/^\[limits\]$/,$d' "$AGW_CONF"
rm -f "$T/c/headers-60.eml" "$T/c/line-1500.eml"

# --- after authentication: the officer's signature over hostile MIME ------
for c in s-bad-base64 s-unknown-charset s-nul-qp s-nest-20 s-parts-300 \
         s-bad-qp s-8bit-dup-headers s-truncated-inner; do
    sign_entity "$T/c/$c.entity" "EGI-20260707-41 $c" >"$T/c/$c.eml"
done
feed signed-bad-base64 "$T/c/s-bad-base64.eml" quarantined '*cannot be read as text*'
feed signed-unknown-charset "$T/c/s-unknown-charset.eml" quarantined '*cannot be read as text*'
feed signed-nul-in-qp "$T/c/s-nul-qp.eml" quarantined '*cannot be read as text*'
feed signed-nesting-20 "$T/c/s-nest-20.eml" quarantined '*MIME nesting deeper than*'
feed signed-parts-300 "$T/c/s-parts-300.eml" quarantined '*more than*'
# Whole and valid despite oddities: distributed, complete. (A missing
# close delimiter is tolerated: what goes out is what the officer signed.)
feed signed-truncated-inner "$T/c/s-truncated-inner.eml" queued ''
feed signed-bad-qp-kept "$T/c/s-bad-qp.eml" queued ''
feed signed-8bit-dup-headers "$T/c/s-8bit-dup-headers.eml" queued ''
check "queued alerts have every list's copy" \
    test "$(sql "SELECT count(*) FROM copies WHERE kind = 'copy'")" = 9
check "bad QP escape kept literally in the NGI copy" \
    test "$(sql "SELECT count(*) FROM copies c JOIN lists l ON l.id = c.list_id WHERE l.name = 'ngi' AND instr(c.message, '=3DZZ') > 0")" = 1

# --- a hostile regex in a user rule file ----------------------------------
mkdir -p "$T/rules"
cp "$AGW_SOURCE_DIR"/rules/*.rules "$T/rules/"
cat >"$T/rules/zz-hostile.rules" <<'RULES'
# Catastrophic backtracking: fine on its example, exponential on a long
# run of 'a' with no 'b' right after it.
rule hostile
class hostile
pattern (?:a+)+b
example "aab" => "[HOSTILE-1]"
RULES
agw rules lint --rules "$T/rules" >/dev/null 2>"$T/lint.err"
check "rules lint catches the hostile rule (exit 78)" test $? = 78
check "lint names the rule and says why" grep -q 'hostile.*backtracks catastrophically' "$T/lint.err"
# An operator may install it anyway: processing must still stop at the limit.
sed -i "s|^rules_dir = .*|rules_dir = $T/rules|" "$AGW_CONF"
printf 'Trap: %s! and then b\n' "$(head -c 5000 /dev/zero | tr '\0' a)" \
    >"$T/trap.txt"
cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" >>"$T/trap.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/trap.txt" \
    "EGI-20260707-42 regex trap" >"$T/c/trap.eml"
feed hostile-regex "$T/c/trap.eml" held '*hostile*match limit*'

# A rule that stays under a (raised) match limit on every match but is
# slow on each, many times over: stopped by the time budget of one alert.
rm "$T/rules/zz-hostile.rules"
cat >"$T/rules/zz-slow.rules" <<'RULES'
rule slow
class slow
pattern (?:a+)+b|c
example "c" => "[SLOW-1]"
RULES
cat >>"$AGW_CONF" <<'CONF'

[limits]
pcre2_match_limit = 100000000
process_budget = 1
CONF
python3 -c 'print(("a" * 22 + "!c ") * 2000)' >"$T/slow.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/slow.txt" \
    "EGI-20260707-43 slow rule" >"$T/c/slow.eml"
feed time-budget "$T/c/slow.eml" held '*slow: over the time budget*' \
    $((LIMIT_MS * 3))
sed -i '/^\[limits\]$/,$d' "$AGW_CONF"
sed -i "s|^rules_dir = .*|rules_dir = $AGW_SOURCE_DIR/rules|" "$AGW_CONF"

check "nothing but the three valid alerts reached the outbox" \
    test "$(sql "SELECT count(DISTINCT c.alert_row) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy'")" = 3

agw_test_end
