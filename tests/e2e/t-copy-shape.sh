#!/bin/bash
# Issue 14: a copy keeps the alert's shape. A multipart/alternative body
# stays alternative (it became multipart/mixed, the HTML a sibling after
# the templated text), also inside a multipart/mixed with attachments;
# the HTML alternative carries the same TLP banner, sanitised-copy notice
# and footer as the text (an HTML-first reader saw an unlabelled copy),
# and is inline, not an attachment.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway

alt() {  # alt BOUNDARY: a text/plain + text/html alternative
    printf 'Content-Type: multipart/alternative; boundary="%s"\n\n' "$1"
    printf -- '--%s\nContent-Type: text/plain; charset=utf-8\n\n' "$1"
    printf 'EGI-20260707-71: wn01.grid.inst.example was entered.\n'
    printf -- '--%s\nContent-Type: text/html; charset=utf-8\n\n' "$1"
    printf '<html><head><title>x</title></head><body><p>EGI-20260707-71: '
    printf '<b>wn01.grid.inst.example</b> was entered.</p></body></html>\n'
    printf -- '--%s--\n' "$1"
}
sign() {  # sign NAME: $T/NAME.txt signed into $T/NAME.eml
    $PGPMIME sign-entity "$OFFICER_HOME" "$OFFICER_FPR" \
        "Duty Officer <duty@csirt.example>" "EGI-20260707-71 shape" \
        "$T/$1.txt" >"$T/$1.eml"
}
{ printf 'Subject: EGI-20260707-71 shape\n'; alt a1; } >"$T/plain-alt.txt"
{
printf 'Subject: EGI-20260707-71 shape\n'
printf 'Content-Type: multipart/mixed; boundary="m1"\n\n--m1\n'
alt a2
printf -- '--m1\nContent-Type: text/csv\n'
printf 'Content-Disposition: attachment; filename="hosts.csv"\n\nh,x\n'
printf -- '--m1--\n'
} >"$T/mixed-alt.txt"
sign plain-alt
sign mixed-alt

# tree FILE: the signed entity's tree, one line a node: depth, type,
# disposition; then LABEL/NOLABEL and LEAK lines for the HTML part
cat >"$T/tree.py" <<'PY'
import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
ent = m.get_payload()[0] if m.get_content_type() == 'multipart/signed' else m
def walk(p, d):
    print(d, p.get_content_type(), p.get_content_disposition() or '-')
    if p.is_multipart():
        for k in p.get_payload():
            walk(k, d + 1)
    elif p.get_content_type() == 'text/html':
        h = p.get_content()
        ok = all(w in h for w in ('TLP:AMBER', 'SANITISED COPY', 'distributed by'))
        print('LABEL' if ok else 'NOLABEL')
        if re.search(r'inst\.example', h):
            print('LEAK')
        if h.find('SANITISED COPY') > h.find('<body>') > 0 and \
           h.rfind('distributed by') < h.rfind('</body>'):
            print('INBODY')
walk(ent, 0)
PY
for n in plain-alt mixed-alt; do
    rc=0
    agw preview --list nren "$T/$n.eml" >"$T/$n.out" 2>"$T/$n.err" || rc=$?
    check "$n: preview exit 0 (got $rc: $(head -c 300 "$T/$n.err"))" test "$rc" = 0
    python3 "$T/tree.py" "$T/$n.out" >"$T/$n.tree"
done
check "plain-alt: the entity is multipart/alternative: $(head -1 "$T/plain-alt.tree")" \
    test "$(head -1 "$T/plain-alt.tree")" = "0 multipart/alternative -"
check "plain-alt: text then html, inline" \
    test "$(sed -n '2p;3p' "$T/plain-alt.tree" | tr '\n' '|')" = "1 text/plain -|1 text/html -|"
check "mixed-alt: mixed holding the alternative, then the attachment" \
    test "$(grep -v '[A-Z]$' "$T/mixed-alt.tree" | tr '\n' '|')" = \
    "0 multipart/mixed -|1 multipart/alternative -|2 text/plain -|2 text/html -|1 text/csv attachment|"
for n in plain-alt mixed-alt; do
    check "$n: the HTML alternative carries banner, notice and footer" grep -qx LABEL "$T/$n.tree"
    check "$n: inside its body element" grep -qx INBODY "$T/$n.tree"
    check "$n: and names no site" bash -c "! grep -qx LEAK '$T/$n.tree'"
done

# the whole list gets the full template's label on its HTML too
rc=0
agw preview --list ngi "$T/plain-alt.eml" >"$T/ngi.out" 2>&1 || rc=$?
check "ngi: preview exit 0 (got $rc)" test "$rc" = 0
check "ngi: alternative too" bash -c "python3 '$T/tree.py' '$T/ngi.out' | head -1 | grep -q 'multipart/alternative'"
agw_test_end
