#!/usr/bin/env python3
"""A copy's MIME tree as Python's email package reads it (a second MIME
implementation), for the shape tests (t-shape-*.sh).

  shape.py tree COPY.eml [VICTIM-REGEX]

prints one line a node, indented two spaces a level:
  TYPE DISPOSITION [name=FILENAME] [cid=ID]
an attached message's header fields follow it as "  | Name: value"
(decoded, unfolded); "LABEL" after an HTML part that carries the TLP
banner, sanitised-copy notice and footer, "CIDREF <id>" after it for
each cid: reference in it; "LEAK where" for every place
(header value, decoded text, file name, Content-ID) where the regex
matches. The PGP/MIME signature wrapper is skipped: the tree is the
signed entity's.
"""
import email
import email.policy
import re
import sys


def out(d, s):
    print("  " * d + s)


def leak(rx, where, text):
    if rx and text and rx.search(text):
        print("LEAK %s: %s" % (where, text[:200].replace("\n", " ")))


def walk(p, d, rx):
    ct = p.get_content_type()
    line = "%s %s" % (ct, p.get_content_disposition() or "-")
    fn = p.get_filename()
    if fn:
        line += " name=" + fn
        leak(rx, "file name", fn)
    cid = p.get("Content-ID")
    if cid:
        line += " cid=" + str(cid).strip()
        leak(rx, "Content-ID", str(cid))
    out(d, line)
    if ct == "message/rfc822":
        inner = p.get_payload()[0]
        for k, v in inner.items():
            v = " ".join(str(v).split())
            out(d, "| %s: %s" % (k, v))
            leak(rx, "header " + k, v)
        walk(inner, d + 1, rx)
        return
    if p.is_multipart():
        for k in p.get_payload():
            walk(k, d + 1, rx)
        return
    body = p.get_payload(decode=True) or b""
    text = body.decode(p.get_content_charset() or "utf-8", "replace")
    leak(rx, "body of " + ct, text)
    for ref in re.findall(r'cid:([^"\'\s>]+)', text) if ct == "text/html" \
            else []:
        out(d, "CIDREF <%s>" % ref)
    if ct == "text/html" and all(w in text for w in (
            "TLP:", "SANITISED COPY", "distributed by")):
        out(d, "LABEL")


def main(argv):
    m = email.message_from_binary_file(open(argv[2], "rb"),
                                       policy=email.policy.default)
    rx = re.compile(argv[3], re.I) if len(argv) > 3 else None
    leak(rx, "Subject", str(m.get("Subject", "")))
    if m.get_content_type() == "multipart/signed":
        m = m.get_payload()[0]
    walk(m, 0, rx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
