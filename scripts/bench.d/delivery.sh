#!/bin/bash
# Delivery benchmark (make bench): one 20 KB signed alert to 3 lists of
# 1,000 contacts each, from `alertgw filter` until Postfix's smtp-sink has
# accepted every copy. Gateway CPU time (user+sys of filter and queue run,
# with the gpg processes they wait for; gpg-agent is a daemon and not
# counted), peak memory (max RSS), wall time, signatures made, against the
# targets: < 1 s CPU, < 64 MiB, one signature per list copy.
# Usage: delivery.sh BUILD-DIR (a Release build; ASan inflates everything)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
export ALERTGW=${ALERTGW:-$BUILD/alertgw}
export AGW_SOURCE_DIR=${AGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
T=$(mktemp -d)
trap 'pf_stop; agw_cleanup; rm -rf "$T"' EXIT
PER_LIST=${PER_LIST:-1000}

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

# Everything runs under a child subreaper, so that gpg (which GPGME
# double-forks) and gpg-agent (a daemon, stopped at the end) are waited
# for and counted too: the "with gpg" figures.
cat >"$T/reap.py" <<'PY'
import ctypes, os, resource, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)          # PR_SET_CHILD_SUBREAPER
subprocess.run(["bash", "-c", sys.argv[1]], check=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %d" % (r.ru_utime + r.ru_stime, r.ru_maxrss))
PY
gpgconf --homedir "$GW_HOME" --kill all
TIMEF='%e %U %S %M'
start=$(date +%s%N)
python3 "$T/reap.py" "
/usr/bin/time -f '$TIMEF' -o '$T/t.filter' '$ALERTGW' -c '$AGW_CONF' filter \
    --recipient alerts@csirt.example <'$T/alert.eml'
/usr/bin/time -f '$TIMEF' -o '$T/t.run' '$ALERTGW' -c '$AGW_CONF' queue run >'$T/run.out'
gpgconf --homedir '$GW_HOME' --kill all" >"$T/t.all"
ncopies=$(sqlite3 "$DB" "SELECT count(DISTINCT copy_id) FROM outbox")
pf_sink_wait "$ncopies" 60 || true
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
read -r allcpu allrss <"$T/t.all"

read -r _ fu fs fm <"$T/t.filter"
read -r _ ru rs rm_ <"$T/t.run"
cpu=$(echo "$fu + $fs + $ru + $rs" | bc)
peak=$(( (fm > rm_ ? fm : rm_) / 1024 ))
at_sink=$(cat "$T"/sink/msg.* | grep -c '^X-Rcpt-Args:' || true)
list_copies=$(grep -l '^List-Id:' "$T"/sink/msg.* | wc -l)
sigs=$(sqlite3 "$DB" "SELECT count(*) FROM copies WHERE kind = 'copy' AND instr(CAST(message AS TEXT), 'application/pgp-signature') > 0")
sent=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'sent'")
verdict() { if [ "$1" = 1 ]; then echo ok; else echo MISSED; fi; }
echo "delivery: 1 alert ($(wc -c <"$T/alert.eml") bytes) to 3 lists x $PER_LIST contacts ($rcpts list recipients)"
echo "  $(cat "$T/run.out")"
echo "  filter:    cpu $(echo "$fu + $fs" | bc) s, max rss $((fm / 1024)) MiB"
echo "  queue run: cpu $(echo "$ru + $rs" | bc) s, max rss $((rm_ / 1024)) MiB"
echo "  gateway cpu total: $cpu s (target < 1 s): $(verdict "$(echo "$cpu < 1" | bc)")"
echo "  peak memory: $peak MiB (target < 64 MiB): $(verdict $((peak < 64)))"
echo "  with gpg and gpg-agent (cold start) counted: cpu $allcpu s: $(verdict "$(echo "$allcpu < 1" | bc)"), largest process $((allrss / 1024)) MiB"
echo "  wall, filter to last copy at the sink: $wall_ms ms"
echo "  sink: $list_copies SMTP transactions with list copies, $at_sink recipients accepted; outbox sent: $sent"
echo "  signed list copies: $sigs for 3 lists (target: one per list copy): $(verdict $((sigs == 3)))"
