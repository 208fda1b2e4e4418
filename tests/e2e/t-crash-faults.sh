#!/bin/bash
# Faults, each with its expected state and nothing lost: a relay answering
# 421/451/452/550 per recipient, one closing in the middle of DATA, the
# database on a full file system (a small tmpfs), and gpg-agent gone.
# kill -9 at many points: t-crash.sh.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/crash-lib.sh"
crash_setup

# ---- a relay that answers per recipient, or hangs up in DATA ---------------
cat >"$T/peer.py" <<'PY'
import socket, sys
port, mode = int(sys.argv[1]), sys.argv[2]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(5)
REPLY = {"r421": b"421 4.3.2 going down\r\n", "r451": b"451 4.3.0 try later\r\n",
         "r452": b"452 4.5.3 too many\r\n", "r550": b"550 5.1.1 no such user\r\n"}
while True:
    c, _ = srv.accept(); f = c.makefile("rb")
    c.sendall(b"220 peer ESMTP\r\n")
    try:
        while True:
            line = f.readline()
            if not line: break
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"): c.sendall(b"250-peer\r\n250 8BITMIME\r\n")
            elif cmd == b"RCPT":
                local = line.split(b"<")[1].split(b"@")[0].decode()
                r = REPLY.get(local.split("-")[0], b"250 2.1.5 ok\r\n")
                c.sendall(r)
                if r.startswith(b"421"): break
            elif cmd == b"DATA":
                c.sendall(b"354 go\r\n")
                n = 0
                while True:
                    d = f.readline(); n += len(d)
                    if mode == "close-in-data" and n > 200: raise ConnectionError
                    if d in (b".\r\n", b""): break
                c.sendall(b"250 2.0.0 queued\r\n")
            elif cmd == b"QUIT": c.sendall(b"221 bye\r\n"); break
            else: c.sendall(b"250 ok\r\n")
    except (ConnectionError, OSError):
        pass
    c.close()
PY
peer_start() {  # peer_start MODE
    PEER_PORT=$(pf_free_port)
    python3 "$T/peer.py" "$PEER_PORT" "$1" 2>/dev/null &
    PEER_PID=$!
    pf_wait_port "$PEER_PORT"
    agw_conf_set delivery transport "smtp://127.0.0.1:$PEER_PORT"
}
peer_stop() { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""; }
state_of() { sql "SELECT state || ' ' || code FROM outbox WHERE rcpt = '$1' ORDER BY id DESC LIMIT 1"; }

agw lists add p1 --address p1@csirt.example --audience "probe 1" --anonymise no
agw lists add p2 --address p2@csirt.example --audience "probe 2" --anonymise no
for c in p1:ok-a@x.example p1:r451-b@x.example p1:r452-c@x.example \
         p1:r550-d@x.example p1:ok-e@x.example p2:ok-f@y.example \
         p2:r421-g@y.example p2:ok-h@y.example; do
    agw contacts add "${c#*:}" >/dev/null
    agw lists add-member "${c%%:*}" "${c#*:}"
done
agw dists add probe --address probe@csirt.example --lists p1,p2 >/dev/null
agw_conf_set gateway time_budget 60
peer_start per-rcpt
new_alert
filter_like_postfix "" probe@csirt.example
agw queue run >/dev/null 2>&1 || true
check "250: sent" test "$(state_of ok-a@x.example)" = "sent 250"
check "451: deferred" test "$(state_of r451-b@x.example)" = "pending 451"
check "452: deferred" test "$(state_of r452-c@x.example)" = "pending 452"
check "550: failed" test "$(state_of r550-d@x.example)" = "failed 550"
check "250 after the others: sent" test "$(state_of ok-e@x.example)" = "sent 250"
check "421 to RCPT: deferred" test "$(state_of r421-g@y.example | cut -d' ' -f1)" = pending
check "accepted before the 421: deferred" test "$(state_of ok-f@y.example | cut -d' ' -f1)" = pending
check "not offered after the 421: deferred" test "$(state_of ok-h@y.example | cut -d' ' -f1)" = pending
check "deferred ones back off (next try in the future)" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state='pending' AND next_try > strftime('%s','now')")" -ge 5
peer_stop

