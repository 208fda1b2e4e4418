#!/bin/bash
# Regression (issue 16): `init` run as root, then mail arriving as the
# pipe user: Postfix deferred with "no database at ... (run alertgw
# init)" although the database existed. An unreadable database or data
# directory is named as such (exit 74; 75 in filter, so the MTA keeps the
# mail), init warns when it runs as another user than [gateway] user, and
# after a chown the same commands work.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    echo "SKIP: needs root and setpriv to run commands as another user"
    exit 125
fi
agw_test_start
chmod 755 "$T"
U=nobody
UID_U=$(id -u $U)
as_u() { setpriv --reuid="$UID_U" --regid="$(id -g $U)" --clear-groups \
    env HOME=/nonexistent "$ALERTGW" -c "$T/gw.conf" "$@"; }
printf '[gateway]\nuser = %s\ndata_dir = %s/data\ngnupg_home = %s/data/gnupg\n' \
    "$U" "$T" "$T" >"$T/gw.conf"
chmod 644 "$T/gw.conf"
as_u alerts list >/dev/null 2>"$T/err"
rc=$?
check "before init: exit 78 (got $rc)" test $rc = 78
check "before init: run alertgw init" grep -q 'no database at .*run alertgw init' "$T/err"
"$ALERTGW" -c "$T/gw.conf" init >/dev/null 2>"$T/err"
check "init as root succeeds" test $? = 0
check "init as root warns it is not $U" grep -q "warning: init runs as uid 0, not as $U" "$T/err"
as_u alerts list >/dev/null 2>"$T/err"
rc=$?
check "as $U: exit 74 (got $rc)" test $rc = 74
check "as $U: the error names the cause" \
    grep -q "cannot open $T/data/alertgw.db: Permission denied; the data directory must belong to the user alertgw runs as" "$T/err"
check "as $U: not 'no database'" bash -c "! grep -q 'no database' '$T/err'"
echo "From: x@example.org" | as_u filter --recipient alerts@csirt.example \
    >/dev/null 2>"$T/err"
rc=$?
check "filter as $U: 75, the MTA keeps the mail (got $rc)" test $rc = 75
check "filter as $U: says why" grep -q 'data directory must belong' "$T/err"
chown -R "$U" "$T/data"
as_u alerts list >/dev/null 2>"$T/err"
check "after chown: works ($(head -c 200 "$T/err"))" test $? = 0
as_u init >/dev/null 2>"$T/err"
check "init as $U: no warning" test ! -s "$T/err"
agw_test_end
