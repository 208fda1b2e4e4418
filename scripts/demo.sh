#!/bin/sh
# make demo: the whole gateway on a sample alert, in a throwaway directory
# under the build tree, with the embedded default configuration plus the
# few paths a demo needs.
set -eu
BUILD=${1:-build}
AGW_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
ALERTGW=$(cd "$BUILD" && pwd)/alertgw
export AGW_SOURCE_DIR ALERTGW
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"

DEMO=$(cd "$BUILD" && pwd)/demo
rm -rf "$DEMO"
trap agw_cleanup EXIT

echo "== setting up a gateway in $DEMO"
agw_setup "$DEMO"
echo "   gateway signing key: $(sqlite3 "$DEMO/data/alertgw.db" "SELECT value FROM settings WHERE key='signing_key'" 2>/dev/null || echo '?')"
echo "   officer key:         $OFFICER_FPR"
agw lists list

SUBJECT="EGI-20260707-01: Compromised credentials used on EXAMPLE-T2"
echo
echo "== the officer signs the sample alert and mails it to alerts@csirt.example"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "$SUBJECT" >"$DEMO/alert.eml"
agw filter --wait --recipient alerts@csirt.example <"$DEMO/alert.eml"
echo "   filter exit status: $? (stored and, with --wait, processed; Postfix runs it without)"
agw alerts list

echo
echo "== the worker delivers (transport dir:$AGW_OUT)"
agw queue run

echo
echo "== what each audience got"
for list in ngi nren isp; do
    for f in "$AGW_OUT"/$list-*.eml; do
        n=$(tail -n +2 "${f%.eml}.rcpt" | wc -l)
        echo "   $list: 1 signed copy for $n recipients: $f"
    done
done

f=$(ls "$AGW_OUT"/nren-*.eml | head -1)
echo
echo "== the anonymised copy for nren (Subject and decoded body)"
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" header "$f" Subject
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$f"
echo "== placeholders (alertgw reveal EGI-20260707-01)"
agw reveal EGI-20260707-01
