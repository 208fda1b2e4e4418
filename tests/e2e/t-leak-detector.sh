#!/bin/bash
# Issue 14: the independent leak detector (mail/leak.c) holds an alert
# whose body names a site in a form the anonymiser does not read: a
# doubled dash inside a site name, a Latin letter of the extended block
# (U+1E00) in one. Each alert is held
# with a "leak:" reason naming the form; no copy of it reaches any list (a
# hold holds the whole alert, the unanonymised list too). Forms the
# anonymiser learned (a defanged address, a soft hyphen in a name) are
# either replaced or held, never sent as written; a Cyrillic look-alike
# letter, a site address as a decimal URL host, a name split by
# <span class=x> in an HTML part, a site address with blanks around its
# dots, an IPv6 address written with '-' and mathematical bold letters,
# which the detector held before the anonymiser learned them, are
# replaced and the alert queued. A control
# alert the anonymiser replaces is queued and delivered: the detector does
# not hold what is clean.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway

state_of() { q "SELECT state || '|' || reason FROM alerts WHERE id = (SELECT max(id) FROM alerts)"; }
copies() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy'"; }

# feed NAME FILE REASON_GLOB: filtered, held with that reason, no copy
feed_held() {
    local name=$1 file=$2 glob=$3 before got rc=0
    before=$(copies)
    agw filter --wait --recipient alerts@csirt.example <"$file" >"$T/out" 2>&1 || rc=$?
    check "$name: stored (exit $rc) $(head -c 200 "$T/out")" test "$rc" = 0
    got=$(state_of)
    check "$name: held (${got})" test "${got%%|*}" = held
    # shellcheck disable=SC2053
    check "$name: reason '${got#*|}' matches '$glob'" \
        eval '[[ "${got#*|}" == $glob ]]'
    check "$name: no copy queued" test "$(copies)" = "$before"
}

# 1. a doubled dash inside a site name (the detector reads any run of
#    punctuation as one separator; the anonymiser reads two names)
printf 'Sources: EXAMPLE--T2 nodes, see wn01.grid.inst.example.\n' \
    >"$T/dashes.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/dashes.txt" \
    "Compromise at a grid site" >"$T/dashes.eml"
feed_held double-dash "$T/dashes.eml" \
    'leak: site EXAMPLE-T2 as "EXAMPLE--T2" in part 1*'

# 2. a letter of Latin Extended Additional (folded by ICU in the child
#    itself)
printf 'Sources: EX\xe1\xb8\x80MPLE-T2 nodes.\n' >"$T/ext.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/ext.txt" \
    "Compromise at a grid site" >"$T/ext.eml"
feed_held latin-extended "$T/ext.eml" \
    'leak: site EXAMPLE-T2 as "EX<U+1E00>MPLE-T2" in part 1*'

# alerts list shows the two holds and why
agw alerts list >"$T/list.txt" 2>&1
check "alerts list: two held with a leak: reason" \
    test "$(grep -c 'held.*leak: ' "$T/list.txt")" = 2

# nothing reached anyone
agw queue run >/dev/null 2>&1 || true
check "no copy written for any list" \
    test -z "$(ls "$T/gw/out" 2>/dev/null | grep -E '^(nren|isp|ngi)-' || true)"

