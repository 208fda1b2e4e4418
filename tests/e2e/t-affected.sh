#!/bin/bash
# Issue 19, the affected audience: with `dists policy --affected whole`
# an alert naming two sites reaches their security contacts and their
# NGI's security officers once each, whole (template 'affected'), while
# the NREN and ISP lists get their sanitised copies; a site an officer
# excludes in the signed text ("Not-affected: RAL") gets nothing; a site
# without a contact is named as a coverage problem; the receipt, `alerts
# show` and `preview --affected` say who was added and why.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway

# Sites belong to organisations, organisations to NGIs.
agw orgs add NGI_YY --kind ngi --country YY
agw orgs add EXAMPLE-T2 --kind site --ngi NGI_XX
agw orgs add UKI-LT2-DEMO --kind site --ngi NGI_XX
agw orgs add RAL --kind site --ngi NGI_YY
for s in EXAMPLE-T2 UKI-LT2-DEMO RAL; do agw sites edit $s --org $s >/dev/null; done
# site contacts (as GOCDB's CSIRT_EMAIL import makes them, and by hand)
agw contacts add cert@inst.example --org EXAMPLE-T2 --role csirt >/dev/null
agw contacts add security@demo-uni.example --org UKI-LT2-DEMO >/dev/null
# an ISP list member who is also a contact of a site: gets both copies
agw contacts edit soc@isp-two.example --org UKI-LT2-DEMO >/dev/null
# NGI_XX's officers: one on the whole ngi list already, one on no list
agw contacts edit officer1@ngi-xx.example --org NGI_XX --role "security officer" >/dev/null
agw contacts add so2@ngi-xx.example --org NGI_XX --role "security officer" >/dev/null
# NGI_YY's officer: RAL is excluded in the first alert
agw contacts add so@ngi-yy.example --org NGI_YY --role "security officer" >/dev/null

agw dists policy alerts --affected whole >"$T/policy"
check "dists policy shows affected whole" grep -q 'whole' "$T/policy"
set +e
agw dists policy alerts --affected some 2>"$T/err"; rc=$?
set -e
check "--affected some is refused (exit $rc, 64)" test "$rc" = 64
check "dists show has the affected column" \
    test "$(agw dists show alerts --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["affected"])')" = whole

ID=EGI-20260707-01
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; printf '\nNot-affected: RAL\n'; } >"$T/a1.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a1.txt" "$ID: Compromised credentials" >"$T/a1.eml"

# preview, before sending: the copy and who it adds
agw preview --affected alerts "$T/a1.eml" >"$T/pv.eml" 2>"$T/pv.err"
check "preview --affected: the whole copy" grep -q 'YOUR SITE IS NAMED' "$T/pv.eml"
check "preview --affected: cert@inst.example added" \
    grep -q '^  EXAMPLE-T2: cert@inst.example added (security contact of EXAMPLE-T2' "$T/pv.err"
check "preview --affected: RAL excluded" grep -q '^  RAL: excluded' "$T/pv.err"
check "preview stores nothing" test "$(q 'SELECT count(*) FROM affected')" = 0

agw filter --wait --recipient alerts@csirt.example <"$T/a1.eml"
check "alert queued" test "$(q "SELECT state FROM alerts WHERE alert_id='$ID'")" = queued
agw queue run >/dev/null
OUT=$T/gw/out
aff=$(grep -l 'YOUR SITE IS NAMED' "$OUT"/copy-*.eml)
check "one affected copy" test "$(echo "$aff" | wc -w)" = 1
rcpts=$(tail -n +2 "${aff%.eml}.rcpt" | sort | tr '\n' ' ')
check "affected copy to the site contacts and NGI officer, once each ($rcpts)" \
    test "$rcpts" = "cert@inst.example security@demo-uni.example so2@ngi-xx.example soc@isp-two.example "
