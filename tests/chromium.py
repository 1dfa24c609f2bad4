"""Helpers of the browser tests: Debian's Chromium driven by Playwright, offline.

Playwright's own browser download does not work here, so the tests launch the system
Chromium (the ``browser`` fixture of conftest.py skips where either is missing; CI installs
both, see .ci/run).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
#: Every page of the book, in the order of _toc.yml (names under book/).
PAGES = re.findall(r"(?:root|file): book/(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


#: The theme's dark mode, chosen before the page's scripts run (the theme reads both keys).
DARK = "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"


class Page:
    """A page opened offline, with its console errors and failed requests collected
    (``dark``: in the theme's dark mode)."""

    def __init__(self, browser, url, width: int = 1280, dark: bool = False):
        self.errors, self.failed, self.offsite = [], [], []
        # opened at its width: the theme marks scrolling code as focusable when it loads
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        if dark:
            self.page.add_init_script(DARK)
        host = urlparse(url).hostname

        def route(r):
            if urlparse(r.request.url).hostname in (host, None) or r.request.url.startswith(
                    ("data:", "blob:")):
                r.continue_()
            else:
                self.offsite.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"{r.status} {r.url}"))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")


def serve(directory) -> tuple[str, http.server.ThreadingHTTPServer]:
    """``directory`` served on 127.0.0.1 by a thread, quietly: its URL and the server."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def finished(page, runs, timeout=30_000, root=".wb-live"):
    """Wait until the explorer has ended its `runs`-th run; return its data attributes.

    Ended: done, or stopped with an error (``state`` says which).
    """
    page.wait_for_function(
        """([sel, n]) => { const r = document.querySelector(sel);
                           return r && +r.dataset.runs >= n && r.dataset.state !== 'running'; }""",
        arg=[root, runs], timeout=timeout)
    return page.evaluate("(sel) => ({...document.querySelector(sel).dataset})", root)
