"""web-browser.py BASE ROW ARTEFACTS GOCDB CSV KEY: the console in
Debian's chromium, headless, through selenium (t-web-browser.sh).
Prints ok / not ok lines; exit 1 when one failed. Screenshots of the
dashboard, the coverage page, the list forms and the officer form go
to ARTEFACTS. KEY: an officer's public key file to add by the form."""
import hashlib
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
from webclient import Client  # noqa: E402

BASE, ROW, ART, GOCDB, CSV, KEY = sys.argv[1:7]
PAYLOAD = ('<script>window.agwPwned=1;alert(1)</script>'
           '<img src=x onerror="window.agwPwned=2">')
fails = 0


def check(what, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        print("# page: " + text()[:600].replace("\n", "\n# "))
    fails += 0 if cond else 1


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=1280,1600",
          "--user-data-dir=" + os.path.join(ART, ".chromium-profile")):
    opts.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.set_page_load_timeout(60)


def text():
    return d.find_element(By.TAG_NAME, "body").text


def no_script_ran(where):
    try:
        d.switch_to.alert
        dialog = True
    except NoAlertPresentException:
        dialog = False
    flag = d.execute_script("return window.agwPwned === undefined;")
    check("%s: no script ran (no dialog, window flag unset)" % where,
          not dialog and flag)


def gone(old):
    """The element is no longer in a document: the next page is there.
    Chromium says so as a stale reference or as an inspector error."""
    def stale(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    return stale


def click(button_id):
    """Submit by the button and wait until the next page is there."""
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, button_id).click()
    WebDriverWait(d, 30).until(gone(old))
    WebDriverWait(d, 30).until(
        lambda x: x.execute_script("return document.readyState") == "complete")


def login(user, password):
    d.get(BASE + "/login")
    d.find_element(By.ID, "user").send_keys(user)
    d.find_element(By.ID, "password").send_keys(password)
    click("login")


def logout():
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.XPATH, "//button[text()='Log out']").click()
    WebDriverWait(d, 30).until(gone(old))


def form(op):
    """The form whose button is op."""
    return d.find_element(By.ID, op).find_element(By.XPATH, "./ancestor::form")


