#!/bin/bash
# A GOCDB export is untrusted input. A 110 KB file that declares one
# 50 KB internal entity and references it 20,000 times in OFFICIAL_NAME
# grew `sites import --gocdb` to ~990 MB for 4 s: the XML was expanded
# before any limit was looked at. It and a billion-laughs file, made here
# at test time, must now be refused up front: exit 65, one line on
# stderr, nothing imported, and at most 32 MB resident above what the
# same binary needs for `sites list` (the baseline grows with the program
# and with ASan; the expansion was 990 MB), within 5 s (a hang guard).
# GNU time (Debian package `time`, in scripts/deps.sh) measures both.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"

GNU_TIME=/usr/bin/time
LIMIT_MS=5000

agw_test_gateway

if ! "$GNU_TIME" -v true >/dev/null 2>&1; then
    echo "not ok - GNU time ($GNU_TIME -v) missing: run scripts/deps.sh"
    exit 1
fi
"$GNU_TIME" -v -o "$T/base.time" "$ALERTGW" -c "$AGW_CONF" sites list >/dev/null 2>&1
BASE_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/base.time")
LIMIT_RSS_KB=$((${BASE_KB:-0} + 32 * 1024))
echo "# baseline (sites list): ${BASE_KB:-?} KB resident"

# One 50 KB entity referenced 20,000 times ("&b;" keeps the file 110 KB).
python3 - "$T/expand.xml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE results [\n<!ENTITY b "' + "x" * 50000 + '">\n]>\n'
            '<results>\n<SITE ID="1" NAME="HOSTILE-T2">\n'
            '<SHORT_NAME>HOSTILE-T2</SHORT_NAME>\n'
            '<OFFICIAL_NAME>' + "&b;" * 20000 + '</OFFICIAL_NAME>\n'
            '<ROC>NGI_XX</ROC>\n</SITE>\n</results>\n')
PY

# Ten entities of ten references each: 10^9 "lol" once expanded.
python3 - "$T/laughs.xml" <<'PY'
import sys
ents = ['<!ENTITY lol0 "lol">'] + [
    '<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10)
    for i in range(1, 10)]
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0"?>\n<!DOCTYPE results [\n' +
            "\n".join(ents) + '\n]>\n<results><SITE>'
            '<SHORT_NAME>LAUGHS-T2</SHORT_NAME>'
            '<OFFICIAL_NAME>&lol9;</OFFICIAL_NAME></SITE></results>\n')
PY

# hostile NAME FILE: the import is refused within the limits.
hostile() {
    local name=$1 file=$2 rc ms rss
    "$GNU_TIME" -v -o "$T/$name.time" \
        "$ALERTGW" -c "$AGW_CONF" sites import --gocdb "$file" \
        >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    ms=$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, t, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + t[i]
            printf "%d", s * 1000 }' "$T/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' \
        "$T/$name.time")
    echo "# $name: exit $rc, ${ms:-?} ms, ${rss:-?} KB: $(head -c 200 "$T/$name.err")"
    check "$name: exit 65" test "$rc" = 65
    check "$name: one line on stderr" test "$(wc -l <"$T/$name.err")" = 1
    check "$name: the reason names the DOCTYPE" grep -q DOCTYPE "$T/$name.err"
    check "$name: under $LIMIT_MS ms" test "${ms:-999999}" -lt "$LIMIT_MS"
    check "$name: under $LIMIT_RSS_KB KB resident" \
        test "${rss:-999999}" -lt "$LIMIT_RSS_KB"
}

check "the expansion file is about 110 KB" \
    test "$(wc -c <"$T/expand.xml")" -lt 115000
hostile expand "$T/expand.xml"
hostile laughs "$T/laughs.xml"
check "nothing imported" \
    test "$(q "SELECT count(*) FROM sites WHERE name IN ('HOSTILE-T2', 'LAUGHS-T2')")" = 0

agw_test_end
