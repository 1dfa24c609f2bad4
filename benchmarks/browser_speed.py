"""The page's model (wbmodel/web/wbmodel.js) in headless Chromium, beside wbmodel's JAX program.

Opens the live explorer of ``wbmodel.browser.browser_explorer`` from disk (file://) in
Debian's Chromium, as a reader would, and times the runs the explorer itself reports: the
whole run (from the new value to κ on screen), the first frame drawn, and ns per cell-step in
the worker. The first run after the page opens is reported apart (the page is still loading,
the worker compiling); the others are a new seed each, typed into the seed box. wbmodel's
``simulate`` runs the same networks in the same process.

Then the first result a reader of the book waits for: the built Explore and chapter 3 pages
(``_build/html``, served on 127.0.0.1, each opened five times in a fresh browser context:
a first visit), from the navigation's start to DOMContentLoaded, to the first frame the
explorer draws and to κ in its readout, with the worker's own time for that first run;
then, once the page is idle, warm reruns on the same page (a new seed each). Prints one
JSON line.

    python benchmarks/browser_speed.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brainunit as u

import wbmodel as wb
from wbmodel.browser import browser_explorer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chromium import CHROMIUM, finished, serve  # noqa: E402  (the browser tests' helpers)

#: (label, hash of the explorer's parameters, number of timed runs after the first)
CASES = [
    ("N = 100, 500 ms, dt = 0.02 ms", {"n_cells": 100, "n_inputs": None, "duration": 500,
                                       "dt": 0.02}, 7),
    ("N = 1000, M = 50, 1 s, dt = 0.04 ms", {"n_cells": 1000, "n_inputs": 50, "duration": 1000,
                                             "dt": 0.04}, 3),
]


def _done(page, n, timeout):
    """The explorer's data attributes once its n-th run is done (not stopped by an error)."""
    d = finished(page, n, timeout=timeout)
    assert d["state"] == "done", d
    return d


def _new_seed(page, seed):
    """Type a seed into the explorer's box, as a reader would: a new run."""
    box = page.locator(".wb-live .wb-box[data-name=seed]")
    box.fill(str(seed))
    box.dispatch_event("change")


def page_runs(browser, url: str, case: dict, repeats: int) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    tag = "&".join(f"{k}={'all' if v is None else v}" for k, v in case.items())
    page.goto(f"{url}#wb:{tag}")
    runs = []

    def done(n):
        d = _done(page, n, timeout=120_000)
        return {k: float(d[k]) for k in ("runMs", "firstFrameMs", "nsPerCellStep", "kappa")}

    first = done(1)
    for seed in range(1, repeats + 1):
        time.sleep(0.3)
        _new_seed(page, seed)
        runs.append(done(seed + 1))
    page.close()
    assert not errors, errors
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {"first": first, "median": med, "kappa_range": [min(r["kappa"] for r in runs),
                                                           max(r["kappa"] for r in runs)]}


def jax_runs(case: dict, repeats: int) -> dict:
    p = wb.WBParams(n_cells=case["n_cells"], n_inputs=case["n_inputs"])
    kw = dict(duration=case["duration"] * u.ms, dt=case["dt"] * u.ms)
    t0 = time.perf_counter()
    wb.simulate(p, seed=0, **kw)
    first = time.perf_counter() - t0
    times = []
    for seed in range(1, repeats + 1):
        t0 = time.perf_counter()
        wb.simulate(p, seed=seed, **kw)
        times.append(time.perf_counter() - t0)
    steps = round(case["duration"] / case["dt"])
    med = statistics.median(times)
    return {"first_s": first, "median_s": med, "ns_per_cell_step": med * 1e9 / (steps * p.n_cells)}


BOOK_PAGES = ("07_explore", "03_gamma_rhythm")


def first_results(browser, base: str, name: str, visits: int = 5, warm: int = 3) -> dict:
    """Navigation to κ on one built page, first visits; then warm reruns (medians, ms)."""
    first, reruns = [], []
    for _ in range(visits):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/book/{name}.html")
        page.wait_for_function("() => document.querySelector('.wb-live')?.dataset.firstResultAt",
                               timeout=60_000)
        nav = page.evaluate("() => performance.getEntriesByType('navigation')[0]"
                            ".domContentLoadedEventEnd")
        d = page.evaluate("() => ({...document.querySelector('.wb-live').dataset})")
        first.append({"dcl": nav, "first_frame": float(d["firstFrameAt"]),
                      "kappa": float(d["firstResultAt"]), "worker": float(d["workerMs"]),
                      "worker_began": float(d["workerBeganAt"])})
        # idle: MathJax and the widget manager load after the first result
        page.wait_for_function("() => window.MathJax && window.MathJax.typesetPromise",
                               timeout=30_000)
        page.wait_for_timeout(2500)
        for seed in range(1, warm + 1):
            _new_seed(page, seed)
            w = _done(page, seed + 1, timeout=60_000)
            reruns.append({"run": float(w["runMs"]), "first_frame": float(w["firstFrameMs"]),
                           "worker": float(w["workerMs"])})
        context.close()
    med = {k: statistics.median(f[k] for f in first) for k in first[0]}
    warm_med = {k: statistics.median(r[k] for r in reruns) for k in reruns[0]}
    return {"page": name, "first": med, "first_all": first, "warm": warm_med,
            "worker_first_over_warm": med["worker"] / warm_med["worker"]}


def served_book():
    """The built book on 127.0.0.1 (a thread), or None where it has not been built."""
    html = ROOT / "_build" / "html"
    if not (html / "book" / "07_explore.html").exists():
        return None
    return serve(html)[0]


def page_sizes() -> dict:
    """Bytes of each built chapter page, and of the live explorers inlined in it."""
    out = {}
    for f in sorted((ROOT / "_build" / "html" / "book").glob("0*.html")):
        text = f.read_text(encoding="utf-8")
        live = sum(len(m.group(0).encode()) for m in re.finditer(
            r'<div class="wb-live-root".*?WBLive\.mount\(.*?</script>', text, re.S))
        out[f.stem] = {"page": len(text.encode()), "explorers": live}
    return out


def main() -> int:
    from playwright.sync_api import sync_playwright

    html = browser_explorer(hash=True).data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explorer.html"
        path.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body>"
                        f"{html}</body></html>", encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            results = []
            for label, case, repeats in CASES:
                results.append({"case": label, "page": page_runs(browser, path.as_uri(), case,
                                                                  repeats),
                                "jax": jax_runs(case, repeats)})
            base = served_book()
            book = [first_results(browser, base, name) for name in BOOK_PAGES] if base else []
            version = browser.version
            browser.close()
    print(json.dumps({"chromium": version, "runs": results, "explorer_bytes": len(html.encode()),
                      "pages": page_sizes(), "book": book}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
