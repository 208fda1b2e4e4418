#!/usr/bin/env python3
"""Test helper for t-anon-mime.sh: read a sanitised copy with Python's own
email package (a second MIME implementation) and report, one line each,
"ok - ..." or "not ok - ..." for what issue 3 asks of the MIME handling.

  check-copy.py COPY.eml
"""
import email
import email.policy
import html.parser
import re
import sys

IDS = [r"EXAMPLE-T2", r"wn-r03-n117", r"\bwn01\b", r"192\.0\.2\.", r"192&#46;",
       r"2001:db8:77:", r"jo\.smith", r"\bportal\b", r"ExGrid",
       r"\bexvo012\b", r"Example Institute", r"\bEx</b>Grid",
       r"(?<!cvmfs-stratum-one\.)grid\.inst\.example", r"(?<!grid\.)inst\.example",
       r"portal&#46;inst"]
KEEP = ["203.0.113.9", "CVE-2024-3094", "AS64500",
        "cvmfs-stratum-one.grid.inst.example"]
fails = 0


def check(what, ok):
    global fails
    print(("ok - " if ok else "not ok - ") + what)
    fails += 0 if ok else 1


class Strict(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "meta", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)


raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
subject = str(msg["Subject"])
texts = {"Subject": subject}
names = []
for i, part in enumerate(msg.walk()):
    if part.is_multipart() or part.get_content_type() == \
            "application/pgp-signature":
        continue
    fn = part.get_filename()
    if fn:
        names.append(fn)
    if part.get_content_maintype() == "text":
        cs = part.get_content_charset() or "us-ascii"
        body = part.get_payload(decode=True)
        try:
            texts["part %d (%s)" % (i, part.get_content_type())] = \
                body.decode(cs)
        except UnicodeDecodeError:
            check("part %d decodes in its charset %s" % (i, cs), False)

everything = "\n".join(list(texts.values()) + names)
for pat in IDS:
    hits = [w for w, t in texts.items() if re.search(pat, t)]
    hits += [n for n in names if re.search(pat, n)]
    check("no /%s/ anywhere (%s)" % (pat, ", ".join(hits) or "clean"),
          not hits)
for k in KEEP:
    check("'%s' kept" % k, k in everything)
check("Subject decoded and anonymised: %s" % subject,
      "[SITE-" in subject and "host" in subject and ".invalid" in subject)
body = next((t for w, t in texts.items() if "text/plain" in w), "")
check("QP soft break inside a host name: host placeholder",
      re.search(r"the node host\d+\.site\d+\.invalid was", body) is not None)
check("bracketed IPv6 with port", re.search(r"to \[IP-\d+\]:22", body)
      is not None)
check("note names the dropped binary (file name anonymised)",
      re.search(r'attachment "core-\[SITE-\d+\]\.bin" \(application/'
                r'octet-stream, 10 bytes\) was dropped', body) is not None)
check("no binary part left",
      all(p.get_content_maintype() in ("text", "multipart", "application")
          and p.get_content_type() != "application/octet-stream"
          for p in msg.walk()))
latin = [t for w, t in texts.items() if "Universit" in t]
check("ISO-8859-1 part decoded (accents intact) and anonymised",
      bool(latin) and "Université" in latin[0] and "hôte" in latin[0]
      and re.search(r"host\d+\.site\d+\.invalid\.", latin[0]) is not None
      and "[NET-" in latin[0])
htmls = [t for w, t in texts.items() if "text/html" in w]
check("HTML part present", len(htmls) == 1)
if htmls:
    h = htmls[0]
    p = Strict()
    p.feed(h)
    p.close()
    check("HTML still well-formed (%s)" % (p.bad or p.stack or "ok"),
          not p.bad and not p.stack)
    check("HTML attribute anonymised, query kept",
          re.search(r'href="https://host\d+\.site\d+\.invalid:8443/x\?a=1'
                    r'&amp;b=2"', h) is not None)
    check("HTML entity-encoded host and address anonymised",
          re.search(r">host\d+\.site\d+\.invalid</a> from \[IP-\d+\]", h)
          is not None)
    check("HTML alias split by a tag anonymised, tags kept",
          re.search(r"<b>\[SITE-\d+\]</b> and <b>\[SITE-\d+\]</b> &amp; "
                    r"friends", h) is not None)
logs = [t for w, t in texts.items() if "sshd[123]" in t]
check("text attachment anonymised",
      bool(logs) and re.search(r"host\d+\.site\d+\.invalid sshd\[123\]: "
                               r"Accepted publickey for \[ACCOUNT-\d+\]",
                               logs[0]) is not None)
check("text attachment's file name anonymised (%s)" % names,
      any(re.fullmatch(r"host\d+\.site\d+\.invalid\.log", n)
          for n in names))
sys.exit(1 if fails else 0)
