"""browser_explorer's HTML output, without a browser: what it inlines and what it refuses."""

import json
import re

import brainunit as u
import pytest

import wbmodel as wb
from wbmodel import browser as web

UA = u.uA / u.cm**2


def _config(html: str) -> dict:
    return json.loads(re.search(r"WBLive\.mount\(root, (\{.*\}), src\)", html).group(1))


def test_one_self_contained_output_with_the_model_inlined():
    html = web.browser_explorer().data
    assert web.model_source() in html, "the model is inlined, not fetched"
    assert not re.search(r"""(src|href)=["']?https?:""", html), "nothing from a CDN"
    assert "import(" not in html and "fetch(" not in html, "works from file:// (no fetch)"
    assert len(html.encode()) < 150_000, "a chapter page grows by at most 150 KB"
    cfg = _config(html)
    assert cfg["params"] == {"I_app": 1.0, "g_syn": 0.1, "I_sigma": 0.0, "phi": 5.0,
                             "E_syn": -75.0, "n_inputs": None, "wiring": "fixed",
                             "n_cells": 100, "tau_syn": 10.0, "V0_spread": 20.0,
                             "seed": 0, "duration": 500.0, "dt": 0.02}
    assert list(cfg["presets"]) == list(web.PRESETS) and cfg["controls"] == list(web.CONTROLS)
    assert not cfg["hash"] and not cfg["listen"]
    assert cfg["paper"]["V0_spread"] == 20.0 and cfg["ranges"]["V0_spread"] == [0.0, 20.0]


def test_the_initial_V_spread_starts_where_it_is_asked():
    cfg = _config(web.browser_explorer(V0_range=[-62.5, -57.5] * u.mV).data)
    assert cfg["params"]["V0_spread"] == 5.0 and cfg["paper"]["V0_spread"] == 20.0
    # what the page's own control gives, hi − lo or not (8.01: 8.009999999999998 apart)
    for spread in (0.3, 8.01, 18.973):
        lo, hi = wb.draws.V_range_of_spread(spread)
        cfg = _config(web.browser_explorer(V0_range=(lo * u.mV, hi * u.mV)).data)
        assert cfg["params"]["V0_spread"] == spread, "as typed"
        assert wb.draws.V_range_of_spread(cfg["params"]["V0_spread"]) == (lo, hi), "exactly"
    assert cfg["V_init_centre"] == wb.draws.V_INIT_CENTRE, "the page's centre is wbmodel's"
    assert _config(web.browser_explorer(V0_range=[-60.0, -60.0] * u.mV).data)[
        "params"]["V0_spread"] == 0.0


def test_two_explorers_on_one_page_have_their_own_ids():
    a, b = web.browser_explorer().data, web.browser_explorer().data
    ids = [re.search(r'id="(wb-live-\d+)"', h).group(1) for h in (a, b)]
    assert ids[0] != ids[1]


def test_starting_values_and_choices():
    p = wb.WBParams(n_cells=200, n_inputs=10, I_sigma=0.02 * UA, beta=0.25 / u.ms, phi=3.33)
    cfg = _config(web.browser_explorer(p, duration=800 * u.ms, dt=0.04 * u.ms, seed=4,
                                       controls=["n_inputs", "phi"], presets=["Fig. 3B"],
                                       hash=True, listen=True, height=300).data)
    assert cfg["params"]["tau_syn"] == 4.0 and cfg["params"]["n_inputs"] == 10
    assert cfg["params"]["duration"] == 800.0 and cfg["params"]["dt"] == 0.04
    assert cfg["params"]["seed"] == 4 and cfg["height"] == 300
    assert cfg["controls"] == ["n_inputs", "phi"] and cfg["presets"] == {
        "Fig. 3B": {"phi": 3.33, "I_app": 1.2}}
    assert cfg["hash"] and cfg["listen"]


@pytest.mark.parametrize("kwargs, match", [
    ({"params": wb.WBParams(I_app=9.0 * UA)}, "I_app = 9 is outside"),
    ({"params": wb.WBParams(n_cells=2000)}, "n_cells = 2000"),
    ({"params": wb.WBParams(g_Na=30 * u.mS / u.cm**2)}, "g_Na"),
    ({"dt": 0.03 * u.ms}, "dt must be one of"),
    ({"duration": 50 * u.ms}, "duration = 50"),
    ({"controls": ["g_Na"]}, "unknown controls"),
    ({"presets": ["Fig. 9"]}, "unknown presets"),
    ({"V0_range": [-70.0, -60.0] * u.mV}, "not centred at -60 mV"),
    ({"V0_range": [-71.0, -49.0] * u.mV}, "V0_spread = 22 is outside"),
    ({"V0_range": [-50.0, -70.0] * u.mV}, "lo <= hi"),
])
def test_what_the_explorer_cannot_show_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        web.browser_explorer(**kwargs)


