#!/bin/bash
# Issue 14: every textual part of an alert is anonymised and kept on an
# anonymised list: text/csv (an IoC list, dropped before by the default
# "drop"), application/json (copied verbatim and unchecked before with
# "keep"), application/octet-stream named *.log whose bytes are text, an
# attached message (dropped before; then its header as a text part and
# its body flattened; now kept as message/rfc822, its header fields
# anonymised). A
# binary part is dropped with a note, even with "keep", unless the
# detector can read its bytes; "refuse" holds the alert.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway

b64() { printf '%s' "$1" | base64 -w 76; }
{
printf 'Subject: EGI-20260707-61 parts\n'
printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
printf -- '--b1\nContent-Type: text/plain; charset=utf-8\n\n'
printf 'EGI-20260707-61: wn01.grid.inst.example was entered, see the files.\n'
printf -- '--b1\nContent-Type: text/csv; charset=utf-8\n'
printf 'Content-Disposition: attachment; filename="hosts.csv"\n\n'
printf 'host,address\nwn02.grid.inst.example,192.0.2.46\nevil.example,203.0.113.9\n'
printf -- '--b1\nContent-Type: application/json\n'
printf 'Content-Disposition: attachment; filename="ioc.json"\n\n'
printf '{"victim": "wn03.grid.inst.example", "c2": "203.0.113.9"}\n'
printf -- '--b1\nContent-Type: application/octet-stream\n'
printf 'Content-Disposition: attachment; filename="auth.log"\n'
printf 'Content-Transfer-Encoding: base64\n\n'
b64 'May 11 03:14:07 sshd[1]: Accepted publickey from 192.0.2.47'; echo
printf -- '--b1\nContent-Type: application/octet-stream\n'
printf 'Content-Disposition: attachment; filename="dump.bin"\n'
printf 'Content-Transfer-Encoding: base64\n\n'
printf '\000\001\002wn04.grid.inst.example\377' | base64 -w 76; echo
printf -- '--b1\nContent-Type: message/rfc822\n\n'
printf 'Received: from wn05.grid.inst.example (192.0.2.48) by mx.example\n'
printf 'From: Jo Smith <jo.smith@inst.example>\n'
printf 'Subject: =?utf-8?q?your_account_on_wn05=2Egrid=2Einst=2Eexample?=\n\n'
printf 'Phishing body naming wn05.grid.inst.example.\n'
printf -- '--b1--\n'
} >"$T/entity.txt"
$PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" \
    "Duty Officer <duty@csirt.example>" "EGI-20260707-61 parts" \
    "$T/entity.txt" >"$T/alert.eml"

# parts FILE: one line a part of the copy: TYPE NAME, then the decoded
# text; "LEAK" on a line of its own when a victim identifier is in it
cat >"$T/parts.py" <<'PY'
import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
victim = re.compile(r'inst\.example|192\.0\.2\.4[5-9]|EXAMPLE-T2', re.I)
for p in m.walk():
    if p.get_content_type() == 'message/rfc822':
        print('PART message/rfc822', p.get_filename() or '-')
        inner = p.get_payload()[0]
        for k, v in inner.items():
            print('HDR %s: %s' % (k, ' '.join(str(v).split())))
            if victim.search(str(v)):
                print('LEAK')
        continue
    if p.is_multipart():
        continue
    print('PART', p.get_content_type(), p.get_filename() or '-')
    body = p.get_payload(decode=True) or b''
    t = body.decode('utf-8', 'replace')
    print(t)
    if victim.search(t) or victim.search(p.get_filename() or ''):
        print('LEAK')
PY
copy() {  # copy NAME: preview the nren copy, its parts in $T/NAME.parts
    rc=0
    agw preview --list nren "$T/alert.eml" >"$T/$1.eml" 2>"$T/$1.err" || rc=$?
    check "$1: preview exit 0 (got $rc: $(head -c 300 "$T/$1.err"))" test "$rc" = 0
    python3 "$T/parts.py" "$T/$1.eml" >"$T/$1.parts"
    check "$1: no victim identifier in any part" bash -c "! grep -qx LEAK '$T/$1.parts'"
}
has() { grep -q "$2" "$T/$1.parts"; }

copy drop
check "drop: hosts.csv kept as text/csv" has drop 'PART text/csv hosts.csv'
check "drop: its victim host anonymised" has drop 'host[0-9]*\.site[0-9]*\.invalid,\[IP-'
check "drop: the attacker's address in it kept" has drop 'evil.example,203.0.113.9'
check "drop: ioc.json kept as application/json" has drop 'PART application/json ioc.json'
check "drop: auth.log (octet-stream, text bytes) kept, as text/plain" has drop "PART text/plain auth.log"
check "drop: auth.log anonymised" has drop 'Accepted publickey from \[IP-'
check "drop: the attached message kept as message/rfc822" \
    has drop 'PART message/rfc822'
check "drop: its Received line anonymised" \
    has drop '^HDR Received: from host[0-9]*\.site[0-9]*\.invalid (\[IP-[0-9]*\]) by mx.example'
check "drop: its encoded Subject decoded and anonymised" \
    has drop '^HDR Subject: your account on host[0-9]*\.site[0-9]*\.invalid'
check "drop: its From kept, anonymised" \
    has drop '^HDR From: Jo Smith <user[0-9]*@site[0-9]*\.invalid>'
check "drop: its body kept, anonymised" has drop 'Phishing body naming host[0-9]*\.site'
check "drop: dump.bin dropped" bash -c "! grep -q 'PART .* dump.bin' '$T/drop.parts'"
check "drop: with a note" has drop 'attachment "dump.bin".*dropped'

agw lists edit nren --attachments keep >/dev/null
copy keep
check "keep: ioc.json anonymised, not verbatim" has keep '"victim": "host[0-9]*\.site[0-9]*\.invalid"'
check "keep: hosts.csv kept" has keep 'PART text/csv hosts.csv'
check "keep: dump.bin (bytes the detector cannot read) still dropped" \
    bash -c "! grep -q 'PART .* dump.bin' '$T/keep.parts'"
check "keep: with a note" has keep 'attachment "dump.bin".*dropped'

agw lists edit nren --attachments refuse >/dev/null
rc=0
agw preview --list nren "$T/alert.eml" >/dev/null 2>"$T/refuse.err" || rc=$?
check "refuse: preview fails (got $rc)" test "$rc" != 0
check "refuse: names the binary part" grep -q 'dump.bin' "$T/refuse.err"
check "refuse: not for the textual parts" bash -c "! grep -q 'hosts.csv\|ioc.json\|auth.log' '$T/refuse.err'"
agw_test_end
