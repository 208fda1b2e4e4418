#!/bin/bash
# README "From a fresh host to the first alert delivered" runs as written
# (issue 16): the block marked <!-- t-walkthrough --> is one bash script
# (set -e), run as root from the source tree, in a private mount and
# network namespace that stands for a fresh Debian host whose Postfix
# sends through a smarthost: overlays on /etc, /usr/local, /var/lib and
# Postfix's queue (writes go to a tmpfs), a Postfix configured as Debian's
# "Internet with smarthost" would be (the smarthost is a smtp-sink), its
# own loopback. Afterwards the sink must hold one copy per list, signed
# by the key the walkthrough exported, the NREN copy without the victim
# site, and the audit chain must hold.
#
# It installs from the build directory `build` of the source tree (what
# `make install` uses), so it runs in the plain suite of `make test`
# only; elsewhere it is skipped (exit 125) with the reason.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"     # sink_message
skip() { echo "SKIP: $*"; exit 125; }
[ "$(id -u)" = 0 ] || skip "the walkthrough installs into the system: needs root"
for c in sudo unshare postfix systemd-sysusers swaks ip; do
    command -v "$c" >/dev/null || skip "$c not installed (scripts/deps.sh installs it)"
done
SRC=$(cd "$AGW_SOURCE_DIR" && pwd -P)
[ -d "$SRC/build" ] && [ "$(cd "$AGW_BUILD_DIR" && pwd -P)" = "$SRC/build" ] ||
    skip "make install builds in $SRC/build, not this build ($AGW_BUILD_DIR)"
grep -q '^AGW_SANITIZE:BOOL=ON' "$SRC/build/CMakeCache.txt" 2>/dev/null &&
    skip "the build in $SRC/build is a sanitizer build"
for f in duty-officer.asc alert.eml csirt-gateway.asc; do
    [ -e "$SRC/$f" ] && skip "$SRC/$f exists: the walkthrough would overwrite it"
done
agw_test_start
trap 'rm -f "$SRC/duty-officer.asc" "$SRC/alert.eml" "$SRC/csirt-gateway.asc"; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
chmod 755 "$T"
d=$SRC
while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done

# The officer's side: their key and a test alert they signed.
OH=$(agw_gnupg_home)
OFPR=$(agw_key "$OH" "Duty Officer <duty@csirt.example>")
gpg --homedir "$OH" --armor --export "$OFPR" >"$SRC/duty-officer.asc"
agw_sign "$OH" "$OFPR" "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" \
    "EGI-20260707-01: Compromised credentials used on EXAMPLE-T2" >"$SRC/alert.eml"
chmod 644 "$SRC/duty-officer.asc" "$SRC/alert.eml"

awk '$0 == "<!-- t-walkthrough -->" { on = 1; next }
     on && /^    / { sub(/^    /, ""); print; seen = 1; next }
     on && seen && !/^$/ { exit }' "$AGW_SOURCE_DIR/README.md" >"$T/walk.sh"
check "the README has the walkthrough" test "$(wc -l <"$T/walk.sh")" -ge 20

# The host, inside the namespaces.
mkdir -p "$T/host"
cat >"$T/host.sh" <<HOST
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
ip link set lo up
# Each directory the walkthrough writes gets an overlay whose upper
# layer is a tmpfs: the host's files show, writes stay in the namespace.
mount -t tmpfs tmpfs "$T/host"
for d in /etc /usr/local /var/lib /var/spool/postfix; do
    mkdir -p "$T/host/u\$d" "$T/host/w\$d"
    mount -t overlay overlay -o "lowerdir=\$d,upperdir=$T/host/u\$d,workdir=$T/host/w\$d" "\$d"
