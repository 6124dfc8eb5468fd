# SPDX-License-Identifier: ISC
"""web-page.py - drives verify.html in headless Chromium for t-web-chromium.sh.

    web-page.py verdict FILE.html      the text of id="verdict" in a DOM dump
    web-page.py field FILE.html ID     the text of the element ID
    web-page.py count FILE.html CLASS  how many elements have class CLASS
    web-page.py shot FILE.png W H      checks a screenshot: its size, and
                                       that it is not blank
    web-page.py pick URL BUNDLE KEY    picks BUNDLE with the file input,
                                       pastes KEY, verifies once the page's
                                       reader is ready; prints the
                                       verdict, then the seconds from the
                                       press of Verify to the verdict (by
                                       the page's clock)
    web-page.py link URL               opens URL (verify.html?bundle=&key=)
                                       as a person's browser would (see
                                       timed_link); prints the verdict,
                                       then the seconds from the start of
                                       the page's load to the verdict (by
                                       the page's clock)
    web-page.py cut DIR PORTFILE       serves DIR over HTTP as a mirror
                                       would, except that a file asked
                                       for as cut/NAME is sent with its
                                       whole length announced and the
                                       connection dropped after a third;
                                       writes its port to PORTFILE
    web-page.py ui URL BUNDLE BAD KEY OUTDIR
                                       what a recipient does by hand: picks
                                       files, pastes a key, verifies, saves
                                       a file, remembers the key, saves a
                                       file of the bundle linked (BUNDLE
                                       must be beside the page); prints a
                                       PASS or FAIL line per step and a
                                       SAVED line per file saved

The ui command talks to Chromium over --remote-debugging-pipe (the
DevTools protocol on file descriptors 3 and 4): standard library only.
"""

import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse


class Texts(html.parser.HTMLParser):
    """Collects the text of every element with an id, and class counts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []
        self.text = {}
        self.classes = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for c in (a.get("class") or "").split():
            self.classes[c] = self.classes.get(c, 0) + 1
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        self.open.append(a.get("id"))
        if a.get("id"):
            self.text.setdefault(a["id"], "")

    def handle_endtag(self, tag):
        if self.open and tag not in ("br", "img", "input", "meta"):
            self.open.pop()

    def handle_data(self, data):
        for i in self.open:
            if i:
                self.text[i] += data


def parse(path):
    p = Texts()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def shot(path, w, h):
    from PIL import Image
    im = Image.open(path).convert("RGB")
    if im.size != (w, h):
        return "size %dx%d, want %dx%d" % (im.size + (w, h))
    colors = im.getcolors(1 << 20) or []
    bg = max(colors)[1] if colors else None
    ink = sum(n for n, c in colors if c != bg)
    if len(colors) < 16 or ink < w * h // 50:
        return "blank: %d colors, %d pixels not background" % (
            len(colors), ink)
    return ""


class Browser:
    """Headless Chromium over the DevTools pipe, attached to one page."""

    def __init__(self, profile, downloads):
        r3, self.w = os.pipe()
        self.r, w4 = os.pipe()
        # The browser reads fd 3 and writes fd 4 (copied high first: the
        # pipes may hold those numbers already).
        def fds():
            a, b = os.dup(r3), os.dup(w4)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.p = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox",
             "--remote-debugging-pipe", "--user-data-dir=" + profile,
             "--window-size=412,915", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r3)
        os.close(w4)
        self.n = 0
        self.buf = b""
        t = self.call("Target.createTarget", url="about:blank")
        s = self.call("Target.attachToTarget", targetId=t["targetId"],
                      flatten=True)
        self.session = s["sessionId"]
        self.call("Browser.setDownloadBehavior", behavior="allow",
                  downloadPath=downloads, eventsEnabled=True)
        self.call("Page.enable", session=True)

    def call(self, method, session=False, **params):
        self.n += 1
        m = {"id": self.n, "method": method, "params": params}
        if session:
            m["sessionId"] = self.session
        os.write(self.w, json.dumps(m).encode() + b"\0")
        while True:
            r = self.read()
            if r.get("id") == self.n:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def js(self, expr):
        r = self.call("Runtime.evaluate", session=True, expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def go(self, url):
        self.call("Page.navigate", session=True, url=url)
        self.wait("document.readyState === 'complete' && " +
                  "!!document.getElementById('go')")

    def wait(self, expr, seconds=60):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(expr):
                return True
            time.sleep(0.1)
        return False

    def pick(self, selector, path):
        doc = self.call("DOM.getDocument", session=True)
        node = self.call("DOM.querySelector", session=True,
                         nodeId=doc["root"]["nodeId"], selector=selector)
        self.call("DOM.setFileInputFiles", session=True, files=[path],
                  nodeId=node["nodeId"])

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def check(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))
    sys.stdout.flush()
    return ok


VERDICT = "document.getElementById('verdict').textContent"


def verify_by_hand(b, bundle, key, seconds=60):
    """Picks BUNDLE, pastes KEY, presses Verify; the verdict's text."""
    b.pick("#bundle-file", bundle)
    b.js("document.getElementById('key-text').value = %s" % json.dumps(key))
    b.js("document.getElementById('go').click()")
    b.wait("/^(OK|FAILED)/.test(%s)" % VERDICT, seconds)
    return b.js(VERDICT)


