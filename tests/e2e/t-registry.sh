#!/bin/bash
# The registry commands: every command, every error path (one line, exit
# 65, nothing changed), CSV round trip, GOCDB import and re-import, rule
# members reaching the outbox, coverage.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
T=$(mktemp -d)
trap 'agw_cleanup; rm -rf "$T"' EXIT
fails=0
DATA=$AGW_SOURCE_DIR/tests/data
expect_exit() {     # expect_exit WANT DESCRIPTION COMMAND...
    local want=$1 what=$2 got
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then echo "ok - $what (exit $got)"
    else echo "not ok - $what: got exit $got, want $want: $(cat "$T/err")"; fails=$((fails+1)); fi
}
db() { sqlite3 "$T/gw/data/alertgw.db" "$1"; }
snapshot() { sqlite3 "$T/gw/data/alertgw.db" .dump | grep -v '^INSERT INTO audit' >"$T/$1"; }
# An error leaves one line on stderr and the database as it was.
expect_refused() {  # expect_refused WANT DESCRIPTION COMMAND...
    local want=$1 what=$2
    shift 2
    snapshot before
    expect_exit "$want" "$what" "$@"
    snapshot after
    check "$what: one line on stderr" test "$(wc -l <"$T/err")" = 1
    check "$what: nothing changed" cmp -s "$T/before" "$T/after"
}

agw_setup "$T/gw" >/dev/null 2>&1

# ---- organisations ----
expect_exit 0 "orgs add NGI" agw orgs add NGI_EX --kind ngi --country EX
expect_exit 0 "orgs add site with its NGI" agw orgs add SITE-A --kind site --country EX --ngi NGI_EX
expect_refused 65 "orgs add duplicate (any case)" agw orgs add ngi_ex --kind ngi
expect_refused 65 "orgs add bad kind" agw orgs add X --kind university
expect_refused 65 "orgs add unknown NGI" agw orgs add SITE-B --kind site --ngi NOPE
expect_refused 65 "orgs add NGI that is no NGI" agw orgs add SITE-B --kind site --ngi SITE-A
expect_exit 64 "orgs add without --kind" agw orgs add SITE-B
expect_exit 0 "orgs edit" agw orgs edit SITE-A --country EY
check "orgs edit took" test "$(db "SELECT country || source FROM orgs WHERE name='SITE-A'")" = "EYmanual"
expect_refused 65 "orgs edit unknown" agw orgs edit NOPE --country EY
expect_refused 65 "orgs edit rename onto another" agw orgs edit SITE-A --name NGI_EX
expect_exit 0 "orgs show --json" agw orgs show SITE-A --json
check "orgs show names the NGI" grep -q '"ngi": "NGI_EX"' "$T/out"
expect_refused 65 "orgs show unknown" agw orgs show NOPE
expect_exit 0 "orgs list --kind --json" agw orgs list --kind ngi --json
check "orgs list filters by kind" test "$(grep -c '"kind": "ngi"' "$T/out")" = 2

# ---- contacts ----
FPR=AA482B4FF773584F58D14563F18273C6FB579BE4
expect_exit 0 "contacts add full" agw contacts add so@site-a.example --name "Site A SO" \
    --org SITE-A --role "security officer" --fingerprint "aa48 2b4f f773 584f 58d1 4563 f182 73c6 fb57 9be4"
check "fingerprint normalised" test "$(db "SELECT fingerprint FROM contacts WHERE address='so@site-a.example'")" = $FPR
expect_refused 65 "contacts add invalid address" agw contacts add 'bad address'
expect_refused 65 "contacts add duplicate (any case)" agw contacts add SO@site-a.example
expect_refused 65 "contacts add unknown org" agw contacts add x@site-a.example --org NOPE
expect_refused 65 "contacts add bad fingerprint" agw contacts add x@site-a.example --fingerprint 1234
expect_exit 64 "contacts add bad --active" agw contacts add x@site-a.example --active maybe
expect_exit 0 "contacts edit" agw contacts edit so@site-a.example --role csirt --active no
check "contacts edit took" test "$(db "SELECT role || active FROM contacts WHERE address='so@site-a.example'")" = "csirt0"
expect_refused 65 "contacts edit unknown" agw contacts edit nobody@x.example --name X
expect_refused 65 "contacts edit to invalid address" agw contacts edit so@site-a.example --address 'a b@x'
expect_refused 65 "contacts edit onto another address" agw contacts edit so@site-a.example --address officer1@ngi-xx.example
expect_refused 65 "contacts edit unknown org" agw contacts edit so@site-a.example --org NOPE
expect_exit 0 "contacts confirm" agw contacts confirm so@site-a.example
check "confirmed set" test "$(db "SELECT confirmed > 0 FROM contacts WHERE address='so@site-a.example'")" = 1
expect_refused 65 "contacts confirm unknown" agw contacts confirm nobody@x.example
expect_exit 0 "contacts show --json" agw contacts show so@site-a.example --json
check "contacts show has org and role" grep -q '"role": "csirt"' "$T/out"
expect_refused 65 "contacts show unknown" agw contacts show nobody@x.example
expect_exit 0 "contacts list --org" agw contacts list --org SITE-A --json
check "contacts list filters by org" test "$(grep -c '"address"' "$T/out")" = 1
expect_refused 65 "orgs rm with contacts" agw orgs rm SITE-A
expect_refused 65 "contacts rm unknown" agw contacts rm nobody@x.example
expect_exit 0 "contacts edit back to active" agw contacts edit so@site-a.example --active yes