done
pf_sink_start "$T/sink"
# Debian's "Internet with smarthost", with the sink as the smarthost;
# no chroot (Debian's start script would have to fill one).
cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
postconf -F '*/*/chroot = n'
cat >/etc/postfix/main.cf <<MAIN
compatibility_level = 3.6
myhostname = mx.csirt.example
mydomain = csirt.example
myorigin = \\\$mydomain
mydestination = localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:\$SINK_PORT
alias_maps =
alias_database =
maillog_file = /var/spool/postfix/maillog
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
MAIN
postfix set-permissions >/dev/null 2>&1 || true
postfix start >/dev/null 2>&1
stop() { postfix stop >/dev/null 2>&1 || true; sleep 1; pf_sink_stop; cp /var/spool/postfix/maillog "$T/maillog" 2>/dev/null || true; umount -R "$T/host" 2>/dev/null || true; }
trap stop EXIT
cd "$SRC"
rc=0
bash -e -x "$T/walk.sh" >"$T/walk.out" 2>&1 || rc=\$?
echo "\$rc" >"$T/walk.rc"
SINK_DIR="$T/sink"
# the copies go through Postfix to the smarthost
pf_sink_wait 2 60 || true
sleep 1
HOST
unshare --mount --net --propagation private bash "$T/host.sh" >"$T/host.out" 2>&1
rc=$?
check "the host set-up ran (exit $rc: $(tail -3 "$T/host.out" | tr '\n' ' '))" test "$rc" = 0
check "every walkthrough line ran (exit $(cat "$T/walk.rc" 2>/dev/null); last lines: $(tail -5 "$T/walk.out" | tr '\n' ' '))" \
    test "$(cat "$T/walk.rc" 2>/dev/null)" = 0
check "the walkthrough exported the gateway key" grep -q 'BEGIN PGP PUBLIC KEY' "$SRC/csirt-gateway.asc"
check "the alert was queued" grep -q 'EGI-[0-9]*-01.*queued\|queued.*EGI-' "$T/walk.out"
check "the audit chain holds" grep -q 'audit chain intact' "$T/walk.out"

# What the smarthost got.
VH=$(agw_gnupg_home)
gpg --homedir "$VH" --batch --quiet --import "$SRC/csirt-gateway.asc" 2>/dev/null
n_ngi=0 n_nren=0
for f in "$T"/sink/msg.*; do
    [ -e "$f" ] || continue
    rcpt=$(grep '^X-Rcpt-Args:' "$f" | sed 's/.*<\(.*\)>.*/\1/' | xargs)
    case $rcpt in
    security@ngi-xx.example) n_ngi=$((n_ngi + 1)); ngi=$f ;;
    cert@nren-xx.example) n_nren=$((n_nren + 1)); nren=$f ;;
    esac
done
check "the NGI list got one copy (sink: $(ls "$T/sink" | wc -l) messages)" test "$n_ngi" = 1
check "the NREN list got one copy" test "$n_nren" = 1
verify() {      # verify FILE: the copy's PGP/MIME signature, by the exported key
    sink_message "$1" >"$T/copy.eml"
    $PGPMIME split "$T/copy.eml" "$T/copy.d" "$T/copy.s" &&
        gpg --homedir "$VH" --batch --quiet --verify "$T/copy.s" "$T/copy.d" 2>/dev/null
}
body() { sink_message "$1" >"$T/body.eml"; $PGPMIME text "$T/body.eml"; }
if [ "$n_ngi" = 1 ] && [ "$n_nren" = 1 ]; then
    check "the NGI copy verifies with csirt-gateway.asc" verify "$ngi"
    check "the NREN copy verifies with csirt-gateway.asc" verify "$nren"
    body "$ngi" >"$T/ngi.txt"
    body "$nren" >"$T/nren.txt"
    check "the NGI copy names the site" grep -q 'EXAMPLE-T2' "$T/ngi.txt"
    check "the NREN copy has the alert" grep -q 'EGI-20260707-01\|Compromised' "$T/nren.txt"
    check "the NREN copy does not name the site" \
        bash -c "! grep -qi 'EXAMPLE-T2\|grid\.inst\.example' '$T/nren.txt'"
fi
agw_test_end
