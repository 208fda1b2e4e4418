"""web-http.py BASE ROW: the console over HTTP by hand (t-web.sh): the
headers every answer carries, login, the throttle, the cookie's flags,
roles against hand-made requests, CSRF, what each role sees of a held
alert (row ROW). Prints ok / not ok lines; exit 1 when one failed."""
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from webclient import Client  # noqa: E402

BASE, ROW = sys.argv[1], sys.argv[2]
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
fails = 0


def check(what, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + what)
    fails += 0 if cond else 1


anon = Client(BASE)
for path in ("/login", "/style.css", "/", "/nothing"):
    st, h, _ = anon.get(path)
    check("%s: the CSP header (%s)" % (path, h.get("Content-Security-Policy")),
          h.get("Content-Security-Policy") == CSP)
    check("%s: nosniff, no framing, no caching" % path,
          h.get("X-Content-Type-Options") == "nosniff" and
          h.get("X-Frame-Options") == "DENY" and
          h.get("Cache-Control") == "no-store")
st, h, _ = anon.get("/")
check("not logged in: / redirects to the login (%d)" % st,
      st == 303 and h.get("Location") == "/login")
st, _, body = anon.get("/login")
check("the login page has no script and no inline style",
      "<script" not in body and "style=" not in body)

# the login form has its token too: a forged POST without it is refused
f = Client(BASE)
st, _, body = f.login("keeper1", "pass-keeper1-123", token=False)
check("a login POST without the login form's token is refused (%d)" % st,
      st == 403 and "CSRF" in body and not f.cookie)

# log in; the cookie's flags, Secure only behind TLS
k = Client(BASE)
st, h, _ = k.login("keeper1", "pass-keeper1-123")
sc = h.get("Set-Cookie") or ""
check("keeper1 logs in (%d)" % st, st == 303 and k.cookie)
check("cookie HttpOnly, SameSite=Strict, not Secure over plain HTTP (%s)" % sc,
      "HttpOnly" in sc and "SameSite=Strict" in sc and "Secure" not in sc)
tls = Client(BASE, {"X-Forwarded-Proto": "https"})
st, h, _ = tls.login("keeper1", "pass-keeper1-123")
check("behind TLS the cookie is Secure", "; Secure" in (h.get("Set-Cookie") or ""))

# wrong password refused, then throttled even for the right one
w = Client(BASE, {"X-Real-IP": "198.51.100.7"})
st, _, body = w.login("viewer1", "wrong")
check("a wrong password is refused (%d)" % st,
      st == 403 and "wrong name or password" in body and not w.cookie)
for _ in range(4):
    w.login("viewer1", "wrong")
st, _, body = w.login("viewer1", "pass-viewer1-123")
check("after 5 failures the right password is throttled (%d)" % st,
      st == 429 and "too many failed logins" in body and not w.cookie)

# a viewer reads, but cannot reach a keeper's form, even by hand
o = Client(BASE)
o.login("officer1", "pass-officer1-123")
v = Client(BASE)
st, _, _ = v.login("viewer2", "pass-viewer2-123")
check("viewer2 logs in", v.cookie is not None)
st, _, body = v.get("/registry?t=contacts")
check("a viewer reads the contacts (%d) without forms" % st,
      st == 200 and 'name="op"' not in body)
st, _, _ = v.get("/import")
check("a viewer cannot open the import form (%d)" % st, st == 403)
tok = v.csrf("/registry?t=contacts")
st, _, body = v.post("/registry", {"csrf": tok, "op": "contact-add",
                                   "address": "viewer-made@x.example"})
check("a viewer's hand-made POST with its own CSRF token is refused (%d)" % st,
      st == 403 and "your role may not" in body)

# CSRF
st, _, body = k.post("/registry", {"op": "contact-add",
                                   "address": "nocsrf@x.example"})
check("a form without its CSRF token is refused (%d)" % st,
      st == 403 and "CSRF" in body)
st, _, _ = k.post("/registry", {"csrf": "0" * 64, "op": "contact-add",
                                "address": "badcsrf@x.example"})
check("a form with another token is refused (%d)" % st, st == 403)
st, _, _ = k.post("/registry", {"csrf": tls.csrf("/"), "op": "contact-add",
                                "address": "othercsrf@x.example"})
check("another session's token is refused (%d)" % st, st == 403)
tok = k.csrf("/registry?t=contacts")
st, _, body = k.post("/registry", {"csrf": tok, "op": "contact-add",
                                   "address": "new@x.example",
                                   "name": "<b>New</b> & co", "role": "csirt"})
check("keeper adds a contact (%d)" % st,
      st == 200 and "contact new@x.example added" in body)
check("its name is shown as text",
      "&lt;b&gt;New&lt;/b&gt; &amp; co" in body and "<b>New</b>" not in body)
st, _, body = k.post("/registry", {"csrf": tok, "op": "contact-add",
                                   "address": "not-an-address"})
m = re.search(r'<p class="bad">([^<]*)</p>', body)
print("# web said: " + (m.group(1) if m else "nothing"))
with open(sys.argv[3], "w") as f:
    f.write((m.group(1) if m else "").replace("&#39;", "'") + "\n")
check("a bad address: 400", st == 400)

# a held alert: everyone sees it and the command; whole copies and reveal
# for officers only
st, _, body = k.get("/alert?row=" + ROW)
check("keeper sees the held alert (%d)" % st, st == 200 and "Held: how to release" in body)
check("the exact release command is shown",
      "alertgw release EGI-20260707-01" in body and "release EGI-20260707-01</pre>" in body)
check("keeper: the sanitised list's copy is shown, signed",
      "List nren: copy" in body and "-----BEGIN PGP SIGNATURE-----" in body)
check("keeper: the previews mailed to the signer are shown",
      body.count("Signed preview mailed to the signer") == 3)
check("keeper: the whole copy is withheld from a keeper",
      "only officers see it" in body and "Reveal" not in body)
check("the alert body's script is shown as text",
      "&lt;script&gt;alert(document.domain)&lt;/script&gt;" in body and
      "<script>" not in body)
st, _, body = o.get("/alert?row=" + ROW)
check("officer sees the whole copy and reveal",
      "only officers see it" not in body and "Reveal: placeholder" in body)
check("officer sees the previews' text (copy for list ngi)",
      "----- copy for list ngi -----" in body)

# logout ends the session
tok = k.csrf("/")
st, h, _ = k.post("/logout", {"csrf": tok})
st2, h2, _ = k.get("/")
check("logout ends the session (%d then %d)" % (st, st2),
      st == 303 and st2 == 303 and h2.get("Location") == "/login")
sys.exit(1 if fails else 0)
