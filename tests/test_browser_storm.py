"""The live explorer under a storm of input, in Chromium: a slider dragged through 200
values in 10 s, and 500 fuzzed URL hashes.

After the storm the page must show the last value's run (raster and readout), with one
worker for the explorer, no console error and a JS heap that has grown by less than 20 MB.
Every fuzzed hash must end in either a new run or a visible message naming what was
refused, and none may throw.
"""

from __future__ import annotations

import random
import time
import urllib.parse

import pytest
from chromium import ARGS, CHROMIUM, finished

EXPLORE = "book/07_explore.html"
#: Chromium with precise heap figures and a gc() to call before reading them.
MEMORY_ARGS = [*ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"]
#: Counts the workers the page creates (before any script of the page runs).
COUNT_WORKERS = """(() => { const W = window.Worker; window.__workers = 0;
    window.Worker = function (...a) { window.__workers++; return new W(...a); };
    window.Worker.prototype = W.prototype; })();"""


@pytest.fixture(scope="module")
def memory_browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=MEMORY_ARGS)
    yield b
    b.close()


def _page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{m.text} {m.location}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.add_init_script(COUNT_WORKERS)
    page.goto(url)
    page.wait_for_function("() => document.querySelector('.wb-live').dataset.state === 'done'",
                           timeout=60_000)
    return page, errors


def _heap(page) -> float:
    return page.evaluate("() => { gc(); return performance.memory.usedJSHeapSize; }")


def test_a_storm_of_slider_moves_ends_with_the_last_value(site, memory_browser):
    page, errors = _page(memory_browser, f"{site}/{EXPLORE}")
    try:
        page.wait_for_timeout(2500)  # MathJax and the widget manager load after the first run
        before = _heap(page)
        # 0.5 … 2.49 µA/cm², the slider's steps
        values = [round(0.5 + 0.01 * k, 2) for k in range(200)]
        t0 = time.perf_counter()
        page.evaluate("""async (values) => {
            const r = document.querySelector('.wb-live .wb-range[data-name=I_app]');
            for (const x of values) {
                r.value = x;
                r.dispatchEvent(new Event('input'));
                r.dispatchEvent(new Event('change'));
                await new Promise(res => setTimeout(res, 50));
            } }""", values)
        storm_s = time.perf_counter() - t0
        d = finished(page, 1 + len(values), timeout=60_000)
        assert d["state"] == "done", d
        last = values[-1]
        assert d["runs"] == str(1 + len(values)), d
        assert page.locator(".wb-live .wb-box[data-name=I_app]").input_value() == str(last)
        assert f"I_app={last} * UA" in page.locator(".wb-live-code").inner_text()
        # the readout and the raster are the last run's: the same as a fresh run of it
        shown = page.evaluate("""() => [document.querySelector('.wb-live canvas').toDataURL(),
                                        document.querySelector('.wb-live-readout').innerText]""")
        workers = page.evaluate("() => window.__workers")
        grown = (_heap(page) - before) / 2**20
        assert not errors, errors
    finally:
        page.close()
    fresh, errors = _page(memory_browser, f"{site}/{EXPLORE}#wb:I_app={last}")
    try:
        again = fresh.evaluate("""() => [document.querySelector('.wb-live canvas').toDataURL(),
                                        document.querySelector('.wb-live-readout').innerText]""")
        assert again[1].split("(")[0] == shown[1].split("(")[0], (again[1], shown[1])
        assert again[0] == shown[0], "the raster shown is the last value's"
    finally:
        fresh.close()
    print(f"storm: 200 values in {storm_s:.1f} s; workers {workers}; heap grew {grown:.1f} MB")
    assert 9 < storm_s < 20, storm_s
    assert workers == 1, f"one worker serves the explorer, got {workers}"
    assert grown < 20, f"the JS heap grew by {grown:.1f} MB across the storm"


