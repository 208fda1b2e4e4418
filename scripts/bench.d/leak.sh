#!/bin/sh
# leak: issue 14's figures for the independent leak detector (mail/leak.c).
# bench_leak builds 10,000 synthetic sites and a 5 MiB anonymised copy
# (placeholders, attacker indicators, hashes) and prints the build time and
# MiB/s of leak_check at 10,000 and at 100 sites, as text and as HTML, with
# the peak RSS. Exit status 1 when a target is missed.
# Usage: leak.sh BUILD_DIR  (make bench builds bench_leak first)
set -eu
BUILD=$1
echo "targets: >= 25 MiB/s at 10,000 sites; 100 sites <= 1.5x faster"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "  (/usr/bin/time: max RSS %M KiB, %e s elapsed)" \
        "$BUILD/bench_leak" --sites 10000 --size 5242880 --reps 3
else
    "$BUILD/bench_leak" --sites 10000 --size 5242880 --reps 3
fi
