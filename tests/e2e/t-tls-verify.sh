#!/bin/bash
# The relay's certificate verified after STARTTLS, against a real Postfix
# smtpd. A private test PKI (root CA, intermediate, server certificates)
# is made here with openssl; one Postfix instance listens on several
# loopback ports, each with its own certificate:
#   good      localhost + 127.0.0.1, issued by the intermediate, which the
#             server sends along (the CA file holds only the root)
#   wrongname mx.elsewhere.example, issued by the root
#   expired   localhost + 127.0.0.1, issued by the root, validity over
# The relay is on loopback, so smtp_tls_verify = yes turns checking on.
# A failed check leaves every recipient pending with the reason, and
# nothing is sent (not even in clear text with smtp_tls = may).
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
. "$AGW_SOURCE_DIR/tests/e2e/postfix-lib.sh"
pf_test_start
sql() { sqlite3 "$T/gw/data/alertgw.db" "$@"; }
n=0
alert() {   # a new signed alert to the 7-member list; sets ID
    n=$((n+1))
    ID=EGI-20260711-$(printf %02d $n)
    { cat "$AGW_SOURCE_DIR/tests/data/alert-sample.txt"; echo "Ref: verify-$n"; } >"$T/body$n.txt"
    agw_sign "$OFFICER_HOME" "$OFFICER_FPR" "$T/body$n.txt" \
        "$ID: Compromised credentials used on EXAMPLE-T2" >"$T/a$n.eml"
    agw filter --wait --recipient alerts@csirt.example <"$T/a$n.eml"
}
count() {   # count ALERT-ID STATE [REPLY-LIKE]
    sql "SELECT count(*) FROM outbox o JOIN copies c ON c.id = o.copy_id JOIN alerts a ON a.id = c.alert_row WHERE a.alert_id = '$1' AND c.kind = 'copy' AND o.state = '$2' AND o.reply LIKE '${3:-%}'"
}
quiet() { "$@" >/dev/null 2>&1; }
run() { agw queue run >"$T/run.out" 2>&1 || true; cat "$T/run.out" >>"$T/all.out"; }
# try DESCRIPTION TRANSPORT SENT REASON: a new alert through TRANSPORT;
# SENT=7: all delivered; SENT=0: all pending with REASON in the reply.
try() {
    agw_conf_set delivery transport "$2"
    alert
    run
    if [ "$3" = 7 ]; then
        check "$1: sent ($(head -c 300 "$T/run.out"))" test "$(count "$ID" sent)" = 7
    else
        check "$1: nothing sent" test "$(count "$ID" sent)" = 0
        check "$1: every recipient pending, reason '$4' recorded" \
            test "$(count "$ID" pending "%$4%")" = 7
    fi
}

# ---- a test PKI ----------------------------------------------------------
P=$T/pki
mkdir -p "$P"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/$1.key" 2>/dev/null; }
ca() {      # ca NAME CN: a self-signed root
    key "$1"
    openssl req -x509 -new -key "$P/$1.key" -days 2 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign -out "$P/$1.pem"
}
cert() {    # cert NAME ISSUER EXTENSION SAN X509-OPTIONS...
    local name=$1 issuer=$2 ext=$3 san=$4
    shift 4
    key "$name"
    openssl req -new -key "$P/$name.key" -subj "/CN=$name" -out "$P/$name.csr"
    printf '%s\nsubjectAltName=%s\n' "$ext" "$san" >"$P/$name.ext"
    openssl x509 -req -in "$P/$name.csr" -CA "$P/$issuer.pem" \
        -CAkey "$P/$issuer.key" -CAcreateserial -extfile "$P/$name.ext" \
        "$@" -out "$P/$name.pem" 2>/dev/null
}
LEAF="basicConstraints=CA:FALSE
extendedKeyUsage=serverAuth"
ca root "alertgw test root"
ca other "alertgw other root"
cert inter root "basicConstraints=critical,CA:TRUE" "DNS:inter.invalid" -days 2
cert good inter "$LEAF" "DNS:localhost,IP:127.0.0.1" -days 2
cat "$P/good.pem" "$P/inter.pem" >"$P/good-chain.pem"
cert wrongname root "$LEAF" "DNS:mx.elsewhere.example" -days 2
# OpenSSL 3.0 takes a negative -days: valid until yesterday.
cert expired root "$LEAF" "DNS:localhost,IP:127.0.0.1" -days -1
check "the test PKI is sane (openssl verifies the good chain)" quiet \
    openssl verify -CAfile "$P/root.pem" -untrusted "$P/inter.pem" "$P/good.pem"