def timed_verify(b, bundle, key):
    """Picks BUNDLE, pastes KEY, presses Verify once the page's reader is
    ready (as a person picking a file gives it time to be); the verdict's
    text, then the seconds from the press to the verdict, timed by the
    page's own clock (a poll from here would add its interval)."""
    b.pick("#bundle-file", bundle)
    if not b.wait("document.documentElement.dataset.reader === 'ready'"):
        raise RuntimeError("the page's reader did not get ready")
    b.js("document.getElementById('key-text').value = %s" % json.dumps(key))
    ms = b.js("""new Promise(function (ok) {
        var v = document.getElementById('verdict'), t0;
        new MutationObserver(function () {
            if (/^(OK|FAILED)/.test(v.textContent))
                ok(performance.now() - t0);
        }).observe(v, { childList: true, characterData: true,
            subtree: true });
        t0 = performance.now();
        document.getElementById('go').click();
    })""")
    return "%s\n%.3f" % (b.js(VERDICT), ms / 1000)


# Notes when the verdict is given, by the page's clock, in a page that
# does not know it is watched.
VERDICT_AT = """document.addEventListener("DOMContentLoaded", function () {
    var v = document.getElementById("verdict");
    new MutationObserver(function () {
        if (window.qasidVerdictAt === undefined &&
            /^(OK|FAILED)/.test(v.textContent))
            window.qasidVerdictAt = performance.now();
    }).observe(v, { childList: true, characterData: true, subtree: true });
});"""


def timed_link(b, url):
    """Opens URL, a linked bundle, as a person's browser would: with the
    user agent of Chromium that is not headless, so that the page sends
    none of the requests that hold --virtual-time-budget (hold in
    page.js). The verdict's text, then the seconds from the start of the
    page's load to the verdict."""
    ua = b.call("Browser.getVersion")["userAgent"]
    b.call("Emulation.setUserAgentOverride", session=True,
           userAgent=ua.replace("HeadlessChrome", "Chrome"))
    b.call("Page.addScriptToEvaluateOnNewDocument", session=True,
           source=VERDICT_AT)
    b.call("Page.navigate", session=True, url=url)
    if not b.wait("window.qasidVerdictAt !== undefined", 600):
        raise RuntimeError("no verdict")
    return "%s\n%.3f" % (b.js(VERDICT), b.js("window.qasidVerdictAt") / 1000)


def ui(url, bundle, bad, key, out):
    prof = tempfile.mkdtemp(dir=out)
    dl = os.path.join(out, "downloads")
    os.makedirs(dl, exist_ok=True)
    b = Browser(prof, dl)
    try:
        ui_steps(b, url, bundle, bad, key, dl)
    finally:
        b.close()


