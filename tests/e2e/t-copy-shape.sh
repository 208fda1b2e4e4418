#!/bin/bash
# Issue 14: a copy keeps the alert's shape. A multipart/alternative body
# stays alternative (it became multipart/mixed, the HTML a sibling after
# the templated text), also inside a multipart/mixed with attachments;
# the HTML alternative carries the same TLP banner, sanitised-copy notice
# and footer as the text (an HTML-first reader saw an unlabelled copy),
# and is inline, not an attachment. The rest of the tree stays as it was
# (it was flattened into attachments): a multipart/related (HTML and its
# cid: images), Apple Mail's alternative whose HTML side is a
# multipart/mixed, a multipart/mixed inside the body, dispositions.
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
# alternative(text, related(HTML naming its image by cid:, the image))
{
printf 'Subject: EGI-20260707-71 shape\n'
printf 'Content-Type: multipart/alternative; boundary="a3"\n\n--a3\n'
printf 'Content-Type: text/plain; charset=utf-8\n\n'
printf 'EGI-20260707-71: wn01.grid.inst.example was entered.\n--a3\n'
printf 'Content-Type: multipart/related; boundary="r3"\n\n--r3\n'
printf 'Content-Type: text/html; charset=utf-8\n\n'
printf '<html><body><p>EGI-20260707-71: <b>wn01.grid.inst.example</b> was '
printf 'entered.</p><img src="cid:graph.1@wn01.grid.inst.example"></body></html>\n'
printf -- '--r3\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n'
printf 'Content-ID: <graph.1@wn01.grid.inst.example>\n'
printf 'Content-Disposition: inline; filename="graph.png"\n\n'
printf 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n'
printf -- '--r3--\n--a3--\n'
} >"$T/related.txt"
# Apple Mail: alternative(text, mixed(HTML, attachment, HTML))
{
printf 'Subject: EGI-20260707-71 shape\n'
printf 'Content-Type: multipart/alternative; boundary="a4"\n\n--a4\n'
printf 'Content-Type: text/plain; charset=utf-8\n\n'
printf 'EGI-20260707-71: wn01.grid.inst.example was entered.\n--a4\n'
printf 'Content-Type: multipart/mixed; boundary="m4"\n\n--m4\n'
printf 'Content-Type: text/html; charset=utf-8\n\n<html><body><p>'
printf 'EGI-20260707-71: wn01.grid.inst.example was entered.</p></body></html>\n'
printf -- '--m4\nContent-Type: text/csv\n'
printf 'Content-Disposition: attachment; filename="hosts.csv"\n\nwn01.grid.inst.example\n'
printf -- '--m4\nContent-Type: text/html; charset=utf-8\n\n'
printf '<html><body><p>Regards</p></body></html>\n--m4--\n--a4--\n'
} >"$T/mixed-in-alt.txt"
# mixed(mixed(text, inline CSV), attached notes): nesting, dispositions
{
printf 'Subject: EGI-20260707-71 shape\n'
printf 'Content-Type: multipart/mixed; boundary="m5"\n\n--m5\n'
printf 'Content-Type: multipart/mixed; boundary="m6"\n\n--m6\n'
printf 'Content-Type: text/plain; charset=utf-8\n\n'
printf 'EGI-20260707-71: wn01.grid.inst.example was entered.\n--m6\n'
printf 'Content-Type: text/csv\nContent-Disposition: inline; filename="hosts.csv"\n\n'
printf 'wn01.grid.inst.example\n--m6--\n--m5\nContent-Type: text/plain\n'
printf 'Content-Disposition: attachment; filename="notes.txt"\n\nwn02.grid.inst.example\n'
printf -- '--m5--\n'
} >"$T/nested-mixed.txt"
for n in plain-alt mixed-alt related mixed-in-alt nested-mixed; do
    sign $n
done

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
for n in plain-alt mixed-alt related mixed-in-alt nested-mixed; do
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

check "related: the related part kept in the alternative, its image dropped" \
    test "$(grep -v '[A-Z]$' "$T/related.tree" | tr '\n' '|')" = \
    "0 multipart/alternative -|1 text/plain -|1 multipart/related -|2 text/html -|"
check "mixed-in-alt: Apple's mixed HTML kept as the alternative" \
    test "$(grep -v '[A-Z]$' "$T/mixed-in-alt.tree" | tr '\n' '|')" = \
    "0 multipart/alternative -|1 text/plain -|1 multipart/mixed -|2 text/html -|2 text/csv attachment|2 text/html -|"
check "mixed-in-alt: both HTML pieces labelled" \
    test "$(grep -cx LABEL "$T/mixed-in-alt.tree")" = 2
check "nested-mixed: nesting and inline/attachment kept" \
    test "$(grep -v '[A-Z]$' "$T/nested-mixed.tree" | tr '\n' '|')" = \
    "0 multipart/mixed -|1 multipart/mixed -|2 text/plain -|2 text/csv inline|1 text/plain attachment|"
for n in related mixed-in-alt nested-mixed; do
    check "$n: names no site" bash -c "! grep -qx LEAK '$T/$n.tree' && ! grep -q 'inst\.example' '$T/$n.out'"
done
check "related: the HTML labelled" grep -qx LABEL "$T/related.tree"
rc=0
agw preview --list ngi "$T/related.eml" >"$T/related-ngi.out" 2>&1 || rc=$?
check "related, ngi: preview exit 0 (got $rc)" test "$rc" = 0
python3 "$T/tree.py" "$T/related-ngi.out" >"$T/related-ngi.tree"
check "related, ngi: the image kept inline in the related part" \
    test "$(grep -v '[A-Z]$' "$T/related-ngi.tree" | tr '\n' '|')" = \
    "0 multipart/alternative -|1 text/plain -|1 multipart/related -|2 text/html -|2 image/png inline|"
check "related, ngi: with its Content-ID, as the HTML names it" \
    grep -q '^Content-ID: <graph.1@wn01.grid.inst.example>' "$T/related-ngi.out"

# the whole list gets the full template's label on its HTML too
rc=0
agw preview --list ngi "$T/plain-alt.eml" >"$T/ngi.out" 2>&1 || rc=$?
check "ngi: preview exit 0 (got $rc)" test "$rc" = 0
check "ngi: alternative too" bash -c "python3 '$T/tree.py' '$T/ngi.out' | head -1 | grep -q 'multipart/alternative'"
agw_test_end