crl() {     # crl NAME ISSUER [REVOKED] [OPENSSL-CA-OPTIONS...]: a CRL
    local name=$1 d=$P/ca-$1 issuer=$2 revoked=${3:-}
    shift 2; [ $# -gt 0 ] && shift
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 01 >"$d/crlnumber"
    printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 1\n' \
        "$d/index.txt" "$d/crlnumber" >"$d/cnf"
    [ -z "$revoked" ] || openssl ca -config "$d/cnf" -keyfile "$P/$issuer.key" \
        -cert "$P/$issuer.pem" -revoke "$P/$revoked.pem" 2>/dev/null
    openssl ca -config "$d/cnf" -keyfile "$P/$issuer.key" -cert "$P/$issuer.pem" \
        -gencrl "$@" -out "$P/$name.crl" 2>/dev/null
}
crl revoked-good inter good         # the intermediate revokes the relay's leaf
crl revoked-other inter expired     # ... another certificate only
crl stale inter "" -crlsec 1        # nothing revoked, next update in 1 s
cat "$P/revoked-good.crl" >"$P/root-and-inter.crl"
crl root-empty root
cat "$P/root-empty.crl" >>"$P/root-and-inter.crl"
openssl verify -crl_check -CRLfile "$P/revoked-good.crl" -CAfile "$P/root.pem" \
    -untrusted "$P/inter.pem" "$P/good.pem" >"$T/crl.out" 2>&1 || true
check "the test CRL revokes the relay's leaf (openssl says so)" \
    grep -q "certificate revoked" "$T/crl.out"

# ---- Postfix with one smtpd per certificate ------------------------------
agw_setup "$T/gw"
pf_sink_start "$T/sink"
PF_ALERTGW=$ALERTGW PF_TLS=1 PF_RELAYHOST=127.0.0.1:$SINK_PORT pf_start "$T/pf"
declare -A PORT
for c in good wrongname expired; do
    PORT[$c]=$(pf_free_port)
    crt=$P/$c.pem
    [ "$c" = good ] && crt=$P/good-chain.pem
    printf '127.0.0.1:%s inet n - n - - smtpd\n  -o smtpd_tls_cert_file=%s\n  -o smtpd_tls_key_file=%s\n' \
        "${PORT[$c]}" "$crt" "$P/$c.key" >>"$PF_DIR/etc/master.cf"
done
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
for c in good wrongname expired; do pf_wait_port "${PORT[$c]}"; done

agw_conf_set delivery smtp_tls require
agw_conf_set delivery smtp_tls_verify yes
agw_conf_set delivery smtp_tls_ca_file "$P/root.pem"
try "right CA, host name localhost, chain via an intermediate" \
    "smtp://localhost:${PORT[good]}" 7
check "... over TLS (Postfix logged the session)" \
    grep -q "TLS connection established from localhost\[127.0.0.1\]" "$PF_DIR/maillog"
try "right CA, IP literal 127.0.0.1 against the IP subjectAltName" \
    "smtp://127.0.0.1:${PORT[good]}" 7

agw_conf_set delivery smtp_tls_ca_file "$P/other.pem"
try "wrong CA" "smtp://localhost:${PORT[good]}" 0 "issuer not in smtp_tls_ca_file"
WRONG_CA=$ID
agw_conf_set delivery smtp_tls_ca_file "$P/root.pem"
try "wrong host name" "smtp://localhost:${PORT[wrongname]}" 0 "does not name the relay"
try "expired certificate" "smtp://localhost:${PORT[expired]}" 0 "certificate expired"
agw_conf_set delivery smtp_tls may
try "smtp_tls = may, wrong host name: no fallback to clear text" \
    "smtp://localhost:${PORT[wrongname]}" 0 "does not name the relay"

# The pin stands in for the chain: a certificate for another name, pinned.
PIN=$(openssl x509 -in "$P/wrongname.pem" -outform DER | sha256sum | cut -c1-64)
agw_conf_set delivery smtp_tls_fingerprint "$PIN"
try "verify = yes with a matching pin (name and CA not checked)" \
    "smtp://localhost:${PORT[wrongname]}" 7
agw_conf_set delivery smtp_tls_fingerprint ""

# Loopback without smtp_tls_verify: the self-signed relay of postfix-lib.
agw_conf_set delivery smtp_tls_verify auto
try "smtp_tls = may, verification auto on loopback, self-signed relay" \
    "smtp://127.0.0.1:$PF_PORT" 7
agw_conf_set delivery smtp_tls_verify no
agw_conf_set delivery smtp_tls require
try "smtp_tls = require, verification off, expired certificate" \
    "smtp://localhost:${PORT[expired]}" 7

# Nothing lost: once the CA is right, the pending copies go.
agw_conf_set delivery smtp_tls_verify yes
agw_conf_set delivery transport "smtp://localhost:${PORT[good]}"
agw queue retry "$WRONG_CA" >/dev/null
run
check "after fixing the CA, the held-back alert is sent" test "$(count "$WRONG_CA" sent)" = 7

# Revocation: CRLs of the operator's smtp_tls_crl_file (here issued by
# the intermediate, which is not in the CA file) count when the chain is
# verified; a CRL past its next update is refused as an unusable file is.
agw_conf_set delivery smtp_tls_crl_file "$P/revoked-other.crl"
try "a CRL that does not list the relay's certificate" \
    "smtp://localhost:${PORT[good]}" 7
agw_conf_set delivery smtp_tls_crl_file "$P/root-and-inter.crl"
try "a CRL (of two in the file) lists the relay's certificate" \
    "smtp://localhost:${PORT[good]}" 0 "certificate revoked"
REVOKED=$ID
sleep 2     # the stale CRL's next update has passed
for f in stale:"out of date" missing:"Error while reading"; do
    agw_conf_set delivery smtp_tls_crl_file "$P/${f%%:*}.crl"
    set +e
    agw queue run >"$T/run.out" 2>&1
    rc=$?
    set -e
    check "a ${f%%:*} CRL file is a configuration error (got $rc: $(head -c 200 "$T/run.out"))" \
        test "$rc" = 78
    check "... saying '${f#*:}'" grep -q "smtp_tls_crl_file.*${f#*:}" "$T/run.out"
done
agw_conf_set delivery smtp_tls_crl_file ""
agw queue retry "$REVOKED" >/dev/null
run
check "without the CRL, the held-back alert is sent" test "$(count "$REVOKED" sent)" = 7

agw_conf_set delivery smtp_tls_ca_file "$T/missing.pem"
set +e
agw queue run >"$T/run.out" 2>&1
rc=$?
set -e
check "a missing CA file is a configuration error (got $rc: $(head -c 200 "$T/run.out"))" test "$rc" = 78
agw_conf_set delivery smtp_tls_ca_file "$P/root.pem"
agw_conf_set delivery smtp_tls_verify maybe
set +e
agw queue run >/dev/null 2>&1
rc=$?
set -e
check "a bad smtp_tls_verify is a configuration error (got $rc)" test "$rc" = 78

check "no sanitizer report from any queue run" \
    test "$(grep -c Sanitizer "$T/all.out" || true)" = 0
[ "$fails" -eq 0 ] || { sql "SELECT DISTINCT reply FROM outbox" | sed "s/^/# reply: /"; echo "# maillog:"; tail -20 "$PF_DIR/maillog" | sed 's/^/#   /'; echo "$fails checks failed"; exit 1; }
