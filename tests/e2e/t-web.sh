#!/bin/bash
# The web console (issue 18) over HTTP by hand, no browser: it listens on
# loopback or a UNIX socket only; every answer carries the CSP; login,
# the throttle, the cookie's flags; a viewer's hand-made POST and a form
# without its CSRF token refused; a keeper's change made by the
# registry's own verb (the CLI sees it, the error line is the CLI's,
# the audit names the account); what each role sees of a held alert
# (web-http.py); `web user` list, --json and remove.
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
