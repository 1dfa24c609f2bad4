"""The built HTML book in a real browser (Debian's Chromium driven by Playwright), offline.

Every request that does not go to the local server is aborted and counted as a failure, so
these tests prove that the pages work with the network cut off. They build the book first
if ``_build/html`` is missing. Skipped where Chromium or Playwright is absent (CI installs
both; see .ci/run).
"""

from __future__ import annotations

import pytest
from chromium import PAGES, Page


@pytest.mark.parametrize("chapter", PAGES)
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
        if chapter not in ("report", "api", "bibliography"):
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
        root.locator(".wb-heat-k").click(position={"x": 60, "y": 15})
        assert readout.inner_text() != after[0], "clicking the map picks another point"
        assert not p.errors and not p.offsite and not p.failed
    finally:
        p.page.close()


def test_ipywidgets_render_offline(site, browser):
    p = Page(browser, f"{site}/book/07_explore.html")
    try:
        # the saved widget state renders without a kernel (the manager is vendored) …
        slider = p.page.locator(".wb-kernel-explorer .widget-slider,"
                                " .wb-kernel-explorer .jupyter-widget-slider").first
        slider.wait_for(state="attached", timeout=15_000)
        assert not p.offsite, f"the widget manager must not reach a CDN: {p.offsite}"
        assert not p.failed and not p.errors, (p.failed, p.errors)
        # … but the kernel's explorer (wbmodel.widgets.Explorer) is not shown: without a
        # kernel its controls would do nothing
        kernel = p.page.locator(".wb-kernel-explorer")
        assert kernel.count() == 1 and not kernel.is_visible()
        assert "needs a running kernel" in p.page.locator("article").inner_text()
    finally:
        p.page.close()