# forms the anonymiser learned: replaced or held, never sent as written
# feed_either NAME FILE LITERAL
feed_either() {
    local name=$1 file=$2 lit=$3 got f
    rm -f "$T/gw/out"/*.eml
    agw filter --wait --recipient alerts@csirt.example <"$file" >"$T/out" 2>&1 || true
    got=$(state_of)
    agw queue run >/dev/null 2>&1 || true
    case ${got%%|*} in
    held) check "$name: held with a leak: or conflict reason (${got})" \
        bash -c "[[ '${got#*|}' == *leak:* || '${got#*|}' == *conflict* ]]" ;;
    queued)
        for f in "$T/gw/out"/nren-*.eml "$T/gw/out"/isp-*.eml; do
            check "$name: $(basename "$f") without '$lit'" \
                bash -c "! python3 '$AGW_SOURCE_DIR/tests/e2e/pgpmime.py' text '$f' | grep -qF '$lit'"
        done ;;
    *) check "$name: held or queued (${got})" false ;;
    esac
}
printf 'Scans came from 192.0.2[.]45 towards the attacker at 203.0.113.9.\n' \
    >"$T/defanged.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/defanged.txt" \
    "Scanning from a grid node" >"$T/defanged.eml"
feed_either defanged-ip "$T/defanged.eml" '192.0.2[.]45'
printf 'The site EXAM\xc2\xadPLE-T2 is affected; see CVE-2024-3094.\n' \
    >"$T/shy.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/shy.txt" \
    "Compromise at a grid site" >"$T/shy.eml"
feed_either soft-hyphen "$T/shy.eml" 'PLE-T2'

# forms the anonymiser learned since the detector held them: queued, each
# anonymised copy without the form and with the site's placeholder
# feed_anonymised NAME FILE LITERAL PLACEHOLDER_RE
feed_anonymised() {
    local name=$1 file=$2 lit=$3 ph=$4 got f n=0
    rm -f "$T/gw/out"/*.eml
    agw filter --wait --recipient alerts@csirt.example <"$file" >"$T/out" 2>&1 || true
    got=$(state_of)
    check "$name: queued (${got})" test "${got%%|*}" = queued
    agw queue run >/dev/null 2>&1 || true
    # a copy of an earlier alert that a loaded machine sent late may be
    # among them: none may hold the form, some must hold the placeholder
    for f in "$T/gw/out"/nren-*.eml "$T/gw/out"/isp-*.eml; do
        python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$f" >"$T/txt" 2>&1
        check "$name: $(basename "$f") without '$lit'" bash -c "! grep -qF '$lit' '$T/txt'"
        grep -qE "$ph" "$T/txt" && n=$((n + 1))
    done
    check "$name: anonymised copies written ($n)" test "$n" -ge 2
}
# a Cyrillic capital IE for the E of the site name
printf 'The site \xd0\x95XAMPLE-T2 is affected; see CVE-2024-3094.\n' \
    >"$T/cyr.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/cyr.txt" \
    "Compromise at a grid site" >"$T/cyr.eml"
feed_anonymised cyrillic "$T/cyr.eml" 'XAMPLE-T2' 'The site \[SITE-[0-9]+\] is'
# an address of a site network as a decimal URL host (192.0.2.45)
printf 'The dropper was fetched from hxxp://3221226029/x.sh by the attacker.\n' \
    >"$T/decimal.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/decimal.txt" \
    "Dropper on a grid node" >"$T/decimal.eml"
feed_anonymised decimal-url "$T/decimal.eml" '3221226029' 'hxxp://\[IP-[0-9]+\]/x.sh'

# an address of a site network with blanks around its dots, an IPv6
# address of one written with '-' (an ipv6-literal.net name), and
# mathematical bold letters (outside the BMP) and a combining accent in
# site names
printf 'Scans from 192 . 0 . 2 . 45 and 2001-db8-77--1.ipv6-literal.net.\n' \
    >"$T/blanks.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/blanks.txt" \
    "Scanning from a grid node" >"$T/blanks.eml"
feed_anonymised blank-dots "$T/blanks.eml" '192 . 0' \
    'Scans from \[IP-[0-9]+\] and \[IP-[0-9]+\]\.ipv6-literal\.net\.'
printf 'Scans from 2001-db8-77--1s4.ipv6-literal.net.\n' >"$T/dash6.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/dash6.txt" \
    "Scanning from a grid node" >"$T/dash6.eml"
feed_anonymised ipv6-dash "$T/dash6.eml" '2001-db8-77' \
    'Scans from \[IP-[0-9]+\]\.ipv6-literal\.net\.'
printf 'Sources: \xf0\x9d\x90\x84\xf0\x9d\x90\x97AMPLE-T2 nodes, see \xd1\x96nst.example, EXA\xcc\x81MPLE-T2.\n' \
    >"$T/bold.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/bold.txt" \
    "Compromise at a grid site" >"$T/bold.eml"
feed_anonymised math-bold "$T/bold.eml" $'\xf0\x9d\x90\x84' \
    'Sources: \[SITE-[0-9]+\] nodes, see site[0-9]+\.invalid, \[SITE-[0-9]+\]\.'

# a name split by an inline tag with attributes in the HTML alternative (its meta
#    charset, one no converter was loaded for, is not followed: the child
#    may open no file)
cat >"$T/entity.txt" <<'MIME'
Subject: Compromise at a grid site
Content-Type: multipart/mixed; boundary="agw-leak-b1"

--agw-leak-b1
Content-Type: text/plain; charset=utf-8

A grid site was compromised; details in the HTML part.
--agw-leak-b1
Content-Type: text/html; charset=utf-8

<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>
<body><p>Affected: EXAM<span class=x>PLE</span>-T2, since
Monday.</p></body></html>
--agw-leak-b1--
MIME
$PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" \
    "Duty Officer <duty@csirt.example>" "Compromise at a grid site" \
    "$T/entity.txt" >"$T/html.eml"
feed_anonymised html-span "$T/html.eml" 'PLE</span>-T2' 'Affected: \[SITE-[0-9]+\]<span class=x></span>, since'

# control: what the anonymiser replaces is not held, and goes out
printf 'EXAMPLE-T2: wn01.grid.inst.example talked to 192.0.2.45 and to the attacker 203.0.113.9.\n' \
    >"$T/clean.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/clean.txt" \
    "Compromise at a grid site" >"$T/clean.eml"
rm -f "$T/gw/out"/*.eml
agw filter --wait --recipient alerts@csirt.example <"$T/clean.eml" >"$T/out" 2>&1 || true
got=$(state_of)
check "control: queued (${got})" test "${got%%|*}" = queued
agw queue run >/dev/null 2>&1 || true
f=$(ls "$T/gw/out"/nren-*.eml 2>/dev/null | head -1)
check "control: nren copy written" test -n "$f"
if [ -n "$f" ]; then
    check "control: nren copy names no site" \
        bash -c "! python3 '$AGW_SOURCE_DIR/tests/e2e/pgpmime.py' text '$f' | grep -qE 'EXAMPLE-T2|192\.0\.2\.45|inst\.example'"
fi
agw_test_end
