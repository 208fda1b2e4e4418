#!/bin/bash
# Issue 14: an attached message (a forwarded phishing mail, a report from
# a site) keeps its identity in every copy. It was flattened: its header
# became a text/rfc822-headers attachment and its parts loose
# attachments of the alert. Now it stays message/rfc822 with its header
# fields anonymised (Received, From, To, an RFC 2047 Subject,
# Message-ID, X-Originating-IP), its own tree (alternative, related,
# mixed, a message inside it) and its parts' dispositions, file names
# and Content-IDs (anonymised like the cid: that names them), two levels
# deep; one nested deeper than COPY_MESSAGE_DEPTH_MAX (3) is dropped with
# a note. A message as the alert's only part is no body: the copy's body
# is the template's, the message follows. A site named in a form the
# anonymiser misses, inside an attached message's header or file name,
# is found by the independent detector (the alert is refused). Each copy
# is read back by Python's email package (shape.py): its tree, and every
# header value, text, file name and Content-ID searched for the victim.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
SHAPE="python3 $AGW_SOURCE_DIR/tests/e2e/shape.py tree"
VICTIM='inst\.example|192\.0\.2\.|EXAMPLE-T2|ExGrid|jo\.smith|wn0[0-9]'
# a site name in a form the anonymiser does not read (U+1E00 inside it,
# as t-anonymise-detector has it): only the detector can find it
ODD=$(printf 'EX\xe1\xb8\x80MPLE-T2')

# phish [SUBJECT-EXTRA] [FILE-NAME]: the phishing mail a user reported,
# as received at the victim site
phish() {
    printf 'Received: from wn01.grid.inst.example (wn01.grid.inst.example [192.0.2.45])\n'
    printf '\tby mx.inst.example (Postfix) with ESMTP id 4AB12\n'
    printf '\tfor <jo.smith@inst.example>; Mon, 06 Jul 2026 22:10:00 +0000\n'
    printf 'Return-Path: <bounce@evil.example>\n'
    printf 'From: "IT Service Desk" <helpdesk@evil.example>\n'
    printf 'To: Jo Smith <jo.smith@inst.example>\n'
    printf 'Subject: =?utf-8?q?Your_mailbox_on_mail=2Einst=2Eexample_is_full?=%s\n' "${1:-}"
    printf 'Message-ID: <20260706221000.AB12@wn01.grid.inst.example>\n'
    printf 'X-Originating-IP: [192.0.2.45]\n'
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="pm"\n\n--pm\n'
    printf 'Content-Type: multipart/alternative; boundary="pa"\n\n--pa\n'
    printf 'Content-Type: text/plain; charset=utf-8\n\n'
    printf 'Log in at https://evil.example/owa?u=jo.smith@inst.example\n--pa\n'
    printf 'Content-Type: multipart/related; boundary="pr"\n\n--pr\n'
    printf 'Content-Type: text/html; charset=utf-8\n\n'
    printf '<html><body><img src="cid:logo.77@wn01.grid.inst.example">'
    printf '<a href="https://evil.example/owa">log in</a></body></html>\n--pr\n'
    printf 'Content-Type: text/plain; charset=utf-8\n'
    printf 'Content-ID: <logo.77@wn01.grid.inst.example>\n'
    printf 'Content-Disposition: inline; filename="logo.txt"\n\nlogo\n--pr--\n'
    printf -- '--pa--\n--pm\nContent-Type: text/plain; charset=utf-8\n'
    printf 'Content-Disposition: attachment; filename="%s"\n\n' \
        "${2:-wn02.grid.inst.example.log}"
    printf 'login from 192.0.2.46\n--pm--\n'
}
# wrap TEXT: an alert whose body says TEXT, the message on stdin attached
wrap() {
    printf 'Subject: EGI-20260707-81 phishing\nMIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="w%s"\n\n--w%s\n' "$2" "$2"
    printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n--w%s\n' "$1" "$2"
    printf 'Content-Type: message/rfc822\n'
    printf 'Content-Disposition: attachment; filename="phish-wn01.grid.inst.example.eml"\n\n'
    cat
    printf -- '--w%s--\n' "$2"
}
phish | wrap 'Users at EXAMPLE-T2 got the mail attached.' 1 >"$T/fwd.eml"
phish | wrap 'A report from the site.' 2 | wrap 'Forwarded from EXAMPLE-T2.' 1 \
    >"$T/nested.eml"
