#!/bin/bash
# Issue 19, indicators as data: a realistic alert's attacker indicators
# ride on every copy as indicators.csv and/or a STIX 2.1 bundle
# (lists edit --indicators), the bundle valid (tests/e2e/check-stix.py
# with stix21.schema.json, in place of the OASIS schemas) and marked
# with the alert's TLP 2.0 marking, on the whole list and on the
# anonymised ones, with no victim identifier in the anonymised copies'
# attachments. And the leak check reads the attachments: with the
# indicator filter switched off by the test seam, an anonymised list's
# copy names a victim in an attachment and the alert is held.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
PARTS="python3 $AGW_SOURCE_DIR/tests/e2e/parts.py"
STIX="python3 $AGW_SOURCE_DIR/tests/e2e/check-stix.py"

check "a new list has no indicators" \
    test "$(agw lists show isp --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["indicators"])')" = none
agw lists edit ngi --indicators both
agw lists edit nren --indicators both
agw lists edit isp --indicators csv
set +e
agw lists edit isp --indicators xml 2>"$T/err"; rc=$?
set -e
check "--indicators xml is refused (exit $rc, 65)" test "$rc" = 65
check "the refusal names the choices" grep -q 'none, csv, stix or both' "$T/err"
agw lists list >"$T/lists"
check "lists list shows the indicators column" grep -q '	csv	' "$T/lists"

ID=EGI-20260707-02
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-indicators.txt" \
    "$ID: SSH credential theft" >"$T/alert.eml"

# preview shows the attachments a list would get
agw preview --list nren "$T/alert.eml" >"$T/preview.eml"
check "preview of nren carries indicators.csv" grep -q 'filename="\?indicators.csv' "$T/preview.eml"

agw filter --wait --recipient alerts@csirt.example <"$T/alert.eml"
check "alert queued" test "$(q "SELECT state FROM alerts WHERE alert_id='$ID'")" = queued
agw queue run
for l in ngi nren isp; do cp "$T"/gw/out/$l-*.eml "$T/$l.eml"; done

check "ngi: csv and json" test "$($PARTS names "$T/ngi.eml" | sort | tr '\n' ' ')" = "indicators.csv indicators.json "
check "nren: csv and json" test "$($PARTS names "$T/nren.eml" | sort | tr '\n' ' ')" = "indicators.csv indicators.json "
check "isp: csv only" test "$($PARTS names "$T/isp.eml" | tr '\n' ' ')" = "indicators.csv "

for l in ngi nren isp; do $PARTS get "$T/$l.eml" indicators.csv >"$T/$l.csv"; done
for l in ngi nren; do $PARTS get "$T/$l.eml" indicators.json >"$T/$l.json"; done

# the CSV: header, each attacker indicator with its type and stated times
check "csv header" test "$(head -1 "$T/nren.csv")" = "type,value,first_seen,last_seen,context"
want() { grep -q "^$2," "$T/$1.csv"; }
for row in "ipv4,203.0.113.9,2026-07-06T22:14:07Z,2026-07-07T03:02:00Z" \
           "ipv4-net,198.18.0.0/15" \
           "ipv6,2001:db8:bad::66,2026-07-06T23:40:00Z" \
           "domain,update-cdn.example.net,2026-07-06T22:20:00Z" \
           "url,https://cdn-sync.example.org/gate.php" \
           "url,https://update-cdn.example.net/x/loader.sh" \
           "email,it-support@helpdesk-mail.example.com" \
           "sha256,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" \
           "md5,d41d8cd98f00b204e9800998ecf8427e" \
           "cve,CVE-2024-0001" "cve,CVE-2023-38408"; do
    for l in ngi nren isp; do
        check "$l.csv has $row" want $l "$row"
    done
done
check "12 values" test "$(tail -n +2 "$T/nren.csv" | wc -l)" = 12
check "the keep-listed shared service is no indicator" \
    bash -c "! grep -q cvmfs '$T/ngi.csv'"