peer_start close-in-data
agw queue retry --all >/dev/null
agw queue run >/dev/null 2>&1 || true
check "closed in DATA: every offered recipient deferred" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state='pending'")" = 5
check "closed in DATA: none marked sent" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state='sent' AND rcpt LIKE '%@y.example'")" = 0
peer_stop
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
agw queue retry --all >/dev/null
agw queue run >/dev/null 2>&1 || true
check "relay back: every deferred recipient sent (and the 550 once retried)" \
    test "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" = 0

# ---- the database on a full file system (a small tmpfs) ---------------------
full_disk() {
    mkdir -p "$T/full"
    mount -t tmpfs -o size=16m tmpfs "$T/full" 2>/dev/null || return 1
    FULL_MOUNTED=1
    sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$T/gw/data/alertgw.db" "$T/full/alertgw.db"
    agw_conf_set gateway db "$T/full/alertgw.db"
    DBFILE=$T/full/alertgw.db
}
FULL_MOUNTED=""
if [ "$(id -u)" = 0 ] && full_disk; then
    sql() { sqlite3 "$DBFILE" "$@"; }
    new_alert
    filter_like_postfix "" alerts@csirt.example
    dd if=/dev/zero of="$T/full/filler" bs=64k >/dev/null 2>&1 || true
    first=$AID
    new_alert
    set +e
    agw filter --wait --recipient alerts@csirt.example <"$MSG" 2>"$T/full.err"
    rc=$?
    agw queue run >/dev/null 2>>"$T/full.err"
    rc2=$?
    set -e
    check "full disk: filter answers 75 (got $rc)" test "$rc" = 75
    check "full disk: ... with 4.3.0 first ($(head -1 "$T/full.err"))" grep -q '^4\.3\.0' "$T/full.err"
    check "full disk: queue run fails (got $rc2)" test "$rc2" != 0
    rm -f "$T/full/filler"
    AID=$first
    check "full disk: recipients stay pending, none recorded as sent" \
        test "$(sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id=o.copy_id JOIN alerts a ON a.id=c.alert_row WHERE a.alert_id='$AID' AND o.state='pending'")" -ge 7
    settle || true
    expect_delivered "full disk, then space again" ATLEASTONCE
    AID=$(printf 'EGI-20260708-%02d' "$N")
    filter_like_postfix "" alerts@csirt.example
    settle || true
    expect_delivered "the alert refused while full, delivered again by the MTA" ONCE
else
    echo "ok - full disk: skipped (no tmpfs mount here)"
fi

# ---- gpg-agent gone ------------------------------------------------------------
gpgconf --homedir "$GW_HOME" --kill gpg-agent
echo no-autostart >>"$GW_HOME/gpg.conf"
new_alert
set +e
agw filter --wait --recipient alerts@csirt.example <"$MSG" 2>/dev/null
rc=$?
set -e
check "agent gone: filter still answers 0 (got $rc)" test "$rc" = 0
check "agent gone: the alert waits as new" \
    test "$(sql "SELECT state FROM alerts ORDER BY id DESC LIMIT 1")" = new
agw_conf_set gateway time_budget 1
sleep 2
set +e
agw queue run >/dev/null 2>&1
rc=$?
set -e
check "agent gone: queue run reports it (got $rc)" test "$rc" != 0
check "agent gone: still new, nothing made" \
    test "$(sql "SELECT count(*) FROM alerts WHERE state='new'")" = 1
sed -i '/^no-autostart/d' "$GW_HOME/gpg.conf"
settle || true
expect_delivered "agent back" ONCE

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
