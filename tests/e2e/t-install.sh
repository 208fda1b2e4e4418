#!/bin/bash
# make install (README "Installing"): what `cmake --install` puts under
# DESTDIR for this build's prefix is a working installation: the program
# finds its rules and templates, the example configuration it ships is
# valid as shipped and names every key, the units point at the installed
# program, and systemd's own tools make the user and the data directory
# from the sysusers.d and tmpfiles.d entries.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
R=$T/root
DESTDIR=$R cmake --install "$AGW_BUILD_DIR" >"$T/install.log" 2>&1
check "cmake --install succeeds" test $? = 0
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$AGW_BUILD_DIR/CMakeCache.txt")
BIN=$R$PREFIX/bin/alertgw
check "the program is installed" test -x "$BIN"
CONF=$R/etc/alertgw/alertgw.conf
check "the configuration is installed" test -s "$CONF"
check "the configuration is not world-readable" \
    test "$(stat -c %a "$CONF")" = 640
ALERTGW_CONFIG=$CONF "$BIN" config >"$T/effective" 2>"$T/err"
check "the shipped configuration is valid as shipped" test $? = 0
check "every key is in the example" test \
    "$(grep -c '^#[a-z_0-9]* =' "$CONF")" = "$(grep -c ' = ' "$T/effective")"
# uncommented, every default must read back as itself
sed 's/^#\([a-z_0-9]* =\)/\1/' "$CONF" >"$T/uncommented.conf"
"$BIN" -c "$T/uncommented.conf" config >"$T/effective2" 2>"$T/err"
check "the example uncommented is valid" test $? = 0
check "the example's values are the defaults" \
    diff <(tail -n +2 "$T/effective") <(tail -n +2 "$T/effective2")
rules=$(sed -n 's/^rules_dir = //p' "$T/effective")
tmpl=$(sed -n 's/^templates_dir = //p' "$T/effective")
check "the default rules_dir is where the rules went" \
    bash -c "ls '$R$rules'/*.rules >/dev/null"
check "the default templates_dir is where the templates went" \
    test -d "$R$tmpl"
check "the README is installed" test -s "$R$PREFIX/share/doc/alertgw/README.md"
for u in alertgw-worker.service alertgw-worker.timer alertgw-watch.service \
    alertgw-web.service; do
    f=$R$PREFIX/lib/systemd/system/$u
    check "$u installed" test -s "$f"
    check "$u has no placeholder left" bash -c "! grep -q '@AGW_' '$f'"
done
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' \
    "$R$PREFIX/lib/systemd/system/alertgw-worker.service")
check "ExecStart names the installed program" test -x "$R$exe"
check "Documentation names the installed README" grep -q \
    "^Documentation=file:$PREFIX/share/doc/alertgw/README.md" \
    "$R$PREFIX/lib/systemd/system/alertgw-worker.service"
if command -v systemd-sysusers >/dev/null && [ "$(id -u)" = 0 ]; then
    systemd-sysusers --root="$R" "$R$PREFIX/lib/sysusers.d/alertgw.conf" \
        >/dev/null 2>&1
    check "sysusers.d makes the alertgw user" grep -q '^alertgw:' "$R/etc/passwd"
    systemd-tmpfiles --root="$R" --create \
        "$R$PREFIX/lib/tmpfiles.d/alertgw.conf" >/dev/null 2>&1
    check "tmpfiles.d makes the data directory" \
        test "$(stat -c %a "$R/var/lib/alertgw")" = 750
fi
# a second install keeps the operator's configuration
echo "# edited" >>"$CONF"
DESTDIR=$R cmake --install "$AGW_BUILD_DIR" >"$T/install2.log" 2>&1
check "a reinstall keeps the edited configuration" grep -q '^# edited$' "$CONF"
agw_test_end