check "ngi.csv: the context of a line naming a victim, in the whole copy" \
    grep -q '^ipv4,203.0.113.77,,,.*Data from EXAMPLE-T2' "$T/ngi.csv"
check "nren.csv: the value without that context" \
    grep -qx 'ipv4,203.0.113.77,,,' "$T/nren.csv"

# no victim identifier, and no placeholder, in the anonymised ones
IDS="EXAMPLE-T2 UKI-LT2-DEMO Example.Institute ExGrid inst.example
     demo-uni.example Demo.University 192.0.2.45 198.51.100.7 2001:db8:77:
     jo.smith grid-admins \.invalid \[SITE- \[IP- \[NET-"
for l in nren isp; do
    for id in $IDS; do
        check "$l.csv: no '$id'" bash -c "! grep -qiE '$id' '$T/$l.csv'"
    done
done
for id in $IDS; do
    check "nren.json: no '$id'" bash -c "! grep -qiE '$id' '$T/nren.json'"
done

# the STIX bundles validate, marked TLP:AMBER, referring to the alert
for l in ngi nren; do
    check "$l.json is valid STIX 2.1 as written (check-stix.py)" \
        $STIX "$T/$l.json" --tlp AMBER --alert-id "$ID"
    check "$l.json: the TLP 2.0 AMBER marking definition" \
        grep -q '"id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"' "$T/$l.json"
done
n=$(python3 -c "import json,sys; o=json.load(open(sys.argv[1]))['objects']; print(sum(x['type']=='indicator' for x in o), sum(x['type']=='observed-data' for x in o), sum(x['type']=='vulnerability' for x in o))" "$T/nren.json")
check "nren.json: 10 indicators, 10 observed-data, 2 vulnerabilities (got $n)" test "$n" = "10 10 2"
# the checker is not a rubber stamp: a broken bundle fails it
python3 - "$T/nren.json" "$T/bad.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
ind = next(o for o in b["objects"] if o["type"] == "indicator")
ind["pattern"] = "[ipv4-addr:value = '999.1.1.1']"
ind["created"] = "2026-07-07T01:54:07Z"
json.dump(b, open(sys.argv[2], "w"))
PY
check "check-stix.py refuses a bad pattern and a created without ms" \
    bash -c "! $STIX '$T/bad.json' >'$T/bad.out'"
check "  and says why" test "$(grep -c 'pattern\|schema' "$T/bad.out")" -ge 2

# the copies are still signed over the attachments
GWFPR=$(q "SELECT value FROM settings WHERE key='signing_key'")
agw_export_gateway_key "$GWFPR" >"$T/gw.pgp"
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" split "$T/nren.eml" "$T/n.data" "$T/n.sig"
check "nren copy with attachments verifies (sqv)" sqv --keyring "$T/gw.pgp" "$T/n.sig" "$T/n.data"

# The leak check reads the attachments: victims let through by the seam
# end in an anonymised list's attachment, and the alert is held.
ID2=EGI-20260707-03
sed 's/EGI-20260707-02/EGI-20260707-03/' "$AGW_SOURCE_DIR/tests/data/alert-indicators.txt" >"$T/a2.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a2.txt" "$ID2: more" >"$T/alert2.eml"
ALERTGW_FAULT=indicators-unfiltered agw filter --wait --recipient alerts@csirt.example <"$T/alert2.eml"
check "with victims in the indicators the alert is held" \
    test "$(q "SELECT state FROM alerts WHERE alert_id='$ID2'")" = held
reason=$(q "SELECT reason FROM alerts WHERE alert_id='$ID2'")
# (the same alert without the seam was queued above: only the
# attachments differ)
check "held by the leak check ($reason)" \
    bash -c "echo \"\$1\" | grep -qE '^identifier .* \(site (EXAMPLE-T2|UKI-LT2-DEMO)\) in '" _ "$reason"
agw_test_end
