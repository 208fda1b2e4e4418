#!/bin/sh
# make bench: every benchmark, with the figures the issues name.
# Each scripts/bench.d/NAME.sh is run with the build directory.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
for b in "$HERE"/bench.d/*.sh; do
    [ -e "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    sh "$b" "$BUILD"
done
