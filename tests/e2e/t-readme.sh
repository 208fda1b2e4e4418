#!/bin/bash
# Every README block marked "<!-- t-readme: NAME -->" runs as written
# (issue 16: the minimal set-up by hand failed at its 7th line). The
# block's lines run one by one in a scratch directory holding the files
# it names, with `alertgw` the program under test and ALERTGW_CONFIG a
# scratch configuration; each must exit 0.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
README=$AGW_SOURCE_DIR/README.md
# block NAME: the indented lines after the marker, unindented
block() {
    awk -v m="<!-- t-readme: $1 -->" '
        $0 == m { on = 1; next }
        on && /^    / { sub(/^    /, ""); print; seen = 1; next }
        on && seen && !/^$/ { exit }
        on && seen && /^$/ { n++ } ' "$README"
}
mkdir -p "$T/bin" "$T/run"
ln -s "$ALERTGW" "$T/bin/alertgw"
GH=$(agw_gnupg_home)
printf '[gateway]\ndata_dir = %s\ngnupg_home = %s\n[anonymise]\nrules_dir = %s\n[render]\ntemplates_dir = %s\n' \
    "$T/data" "$GH" "$AGW_SOURCE_DIR/rules" "$AGW_SOURCE_DIR/templates" \
    >"$T/alertgw.conf"
OH=$(agw_gnupg_home)
OFPR=$(agw_key "$OH" "Duty Officer <duty@csirt.example>")
gpg --homedir "$OH" --armor --export "$OFPR" >"$T/run/duty-officer.asc"
cp "$AGW_SOURCE_DIR/tests/data/sites-sample.txt" "$T/run/sites.txt"
block setup >"$T/setup.sh"
check "the README has the setup block" test "$(wc -l <"$T/setup.sh")" -ge 10
n=0
while IFS= read -r line; do
    n=$((n + 1))
    (cd "$T/run" && PATH="$T/bin:$PATH" ALERTGW_CONFIG="$T/alertgw.conf" \
        bash -c "$line") >"$T/out" 2>"$T/err"
    rc=$?
    check "setup line $n: $line (exit $rc) $(head -c 200 "$T/err")" test "$rc" = 0
done <"$T/setup.sh"
check "the set-up reaches a distribution" \
    bash -c "ALERTGW_CONFIG='$T/alertgw.conf' '$ALERTGW' dists list | grep -q alerts"
check "keys export wrote the key" grep -q 'BEGIN PGP PUBLIC KEY' "$T/run/csirt-gateway.asc"
agw_test_end
