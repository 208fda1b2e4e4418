"""web-forms.py BASE KEYFILE KEYFPR OUT: the console's list, site and
officer forms over HTTP by hand (t-web.sh). Each form is used by the role
it is for, refused to the one below it even as a hand-made POST, and one
bad value of each is posted: the page's one error line goes to
OUT/NAME.err for t-web.sh to compare with the command line's. The key in
KEYFILE (fingerprint KEYFPR) is added as an officer by pasting it, then
again from a file. The dashboard's officers' keys (t-web.sh made Ghost
Officer's missing and Soon Officer's expiring). An import kept from its
preview to its apply: named by its SHA-256, tied to the session, applied
once, replaced by a later preview. Prints ok / not ok lines; exit 1 when
one failed."""
import hashlib
import html
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from webclient import Client  # noqa: E402

BASE, KEYFILE, KEYFPR, OUT = sys.argv[1:5]
fails = 0


def check(what, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + what)
    fails += 0 if cond else 1


def said(body, ok=True):
    m = re.search(r'<p class="%s">([^<]*)</p>' % ("ok" if ok else "bad"), body)
    return html.unescape(m.group(1)) if m else ""


def bad(name, st, body):
    """A refused change: 400 and its line, kept for t-web.sh."""
    line = said(body, False)
    with open(os.path.join(OUT, name + ".err"), "w") as f:
        f.write(line + "\n")
    print("# web said (%s): %s" % (name, line))
    check("%s: refused with 400 and one line (%d)" % (name, st),
          st == 400 and line.startswith("alertgw: "))


def multipart(fields, files):
    b = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                     % (b, k, v))
    for k, (fname, data) in files.items():
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"; '
                     'filename="%s"\r\nContent-Type: application/pgp-keys\r\n\r\n%s\r\n'
                     % (b, k, fname, data))
    parts.append("--%s--\r\n" % b)
    return "".join(parts).encode(), "multipart/form-data; boundary=" + b


k = Client(BASE)
k.login("keeper1", "pass-keeper1-123")
v = Client(BASE)
v.login("viewer2", "pass-viewer2-123")  # viewer1: throttled by web-http.py
o = Client(BASE)
o.login("officer1", "pass-officer1-123")
check("three roles logged in", k.cookie and v.cookie and o.cookie)

# ---- lists ----
st, _, body = v.get("/registry?t=lists")
check("a viewer sees the lists without the add form (%d)" % st,
      st == 200 and 'value="list-add"' not in body)
st, _, body = k.get("/registry?t=lists")
check("a keeper sees the list-add form", 'value="list-add"' in body)
tok = k.csrf("/registry?t=lists")
st, _, body = v.post("/registry", {"csrf": v.csrf("/registry?t=lists"),
                                   "op": "list-add", "name": "viewer-list",
                                   "address": "viewer-list@csirt.example"})
check("a viewer's hand-made list-add is refused (%d)" % st, st == 403)
st, _, body = k.post("/registry", {"op": "list-add", "name": "nocsrf-list",
                                   "address": "nocsrf@csirt.example"})
check("list-add without the CSRF token is refused (%d)" % st, st == 403)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-add",
                                   "name": "web-list",
                                   "address": "web-list@csirt.example",
                                   "audience": "Web <test> & co",
                                   "kinds": "nren,isp"})
check("keeper adds a list (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "list web-list added")
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-add",
                                   "name": "bad list",
                                   "address": "bad@csirt.example"})
bad("list-add-name", st, body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-add",
                                   "name": "noaddr"})
bad("list-add-noaddr", st, body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-add",
                                   "name": "tpl", "address": "tpl@csirt.example",
                                   "template": "no-such-template"})
bad("list-add-template", st, body)

st, _, body = k.get("/list?name=web-list")
check("the list's page has its edit and remove forms",
      'value="list-edit"' in body and 'value="list-rm"' in body and
      'name="list" value="web-list"' in body)
st, _, body = v.get("/list?name=web-list")
check("a viewer's list page has no forms", 'name="op"' not in body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-edit",
                                   "list": "web-list", "name": "web-list2",
                                   "anonymise": "no", "template": "full",
                                   "encrypt": "if-key", "indicators": "csv"})
check("keeper changes and renames it (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "list web-list changed" and
      "<h1>web-list2</h1>" in body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-edit",
                                   "list": "web-list2", "attachments": "bogus"})
