#!/bin/bash
# Signatures survive a real Postfix that offers no 8BITMIME anywhere: the
# gateway's copies go over SMTP to a private Postfix whose smtpd discards
# the 8BITMIME keyword, and Postfix relays them to an smtp-sink that does
# not announce it either (so Postfix's smtp client would down-convert any
# 8-bit body). The alert carries UTF-8 text, trailing spaces and a line
# starting "From ": quoted-printable matters. Every copy arriving at the
# sink verifies with gpg and sqv over the exact signed bytes; an encrypted
# copy decrypts and its inner signature verifies. A control message signed
# with an 8bit part goes the same way and must arrive broken: the path
# really rewrites what is not 7-bit.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
PM="python3 $AGW_SOURCE_DIR/tests/e2e/pgpmime.py"

agw_setup "$T/gw" >/dev/null
DB=$T/gw/data/alertgw.db
GWFPR=$(q "SELECT value FROM settings WHERE key='signing_key'")
agw_export_gateway_key "$GWFPR" >"$T/gw.pgp"
VERIFY_HOME=$(agw_gnupg_home)
gpg --homedir "$VERIFY_HOME" --batch --quiet --import "$T/gw.pgp" >/dev/null 2>&1
gpg --homedir "$OFFICER_HOME" --armor --export "$OFFICER_FPR" |
    gpg --homedir "$VERIFY_HOME" --batch --quiet --import >/dev/null 2>&1

# An if-key list with one recipient whose key can receive.
KH=$(agw_gnupg_home)
KFPR=$(agw_key "$KH" "Kim <kim@team-k.example>")
gpg --homedir "$KH" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-add-key "$KFPR" cv25519 encr never 2>/dev/null
gpg --homedir "$KH" --batch --quiet --import "$T/gw.pgp" >/dev/null 2>&1
gpg --homedir "$KH" --armor --export "$KFPR" >"$T/kim.asc"
agw contacts add kim@team-k.example >/dev/null
agw keys import "$T/kim.asc" --contact kim@team-k.example >/dev/null
agw lists add enc --address enc@csirt.example --encrypt if-key >/dev/null
agw lists add-member enc kim@team-k.example
agw lists add-member enc cert@nren-xx.example
agw dists add encd --address encd@csirt.example --lists enc >/dev/null

# Sink without 8BITMIME; Postfix relays everything not ours to it, and its
# smtpd hides 8BITMIME from the gateway.
pf_sink_start "$T/sink" -8
PF_ALERTGW=$ALERTGW
PF_RELAYHOST=127.0.0.1:$SINK_PORT pf_start "$T/pf"
# csirt.example is Postfix's own relay domain: the officer's receipts go
# to the sink too.
echo "duty@csirt.example smtp:[127.0.0.1]:$SINK_PORT" >>"$PF_DIR/etc/transport"
postconf -c "$PF_DIR/etc" -e "smtpd_discard_ehlo_keywords = 8bitmime" \
    "disable_mime_output_conversion = no"
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
sleep 1
ehlo=$(python3 -c "import smtplib; s=smtplib.SMTP('127.0.0.1', $PF_PORT); print(s.ehlo()[1].decode()); s.quit()")
check "Postfix smtpd offers no 8BITMIME" bash -c "! grep -qi 8bitmime <<<'$ehlo'"
check "the sink offers no 8BITMIME" bash -c "! python3 -c \"import smtplib; s=smtplib.SMTP('127.0.0.1', $SINK_PORT); print(s.ehlo()[1].decode()); s.quit()\" | grep -qi 8bitmime"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$PF_PORT|" "$AGW_CONF"

# The alert: UTF-8, trailing white space, "From " at a line start.
{
    head -n 3 "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"
    printf 'Reporter: Zoë Ærøskøbing — naïve “résumé” checks   \n'
    printf 'From the logs: sshd[4242] accepted key for jsmith \t\n'
    printf 'Zeile mit Leerzeichen am Ende: Grüße  \n'
    tail -n +4 "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"
} >"$T/alert.txt"
SUBJECT="EGI-20260707-01: Zugangsdaten missbraucht (Zoë)"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/alert.txt" "$SUBJECT" >"$T/a1.eml"
agw submit --dist alerts "$T/a1.eml" >/dev/null
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/alert.txt" "UPDATE 1 $SUBJECT" >"$T/a2.eml"
agw submit --dist encd "$T/a2.eml" >/dev/null
eightbit() {    # messages stored with a byte over 127 (or NUL)
    python3 -c 'import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT message FROM copies")
print(sum(1 for (m,) in rows if any(b == 0 or b > 127 for b in bytes(m))))' "$DB"
}
check "the alert text has 8-bit bytes" bash -c "LC_ALL=C grep -q \$'\\xc3' '$T/alert.txt'"
check "every copy is 7-bit as stored (got $(eightbit) 8-bit)" test "$(eightbit)" = 0
agw queue run >"$T/run.out"
check "queue run: nothing deferred or failed ($(cat "$T/run.out"))" \
    grep -q ' 0 deferred, 0 failed' "$T/run.out"

# The control: a correctly signed message whose signed part is 8bit.
python3 - "$OFFICER_HOME" "$OFFICER_FPR" >"$T/control.eml" <<'PY'
import subprocess, sys
home, fpr = sys.argv[1:3]
ent = ("Content-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n"
       "Grüße, Zoë: 8-bit text as signed.\r\n").encode()
sig = subprocess.run(["gpg", "--homedir", home, "--batch", "--armor",
                      "--detach-sign", "-u", fpr], input=ent, check=True,
                     capture_output=True).stdout
