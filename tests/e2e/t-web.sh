#!/bin/bash
# The web console (issue 18) over HTTP by hand, no browser: it listens on
# loopback or a UNIX socket only; every answer carries the CSP; login,
# the throttle, the cookie's flags; a viewer's hand-made POST and a form
# without its CSRF token refused; a keeper's change made by the
# registry's own verb (the CLI sees it, the error line is the CLI's,
# the audit names the account); what each role sees of a held alert
# (web-http.py); the list, site and officer forms (web-forms.py): each
# for its role only, its change seen by the CLI's listing, its error
# line the CLI's, its audit row; `web user` list, --json and remove.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/web-lib.sh"
agw_test_gateway

set +e
agw web --listen 0.0.0.0:8025 2>"$T/err"; rc=$?
set -e
check "a non-loopback --listen is refused (exit $rc): $(cat "$T/err")" \
    test "$rc" = 64 -a "$(wc -l <"$T/err")" = 1
check "... saying why" grep -q 'not a loopback address' "$T/err"
set +e; agw web --listen 192.0.2.1:80 2>/dev/null; rc=$?; set -e
check "192.0.2.1 refused too (exit $rc)" test "$rc" = 64
set +e; echo short | agw web user add weak --role viewer 2>"$T/err"; rc=$?; set -e
check "a short password is refused (exit $rc)" test "$rc" = 65
set +e; echo long-enough-1 | agw web user add x --role root 2>"$T/err"; rc=$?; set -e
check "an unknown role is refused (exit $rc)" test "$rc" = 64

agw_web_users
echo "pass-viewer2-123" | agw web user add viewer2 --role viewer >/dev/null
check "web user list" grep -q "^keeper1	keeper	" <(agw web user list)
check "web user list --json" grep -q '"name": "officer1", "role": "officer"' <(agw web user list --json)
check "password not stored as given" test "$(q "SELECT count(*) FROM web_users WHERE hash LIKE '%pass-%'")" = 0
agw_web_held
check "a held alert to look at (row $HELD_ROW)" test -n "$HELD_ROW"

check "the console starts on loopback" agw_web_start
python3 "$AGW_SOURCE_DIR/tests/e2e/web-http.py" "$WEB_URL" "$HELD_ROW" "$T/weberr" || fails=$((fails + 1))

check "the contact the keeper added is in contacts list" \
    grep -q "^new@x.example	<b>New</b> & co		csirt	" <(agw contacts list)
check "the viewer's and the CSRF-less POSTs changed nothing" \
    test "$(q "SELECT count(*) FROM contacts WHERE address LIKE '%csrf%' OR address LIKE 'viewer-made%'")" = 0
set +e; agw contacts add not-an-address 2>"$T/clierr"; set -e
check "the web's error line is the CLI's ($(cat "$T/weberr"))" \
    test "$(cat "$T/weberr")" = "$(cat "$T/clierr")"
check "the change is audited with the account's name" \
    grep -q "web-change.*keeper1: contact-add new@x.example" <(agw audit)

# the list, site and officer forms (web-forms.py), each checked against
# the command line's listing and its error line
NEWOFF_HOME=$(agw_gnupg_home)
NEWOFF_FPR=$(agw_key "$NEWOFF_HOME" "Web Officer <web-officer@csirt.example>")
gpg --homedir "$NEWOFF_HOME" --armor --export "$NEWOFF_FPR" >"$T/newoff.asc"
mkdir -p "$T/formerr"
# officers whose keys the dashboard must name: one the keyring lacks, one
# expiring within its 30 days (as `keys check` says)
agw officers add 0123456789ABCDEF0123456789ABCDEF01234567 --name "Ghost Officer" >/dev/null
SOON_HOME=$(agw_gnupg_home)
gpg --homedir "$SOON_HOME" --batch --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "Soon Officer <soon@csirt.example>" ed25519 sign 10d >/dev/null 2>&1
gpg --homedir "$SOON_HOME" --armor --export soon@csirt.example >"$T/soon.asc"
agw officers add --key "$T/soon.asc" --name "Soon Officer" >/dev/null
agw keys check >"$T/keyscheck" 2>/dev/null || true
check "keys check: Ghost Officer's key missing" grep -q "missing.*officer Ghost Officer" "$T/keyscheck"
check "keys check: Soon Officer's key expiring" grep -q "expiring.*officer Soon Officer" "$T/keyscheck"
python3 "$AGW_SOURCE_DIR/tests/e2e/web-forms.py" "$WEB_URL" "$T/newoff.asc" \
    "$NEWOFF_FPR" "$T/formerr" || fails=$((fails + 1))
