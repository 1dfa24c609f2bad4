"""The live explorer of the built book in Chromium: served over HTTP and opened from disk.

Every control must rerun the network and change what the page shows; a new value must cancel
the run in flight; bad values (typed or in the URL) must be clamped or refused with a visible
message; the chapters' small explorers must run too; all of it offline and without a
console error.
"""

from __future__ import annotations

import contextlib
import json
import re
import time

import pytest
from chromium import HTML, Page, finished

EXPLORE = "book/07_explore.html"
SMALL = {"03_gamma_rhythm": "phi", "04_frequency": "tau_syn", "05_heterogeneity": "I_sigma",
         "06_sparse": "n_inputs", "09_stability": "V0_spread"}


@pytest.fixture(params=["served", "file"])
def base(request, site):
    """The book's root URL, served over HTTP or opened from disk (file://)."""
    return site if request.param == "served" else HTML.as_uri()


@contextlib.contextmanager
def opened(browser, url, wait=True):
    """A page of the book, its first run done (``wait``); closed, and checked clean, after."""
    p = Page(browser, url)
    try:
        if wait:
            finished(p.page, 1)
        yield p.page
        _clean(p)
    finally:
        p.page.close()


def _shown(page, root=".wb-live"):
    """What the explorer shows: its canvas's pixels and its readout."""
    return page.evaluate("""(sel) => { const r = document.querySelector(sel);
        return [r.querySelector('canvas').toDataURL(),
                r.querySelector('.wb-live-readout').innerText]; }""", root)


def _slide(page, name, value, root=".wb-live"):
    page.locator(f"{root} .wb-range[data-name={name}]").evaluate(
        """(r, x) => { r.value = x; r.dispatchEvent(new Event('input'));
                      r.dispatchEvent(new Event('change')); }""", value)


def _type(page, name, text, root=".wb-live"):
    box = page.locator(f"{root} .wb-box[data-name={name}]")
    box.fill(text)
    box.dispatch_event("change")


def _clean(p):
    assert not p.errors, f"console errors: {p.errors}"
    assert not p.offsite, f"requests left the machine: {p.offsite}"
    assert not p.failed, f"failed requests: {p.failed}"


def test_the_page_runs_the_paper_network(browser, base):
    with opened(browser, f"{base}/{EXPLORE}") as page:
        d = finished(page, 1)
        assert d["state"] == "done", d
        assert float(d["kappa"]) > 0.95, "the paper's network synchronises (κ ≈ 1)"
        assert 30 < float(d["frequency"]) < 50, d
        assert "κ = " in _shown(page)[1]
        code = page.locator(".wb-live-code").inner_text()
        assert "wb.WBParams()" in code and "seed=0" in code


# Values that move each control away from a base state in which κ is sensitive to all of them
# (a mild spread of the drive, I_σ = 0.03 µA/cm²).
MOVES = {"I_app": 1.4, "g_syn": 0.3, "I_sigma": 0.08, "tau_syn": 4, "phi": 2.5, "E_syn": -60,
         "n_inputs": 12, "n_cells": 60, "V0_spread": 2, "duration": 400}


def test_every_control_changes_the_raster_and_kappa(browser, base):
    with opened(browser, f"{base}/{EXPLORE}#wb:I_sigma=0.03") as page:
        runs = 1
        for name, value in MOVES.items():
            before = _shown(page), finished(page, runs)["kappa"]
            _slide(page, name, value)
            runs += 1
            d = finished(page, runs)
            assert d["state"] == "done", (name, d)
            after = _shown(page)
            assert after[0] != before[0][0], f"moving {name} redraws the raster"
            assert d["kappa"] != before[1], f"moving {name} changes κ"
            assert f"{name}=" in page.evaluate("location.hash"), "the URL keeps the value"
        before = d["kappa"]
        _type(page, "seed", "7")  # the seed has a box only
        runs += 1
        assert finished(page, runs)["kappa"] != before, "a new seed, a new network"
        page.select_option(".wb-live .wb-dt", "0.01")
        runs += 1
        assert finished(page, runs)["state"] == "done"


