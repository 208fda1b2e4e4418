#!/bin/bash
# Issue 14: the three forms the leak detector held until the anonymiser
# learned them - letters outside the BMP (mathematical bold), an IPv4
# address with blanks around its dots, IPv6 written with '-' (an
# ipv6-literal.net name) - in the Subject, the text, URLs, an HTML part,
# a text/csv attachment and attachment file names (RFC 2231 and quoted):
# `alertgw anonymise` (which runs the independent detector over what it
# built) exits 0, none of the forms is left, each is the placeholder of
# its plain form. The same forms for an attacker (outside every site
# network, not a site name) stay as written.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
S=$AGW_SOURCE_DIR/tests/data/sites-sample.txt
printf '[anonymise]\nrules_dir = %s\n' "$AGW_SOURCE_DIR/rules" >"$T/c.conf"

python3 - "$T/in.eml" <<'PY'
import sys, urllib.parse
from email.header import Header

def bold(s):
    return ''.join(chr(0x1D400 + ord(c) - 65) if 'A' <= c <= 'Z' else c
                   for c in s)

EX = bold('EX') + 'AMPLE-T2'
V6 = '2001-db8-77--1.ipv6-literal.net'
subj = Header(f'{EX} at 192 . 0 . 2 . 45, {V6}', 'utf-8').encode()
fn = urllib.parse.quote(f'{EX}-{V6}.csv'.encode())
msg = f"""From: duty@csirt.example
Subject: {subj}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="agw-forms-b1"

--agw-forms-b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Body: {EX} at 192 .0. 2 .45 and {V6}
URL: http://wn01.grid.{bold('I')}nst.example/x http://{V6}/ http://198 . 51 . 100 . 7/
Attacker: 203 . 0 . 113 . 9 and 2001-db8-99--1.ipv6-literal.net and {bold('EVIL')}-T2
--agw-forms-b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>{EX} at 192 . 0 . 2 . 45 and <a href="http://{V6}/">{V6}</a></p></body></html>
--agw-forms-b1
Content-Type: text/csv; charset=utf-8
Content-Transfer-Encoding: 8bit
Content-Disposition: attachment; filename*=utf-8''{fn}

host,address
{EX},192    .    0 . 2 . 45
node,2001-db8-77--1s4.ipv6-literal.net
attacker,203 . 0 . 113 . 9
--agw-forms-b1
Content-Type: text/csv; charset=utf-8
Content-Disposition: attachment; filename="scan 192 . 0 . 2 . 45.csv"

a,b
--agw-forms-b1--
"""
open(sys.argv[1], 'w', encoding='utf-8').write(msg)
PY

rc=0
"$ALERTGW" -c "$T/c.conf" anonymise --sites "$S" "$T/in.eml" >"$T/out" \
    2>"$T/err" || rc=$?
check "exit 0, the detector passes the copy (got $rc: $(cat "$T/err"))" \
    test "$rc" = 0

# the copy decoded: Subject, file names, every part's text
python3 - "$T/out" >"$T/dec" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'),
                                   policy=email.policy.default)
print('Subject:', m['subject'])
for p in m.walk():
    if p.is_multipart():
        continue
    if p.get_filename():
        print('File:', p.get_filename())
    c = p.get_content()
    print(c if c.endswith('\n') else c + '\n', end='')
PY
check "copy decoded" test -s "$T/dec"

for lit in 'EXAMPLE' $'\xf0\x9d\x90\x84\xf0\x9d\x90\x97' '192 . 0' '192 .0.' '192    .' \
    '2001-db8-77' '198 . 51'; do
    check "no '$lit' left" bash -c "! grep -qF -- '$lit' '$T/dec'"
done
chk() { check "$1" grep -qxF -- "$2" "$T/dec"; }
chk "Subject" 'Subject: [SITE-1] at [IP-1], [IP-2].ipv6-literal.net'
chk "text" 'Body: [SITE-1] at [IP-1] and [IP-2].ipv6-literal.net'
chk "URLs" 'URL: http://host1.site1.invalid/x http://[IP-2].ipv6-literal.net/ http://[IP-3]/'
chk "HTML part" '<html><body><p>[SITE-1] at [IP-1] and <a href="http://[IP-2].ipv6-literal.net/">[IP-2].ipv6-literal.net</a></p></body></html>'
chk "CSV: name and spaced address" '[SITE-1],[IP-1]'
chk "CSV: zone with the address" 'node,[IP-2].ipv6-literal.net'
chk "file name (RFC 2231)" 'File: [SITE-1]-[IP-2].ipv6-literal.net.csv'
chk "file name (quoted)" 'File: scan [IP-1].csv'
# an attacker's indicators written the same way stay as written
chk "attacker forms stay" "Attacker: 203 . 0 . 113 . 9 and 2001-db8-99--1.ipv6-literal.net and $(printf '\xf0\x9d\x90\x84\xf0\x9d\x90\x95\xf0\x9d\x90\x88\xf0\x9d\x90\x8b')-T2"
chk "attacker in the CSV stays" 'attacker,203 . 0 . 113 . 9'
agw_test_end