bad("list-edit-attachments", st, body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "member-add",
                                   "list": "web-list2",
                                   "address": "new@x.example"})
check("a member added on the renamed list (%d): %s" % (st, said(body)),
      st == 200 and "member added" in said(body))
st, _, body = v.post("/registry", {"csrf": v.csrf("/"), "op": "list-rm",
                                   "list": "web-list2"})
check("a viewer's hand-made list-rm is refused (%d)" % st, st == 403)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-rm",
                                   "list": "no-such-list"})
bad("list-rm-unknown", st, body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-add",
                                   "name": "web-gone",
                                   "address": "web-gone@csirt.example"})
st, _, body = k.post("/registry", {"csrf": tok, "op": "list-rm",
                                   "list": "web-gone"})
check("keeper removes a list (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "list web-gone removed" and
      "<h1>Lists</h1>" in body)

# ---- sites ----
st, _, body = k.get("/registry?t=sites")
check("a keeper sees the site-add and site-edit forms",
      'value="site-add"' in body and 'value="site-edit"' in body)
st, _, body = v.post("/registry", {"csrf": v.csrf("/"), "op": "site-add",
                                   "name": "VIEWER-SITE"})
check("a viewer's hand-made site-add is refused (%d)" % st, st == 403)
st, _, body = k.post("/registry", {"csrf": tok, "op": "site-add",
                                   "name": "WEB-SITE",
                                   "alias": "Web Site Institute",
                                   "domains": "web-site.example,web2-site.example",
                                   "networks": "198.51.100.0/24"})
check("keeper adds a site (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "site WEB-SITE added")
st, _, body = k.post("/registry", {"csrf": tok, "op": "site-add",
                                   "name": "WIDE", "networks": "0.0.0.0/0"})
bad("site-add-network", st, body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "site-edit",
                                   "site": "WEB-SITE",
                                   "domains": "web3-site.example",
                                   "rm": "web2-site.example"})
check("keeper changes the site (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "site WEB-SITE changed")
st, _, body = k.post("/registry", {"csrf": tok, "op": "site-edit",
                                   "site": "WEB-SITE", "rm": "nothere.example"})
bad("site-edit-rm", st, body)

# ---- officers: the officer role only ----
key = open(KEYFILE).read()
st, _, body = k.get("/registry?t=officers")
check("a keeper does not see the officer-add form",
      'value="officer-add"' not in body and 'value="officer-edit"' in body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "officer-add",
                                   "key": key})
check("a keeper's hand-made officer-add is refused (%d)" % st,
      st == 403 and "your role may not" in body)
st, _, body = o.get("/registry?t=officers")
check("an officer sees the officer-add form, multipart, with a text area",
      'value="officer-add"' in body and 'enctype="multipart/form-data"' in body
      and '<textarea name="key"' in body)
otok = o.csrf("/registry?t=officers")
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-add",
                                   "key": key, "fingerprint": "A" * 40})
line = said(body, False)
check("a key that is not the fingerprint given is refused (%d): %s" % (st, line),
      st == 400 and line == "alertgw: the pasted key holds key %s, not %s"
      % (KEYFPR, "A" * 40))
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-add",
                                   "key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                                   "\nbm90IGEga2V5Cg==\n=AAAA\n"
                                   "-----END PGP PUBLIC KEY BLOCK-----\n"})
bad("officer-add-garbage", st, body)
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-add"})
bad("officer-add-nothing", st, body)
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-add",
                                   "key": key, "name": "Web Officer",
                                   "email": "web-officer@csirt.example"})
check("an officer adds an officer by pasting the key (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "officer %s authorised" % KEYFPR)
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-rm",
                                   "fingerprint": KEYFPR})
check("... removes it (%d): %s" % (st, said(body)), st == 200)
data, ctype = multipart({"csrf": otok, "op": "officer-add",
                         "name": "Web Officer", "key": ""},
                        {"keyfile": ("web-officer.asc", key)})
