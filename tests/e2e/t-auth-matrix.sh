#!/bin/bash
# Inbound authentication, one row per case of issue 4's matrix: each row
# submits one message and asserts the verdict, the quarantine reason, that
# no copy was queued, and that the admins (only they) got a notice. Keys
# are made here with gpg --quick-gen-key (ed25519 signing, cv25519
# encryption); --faked-system-time makes the expired and old ones.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
MK="python3 $AGW_SOURCE_DIR/tests/e2e/mkmsg.py"
T=$(mktemp -d)
trap 'agw_cleanup; rm -rf "$T"' EXIT
fails=0
ADMIN=csirt-admin@csirt.example

agw_setup "$T/gw"
DB=$T/gw/data/alertgw.db
sed -i 's/^max_signature_age = .*/max_signature_age = 172800/' "$AGW_CONF"
sql() { sqlite3 "$DB" "$1"; }
H=$(agw_gnupg_home)          # the officers' keyring
G() { gpg --homedir "$H" --batch --quiet --pinentry-mode loopback \
          --passphrase '' "$@"; }
fpr_of() { G --with-colons --list-keys "$1" | awk -F: '$1=="fpr"{print $10; exit}'; }
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y%m%dT%H%M%S; }

# newkey UID [ALGO USAGE EXPIRE [FAKETIME]]: primary + cv25519 subkey.
newkey() {
    local ft=()
    [ -n "${5:-}" ] && ft=(--faked-system-time "$5!")
    G "${ft[@]}" --quick-gen-key "$1" "${2:-ed25519}" "${3:-sign}" "${4:-never}" 2>/dev/null
    G "${ft[@]}" --quick-add-key "$(fpr_of "$1")" cv25519 encr "${4:-never}" 2>/dev/null
    fpr_of "$1"
}
officer() {     # officer FPR: import into the gateway and authorise
    G --armor --export "$1" >"$T/k.asc"
    agw officers add --key "$T/k.asc" >/dev/null
}

