#!/bin/bash
# Registry writers at once: nothing lost, nothing corrupted; a database
# locked past the busy timeout gives 75 and changes nothing; a shorter
# lock is waited out.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
AGW_DIR=$T/gw
AGW_CONF=$AGW_DIR/alertgw.conf
AGW_OUT=$AGW_DIR/out
mkdir -p "$AGW_OUT"
GW_HOME=$(agw_gnupg_home)
agw_write_conf
agw init >/dev/null 2>&1
DB=$AGW_DIR/data/alertgw.db
agw orgs add NREN-A --kind nren >/dev/null
agw lists add nren --address nren@csirt.example >/dev/null

# Four writers, each adding 15 contacts and making each a member.
writer() {
    local w=$1 i rc=0
    for i in $(seq 1 15); do
        agw contacts add "c$w-$i@nren-a.example" --org NREN-A --role csirt || rc=1
        agw lists add-member nren "c$w-$i@nren-a.example" || rc=1
    done
    return $rc
}
pids=""
for w in 1 2 3 4; do writer "$w" 2>"$T/err$w" & pids="$pids $!"; done
wrc=0
for p in $pids; do wait "$p" || wrc=1; done
check "every concurrent command succeeded ($(cat "$T"/err? | head -3))" test "$wrc" = 0
check "60 contacts, none lost" test "$(sqlite3 "$DB" "SELECT count(*) FROM contacts")" = 60
check "60 memberships, none lost" test "$(sqlite3 "$DB" "SELECT count(*) FROM members")" = 60
check "integrity_check ok" test "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok
check "foreign keys hold" test -z "$(sqlite3 "$DB" "PRAGMA foreign_key_check")"

# Edits racing on one row: the last one wins, no command fails.
for v in 1 2 3 4 5 6; do agw contacts edit c1-1@nren-a.example --name "n$v" & done
wait
check "racing edits left one of their values" bash -c "sqlite3 '$DB' \"SELECT name FROM contacts WHERE address='c1-1@nren-a.example'\" | grep -qx 'n[1-6]'"

# A lock held for 2 s is waited out (busy timeout 5 s).
( echo "BEGIN IMMEDIATE;"; sleep 2; echo "COMMIT;" ) | sqlite3 "$DB" &
lockpid=$!
sleep 0.5
agw contacts add waited@nren-a.example
check "a writer waits out a short lock (exit $?)" test "$(sqlite3 "$DB" "SELECT count(*) FROM contacts WHERE address='waited@nren-a.example'")" = 1
wait $lockpid

# A lock held past the busy timeout: 75, one line, nothing changed.
( echo "BEGIN IMMEDIATE;"; sleep 8; echo "COMMIT;" ) | sqlite3 "$DB" &
lockpid=$!
sleep 0.5
start=$(date +%s)
agw contacts add late@nren-a.example 2>"$T/err"
rc=$?
took=$(( $(date +%s) - start ))
wait $lockpid
check "busy past the timeout exits 75 (got $rc: $(cat "$T/err"))" test "$rc" = 75
check "it waited for the busy timeout (${took}s)" test "$took" -ge 4
check "busy: one line on stderr" test "$(wc -l <"$T/err")" = 1
check "busy: nothing added" test "$(sqlite3 "$DB" "SELECT count(*) FROM contacts WHERE address='late@nren-a.example'")" = 0
( echo "BEGIN IMMEDIATE;"; sleep 8; echo "COMMIT;" ) | sqlite3 "$DB" &
lockpid=$!
sleep 0.5
printf 'address,name\nbulk1@x.example,a\nbulk2@x.example,b\n' >"$T/c.csv"
agw contacts import "$T/c.csv" >/dev/null 2>&1
rc=$?
wait $lockpid
check "busy import exits 75 (got $rc)" test "$rc" = 75
check "busy import added nothing" test "$(sqlite3 "$DB" "SELECT count(*) FROM contacts WHERE address LIKE 'bulk%'")" = 0

[ "$fails" = 0 ]