phish | wrap l4 4 | wrap l3 3 | wrap l2 2 | wrap l1 1 >"$T/deep.eml"
{ printf 'Subject: EGI-20260707-81 only\nMIME-Version: 1.0\n'
  printf 'Content-Type: multipart/mixed; boundary="o"\n\n--o\n'
  printf 'Content-Type: message/rfc822\n\n'; phish; printf -- '--o--\n'; } >"$T/only.eml"

# tree NAME: shape.py over $T/NAME.out into $T/NAME.tree; its lines
# without file names and ids in $T/NAME.types
tree() {
    $SHAPE "$T/$1.out" "$VICTIM" >"$T/$1.tree"
    grep -v '|' "$T/$1.tree" | grep -v '^LEAK\|LABEL\|CIDREF' |
        sed -E 's/ (name|cid)=.*//' >"$T/$1.types"
}
an() {  # an NAME: anonymise $T/NAME.eml, exit status in $rc
    rc=0
    agw anonymise "$T/$1.eml" >"$T/$1.out" 2>"$T/$1.err" || rc=$?
    check "$1: anonymise exit 0 (got $rc: $(head -c 300 "$T/$1.err"))" test "$rc" = 0
    tree "$1"
    check "$1: no victim identifier anywhere ($(grep -m1 ^LEAK "$T/$1.tree"))" \
        bash -c "! grep -q '^LEAK' '$T/$1.tree'"
}
want() {  # want NAME LINES...: the tree's types, each line a node
    local got
    got=$(tr '\n' '/' <"$T/$1.types")
    shift
    check "shape: $*; got $got" test "$got" = "$(printf '%s/' "$@")"
}
# the phishing mail's own tree, at depth $1
inner() {
    local d=$1 i
    i=$(printf '%*s' $((2 * d)) '')
    printf '%s\n' "${i}multipart/mixed -" "${i}  multipart/alternative -" \
        "${i}    text/plain -" "${i}    multipart/related -" \
        "${i}      text/html -" "${i}      text/plain inline" \
        "${i}  text/plain attachment"
}

an fwd
mapfile -t IN < <(inner 2)
want fwd "multipart/mixed -" "  text/plain -" "  message/rfc822 attachment" "${IN[@]}"
check "fwd: Received anonymised, attacker kept" grep -q \
    '| Received: from host[0-9]*\.site[0-9]*\.invalid (host[0-9]*\.site[0-9]*\.invalid \[IP-[0-9]*\]) by host' "$T/fwd.tree"
check "fwd: RFC 2047 Subject decoded and anonymised" \
    grep -q '| Subject: Your mailbox on host[0-9]*\.site[0-9]*\.invalid is full' "$T/fwd.tree"
check "fwd: From kept" grep -q '| From: .*IT Service Desk.* <helpdesk@evil.example>' "$T/fwd.tree"
check "fwd: X-Originating-IP anonymised" grep -q '| X-Originating-IP: \[IP-[0-9]*\]' "$T/fwd.tree"
check "fwd: the message's file name anonymised" \
    grep -q 'message/rfc822 attachment name=host[0-9]*\.site[0-9]*\.invalid\.eml' "$T/fwd.tree"
check "fwd: the inner attachment's file name anonymised" \
    grep -q 'text/plain attachment name=host[0-9]*\.site[0-9]*\.invalid\.log' "$T/fwd.tree"
