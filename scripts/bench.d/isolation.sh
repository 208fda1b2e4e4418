#!/bin/sh
# isolation: issue 11's figure. bench_sandbox runs the sandboxed child
# that reads every alert (fork, socketpair, descriptors, rlimits, seccomp
# filter, one call to the parent, a record back, reap) 300 times and
# prints the cost of one child and of one alert (two children): CPU time
# of parent and child (the target: < 5 ms per alert), wall median and p95.
# fork's cost grows with the parent's memory: the target case is a parent
# of 16 MiB, alertgw's size with 10,000 sites and all rules loaded (the
# anon benchmark's peak RSS); 0 and 64 MiB are shown for comparison.
# Usage: isolation.sh BUILD_DIR  (make bench builds bench_sandbox first)
set -u
BUILD=$1
"$BUILD/bench_sandbox" --runs 300 --parent-mib 0 >/dev/null 2>&1 || true
"$BUILD/bench_sandbox" --runs 300 --parent-mib 0 || true
"$BUILD/bench_sandbox" --runs 300 --parent-mib 64 || true
echo "target case:"
"$BUILD/bench_sandbox" --runs 300 --parent-mib 16