def test_a_new_value_cancels_the_run_in_flight(browser, base):
    # N = 1000 all-to-all for 5 s: about 10 s of work, far longer than the test waits for
    with opened(browser, f"{base}/{EXPLORE}#wb:n_cells=1000&duration=5000", wait=False) as page:
        page.wait_for_function("() => document.querySelector('.wb-live').dataset.firstFrameMs")
        t0 = time.perf_counter()
        _type(page, "duration", "200")
        d = finished(page, 2, timeout=8_000)
        waited = time.perf_counter() - t0
        assert d["runs"] == "2" and d["cancelled"] == "1" and d["state"] == "done", d
        assert "of 5000 ms" not in _shown(page)[1]
        assert waited < 6, f"the new run waited {waited:.1f} s for the old one"


def test_bad_values_are_clamped_or_refused_with_a_message(browser, base):
    with opened(browser, f"{base}/{EXPLORE}") as page:
        msg = page.locator(".wb-live .wb-live-message")
        _type(page, "I_app", "abc")
        assert "not a number" in msg.inner_text() and msg.is_visible()
        assert page.locator(".wb-live .wb-box[data-name=I_app]").input_value() == "1"
        _type(page, "I_app", "99")
        assert "outside" in msg.inner_text() and "set to 5" in msg.inner_text()
        d = finished(page, 2)
        assert "I_app=5" in page.evaluate("location.hash") and d["state"] == "done"
        _type(page, "n_inputs", "5000")
        assert "set to 99" in msg.inner_text()
        finished(page, 3)
    with opened(browser, f"{base}/{EXPLORE}#wb:I_app=abc&phi=99&nonsense=1&dt=0.3") as page:
        text = page.locator(".wb-live .wb-live-message").inner_text()
        for part in ("I_app", "unknown parameter", "dt = 0.3", "φ = 99"):
            assert part in text, (part, text)
        assert page.locator(".wb-live .wb-box[data-name=phi]").input_value() == "10"
        assert page.locator(".wb-live .wb-box[data-name=I_app]").input_value() == "1"


def test_a_link_reproduces_the_run(browser, base):
    with opened(browser, f"{base}/{EXPLORE}") as page:
        for name, value in (("I_app", 1.2), ("phi", 3.33), ("n_inputs", 30)):
            _slide(page, name, value)
        d = finished(page, 4)
        url = page.url
        code = page.locator(".wb-live-code").inner_text()
        assert "I_app=1.2 * UA" in code and "phi=3.33" in code and "n_inputs=30" in code
    assert re.search(r"#wb:.*I_app=1\.2", url) and "phi=3.33" in url, url
    with opened(browser, url) as page:
        again = finished(page, 1)
        assert again["kappa"] == d["kappa"] and again["frequency"] == d["frequency"]


def test_presets_and_reset(browser, base):
    with opened(browser, f"{base}/{EXPLORE}") as page:
        page.locator(".wb-live button", has_text="Fig. 3C").click()
        d = finished(page, 2)
        assert page.locator(".wb-live .wb-box[data-name=phi]").input_value() == "2"
        assert float(d["kappa"]) < 0.8, "Fig. 3C: synchrony degrades"
        page.locator(".wb-live button", has_text="sparse M = 8").click()
        finished(page, 3)
        assert page.locator(".wb-live .wb-box[data-name=n_inputs]").input_value() == "8"
        page.locator(".wb-live button", has_text="reset to the paper").click()
        finished(page, 4)
        assert page.evaluate("location.hash") == "#wb"
        assert page.locator(".wb-live .wb-box[data-name=n_inputs]").input_value() == "all"