check "not to the excluded site's NGI officer" bash -c "! grep -rq so@ngi-yy.example '$OUT'"
check "not again to the ngi list's member" \
    test "$(grep -l officer1@ngi-xx.example "$OUT"/*.rcpt | wc -l)" = 1
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$aff" >"$T/aff.txt"
check "affected copy is whole" grep -q 'wn-r03-n117.grid.inst.example (192.0.2.45)' "$T/aff.txt"
check "affected copy names the sites" grep -q 'Your site is named in this alert: EXAMPLE-T2, UKI-LT2-DEMO\.' "$T/aff.txt"
GWFPR=$(q "SELECT value FROM settings WHERE key='signing_key'")
agw_export_gateway_key "$GWFPR" >"$T/gw.pgp"
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" split "$aff" "$T/a.data" "$T/a.sig"
check "affected copy signed (sqv)" sqv --keyring "$T/gw.pgp" "$T/a.sig" "$T/a.data"
# the lists as before: the ISP's sanitised copy still reaches its member
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$OUT"/isp-*.eml >"$T/isp.txt"
check "isp copy sanitised" bash -c "! grep -qE 'EXAMPLE-T2|inst\\.example|192\\.0\\.2\\.45' '$T/isp.txt'"
check "isp copy to its members" grep -q soc@isp-two.example "$OUT"/isp-*.rcpt
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$OUT"/nren-*.eml >"$T/nren.txt"
check "nren copy sanitised" bash -c "! grep -qE 'EXAMPLE-T2|inst\\.example|UKI-LT2-DEMO' '$T/nren.txt'"

# the receipt, to the officer, says who was added and why
receipt=$(grep -l "^Subject: Receipt: $ID" "$OUT"/receipt-*.eml)
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$receipt" >"$T/receipt.txt"
check "receipt: affected section" grep -q '^Affected audience' "$T/receipt.txt"
check "receipt: site contact added, why" \
    grep -q '^  EXAMPLE-T2: cert@inst.example added (security contact of EXAMPLE-T2 (organisation EXAMPLE-T2))' "$T/receipt.txt"
check "receipt: NGI officer added, why" \
    grep -q '^  EXAMPLE-T2: so2@ngi-xx.example added (security officer of NGI_XX, the NGI of EXAMPLE-T2)' "$T/receipt.txt"
check "receipt: the ngi list member not added, why" \
    grep -q 'officer1@ngi-xx.example not added (gets the whole alert through list ngi)' "$T/receipt.txt"
check "receipt: RAL excluded" grep -q '^  RAL: excluded (a Not-affected: line' "$T/receipt.txt"

# alerts show: the lists, then the affected audience
agw alerts show "$ID" >"$T/show"
check "alerts show: an added recipient" grep -q 'UKI-LT2-DEMO	security@demo-uni.example	added' "$T/show"
check "alerts show: RAL excluded" grep -q 'RAL		excluded' "$T/show"
agw alerts show "$ID" --json >"$T/show.json"
check "alerts show --json is the lists' array as before" \
    python3 -c "import json; assert len(json.load(open('$T/show.json'))) == 3"
agw alerts affected "$ID" --json >"$T/aff.json"
check "alerts affected --json: the 4 added, 1 already, RAL excluded" \
    test "$(python3 -c "import json,collections; print(sorted(collections.Counter(r['outcome'] for r in json.load(open('$T/aff.json'))).items()))")" = \
    "[('added', 4), ('already', 1), ('excluded', 1)]"

# A second alert, RAL not excluded: RAL has no contact of its own (a
# coverage problem the receipt names) but its NGI's officer is added.
ID2=EGI-20260707-02
sed 's/EGI-20260707-01/EGI-20260707-02/' "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" >"$T/a2.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a2.txt" "$ID2: more" >"$T/a2.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/a2.eml"
check "RAL: no contact, a coverage problem" \
    test "$(q "SELECT outcome FROM affected_show WHERE _alert_id='$ID2' AND site='RAL' AND address=''")" = no-contact
