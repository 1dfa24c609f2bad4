"""The explorers: the live one without a browser, the static one's HTML and data."""

import base64
import json
import re

import brainunit as u
import numpy as np
import pandas as pd
import pytest

import wbmodel as wb
from wbmodel import widgets

UA = u.uA / u.cm**2


def test_live_explorer_updates_and_reports():
    ex = widgets.Explorer(wb.WBParams(n_cells=20), duration=100 * u.ms)
    assert np.isfinite(ex.last_latency) and "κ" in ex.status.value
    ex.sliders["I_app"].value = 1.5
    assert float(ex.params().I_app.to_decimal(UA)) == 1.5
    ex.sliders["g_syn"].value = 50.0
    assert float(ex.params().g_syn.to_decimal(u.mS / u.cm**2)) == 1.0, "bounds clamp values"
    ex.sliders["n_inputs"].value = 5
    assert ex.params().n_inputs == 5
    ex.reset()
    assert ex.params() == wb.WBParams(n_cells=20)


def test_live_explorer_turns_errors_into_messages():
    ex = widgets.Explorer(wb.WBParams(n_cells=10), duration=10.005 * u.ms)  # not whole steps
    text = "".join(o.get("text", "") for o in ex.output.outputs)
    assert "Cannot run these parameters" in text and "whole number" in text
    assert "invalid" in ex.status.value


def test_live_explorer_shows_a_silent_network_and_raises_bugs(monkeypatch):
    """Refused parameters become a message; a silent network an undefined κ; a bug (here a
    TypeError from inside the run) is raised, not shown as "invalid parameters"."""
    ex = widgets.Explorer(wb.WBParams(n_cells=10, I_app=-0.5 * UA), duration=100 * u.ms)
    assert "undefined (no spikes)" in ex.status.value and "invalid" not in ex.status.value

    def broken(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(widgets, "simulate", broken)
    with pytest.raises(TypeError, match="a bug"):
        ex.update()


def test_live_explorer_ranges_are_the_pages():
    """One table of ranges (wbmodel.browser.RANGES) for both explorers."""
    from wbmodel.browser import RANGES

    ex = widgets.Explorer(wb.WBParams(n_cells=10), duration=20 * u.ms)
    for name, slider in ex.sliders.items():
        if name in ("n_inputs",):  # 0 (all-to-all) to N − 1: the network's own range
            continue
        assert (slider.min, slider.max) == RANGES[name], name
    with pytest.raises(ValueError, match=r"g_syn = 5 is outside the explorer's range \[0, 1\]"):
        widgets.Explorer(wb.WBParams(n_cells=10, g_syn=5 * u.mS / u.cm**2))


def test_encode_raster_round_trip():
    r = wb.simulate(wb.WBParams(n_cells=30), duration=100 * u.ms)
    raw = np.frombuffer(base64.b64decode(widgets.encode_raster(r, 50 * u.ms, 100 * u.ms)),
                        dtype="<u2").reshape(-1, 2)
    t = np.asarray(r.spike_times.to_decimal(u.ms))
    keep = t > 50
    np.testing.assert_allclose(raw[:, 0] / 10 + 50, t[keep], atol=0.051)
    np.testing.assert_array_equal(raw[:, 1], r.spike_neurons[keep])


def _grid():
    rows = [dict(I_app=i, g_syn=g, kappa=0.5, frequency=40.0 + i, mean_rate=40.0)
            for i in (1.0, 2.0) for g in (0.1, 0.2)]
    rows[0]["kappa"] = float("nan")     # a silent point: NaN must not reach the JSON
    return pd.DataFrame(rows)


def test_static_explorer_embeds_valid_json():
    df = _grid()
    page = widgets.static_explorer(df, {(r.I_app, r.g_syn): "AAAA" for r in df.itertuples()},
                                   (0.0, 100.0), n_cells=10)
    data = re.search(r'class="wb-data">(.*?)</script>', page.data, re.S).group(1)
    d = json.loads(data)
    assert d["kappa"][0] is None and d["I_app"] == [1.0, 2.0] and len(d["rasters"]) == 4
    assert "cdn" not in page.data.lower() and "http" not in page.data, "nothing is fetched"


def test_static_explorer_needs_a_complete_grid():
    df = _grid().iloc[:3]
    with pytest.raises(ValueError, match="complete"):
        widgets.static_explorer(df, {(r.I_app, r.g_syn): "" for r in df.itertuples()},
                                (0.0, 1.0), n_cells=10)


def test_trace_thinning_keeps_extremes():
    from wbmodel.plotting import _envelope

    t = np.arange(50_000) * 0.01
    v = np.sin(t) * 50
    v[12_345] = 99.0
    tt, vv = _envelope(t, v)
    assert len(tt) <= 4_000 and vv.max() == 99.0 and vv.min() == pytest.approx(v.min())
    assert np.all(np.diff(tt) >= 0), "time order is kept"


def test_live_explorer_moves_the_initial_V_spread(monkeypatch):
    ranges, simulate = [], widgets.simulate

    def spy(*args, **kwargs):
        ranges.append([float(x.to_decimal(u.mV)) for x in kwargs["V0_range"]])
        return simulate(*args, **kwargs)

    monkeypatch.setattr(widgets, "simulate", spy)
    ex = widgets.Explorer(wb.WBParams(n_cells=20), duration=100 * u.ms)
    assert ex.sliders["V0_spread"].value == 20.0
    assert [float(x.to_decimal(u.mV)) for x in ex.V0_range()] == [-70.0, -50.0]
    assert ranges == [[-70.0, -50.0]]
    ex.sliders["V0_spread"].value = 5.0
    assert [float(x.to_decimal(u.mV)) for x in ex.V0_range()] == [-62.5, -57.5]
    assert ranges[-1] == [-62.5, -57.5], "the run the slider starts draws from its range"
    assert "κ" in ex.status.value
    ex.reset()
    assert ex.sliders["V0_spread"].value == 20.0 and ranges[-1] == [-70.0, -50.0]
    start = widgets.Explorer(wb.WBParams(n_cells=20), duration=100 * u.ms,
                             V0_range=[-61.0, -59.0] * u.mV)
    assert start.sliders["V0_spread"].value == 2.0 and ranges[-1] == [-61.0, -59.0]
    lo, hi = wb.draws.V_range_of_spread(8.01)  # hi − lo is not 8.01: still the explorer's
    odd = widgets.Explorer(wb.WBParams(n_cells=20), duration=100 * u.ms,
                           V0_range=(lo * u.mV, hi * u.mV))
    assert odd.default_spread == 8.01 and ranges[-1] == [lo, hi]
    with pytest.raises(ValueError, match="centred"):
        widgets.Explorer(wb.WBParams(n_cells=20), V0_range=[-70.0, -60.0] * u.mV)


def test_live_explorer_refuses_a_spread_its_slider_cannot_show():
    """Wider than the ΔV₀ slider reaches: refused, as browser_explorer refuses it (the
    slider would clamp it to 20 mV and run another network)."""
    with pytest.raises(ValueError, match=r"V0_spread = 30 is outside the explorer's range"):
        widgets.Explorer(wb.WBParams(n_cells=20), V0_range=[-75.0, -45.0] * u.mV)