def test_a_square_of_the_map_runs_that_network_live(browser, base):
    with opened(browser, f"{base}/{EXPLORE}") as page:
        heat = page.locator(".wb-static-explorer .wb-heat-k")
        heat.scroll_into_view_if_needed()
        box = heat.bounding_box()
        # the top right square of the plot area: I_app = 3, g_syn = 0.8
        heat.click(position={"x": 250 * box["width"] / 330, "y": 12 * box["height"] / 270})
        finished(page, 2)
        val = {k: page.locator(f".wb-live .wb-box[data-name={k}]").input_value()
               for k in ("I_app", "g_syn", "I_sigma", "duration")}
        assert val == {"I_app": "3", "g_syn": "0.8", "I_sigma": "0.02", "duration": "1000"}, val


@pytest.mark.parametrize("chapter", list(SMALL))
def test_each_chapter_explorer_runs_its_question(browser, base, chapter):
    with opened(browser, f"{base}/book/{chapter}.html") as page:
        assert page.locator(".wb-live").count() == 1
        assert page.locator(f".wb-live .wb-range[data-name={SMALL[chapter]}]").count() == 1
        before = _shown(page)
        _slide(page, SMALL[chapter], {"phi": 2, "tau_syn": 3, "I_sigma": 0.1,
                                        "n_inputs": 40, "V0_spread": 2}[SMALL[chapter]])
        d = finished(page, 2)
        assert d["state"] == "done" and _shown(page)[0] != before[0]
        assert page.evaluate("location.hash") == "", "small explorers leave the URL alone"


def test_saved_ipywidgets_state_is_the_paper_network():
    page = (HTML / EXPLORE).read_text(encoding="utf-8")
    m = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
                  page, re.S)
    assert m, "the page holds the widgets' saved state"
    states = [s["state"] for s in json.loads(m.group(1))["state"].values()]
    sliders = {s["description"]: s["value"] for s in states
               if s.get("_model_name") in ("FloatSliderModel", "IntSliderModel")}
    assert sliders["g_syn (mS/cm²)"] == pytest.approx(0.1), sliders
    assert sliders["I_app (µA/cm²)"] == pytest.approx(1.0), sliders
    assert sliders["φ"] == pytest.approx(5.0) and sliders["M (0: all)"] == 0, sliders


def test_the_wiring_menu_reruns_with_each_scheme(browser, site):
    with opened(browser, f"{site}/{EXPLORE}#wb:n_inputs=20&n_cells=200") as page:
        menu = page.locator(".wb-live .wb-wiring")
        assert not menu.is_disabled(), "a sparse network offers the three wirings"
        assert menu.evaluate("m => Array.from(m.options, o => o.value)") == [
            "fixed", "bernoulli", "bernoulli_scaled"]
        kappas = {"fixed": finished(page, 1)["kappa"]}
        for runs, scheme in enumerate(("bernoulli", "bernoulli_scaled"), start=2):
            menu.select_option(scheme)
            kappas[scheme] = finished(page, runs)["kappa"]
            assert f"wiring={scheme}" in page.evaluate("location.hash")
            assert f'wiring="{scheme}"' in page.locator(".wb-live-code").inner_text()
        assert len(set(kappas.values())) == 3, kappas
        page.locator(".wb-live .wb-all-box").check()
        finished(page, 4)
        assert menu.is_disabled(), "all-to-all has no wiring to choose"


def test_the_page_runs_the_network_wbmodel_runs_from_the_seed(browser, site):
    import brainunit as u

    import wbmodel as wb

    hash_ = "n_cells=120&n_inputs=12&wiring=bernoulli&I_sigma=0.03&seed=5&dt=0.01"
    with opened(browser, f"{site}/{EXPLORE}#wb:{hash_}") as page:
        d = finished(page, 1)
        readout = page.locator(".wb-live .wb-live-readout").inner_text()
        python = page.locator(".wb-live .wb-live-python").inner_text()
    spikes = int(re.search(r"\((\d+) spikes", readout).group(1))
    r = wb.simulate(wb.WBParams(n_cells=120, n_inputs=12, wiring="bernoulli",
                                I_sigma=0.03 * u.uA / u.cm**2),
                    duration=500 * u.ms, dt=0.01 * u.ms, seed=5)
    assert "runs this very network" in python and "seed=5" in python
    assert abs(spikes - r.spike_times.size) <= 2, (spikes, r.spike_times.size)
    assert abs(float(d["kappa"]) - wb.coherence(r)) < 0.03, (d["kappa"], wb.coherence(r))


