#!/bin/sh
# make bench: every benchmark, with the figures the issues name.
# Each scripts/bench.d/NAME.sh is run with the build directory; all run
# even when one misses its target, and the exit status says if any did.
set -u
BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
missed=""
for b in "$HERE"/bench.d/*.sh; do
    [ -e "$b" ] || continue
    name=$(basename "$b" .sh)
    echo "== $name"
    sh "$b" "$BUILD" || missed="$missed $name"
done
if [ -n "$missed" ]; then
    echo "bench: targets missed in:$missed"
    exit 1
fi
echo "bench: every target met"