def test_the_duration_must_carry_a_unit():
    with pytest.raises(TypeError, match="duration"):
        web.browser_explorer(duration=500)


@pytest.mark.parametrize("attach", ["before", "after"])
def test_it_runs_as_a_notebook_output(browser, attach):
    """As JupyterLab renders a trusted HTML output: innerHTML, then each script re-created
    (evalInnerHTMLScriptTags), the host attached to the document before or after that."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("about:blank")
        page.evaluate("""([html, attach]) => {
            const host = document.createElement("div");
            if (attach === "before") document.body.appendChild(host);
            host.innerHTML = html;
            for (const old of Array.from(host.getElementsByTagName("script"))) {
                const s = document.createElement("script");
                for (const a of old.attributes) s.setAttribute(a.name, a.value);
                s.textContent = old.textContent;
                old.parentNode.replaceChild(s, old);
            }
            if (attach === "after") document.body.appendChild(host);
        }""", [web.browser_explorer(wb.WBParams(n_cells=40), duration=200 * u.ms).data, attach])
        page.wait_for_function("() => document.querySelector('.wb-live')?.dataset.state === 'done'")
        assert 0 < float(page.evaluate("document.querySelector('.wb-live').dataset.kappa")) <= 1
        assert not errors, errors
    finally:
        page.close()


def _python_line_result(code: str):
    """Run the explorer's Python line as its copy button gives it; the result."""
    env: dict = {}
    exec("import brainunit as u\nimport wbmodel as wb\nUA, MS = u.uA / u.cm**2, u.mS / u.cm**2\n"
         + code, env)
    return env["res"]


def test_the_initial_V_spread_runs_the_network_its_python_line_runs(browser):
    """The ΔV₀ control in Chromium: the worker draws from −60 ∓ ΔV₀/2 mV, and the Python line
    under the figure (V0_range included) runs the same network in wbmodel."""
    p = wb.WBParams(n_cells=40, I_sigma=0.02 * UA)
    html = web.browser_explorer(p, duration=300 * u.ms, dt=0.01 * u.ms, seed=3,
                                V0_range=[-61.0, -59.0] * u.mV).data
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("about:blank")
        page.set_content(html)
        runs = 1
        for spread, shown in ((2.0, "V0_range=(-61 * u.mV, -59 * u.mV)"),
                              (0.3, "V0_range=(-60.15 * u.mV, -59.85 * u.mV)"),
                              (0.0, "V0_range=(-60 * u.mV, -60 * u.mV)"),
                              (20.0, None)):
            if runs > 1:
                box = page.locator(".wb-live .wb-box[data-name=V0_spread]")
                box.fill(str(spread))
                box.dispatch_event("change")
            page.wait_for_function(
                "(n) => { const r = document.querySelector('.wb-live');"
                " return +r.dataset.runs >= n && r.dataset.state === 'done'; }", arg=runs)
            code = page.locator(".wb-live .wb-live-code").inner_text()
            readout = page.locator(".wb-live .wb-live-readout").inner_text()
            kappa = float(page.evaluate("document.querySelector('.wb-live').dataset.kappa"))
            if shown is None:
                assert "V0_range" not in code, "the paper's range is the default"
            else:
                assert shown in code, code
            res = _python_line_result(code)
            lo, hi = wb.draws.V_range_of_spread(spread)
            assert [float(x) for x in res.V0_range.to_decimal(u.mV)] == [lo, hi], code
            spikes = int(re.search(r"\((\d+) spikes", readout).group(1))
            assert abs(spikes - res.spike_times.size) <= 2, (spread, spikes, res.spike_times.size)
            assert abs(kappa - wb.coherence(res)) < 0.03, (spread, kappa, wb.coherence(res))
            assert page.locator(".wb-live .wb-range[data-name=V0_spread]").get_attribute(
                "aria-label") == "initial V spread ΔV₀"
            runs += 1
        assert not errors, errors
    finally:
        page.close()