cid=$(sed -n 's/.* cid=\(<.*>\)$/\1/p' "$T/fwd.tree")
check "fwd: the Content-ID anonymised ($cid)" bash -c "[[ '$cid' == *.invalid'>' ]]"
check "fwd: the HTML's cid: reference names it" grep -qF "CIDREF $cid" "$T/fwd.tree"

an nested
mapfile -t IN < <(inner 4)
want nested "multipart/mixed -" "  text/plain -" "  message/rfc822 attachment" \
    "    multipart/mixed -" "      text/plain -" "      message/rfc822 attachment" "${IN[@]}"
check "nested: both levels' headers anonymised" test \
    "$(grep -c '| Subject: EGI-20260707-81 phishing\|| Subject: Your mailbox on host' "$T/nested.tree")" = 2

an deep
check "deep: three levels of attached messages kept" \
    test "$(grep -c 'message/rfc822' "$T/deep.types")" = 3
tr -d '\r' <"$T/deep.out" | sed -e :a -e '/=$/{N;s/=\n//;ba}' >"$T/deep.flat"
check "deep: the fourth dropped with a note" grep -q \
    'an attached message inside more attached messages than a copy rebuilds' "$T/deep.flat"

an only
mapfile -t IN < <(inner 2)
want only "multipart/mixed -" "  text/plain -" "  message/rfc822 -" "${IN[@]}"
check "only: the phishing text is not the body" bash -c \
    "! sed -n '/^--/,\$p' '$T/only.out' | head -8 | grep -q 'Log in at'"

# the independent detector sees an attached message's header and file
# names: a site in a form the anonymiser does not replace holds the alert
phish " $ODD" | wrap x 2 | wrap y 1 >"$T/odd-subject.eml"
phish '' "$ODD.log" | wrap x 1 >"$T/odd-name.eml"
for n in odd-subject odd-name; do
    rc=0
    agw anonymise "$T/$n.eml" >"$T/$n.out" 2>"$T/$n.err" || rc=$?
    check "$n: refused, exit 65 (got $rc: $(head -c 300 "$T/$n.err"))" test "$rc" = 65
    check "$n: the detector names the site" grep -q 'leak: site EXAMPLE-T2' "$T/$n.err"
    check "$n: nothing printed" test ! -s "$T/$n.out"
done

# through the pipeline: a signed alert, submitted, copies written by the
# worker; the whole list's copy keeps the message as it was
$PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" \
    "Duty Officer <duty@csirt.example>" "EGI-20260707-81 phishing" \
    "$T/fwd.eml" >"$T/signed.eml"
rc=0
agw submit --dist alerts "$T/signed.eml" >"$T/submit.out" 2>&1 || rc=$?
check "submit: exit 0 (got $rc: $(head -c 300 "$T/submit.out"))" test "$rc" = 0
agw queue run >/dev/null 2>&1 || true
cp "$(ls "$T/gw/out"/nren-*.eml | head -1)" "$T/nren.out" 2>/dev/null
cp "$(ls "$T/gw/out"/ngi-*.eml | head -1)" "$T/ngi.out" 2>/dev/null
tree nren
check "nren: no victim identifier anywhere ($(grep -m1 ^LEAK "$T/nren.tree"))" \
    bash -c "[ -s '$T/nren.tree' ] && ! grep -q '^LEAK' '$T/nren.tree'"
mapfile -t IN < <(inner 2)
want nren "multipart/mixed -" "  text/plain -" "  message/rfc822 attachment" "${IN[@]}"
$SHAPE "$T/ngi.out" >"$T/ngi.tree"
check "ngi: the message kept as it was" grep -q \
    '| Received: from wn01.grid.inst.example (wn01.grid.inst.example \[192.0.2.45\]) by mx.inst.example' "$T/ngi.tree"
check "ngi: its Content-ID too" grep -q 'cid=<logo.77@wn01.grid.inst.example>' "$T/ngi.tree"
agw_test_end
