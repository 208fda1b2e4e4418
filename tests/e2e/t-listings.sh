#!/bin/bash
# The listings (issue 13, item 3): every listing is a view of the database
# (db/schema_v8.c) or a TEMP view of its command, printed by name by
# db/listing.c. Every --json parses, its numbers are JSON numbers and its
# text is text; a table is what the view holds; the views are there by
# name for anyone with sqlite3.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
alert() {   # alert N [DIST]: a signed alert EGI-20260707-0N through filter
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: listings-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260707-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/alert$1.eml"
    agw filter --wait --recipient "${2:-alerts}@csirt.example" <"$T/alert$1.eml"
}

# Something in every listing: registry rows with quotes, backslashes and
# UTF-8; a delivered alert, one pending (relay down), one held; a key.
agw orgs add 'Odd "Quote" \ Org é' --kind csirt
agw contacts add odd@site-a.example --name 'Jo "Q" \ Smith ü' \
    --org 'Odd "Quote" \ Org é' --role csirt --confirmed
agw lists add-rule isp --kind isp
agw lists edit isp --encrypt if-key
agw sites keep cvmfs.inst.example
agw sites add MY-SITE --alias "My Site" --domain my.example
alert 1
agw queue run >/dev/null
agw_conf_set delivery transport "smtp://127.0.0.1:9"
alert 2
agw queue run >/dev/null
agw dists add held --address held@csirt.example --lists ngi
agw dists policy held --require-release yes >/dev/null
alert 3 held
printf 'Subject: not a report\n\nhello\n' |
    agw filter --wait --recipient csirt-bounces@csirt.example
ODD='Odd "Quote" \ Org é'

# listing NAME ARGS...: the command's --json, parsed, with the fields that
# must be numbers (NUM) and text (TXT) in every row. A show is one object.
# A NUM field written !NAME must be a JSON boolean (issue 16: yes/no
# columns were 1/0).
jcheck() {  # jcheck DESC NUM TXT CMD...
    local what=$1 num=$2 txt=$3
    shift 3
    "$ALERTGW" -c "$AGW_CONF" "$@" --json >"$T/j" 2>/dev/null
    check "$what --json: parses, numbers are numbers" python3 - "$T/j" "$num" "$txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc if isinstance(doc, list) else [doc]
assert rows, "no rows"
num = [f for f in sys.argv[2].split(",") if f]
txt = [f for f in sys.argv[3].split(",") if f]
for r in rows:
    for f in num:
        if f.startswith("!"):
            assert type(r[f[1:]]) is bool, (f, r)
        else:
            assert type(r[f]) is int, (f, r)
    for f in txt:
        assert isinstance(r[f], str), (f, r)
    assert not any(k.startswith("_") for k in r), r
PY
}
jcheck "alerts list" row,update state,alert_id,reason alerts list
jcheck "alerts show" row,recipients list,outcome,reason alerts show EGI-20260707-01
jcheck "reveal" "" placeholder,original,class reveal EGI-20260707-01
jcheck "lists policy" !single_org name,tlp_ceiling lists policy ngi
jcheck "dists policy" !require_release name,default_tlp dists policy held
jcheck "queue status" pending,leased,sent,failed,oldest_pending_s alert,list,leased_by queue status
jcheck "audit" code at,alert,event,rcpt,copy,detail audit
jcheck "audit ID" code at,alert,event audit EGI-20260707-02
jcheck "orgs list" contacts name,kind,country,ngi orgs list
jcheck "orgs list --kind" contacts name,kind orgs list --kind ngi
jcheck "orgs show" contacts name,kind,ngi orgs show "$ODD"
jcheck "contacts list" !active address,name,org,confirmed contacts list
jcheck "contacts list --org" !active address,org contacts list --org "$ODD"
jcheck "contacts show" !active address,lists contacts show odd@site-a.example
jcheck "lists list" members,!anonymise name,kinds lists list
jcheck "lists show" members,!anonymise,!single_org name,rules,dists,tlp_ceiling lists show isp
jcheck "lists members" "" address,via lists members ngi
jcheck "lists rules" "" kind,role lists rules isp
jcheck "lists coverage" "" list,problem,subject,detail lists coverage
jcheck "dists list" "" name,address,lists dists list
jcheck "dists show" !require_release name,lists,default_tlp dists show alerts
jcheck "sites list" "" name,identifiers,org sites list
jcheck "sites show" "" name,identifiers sites show MY-SITE
jcheck "sites kept" "" host sites kept
jcheck "officers list" !active fingerprint,added,added_by officers list
jcheck "reports list" row kind,state,detail,received reports list
jcheck "reports counts" reports kind,state reports counts
jcheck "keys list" !can_sign,!can_encrypt fingerprint,state,used_by keys list

# JSON keeps its layout: one object a line, '"key": value'.
agw orgs list --json >"$T/orgs.json"
check "orgs list --json: one object a line" \
    grep -qF "  {\"name\": \"Odd \\\"Quote\\\" \\\\ Org é\", \"kind\": \"csirt\", \"country\": \"\", \"ngi\": \"\", \"source\": \"manual\", \"contacts\": 1}" "$T/orgs.json"
check "orgs list --json: opens with '[' alone" test "$(head -1 "$T/orgs.json")" = "["
agw orgs show "$ODD" --json >"$T/org.json"
check "orgs show --json: one member a line" \
    test "$(sed -n 2p "$T/org.json")" = "  \"name\": \"Odd \\\"Quote\\\" \\\\ Org é\","
check "no rows: []" test "$(agw orgs list --kind site --json)" = "[]"
check "no rows: no table at all" test -z "$(agw orgs list --kind isp-none)"

# A table is the view's rows, its '_' columns left out.
table() { sqlite3 -header -separator '	' "$DB" "$1"; }
check "alerts list is the view alerts_list" \
    test "$(agw alerts list)" = "$(table 'SELECT * FROM alerts_list')"
check "orgs list is the view orgs_list" \
    test "$(agw orgs list)" = "$(table 'SELECT * FROM orgs_list')"
check "officers list is the view officers_list" \
    test "$(agw officers list)" = "$(table 'SELECT * FROM officers_list')"
check "lists members is lists_members without _list" \
    test "$(agw lists members ngi)" = "$(table "SELECT address, name, org, role, fingerprint, via FROM lists_members WHERE _list = 'ngi'")"
check "sites show and sites list agree on identifiers" \
    test "$(agw sites show EXAMPLE-T2 | sed -n 's/^identifiers: //p')" = \
         "$(agw sites list | awk -F'	' '$1 == "EXAMPLE-T2" { print $2 }')"
check "contacts list --org compares names in any case" \
    test "$(agw contacts list --org 'odd "quote" \ org é' | wc -l)" = 2
check "contacts list --org '' lists none (no organisation is no match)" \
    test -z "$(agw contacts list --org '')"

# The views, by name.
q "SELECT name FROM sqlite_master WHERE type = 'view'" | sort >"$T/views"
for v in alerts_list alerts_show reveal lists_policy dists_policy \
         queue_status audit_log orgs_list contacts_list contacts_show \
         lists_list lists_show lists_members lists_rules dists_list \
         sites_list sites_kept officers_list reports_list reports_counts; do
    check "view $v in the database" grep -qx "$v" "$T/views"
done
for v in keys_list keys_check lists_coverage; do
    check "$v is a TEMP view, not in the database" bash -c "! grep -qx $v '$T/views'"
done
agw keys check --json >"$T/kc.json" 2>/dev/null
check "keys check --json parses" python3 -c "import json; json.load(open('$T/kc.json'))"
agw_test_end