st, _, body = o.request("POST", "/registry", data, ctype)
check("... and adds it again from a chosen file (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "officer %s authorised" % KEYFPR)
st, _, body = k.post("/registry", {"csrf": tok, "op": "officer-edit",
                                   "fingerprint": KEYFPR, "active": "no"})
check("a keeper takes an officer's authority away (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "officer %s changed" % KEYFPR)
st, _, body = k.post("/registry", {"csrf": tok, "op": "officer-edit",
                                   "fingerprint": KEYFPR, "active": "yes"})
check("... but may not give it back (%d): %s" % (st, said(body, False)),
      st in (400, 403) and "officer role only" in said(body, False))
st, _, body = o.post("/registry", {"csrf": otok, "op": "officer-edit",
                                   "fingerprint": KEYFPR, "active": "yes"})
check("an officer makes it active again (%d): %s" % (st, said(body)),
      st == 200 and said(body) == "officer %s changed" % KEYFPR)
data, ctype = multipart({"op": "officer-add"},
                        {"keyfile": ("web-officer.asc", key)})
st, _, body = o.request("POST", "/registry", data, ctype)
check("a multipart officer-add without the CSRF token is refused (%d)" % st,
      st == 403 and "CSRF" in body)

# ---- the dashboard: the officers' keys as `keys check` judges them ----
st, _, body = v.get("/")
rows = re.findall(r"<tr>(.*?)</tr>", body)
check("dashboard: an officer whose key the keyring lacks is listed missing",
      any('"missing"' in x and "officer Ghost Officer" in x for x in rows))
check("dashboard: an officer key expiring within 30 days is listed",
      any('"expiring"' in x and "officer Soon Officer" in x for x in rows))
check("dashboard: the officers with good keys are not listed",
      not any("officer Duty Officer" in x for x in rows))

# ---- an upload kept from its preview to its apply ----
CSV1 = ("address,name,org,role,fingerprint,active,source,confirmed\n"
        "up1@x.example,Up One,,csirt,,1,manual,\n"
        "up2@x.example,Up Two,,abuse,,1,manual,\n")
CSV3 = CSV1.replace("up1@", "up3@").replace("up2@", "up3b@")
CSV4 = CSV1.replace("up1@", "up4@").replace("up2@", "up4b@")


def preview(c, csv, tok):
    data, ctype = multipart({"csrf": tok, "kind": "contacts",
                             "action": "preview"},
                            {"file": ("contacts.csv", csv)})
    return c.request("POST", "/import", data, ctype)


def apply(c, sha, tok):
    return c.post("/import", {"csrf": tok, "action": "apply", "sha256": sha})


itok = k.csrf("/import")
st, _, body = preview(k, CSV1, itok)
m = re.search(r'<code id="sha256">([0-9a-f]{64})</code>', body)
sha1 = hashlib.sha256(CSV1.encode()).hexdigest()
check("a preview (%d) is a dry run naming the kept file by its SHA-256" % st,
      st == 200 and "dry run, nothing changed: 2 contacts read: 2 new" in
      said(body) and m and m.group(1) == sha1 and
      'name="sha256" value="%s"' % sha1 in body)
st, _, body = apply(k, "0" * 64, itok)
check("apply naming another SHA-256 is refused (%d): %s" % (st, said(body, False)),
      st == 400 and "no previewed file with SHA-256" in said(body, False))
k2 = Client(BASE)
k2.login("keeper1", "pass-keeper1-123")
st, _, body = apply(k2, sha1, k2.csrf("/import"))
check("another session of the same keeper cannot apply it (%d)" % st,
      st == 400 and "no previewed file" in said(body, False))
st, _, body = k.post("/import", {"action": "apply", "sha256": sha1})
check("apply without the CSRF token is refused (%d)" % st, st == 403)
st, _, body = v.post("/import", {"csrf": v.csrf("/"), "action": "apply",
                                 "sha256": sha1})
check("a viewer's hand-made apply is refused (%d)" % st, st == 403)
st, _, body = apply(k, sha1, itok)
check("apply runs the kept file (%d): %s" % (st, said(body)),
      st == 200 and said(body).startswith("2 contacts read: 2 new"))
st, _, body = apply(k, sha1, itok)
check("... once: it is forgotten after (%d)" % st,
      st == 400 and "no previewed file" in said(body, False))
st, _, body = preview(k, CSV3, itok)
sha3 = hashlib.sha256(CSV3.encode()).hexdigest()
st, _, body = preview(k, CSV4, itok)
sha4 = hashlib.sha256(CSV4.encode()).hexdigest()
st, _, body = apply(k, sha3, itok)
check("a later preview replaces the kept file: the earlier one is refused (%d)"
      % st, st == 400)
st, _, body = apply(k, sha4, itok)
check("... and the later one applied (%d): %s" % (st, said(body)), st == 200)
sys.exit(1 if fails else 0)
