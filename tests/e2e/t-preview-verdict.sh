#!/bin/bash
# Regression (issue 16): `preview` showed the copy a list would get but
# not whether the list would get it. On stderr it now states the verdict
# for that list: sent (to how many), withheld and why, held for release.
set -eu
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_gateway
A=$AGW_SOURCE_DIR/tests/data/alert-sample.txt
verdict() { agw preview --list "$1" "$A" 2>&1 >/dev/null; }

check "sent: ngi to 3 ($(verdict ngi))" grep -q '^alertgw: preview: list ngi: sent to 3 recipients (TLP:AMBER)$' <(verdict ngi)
agw preview --list ngi "$A" 2>/dev/null >"$T/copy.eml"
check "stdout is still the message alone" grep -q '^Content-Type: multipart/signed' "$T/copy.eml"
agw lists policy isp --tlp-ceiling green >/dev/null
check "withheld: isp above its ceiling ($(verdict isp))" grep -q "list isp: withheld (TLP:AMBER is above the list's ceiling TLP:GREEN)" <(verdict isp)
agw dists policy alerts --require-release yes >/dev/null
check "held for release ($(verdict nren))" grep -q 'list nren: sent to 2 recipients (TLP:AMBER); held for release first when it comes in through alerts (require-release)' <(verdict nren)
agw lists add empty --address empty@csirt.example --anonymise no >/dev/null
check "reaches nobody ($(verdict empty))" grep -q 'list empty: sent, but it reaches nobody (no recipients)' <(verdict empty)

agw_test_end