check "RAL's NGI officer added" \
    test "$(q "SELECT outcome FROM affected_show WHERE _alert_id='$ID2' AND address='so@ngi-yy.example'")" = added
agw queue run >/dev/null
receipt=$(grep -l "^Subject: Receipt: $ID2" "$OUT"/receipt-*.eml)
python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$receipt" >"$T/receipt2.txt"
check "receipt names the coverage problem" grep -q '^  RAL: coverage problem: no security contact' "$T/receipt2.txt"

# Held for release: nothing of the affected audience goes out before the
# release, and all of it after (the release queues the affected copy to
# its 'added' rows, not only the lists' copies).
agw dists policy alerts --require-release yes >/dev/null
ID4=EGI-20260707-04
sed 's/EGI-20260707-01/EGI-20260707-04/' "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" >"$T/a4.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a4.txt" "$ID4: held" >"$T/a4.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/a4.eml"
aff4() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$ID4' AND c.kind = 'copy' AND c.list_id IS NULL"; }
check "held: the affected copy is not queued ($(aff4))" test "$(aff4)" = 0
agw release "$ID4" >/dev/null
added4=$(q "SELECT count(DISTINCT address) FROM affected_show WHERE _alert_id='$ID4' AND outcome='added'")
check "released: the affected copy queued to its $added4 added recipients ($(aff4))" \
    test "$(aff4)" = "$added4" -a "$added4" -gt 0
agw release "$ID4" >/dev/null 2>&1 || true
check "a second release queues nothing more" test "$(aff4)" = "$added4"
agw dists policy alerts --require-release no >/dev/null

# A site contact with a pinned encryption key gets the whole affected
# copy encrypted to it (and only to it), which decrypts to the signed copy.
EH=$(agw_gnupg_home)
EFPR=$(agw_key "$EH" "Demo Security <security@demo-uni.example>")
gpg --homedir "$EH" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-add-key "$EFPR" cv25519 encr never 2>/dev/null
gpg --homedir "$EH" --armor --export "$EFPR" >"$T/demo.asc"
agw keys import "$T/demo.asc" --contact security@demo-uni.example >/dev/null 2>&1
ID5=EGI-20260707-05
sed 's/EGI-20260707-01/EGI-20260707-05/' "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" >"$T/a5.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a5.txt" "$ID5: encrypted" >"$T/a5.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/a5.eml"
agw queue run >/dev/null
enc5=$(grep -lx security@demo-uni.example "$OUT"/*.rcpt | while read -r r; do
    f=${r%.rcpt}.eml
    grep -q "^Content-Type: multipart/encrypted" "$f" && grep -q "$ID5" "$f" && echo "$f"
done | head -1)
check "the keyed site contact's affected copy is encrypted" test -n "$enc5"
if [ -n "$enc5" ]; then
    check "... to that contact alone" test "$(tail -n +2 "${enc5%.eml}.rcpt")" = security@demo-uni.example
    python3 - "$enc5" >"$T/a5.asc" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
sys.stdout.buffer.write(m.get_payload()[1].get_payload(decode=True))
PY
    gpg --homedir "$EH" --batch --quiet --decrypt "$T/a5.asc" >"$T/a5.dec" 2>/dev/null
    check "... and decrypts to the whole affected copy" grep -q 'YOUR SITE IS NAMED' "$T/a5.dec"
    check "... naming the site" grep -q 'UKI-LT2-DEMO\|EXAMPLE-T2' "$T/a5.dec"
fi

# Off: no affected copy
agw dists policy alerts --affected off >/dev/null
ID3=EGI-20260707-03
sed 's/EGI-20260707-01/EGI-20260707-03/' "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" >"$T/a3.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/a3.txt" "$ID3: more" >"$T/a3.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/a3.eml"
check "--affected off: no affected rows" test "$(q "SELECT count(*) FROM affected_show WHERE _alert_id='$ID3'")" = 0
agw_test_end
