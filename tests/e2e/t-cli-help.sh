#!/bin/bash
# The command line speaks of itself (issue 16): --help on every command
# exits 0 with lines that fit 79 columns and summaries that end where a
# sentence ends; a mistyped command, subcommand or option gets the nearest
# valid one suggested, with exit 64.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
"$ALERTGW" --help >"$T/help" 2>&1
check "--help exits 0" test $? = 0
check "--help: no line over 79 columns" \
    test "$(awk 'length > 79' "$T/help" | wc -l)" = 0
# every summary ends a sentence (it was cut mid-sentence at a line break)
awk '/^commands:/ { on = 1; next } on' "$T/help" |
    awk '/^  [a-z]/ { if (s != "") print s; s = substr($0, 23); next }
         { sub(/^ +/, ""); s = s " " $0 } END { print s }' >"$T/summaries"
check "every command has a summary" test "$(wc -l <"$T/summaries")" -gt 40
check "every summary ends with a full stop" \
    test "$(grep -cv '\.$' "$T/summaries")" = 0
awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1, $2 }' \
    "$T/help" >"$T/cmds"
bad=0
while read -r a b; do
    case $b in [A-Z]*|'') set -- "$a" ;; *) set -- "$a" "$b" ;; esac
    "$ALERTGW" "$@" --help >"$T/one" 2>&1 || { echo "# $*: --help failed"; bad=1; }
    [ "$(awk 'length > 79' "$T/one" | wc -l)" = 0 ] ||
        { echo "# $*: --help has a line over 79 columns"; bad=1; }
    head -1 "$T/one" | grep -q "^usage: alertgw $*" ||
        { echo "# $*: --help has no usage line"; bad=1; }
done <"$T/cmds"
check "every command's --help: exit 0, usage, 79 columns" test $bad = 0
# suggestions
"$ALERTGW" alret list >/dev/null 2>"$T/err"
check "a mistyped command: 64" test $? = 64
check "a mistyped command: the nearest suggested" \
    grep -q "unknown command 'alret' (did you mean 'alerts'?)" "$T/err"
"$ALERTGW" lists membrs x >/dev/null 2>"$T/err"
check "a mistyped subcommand: 64" test $? = 64
check "a mistyped subcommand: the nearest suggested" \
    grep -q "did you mean 'lists members'?" "$T/err"
"$ALERTGW" alerts list --jsno >/dev/null 2>"$T/err"
check "a mistyped option: 64" test $? = 64
check "a mistyped option: the nearest suggested" \
    grep -q "unknown option --jsno (did you mean --json?)" "$T/err"
"$ALERTGW" frobnicate >/dev/null 2>"$T/err"
check "a word far from every command: no guess" \
    grep -q "unknown command 'frobnicate' (see alertgw --help)" "$T/err"
agw_test_end
