#!/bin/sh
# Install the Debian packages alertgw builds, tests and demos with.
# Only what is missing is installed; safe to run again.
set -eu

PKGS="build-essential cmake pkg-config clang
libetpan-dev libgpgme-dev libpcre2-dev libsqlite3-dev libinih-dev
libxml2-dev libicu-dev libcmocka-dev libgnutls28-dev ca-certificates openssl
gnupg gpg-agent sqv sq sqlite3 python3 postfix swaks valgrind
libseccomp-dev nettle-dev time
libmicrohttpd-dev libargon2-dev chromium chromium-driver python3-selenium
python3-jsonschema sudo"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing$missing" >&2
# Postfix asks how to configure itself; the tests write their own config.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