def test_a_narrow_start_runs_the_network_its_python_line_runs(browser, site):
    """The ΔV₀ control: the page draws its initial V from −60 ∓ ΔV₀/2 mV, the link keeps
    it, and the Python line under the figure (with V0_range) runs the same network."""
    import brainunit as u

    import wbmodel as wb

    hash_ = "n_cells=80&I_sigma=0.03&phi=2&I_app=1.4&V0_spread=1.5&seed=2&dt=0.01"
    with opened(browser, f"{site}/{EXPLORE}#wb:{hash_}") as page:
        d = finished(page, 1)
        assert page.locator(".wb-live .wb-box[data-name=V0_spread]").input_value() == "1.5"
        readout = page.locator(".wb-live .wb-live-readout").inner_text()
        code = page.locator(".wb-live .wb-live-code").inner_text()
        _type(page, "V0_spread", "30")  # clamped to the paper's 20, the default: not shown
        assert "set to 20" in page.locator(".wb-live .wb-live-message").inner_text()
        finished(page, 2)
        assert "V0_spread" not in page.evaluate("location.hash")
        assert "V0_range" not in page.locator(".wb-live .wb-live-code").inner_text()
    assert "V0_range=(-60.75 * u.mV, -59.25 * u.mV)" in code, code
    env: dict = {}
    exec("import brainunit as u\nimport wbmodel as wb\nUA, MS = u.uA / u.cm**2, "
         "u.mS / u.cm**2\n" + code, env)
    r = env["res"]
    assert [float(x) for x in r.V0_range.to_decimal(u.mV)] == [-60.75, -59.25]
    spikes = int(re.search(r"\((\d+) spikes", readout).group(1))
    assert abs(spikes - r.spike_times.size) <= 2, (spikes, r.spike_times.size)
    assert abs(float(d["kappa"]) - wb.coherence(r)) < 0.03, (d["kappa"], wb.coherence(r))


def _label_ink(page):
    """The mean colour (0–1 luminance) of what is drawn in the canvas's left margin, where
    the axis labels are ("cell", "rate", "V mV", "+40"): the margin is otherwise empty."""
    return page.evaluate("""() => {
        const c = document.querySelector('.wb-live canvas'), dpr = window.devicePixelRatio || 1;
        const px = c.getContext('2d').getImageData(0, 0, Math.round(40 * dpr), c.height).data;
        let sum = 0, n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 200) {
            sum += (0.2126 * px[i] + 0.7152 * px[i + 1] + 0.0722 * px[i + 2]) / 255; n++; }
        return n ? sum / n : null; }""")


def test_the_axis_labels_follow_the_theme(browser, site):
    """Dark labels on the light page, light ones in dark mode, and a redraw when the reader
    switches: the labels sit on the panel, not on the plots' own light boxes."""
    for dark in (False, True):
        p = Page(browser, f"{site}/{EXPLORE}", dark=dark)
        try:
            finished(p.page, 1)
            shade = _label_ink(p.page)
            assert shade is not None, "no labels drawn"
            assert (shade > 0.6) if dark else (shade < 0.3), (dark, shade)
            if dark:  # the theme's switch redraws them dark
                p.page.evaluate("document.documentElement.dataset.theme = 'light'")
                assert _label_ink(p.page) < 0.3
            _clean(p)
        finally:
            p.page.close()