# ---- lists, members, rules ----
expect_exit 0 "lists add with kinds" agw lists add sites --address sites@csirt.example --kinds site,ngi --encrypt if-key
expect_refused 65 "lists add duplicate" agw lists add sites --address other@csirt.example
expect_refused 65 "lists add bad kinds" agw lists add l2 --address l2@csirt.example --kinds site,planet
expect_refused 65 "lists add invalid address" agw lists add l2 --address nope
expect_refused 65 "lists add bad encrypt" agw lists add l2 --address l2@csirt.example --encrypt sometimes
expect_exit 0 "lists edit" agw lists edit sites --audience "Site security officers" --attachments keep
check "lists edit took" test "$(db "SELECT audience || attachments FROM lists WHERE name='sites'")" = "Site security officerskeep"
expect_refused 65 "lists edit unknown" agw lists edit nosuch --audience x
expect_exit 0 "lists add-member" agw lists add-member sites so@site-a.example
expect_refused 65 "lists add-member unknown list" agw lists add-member nosuch so@site-a.example
expect_refused 65 "lists add-member unknown contact" agw lists add-member sites nobody@x.example
expect_refused 65 "lists add-member twice" agw lists add-member sites so@site-a.example
expect_exit 0 "lists rm-member" agw lists rm-member sites so@site-a.example
expect_refused 65 "lists rm-member not a member" agw lists rm-member sites so@site-a.example
expect_exit 0 "lists add-rule" agw lists add-rule sites --kind site --role csirt
expect_refused 65 "lists add-rule twice" agw lists add-rule sites --kind site --role csirt
expect_refused 65 "lists add-rule bad kind" agw lists add-rule sites --kind planet
expect_refused 65 "lists add-rule empty" agw lists add-rule sites
expect_refused 65 "lists add-rule unknown list" agw lists add-rule nosuch --kind nren
expect_exit 0 "lists members shows rule members" agw lists members sites --json
check "rule member listed" grep -q '"via": "rule"' "$T/out"
expect_refused 65 "lists members unknown list" agw lists members nosuch
expect_exit 0 "lists rules" agw lists rules sites
check "lists rules lists it" grep -q "site.csirt" "$T/out"
expect_exit 0 "lists show --json" agw lists show sites --json
check "lists show has rules" grep -q '"rules": "site/csirt"' "$T/out"
expect_refused 65 "lists rm-rule not there" agw lists rm-rule sites --kind nren
expect_refused 65 "lists show unknown" agw lists show nosuch

# ---- distributions ----
expect_exit 0 "dists add" agw dists add sitesonly --address sites-in@csirt.example --lists sites
expect_refused 65 "dists add unknown list" agw dists add d2 --address d2@csirt.example --lists sites,nosuch
expect_refused 65 "dists add duplicate address" agw dists add d2 --address sites-in@csirt.example --lists sites
expect_refused 65 "dists add invalid address" agw dists add d2 --address bad --lists sites
expect_exit 0 "dists edit" agw dists edit sitesonly --lists sites,ngi
expect_exit 0 "dists show --json" agw dists show sitesonly --json
check "dists edit replaced the lists" grep -Eq '"lists": "(sites,ngi|ngi,sites)"' "$T/out"
expect_refused 65 "dists edit unknown list" agw dists edit sitesonly --lists nosuch
expect_refused 65 "dists edit unknown dist" agw dists edit nosuch --lists sites
expect_refused 65 "dists show unknown" agw dists show nosuch
expect_exit 0 "dists rm" agw dists rm sitesonly
expect_refused 65 "dists rm unknown" agw dists rm sitesonly

