#!/bin/bash
# GOCDB beyond get_site (issue 16): a get_ngi answer brings the NGIs and
# their SECURITY_EMAIL as "security officer" contacts, and reports no
# site gone; an answer with neither SITE nor NGI is refused with nothing
# changed; a site's country is COUNTRY_CODE; every import takes
# --dry-run; an organisation added by hand is reported "kept" only when
# the import would change it.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
GH=$(agw_gnupg_home)
AGW_CONF=$T/gw.conf
printf '[gateway]\ndata_dir = %s\ngnupg_home = %s\n' "$T/data" "$GH" >"$AGW_CONF"
agw init >/dev/null 2>&1
DATA=$AGW_SOURCE_DIR/tests/data/gocdb
db() { sqlite3 "$T/data/alertgw.db" "$@"; }
dump() { sqlite3 "$T/data/alertgw.db" .dump | grep -v '^INSERT INTO audit\|audit_head'; }
agw orgs add NGI_EX --kind ngi --country EX >/dev/null
dump >"$T/before"
agw sites import --gocdb --dry-run "$DATA/get_site.xml" >"$T/out" 2>&1
check "get_site --dry-run: exit 0" test $? = 0
check "get_site --dry-run: says so" grep -q '^dry run, nothing changed: 3 sites read: 3 new' "$T/out"
dump >"$T/after"
check "get_site --dry-run: nothing changed" cmp -s "$T/before" "$T/after"
agw sites import --gocdb "$DATA/get_site.xml" >"$T/out" 2>&1
check "get_site: imported" grep -q '^3 sites read: 3 new' "$T/out"
check "get_site: a hand-made NGI the import agrees with is no news" \
    bash -c "! grep -q 'kept: organisation.*NGI_EX' '$T/out'"
check "get_site: the site's country is COUNTRY_CODE" \
    test "$(db "SELECT country FROM orgs WHERE name='GOC-T1'")" = EX
agw sites import --gocdb "$DATA/get_ngi.xml" >"$T/out" 2>&1
check "get_ngi: exit 0 ($(head -c 200 "$T/out"))" test $? = 0
check "get_ngi: no site gone" bash -c "! grep -q 'gone' '$T/out'"
check "get_ngi: the new NGI" test "$(db "SELECT kind || source FROM orgs WHERE name='NGI_EY'")" = ngiimported
check "get_ngi: security officers of NGI_EX" test "$(db "SELECT count(*) FROM contacts c JOIN orgs o ON o.id = c.org_id WHERE o.name='NGI_EX' AND c.role='security officer'")" = 2
check "get_ngi: and of NGI_EY" test "$(db "SELECT address FROM contacts c JOIN orgs o ON o.id = c.org_id WHERE o.name='NGI_EY' AND c.role='security officer'")" = so@ngi-ey.example
check "get_ngi: the sites stay" test "$(db "SELECT count(*) FROM sites")" = 3
# the hand-made NGI_EX now differs from GOCDB: said once
agw orgs edit NGI_EX --country EZ >/dev/null
agw sites import --gocdb "$DATA/get_ngi.xml" >"$T/out" 2>&1
check "a hand-edited org the import would change: kept, said" \
    grep -q 'kept: organisation.*NGI_EX' "$T/out"
check "and not changed" test "$(db "SELECT country FROM orgs WHERE name='NGI_EX'")" = EZ
# neither SITE nor NGI: refused, nothing changed
printf '<?xml version="1.0"?>\n<results/>\n' >"$T/empty.xml"
dump >"$T/before"
agw sites import --gocdb "$T/empty.xml" >"$T/out" 2>&1
check "an empty answer: 65" test $? = 65
check "an empty answer: says why" grep -q 'neither a get_site nor a get_ngi answer' "$T/out"
dump >"$T/after"
check "an empty answer: nothing changed, no site gone" cmp -s "$T/before" "$T/after"
# CSV imports take --dry-run too
printf 'name,kind,country\nNREN-NEW,nren,EX\n' >"$T/orgs.csv"
agw orgs import --dry-run "$T/orgs.csv" >"$T/out" 2>&1
check "orgs import --dry-run: exit 0" test $? = 0
check "orgs import --dry-run: counted" grep -q '^dry run, nothing changed: 1 organisations read: 1 new' "$T/out"
check "orgs import --dry-run: nothing added" test "$(db "SELECT count(*) FROM orgs WHERE name='NREN-NEW'")" = 0
printf 'address,org\nnew@nren.example,NGI_EY\n' >"$T/contacts.csv"
agw contacts import --dry-run "$T/contacts.csv" >"$T/out" 2>&1
check "contacts import --dry-run: nothing added" test "$(db "SELECT count(*) FROM contacts WHERE address='new@nren.example'")" = 0
agw_test_end
