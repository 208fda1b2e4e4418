#!/bin/bash
# Delivery benchmark (make bench): one 20 KB signed alert to 3 lists of
# 1,000 contacts each, from `alertgw filter` until Postfix's smtp-sink has
# accepted every copy. Gateway CPU time (user+sys of filter and queue run,
# with the gpg processes they wait for; gpg-agent is a daemon and not
# counted), peak memory (max RSS), wall time, signatures made, against the
# targets: < 1 s CPU, < 64 MiB, one signature per list copy.
# Then the relay's side alone (issue 15, delivery at the relay's speed),
# `queue run` wall time with the outbox rows made due again:
#   - PER_MSG (1,000) SMTP transactions of one recipient each to
#     smtp-sink on loopback (smtp_batch = 1; as many outcome commits);
#   - through slowsmtp.py --rtt (RTT_MS, 10 ms: a relay that far away):
#     1,000 recipients in one transaction, and RTT_MSGS (100)
#     transactions of one recipient each.
# Usage: delivery.sh BUILD-DIR (a Release build; ASan inflates everything).
# Uses python3 (getrusage), sqlite3, smtp-sink and gpg; no root needed.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
export ALERTGW=${ALERTGW:-$BUILD/alertgw}
export AGW_SOURCE_DIR=${AGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
T=$(mktemp -d)
RELAY_PID=""
trap '[ -n "$RELAY_PID" ] && kill "$RELAY_PID"; pf_stop; agw_cleanup; rm -rf "$T"' EXIT
PER_LIST=${PER_LIST:-1000}
PER_MSG=${PER_MSG:-1000}
RTT_MS=${RTT_MS:-10}
RTT_MSGS=${RTT_MSGS:-100}

agw_setup "$T/gw" >/dev/null
pf_sink_start "$T/sink"
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$SINK_PORT|" "$AGW_CONF"
DB=$T/gw/data/alertgw.db
# 3 x PER_LIST contacts straight into the registry (set-up, not measured).
sqlite3 "$DB" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $PER_LIST)
INSERT INTO contacts(address, created)
  SELECT 'c' || i || '@' || l.name || '-bench.example', 0 FROM n, lists l;
INSERT INTO members(list_id, contact_id)
  SELECT l.id, c.id FROM contacts c JOIN lists l
  ON c.address LIKE '%@' || l.name || '-bench.example';
COMMIT;
SQL
# A 20 KB alert: the sample and log lines naming the sample's hosts.
cp "$AGW_SOURCE_DIR/tests/data/alert-sample.txt" "$T/body.txt"
while [ "$(wc -c <"$T/body.txt")" -lt 20000 ]; do
    printf '2026-07-06T22:14:07Z sshd[4242]: Accepted publickey for jsmith from 203.0.113.9 port 40022 on wn-r03-n117.grid.inst.example (192.0.2.45)\n' >>"$T/body.txt"
done
agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body.txt" \
    "EGI-20260709-01: Compromised credentials used on EXAMPLE-T2" >"$T/alert.eml"
rcpts=$(sqlite3 "$DB" "SELECT count(*) FROM members")

# measure.py runs the two gateway commands one after the other, each
# reaped with wait4 (its own rusage: alertgw and what it waited for), all
# under a child subreaper, so that gpg (which GPGME double-forks) and
# gpg-agent (a daemon, stopped at the end) are waited for and counted in
# the "with gpg" total.
cat >"$T/measure.py" <<'PY'
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER
alertgw, conf, alert, gnupg, out = sys.argv[1:6]
def run(args, stdin=None, stdout=None):
    p = subprocess.Popen(args, stdin=stdin, stdout=stdout)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("%s: status %d" % (args, status))
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss
t0 = time.monotonic()
with open(alert, "rb") as f:
    fc, fm = run([alertgw, "-c", conf, "filter", "--wait", "--recipient", "alerts@csirt.example"], stdin=f)
with open(out, "wb") as f:
    qc, qm = run([alertgw, "-c", conf, "queue", "run"], stdout=f)
