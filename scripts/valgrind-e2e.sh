#!/bin/sh
# The core end-to-end flow (tests/e2e/t-core.sh: init, registry, a signed
# alert through filter, queue run, copies verified) with every alertgw run
# under valgrind memcheck. Prints "valgrind: clean" or the first errors.
#
#   sh scripts/valgrind-e2e.sh [BUILD_DIR]     (default: build)
#
# BUILD_DIR must be a build without sanitizers (ASan and valgrind do not
# mix). Exit 0 clean; 1 when memcheck reported an error or a definite or
# indirect leak in any run, or the flow itself failed; 2 usage.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bin=$build/alertgw
[ -x "$bin" ] || { echo "valgrind: no $bin (build it first)" >&2; exit 2; }
if grep -q '^AGW_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "valgrind: $build is a sanitizer build; use a plain one" >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/agw-vg.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs"
# PCRE2's JIT code reads whole vectors past the end of a subject (within
# the page; known false positives, PCRE2 is not built with valgrind
# support here). JIT code has no object file, so valgrind names it "???":
# "obj:???" matches only such frames, never a frame of ours or of a
# library, so an error with a first frame in alertgw still counts.
for kind in Addr1 Addr2 Addr4 Addr8 Addr16 Addr32 Cond Value1 Value2 \
            Value4 Value8 Value16 Value32; do
    printf '{\n   pcre2-jit-%s\n   Memcheck:%s\n   obj:???\n}\n' \
        "$kind" "$kind"
done >"$work/pcre2-jit.supp"
# Every run logs to its own file; gpg and the other children run natively.
cat >"$work/alertgw" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
    --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect \\
    --suppressions="$work/pcre2-jit.supp" \\
    --log-file="$work/logs/vg.%p.log" "$bin" "\$@"
WRAP
chmod +x "$work/alertgw"

start=$(date +%s)
ALERTGW=$work/alertgw AGW_SOURCE_DIR=$here AGW_BUILD_DIR=$build \
    bash "$here/tests/e2e/t-core.sh" >"$work/flow.log" 2>&1
flow=$?
secs=$(( $(date +%s) - start ))
runs=$(ls "$work/logs" | wc -l)
bad=$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]|Invalid (read|write|free)|uninitialised' "$work"/logs/*.log 2>/dev/null)
if [ -n "$bad" ]; then
    echo "valgrind: NOT clean ($runs runs, ${secs}s); first report:"
    for f in $bad; do sed -n 1,60p "$f"; break; done
    exit 1
fi
if [ "$flow" -ne 0 ]; then
    echo "valgrind: memcheck clean but the flow failed ($runs runs, ${secs}s):"
    grep -v '^ok' "$work/flow.log" | head -n 30
    exit 1
fi
echo "valgrind: clean ($runs alertgw runs under memcheck, ${secs}s)"
