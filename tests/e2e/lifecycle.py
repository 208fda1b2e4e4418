#!/usr/bin/env python3
"""Test helper for t-lifecycle/t-tlp/t-release: read what the gateway
stored (copies, outbox, alerts) with Python's sqlite3 and email packages,
independently of alertgw's own code.

  lifecycle.py copies DB            one line per copy: row kind list alert_id
                                    message-id in-reply-to | references
  lifecycle.py header DB COPYID NAME    a header of a stored copy
  lifecycle.py text DB COPYID           decoded text parts of a stored copy
  lifecycle.py headers DB COPYID        every header name of a stored copy
"""
import email
import email.policy
import sqlite3
import sys


def load(db, cid):
    con = sqlite3.connect(db)
    raw = con.execute("SELECT message FROM copies WHERE id=?",
                      (int(cid),)).fetchone()[0]
    return email.message_from_bytes(raw, policy=email.policy.default)


def copies(db):
    con = sqlite3.connect(db)
    q = ("SELECT c.id, c.alert_row, c.kind, coalesce(l.name, '-'), "
         "a.alert_id, c.message FROM copies c JOIN alerts a ON "
         "a.id = c.alert_row LEFT JOIN lists l ON l.id = c.list_id "
         "ORDER BY c.id")
    for cid, row, kind, lname, aid, raw in con.execute(q):
        m = email.message_from_bytes(raw, policy=email.policy.default)
        print(cid, row, kind, lname, aid, m["Message-ID"],
              m["In-Reply-To"] or "-", "|", m["References"] or "-")


def text(db, cid):
    m = load(db, cid)
    for part in m.walk():
        if part.get_content_type() == "text/plain":
            sys.stdout.write(part.get_content().replace("\r\n", "\n"))


def main():
    cmd = sys.argv[1]
    if cmd == "copies":
        copies(sys.argv[2])
    elif cmd == "header":
        v = load(sys.argv[2], sys.argv[3])[sys.argv[4]]
        print(v if v is not None else "")
    elif cmd == "headers":
        for k in load(sys.argv[2], sys.argv[3]).keys():
            print(k)
    elif cmd == "text":
        text(sys.argv[2], sys.argv[3])


main()
