#!/bin/bash
# Alert lifecycle: ids found or allocated, updates threaded in every list
# (In-Reply-To/References checked in the stored copies), placeholders kept
# across updates, fresh headers only, and the signed receipt.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
LC="python3 $AGW_SOURCE_DIR/tests/e2e/lifecycle.py"
n=0
# send SUBJECT [EXTRA-HEADERS]: sign a distinct body (identical bodies
# signed in the same second are replays) and submit it
send() {
    n=$((n+1))
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "mail $n"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" "$1" >"$T/a$n.eml"
    if [ -n "${2:-}" ]; then    # outer headers are not signed: add trace headers
        { printf '%s\r\n' "$2"; cat "$T/a$n.eml"; } >"$T/a$n.tmp" && mv "$T/a$n.tmp" "$T/a$n.eml"
    fi
    agw submit --dist alerts "$T/a$n.eml" >"$T/out$n" 2>&1
}

send "EGI-20260707-01: Compromised credentials used on EXAMPLE-T2" \
    "Received: from wn-r03-n117.grid.inst.example (192.0.2.45)"$'\r\n'"X-Originating-IP: 192.0.2.45"$'\r\n'"X-Mailer: Thunderbird"
send "EGI-20260707-01 UPDATE 1: Compromised credentials used on EXAMPLE-T2"
send "Re: [TLP:AMBER] EGI-20260707-01: more hosts"
check "three mails of one id queued" test "$(q "SELECT count(*) FROM alerts WHERE alert_id='EGI-20260707-01' AND state='queued'")" = 3
check "update numbers 0,1,2" test "$(q "SELECT group_concat(update_no) FROM alerts ORDER BY id")" = "0,1,2"

$LC copies "$DB" >"$T/copies"
for list in ngi nren isp; do
    awk -v l=$list '$3 == "copy" && $4 == l' "$T/copies" >"$T/$list.c"
    m1=$(awk 'NR==1 {print $6}' "$T/$list.c")
    m2=$(awk 'NR==2 {print $6}' "$T/$list.c")
    check "$list: first copy not threaded" test "$(awk 'NR==1 {print $7}' "$T/$list.c")" = "-"
    check "$list: update 1 In-Reply-To the first copy" test "$(awk 'NR==2 {print $7}' "$T/$list.c")" = "$m1"
    check "$list: update 1 References the first copy" test "$(awk 'NR==2 {print $9}' "$T/$list.c")" = "$m1"
    check "$list: update 2 In-Reply-To update 1" test "$(awk 'NR==3 {print $7}' "$T/$list.c")" = "$m2"
    check "$list: update 2 References both" test "$(awk 'NR==3 {print $9, $10}' "$T/$list.c")" = "$m1 $m2"
    check "$list: Message-ID names id and list" grep -q "^<EGI-20260707-01\.$list\." <(awk 'NR==3 {print $6}' "$T/$list.c")
done
check "Message-IDs unique" test "$(awk '{print $6}' "$T/copies" | sort -u | wc -l)" = "$(wc -l <"$T/copies")"

# Placeholders stay the same across updates.
c1=$(awk '$3=="copy" && $4=="nren" {print $1; exit}' "$T/copies")
c3=$(awk '$3=="copy" && $4=="nren" {c=$1} END {print c}' "$T/copies")
$LC text "$DB" "$c1" >"$T/nren1.txt"
$LC text "$DB" "$c3" >"$T/nren3.txt"
p1=$(grep -o 'host[0-9]*\.site[0-9]*\.invalid' "$T/nren1.txt" | head -1)
p3=$(grep -o 'host[0-9]*\.site[0-9]*\.invalid' "$T/nren3.txt" | head -1)
check "placeholder the same in update 2 ($p1 = $p3)" test -n "$p1" -a "$p1" = "$p3"
check "one pseudonym set for the thread" test "$(q "SELECT count(DISTINCT alert_id) FROM pseudonyms")" = 1
check "template: update label" grep -q 'EGI-20260707-01 UPDATE 2 ' "$T/nren3.txt"
check "template: risk read from the alert" grep -q 'Risk: High' "$T/nren3.txt"
check "template: TLP banner and end marker" grep -q '^\[end of TLP:AMBER information\]' "$T/nren3.txt"
check "template: sanitised notice" grep -q 'values in brackets are placeholders' "$T/nren3.txt"
check "template: footer names the list and reporting address" grep -q 'csirt@csirt.example' "$T/nren3.txt"
check "nren copy has no site name" bash -c "! grep -q EXAMPLE-T2 '$T/nren3.txt'"

# Fresh headers only.
$LC headers "$DB" "$c1" >"$T/h1"
for h in List-Id Precedence Auto-Submitted Message-ID Date From To Subject; do
    check "copy header $h present" grep -qx "$h" "$T/h1"
done
for h in Received X-Originating-IP X-Mailer; do
    check "no $h from the original" bash -c "! grep -qix '$h' '$T/h1'"
