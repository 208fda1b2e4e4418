#!/bin/bash
# Regression (issue 16): an officer whose good signature was quarantined
# (a display name other than the key's user id, a shared duty mailbox as
# From) heard nothing, and the admins' notice lacked the claimed From and
# Subject. Now the officer is told at their registered address
# (officers.email), signed, with the reason and what to do; the admins'
# notice names the claimed From and Subject. Fail closed: an unsigned or
# foreign-signed mail gets no reply to the From it claims.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
LC="python3 $AGW_SOURCE_DIR/tests/e2e/lifecycle.py"
# The officer's registered address differs from every From used below.
sqlite3 "$DB" "UPDATE officers SET email = 'officer-home@csirt.example'"
n=0
# mail HOME FPR FROM SUBJECT: a signed sample alert, through filter; prints its row
mail() {
    n=$((n+1))
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "mail $n"; } >"$T/body$n.txt"
    $PGPMIME sign "$1" "$2" "$3" "$4" "$T/body$n.txt" >"$T/m$n.eml"
    agw filter --wait --recipient alerts@csirt.example <"$T/m$n.eml" >/dev/null 2>&1 || true
    q "SELECT max(id) FROM alerts"
}
notices_to() {  # notices of row $1 to address $2
    q "SELECT c.id FROM copies c JOIN outbox o ON o.copy_id = c.id WHERE c.alert_row = $1 AND c.kind = 'notice' AND o.rcpt = '$2'"
}

# 1. A good officer signature under another display name.
r=$(mail "$OFFICER_HOME" "$OFFICER_FPR" "Duty Desk <duty@csirt.example>" "EGI-20260707-01: name")
check "display name: quarantined" test "$(q "SELECT state FROM alerts WHERE id=$r")" = quarantined
c=$(notices_to "$r" officer-home@csirt.example)
check "display name: the officer is told at the registered address" test -n "$c"
$LC text "$DB" "$c" >"$T/off1"
check "officer notice: the reason" grep -q '^Reason: From Duty Desk <duty@csirt.example> is not a user ID' "$T/off1"
check "officer notice: what to do" grep -q '^What to do: Send it from the address and display name' "$T/off1"
check "officer notice is signed" grep -q 'multipart/signed' <(q "SELECT message FROM copies WHERE id=$c")
check "officer notice does not quote the unsigned Subject" bash -c "! grep -q 'EGI-20260707-01: name' '$T/off1'"
check "no notice to the claimed From" test -z "$(notices_to "$r" duty@csirt.example)"
a=$(notices_to "$r" csirt-admin@csirt.example)
$LC text "$DB" "$a" >"$T/adm1"
check "admin notice: claimed From" grep -q '^Claimed From: Duty Desk <duty@csirt.example>' "$T/adm1"
check "admin notice: claimed Subject" grep -q '^Claimed Subject: EGI-20260707-01: name' "$T/adm1"
check "admin notice: the officer was told" grep -q 'who was told' "$T/adm1"

# 2. A shared duty mailbox as From.
r=$(mail "$OFFICER_HOME" "$OFFICER_FPR" "CSIRT Duty <csirt-duty@csirt.example>" "EGI-20260707-02: shared")
check "shared mailbox: officer told" test -n "$(notices_to "$r" officer-home@csirt.example)"
check "shared mailbox: no notice to the shared mailbox" test -z "$(notices_to "$r" csirt-duty@csirt.example)"

# 3. Fail closed: a foreign key claiming the officer's address.
FOREIGN_HOME=$(agw_gnupg_home)
FOREIGN_FPR=$(agw_key "$FOREIGN_HOME" "Duty Officer <duty@csirt.example>")
r=$(mail "$FOREIGN_HOME" "$FOREIGN_FPR" "Duty Officer <duty@csirt.example>" "EGI-20260707-03: forged")
check "foreign key: quarantined" test "$(q "SELECT state FROM alerts WHERE id=$r")" = quarantined
check "foreign key: the officer is not told" test -z "$(notices_to "$r" officer-home@csirt.example)"
check "foreign key: nothing to the claimed From" test -z "$(notices_to "$r" duty@csirt.example)"
check "foreign key: only the admins" test "$(q "SELECT group_concat(o.rcpt) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$r")" = csirt-admin@csirt.example
$LC text "$DB" "$(notices_to "$r" csirt-admin@csirt.example)" >"$T/adm3"
check "foreign key: admin notice says the sender was not told" grep -q 'Its sender was not told' "$T/adm3"

# 4. Unsigned: nothing to anyone but the admins.
printf 'From: Duty Officer <duty@csirt.example>\nTo: alerts@csirt.example\nSubject: EGI-20260707-04: plain\n\nhello\n' >"$T/plain.eml"
agw filter --wait --recipient alerts@csirt.example <"$T/plain.eml" >/dev/null 2>&1 || true
r=$(q "SELECT max(id) FROM alerts")
check "unsigned: only the admins" test "$(q "SELECT group_concat(o.rcpt) FROM copies c JOIN outbox o ON o.copy_id=c.id WHERE c.alert_row=$r")" = csirt-admin@csirt.example

agw_test_end