subprocess.run(["gpgconf", "--homedir", gnupg, "--kill", "all"])
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
import resource
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %d %.3f %d %.3f %d" % (fc, fm, qc, qm, r.ru_utime + r.ru_stime, r.ru_maxrss))
PY
gpgconf --homedir "$GW_HOME" --kill all
start=$(date +%s%N)
python3 "$T/measure.py" "$ALERTGW" "$AGW_CONF" "$T/alert.eml" "$GW_HOME" "$T/run.out" >"$T/figures"
ncopies=$(sqlite3 "$DB" "SELECT count(DISTINCT copy_id) FROM outbox")
pf_sink_wait "$ncopies" 60 || true
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
read -r fcpu frss qcpu qrss allcpu allrss <"$T/figures"
cpu=$(awk "BEGIN { printf \"%.3f\", $fcpu + $qcpu }")
peak=$(( (frss > qrss ? frss : qrss) / 1024 ))
at_sink=$(cat "$T"/sink/msg.* | grep -c '^X-Rcpt-Args:' || true)
list_copies=$(grep -l '^List-Id:' "$T"/sink/msg.* | wc -l)
sigs=$(sqlite3 "$DB" "SELECT count(*) FROM copies WHERE kind = 'copy' AND instr(CAST(message AS TEXT), 'application/pgp-signature') > 0")
sent=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'sent'")
under() { awk "BEGIN { exit !($1 < $2) }" && echo ok || echo MISSED; }
echo "delivery: 1 alert ($(wc -c <"$T/alert.eml") bytes) to 3 lists x $PER_LIST contacts ($rcpts list recipients)"
echo "  $(cat "$T/run.out")"
echo "  filter:    cpu $fcpu s, max rss $((frss / 1024)) MiB"
echo "  queue run: cpu $qcpu s, max rss $((qrss / 1024)) MiB"
echo "  gateway cpu total: $cpu s (target < 1 s): $(under "$cpu" 1)"
echo "  peak memory: $peak MiB (target < 64 MiB): $(under "$peak" 64)"
echo "  with gpg and gpg-agent (cold start) counted: cpu $allcpu s: $(under "$allcpu" 1), largest process $((allrss / 1024)) MiB"
echo "  wall, filter to last copy at the sink: $wall_ms ms"
echo "  sink: $list_copies SMTP transactions with list copies, $at_sink recipients accepted; outbox sent: $sent"
echo "  signed list copies: $sigs for 3 lists (target: one per list copy): $([ "$sigs" = 3 ] && echo ok || echo MISSED)"

# ---- the relay's side alone -------------------------------------------------
# due N: the first N outbox rows pending and due again, the rest settled.
due() {
    sqlite3 "$DB" "UPDATE outbox SET state = CASE WHEN id IN (SELECT id FROM outbox ORDER BY id LIMIT $1) THEN 'pending' ELSE 'sent' END, next_try = 0, attempts = 0, lease_owner = '', lease_until = 0"
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
conf_set() { sed -i "/^$1 = /d" "$AGW_CONF"; sed -i "/^\[delivery\]/a $1 = $2" "$AGW_CONF"; }

rm -f "$T"/sink/msg.*
due "$PER_MSG"
conf_set smtp_batch 1
start=$(date +%s%N)
"$ALERTGW" -c "$AGW_CONF" queue run >/dev/null
pf_sink_wait "$PER_MSG" 120 || true
per_msg_ms=$(ms_since "$start")
echo "  $PER_MSG transactions of one recipient to smtp-sink (smtp_batch 1): $per_msg_ms ms wall, $(pf_sink_count) at the sink"

python3 "$AGW_SOURCE_DIR/tests/e2e/slowsmtp.py" "$T/rtt.port" "$T/rtt.log" \
    --data-delay 0 --rtt "$(awk "BEGIN { print $RTT_MS / 1000 }")" --pipelining &
RELAY_PID=$!
for _ in $(seq 100); do [ -s "$T/rtt.port" ] && break; sleep 0.1; done
sed -i "s|^transport = .*|transport = smtp://127.0.0.1:$(cat "$T/rtt.port")|" "$AGW_CONF"
conf_set smtp_batch 1000
due 1000
start=$(date +%s%N)
"$ALERTGW" -c "$AGW_CONF" queue run >/dev/null
echo "  1,000 recipients in one transaction, relay $RTT_MS ms away: $(ms_since "$start") ms wall, $(wc -l <"$T/rtt.log") accepted"
: >"$T/rtt.log"
conf_set smtp_batch 1
due "$RTT_MSGS"
start=$(date +%s%N)
"$ALERTGW" -c "$AGW_CONF" queue run >/dev/null
echo "  $RTT_MSGS transactions of one recipient, relay $RTT_MS ms away: $(ms_since "$start") ms wall, $(wc -l <"$T/rtt.log") accepted"
