"""Pages that everyone can read: axe-core on every built page, figures with alt text, and
the in-page explorer worked from the keyboard alone (Chromium, offline).

axe-core comes with ``axe-playwright-python`` (pinned in requirements.txt) and runs in the
page itself, so nothing is fetched. Skipped where Chromium or Playwright is missing.
"""

from __future__ import annotations

import pytest
from chromium import PAGES, Page, finished


def _axe(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


@pytest.mark.parametrize("width, mode", [(1280, "light"), (390, "light"), (1280, "dark")])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing(site, browser, name, width, mode):
    # opened at the width it is checked at (a page resized after loading keeps the
    # focusability its scripts gave its code at the first width), in the theme's light
    # or dark mode (readers use both)
    p = Page(browser, f"{site}/book/{name}.html", width=width, dark=mode == "dark")
    try:
        # the live explorers finish their first run; widgets and MathJax render
        p.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.wb-live'))"
            ".every(r => r.dataset.state && r.dataset.state !== 'running')", timeout=60_000)
        p.page.wait_for_timeout(500)
        found = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
                 for v in _axe(p.page)]
        # every impact, minor included: the pages had none left once the widgets' scroll
        # regions got names of their own
        assert p.page.evaluate("document.documentElement.dataset.theme") == mode
        assert not found, f"axe-core on {name} at {width} px, {mode} mode: {found}"
    finally:
        p.page.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_alt_text(site, browser, name):
    p = Page(browser, f"{site}/book/{name}.html")
    try:
        p.page.wait_for_timeout(1000)  # the widget manager renders its images
        imgs = p.page.evaluate("""() => Array.from(document.querySelectorAll('article img'),
            i => [i.getAttribute('alt'), i.getAttribute('src').slice(-40)])""")
        for alt, src in imgs:
            assert alt and len(alt) > 15, f"{name}: {src} has no alt text ({alt!r})"
            assert not alt.endswith((".png", ".svg", ".jpg")), f"{name}: alt is a path: {alt}"
    finally:
        p.page.close()


def test_the_explorer_works_from_the_keyboard(site, browser):
    p = Page(browser, f"{site}/book/07_explore.html")
    page = p.page
    try:
        root = ".wb-live"
        assert finished(page, 1, timeout=60_000, root=root)["state"] == "done"
        # Tab reaches every control, in order, from the first preset to the last
        controls = page.evaluate(f"""() => Array.from(document.querySelector('{root}')
            .querySelectorAll('button, input, select'))
            .filter(e => e.offsetParent !== null && !e.disabled)
            .map(e => e.outerHTML.slice(0, 80))""")
        page.locator(f"{root} button").first.focus()
        reached = []
        for _ in range(len(controls) + 5):
            reached.append(page.evaluate(f"""() => document.activeElement.closest('{root}')
                ? document.activeElement.outerHTML.slice(0, 80) : null"""))
            page.keyboard.press("Tab")
        assert set(controls) <= set(reached), set(controls) - set(reached)
        # the arrow keys on a slider start a new run
        runs = int(page.locator(root).get_attribute("data-runs"))
        page.locator(f"{root} .wb-range[data-name=I_app]").focus()
        page.keyboard.press("ArrowRight")
        assert finished(page, runs + 1, timeout=60_000, root=root)["state"] == "done"
        assert page.locator(f"{root} .wb-box[data-name=I_app]").input_value() == "1.01"
        # Enter on a preset applies it
        runs = int(page.locator(root).get_attribute("data-runs"))
        page.locator(f"{root} button", has_text="Fig. 3C").focus()
        page.keyboard.press("Enter")
        assert finished(page, runs + 1, timeout=60_000, root=root)["state"] == "done"
        assert page.locator(f"{root} .wb-box[data-name=phi]").input_value() == "2"
        # the readout is announced
        readout = page.locator(f"{root} .wb-live-readout")
        assert readout.get_attribute("aria-live") == "polite"
        assert readout.get_attribute("role") == "status" and "κ = " in readout.inner_text()
        assert not p.errors and not p.offsite, (p.errors, p.offsite)
    finally:
        page.close()
