# Shared set-up for the end-to-end tests and the demo (sourced by sh/bash).
#
# agw_setup DIR  makes a complete gateway under DIR: configuration file,
# GnuPG homes (short paths under /tmp: gpg-agent's socket path is
# limited), a gateway signing key, an officer key, sample sites, three
# lists (ngi whole; nren and isp anonymised) with contacts, and the
# distribution alerts@csirt.example feeding all three.
# Sets: AGW_CONF OFFICER_HOME OFFICER_FPR GW_HOME AGW_OUT AGW_DIR

: "${AGW_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
PGPMIME="python3 $AGW_SOURCE_DIR/tests/e2e/pgpmime.py"
AGW_HOMES=""

agw() {
    "$ALERTGW" -c "$AGW_CONF" "$@"
}

# Homes agw_gnupg_home made, one a line. It is called as $(...), a
# subshell whose variables die with it, so the list is a file named here,
# in the shell that sources this.
AGW_HOMES_LIST=${AGW_HOMES_LIST:-$(mktemp /tmp/agw-homes.XXXXXX)}

agw_gnupg_home() {
    h=$(mktemp -d /tmp/agw.XXXXXX)
    chmod 700 "$h"
    echo "$h" >>"$AGW_HOMES_LIST"
    echo "$h"
}

# Stop every agent of those homes and remove them (their secret keys).
agw_cleanup() {
    [ -f "$AGW_HOMES_LIST" ] || return 0
    while IFS= read -r h; do
        gpgconf --homedir "$h" --kill all >/dev/null 2>&1 || true
        rm -rf "$h"
    done <"$AGW_HOMES_LIST"
    rm -f "$AGW_HOMES_LIST"
}

# matches STRING GLOB: STRING matches the shell pattern GLOB.
matches() { case $1 in $2) return 0 ;; esac; return 1; }

# agw_key HOME UID: a new ed25519 key without passphrase; prints its fpr.
agw_key() {
    gpg --homedir "$1" --batch --quiet --pinentry-mode loopback \
        --passphrase '' --quick-gen-key "$2" ed25519 sign never >/dev/null 2>&1
    gpg --homedir "$1" --with-colons --list-keys "$2" |
        awk -F: '$1 == "fpr" { print $10; exit }'
}

agw_write_conf() {
    cat >"$AGW_CONF" <<CONF
[gateway]
data_dir = $AGW_DIR/data
gnupg_home = $GW_HOME
from = EGI CSIRT <csirt@csirt.example>
sender = csirt-bounces@csirt.example
domain = csirt.example
admin = csirt-admin@csirt.example
max_signature_age = 3600

[anonymise]
rules_dir = $AGW_SOURCE_DIR/rules
keep = cvmfs-stratum-one.grid.inst.example

[render]
templates_dir = $AGW_SOURCE_DIR/templates

[delivery]
transport = dir:$AGW_OUT
CONF
}

agw_registry() {
    agw sites import "$AGW_SOURCE_DIR/tests/data/sites-sample.txt" >/dev/null
    agw orgs add NGI_XX --kind ngi --country XX
    agw orgs add NREN-XX --kind nren --country XX
    agw orgs add ISP-One --kind isp
    agw lists add ngi --address ngi-security@csirt.example \
        --audience "NGI security officers" --anonymise no
    agw lists add nren --address nren-csirts@csirt.example \
        --audience "NREN CSIRTs and TF-CSIRT"
    agw lists add isp --address isp-security@csirt.example \
        --audience "Commercial ISPs"
    for c in ngi:officer1@ngi-xx.example ngi:officer2@ngi-yy.example \
             ngi:officer3@ngi-zz.example nren:cert@nren-xx.example \
             nren:csirt@nren-yy.example isp:abuse@isp-one.example \
             isp:soc@isp-two.example; do
        agw contacts add "${c#*:}" >/dev/null
        agw lists add-member "${c%%:*}" "${c#*:}"
    done
    agw dists add alerts --address alerts@csirt.example \
        --lists ngi,nren,isp
}

agw_setup() {
    AGW_DIR=$1
    AGW_CONF=$AGW_DIR/alertgw.conf
    AGW_OUT=$AGW_DIR/out
    mkdir -p "$AGW_DIR" "$AGW_OUT"
    GW_HOME=$(agw_gnupg_home)
    OFFICER_HOME=$(agw_gnupg_home)
    agw_write_conf
    agw init >/dev/null
    OFFICER_FPR=$(agw_key "$OFFICER_HOME" "Duty Officer <duty@csirt.example>")
    gpg --homedir "$OFFICER_HOME" --armor --export "$OFFICER_FPR" \
        >"$AGW_DIR/officer.asc"
    agw officers add --key "$AGW_DIR/officer.asc" --name "Duty Officer" \
        --email duty@csirt.example >/dev/null
    agw_registry
}

# agw_sign HOME FPR TEXTFILE SUBJECT > message
agw_sign() {
    $PGPMIME sign "$1" "$2" "Duty Officer <duty@csirt.example>" "$4" "$3"
}

# The gateway's public key, for verifying copies elsewhere.
agw_export_gateway_key() {
    gpg --homedir "$GW_HOME" --export "$1"
}

# agw_test_start: a temporary directory $T removed at exit (with the
# GnuPG homes), a failure count and check(). agw_test_end: the verdict.
agw_test_start() {
    T=$(mktemp -d)
    trap 'agw_cleanup; rm -rf "$T"' EXIT
    fails=0
}

# check DESCRIPTION COMMAND...: run it, print ok/not ok, count failures.
check() {
    what=$1
    shift
    if "$@"; then
        echo "ok - $what"
    else
        echo "not ok - $what"
        fails=$((fails + 1))
    fi
}

# agw_conf_set SECTION KEY VALUE: KEY = VALUE in [SECTION] of $AGW_CONF
# (any earlier line for KEY goes).
agw_conf_set() {
    sed -i "/^$2 = /d" "$AGW_CONF"
    sed -i "/^\[$1\]/a $2 = $3" "$AGW_CONF"
}

# agw_test_gateway: agw_test_start and a gateway set up in $T/gw; DB is
# its database, q SQL... a query on it.
agw_test_gateway() {
    agw_test_start
    agw_setup "$T/gw" >/dev/null
    DB=$T/gw/data/alertgw.db
}
q() { sqlite3 "$DB" "$@"; }

# agw_processed [SECONDS]: wait (30 s at most) until the detached
# processors that `filter` without --wait leaves behind (processes
# running `alertgw -c $AGW_CONF filter`) are gone, whatever became of
# their alerts; fails if one still runs then. (`filter --wait` answers
# only once processing is done.)
agw_processed() {
    local i
    for i in $(seq $((${1:-30} * 10))); do
        ps -eo args= | awk -v c="$AGW_CONF" \
            'index($0, " -c " c " filter ") { found = 1 } END { exit !found }' || return 0
        sleep 0.1
    done
    return 1
}

agw_test_end() {
    [ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
}
