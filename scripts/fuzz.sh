#!/bin/sh
# Run every libFuzzer target of a fuzz build for a fixed time each.
#
#   sh scripts/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]
#
# BUILD_DIR was configured with CC=clang -DAGW_FUZZ=ON (`make fuzz` does
# both). TARGETs are names without the fuzz_ prefix (msg sites rules ...);
# default: every fuzz_* program in BUILD_DIR. Each target starts from seeds
# taken from the test fixtures and shipped files (nothing big is committed)
# plus fuzz/corpus/NAME/ when present, and keeps what it finds in
# BUILD_DIR/fuzz-corpus/NAME for the next run.
#
# Exit 0 when every target ran its time without a crash, leak, timeout or
# memory blow-up; otherwise 1, after naming the reproducer. Reproduce with
#   BUILD_DIR/fuzz_NAME REPRODUCER
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}
build=$(cd "$build" && pwd) || exit 2
secs=${2:-60}
[ $# -ge 2 ] && shift 2 || shift $#

FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}        # seconds for one input: a hang
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}

# The target whose seeds, fuzz/corpus/ directory and dictionary NAME
# shares: mime is msg's parser half.
kin() {
    case $1 in
    mime) echo msg ;;
    *) echo "$1" ;;
    esac
}

# Longest input tried, per target: big enough for real alerts and files,
# small enough to keep the run fast.
max_len() {
    case $1 in
    mime) echo 4096 ;;      # structure, not size: many small messages
    msg) echo 65536 ;;
    gocdb) echo 32768 ;;
    sites|csv) echo 16384 ;;
    *) echo 8192 ;;
    esac
}

# seeds NAME DIR: fill DIR from the fixtures that suit target NAME.
seeds() {
    d=$2
    mkdir -p "$d"
    case $(kin "$1") in
    msg)
        for f in "$here"/tests/data/msg/*.eml "$here"/tests/data/bad/*.eml; do
            [ -f "$f" ] && cp "$f" "$d/"
        done
        # the bad-input suite's cases (the small ones) and signed entities
        tmp=$(mktemp -d /tmp/agw-fuzz-seeds.XXXXXX)
        python3 "$here/tests/e2e/badinput.py" make "$tmp" \
            "$here/tests/data/alert-sample.txt" &&
            find "$tmp" -type f -size -64k -exec cp {} "$d/" \;
        rm -rf "$tmp"
        { printf 'From: Duty Officer <duty@csirt.example>\n'
          printf 'Subject: EGI-20260707-01 [TLP:AMBER] EXAMPLE-T2\n'
          printf 'Content-Type: text/plain; charset=utf-8\n\n'
          cat "$here/tests/data/alert-sample.txt"; } >"$d/alert-plain.eml"
        ;;
    sites)
        cp "$here/tests/data/sites-sample.txt" "$d/"
        find "$here/tests/data" -name '*sites*.txt' -size -16k \
            -exec cp {} "$d/" \; ;;
    rules)
        cp "$here"/rules/*.rules "$d/" ;;
    template)
        cp "$here"/templates/*.tmpl "$d/" ;;
    csv)
        find "$here/tests/data" -name '*.csv' -size -16k -exec cp {} "$d/" \;
        printf 'name,kind,country\nNGI_XX,ngi,XX\n"A, ""B""",isp,\r\n' \
            >"$d/quoted.csv" ;;
    gocdb)
        find "$here/tests/data" -name '*.xml' -size -32k -exec cp {} "$d/" \;
        cat >"$d/get_site.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<results>
<SITE ID="1" PRIMARY_KEY="1P" NAME="EXAMPLE-T2">
<SHORT_NAME>EXAMPLE-T2</SHORT_NAME>
<OFFICIAL_NAME>Example Institute Grid Centre</OFFICIAL_NAME>
<ROC>NGI_XX</ROC><COUNTRY>Xland</COUNTRY>
<CSIRT_EMAIL>csirt@inst.example</CSIRT_EMAIL>
<DOMAIN><DOMAIN_NAME>inst.example</DOMAIN_NAME></DOMAIN>
<SITE_IP>192.0.2.0/255.255.255.0, 198.51.100.0/26</SITE_IP>
<SITE_IPV6>2001:db8:77::/48; 2001:db8:aaaa::/48</SITE_IPV6>
</SITE>
<SITE ID="2" PRIMARY_KEY="2P" NAME="RAL">
<SHORT_NAME>RAL</SHORT_NAME><OFFICIAL_NAME/><ROC>NGI_XX</ROC>
</SITE>
</results>
XML
        ;;
    esac
    if [ -d "$here/fuzz/corpus/$(kin "$1")" ]; then
        cp "$here/fuzz/corpus/$(kin "$1")"/* "$d/" 2>/dev/null || true
    fi
}

run_one() {
    name=$1
    prog=$build/fuzz_$name
    corpus=$build/fuzz-corpus/$name
    seed=$build/fuzz-seeds/$name
    art=$build/fuzz-artifacts/$name
    log=$build/fuzz-logs/$name.log
    rm -rf "$seed" "$art"
    mkdir -p "$corpus" "$art" "$build/fuzz-logs"
    seeds "$name" "$seed"
    dict=
    [ -f "$here/fuzz/$(kin "$name").dict" ] &&
        dict=-dict=$here/fuzz/$(kin "$name").dict
    echo "fuzz: $name for ${secs}s (max_len $(max_len "$name"))"
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$prog" -max_total_time="$secs" -max_len="$(max_len "$name")" \
        -timeout="$FUZZ_TIMEOUT" -rss_limit_mb="$FUZZ_RSS_MB" \
        -malloc_limit_mb="$FUZZ_RSS_MB" -print_final_stats=1 \
        -artifact_prefix="$art/" $dict "$corpus" "$seed" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ "$rc" -eq 0 ]; then
        echo "fuzz: $name ok (${runs:-?} runs, corpus $(ls "$corpus" | wc -l))"
        return 0
    fi
    echo "fuzz: $name FAILED (exit $rc); last lines of $log:"
    grep -E 'ERROR:|SUMMARY:|invariant failed|leak|timeout|out-of-memory' \
        "$log" | head -n 20
    for f in "$art"/*; do
        [ -f "$f" ] && echo "fuzz: reproducer: $f (run: $prog $f)"
    done
    return 1
}

if [ $# -eq 0 ]; then
    for p in "$build"/fuzz_*; do
        [ -x "$p" ] && [ -f "$p" ] && set -- "$@" "${p##*/fuzz_}"
    done
fi
[ $# -gt 0 ] || { echo "fuzz: no fuzz_* programs in $build" >&2; exit 2; }

failed=
for t in "$@"; do
    if [ ! -x "$build/fuzz_$t" ]; then
        echo "fuzz: no program $build/fuzz_$t" >&2
        failed="$failed $t"
        continue
    fi
    run_one "$t" || failed="$failed $t"
done
if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed"
    exit 1
fi
echo "fuzz: all targets clean for ${secs}s each"
