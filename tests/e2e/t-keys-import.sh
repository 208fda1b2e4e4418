#!/bin/bash
# Regression (issue 16): `keys import` took a file holding someone's
# SECRET key, pinned it for the contact and put the secret key into the
# gateway's home. A file with a secret key is refused whole (exit 65) and
# nothing of it reaches the home; the same key's public part is taken;
# `init --import-key` still takes the gateway's own secret key. A key
# taken for a contact none of whose user ids names the contact, or that
# is expired, is taken with a warning.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
agw_setup "$T/gw" >/dev/null 2>&1
H=$(agw_gnupg_home)
gpg --homedir "$H" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "NREN CERT <cert@nren-xx.example>" default default never \
    >/dev/null 2>&1
FPR=$(gpg --homedir "$H" --with-colons --list-keys cert@nren-xx.example |
    awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$H" --batch --pinentry-mode loopback --passphrase '' \
    --armor --export-secret-keys "$FPR" >"$T/secret.asc" 2>/dev/null
gpg --homedir "$H" --armor --export "$FPR" >"$T/public.asc"
cat "$T/public.asc" "$T/secret.asc" >"$T/both.asc"
in_home() { gpg --homedir "$GW_HOME" --batch --with-colons "$@" "$FPR" \
    >/dev/null 2>&1; }
for f in secret both; do
    agw keys import "$T/$f.asc" --contact cert@nren-xx.example \
        >"$T/out" 2>"$T/err"
    rc=$?
    check "$f: refused (exit $rc, want 65)" test "$rc" = 65
    check "$f: the error says why" grep -q 'secret key' "$T/err"
    check "$f: no secret key in the gateway's home" \
        bash -c "! gpg --homedir '$GW_HOME' --batch --list-secret-keys '$FPR' >/dev/null 2>&1"
    check "$f: no public key either" bash -c "! gpg --homedir '$GW_HOME' --batch --list-keys '$FPR' >/dev/null 2>&1"
    check "$f: nothing pinned" test -z "$(sqlite3 "$T/gw/data/alertgw.db" \
        "SELECT fingerprint FROM contacts WHERE address='cert@nren-xx.example'")"
done
agw keys import "$T/secret.asc" --officer >/dev/null 2>&1
check "--officer: a secret key is refused too" test $? = 65
agw keys import "$T/public.asc" --contact cert@nren-xx.example >/dev/null 2>&1
check "the public key alone is taken" test $? = 0
check "and pinned" test "$(sqlite3 "$T/gw/data/alertgw.db" \
    "SELECT fingerprint FROM contacts WHERE address='cert@nren-xx.example'")" = "$FPR"
# warnings: another address, an expired key
agw keys import "$T/public.asc" --contact csirt@nren-yy.example >/dev/null 2>"$T/err"
check "another address: taken (exit $?)" test $? = 0
check "another address: warned" grep -q "warning: no user id of key $FPR names csirt@nren-yy.example" "$T/err"
gpg --homedir "$H" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --faked-system-time 20200101T000000 --quick-gen-key \
    "Old <abuse@isp-one.example>" default default 1d >/dev/null 2>&1
OLD=$(gpg --homedir "$H" --with-colons --list-keys abuse@isp-one.example |
    awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$H" --armor --export "$OLD" >"$T/old.asc"
agw keys import "$T/old.asc" --contact abuse@isp-one.example >/dev/null 2>"$T/err"
check "expired key: taken" test $? = 0
check "expired key: warned" grep -q "warning: key $OLD is expired" "$T/err"
agw keys import "$T/public.asc" --contact cert@nren-xx.example >/dev/null 2>"$T/err"
check "a matching, valid key: no warning" test ! -s "$T/err"
# keys export: the gateway's public key and nothing else
agw keys export >"$T/gw.asc" 2>"$T/err"
check "keys export succeeds" test $? = 0
GWFPR=$(sed -n 's/^gateway signing key //p' "$T/err")
check "keys export names the fingerprint" test -n "$GWFPR"
gpg --with-colons --import-options show-only --import "$T/gw.asc" \
    >"$T/shown" 2>/dev/null
check "the export holds one key" test "$(grep -c '^pub' "$T/shown")" = 1
check "it is the signing key" grep -q "^fpr:::::::::$GWFPR:" "$T/shown"
check "and no secret part" bash -c "! grep -q '^sec' '$T/shown'"
check "it imports into an empty home" \
    gpg --homedir "$(agw_gnupg_home)" --batch --import "$T/gw.asc"
# init --import-key: the gateway's own key, secret part required
mkdir -p "$T/gw2"
GH2=$(agw_gnupg_home)
printf '[gateway]\ndata_dir = %s\ngnupg_home = %s\n' "$T/gw2" "$GH2" >"$T/gw2.conf"
"$ALERTGW" -c "$T/gw2.conf" init --import-key "$T/secret.asc" >/dev/null 2>"$T/err"
check "init --import-key takes a secret key ($(head -c 200 "$T/err"))" test $? = 0
check "and it is in the new home" \
    gpg --homedir "$GH2" --batch --list-secret-keys "$FPR"
agw_test_end
