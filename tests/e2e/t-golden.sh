#!/bin/bash
# Golden files of the rewriters (tests/README.md "Golden"): for each
# tests/golden/anon/NAME.in, the output of
#
#   alertgw anonymise --sites tests/data/sites-sample.txt --rules rules NAME.in
#
# must be NAME.ref byte for byte, once the random MIME boundary
# (=_agw_ and 32 hex digits) is written as =_agw_BOUNDARY. A difference
# fails the case and prints the diff (want -, got +).
#
#   AGW_GOLDEN_UPDATE=1 bash tests/e2e/t-golden.sh   rewrites every .ref
#   AGW_GOLDEN_ONLY=NAME ...                         one case only
#
# After an update read `git diff tests/golden` before committing it: the
# .ref files are what a reviewer checks the anonymiser against.
set -u
: "${AGW_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${ALERTGW:=$AGW_SOURCE_DIR/build/alertgw}"
G=$AGW_SOURCE_DIR/tests/golden
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
cases=0

[ -x "$ALERTGW" ] || { echo "not ok - no alertgw at $ALERTGW (set ALERTGW)"; exit 1; }

# anonymise needs no database with --sites; a configuration of its own
# keeps the operator's (and $ALERTGW_CONFIG) out of the answer.
cat >"$T/alertgw.conf" <<CONF
[gateway]
data_dir = $T/data
domain = csirt.example
CONF

# The output a .ref holds, for one .in.
golden_anon() {
    local rc=0
    "$ALERTGW" -c "$T/alertgw.conf" anonymise \
        --sites "$AGW_SOURCE_DIR/tests/data/sites-sample.txt" \
        --rules "$AGW_SOURCE_DIR/rules" "$1" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "alertgw exit $rc: $(head -c 300 "$T/err")"
        return
    fi
    sed -E 's/=_agw_[0-9A-F]{32}/=_agw_BOUNDARY/g' "$T/out"
}

for in in "$G"/anon/*.in; do
    name=$(basename "$in" .in)
    [ -n "${AGW_GOLDEN_ONLY:-}" ] && [ "$name" != "$AGW_GOLDEN_ONLY" ] && continue
    ref=${in%.in}.ref
    cases=$((cases + 1))
    golden_anon "$in" >"$T/got"
    if [ -n "${AGW_GOLDEN_UPDATE:-}" ]; then
        if cmp -s "$T/got" "$ref" 2>/dev/null; then
            echo "ok - anon/$name: unchanged"
        else
            cp "$T/got" "$ref"
            echo "ok - anon/$name: rewrote anon/$name.ref"
        fi
    elif [ ! -f "$ref" ]; then
        echo "not ok - anon/$name: no anon/$name.ref (make it with AGW_GOLDEN_UPDATE=1, then read it)"
        fails=$((fails + 1))
    elif cmp -s "$T/got" "$ref"; then
        echo "ok - anon/$name"
    else
        echo "not ok - anon/$name: output differs from anon/$name.ref"
        diff -u --label "anon/$name.ref" --label "anon/$name (got)" \
            "$ref" "$T/got" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
done

# A .ref without its .in is a case someone lost.
for ref in "$G"/anon/*.ref; do
    [ -e "$ref" ] || continue
    if [ ! -f "${ref%.ref}.in" ]; then
        echo "not ok - anon/$(basename "$ref"): no .in for it"
        fails=$((fails + 1))
    fi
done

if [ "$cases" = 0 ]; then
    echo "not ok - no cases in $G/anon"
    exit 1
fi
echo "# $cases cases, $fails failed"
exit $((fails > 0))