# ---- sites by hand, keep-list ----
expect_exit 0 "sites add" agw sites add HAND-SITE --alias "Hand Made Site" --domain hand.example,hand2.example --network 203.0.113.0/255.255.255.0 --org SITE-A
check "sites add normalised the mask" test "$(db "SELECT count(*) FROM site_ids WHERE value='203.0.113.0/24'")" = 1
expect_refused 65 "sites add duplicate" agw sites add hand-site
expect_refused 65 "sites add bad network" agw sites add S2 --network 10.0.0.0/255.0.255.0
expect_refused 65 "sites add identifier of another site" agw sites add S2 --domain hand.example
expect_refused 65 "sites add unknown org" agw sites add S2 --org NOPE
expect_exit 0 "sites edit --rm" agw sites edit HAND-SITE --rm hand2.example
expect_refused 65 "sites edit --rm unknown identifier" agw sites edit HAND-SITE --rm nothere.example
expect_refused 65 "sites edit unknown site" agw sites edit NOPE --domain x.example
expect_exit 0 "sites show --json" agw sites show HAND-SITE --json
check "sites show" grep -q 'hand.example 203.0.113.0/24' "$T/out"
expect_exit 0 "sites keep" agw sites keep cvmfs.hand.example
expect_refused 65 "sites keep twice" agw sites keep cvmfs.hand.example
expect_exit 0 "sites kept --json" agw sites kept --json
check "keep-list listed" grep -q cvmfs.hand.example "$T/out"
printf 'From: duty@csirt.example\nSubject: t\n\nfrom cvmfs.hand.example and www.hand.example\n' >"$T/a.eml"
expect_exit 0 "anonymise with registry keep-list" agw anonymise "$T/a.eml"
check "kept host stays, site host goes" bash -c "grep -q cvmfs.hand.example '$T/out' && ! grep -q www.hand.example '$T/out'"
expect_exit 0 "sites keep --rm" agw sites keep --rm cvmfs.hand.example
expect_refused 65 "sites keep --rm absent" agw sites keep --rm cvmfs.hand.example
expect_exit 0 "sites rm" agw sites rm HAND-SITE
expect_refused 65 "sites rm unknown" agw sites rm HAND-SITE

# ---- sites import: file, then GOCDB, re-import ----
expect_exit 0 "sites import file again" agw sites import "$DATA/sites-sample.txt"
check "re-import of the same file is unchanged" grep -q "0 new, 0 updated, 3 unchanged" "$T/out"
expect_exit 0 "sites import --gocdb" agw sites import --gocdb "$DATA/gocdb/get_site.xml"
check "gocdb: three new sites" grep -q "3 sites read: 3 new" "$T/out"
check "gocdb: dotted masks, both separators, IPv6" test "$(db "SELECT group_concat(value, ' ') FROM (SELECT value FROM site_ids i JOIN sites s ON s.id=i.site_id WHERE s.name='GOC-T2' AND kind='network' ORDER BY value)")" = "100.64.1.0/24 100.64.2.0/23 2001:db8:20::/48 2001:db8:21::/64"
check "gocdb: comma-separated with dotted masks" test "$(db "SELECT group_concat(value, ' ') FROM (SELECT value FROM site_ids i JOIN sites s ON s.id=i.site_id WHERE s.name='GOC-T1' AND kind='network' ORDER BY value)")" = "2001:db8:10::/48 203.0.113.0/25 203.0.113.128/26"
check "gocdb: site org under its NGI" test "$(db "SELECT o.kind || '/' || n.name FROM orgs o JOIN orgs n ON n.id=o.ngi_id WHERE o.name='GOC-T1'")" = "site/NGI_EX"
check "gocdb: CSIRT_EMAIL list gives two contacts" test "$(db "SELECT count(*) FROM contacts c JOIN orgs o ON o.id=c.org_id WHERE o.name='GOC-T2' AND c.role='csirt' AND c.source='imported'")" = 2
expect_exit 0 "hand edit of an imported site" agw sites edit GOC-T1 --domain extra.t1.example
expect_exit 0 "hand edit of an imported contact" agw contacts edit csirt@t1.example.org --name "T1 CSIRT"
expect_exit 0 "gocdb re-import (one site gone, one network gone)" agw sites import --gocdb "$DATA/gocdb/get_site-2.xml"
check "re-import keeps the manual site" grep -q "kept: site GOC-T1" "$T/out"
check "re-import keeps the manual contact" grep -q "kept: contact csirt@t1.example.org" "$T/out"
check "re-import reports the gone site" grep -q "gone: site LONELY-SITE" "$T/out"
check "gone site not deleted" test "$(db "SELECT count(*) FROM sites WHERE name='LONELY-SITE'")" = 1
check "manual edit survived" test "$(db "SELECT count(*) FROM site_ids WHERE value='extra.t1.example'")$(db "SELECT name FROM contacts WHERE address='csirt@t1.example.org'")" = "1T1 CSIRT"
check "manual site kept its old networks" test "$(db "SELECT count(*) FROM site_ids WHERE value='203.0.113.128/26'")" = 1
cat >"$T/alias.xml" <<'XML'
<results><SITE><SHORT_NAME>GOC-T3</SHORT_NAME><OFFICIAL_NAME>RAL</OFFICIAL_NAME>
<DOMAIN><DOMAIN_NAME>t3.example.net</DOMAIN_NAME></DOMAIN></SITE></results>
XML
expect_exit 0 "gocdb: an alias that is another site's name" agw sites import --gocdb "$T/alias.xml"
check "the conflict is reported and skipped" grep -q "conflict: RAL: alias RAL already belongs to site RAL" "$T/out"
expect_exit 0 "the registry still loads for the anonymiser" agw anonymise "$T/a.eml"
expect_refused 65 "sites add: alias that is another site's name" agw sites add S4 --alias RAL
expect_refused 65 "sites add: name that is another site's alias" agw sites add ExGrid
expect_refused 65 "gocdb missing file" agw sites import --gocdb "$T/nonexistent.xml"
expect_refused 65 "contacts import missing file" agw contacts import "$T/nonexistent.csv"
expect_refused 65 "gocdb bad network" agw sites import --gocdb "$DATA/gocdb/bad-network.xml"
expect_refused 65 "gocdb broken XML" agw sites import --gocdb "$DATA/gocdb/truncated.xml"

