#!/bin/sh
# anon: issue 3's figures. bench_anon builds 10,000 synthetic sites (name,
# alias, 2 domains, 2 networks each) and a 1 MiB alert of log lines and
# prose from a fixed seed, then prints the load time, MiB/s at 10,000 and
# at 100 sites with all shipped rules, their ratio and the peak RSS, each
# against its target; then issue 14's: the whole `alertgw anonymise`
# (parse, anonymise, rebuild, independent leak detector, in the sandboxed
# child) on a 5 MiB alert at 10,000 and at 100 sites. Exit status 1 when a
# target is missed.
# Usage: anon.sh BUILD_DIR  (make bench builds bench_anon first)
set -eu
BUILD=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
echo "targets: load < 200 ms; >= 100 MiB/s at 10,000 sites; 100 sites <= 1.5x faster; peak RSS < 3 x message + 32 MiB"
echo "         whole anonymise command, 5 MiB: >= 50 MiB/s at 10,000 sites; 100 sites <= 1.5x faster"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "  (/usr/bin/time: max RSS %M KiB, %e s elapsed)" \
        "$BUILD/bench_anon" --rules "$SRC/rules" --sites 10000 \
        --size 1048576 --reps 20 --whole-size 5242880 --whole-reps 5
else
    "$BUILD/bench_anon" --rules "$SRC/rules" --sites 10000 --size 1048576 \
        --reps 20 --whole-size 5242880 --whole-reps 5
fi