try:
    login("viewer1", "wrong")
    check("a wrong password is refused", "wrong name or password" in text())
    for _ in range(4):
        login("viewer1", "wrong")
    login("viewer1", "pass-viewer1-123")
    check("then throttled, even with the right one",
          "too many failed logins" in text() and "/login" in d.current_url)

    login("keeper1", "pass-keeper1-123")
    check("keeper1 logs in to the dashboard",
          "Dashboard" in d.title and "keeper1 (keeper)" in text())
    check("the dashboard lists the held alert",
          "EGI-20260707-01" in text() and "awaiting release" in text())
    d.save_screenshot(os.path.join(ART, "web-dashboard.png"))

    d.get(BASE + "/registry?t=contacts")
    f = form("contact-add")
    f.find_element(By.NAME, "address").send_keys("payload@x.example")
    f.find_element(By.NAME, "name").send_keys(PAYLOAD)
    f.find_element(By.NAME, "role").send_keys("csirt")
    click("contact-add")
    check("a contact added by the form",
          "contact payload@x.example added" in text())
    check("its HTML/script name is shown as text", PAYLOAD in text())
    no_script_ran("contacts page")

    f = form("contact-add")
    f.find_element(By.NAME, "address").send_keys("bad address")
    click("contact-add")
    check("a bad address: the CLI's one line",
          "alertgw: 'bad address' is not a valid e-mail address" in text())

    d.execute_script("for (const i of document.querySelectorAll("
                     "'input[name=csrf]')) i.remove();")
    f = form("contact-add")
    f.find_element(By.NAME, "address").send_keys("nocsrf@x.example")
    click("contact-add")
    check("a form stripped of its CSRF token is refused",
          "CSRF token is missing or wrong" in text())

    d.get(BASE + "/registry?t=lists")
    f = form("list-add")
    f.find_element(By.NAME, "name").send_keys("browser-list")
    f.find_element(By.NAME, "address").send_keys("browser-list@csirt.example")
    Select(f.find_element(By.NAME, "anonymise")).select_by_visible_text("no")
    click("list-add")
    check("a list added by the form", "list browser-list added" in text())
    f = form("list-add")
    f.find_element(By.NAME, "name").send_keys("browser-bad")
    f.find_element(By.NAME, "address").send_keys("browser-bad@csirt.example")
    f.find_element(By.NAME, "template").send_keys("no-such-template")
    click("list-add")
    check("an unknown template: the CLI's one line",
          "alertgw: " in text() and "no-such-template" in text())
    d.find_element(By.LINK_TEXT, "browser-list").click()
    f = form("list-edit")
    Select(f.find_element(By.NAME, "encrypt")).select_by_visible_text("always")
    f.find_element(By.NAME, "audience").send_keys("Browser audience")
    click("list-edit")
    check("the list changed by its page's form",
          "list browser-list changed" in text() and "Browser audience" in text())
    d.save_screenshot(os.path.join(ART, "web-list-edit.png"))
    d.get(BASE + "/registry?t=sites")
    f = form("site-add")
    f.find_element(By.NAME, "name").send_keys("BROWSER-SITE")
    f.find_element(By.NAME, "domains").send_keys("browser-site.example")
    f.find_element(By.NAME, "networks").send_keys("203.0.113.0/24")
    click("site-add")
    check("a site added by the form", "site BROWSER-SITE added" in text())
    check("a keeper has no officer-add form",
          (d.get(BASE + "/registry?t=officers") or True) and
          not d.find_elements(By.ID, "officer-add"))

    d.get(BASE + "/import")
    d.find_element(By.ID, "file").send_keys(GOCDB)
    click("preview")
    check("GOCDB upload: a dry-run preview",
          "dry run, nothing changed: 3 sites read: 3 new" in text())
    check("the preview names the kept file by its SHA-256",
          d.find_element(By.ID, "sha256").text ==
          hashlib.sha256(open(GOCDB, "rb").read()).hexdigest())
    click("apply")
    check("GOCDB upload applied from the kept file, not chosen again",
          "3 sites read: 3 new" in text() and
          "dry run, nothing changed" not in text())

    d.get(BASE + "/import")
    d.find_element(By.XPATH, "//select[@id='kind']/option[text()='contacts']").click()
    d.find_element(By.ID, "file").send_keys(CSV)
    click("preview")
    check("CSV upload: a dry-run preview",
          "dry run, nothing changed: 2 contacts read: 2 new" in text())
    click("apply")
    check("CSV upload applied", "2 contacts read: 2 new" in text() and
          "dry run, nothing changed" not in text())
    d.find_element(By.ID, "file").send_keys(CSV)
    click("preview")
    check("a file that is not GOCDB XML: the import's one-line error, "
          "nothing to apply",
          "alertgw: " in text() and "sites read" not in text() and
          not d.find_elements(By.ID, "apply"))

    d.get(BASE + "/alert?row=" + ROW)
    t = text()
    check("the held alert's page says how to release it",
          "alertgw release EGI-20260707-01" in t and "release EGI-20260707-01" in t)
    check("its copy per list (nren, isp sanitised) is shown",
          "List nren: copy" in t and "List isp: copy" in t and
          "BEGIN PGP SIGNATURE" in t)
    check("the alert body's script is shown as text",
          "<script>alert(document.domain)</script>" in t)
    no_script_ran("held alert page")

    d.get(BASE + "/coverage")
    check("the coverage page has its SVG chart",
          len(d.find_elements(By.CSS_SELECTOR, "svg.chart rect")) > 4)
    d.save_screenshot(os.path.join(ART, "web-coverage.png"))
    logout()

    login("viewer2", "pass-viewer2-123")
    d.get(BASE + "/registry?t=contacts")
    check("a viewer sees the contacts but no form",
          "payload@x.example" in text() and not d.find_elements(By.ID, "contact-add"))
    d.get(BASE + "/import")
    check("a viewer cannot reach the import form",
          "your role may not do this" in text())
    cookie = d.get_cookie("agw_session")
    check("the session cookie is HttpOnly and SameSite=Strict",
          cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict")
    c = Client(BASE)
    c.cookie = cookie["value"]
    st, _, body = c.post("/registry", {"csrf": c.csrf("/registry?t=contacts"),
                                       "op": "contact-add",
                                       "address": "byhand@x.example"})
    check("a viewer's hand-made POST (urllib, its own session and token) is "
          "refused (%d)" % st, st == 403)
    logout()

    login("officer1", "pass-officer1-123")
    d.get(BASE + "/registry?t=officers")
    f = form("officer-add")
    f.find_element(By.NAME, "name").send_keys("Browser Officer")
    f.find_element(By.NAME, "keyfile").send_keys(KEY)
    click("officer-add")
    check("an officer added from its key file by the officer's form",
          "authorised" in text() and "Browser Officer" in text())
    d.save_screenshot(os.path.join(ART, "web-officer-add.png"))
finally:
    d.quit()
sys.exit(1 if fails else 0)
