# Shared by the tests that need a real Postfix and a real SMTP sink on
# loopback (sourced by bash after lib.sh). Root only: master(8) must start
# as root, and pipe(8) runs the gateway as an unprivileged user.
#
# pf_free_port                 prints a free TCP port on 127.0.0.1
# pf_sink_start DIR [OPTS...]  Postfix smtp-sink on a free port; each
#                              transaction dumped to DIR/msg.*; sets SINK_PORT
#                              SINK_PID SINK_DIR
# pf_sink_count                transactions the sink has written
# pf_sink_wait N [SECONDS]     waits until the sink holds N transactions
# sink_message FILE            the message of one dump as it was sent: without
#                              smtp-sink's X-* lines and Received header, CRLF
# pf_gateway_for_pipe          makes the gateway of agw_setup usable by
#                              pipe(8)'s user (PF_USER): a copy of the binary,
#                              ownership of the data dir and GnuPG home
# pf_start DIR ADDR...         a private Postfix instance (config and queue
#                              under DIR) with smtpd on 127.0.0.1:PF_PORT and
#                              each ADDR routed to the `alertgw` pipe(8)
#                              transport; sets PF_DIR PF_PORT
# pf_wait_queue_empty [SECS]   waits until Postfix's queue is empty
# pf_wait_log REGEX            waits up to 10 s for a maillog line
# pf_sink_stop                 stops the sink
# pf_stop                      stops Postfix and the sink (use in a trap)

PF_USER=${PF_USER:-nobody}
PF_DIR=""
SINK_PID=""

pf_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pf_wait_port() {   # pf_wait_port PORT: up to 10 s
    for _ in $(seq 100); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.5).close()" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "# nothing listens on 127.0.0.1:$1" >&2
    return 1
}

pf_sink_start() {
    SINK_DIR=$1
    shift
    mkdir -p "$SINK_DIR"
    SINK_PORT=$(pf_free_port)
    # -u root: as root the sink would run as postfix, which cannot write
    # into a private temp dir.
    [ "$(id -u)" = 0 ] && set -- -u root "$@"
    /usr/sbin/smtp-sink -d "$SINK_DIR/msg." "$@" \
        "127.0.0.1:$SINK_PORT" 100 >/dev/null 2>&1 &
    SINK_PID=$!
    pf_wait_port "$SINK_PORT"
}

pf_sink_count() {
    find "$SINK_DIR" -name 'msg.*' -type f | wc -l
}

pf_sink_wait() {
    local n=$1 secs=${2:-20} i
    for i in $(seq $((secs * 10))); do
        [ "$(pf_sink_count)" -ge "$n" ] && return 0
        sleep 0.1
    done
    return 1
}

sink_message() {
    # smtp-sink stores LF line ends and one empty line after the message.
    awk 'state == 0 && /^Received:/ { state = 1; next }
         state == 1 && /^[ \t]/ { next }
         state == 1 { state = 2 }
         state == 2 { print }' "$1" | sed '$ { /^$/d }' | sed 's/$/\r/'
}

pf_gateway_for_pipe() {
    mkdir -p "$AGW_DIR/bin"
    cp "$ALERTGW" "$AGW_DIR/bin/alertgw"
    chmod 755 "$AGW_DIR/bin/alertgw" "$AGW_DIR"
    # Every directory above the data must be traversable by PF_USER.
    local d=$AGW_DIR
    while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    gpgconf --homedir "$GW_HOME" --kill all >/dev/null 2>&1 || true
    chown -R "$PF_USER" "$AGW_DIR/data" "$GW_HOME"
    chmod o+r "$AGW_CONF"
    PF_ALERTGW=$AGW_DIR/bin/alertgw
}

