#!/bin/bash
# The web console (issue 18) in a real browser: Debian's chromium,
# headless, driven by python3-selenium and chromium-driver against a
# console on loopback with a test database (web-browser.py): login, a
# wrong password refused then throttled, a contact added by the form
# and seen by `alertgw contacts list`, its HTML/script name and an
# alert body's script shown as text (no dialog, no window flag), a form
# stripped of its CSRF token refused, a GOCDB upload previewed then
# applied, a held alert's copies and release command, a viewer kept
# from a keeper's form (also by a hand-made POST); a list added and
# changed, a site added, an officer added from its key file by the
# officer's form. Screenshots of the dashboard, the coverage page, the
# list page and the officers page: $AGW_BUILD_DIR/artefacts/.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/web-lib.sh"
PY=
for p in python3 /usr/bin/python3; do
    if $p -c 'import selenium' 2>/dev/null; then PY=$p; break; fi
done
for need in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$need" ] || { echo "SKIP: $need missing (apt-get install chromium chromium-driver)"; exit 125; }
done
[ -n "$PY" ] || { echo "SKIP: python3 selenium missing (apt-get install python3-selenium)"; exit 125; }
agw_test_gateway
ART=${AGW_BUILD_DIR:-$T}/artefacts
mkdir -p "$ART"
rm -f "$ART/web-dashboard.png" "$ART/web-coverage.png" "$ART/web-list-edit.png" \
    "$ART/web-officer-add.png"

agw_web_users
echo "pass-viewer2-123" | agw web user add viewer2 --role viewer >/dev/null
agw_web_held
check "a held alert (row $HELD_ROW)" test -n "$HELD_ROW"
agw orgs add NGI_EX --kind ngi --country EX >/dev/null
printf 'address,name,org,role,fingerprint,active,source,confirmed\ncsv1@x.example,CSV One,,csirt,,1,manual,\ncsv2@x.example,CSV Two,,abuse,,1,manual,\n' >"$T/contacts.csv"
NEWOFF_HOME=$(agw_gnupg_home)
NEWOFF_FPR=$(agw_key "$NEWOFF_HOME" "Browser Officer <browser-officer@csirt.example>")
gpg --homedir "$NEWOFF_HOME" --armor --export "$NEWOFF_FPR" >"$T/browser-officer.asc"
check "the console starts on loopback" agw_web_start
timeout 300 $PY "$AGW_SOURCE_DIR/tests/e2e/web-browser.py" "$WEB_URL" \
    "$HELD_ROW" "$ART" "$AGW_SOURCE_DIR/tests/data/gocdb/get_site.xml" \
    "$T/contacts.csv" "$T/browser-officer.asc" ||
    fails=$((fails + 1))
agw_web_stop
rm -rf "$ART/.chromium-profile"

check "the form's contact is in contacts list" \
    grep -q '^payload@x.example	<script>window.agwPwned=1;alert(1)</script>' <(agw contacts list)
check "nothing came of the refused forms" \
    test "$(q "SELECT count(*) FROM contacts WHERE address IN ('nocsrf@x.example', 'byhand@x.example')")" = 0
check "the CSV's contacts are in contacts list" grep -q '^csv2@x.example	CSV Two' <(agw contacts list)
check "the GOCDB sites are in sites list" grep -q '^GOC-T1	' <(agw sites list)
check "the preview changed nothing, the apply once: one audit row" \
    test "$(agw audit | grep -c 'web-change.*keeper1: import gocdb')" = 1
check "lists list: the browser's list as its forms left it" grep -q \
    '"name": "browser-list", "address": "browser-list@csirt.example", "audience": "Browser audience", "kinds": "", "anonymise": false, "template": "full", "attachments": "drop", "encrypt": "always"' \
    <(agw lists list --json)
check "no list from the refused form" test "$(agw lists list | grep -c browser-bad)" = 0
check "sites list: the browser's site" grep -q '^BROWSER-SITE	browser-site.example 203.0.113.0/24' <(agw sites list)
check "officers list: the officer added in the browser" \
    grep -q "^$NEWOFF_FPR	Browser Officer	.*web:officer1" <(agw officers list)
for p in web-dashboard web-coverage web-list-edit web-officer-add; do
    check "screenshot $p.png kept" test -s "$ART/$p.png"
done
agw_test_end
