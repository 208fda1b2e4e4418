#!/usr/bin/env python3
"""Write the current schema of a database made by the migrations as the
readable src/db/schema.sql (tables first, one column a line, each with
the modules whose SQL names it), or compare the two.

usage: schema-sql.py write DB SRC_DIR > schema.sql
       schema-sql.py check DB SCHEMA_SQL   (exit 1 and a diff when they differ)
"""
import difflib
import glob
import os
import re
import subprocess
import sys

ORDER = ("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS "
         "NOT NULL ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 "
         "WHEN 'index' THEN 2 ELSE 3 END, tbl_name, name")


def statements(db):
    out = subprocess.run(["sqlite3", "-separator", "\x1f", db, ORDER],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\x1f") for line in out.strip().split("\n") if line]


def users(table, src):
    pat = re.compile(r"(FROM|INTO|UPDATE|JOIN|TABLE)\s+%s\b" % re.escape(table))
    found = set()
    for f in glob.glob(os.path.join(src, "*", "*.c")):
        if "schema_v" not in f and pat.search(open(f).read()):
            found.add(os.path.relpath(f, src))
    return sorted(found)


def split_top(body):
    parts, depth, cur = [], 0, ""
    for ch in body:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


def write(db, src):
    out = ["-- The current schema, as `alertgw init` or the migrations in",
           "-- src/db/schema_vN.c leave it. This file is for reading: the",
           "-- migrations are what runs. tests/e2e/t-schema.sh compares it",
           "-- with a database they made; after a new schema_vN.c, run",
           "-- `scripts/schema-sql.py write DB src > src/db/schema.sql`.", ""]
    for typ, name, _tbl, sql in statements(db):
        sql = re.sub(r"\s+", " ", sql).strip()
        m = re.match(r"CREATE TABLE (\w+)\((.*)\)$", sql)
        if typ == "table" and m:
            out.append("-- %s: SQL in %s" % (name, ", ".join(users(name, src))
                                              or "(no module)"))
            out.append("CREATE TABLE %s (" % m.group(1))
            out.append(",\n".join("    " + c for c in split_top(m.group(2))))
            out += [");", ""]
        else:
            out += [sql + ";", ""]
    sys.stdout.write("\n".join(out).rstrip() + "\n")


def norm(text):
    text = re.sub(r"--[^\n]*", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([(),;])\s*", r"\1", text)
    return [s.strip() for s in text.split(";") if s.strip()]


def check(db, path):
    want = norm(";".join(s[3] for s in statements(db)))
    have = norm(open(path).read())
    if sorted(want) == sorted(have):
        print("ok - %s matches the migrated database (%d statements)"
              % (os.path.basename(path), len(want)))
        return 0
    for line in difflib.unified_diff(sorted(have), sorted(want), path,
                                     "migrated", lineterm=""):
        print("# " + line)
    print("not ok - %s differs from the migrated database" % path)
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
