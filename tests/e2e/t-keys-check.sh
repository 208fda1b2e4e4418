#!/bin/bash
# alertgw keys import | list | check against a real GnuPG home: contact and
# officer keys pinned by fingerprint; check lists what is missing, revoked,
# expired or expiring, and exits 65 while anything needs attention.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
agw_setup "$T/gw"
H=$(agw_gnupg_home)
G() { gpg --homedir "$H" --batch --quiet --pinentry-mode loopback --passphrase '' "$@"; }
fpr_of() { G --with-colons --list-keys "$1" | awk -F: '$1=="fpr"{print $10; exit}'; }
newkey() {      # newkey UID EXPIRE
    G --quick-gen-key "$1" ed25519 sign "$2" 2>/dev/null
    G --quick-add-key "$(fpr_of "$1")" cv25519 encr "$2" 2>/dev/null
    fpr_of "$1"
}

# A contact key valid for 10 days, one for 2 years, one that is revoked
# later, and an officer key.
SOON=$(newkey "NREN CERT <cert@nren-xx.example>" 10d)
LONG=$(newkey "NREN CSIRT <csirt@nren-yy.example>" 2y)
GONE=$(newkey "ISP Abuse <abuse@isp-one.example>" never)
OFF=$(newkey "Night Officer <night@csirt.example>" never)
for f in "$SOON" "$LONG" "$GONE" "$OFF"; do G --armor --export "$f" >"$T/$f.asc"; done

agw keys import "$T/$SOON.asc" --contact cert@nren-xx.example >"$T/out" 2>&1
check "import --contact pins the fingerprint" grep -q "pinned" "$T/out"
check "contact row carries the fingerprint" test \
    "$(sqlite3 "$T/gw/data/alertgw.db" "SELECT fingerprint FROM contacts WHERE address='cert@nren-xx.example'")" = "$SOON"
agw keys import "$T/$LONG.asc" --contact csirt@nren-yy.example >/dev/null
agw keys import "$T/$GONE.asc" --contact abuse@isp-one.example >/dev/null
agw keys import "$T/$OFF.asc" --officer --name Night >/dev/null
check "import --officer authorises" test \
    "$(sqlite3 "$T/gw/data/alertgw.db" "SELECT active FROM officers WHERE fingerprint='$OFF'")" = 1
agw keys import "$T/$OFF.asc" --contact nobody@nowhere.example >/dev/null 2>&1
check "import for an unknown contact fails (exit 67)" test $? = 67
agw keys import /dev/null >/dev/null 2>&1
check "import of no key fails (exit 65)" test $? = 65

agw keys list --json >"$T/list.json"
check "list --json parses" python3 -c "import json,sys; json.load(open('$T/list.json'))"
check "list names the officer" python3 -c "
import json; k={r['fingerprint']: r for r in json.load(open('$T/list.json'))}
assert k['$OFF']['used_by'] == 'officer', k['$OFF']
assert k['$SOON']['used_by'] == 'cert@nren-xx.example', k['$SOON']
assert k['$SOON']['state'] == 'valid'"

agw keys check --days 30 --json >"$T/c1.json" 2>"$T/err"
check "check exits 65 with a key expiring in 10 days" test $? = 65
check "check lists exactly the expiring key" python3 -c "
import json; r=json.load(open('$T/c1.json'))
assert [(x['fingerprint'], x['problem']) for x in r] == [('$SOON', 'expiring')], r"
agw keys check --days 5 >"$T/c2" 2>&1
check "nothing within 5 days: exit 0" test $? = 0

# Revoke one (its revocation certificate, imported through keys import),
# and pin a fingerprint the home does not hold.
sed 's/^:-----/-----/' "$H/openpgp-revocs.d/$GONE.rev" >"$T/gone.rev"
agw keys import "$T/gone.rev" >"$T/out" 2>&1
check "revocation certificate applied" grep -q "revocation applied" "$T/out"
sqlite3 "$T/gw/data/alertgw.db" "UPDATE contacts SET fingerprint='0123456789ABCDEF0123456789ABCDEF01234567' WHERE address='soc@isp-two.example'"
agw keys check --days 5 --json >"$T/c3.json" 2>/dev/null
check "check exits 65 again" test $? = 65
check "check lists revoked and missing" python3 -c "
import json; r=json.load(open('$T/c3.json'))
got=sorted((x['problem'], x['used_by']) for x in r)
assert got == [('missing', 'contact soc@isp-two.example'), ('revoked', 'contact abuse@isp-one.example')], got"
agw keys list >"$T/list.txt"
check "list shows the revoked key" grep -q "revoked" "$T/list.txt"
check "keys --help" agw keys check --help
[ "$fails" = 0 ]
