#!/bin/bash
# Issue 14: the independent leak detector (mail/leak.c) holds an alert
# whose body names a site in a form the anonymiser's scanner does not see
# today: a defanged address of a site network, a soft hyphen inside a site
# name, a name split by <span class=x> in an HTML part. Each alert is
# held with a "leak:" reason naming the form; no copy of it reaches any
# list (a hold holds the whole alert, the unanonymised list too). A
# control alert whose identifiers the anonymiser does replace is queued
# and delivered, so the detector does not hold what is clean.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway

state_of() { q "SELECT state || '|' || reason FROM alerts WHERE id = (SELECT max(id) FROM alerts)"; }
copies() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id WHERE c.kind = 'copy'"; }

# feed NAME FILE REASON_GLOB: filtered, held with that reason, no copy
feed_held() {
    local name=$1 file=$2 glob=$3 before got rc=0
    before=$(copies)
    agw filter --recipient alerts@csirt.example <"$file" >"$T/out" 2>&1 || rc=$?
    check "$name: stored (exit $rc) $(head -c 200 "$T/out")" test "$rc" = 0
    got=$(state_of)
    check "$name: held (${got})" test "${got%%|*}" = held
    # shellcheck disable=SC2053
    check "$name: reason '${got#*|}' matches '$glob'" \
        eval '[[ "${got#*|}" == $glob ]]'
    check "$name: no copy queued" test "$(copies)" = "$before"
}

# 1. a defanged address of a site network (192.0.2.0/24)
printf 'Scans came from 192.0.2[.]45 towards the attacker at 203.0.113.9.\n' \
    >"$T/defanged.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/defanged.txt" \
    "Scanning from a grid node" >"$T/defanged.eml"
feed_held defanged-ip "$T/defanged.eml" \
    'leak: network of site EXAMPLE-T2 as "192.0.2\[.\]45" in part 1*'

# 2. a soft hyphen inside the site name
printf 'The site EXAM\xc2\xadPLE-T2 is affected; see CVE-2024-3094.\n' \
    >"$T/shy.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/shy.txt" \
    "Compromise at a grid site" >"$T/shy.eml"
feed_held soft-hyphen "$T/shy.eml" \
    'leak: site EXAMPLE-T2 as "EXAM<U+00AD>PLE-T2" in part 1*'

# 3. a name split by an inline tag in the HTML alternative (its meta
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
feed_held html-span "$T/html.eml" \
    'leak: site EXAMPLE-T2 as "EXAMPLE-T2" in part * (HTML, as rendered)*'

# 4. mathematical bold letters (outside the BMP: folded by ICU in the
#    child itself) and a Cyrillic look-alike in a site domain
printf 'Sources: \xf0\x9d\x90\x84\xf0\x9d\x90\x97AMPLE-T2 nodes, see \xd1\x96nst.example.\n' \
    >"$T/bold.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/bold.txt" \
    "Compromise at a grid site" >"$T/bold.eml"
feed_held math-bold "$T/bold.eml" \
    'leak: site EXAMPLE-T2 as "<U+1D404><U+1D417>AMPLE-T2" in part 1*'

# alerts list shows the holds and why
agw alerts list >"$T/list.txt" 2>&1
check "alerts list: four held with a leak: reason" \
    test "$(grep -c 'held.*leak: ' "$T/list.txt")" = 4

# nothing reached anyone
agw queue run >/dev/null 2>&1 || true
check "no copy written for any list" \
    test -z "$(ls "$T/gw/out" 2>/dev/null | grep -E '^(nren|isp|ngi)-' || true)"

# control: what the anonymiser replaces is not held, and goes out
printf 'EXAMPLE-T2: wn01.grid.inst.example talked to 192.0.2.45 and to the attacker 203.0.113.9.\n' \
    >"$T/clean.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/clean.txt" \
    "Compromise at a grid site" >"$T/clean.eml"
rc=0
agw filter --recipient alerts@csirt.example <"$T/clean.eml" >"$T/out" 2>&1 || rc=$?
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