b = b"ctl-boundary-1"
out = (b"From: duty@csirt.example\r\nTo: control@team-x.example\r\n"
       b"Subject: control\r\nMIME-Version: 1.0\r\n"
       b"Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
       b" protocol=\"application/pgp-signature\"; boundary=\"" + b + b"\"\r\n"
       b"\r\n--" + b + b"\r\n" + ent + b"\r\n--" + b + b"\r\n"
       b"Content-Type: application/pgp-signature\r\n\r\n" +
       sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") +
       b"\r\n--" + b + b"--\r\n")
sys.stdout.buffer.write(out)
PY
$PM split "$T/control.eml" "$T/control.data" "$T/control.sig"
check "control: verifies before the relay" gpg --homedir "$VERIFY_HOME" \
    --batch --quiet --verify "$T/control.sig" "$T/control.data"
swaks --server 127.0.0.1 --port "$PF_PORT" --from duty@csirt.example \
    --to control@team-x.example --data "@$T/control.eml" --silent 2 \
    >"$T/swaks.log" 2>&1

want=$(( $(q "SELECT count(DISTINCT copy_id) FROM outbox") + 1 ))
check "the sink has every message ($want)" pf_sink_wait "$want" 30
check "exactly $want transactions at the sink (got $(pf_sink_count))" \
    test "$(pf_sink_count)" = "$want"

# stored MSGID FILE: the signed message of that Message-ID as stored
stored() {
    q "SELECT writefile('$2', message) FROM copies WHERE message_id = '$1'
       AND CAST(message AS TEXT) LIKE '%multipart/signed%'" >/dev/null
}
nsigned=0 nenc=0
for f in "$T"/sink/msg.*; do
    n=${f##*/}
    sink_message "$f" >"$T/$n.eml"
    rcpts=$(grep '^X-Rcpt-Args:' "$f" | sed 's/.*<\(.*\)>.*/\1/' | sort | xargs)
    if grep -q '^To: control@' "$T/$n.eml"; then
        check "control: Postfix converted the 8bit part" grep -qi \
            '^Content-Transfer-Encoding: quoted-printable' "$T/$n.eml"
        $PM split "$T/$n.eml" "$T/$n.data" "$T/$n.sig"
        check "control: its signature no longer verifies" bash -c "! gpg \
            --homedir '$VERIFY_HOME' --batch --quiet --verify '$T/$n.sig' \
            '$T/$n.data' 2>/dev/null"
    elif grep -q 'multipart/encrypted' "$T/$n.eml"; then
        nenc=$((nenc+1))
        python3 -c "
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
sys.stdout.buffer.write(m.get_payload()[1].get_payload(decode=True))" \
            "$T/$n.eml" >"$T/$n.asc"
        # signed, then encrypted (RFC 3156 6.1): the plaintext is the
        # list copy's multipart/signed entity
        gpg --homedir "$KH" --batch --decrypt "$T/$n.asc" >"$T/$n.plain" 2>/dev/null || :
        $PM split "$T/$n.plain" "$T/$n.pdata" "$T/$n.psig" 2>/dev/null || :
        check "encrypted ($rcpts): decrypts, inner signature the gateway's" \
            bash -c "gpg --homedir '$KH' --batch --status-fd 1 --verify \
            '$T/$n.psig' '$T/$n.pdata' 2>/dev/null | grep -q 'VALIDSIG .* $GWFPR\$'"
    else
        nsigned=$((nsigned+1))
        $PM split "$T/$n.eml" "$T/$n.data" "$T/$n.sig"
        check "signed ($rcpts): gpg --verify" gpg --homedir "$VERIFY_HOME" \
            --batch --quiet --verify "$T/$n.sig" "$T/$n.data"
        check "signed ($rcpts): sqv" sqv --keyring "$T/gw.pgp" \
            "$T/$n.sig" "$T/$n.data"
        stored "$($PM header "$T/$n.eml" Message-ID)" "$T/$n.stored"
        $PM split "$T/$n.stored" "$T/$n.sdata" "$T/$n.ssig"
        check "signed ($rcpts): signed bytes as the gateway stored them" \
            cmp -s "$T/$n.data" "$T/$n.sdata"
    fi
done
# 3 list copies, the enc list's shared copy, the receipts of both alerts
check "list copies and receipts arrived signed ($nsigned)" test "$nsigned" = 6
check "one encrypted copy arrived" test "$nenc" = 1

# Text as recipients read it: the UTF-8 and the trailing spaces intact.
ngi=$(grep -l '^X-Rcpt-Args: <officer1@ngi-xx.example>' "$T"/sink/msg.*)
sink_message "$ngi" >"$T/ngi.eml"
$PM text "$T/ngi.eml" | tr -d '\r' >"$T/ngi.txt"
check "ngi: the UTF-8 line intact" grep -q 'Reporter: Zoë Ærøskøbing — naïve “résumé” checks   $' "$T/ngi.txt"
check "ngi: trailing tab kept" grep -qP 'accepted key for jsmith \t$' "$T/ngi.txt"
check "ngi: \"From \" line intact" grep -q '^From the logs:' "$T/ngi.txt"
check "ngi: quoted-printable on the wire" grep -q '=C3=AB' "$T/ngi.eml"
check "ngi: no 8-bit byte on the wire" bash -c "! LC_ALL=C grep -q '[^ -~[:cntrl:]]' '$T/ngi.eml'"
check "ngi: no line starts \"From \" on the wire" bash -c "! grep -q '^From ' '$T/ngi.eml'"
check "ngi: Subject decoded" test "$($PM header "$T/ngi.eml" Subject | grep -c 'Zoë')" = 1

if [ "$fails" -ne 0 ]; then
    echo "# maillog:"; sed 's/^/#   /' "$PF_DIR/maillog" | tail -30
    echo "$fails checks failed"; exit 1
fi
