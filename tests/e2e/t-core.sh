#!/bin/bash
# End to end: a signed alert through `filter` and `queue run`; every list's
# copy present, signed (gpg and sqv over the exact signed bytes), the
# anonymised copies free of every sample identifier, the NGI copy whole.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start

agw_setup "$T/gw"
SUBJECT="EGI-20260707-01: Compromised credentials used on EXAMPLE-T2"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "$SUBJECT" >"$T/alert.eml"

agw filter --wait --recipient alerts@csirt.example <"$T/alert.eml"
check "filter stored the alert" test "$(agw alerts list --json | grep -c '"state": "queued"')" = 1
agw queue run

copies=$(ls "$T/gw/out"/ngi-*.eml "$T/gw/out"/nren-*.eml "$T/gw/out"/isp-*.eml | wc -l)
check "three copies written (got $copies)" test "$copies" = 3

# The gateway key, for an independent check.
GWFPR=$(sqlite3 "$T/gw/data/alertgw.db" "SELECT value FROM settings WHERE key='signing_key'")
agw_export_gateway_key "$GWFPR" >"$T/gw.pgp"
VERIFY_HOME=$(agw_gnupg_home)
gpg --homedir "$VERIFY_HOME" --batch --quiet --import "$T/gw.pgp" 2>/dev/null

for list in ngi nren isp; do
    f=$(ls "$T/gw/out"/$list-*.eml)
    python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" split "$f" "$T/$list.data" "$T/$list.sig"
    check "$list: gpg --verify" gpg --homedir "$VERIFY_HOME" --batch --quiet \
        --verify "$T/$list.sig" "$T/$list.data"
    check "$list: sqv" sqv --keyring "$T/gw.pgp" "$T/$list.sig" "$T/$list.data"
    python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" text "$f" >"$T/$list.txt"
    python3 "$AGW_SOURCE_DIR/tests/e2e/pgpmime.py" header "$f" Subject >>"$T/$list.txt"
    check "$list: micalg matches the signature" grep -q 'micalg=pgp-sha' "$f"
    check "$list: no Received header" bash -c "! grep -qi '^Received:' '$f'"
done
check "ngi rcpt file lists 3 members" test "$(tail -n +2 "$T"/gw/out/ngi-*.rcpt | wc -l)" = 3
check "nren rcpt file lists 2 members" test "$(tail -n +2 "$T"/gw/out/nren-*.rcpt | wc -l)" = 2

# The NGI copy is whole.
check "ngi copy has the original text" grep -q 'wn-r03-n117.grid.inst.example (192.0.2.45)' "$T/ngi.txt"
check "ngi copy names the site" grep -q 'EXAMPLE-T2' "$T/ngi.txt"

# Anonymised copies: no identifier of the sample sites, indicators kept.
IDS="EXAMPLE-T2 UKI-LT2-DEMO Example.Institute.Grid.Centre ExGrid inst.example
     demo-uni.example Demo.University.of.London rdl.example 192.0.2.45
     198.51.100.7 2001:db8:77::a 2001:db8:77:0:0:0:0:1b jsmith Jo.Smith
     jo.smith Rutherford"
for list in nren isp; do
    for id in $IDS; do
        check "$list: no '$id'" bash -c "! grep -qiE '$id' '$T/$list.txt'"
    done
    check "$list: no standalone RAL" bash -c "! grep -qE '\\bRAL\\b' '$T/$list.txt'"
    for keep in 203.0.113.9 AS64500 update-cdn.example.net:4444 \
        9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 \
        CVE-2024-0001 2026-07-06T22:14:07Z /var/tmp/.x/.sshd general; do
        check "$list: keeps $keep" grep -qF "$keep" "$T/$list.txt"
    done
    check "$list: hosts under .invalid" grep -q '\.invalid' "$T/$list.txt"
    check "$list: sanitised notice" grep -q 'SANITISED COPY' "$T/$list.txt"
done

# The same original gets the same placeholder in both anonymised copies.
p1=$(grep -o 'host[0-9]*\.site[0-9]*\.invalid' "$T/nren.txt" | head -1)
check "placeholders stable across lists ($p1)" grep -qF "$p1" "$T/isp.txt"
check "reveal maps placeholders back" bash -c "agw(){ \"$ALERTGW\" -c \"$AGW_CONF\" \"\$@\"; }; agw reveal EGI-20260707-01 | grep -q 'wn-r03-n117.grid.inst.example'"

agw_test_end
