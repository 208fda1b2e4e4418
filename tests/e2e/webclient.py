"""webclient.py: a console client by hand (http.client, no browser), for
t-web.sh and t-web-browser.py: log in, get and post with the session's
cookie, find a page's CSRF token. Redirects are not followed, so a
test sees each status as the server answered it."""
import http.client
import re
import urllib.parse


class Client:
    def __init__(self, base, headers=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.cookie = None
        self.login_cookie = None
        self.extra = headers or {}

    def request(self, method, path, body=None, ctype=None, headers=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(self.extra)
        h.update(headers or {})
        cookies = []
        if self.cookie:
            cookies.append("agw_session=" + self.cookie)
        if self.login_cookie and path == "/login":
            cookies.append("agw_login=" + self.login_cookie)
        if cookies:
            h["Cookie"] = "; ".join(cookies)
        if ctype:
            h["Content-Type"] = ctype
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, r.headers, data

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body, "application/x-www-form-urlencoded",
                            headers)

    def login(self, user, password, token=True):
        """The login form first (its token and cookie), then the POST;
        token False: the POST alone, as a forged cross-site one."""
        fields = {"user": user, "password": password}
        if token:
            _, h, body = self.get("/login")
            m = re.search(r"agw_login=([0-9a-f]+)", h.get("Set-Cookie") or "")
            self.login_cookie = m.group(1) if m else None
            m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
            fields["csrf"] = m.group(1) if m else ""
        st, h, body = self.post("/login", fields)
        m = re.search(r"agw_session=([0-9a-f]+)", h.get("Set-Cookie") or "")
        if st == 303 and m:
            self.cookie = m.group(1)
        return st, h, body

    def csrf(self, path="/"):
        st, _, body = self.get(path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        return m.group(1) if m else ""
