#!/bin/bash
# SMTP AUTH PLAIN (RFC 4616, with the initial response) against a scripted relay on
# loopback that checks the credentials: the right ones send; a 535 or a
# relay without AUTH leaves every recipient pending, with the reason.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
T=$(mktemp -d)
PEER_PID=""
trap '[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null; pf_stop; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fails=0
sql() { sqlite3 "$T/gw/data/alertgw.db" "$@"; }
alert() {
    # Each alert its own body: the same signed body twice is a replay.
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: auth-$1"; } >"$T/body$1.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$1.txt" \
        "EGI-20260711-0$1: Compromised credentials used on EXAMPLE-T2" >"$T/a$1.eml"
    agw filter --wait --recipient alerts@csirt.example <"$T/a$1.eml"
}
list_rcpts() {
    sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$1' AND c.kind = 'copy' AND o.state = '$2'"
}
cat >"$T/peer.py" <<'PY'
import base64, socket, sys
port, log = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(5)
def check(c, b64):
    parts = base64.b64decode(b64).split(b"\0")
    ok = parts[1:] == [b"gateway", b"s3cret pass"]
    log.write("auth %s %r\n" % ("ok" if ok else "bad", parts[1:]))
    c.sendall(b"235 2.7.0 ok\r\n" if ok else b"535 5.7.8 bad credentials\r\n")
    return ok
while True:
    c, _ = srv.accept(); f = c.makefile("rb"); authed = False
    c.sendall(b"220 peer ESMTP\r\n")
    try:
        while True:
            line = f.readline()
            if not line: break
            w = line.split()
            cmd = w[0].upper() if w else b""
            if cmd == b"EHLO": c.sendall(b"250-peer\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif cmd == b"AUTH":
                if len(w) > 2: authed = check(c, w[2])
                else:
                    c.sendall(b"334 \r\n"); authed = check(c, f.readline().strip())
            elif cmd == b"MAIL":
                log.write("mail authed=%s\n" % authed)
                c.sendall(b"250 ok\r\n" if authed else b"530 5.7.0 auth first\r\n")
            elif cmd == b"DATA":
                c.sendall(b"354 go\r\n")
                while f.readline() not in (b".\r\n", b""): pass
                c.sendall(b"250 2.0.0 queued\r\n")
            elif cmd == b"QUIT": c.sendall(b"221 bye\r\n"); break
            else: c.sendall(b"250 ok\r\n")
    except OSError:
        pass
    c.close()
PY

agw_setup "$T/gw"
PORT=$(pf_free_port)
python3 "$T/peer.py" "$PORT" "$T/peer.log" &
PEER_PID=$!
pf_wait_port "$PORT"
printf 's3cret pass\n' >"$T/password"
chmod 600 "$T/password"
agw_conf_set delivery transport "smtp://127.0.0.1:$PORT"
agw_conf_set delivery smtp_user gateway
agw_conf_set delivery smtp_password_file "$T/password"

alert 1
agw queue run >/dev/null
check "AUTH PLAIN with the right password: all 7 sent" test "$(list_rcpts EGI-20260711-01 sent)" = 7
check "the relay saw the credentials" grep -q "^auth ok" "$T/peer.log"
check "no MAIL before AUTH" bash -c "! grep -q 'mail authed=False' '$T/peer.log'"

printf 'wrong\n' >"$T/password"
alert 2
agw queue run >/dev/null
check "535: nothing sent" test "$(list_rcpts EGI-20260711-02 sent)" = 0
check "535: every recipient pending" test "$(list_rcpts EGI-20260711-02 pending)" = 7
check "535: the reason recorded" \
    test "$(sql "SELECT count(*) FROM outbox WHERE reply LIKE '%AUTH failed: 535%'")" -ge 7

printf 's3cret pass\n' >"$T/password"
pf_sink_start "$T/sink" -a     # -a: no AUTH announced
agw_conf_set delivery transport "smtp://127.0.0.1:$SINK_PORT"
agw queue retry EGI-20260711-02 >/dev/null
agw queue run >/dev/null
check "relay without AUTH: every recipient still pending" \
    test "$(list_rcpts EGI-20260711-02 pending)" = 7
check "relay without AUTH: the reason recorded" \
    test "$(sql "SELECT count(*) FROM outbox WHERE reply LIKE '%no AUTH PLAIN%'")" -ge 7
agw_conf_set delivery transport "smtp://127.0.0.1:$PORT"
agw queue retry EGI-20260711-02 >/dev/null
agw queue run >/dev/null
check "password fixed: sent" test "$(list_rcpts EGI-20260711-02 sent)" = 7

[ "$fails" -eq 0 ] || { cat "$T/peer.log" | sed 's/^/# peer: /'; echo "$fails checks failed"; exit 1; }
