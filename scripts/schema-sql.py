#!/usr/bin/env python3
"""Write the current schema of a database made by the migrations as the
readable src/db/schema.sql (tables first, one column a line, each with
the modules whose SQL names it), or compare the two.

usage: schema-sql.py write DB SRC_DIR > schema.sql
       schema-sql.py check DB SCHEMA_SQL   (exit 1 and a diff when they differ)
       schema-sql.py owners DB SRC_DIR     (exit 1 when a table is changed
                                            by the SQL of two modules)
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


def writers(table, src):
    """The modules whose SQL changes the table: its owner, one only."""
    pat = re.compile(r"(INSERT(\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|"
                     r"UPDATE(\s+OR\s+\w+)?|DELETE\s+FROM)\s+%s\b"
                     % re.escape(table))
    found = set()
    for f in glob.glob(os.path.join(src, "*", "*.c")):
        if "schema_v" not in f and pat.search(open(f).read()):
            found.add(os.path.relpath(f, src))
    return sorted(found)


def owners(db, src):
    """Every table is changed by one module's SQL; exit 1 naming those
    that are not."""
    bad = 0
    for typ, name, _tbl, _sql in statements(db):
        if typ != "table":
            continue
        w = writers(name, src)
        if len(w) > 1:
            print("not ok - table %s is changed by %s" % (name, ", ".join(w)))
            bad = 1
    if not bad:
        print("ok - every table is changed by one module's SQL")
    return bad


def read_by(table, stmts):
    """The views whose SQL names the table."""
    pat = re.compile(r"(FROM|JOIN)\s+%s\b" % re.escape(table))
    return sorted(n for t, n, _, sql in stmts if t == "view" and n != table
                  and pat.search(sql))


def printed_by(view, src):
    """The modules that name a view as a string: the commands printing it."""
    pat = re.compile(r'"%s"' % re.escape(view))
    return sorted(os.path.relpath(f, src)
                  for f in glob.glob(os.path.join(src, "*", "*.c"))
                  if "schema_v" not in f and pat.search(open(f).read()))


CLAUSE = re.compile(r"(FROM|LEFT JOIN|JOIN|WHERE|GROUP BY|HAVING|ORDER BY|"
                    r"UNION ALL|UNION)\b")


def view_lines(sql):
    """CREATE VIEW ... AS SELECT on lines of its own: a clause a line and
    a selected column a line, at the top level (subqueries stay whole)."""
    head, body = re.match(r"(CREATE VIEW .*? AS) (.*)$", sql).groups()
    lines, cur, depth, quote, in_select, i = [head], "", 0, None, False, 0
    while i < len(body):
        ch = body[i]
        top = depth == 0 and quote is None and (i == 0 or body[i - 1] == " ")
        m = CLAUSE.match(body, i) if top else None
        if m and m.group(1).startswith("UNION"):
            lines += [cur, m.group(1)]
            cur, i, in_select = "", m.end() + 1, False
            continue
        if m:
            lines.append(cur)
            cur, i, in_select = m.group(1), m.end(), False
            continue
        if top and body.startswith("SELECT ", i):
            in_select = True
        if ch == "," and depth == 0 and quote is None and in_select:
            lines.append(cur + ",")
            cur, i = "    ", i + 1
            while i < len(body) and body[i] == " ":
                i += 1
            continue
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        else:
            depth += (ch == "(") - (ch == ")")
        cur += ch
        i += 1
    lines.append(cur)
    return "\n".join(l.rstrip() for l in lines if l.strip()) + ";"


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
    stmts = statements(db)
    for typ, name, _tbl, sql in stmts:
        sql = re.sub(r"\s+", " ", sql).strip()
        m = re.match(r"CREATE TABLE (\w+)\((.*)\)$", sql)
        if typ == "table" and m:
            w = writers(name, src)
            rest = [u for u in users(name, src) if u not in w]
            out.append("-- %s: %s" % (name, "; ".join(
                ["owner " + ", ".join(w)] * bool(w) +
                ["also read by " + ", ".join(rest)] * bool(rest))
                or "(no module)"))
            views = read_by(name, stmts)
            if views:
                out.append("--   read by the views " + ", ".join(views))
            out.append("CREATE TABLE %s (" % m.group(1))
            out.append(",\n".join("    " + c for c in split_top(m.group(2))))
            out += [");", ""]
        elif typ == "view":
            by, sql_in = printed_by(name, src), users(name, src)
            out.append("-- %s: %s" % (name, "; ".join(
                ["printed by " + ", ".join(by)] * bool(by) +
                ["SQL in " + ", ".join(sql_in)] * bool(sql_in))
                or "(no module)"))
            out += [view_lines(sql), ""]
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
    elif sys.argv[1] == "owners":
        sys.exit(owners(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