def ui_steps(b, url, bundle, bad, key, dl):
    b.go(url + "?lang=en")
    check("ui: the page's reader gets ready",
          b.wait("document.documentElement.dataset.reader === 'ready'"),
          b.js("document.documentElement.dataset.reader"))
    v = verify_by_hand(b, bundle, key)
    check("ui: a picked bundle and a pasted key verify", v.startswith("OK"),
          v)
    n = b.js("document.querySelectorAll('#files button.save').length")
    check("ui: a Save button per file after OK", n and n > 0, "%s" % n)
    path = b.js("document.querySelector('#files .path').textContent")
    b.js("document.querySelector('#files button.save').click()")
    name = os.path.join(dl, path.split("/")[-1])
    end = time.time() + 30
    while time.time() < end and not os.path.exists(name):
        time.sleep(0.1)
    print("SAVED %s %s" % (path, name))
    b.js("document.getElementById('key-name').value = 'Publisher one'")
    b.js("document.getElementById('remember-go').click()")
    kept = b.js("localStorage.getItem('qasid.keys') || ''")
    check("ui: the key is remembered by name",
          "Publisher one" in kept, kept)
    b.go(url + "?lang=en")
    opts = b.js("[...document.querySelectorAll('#saved option')]" +
                ".map(o => o.textContent).join('|')")
    check("ui: a remembered key is offered after a reload",
          "Publisher one" in opts, opts)
    b.js("var s = document.getElementById('saved'); s.value = '0';" +
         "s.dispatchEvent(new Event('change'))")
    fp = b.js("document.getElementById('saved-fp').textContent")
    check("ui: the remembered key's fingerprint is shown",
          len(fp.split()) == 8, fp)
    b.pick("#bundle-file", bad)
    b.js("document.getElementById('go').click()")
    b.wait("/^(OK|FAILED)/.test(%s)" % VERDICT)
    v = b.js(VERDICT)
    n = b.js("document.querySelectorAll('#files button').length")
    check("ui: a damaged bundle with the remembered key: FAILED, no file",
          v.startswith("FAILED") and n == 0, "%s; %s buttons" % (v, n))
    b.js("document.getElementById('lang').click()")
    d = b.js("document.documentElement.dir + ' ' + document.title")
    check("ui: the switch turns the page to Urdu, right to left",
          d.startswith("rtl ") and "بنڈل" in d, d)
    v = b.js(VERDICT)
    check("ui: the verdict in Urdu still starts with FAILED",
          v.startswith("FAILED"), v)
    # Linked, the bundle is verified as it downloads and not kept: a
    # save downloads it again and verifies it again.
    name = os.path.basename(bundle)
    b.go("%s?lang=en&bundle=%s&key=%s" % (url, urllib.parse.quote(name),
                                           urllib.parse.quote(key, safe="")))
    b.wait("/^(OK|FAILED)/.test(%s)" % VERDICT)
    v = b.js(VERDICT)
    check("ui: a linked bundle verifies", v.startswith("OK"), v)
    path = b.js("document.querySelectorAll('#files .path')[1].textContent")
    b.js("document.querySelectorAll('#files button.save')[1].click()")
    name = os.path.join(dl, path.split("/")[-1])
    end = time.time() + 30
    while time.time() < end and not os.path.exists(name):
        time.sleep(0.1)
    print("SAVED %s %s" % (path, name))


def cut(root, portfile):
    """A mirror whose connection drops in the middle of a download."""
    import functools
    import http.server
    import socket

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if not self.path.startswith("/cut/"):
                return super().do_GET()
            name = os.path.join(root, os.path.basename(self.path[5:]))
            with open(name, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 3])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=root))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def main(a):
    if a[0] == "verdict":
        print(parse(a[1]).text.get("verdict", "").strip())
    elif a[0] == "field":
        print(parse(a[1]).text.get(a[2], "").strip())
    elif a[0] == "count":
        print(parse(a[1]).classes.get(a[2], 0))
    elif a[0] == "shot":
        why = shot(a[1], int(a[2]), int(a[3]))
        if why:
            print(why)
            return 1
    elif a[0] == "pick":
        prof = tempfile.mkdtemp()
        b = Browser(prof, prof)
        try:
            b.go(a[1] + "?lang=en")
            print(timed_verify(b, a[2], a[3]))
        finally:
            b.close()
            shutil.rmtree(prof, ignore_errors=True)
    elif a[0] == "link":
        prof = tempfile.mkdtemp()
        b = Browser(prof, prof)
        try:
            print(timed_link(b, a[1]))
        finally:
            b.close()
            shutil.rmtree(prof, ignore_errors=True)
    elif a[0] == "ui":
        ui(*a[1:6])
    elif a[0] == "cut":
        cut(a[1], a[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