def _fuzzed_hashes(n: int, seed: int = 0) -> list[str]:
    """URL hashes a reader's link could carry, most of them broken."""
    rng = random.Random(seed)
    keys = ["I_app", "g_syn", "I_sigma", "tau_syn", "phi", "E_syn", "n_inputs", "wiring",
            "n_cells", "V0_spread", "seed", "duration", "dt"]
    junk = ["", "x", "I_APP", "__proto__", "constructor", "toString", "nan", "é", "%",
            "a" * 300, "n_cells ", " phi", "wb", "=", "&"]
    values = ["", "0", "-0", "1", "-1", "1.2", "1e400", "-1e400", "1e-400", "NaN", "Infinity",
              "-Infinity", "0x10", "1,5", "١٢", "all", "ALL", "null", "none", "true", "[]",
              "{}", "%E0%A4%A", "%ZZ", "%25", "%26phi%3D2", "bernoulli", "fixed",
              "bernoulli_scaled", "Bernoulli", "0.02", "0.03", "0.04", "0.05", "5000",
              "100000", "2147483648", "999", "9" * 400, " 1 ", "1.2.3", "+3", "¼", "\u0000"]
    out = []
    for _ in range(n):
        k = rng.randint(0, 6)
        pairs = []
        for _ in range(k):
            key = rng.choice(keys) if rng.random() < 0.75 else rng.choice(junk)
            val = rng.choice(values) if rng.random() < 0.7 else str(round(rng.uniform(-5, 5), 3))
            sep = rng.choice(["=", "=", "=", "", "=="])
            pairs.append(key + sep + val)
        body = "&".join(pairs)
        if rng.random() < 0.3:
            body = urllib.parse.quote(body, safe=rng.choice(["", "=&", "&"]))
        prefix = rng.choice(["#wb:", "#wb:", "#wb:", "#wb", "#wb:&", "#WB:", "#wbx:", "#"])
        out.append(prefix + body)
    return out


def test_fuzzed_links_never_throw(site, browser):
    from chromium import Page

    p = Page(browser, f"{site}/{EXPLORE}")
    try:
        p.page.wait_for_function("() => document.querySelector('.wb-live').dataset.state "
                                 "=== 'done'", timeout=60_000)
        hashes = _fuzzed_hashes(500)
        results = p.page.evaluate("""async (hashes) => {
            const root = document.querySelector('.wb-live');
            const msg = root.querySelector('.wb-live-message');
            const out = [];
            for (const [i, h] of hashes.entries()) {
                location.hash = '#not-the-explorers-' + i;  // so that every h is a change
                await new Promise(res => setTimeout(res, 0));
                const runs = +root.dataset.runs;
                msg.textContent = '';
                location.hash = h;
                await new Promise(res => setTimeout(res, 0));
                await new Promise(res => requestAnimationFrame(res));
                out.push([h, +root.dataset.runs > runs, msg.textContent,
                          msg.offsetParent !== null]);
            }
            return out; }""", hashes)
        assert not p.errors, f"console errors: {p.errors[:5]}"
        for h, ran, message, visible in results:
            decoded = urllib.parse.unquote(h, errors="replace")
            if not decoded.startswith("#wb") and not h.startswith("#wb"):
                continue  # not the explorer's: nothing to run or refuse
            assert ran or (message and visible), f"{h!r}: neither a run nor a message"
            if message:
                assert message.startswith("From the link:"), (h, message)
        ran = sum(r[1] for r in results)
        told = sum(bool(r[2]) for r in results)
        print(f"fuzz: {len(results)} hashes, {ran} runs, {told} messages")
        # the page still works afterwards
        p.page.evaluate("location.hash = '#wb:I_app=1.1'")
        p.page.wait_for_function("() => { const r = document.querySelector('.wb-live');"
                                 " return r.dataset.state === 'done' && "
                                 "r.querySelector('.wb-box[data-name=I_app]').value === '1.1'; }",
                                 timeout=60_000)
    finally:
        p.page.close()