done
check "no trace header bytes in any copy" test "$(q "SELECT count(*) FROM copies WHERE instr(message, 'Thunderbird') OR instr(message, 'X-Originating')")" = 0
check "List-Id" test "$($LC header "$DB" "$c1" List-Id)" = "<nren.csirt.example>"
check "From is the CSIRT's own" test "$($LC header "$DB" "$c1" From)" = "EGI CSIRT <csirt@csirt.example>"

# Allocation: no id in the mail -> the next free PREFIX-YYYYMMDD-NN.
today=$(date -u +%Y%m%d)
send "Suspicious scanning"
send "Another finding"
check "allocated EGI-$today-01" grep -q "queued EGI-$today-01:" "$T/out4"
check "allocated EGI-$today-02" grep -q "queued EGI-$today-02:" "$T/out5"
r4=$(q "SELECT id FROM alerts WHERE alert_id='EGI-$today-01'")
c4=$(q "SELECT id FROM copies WHERE alert_row=$r4 AND kind='copy' LIMIT 1")
check "allocated id in the copy's Subject" grep -q "EGI-$today-01: Suspicious scanning" <($LC header "$DB" "$c4" Subject)
check "a new id is not threaded" test "$($LC header "$DB" "$c4" In-Reply-To)" = ""

# Allocation is race-free: four id-less alerts processed at once.
for i in 1 2 3 4; do
    n=$((n+1))
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "parallel $i"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" "Parallel $i" >"$T/p$i.eml"
done
for i in 1 2 3 4; do agw submit --dist alerts "$T/p$i.eml" >"$T/pout$i" 2>&1 & done
wait
check "parallel: four distinct new ids" test "$(q "SELECT count(DISTINCT alert_id) FROM alerts WHERE subject LIKE 'Parallel %' AND state='queued'")" = 4
check "parallel: numbered 03..06" test "$(q "SELECT group_concat(substr(alert_id, -2)) FROM (SELECT alert_id FROM alerts WHERE subject LIKE 'Parallel %' ORDER BY alert_id)")" = "03,04,05,06"

# Receipts: one per alert, signed, to the officer, per list.
check "nine receipts queued to the officer" test "$(q "SELECT count(*) FROM copies c JOIN outbox o ON o.copy_id = c.id WHERE c.kind='receipt' AND o.rcpt='duty@csirt.example'")" = 9
rc=$(q "SELECT id FROM copies WHERE kind='receipt' ORDER BY id LIMIT 1")
$LC text "$DB" "$rc" >"$T/receipt"
check "receipt lists ngi queued for 3" grep -qE '^  ngi +queued: 1 signed copy for 3 recipients' "$T/receipt"
check "receipt lists nren queued for 2" grep -qE '^  nren +queued: 1 signed copy for 2 recipients' "$T/receipt"
check "receipt is signed" grep -q 'multipart/signed' <(q "SELECT message FROM copies WHERE id=$rc")

# The ADV form: the last number counts updates of one advisory.
send "EGI-ADV-20260707-01 kernel advisory"
send "EGI-ADV-20260707-02 kernel advisory"
check "ADV -02 threads under -01" test "$(q "SELECT update_no FROM alerts WHERE alert_id='EGI-ADV-20260707-02'")" = 1
check "reveal ADV id finds the thread's placeholders" bash -c "\"$ALERTGW\" -c \"$AGW_CONF\" reveal EGI-ADV-20260707-02 | grep -q wn-r03-n117"

# Template errors are found when the template is loaded, never at send time.
TD=$T/tmpl
mkdir -p "$TD"
cp "$AGW_SOURCE_DIR"/templates/*.tmpl "$TD"/
printf 'Subject: [{{tlp}}] {{subject}}\n\n{{body}}\n{{sender_ip}}\n' >"$TD/broken.tmpl"
cp "$AGW_CONF" "$T/conf.saved"
sed -i "s#^templates_dir = .*#templates_dir = $TD#" "$AGW_CONF"
set +e; agw lists add bad --address bad@csirt.example --template broken >/dev/null 2>"$T/err"; rc=$?; set -e
cp "$T/conf.saved" "$AGW_CONF"
check "lists add with a broken template: 78 (got $rc)" test "$rc" = 78
check "error names FILE:LINE and the variable" grep -q 'broken.tmpl:4: unknown variable {{sender_ip}}' "$T/err"
check "no list was added" test "$(q "SELECT count(*) FROM lists WHERE name='bad'")" = 0
set +e; agw rules lint --templates "$TD" >"$T/lint" 2>"$T/err"; rc=$?; set -e
check "rules lint finds the broken template (exit $rc)" test "$rc" != 0
check "rules lint says where" grep -q 'broken.tmpl:4: unknown variable' "$T/err"
check "rules lint passes the shipped templates" bash -c "\"$ALERTGW\" -c \"$AGW_CONF\" rules lint | grep -q 'templates in .*: 3, no errors'"

agw queue run >/dev/null
check "worker delivered the receipts" test "$(ls "$T/gw/out"/receipt-*.eml | wc -l)" = 11

agw_test_end
