#!/bin/bash
# Per-recipient encryption by list policy (lists.encrypt): an if-key list
# encrypts to each recipient whose pinned key can receive and sends the
# shared signed copy to the rest; an always list sends a keyless recipient
# only a signed notice that the alert was withheld. Each encrypted copy
# decrypts with its recipient's own key to the list copy's signed part
# (RFC 3156 6.1: signed, then encrypted; one signature per list copy),
# whose signature is the gateway's.
# Held alerts keep all this through release; no agent means retry.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
PM="python3 $AGW_SOURCE_DIR/tests/e2e/pgpmime.py"
OUT=$T/gw/out
GWFPR=$(q "SELECT value FROM settings WHERE key='signing_key'")
agw_export_gateway_key "$GWFPR" >"$T/gw.pgp"

# A recipient: own GnuPG home, ed25519 signing primary, and (unless
# "signonly") a cv25519 encryption subkey; the gateway's key imported to
# check inner signatures. Sets HOME_<name> and FPR_<name>.
recipient() {   # recipient NAME ADDR [signonly]
    local h f
    h=$(agw_gnupg_home)
    f=$(agw_key "$h" "$1 <$2>")
    [ "${3:-}" = signonly ] ||
        gpg --homedir "$h" --batch --quiet --pinentry-mode loopback \
            --passphrase '' --quick-add-key "$f" cv25519 encr never 2>/dev/null
    gpg --homedir "$h" --batch --quiet --import "$T/gw.pgp" >/dev/null 2>&1
    gpg --homedir "$h" --armor --export "$f" >"$T/$1.asc"
    eval "HOME_$1=$h FPR_$1=$f"
    agw contacts add "$2" >/dev/null
    agw keys import "$T/$1.asc" --contact "$2" >/dev/null
}
recipient alice alice@team-a.example
recipient carol carol@team-c.example signonly
recipient erin erin@team-e.example
agw contacts add bob@team-b.example >/dev/null
agw contacts add dave@team-d.example >/dev/null
# pinned, but the gateway's keyring does not hold it
agw contacts add gus@team-g.example \
    --fingerprint 0123456789ABCDEF0123456789ABCDEF01234567 >/dev/null

agw lists add ifk --address ifk@csirt.example --encrypt if-key >/dev/null
agw lists add alw --address alw@csirt.example --anonymise no \
    --encrypt always >/dev/null
for m in ifk:alice@team-a.example ifk:bob@team-b.example \
         ifk:carol@team-c.example ifk:gus@team-g.example \
         alw:erin@team-e.example alw:dave@team-d.example; do
    agw lists add-member "${m%%:*}" "${m#*:}"
done
agw dists add enc --address enc@csirt.example --lists ifk,alw >/dev/null