# ---- rule members reach the outbox ----
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$DATA/alert-sample.txt" "EGI-20260707-09 rules" >"$T/alert.eml"
expect_exit 0 "alert to a distribution with a rule list" agw dists add sitesonly --address sites-in@csirt.example --lists sites
expect_exit 0 "submit" agw submit --dist sitesonly "$T/alert.eml"
check "rule members queued ($(db "SELECT group_concat(rcpt, ' ') FROM outbox"))" test "$(db "SELECT count(*) FROM outbox WHERE rcpt IN ('so@site-a.example','cert@t2.example.edu','security@t2.example.edu','csirt@t1.example.org')")" = 4
expect_refused 65 "lists rm with copies" agw lists rm sites
expect_refused 65 "dists rm with alerts" agw dists rm sitesonly

# ---- coverage ----
db "UPDATE outbox SET state='failed', reply='550 5.1.1 no such user' WHERE rcpt='cert@t2.example.edu'"
expect_exit 65 "lists coverage --json (problems: 65, as keys check)" agw lists coverage sites --days 30 --json
for p in 'no-contact.*LONELY-SITE' 'no-contact.*NGI_EX' 'no-key.*csirt@t1.example.org' 'unconfirmed.*csirt@t1.example.org' 'failed.*cert@t2.example.edu'; do
    check "coverage reports $p" grep -q "\"problem\": \"${p%%.\**}\".*${p##*\*}" "$T/out"
done
check "coverage: confirmed contact with no key is not unconfirmed" bash -c "! grep -q 'unconfirmed.*so@site-a.example' '$T/out'"
check "coverage: covered org not reported" bash -c "! grep -q 'no-contact.*\"GOC-T1\"' '$T/out'"
expect_refused 65 "coverage unknown list" agw lists coverage nosuch
expect_exit 64 "coverage bad --days" agw lists coverage --days x
# A pinned key that expires soon, and one unknown to the gateway.
KH=$(agw_gnupg_home)
gpg --homedir "$KH" --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "Soon <soon@site-a.example>" ed25519 sign 5d >/dev/null 2>&1
SOON=$(gpg --homedir "$KH" --with-colons --list-keys | awk -F: '$1=="fpr"{print $10; exit}')
gpg --homedir "$KH" --export "$SOON" | gpg --homedir "$GW_HOME" --batch --quiet --import 2>/dev/null
expect_exit 0 "pin an expiring key" agw contacts edit cert@t2.example.edu --fingerprint "$SOON"
expect_exit 65 "coverage with keys (problems listed: 65)" agw lists coverage sites --days 10
check "coverage: key expiring" grep -q "key-expiring	cert@t2.example.edu" "$T/out"
check "coverage: pinned key not in keyring" grep -q "no-key	so@site-a.example	the pinned key is not" "$T/out"

