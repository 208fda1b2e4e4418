#!/bin/bash
# src/db/schema.sql, the readable current schema, is what the migrations
# (src/db/schema_vN.c) make: of a new database, and of one migrated from
# version 1. And every table is changed by the SQL of one module only.
set -u
. "$AGW_SOURCE_DIR/tests/e2e/lib.sh"
agw_test_start
mkdir -p "$T/new" "$T/old"
GH=$(agw_gnupg_home)
printf '[gateway]\ndata_dir = %s\ngnupg_home = %s\n' "$T/new" "$GH" >"$T/new.conf"
"$ALERTGW" -c "$T/new.conf" init >/dev/null 2>&1
check "a new database is made" test -s "$T/new/alertgw.db"
python3 "$AGW_SOURCE_DIR/scripts/schema-sql.py" check "$T/new/alertgw.db" \
    "$AGW_SOURCE_DIR/src/db/schema.sql" || fails=$((fails + 1))
# every table has one owner: the one module whose SQL changes it (others
# may read it in joins; schema.sql names both)
python3 "$AGW_SOURCE_DIR/scripts/schema-sql.py" owners "$T/new/alertgw.db" \
    "$AGW_SOURCE_DIR/src" || fails=$((fails + 1))
# version 1 as it was written, then every migration
python3 - "$AGW_SOURCE_DIR/src/db/schema_v1.c" >"$T/v1.sql" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("schema_v1[] ="):]
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).replace('\\"', '"'))
print("PRAGMA user_version=1;")
PY
sqlite3 "$T/old/alertgw.db" <"$T/v1.sql"
printf '[gateway]\ndata_dir = %s\ngnupg_home = %s\n' "$T/old" "$GH" >"$T/old.conf"
"$ALERTGW" -c "$T/old.conf" alerts list >/dev/null 2>&1
check "a version 1 database is migrated" \
    test "$(sqlite3 "$T/old/alertgw.db" 'PRAGMA user_version')" = \
         "$(sqlite3 "$T/new/alertgw.db" 'PRAGMA user_version')"
python3 "$AGW_SOURCE_DIR/scripts/schema-sql.py" check "$T/old/alertgw.db" \
    "$AGW_SOURCE_DIR/src/db/schema.sql" || fails=$((fails + 1))
agw_test_end
