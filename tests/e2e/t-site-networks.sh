#!/bin/bash
# Regression (issue 16): a site network of 0.0.0.0/0 or ::/0 (or any
# prefix shorter than /8 for IPv4, /16 for IPv6) was accepted, and then
# every attacker address of every alert was replaced. Every way a network
# enters is refused with the reason: sites add/edit --network, sites
# import (sites file and GOCDB), the [anonymise] sites_file, and a row
# stored before the check names its site.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
expect() {          # expect WANT-EXIT WANT-STDERR-TEXT DESCRIPTION COMMAND...
    local want=$1 text=$2 what=$3 got
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" "$T/err"; }; then
        echo "ok - $what (exit $got)"
    else
        echo "not ok - $what: got exit $got, want $want with '$text': $(cat "$T/err")"
        fails=$((fails + 1))
    fi
}
WIDE4="too wide for a site (an IPv4 prefix shorter than /8"
WIDE6="too wide for a site (an IPv6 prefix shorter than /16"
ids() { q "SELECT count(*) FROM site_ids WHERE kind = 'network'"; }
before=$(ids)

expect 65 "network '0.0.0.0/0' $WIDE4" "sites add --network 0.0.0.0/0" \
    agw sites add WIDE-1 --network 0.0.0.0/0
expect 65 "network '::/0' $WIDE6" "sites add --network ::/0" \
    agw sites add WIDE-2 --network 192.0.2.0/24,::/0
expect 65 "network '10.0.0.0/7' $WIDE4" "sites add --network /7" \
    agw sites add WIDE-3 --network 10.0.0.0/7
check "nothing was added" test "$(q "SELECT count(*) FROM sites WHERE name LIKE 'WIDE-%'")" = 0
expect 0 "" "sites add --network at the limits (/8, /16)" \
    agw sites add NARROW --network 10.0.0.0/8,2001::/16
expect 65 "network '2000::/3' $WIDE6" "sites edit --network 2000::/3" \
    agw sites edit NARROW --network 2000::/3

printf 'WIDE-F wide.example 0.0.0.0/0.0.0.0\n' >"$T/wide.txt"
expect 65 "wide.txt:1: network '0.0.0.0/0.0.0.0' $WIDE4" \
    "sites import of a file with a wide network" \
    agw sites import "$T/wide.txt"
cat >"$T/wide.xml" <<'XML'
<results><SITE ID="1" PRIMARY_KEY="1" NAME="WIDE-G"><SHORT_NAME>WIDE-G</SHORT_NAME>
<SITE_IPV6>2001:db8::/32,::/0</SITE_IPV6></SITE></results>
XML
expect 65 "GOCDB site WIDE-G: network '::/0' $WIDE6" \
    "sites import --gocdb of a site with a wide network" \
    agw sites import --gocdb "$T/wide.xml"
check "no import added a network" test "$(ids)" = $((before + 2))

# [anonymise] sites_file: the gateway refuses to start on it, naming it
agw_conf_set anonymise sites_file "$T/wide.txt"
printf 'Subject: x\n\nattacker 203.0.113.7\n' >"$T/msg"
expect 65 "wide.txt:1: network '0.0.0.0/0.0.0.0' $WIDE4" \
    "[anonymise] sites_file with a wide network" agw anonymise "$T/msg"
sed -i '/^sites_file = /d' "$AGW_CONF"

# a row stored before this check: the error names the site to fix
q "INSERT INTO site_ids (site_id, kind, value) SELECT id, 'network', '0.0.0.0/0' FROM sites WHERE name = 'NARROW'"
expect 65 "site NARROW: network '0.0.0.0/0' $WIDE4" \
    "a wide network stored earlier names its site" agw anonymise "$T/msg"
expect 0 "" "sites edit --rm takes it out" agw sites edit NARROW --rm 0.0.0.0/0
expect 0 "" "anonymise works again" agw anonymise "$T/msg"
check "the attacker address stays" grep -q "203.0.113.7" "$T/out"
agw_test_end
