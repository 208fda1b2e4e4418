#!/bin/bash
# Encrypted fan-out benchmark (make bench; issue 15): one 20 KB signed
# alert to an `encrypt always` list of 1,000 recipients, each with a
# cv25519 key of their own, from `alertgw filter` until the sink holds the
# last message. Three runs on the same gateway (a new alert each time).
# Per run: wall time, peak memory (max RSS of filter and queue run), and
# the gpg processes started. Targets: <= 5 s wall, < 64 MiB, runs 2 and 3
# no slower than run 1 (1 s or 20 % of slack for noise).
# The 1,000 keys are made once (one gpg run, a parameter file with a block
# per key) and kept in BUILD-DIR/bench-encrypt/, so reruns start at once.
# Usage: encrypt.sh BUILD-DIR (a Release build; ASan inflates everything).
# SINK=dir delivers to a directory instead of Postfix's smtp-sink (the
# dir transport syncs every message: slower than the sink). The filter
# figure is the encryption's; the rest is the queue run's delivery.
# KEYS=N: another list size.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
export ALERTGW=${ALERTGW:-$BUILD/alertgw}
export AGW_SOURCE_DIR=${AGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
KEYS=${KEYS:-1000}
SINK=${SINK:-smtp}
RUNS=3
CACHE=$BUILD/bench-encrypt
T=$(mktemp -d)
trap 'pf_stop; agw_cleanup; rm -rf "$T"' EXIT

# KEYS recipient keys: public keys and "address fingerprint" lines.
bench_keys() {
    local h
    [ -s "$CACHE/keys-$KEYS.pgp" ] && [ -s "$CACHE/fprs-$KEYS.txt" ] && return 0
    mkdir -p "$CACHE"
    h=$(agw_gnupg_home)
    for i in $(seq "$KEYS"); do
        printf '%%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\nName-Email: r%d@enc-bench.example\nExpire-Date: 0\n%%commit\n' "$i"
    done >"$T/keys.params"
    gpg --homedir "$h" --batch --quiet --gen-key "$T/keys.params" 2>/dev/null
    gpg --homedir "$h" --export >"$CACHE/keys-$KEYS.pgp.tmp"
    gpg --homedir "$h" --with-colons --list-keys | awk -F: '
        $1 == "pub" { want = 1 }
        $1 == "fpr" && want { fpr = $10; want = 0 }
        $1 == "uid" { a = $10; gsub(/.*<|>.*/, "", a); print a, fpr }' \
        >"$CACHE/fprs-$KEYS.txt.tmp"
    gpgconf --homedir "$h" --kill all
    mv "$CACHE/keys-$KEYS.pgp.tmp" "$CACHE/keys-$KEYS.pgp"
    mv "$CACHE/fprs-$KEYS.txt.tmp" "$CACHE/fprs-$KEYS.txt"
}
t0=$(date +%s)
bench_keys
echo "encrypt: $KEYS recipient keys ready in $(( $(date +%s) - t0 )) s ($CACHE)"

agw_setup "$T/gw" >/dev/null
DB=$T/gw/data/alertgw.db
if [ "$SINK" = smtp ]; then
    pf_sink_start "$T/sink"
    sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
    delivered() { pf_sink_count; }
else
    delivered() { find "$AGW_OUT" -name '*.eml' | wc -l; }
fi
gpg --homedir "$GW_HOME" --batch --quiet --import "$CACHE/keys-$KEYS.pgp" 2>/dev/null
agw lists add enc --address enc@csirt.example --anonymise no --encrypt always >/dev/null
agw dists add encd --address encd@csirt.example --lists enc >/dev/null
awk '{ printf "INSERT INTO contacts(address, fingerprint, created) VALUES(%c%s%c, %c%s%c, 0);\n", 39, $1, 39, 39, $2, 39 }' \
    "$CACHE/fprs-$KEYS.txt" >"$T/contacts.sql"
sqlite3 "$DB" <<SQL
BEGIN;
.read $T/contacts.sql
INSERT INTO members(list_id, contact_id) SELECT l.id, c.id FROM contacts c, lists l
  WHERE l.name = 'enc' AND c.address LIKE '%@enc-bench.example';
COMMIT;
SQL
rcpts=$(sqlite3 "$DB" "SELECT count(*) FROM members m JOIN lists l ON l.id = m.list_id WHERE l.name = 'enc'")

# A 20 KB alert (as the delivery benchmark's), with the run's number in
# it: the same body signed twice in one second would be a replay.
body() {
    cp "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" "$T/body.txt"
    echo "Run $1 of the encrypted fan-out benchmark." >>"$T/body.txt"
    while [ "$(wc -c <"$T/body.txt")" -lt 20000 ]; do
        printf '2026-07-06T22:14:07Z sshd[4242]: Accepted publickey for jsmith from 203.0.113.9 port 40022 on wn-r03-n117.grid.inst.example (192.0.2.45)\n' >>"$T/body.txt"
    done
}

# measure.py: filter then queue run, each reaped with wait4 for its own
# max RSS; prints "FILTER_MS FILTER_KIB QUEUE_KIB QUEUE_MS".
cat >"$T/measure.py" <<'PY'
import os, subprocess, sys, time
alertgw, conf, alert = sys.argv[1:4]
def run(args, stdin=None):
    p = subprocess.Popen(args, stdin=stdin, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("%s: status %d" % (args, status))
    return ru.ru_maxrss
t0 = time.monotonic()
with open(alert, "rb") as f:
    fm = run([alertgw, "-c", conf, "filter", "--wait", "--recipient", "encd@csirt.example"], stdin=f)
fms = (time.monotonic() - t0) * 1000
t1 = time.monotonic()
qm = run([alertgw, "-c", conf, "queue", "run"])
print("%d %d %d %d" % (fms, fm, qm, (time.monotonic() - t1) * 1000))
PY

# gpg processes started during a run: execve calls of gpg, counted by
# strace when it is there (it slows the run: a separate, unmeasured run).
count_gpg() {
    command -v strace >/dev/null || { echo "?"; return; }
    strace -f -qq -e trace=execve -e signal=none -o "$T/strace.out" \
        python3 "$T/measure.py" "$ALERTGW" "$AGW_CONF" "$1" >/dev/null
    grep -c 'execve("[^"]*/gpg"' "$T/strace.out" || true
}

fails=0
walls=""
for run in $(seq "$RUNS"); do
    body "$run"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body.txt" \
        "EGI-20260709-0$run: Compromised credentials used on EXAMPLE-T2" >"$T/alert$run.eml"
    before=$(delivered)
    start=$(date +%s%N)
    python3 "$T/measure.py" "$ALERTGW" "$AGW_CONF" "$T/alert$run.eml" >"$T/figures"
    # every recipient, and the officer's receipt
    if [ "$SINK" = smtp ]; then pf_sink_wait $((before + rcpts + 1)) 300 || true; fi
    wall=$(( ($(date +%s%N) - start) / 1000000 ))
    read -r fms frss qrss qms <"$T/figures"
    peak=$(( (frss > qrss ? frss : qrss) / 1024 ))
    got=$(( $(delivered) - before ))
    enc=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'copy-encrypted' AND alert_row = (SELECT max(id) FROM alerts)")
    ok=ok
    [ "$wall" -le 5000 ] && [ "$peak" -lt 64 ] && [ "$got" -gt "$rcpts" ] || ok=MISSED
    [ "$ok" = ok ] || fails=$((fails + 1))
    echo "  run $run: wall $wall ms (filter $fms ms, queue run $qms ms), peak $peak MiB (filter $((frss / 1024)), queue run $((qrss / 1024))), $got messages delivered (the receipt and $rcpts recipients'), $enc encrypted: $ok"
    walls="$walls $wall"
done
set -- $walls
first=$1
shift
for w in "$@"; do
    if [ "$w" -gt $((first + first / 5 + 1000)) ]; then
        echo "  a later run was slower than the first ($w ms > $first ms): MISSED"
        fails=$((fails + 1))
    fi
done
body 4
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body.txt" \
    "EGI-20260709-04: Compromised credentials used on EXAMPLE-T2" >"$T/alert4.eml"
echo "  gpg processes for one alert to $rcpts keyed recipients (filter and queue run, strace): $(count_gpg "$T/alert4.eml")"
echo "encrypt: 1 alert to $rcpts keyed recipients ($SINK), targets <= 5000 ms, < 64 MiB, later runs no slower: $([ "$fails" = 0 ] && echo ok || echo MISSED)"
[ "$fails" = 0 ]
