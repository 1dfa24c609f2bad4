"""The built HTML book in a real browser (Debian's Chromium driven by Playwright), offline.

Every request that does not go to the local server is aborted and counted as a failure, so
these tests prove that the pages work with the network cut off. They build the book first
if ``_build/html`` is missing. Skipped where Chromium or Playwright is absent (CI installs
both; see .ci/run).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHAPTERS = ["intro", "01_interneuron", "02_synapse", "03_gamma_rhythm", "04_frequency",
            "05_heterogeneity", "06_sparse", "07_explore", "08_numerics", "api", "bibliography"]

playwright = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="session")
def site():
    """The built book served on 127.0.0.1 (built first if needed)."""
    if not (HTML / "book" / "07_explore.html").exists():
        subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), "build", ".", "-W",
                        "-n", "--keep-going"], cwd=ROOT, check=True)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class Page:
    """A page opened offline, with its console errors and failed requests collected."""

    def __init__(self, browser, url):
        self.errors, self.failed, self.offsite = [], [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_is_clean_offline(site, browser, chapter):
    p = Page(browser, f"{site}/book/{chapter}.html")
    try:
        assert p.page.title(), "the page has a title"
        assert not p.offsite, f"requests left the machine: {p.offsite}"
        assert not p.failed, f"failed requests: {p.failed}"
        assert not p.errors, f"console errors: {p.errors}"
        bad_outputs = p.page.locator(".output.error, .output.traceback, .cell_output .traceback")
        assert bad_outputs.count() == 0, "no error or traceback outputs"
        images = p.page.eval_on_selector_all(
            "img", "els => els.map(e => [e.currentSrc || e.src, e.complete && e.naturalWidth])")
        assert all(w for _, w in images), f"undecoded images: {[s for s, w in images if not w]}"
        if chapter not in ("api", "bibliography"):
            assert images, "every chapter shows at least one figure"
    finally:
        p.page.close()


def test_static_explorer_switches_points(site, browser):
    p = Page(browser, f"{site}/book/07_explore.html")
    try:
        root = p.page.locator(".wb-static-explorer")
        root.scroll_into_view_if_needed()
        readout = root.locator(".wb-readout")
        raster = root.locator(".wb-raster")
        before = readout.inner_text(), raster.evaluate("c => c.toDataURL()")
        assert "κ =" in before[0]
        slider = root.locator(".wb-g")
        slider.evaluate("(s) => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
        after = readout.inner_text(), raster.evaluate("c => c.toDataURL()")
        assert after[0] != before[0], "moving g_syn changes κ and the frequency shown"
        assert after[1] != before[1], "…and redraws the raster"
        root.locator(".wb-heat-k").click(position={"x": 5, "y": 5})
        assert readout.inner_text() != after[0], "clicking the map picks another point"
        assert not p.errors and not p.offsite and not p.failed
    finally:
        p.page.close()


def test_ipywidgets_render_offline(site, browser):
    p = Page(browser, f"{site}/book/07_explore.html")
    try:
        slider = p.page.locator(".widget-slider, .jupyter-widget-slider").first
        slider.wait_for(state="visible", timeout=15_000)
        assert slider.is_visible(), "the live explorer's sliders render without a kernel"
        assert not p.offsite, f"the widget manager must not reach a CDN: {p.offsite}"
        assert not p.failed and not p.errors, (p.failed, p.errors)
    finally:
        p.page.close()