pf_write_main_cf() {
    cat >"$PF_DIR/etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $PF_DIR/etc
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
myhostname = mx.csirt.example
mydomain = csirt.example
myorigin = csirt.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = csirt.example
transport_maps = texthash:$PF_DIR/etc/transport
alertgw_destination_recipient_limit = 1
relay_transport = error:no outbound mail in this test
smtpd_banner = \$myhostname ESMTP
smtp_tls_security_level = none
$(if [ -n "${PF_TLS:-}" ]; then pf_tls_cert; else echo "smtpd_tls_security_level = none"; fi)
$(if [ -n "${PF_RELAYHOST:-}" ]; then
    echo "relayhost = [${PF_RELAYHOST%:*}]:${PF_RELAYHOST##*:}"
    echo "default_transport = smtp"
  else
    echo "default_transport = error:no outbound mail in this test"
  fi)
alias_maps =
alias_database =
biff = no
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF
}

# PF_TLS=1: smtpd offers STARTTLS (a self-signed certificate made here).
# PF_RELAYHOST=HOST:PORT: mail for anyone else is relayed there (a sink).
pf_tls_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.csirt.example" \
        -keyout "$PF_DIR/etc/key.pem" -out "$PF_DIR/etc/cert.pem" >/dev/null 2>&1
    cat <<EOF
smtpd_tls_security_level = may
smtpd_tls_cert_file = $PF_DIR/etc/cert.pem
smtpd_tls_key_file = $PF_DIR/etc/key.pem
smtpd_tls_loglevel = 1
EOF
}

pf_write_master_cf() {
    cat >"$PF_DIR/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
postlog   unix-dgram n  -       n       -       1       postlogd
alertgw   unix  -       n       n       -       -       pipe
  flags=Rq user=$PF_USER argv=$PF_ALERTGW -c $AGW_CONF filter --recipient \${original_recipient}
EOF
}

pf_start() {
    PF_DIR=$1
    shift
    PF_PORT=$(pf_free_port)
    mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data"
    chmod 755 "$PF_DIR"
    local d=$PF_DIR
    while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    chown postfix "$PF_DIR/data"
    pf_write_main_cf
    pf_write_master_cf
    : >"$PF_DIR/etc/transport"
    for a in "$@"; do printf '%s alertgw:\n' "$a" >>"$PF_DIR/etc/transport"; done
    # Creates the queue's subdirectories with their owners, then starts.
    postfix -c "$PF_DIR/etc" set-permissions >/dev/null 2>&1 || true
    if ! postfix -c "$PF_DIR/etc" start >"$PF_DIR/start.log" 2>&1; then
        cat "$PF_DIR/start.log" "$PF_DIR/maillog" >&2
        return 1
    fi
    pf_wait_port "$PF_PORT"
}

pf_wait_log() {
    for _ in $(seq 100); do
        grep -q "$1" "$PF_DIR/maillog" && return 0
        sleep 0.1
    done
    return 1
}

pf_queue_count() {
    find "$PF_DIR/spool/incoming" "$PF_DIR/spool/active" \
        "$PF_DIR/spool/deferred" "$PF_DIR/spool/maildrop" -type f 2>/dev/null |
        wc -l
}

pf_wait_queue_empty() {
    local secs=${1:-20} i
    for i in $(seq $((secs * 10))); do
        [ "$(pf_queue_count)" -eq 0 ] && return 0
        sleep 0.1
    done
    return 1
}

pf_sink_stop() {
    if [ -n "$SINK_PID" ]; then
        kill "$SINK_PID" 2>/dev/null || true
        wait "$SINK_PID" 2>/dev/null || true
        SINK_PID=""
    fi
}

pf_stop() {
    if [ -n "$PF_DIR" ] && [ -f "$PF_DIR/etc/main.cf" ]; then
        postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || true
        # master exits once it has stopped its children; make sure.
        local pid
        pid=$(cat "$PF_DIR/spool/pid/master.pid" 2>/dev/null | tr -d ' ')
        for _ in $(seq 50); do
            [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    fi
    pf_sink_stop
}

# pf_test_start: skip the test (exit 0) unless root; otherwise $T, a
# failure count, and at exit the private Postfix stopped, the GnuPG homes
# and $T removed ($T kept when KEEP is set).
pf_test_start() {
    if [ "$(id -u)" != 0 ]; then
        echo "ok - skipped: a private Postfix needs root"
        exit 0
    fi
    T=$(mktemp -d)
    trap 'pf_stop; agw_cleanup; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
    fails=0
}
