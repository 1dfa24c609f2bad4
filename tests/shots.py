"""Full-page screenshots of every page of the built book, to look at (``make shots``).

    python tests/shots.py [--width 1280 --width 390] [--dark] [--out _build/shots] [PAGE ...]

Opens each page of ``_build/html`` from disk in Debian's Chromium, waits for the live
explorers to finish their first run, and writes ``_build/shots/PAGE-WIDTH.png``
(``PAGE-WIDTH-dark.png`` with ``--dark``: the theme's dark mode, set before the page's
scripts run). For each
page it prints whether anything scrolls sideways and any console error, so a glance at the
output says where to look first.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chromium import ARGS, CHROMIUM, DARK, HTML, PAGES


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="*", default=PAGES)
    ap.add_argument("--width", type=int, action="append", help="viewport widths (px)")
    ap.add_argument("--dark", action="store_true", help="the theme's dark mode")
    ap.add_argument("--out", type=Path, default=HTML.parent / "shots")
    a = ap.parse_args(argv)
    widths = a.width or [1280, 390]
    a.out.mkdir(parents=True, exist_ok=True)
    if not (HTML / "book").exists():
        print(f"no built book at {HTML}: run `make book` first", file=sys.stderr)
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in widths:
            for name in a.pages:
                page = browser.new_page(viewport={"width": width, "height": 900})
                if a.dark:
                    page.add_init_script(DARK)
                errors = []
                page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
                page.on("pageerror", lambda x, e=errors: e.append(str(x)))
                page.goto((HTML / "book" / f"{name}.html").as_uri())
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('.wb-live'))"
                    ".every(r => r.dataset.state && r.dataset.state !== 'running')",
                    timeout=60_000)
                time.sleep(0.5)  # fonts and MathJax settle
                sideways = page.evaluate(
                    "() => document.documentElement.scrollWidth - innerWidth")
                path = a.out / f"{name}-{width}{'-dark' if a.dark else ''}.png"
                page.screenshot(path=str(path), full_page=True)
                fits = f"scrolls sideways by {sideways} px" if sideways > 0 else "fits"
                print(f"{path}: {fits}" + (f"; console errors: {errors}" if errors else ""))
                page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