# each refused form's line is the CLI's for the same input
cli_same() {
    local name=$1; shift
    set +e; agw "$@" >/dev/null 2>"$T/clierr"; set -e
    check "web's $name line is the CLI's ($(cat "$T/clierr"))" \
        test "$(cat "$T/formerr/$name.err" 2>/dev/null)" = "$(cat "$T/clierr")"
}
cli_same list-add-name lists add "bad list" --address bad@csirt.example
cli_same list-add-noaddr lists add noaddr
cli_same list-add-template lists add tpl --address tpl@csirt.example --template no-such-template
cli_same list-edit-attachments lists edit web-list2 --attachments bogus
cli_same list-rm-unknown lists rm no-such-list
cli_same site-add-network sites add WIDE --network 0.0.0.0/0
cli_same site-edit-rm sites edit WEB-SITE --rm nothere.example
cli_same officer-add-nothing officers add
printf -- '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5Cg==\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n' >"$T/garbage.asc"
cli_same officer-add-garbage officers add --key "$T/garbage.asc"
agw lists list --json >"$T/lists.json"
check "lists list: web-list2 as the forms left it" grep -q \
    '"name": "web-list2", "address": "web-list@csirt.example", "audience": "Web <test> & co", "kinds": "nren,isp", "anonymise": false, "template": "full", "attachments": "drop", "encrypt": "if-key", "indicators": "csv", "members": 1' "$T/lists.json"
check "lists list: the removed, refused and viewer's lists are not there" \
    test "$(grep -c '"web-list"\|web-gone\|viewer-list\|nocsrf\|"noaddr"\|"tpl"\|bad list' "$T/lists.json")" = 0
check "lists members web-list2: the member added" grep -q '^new@x.example' <(agw lists members web-list2)
agw sites show WEB-SITE --json >"$T/site.json"; sed 's/^/# /' "$T/site.json"
check "sites show WEB-SITE: as the forms left it" grep -q \
    '"identifiers": "\\"Web Site Institute\\" web-site.example web3-site.example 198.51.100.0/24",' \
    "$T/site.json"
check "no site from the refused forms" test "$(agw sites list | grep -c 'WIDE\|VIEWER-SITE')" = 0
agw officers list --json >"$T/officers.json"; sed 's/^/# /' "$T/officers.json"
check "officers list: the officer added by the web, by officer1" grep -q \
    "\"fingerprint\": \"$NEWOFF_FPR\", \"name\": \"Web Officer\", \"email\": \"\", \"active\": true, \"added\": \"[0-9TZ:-]*\", \"added_by\": \"web:officer1\"" \
    "$T/officers.json"
check "its key is in the gateway's keyring" grep -q "$NEWOFF_FPR" <(agw keys list)
agw contacts list >"$T/contacts"
check "the applied uploads' contacts are there" \
    test "$(grep -c '^up1@\|^up2@\|^up4@\|^up4b@' "$T/contacts")" = 4
check "the replaced preview's contacts are not" \
    test "$(grep -c '^up3' "$T/contacts")" = 0
check "the applied uploads are forgotten" test "$(q "SELECT count(*) FROM web_uploads")" = 0
check "an apply is audited with the file's SHA-256" \
    grep -q "web-change.*keeper1: import contacts contacts.csv sha256 [0-9a-f]\{64\}" <(agw audit)
agw audit >"$T/audit"
for w in "keeper1: list-add web-list" "keeper1: list-edit web-list" \
         "keeper1: list-rm web-gone" "keeper1: site-add WEB-SITE" \
         "keeper1: site-edit WEB-SITE" "officer1: officer-add"; do
    check "audited: web-change $w" grep -q "web-change.*$w" "$T/audit"
done
check "audited: officer-added by web:officer1" grep -q "officer-added.*$NEWOFF_FPR.*(web:officer1)" "$T/audit"
check "the chain holds" agw audit verify
agw_web_stop

# a UNIX socket, mode 0660
agw_web_start --socket "$T/web.sock"
check "on a UNIX socket" test -S "$T/web.sock"
check "socket mode 0660" test "$(stat -c %a "$T/web.sock")" = 660
if command -v curl >/dev/null; then
    check "answers on it" grep -q '^HTTP/1.1 303' <(curl -si --unix-socket "$T/web.sock" http://x/)
fi
agw_web_stop
check "the socket is gone after SIGTERM" test ! -e "$T/web.sock"

agw web user remove keeper1 >/dev/null
check "web user remove: gone with its sessions" \
    test "$(q "SELECT count(*) FROM web_users WHERE name='keeper1'")" = 0
check "removal audited" grep -q "web-user-removed.*keeper1" <(agw audit)
agw_test_end