# ---- CSV round trip ----
agw contacts export >"$T/contacts.csv"
agw orgs export "$T/orgs.csv"
check "contacts CSV has a header" test "$(head -1 "$T/contacts.csv")" = "address,name,org,role,fingerprint,active,source,confirmed"
AGW_DIR2=$T/gw2
mkdir -p "$AGW_DIR2"
sed "s#$T/gw/data#$AGW_DIR2/data#" "$AGW_CONF" >"$AGW_DIR2/alertgw.conf"
agw2() { "$ALERTGW" -c "$AGW_DIR2/alertgw.conf" "$@"; }
agw2 init >/dev/null 2>&1
expect_exit 0 "orgs import into a fresh database" agw2 orgs import "$T/orgs.csv"
expect_exit 0 "contacts import into a fresh database" agw2 contacts import "$T/contacts.csv"
agw2 contacts export >"$T/contacts2.csv"
agw2 orgs export >"$T/orgs2.csv"
check "contacts CSV round trip" cmp "$T/contacts.csv" "$T/contacts2.csv"
check "orgs CSV round trip" cmp "$T/orgs.csv" "$T/orgs2.csv"
expect_exit 0 "contacts import again updates" agw2 contacts import "$T/contacts.csv"
check "re-import: all updated" grep -q "0 new, $(( $(wc -l <"$T/contacts.csv") - 1 )) updated" "$T/out"
printf 'address,name,org\n"quoted, name"@x.example,a,\n' >"$T/bad1.csv"
expect_refused 65 "contacts import invalid address" agw2 contacts import "$T/bad1.csv"
check "error names file and line" grep -q "bad1.csv:2:" "$T/err"
printf 'address,name\nnew@x.example,"Comma, Name"\nnew@x.example,again\n' >"$T/bad2.csv"
expect_refused 65 "contacts import duplicate row" agw2 contacts import "$T/bad2.csv"
printf 'address,org\nnew@x.example,NOPE\n' >"$T/bad3.csv"
expect_refused 65 "contacts import unknown org" agw2 contacts import "$T/bad3.csv"
printf 'address,colour\nnew@x.example,red\n' >"$T/bad4.csv"
expect_refused 65 "contacts import unknown column" agw2 contacts import "$T/bad4.csv"
printf 'address,name\nnew@x.example,"open\n' >"$T/bad5.csv"
expect_refused 65 "contacts import unterminated quote" agw2 contacts import "$T/bad5.csv"
printf 'name,kind,ngi\nS9,site,SITE-A\n' >"$T/bad6.csv"
expect_refused 65 "orgs import NGI that is no NGI" agw2 orgs import "$T/bad6.csv"
printf 'name,kind,ngi\nS9,site,NGI9\nNGI9,ngi,\n' >"$T/ok.csv"
expect_exit 0 "orgs import with an NGI defined later" agw2 orgs import "$T/ok.csv"
printf 'address,name\r\nmulti@x.example,"Name, ""quoted"""\r\n' >"$T/ok2.csv"
expect_exit 0 "contacts import CRLF and quoted fields" agw2 contacts import "$T/ok2.csv"
check "quoted field read" test "$(agw2 contacts show multi@x.example | grep '^name:')" = 'name: Name, "quoted"'
printf 'address,name\nmulti@x.example,"two\nlines"\n' >"$T/bad7.csv"
expect_refused 65 "contacts import line break in a name" agw2 contacts import "$T/bad7.csv"
agw2 contacts export >"$T/c3.csv"
agw2 contacts import "$T/c3.csv" >/dev/null
agw2 contacts export >"$T/c4.csv"
check "quoted fields round trip" cmp "$T/c3.csv" "$T/c4.csv"

# ---- help on every registry command ----
for c in "orgs add" "orgs edit" "orgs rm" "orgs list" "orgs show" "orgs import" "orgs export" \
         "contacts add" "contacts edit" "contacts confirm" "contacts rm" "contacts list" \
         "contacts show" "contacts import" "contacts export" "lists add" "lists edit" \
         "lists rm" "lists list" "lists show" "lists add-member" "lists rm-member" \
         "lists members" "lists add-rule" "lists rm-rule" "lists rules" "lists coverage" \
         "dists add" "dists edit" "dists rm" "dists list" "dists show" "sites add" \
         "sites edit" "sites rm" "sites import" "sites list" "sites show" "sites keep" "sites kept"; do
    # shellcheck disable=SC2086
    "$ALERTGW" $c --help >/dev/null 2>&1 || { echo "not ok - $c --help"; fails=$((fails+1)); }
done
echo "ok - --help on every registry command"

[ "$fails" = 0 ]
