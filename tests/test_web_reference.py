"""The page's model against exact references, in Node: the network's synchronous state.

In the fully synchronous state of identical cells coupled all-to-all, the network is one
cell inhibiting itself with the total g_syn; wbmodel.reference solves that system with
LSODA to about eight digits. The page's JavaScript network must converge to it as wbmodel's
does (book chapter "Numerics and validation"): within 0.05 % at dt = 0.01 ms and 0.5 % at
0.04 ms.
"""

from __future__ import annotations

import brainunit as u
import node
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import browser as web
from wbmodel import reference

SETS = {"paper": {}, "I_app = 2": {"I_app": 2.0}, "g_syn = 0.05": {"g_syn": 0.05}}
BOUND = {0.01: 5e-4, 0.04: 5e-3}


@pytest.fixture(scope="module")
def page_runs():
    """The page's networks (N = 20, identical drives, 2 s) at both steps, in one Node run."""
    jobs = []
    for name, kw in SETS.items():
        p = web.js_params(wb.WBParams(n_cells=20)) | kw
        jobs += [{"name": name, "params": p, "dt": dt} for dt in BOUND]
    out = node.run("""return args.map((j) => {
        const r = wb.simulate(j.params, {duration: 2000, dt: j.dt, seed: 0});
        return {times: Array.from(r.times), cells: Array.from(r.cells)}; });""", jobs)
    return {(j["name"], j["dt"]): o for j, o in zip(jobs, out, strict=True)}


@pytest.mark.parametrize("name", list(SETS))
@pytest.mark.parametrize("dt", list(BOUND))
def test_the_pages_network_converges_to_the_synchronous_state(page_runs, name, dt):
    run = page_runs[(name, dt)]
    steps = round(2000 / dt)
    raster = np.zeros((steps, 20), dtype=bool)
    k = np.rint(np.asarray(run["times"]) / dt).astype(int) - 1  # the step that spiked
    raster[k, run["cells"]] = True
    params = wb.WBParams(n_cells=20).replace(
        **{k: v * (u.uA / u.cm**2 if k == "I_app" else u.mS / u.cm**2)
           for k, v in SETS[name].items()})
    res = wb.SimulationResult.from_raster(raster, dt * u.ms, params=params)
    assert wb.coherence(res, start=1000 * u.ms) > 0.999, "fully synchronous"
    f = float(wb.network_frequency(res, start=1000 * u.ms, method="rate").to_decimal(u.Hz))
    exact, settled = reference.synchronous_frequency(**SETS[name])
    assert settled < 1e-6
    print(f"{name}, dt = {dt} ms: page {f:.5f} Hz, exact {exact:.5f} Hz "
          f"({100 * (f / exact - 1):+.4f} %)")
    assert abs(f / exact - 1) < BOUND[dt], (f, exact)


def test_wbmodel_converges_to_the_synchronous_state():
    exact, _ = reference.synchronous_frequency()
    for dt in BOUND:
        r = wb.simulate(wb.WBParams(), duration=2000 * u.ms, dt=dt * u.ms)
        f = float(wb.network_frequency(r, start=1000 * u.ms, method="rate").to_decimal(u.Hz))
        assert abs(f / exact - 1) < BOUND[dt], (dt, f, exact)


def test_the_reference_is_the_single_cell_without_synapses():
    """With g_syn = 0 the synchronous state is the lone cell of the f–I reference."""
    f, _ = reference.synchronous_frequency(g_syn=0.0, duration=2500.0, settle=500.0)
    assert f == pytest.approx(reference.steady_rate(1.0, duration=2500.0), rel=1e-6)


def _js_names() -> tuple[list, dict]:
    """The page model's exports (from Node) and its header's list of names that are not
    Python's own: JS name -> the Python name it stands for, or None (JS only)."""
    import re

    exports = node.run("return Object.keys(wb);")
    listed = {}
    for line in web.model_source().splitlines():
        m = re.match(r"^//   ([A-Za-z_, ]+): (JS only|wbmodel\.[\w.]+)", line)
        if m:
            for name in m.group(1).split(","):
                listed[name.strip()] = None if m.group(2) == "JS only" else m.group(2)
    return exports, listed


def test_every_js_name_is_pythons_or_listed_once():
    """The page's model uses Python's names; the few it does not are listed in one place
    (the header of wbmodel.js), each with a Python name that exists."""
    import importlib

    exports, listed = _js_names()
    modules = [importlib.import_module(f"wbmodel.{m}") for m in (
        "cell", "synapse", "network", "draws", "wiring", "simulation", "engine", "analysis",
        "single_cell", "params", "sweeps")]
    assert set(listed) <= set(exports), f"listed but not exported: {set(listed) - set(exports)}"
    for name in exports:
        if name in listed:
            target = listed[name]
            if target is not None:
                module, attr = target.rsplit(".", 1)
                assert hasattr(importlib.import_module(module), attr), (name, target)
        else:
            assert any(hasattr(m, name) for m in modules), (
                f"{name} is neither a wbmodel name nor on wbmodel.js's list of other names")


def test_the_js_defaults_and_bounds_are_wbparams():
    """One source for the model's defaults and bounds: WBParams. The page's model carries a
    copy (it also runs alone, in Node), and this test holds it to Python's."""
    out = node.run("return {defaults: wb.DEFAULTS, bounds: wb.BOUNDS};")
    assert out["defaults"] == wb.WBParams().to_dict()
    assert {k: tuple(v) for k, v in out["bounds"].items()} == {
        k: (float(lo), inclusive) for k, (lo, inclusive) in wb.params.LOWER_BOUNDS.items()}