ALICE_UID="Alice Officer <alice@csirt.example>"
ALICE=$(newkey "$ALICE_UID"); officer "$ALICE"
BOB=$(newkey "Bob Officer <bob@csirt.example>"); officer "$BOB"
ZED=$(newkey "Zed Unknown <zed@csirt.example>")     # never imported
# Certify-only primary, signing subkey: the primary is what is pinned.
SUB=$(newkey "Sue Subkey <sue@csirt.example>" ed25519 cert never)
G --quick-add-key "$SUB" ed25519 sign never 2>/dev/null; officer "$SUB"
# Made 36 h ago, expired 12 h ago.
OLDK=$(newkey "Ed Expired <ed@csirt.example>" ed25519 sign 1d "$(ago 129600)"); officer "$OLDK"
REV=$(newkey "Rita Revoked <rita@csirt.example>"); officer "$REV"
CAROL=$(newkey "Carol Late <carol@csirt.example>" ed25519 sign never "$(ago 345600)"); officer "$CAROL"
RSA=$(newkey "Sam Sha <sam@csirt.example>" rsa2048 sign never); officer "$RSA"
GW_FPR=$(gpg --homedir "$GW_HOME" --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')
gpg --homedir "$GW_HOME" --armor --export "$GW_FPR" | G --import 2>/dev/null
OTHER=$(newkey "Other Gateway <gw@elsewhere.example>")

printf 'Alert of the day.\nTLP:AMBER\nAttacker 203.0.113.9 scanned everything.\n' >"$T/text"

# mk NAME KIND FROM [GPG-ARGS...]
# Each case signs its own text: the same content signed twice by one key
# in the same second is one signed message (a replay), however encoded.
mk() {
    local n=$1 k=$2 f=$3
    shift 3
    sed "1s/\$/ ($n)/" "$T/text" >"$T/text-$n"
    $MK "$k" "$H" "$f" "matrix $n" "$T/text-$n" "$@" >"$T/$n.eml"
}

# row NAME WANT(accepted|quarantined) PATTERN|SIGNER
row() {
    local n=$1 want=$2 pat=$3 rc r state reason copies notices others
    agw submit --dist alerts "$T/$n.eml" >"$T/out" 2>"$T/err"
    rc=$?
    r=$(sql "SELECT max(id) FROM alerts")
    state=$(sql "SELECT state FROM alerts WHERE id=$r")
    reason=$(sql "SELECT reason FROM alerts WHERE id=$r")
    copies=$(sql "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$r AND c.kind='copy'")
    notices=$(sql "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$r AND c.kind='notice' AND o.rcpt='$ADMIN'")
    others=$(sql "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$r AND c.kind<>'copy' AND o.rcpt<>'$ADMIN'")
    if [ "$want" = accepted ]; then
        if [ "$rc" = 0 ] && [ "$state" = queued ] && [ "$copies" -gt 0 ] && [ "$notices" = 0 ] &&
           [ "$(sql "SELECT signer FROM alerts WHERE id=$r")" = "$pat" ]; then
            echo "ok - $n: accepted, signer $pat"
        else
            echo "not ok - $n: got exit $rc, $state ($reason), $copies copies; want accepted by $pat: $(head -c 300 "$T/err")"
            fails=$((fails+1))
        fi
        return
    fi
    # shellcheck disable=SC2053
    if [ "$rc" = 77 ] && [ "$state" = quarantined ] && [[ $reason == $pat ]] &&
       [ "$copies" = 0 ] && [ "$notices" = 1 ] && [ "$others" = 0 ]; then
        echo "ok - $n: quarantined ($reason)"
    else
        echo "not ok - $n: got exit $rc, $state ($reason), $copies copies, $notices notices, $others others; want quarantined '$pat'"
        fails=$((fails+1))
    fi
}

A="$ALICE_UID"
mk good mime "$A" -u "$ALICE";                  row good accepted "$ALICE"
row good quarantined 'replay: *'
mk inline inline "$A" -u "$ALICE";              row inline accepted "$ALICE"
mk opaque opaque "$A" -u "$ALICE";              row opaque accepted "$ALICE"
printf 'From: %s\nSubject: matrix unsigned\n\nJohnny, you are fired!\n' "$A" >"$T/unsigned.eml"
row unsigned quarantined 'not a PGP/MIME or inline signed message'
mk unknown mime "Zed Unknown <zed@csirt.example>" -u "$ZED"
row unknown quarantined 'signature not valid: no public key for signature by *'
mk expired mime "Ed Expired <ed@csirt.example>" -u "$OLDK" --faked-system-time "$(ago 108000)!"
row expired quarantined 'signature not valid: key expired'
mk revoked mime "Rita Revoked <rita@csirt.example>" -u "$REV"
G --yes --import "$H/openpgp-revocs.d/$REV.rev" 2>/dev/null ||
    sed 's/^:-----/-----/' "$H/openpgp-revocs.d/$REV.rev" | G --import 2>/dev/null
G --armor --export "$REV" | gpg --homedir "$GW_HOME" --batch --quiet --import 2>/dev/null
row revoked quarantined 'signature not valid: key revoked'
mk subkey mime "Sue Subkey <sue@csirt.example>" -u "$SUB";  row subkey accepted "$SUB"
mk good2 mime "$A" -u "$ALICE"
sed 's/scanned everything/scanned nothing/' "$T/good2.eml" >"$T/tampered.eml"
row tampered quarantined 'signature not valid: bad signature'
mk twosigs mime "$A" -u "$ALICE" -u "$BOB";     row twosigs quarantined 'signature not valid: 2 signatures'
mk sha1 mime "Sam Sha <sam@csirt.example>" -u "$RSA" --digest-algo SHA1
row sha1 quarantined 'signature not valid: SHA-1 signature refused'
mk mixed mixed "$A" -u "$ALICE"
row mixed quarantined 'a signed part inside an unsigned multipart/mixed: not the whole message is signed'
mk forward forward "$A" -u "$ALICE"
row forward quarantined 'a forwarded message (message/rfc822): not the whole message is signed'
mk prefix prefix "$A" -u "$ALICE"
row prefix quarantined 'unsigned text before or after the inline signed block: *'
mk suffix suffix "$A" -u "$ALICE"
row suffix quarantined 'unsigned text before or after the inline signed block: *'
mk twoblocks twoblocks "$A" -u "$ALICE"
row twoblocks quarantined 'several inline signed blocks: *'
mk doubleplain doubleplain "$A" -u "$ALICE"
row doubleplain quarantined 'signature not valid: unreadable signature: Bad data'
mk trailing trailing "$A" -u "$ALICE"
row trailing quarantined 'signature not valid: unreadable signature: Bad data'
mk sigdata sigdata "$A" -u "$ALICE"
row sigdata quarantined 'signature not valid: *'
mk encsign encsign "$A" -u "$ALICE" -r "$GW_FPR";   row encsign accepted "$ALICE"
mk signenc signenc "$A" -u "$ALICE" -r "$GW_FPR";   row signenc accepted "$ALICE"
mk encinline encinline "$A" -u "$ALICE" -r "$GW_FPR"; row encinline accepted "$ALICE"
mk armorhdr armorhdr "$A" -u "$ALICE"
row armorhdr quarantined 'inline signed block with armour headers other than Hash'
mk html html "$A" -u "$ALICE"
row html quarantined 'an inline signed block in a text/html body: not the whole message is signed'
mk enconly enconly "$A" -r "$GW_FPR"
row enconly quarantined 'not a PGP/MIME or inline signed message'
mk elsewhere encsign "$A" -u "$ALICE" -r "$OTHER"
row elsewhere quarantined 'encrypted: not encrypted to the gateway key'
mk fromother mime "Bob Officer <bob@csirt.example>" -u "$ALICE"
row fromother quarantined 'From Bob Officer <bob@csirt.example> is not a user ID of the signing key *'
mk future mime "$A" -u "$ALICE" --faked-system-time "$(date -u -d '+1 day' +%Y%m%dT%H%M%S)!"
row future quarantined 'signature made in the future*'
mk late mime "Carol Late <carol@csirt.example>" -u "$CAROL" --faked-system-time "$(ago 259200)!"
row late quarantined 'signature older than max_signature_age'

# An update is a new signed message: the same signed UPDATE again, byte
# for byte, is a replay like any other (issue 12).
printf 'EGI-20260707-09 UPDATE 1\nTLP:AMBER\nStill scanning.\n' >"$T/text"
$MK mime "$H" "$A" "[EGI-20260707-09] UPDATE 1: scanning" "$T/text" -u "$ALICE" >"$T/update.eml"
row update accepted "$ALICE"
row update quarantined 'replay: *'
printf 'EGI-20260707-10\nTLP:AMBER\nNew alert.\n' >"$T/text"
$MK mime "$H" "$A" "[EGI-20260707-10] scanning" "$T/text" -u "$ALICE" >"$T/noupdate.eml"
row noupdate accepted "$ALICE"
row noupdate quarantined 'replay: *'

# No agent: decrypting (and signing the admins' notice) cannot be done
# now. A temporary failure: exit 75, the alert stays new, nothing queued.
mk noagent encsign "$A" -u "$ALICE" -r "$GW_FPR"
gpgconf --homedir "$GW_HOME" --kill gpg-agent
cp "$GW_HOME/gpg.conf" "$T/gpg.conf.saved" 2>/dev/null || : >"$T/gpg.conf.saved"
echo "agent-program /bin/false" >>"$GW_HOME/gpg.conf"
before=$(sql "SELECT count(*) FROM outbox")
for n in noagent unsigned; do
    agw submit --dist alerts "$T/$n.eml" >"$T/out" 2>"$T/err"
    rc=$?
    r=$(sql "SELECT max(id) FROM alerts")
    st=$(sql "SELECT state FROM alerts WHERE id=$r")
    if [ "$rc" = 75 ] && [ "$st" = new ] && [ "$(sql "SELECT count(*) FROM outbox")" = "$before" ]; then
        echo "ok - $n without an agent: exit 75, alert kept new, nothing queued"
    else
        echo "not ok - $n without an agent: got exit $rc, state $st: $(head -c 300 "$T/err")"
        fails=$((fails+1))
    fi
done
cp "$T/gpg.conf.saved" "$GW_HOME/gpg.conf"

# Only signed bytes leave: the unsigned "Johnny" text of every refused
# shape is in no copy, and the inline and encrypted ones carry the text.
n=$(sql "SELECT count(*) FROM copies WHERE kind='copy' AND CAST(message AS TEXT) LIKE '%Johnny%'")
if [ "$n" = 0 ]; then echo "ok - no copy carries unsigned text"
else echo "not ok - $n copies carry unsigned text"; fails=$((fails+1)); fi
for s in inline opaque encsign signenc encinline; do
    n=$(sql "SELECT count(*) FROM copies c WHERE c.kind='copy' AND CAST(c.message AS TEXT) LIKE '%Alert of the day. ($s)%'")
    if [ "$n" -gt 0 ]; then echo "ok - $s: copies carry the signed text"
    else echo "not ok - $s: no copy carries the signed text"; fails=$((fails+1)); fi
done
n=$(sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id WHERE c.kind='notice' AND o.rcpt<>'$ADMIN'")
if [ "$n" = 0 ]; then echo "ok - no notice went to anyone but the admins"
else echo "not ok - $n notices to others"; fails=$((fails+1)); fi
[ "$fails" = 0 ]