# file_for ADDR: the latest message delivered to ADDR (dir: names end in
# the outbox row id)
file_for() {
    local r
    r=$(grep -lx "$1" "$OUT"/*.rcpt | awk -F'[-.]' '{ print $(NF-1), $0 }' |
        sort -n | tail -n 1 | cut -d' ' -f2)
    echo "${r%.rcpt}.eml"
}
# verify_signed FILE TAG: gpg and sqv over the exact signed bytes
verify_signed() {
    $PM split "$1" "$T/$2.data" "$T/$2.sig" &&
    gpg --homedir "$HOME_alice" --batch --quiet --verify "$T/$2.sig" \
        "$T/$2.data" 2>/dev/null &&
    sqv --keyring "$T/gw.pgp" "$T/$2.sig" "$T/$2.data" >/dev/null
}
# inner_ok PLAIN TAG: PLAIN (a decrypted copy) is multipart/signed and
# its signature is the gateway's, by gpg and sqv
inner_ok() {
    $PM split "$1" "$T/$2.data" "$T/$2.sig" &&
    gpg --homedir "$HOME_alice" --batch --status-fd 1 --verify "$T/$2.sig" \
        "$T/$2.data" 2>/dev/null | grep -q "VALIDSIG .* $GWFPR\$" &&
    sqv --keyring "$T/gw.pgp" "$T/$2.sig" "$T/$2.data" >/dev/null
}
# signed_part FILE: the multipart/signed entity of a list copy, from its
# Content-Type field to the end (what the encrypted copies carry)
signed_part() {
    python3 -c '
import sys
m = open(sys.argv[1], "rb").read()
eoh = m.index(b"\r\n\r\n")
at = m.index(b"\r\nContent-Type: multipart/signed;", 0, eoh + 2) + 2
sys.stdout.buffer.write(m[at:])' "$1"
}
# decrypt HOME FILE OUT: gpg --decrypt the second MIME part; status to OUT.st
decrypt() {
    python3 - "$2" >"$3.asc" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
assert m.get_content_type() == "multipart/encrypted", m.get_content_type()
assert m.get_param("protocol") == "application/pgp-encrypted"
p = m.get_payload()
assert len(p) == 2 and p[0].get_content_type() == "application/pgp-encrypted"
assert b"Version: 1" in p[0].get_payload(decode=True)
sys.stdout.buffer.write(p[1].get_payload(decode=True))
PY
    gpg --homedir "$1" --batch --status-fd 3 --decrypt "$3.asc" \
        >"$3" 2>/dev/null 3>"$3.st"
}

SUBJECT="EGI-20260707-01: Compromised credentials used on EXAMPLE-T2"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "$SUBJECT" >"$T/a1.eml"
agw submit --dist enc "$T/a1.eml" >"$T/out1"
agw queue run >/dev/null

# if-key: alice encrypted; bob (no key), carol (no encryption subkey) and
# gus (key not in the keyring) share the one signed copy.
fa=$(file_for alice@team-a.example)
check "alice: one message of her own" test "$(grep -c . "${fa%.eml}.rcpt")" = 2
check "alice: multipart/encrypted, RFC 3156" grep -q 'protocol="application/pgp-encrypted"' "$fa"
check "alice: decrypts with her key" decrypt "$HOME_alice" "$fa" "$T/alice.plain"
check "alice: no signature inside the encryption (signed, then encrypted)" bash -c "! grep -q 'GOODSIG\|VALIDSIG' '$T/alice.plain.st'"
check "alice: inside, a signed entity by the gateway (gpg, sqv)" inner_ok "$T/alice.plain" alice
check "alice: encrypted to one key only" test "$(grep -c '^\[GNUPG:\] ENC_TO' "$T/alice.plain.st")" = 1
fp=$(file_for bob@team-b.example)
check "bob, carol, gus: one shared copy" test "$(tail -n +2 "${fp%.eml}.rcpt" | sort | tr '\n' ' ')" = "bob@team-b.example carol@team-c.example gus@team-g.example "
check "shared copy: gpg and sqv verify" verify_signed "$fp" ifk
check "alice's signed data is exactly the entity the list copy signs" cmp -s "$T/alice.data" "$T/ifk.data"
signed_part "$fp" >"$T/ifk.part"
check "alice's plaintext is the list copy's signed part, signature and all" cmp -s "$T/alice.plain" "$T/ifk.part"
check "alice's plaintext has protected headers" grep -q '^Subject: .*EGI-20260707-01' "$T/alice.plain"
check "alice's outer Subject is neutral" test "$($PM header "$fa" Subject)" = "[TLP:AMBER] Encrypted alert EGI-20260707-01"
check "alice's outer Message-ID is the list copy's" test "$($PM header "$fa" Message-ID)" = "$($PM header "$fp" Message-ID)"
check "alice's message has no alert text in clear" bash -c "! grep -qiE 'attacker|credentials|203\\.0\\.113\\.9' '$fa'"
check "erin cannot decrypt alice's copy" bash -c "! gpg --homedir '$HOME_erin' --batch --decrypt '$T/alice.plain.asc' >/dev/null 2>&1"

# always: erin encrypted, dave only a signed notice, nobody the plain copy.
fe=$(file_for erin@team-e.example)
check "erin: decrypts with her key" decrypt "$HOME_erin" "$fe" "$T/erin.plain"
check "erin: inside, a signed entity by the gateway (gpg, sqv)" inner_ok "$T/erin.plain" erin
check "erin: the whole (not anonymised) alert inside" grep -q 'EXAMPLE-T2' "$T/erin.plain"
check "erin: no site name outside" bash -c "! grep -q 'EXAMPLE-T2' '$fe'"
fd=$(file_for dave@team-d.example)
check "dave: a signed notice" verify_signed "$fd" dave
$PM text "$fd" >"$T/dave.txt"
$PM header "$fd" Subject >>"$T/dave.txt"
check "dave: notice says withheld and why" grep -q 'no OpenPGP key is on file for your address' "$T/dave.txt"
check "dave: notice names the alert id" grep -q 'EGI-20260707-01' "$T/dave.txt"
check "dave: no alert content in the notice" bash -c "! grep -qiE 'attacker|credentials|EXAMPLE-T2|203\\.0\\.113|CVE-2024' '$T/dave.txt' '$fd'"
check "dave: only the notice" test "$(grep -lx dave@team-d.example "$OUT"/*.rcpt | wc -l)" = 1
check "always list: the plain copy went to nobody" test "$(q "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN lists l ON l.id=c.list_id WHERE l.name='alw' AND c.kind='copy' AND instr(c.message, 'multipart/signed') > 0")" = 0
check "audit names each recipient's own copy" test "$(q "SELECT group_concat(event || ':' || rcpt, ' ') FROM (SELECT event, rcpt FROM audit WHERE event LIKE 'copy-%' ORDER BY rcpt)")" = "copy-encrypted:alice@team-a.example copy-withheld:dave@team-d.example copy-encrypted:erin@team-e.example"
RC=$(q "SELECT max(id) FROM copies WHERE kind='receipt'")
python3 "$AGW_SOURCE_DIR/tests/e2e/lifecycle.py" text "$DB" "$RC" >"$T/receipt"
check "receipt: alw 1 encrypted, 1 withheld" grep -qE '^  alw +queued: 1 signed copy for 1 recipients; 1 encrypted to their own keys; 1 withheld' "$T/receipt"
check "receipt: ifk 1 encrypted, 3 plain" grep -qE '^  ifk +queued: 1 signed copy for 4 recipients; 1 of them encrypted to their own keys, 3 without' "$T/receipt"

# An update threads under the list copy: alice's encrypted copy had its id.
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "UPDATE 1 $SUBJECT" >"$T/a2.eml"
agw submit --dist enc "$T/a2.eml" >/dev/null
agw queue run >/dev/null
fa2=$(file_for alice@team-a.example)
check "update: a second message for alice" test "$fa2" != "$fa"
check "update: alice's In-Reply-To is the first copy's id" test "$($PM header "$fa2" In-Reply-To)" = "$($PM header "$fa" Message-ID)"
check "update: References not doubled" test "$($PM header "$fa2" References)" = "$($PM header "$fa" Message-ID)"

# Release: held alerts keep every form; nothing goes before the release.
agw dists policy enc --require-release yes >/dev/null
# A body of its own: identical bodies signed in one second give the
# same (deterministic Ed25519) signature, which is a replay.
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "EGI-20260707-02"; } >"$T/b.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/b.txt" "EGI-20260707-02: held" >"$T/a3.eml"
agw submit --dist enc "$T/a3.eml" >/dev/null
held() { q "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='EGI-20260707-02' AND c.kind IN ('copy','notice')"; }
check "held: nothing queued" test "$(held)" = 0
agw release EGI-20260707-02 >/dev/null
check "release: 3 shared + 2 encrypted + 1 notice queued (got $(held))" test "$(held)" = 6
agw queue run >/dev/null
fa3=$(file_for alice@team-a.example)
check "release: alice's copy decrypts" decrypt "$HOME_alice" "$fa3" "$T/alice3.plain"
check "release: it is the held alert" grep -q 'EGI-20260707-02' "$T/alice3.plain"
check "release: dave gets the notice" grep -q 'EGI-20260707-02' <($PM text "$(file_for dave@team-d.example)")
check "release: bob the shared copy" grep -q 'multipart/signed' "$(file_for bob@team-b.example)"
check "release: alice not also the shared copy" test "$(grep -lx alice@team-a.example "$OUT"/*.rcpt | wc -l)" = 3
agw dists policy enc --require-release no >/dev/null

# No agent: nothing made, nothing queued, the alert stays new.
gpgconf --homedir "$GW_HOME" --kill gpg-agent
cp "$GW_HOME/gpg.conf" "$T/gpg.conf.saved" 2>/dev/null || : >"$T/gpg.conf.saved"
echo "agent-program /bin/false" >>"$GW_HOME/gpg.conf"
before=$(q "SELECT count(*) FROM outbox")
# A body of its own: identical bodies signed in one second give the
# same (deterministic Ed25519) signature, which is a replay.
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "EGI-20260707-03"; } >"$T/c.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/c.txt" "EGI-20260707-03: agent" >"$T/a4.eml"
set +e; agw submit --dist enc "$T/a4.eml" >/dev/null 2>&1; rc=$?; set -e
check "no agent: exit 75 (got $rc)" test "$rc" = 75
check "no agent: alert stays new" test "$(q "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")" = new
check "no agent: nothing queued" test "$(q "SELECT count(*) FROM outbox")" = "$before"
cp "$T/gpg.conf.saved" "$GW_HOME/gpg.conf"
sed -i '/^\[gateway\]/a time_budget = 1' "$AGW_CONF"
last_state() { q "SELECT state FROM alerts ORDER BY id DESC LIMIT 1"; }
for _ in 1 2 3 4 5 6 7 8 9 10; do   # a restarted agent may need a moment
    agw queue run >"$T/run.out" 2>&1 || true
    [ "$(last_state)" = new ] || break
    sleep 1
done
check "agent back: the alert is queued ($(last_state) $(q "SELECT reason FROM alerts ORDER BY id DESC LIMIT 1"); $(tail -1 "$T/run.out"))" \
    test "$(last_state)" = queued

# A never list is untouched: one signed copy per list, to every member.
# A body of its own: identical bodies signed in one second give the
# same (deterministic Ed25519) signature, which is a replay.
{ cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "EGI-20260707-04"; } >"$T/d.txt"
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/d.txt" "EGI-20260707-04: never" >"$T/a5.eml"
agw submit --dist alerts "$T/a5.eml" >/dev/null
never() { q "SELECT $1 FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='EGI-20260707-04' AND c.kind='copy'"; }
check "never lists: 3 copies to 7 recipients" test "$(never "count(DISTINCT c.id) || '/' || count(*)")" = 3/7
check "never lists: no own-copy audit" test "$(q "SELECT count(*) FROM audit a JOIN alerts x ON x.id = a.alert_row WHERE x.alert_id = 'EGI-20260707-04' AND a.event LIKE 'copy-%'")" = 0

agw_test_end
