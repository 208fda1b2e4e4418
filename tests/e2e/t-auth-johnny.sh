#!/bin/bash
# The OpenPGP half of the 2019 "Johnny, you are fired" spoofing corpus
# (USENIX Security 2019), read where it lies: every message through
# `alertgw submit`, each verdict and reason asserted, nothing queued for a
# quarantined one but the admins' notice. Its signatures date from
# February 2019, so the signature-age window is widened here.
#
# The corpus is not part of this repository (README "Test corpora"): it is
# read from $AGW_CORPORA, else ../shared/corpora beside the checkout. When
# it is absent the test is skipped (exit 125, ctest's SKIP_RETURN_CODE).
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
CORPUS=${AGW_CORPORA:-$AGW_SOURCE_DIR/../shared/corpora}/johnny-you-are-fired
if [ ! -d "$CORPUS/assets" ]; then
    echo "SKIP: Johnny-You-Are-Fired OpenPGP corpus not found at $CORPUS (set AGW_CORPORA; see README \"Test corpora\")"
    exit 125
fi
T=$(mktemp -d)
trap 'agw_cleanup; rm -rf "$T"' EXIT
fails=0
MANAGER=AA482B4FF773584F58D14563F18273C6FB579BE4
EVE=F9E600725878C6DAE30688CA4B568F486E960FB5

agw_setup "$T/gw"
DB=$T/gw/data/alertgw.db
sed -i 's/^max_signature_age = .*/max_signature_age = 315360000/' "$AGW_CONF"
agw officers add --key "$CORPUS/assets/public-keys/manager@bigcorporation.asc" \
    --name Manager >/dev/null

sql() { sqlite3 "$DB" "$1"; }

# verdict FILE WANT(accepted|quarantined) PATTERN [SIGNER]
verdict() {
    local f=$1 want=$2 pat=$3 signer=${4:-} rc row got reason copies notices
    local name=${f#"$CORPUS"/}
    agw submit --dist alerts "$f" >"$T/out" 2>"$T/err"
    rc=$?
    row=$(sql "SELECT max(id) FROM alerts")
    got=$(sql "SELECT state FROM alerts WHERE id=$row")
    reason=$(sql "SELECT reason FROM alerts WHERE id=$row")
    copies=$(sql "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$row AND c.kind='copy'")
    notices=$(sql "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$row AND c.kind='notice' AND o.rcpt='csirt-admin@csirt.example'")
    if [ "$want" = accepted ]; then
        if [ "$rc" = 0 ] && [ "$got" = queued ] && [ "$copies" -gt 0 ] &&
           [ "$(sql "SELECT signer FROM alerts WHERE id=$row")" = "$signer" ]; then
            echo "ok - $name: accepted, signer $signer"
        else
            echo "not ok - $name: got exit $rc state $got ($reason), $copies copies, want accepted by $signer: $(cat "$T/err")"
            fails=$((fails+1))
        fi
        return
    fi
    # shellcheck disable=SC2053
    if [ "$rc" = 77 ] && [ "$got" = quarantined ] && [[ $reason == $pat ]] &&
       [ "$copies" = 0 ] && [ "$notices" = 1 ] &&
       [ "$(sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id WHERE c.alert_row=$row AND o.rcpt<>'csirt-admin@csirt.example'")" = 0 ]; then
        echo "ok - $name: quarantined ($reason)"
    else
        echo "not ok - $name: got exit $rc state $got ($reason), $copies copies, $notices notices; want quarantined matching '$pat'"
        fails=$((fails+1))
    fi
}

NOT_WHOLE='*not the whole message is signed*'

echo "# only the manager is an officer"
verdict "$CORPUS/assets/valid-signed/manager-pgp-mime.eml" accepted "" "$MANAGER"
# The same signature again is a replay.
verdict "$CORPUS/assets/valid-signed/manager-pgp-mime.eml" quarantined 'replay:*'
verdict "$CORPUS/assets/valid-signed/manager-pgp-inline.eml" accepted "" "$MANAGER"
for f in "$CORPUS"/assets/valid-signed/eve-*.eml; do
    # eve's key is not even known to the gateway yet
    verdict "$f" quarantined 'signature not valid: no public key*'
done
for f in "$CORPUS"/03-mime/*/*.eml; do
    verdict "$f" quarantined "$NOT_WHOLE"
done
agw officers add --key "$CORPUS/assets/public-keys/eve@bigcorporation.asc" \
    --name Eve >/dev/null
sql "UPDATE officers SET active=0 WHERE fingerprint='$EVE'"
for f in "$CORPUS"/assets/valid-signed/eve-*.eml "$CORPUS"/04-id/*/*.eml; do
    verdict "$f" quarantined "signer $EVE is not an authorised officer"
done

echo "# manager and eve are officers"
sql "UPDATE officers SET active=1 WHERE fingerprint='$EVE'"
for f in "$CORPUS"/assets/valid-signed/eve-*.eml; do
    verdict "$f" accepted "" "$EVE"
done
for f in "$CORPUS"/04-id/*/*.eml; do
    verdict "$f" quarantined 'From *'
done
for f in "$CORPUS"/03-mime/*/*.eml; do
    verdict "$f" quarantined "$NOT_WHOLE"
done

n=$(find "$CORPUS" -name '*.eml' | wc -l)
seen=$(sql "SELECT count(DISTINCT raw) FROM alert_raw")
if [ "$seen" = "$n" ]; then echo "ok - every one of the $n corpus messages was judged"
else echo "not ok - judged $seen distinct messages, corpus has $n"; fails=$((fails+1)); fi

[ "$fails" = 0 ]
