"""wbmodel's single cell against an independent float64 LSODA solution (wbmodel.reference)."""

import ast
import inspect

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel.reference import ahp_trough, rheobase_snic, steady_rate

UA = u.uA / u.cm**2
DRIVES = [0.5, 1.0, 2.0, 5.0]


def test_reference_is_independent_of_wbmodel():
    import wbmodel.reference as ref
    tree = ast.parse(inspect.getsource(ref))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    # importlib: only to read the paper's Fig. 1A points (package data)
    assert imported <= {"__future__", "functools", "importlib", "numpy", "scipy.integrate",
                        "scipy.optimize", "scipy.special"}, imported


def test_the_papers_fig1a_points():
    d = wb.reference.paper_fig1a()
    assert d["I"].size == d["f"].size == 34
    assert np.all(np.diff(d["I"]) > 0) and np.all(np.diff(d["f"]) > 0), "the curve rises"
    assert np.all((d["f_min"] <= d["f"]) & (d["f"] <= d["f_max"]))
    assert 0 < d["I"].min() and d["I"].max() < 20 and d["f"].max() < 400, "Fig. 1A's axes"


@pytest.fixture(scope="module")
def reference_rates():
    return np.array([steady_rate(I) for I in DRIVES])


def test_fi_curve_within_1_percent_of_reference(reference_rates):
    ours = np.asarray(wb.fi_curve(np.array(DRIVES) * UA).to_decimal(u.Hz))
    np.testing.assert_allclose(ours, reference_rates, rtol=0.01,
                               err_msg="f–I at the default dt must be within 1 % of LSODA")


def test_fi_error_shrinks_with_dt(reference_rates):
    errs = []
    for dt in (0.005, 0.01, 0.02, 0.05):
        ours = np.asarray(wb.fi_curve(np.array(DRIVES) * UA, dt=dt * u.ms).to_decimal(u.Hz))
        errs.append(np.max(np.abs(ours / reference_rates - 1)))
    assert errs == sorted(errs), f"the error must fall as dt falls: {errs}"
    assert errs[1] < 1e-3, "at dt = 0.01 ms the f–I error is below 0.1 %"


def test_rheobase_matches_the_snic_point():
    exact, _ = rheobase_snic()
    ours = float(wb.rheobase().to_decimal(UA))
    assert abs(ours - exact) < 0.002, f"rheobase {ours:.5f} vs SNIC {exact:.5f} µA/cm²"
    assert ours >= exact - 1e-4, "a finite window can only overestimate the rheobase"


def test_class_1_fires_slowly_just_above_rheobase():
    exact, _ = rheobase_snic()
    rate = float(wb.fi_curve((exact + 0.002) * UA, duration=4000 * u.ms)[0].to_decimal(u.Hz))
    assert 0 < rate < 5, f"a class-1 cell fires arbitrarily slowly near rheobase, got {rate} Hz"


@pytest.mark.parametrize("phi", [5.0, 3.33, 2.0])
def test_ahp_trough_within_half_a_millivolt(phi):
    ours = float(wb.ahp_trough(1.0 * UA, phi=phi).to_decimal(u.mV))
    ref = ahp_trough(1.0, phi)
    assert abs(ours - ref) < 0.5, f"φ = {phi}: AHP trough {ours:.2f} vs reference {ref:.2f} mV"


@pytest.mark.parametrize("method, dt, tol", [("rk4", 0.05, 1e-4), ("exp_euler", 0.01, 1e-3),
                                             ("frozen_conductance", 0.01, 0.04)])
def test_integrators_against_reference(reference_rates, method, dt, tol):
    ours = np.asarray(wb.fi_curve(np.array(DRIVES) * UA, dt=dt * u.ms, method=method)
                      .to_decimal(u.Hz))
    err = np.max(np.abs(ours / reference_rates - 1))
    assert err < tol, f"{method} at dt = {dt} ms: f–I error {err:.2e}"


def test_network_kappa_and_frequency_agree_between_dt_0_01_and_0_05():
    vals = {}
    for dt in (0.01, 0.05):
        runs = [wb.simulate(wb.WBParams(I_sigma=0.02 * UA), duration=500 * u.ms,
                            dt=dt * u.ms, seed=s) for s in range(4)]
        vals[dt] = np.array([[wb.coherence(r), float(wb.network_frequency(r).to_decimal(u.Hz))]
                             for r in runs])
    spread = np.maximum(vals[0.01].std(axis=0), vals[0.05].std(axis=0))
    diff = np.abs(vals[0.01].mean(axis=0) - vals[0.05].mean(axis=0))
    assert np.all(diff <= 2 * spread + np.array([0.02, 0.5])), (
        f"κ, f at dt 0.01 vs 0.05 ms differ by {diff}, seed spread {spread}")
