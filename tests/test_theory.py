"""The exact analysis of the synchronous state (wbmodel.theory), bound to the simulator."""

import json
import subprocess
import sys

import brainunit as u
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import wbmodel as wb
from wbmodel import reference as ref
from wbmodel import theory

UA, MS = u.uA / u.cm**2, u.mS / u.cm**2
FIG3A = wb.WBParams()
FIG3C = wb.WBParams(phi=2.0, I_app=1.4 * UA)


@pytest.fixture(scope="module")
def fig3a():
    return theory.floquet(FIG3A)


def test_the_trivial_multiplier_is_one(fig3a):
    mu = fig3a.synchronous
    assert mu.shape == (4,) and fig3a.transverse.shape == (4,)
    assert abs(mu[0] - 1.0) < 1e-6, mu
    assert np.all(np.abs(mu[1:]) < 0.1), mu
    assert np.all(np.diff(np.abs(fig3a.transverse)) <= 0), "sorted, largest first"
    assert fig3a.stable and fig3a.largest_transverse == abs(fig3a.transverse[0])


@pytest.mark.parametrize("params, tau", [(FIG3A, 10.0), (FIG3C, 10.0),
                                         (FIG3A.replace(tau_syn=2 * u.ms), 2.0)])
def test_the_period_is_the_reference_synchronous_state(params, tau):
    orbit = theory.synchronous_orbit(params)
    d = params.to_dict()
    f_ref, spread = ref.synchronous_frequency(d["I_app"], d["g_syn"], tau, d["phi"],
                                              duration=1200.0, settle=600.0)
    assert spread < 1e-6
    f = float(orbit.frequency.to_decimal(u.Hz))
    assert f == pytest.approx(f_ref, rel=1e-6)
    assert float(orbit.period.to_decimal(u.ms)) == pytest.approx(1e3 / f, rel=1e-12)
    V = orbit.V.to_decimal(u.mV)
    assert abs(V[0]) < 1e-6, "phase 0 is the upward crossing of 0 mV"
    trough = float(orbit.trough.to_decimal(u.mV))
    assert trough <= V.min() < trough + 1e-3
    assert np.all((orbit.s >= 0) & (orbit.s <= 1))


def test_the_orbit_of_fig3c_dips_below_E_syn_and_fig3a_does_not(fig3a):
    assert fig3a.orbit.trough > FIG3A.E_syn
    assert theory.synchronous_orbit(FIG3C).trough < FIG3C.E_syn


def test_several_network_sizes_in_one_integration_match_one_at_a_time(fig3a):
    many = theory.floquet(FIG3A, orbit=fig3a.orbit, n_cells=[2, 100])
    assert [f.n_cells for f in many] == [2, 100]
    np.testing.assert_allclose(many[1].transverse, fig3a.transverse, atol=1e-9)
    two = theory.floquet(FIG3A.replace(n_cells=2), guess=fig3a.orbit)
    np.testing.assert_allclose(many[0].transverse, two.transverse, atol=1e-7)


def test_continuation_finds_the_same_orbit():
    start = theory.synchronous_orbit(FIG3A)
    near = theory.synchronous_orbit(FIG3A.replace(phi=4.5), guess=start)
    fresh = theory.synchronous_orbit(FIG3A.replace(phi=4.5))
    assert near.period.to_decimal(u.ms) == pytest.approx(fresh.period.to_decimal(u.ms),
                                                         rel=1e-9)


# The transverse multiplier against the simulator: a network started a hair away from
# synchrony (a narrow V0_range), run by wb.simulate in float64 (x64 is global to a
# process, so a process of its own). Fig. 3A (stable) and E_syn = −50 mV (unstable).
GROWTH = """
import json, sys, jax, brainstate
jax.config.update("jax_enable_x64", True)
brainstate.environ.set(precision=64)
import brainunit as u, numpy as np, wbmodel as wb
from wbmodel import theory
out = []
for N, E_syn, spread, cycles in json.loads(sys.argv[1]):
    p = wb.WBParams(n_cells=N, E_syn=E_syn * u.mV)
    f = theory.floquet(p)
    T = float(f.orbit.period.to_decimal(u.ms))
    dt = 0.005
    r = wb.simulate(p, duration=round(cycles * T / dt) * dt * u.ms, dt=dt * u.ms, seed=3,
                    record=range(N), V0_range=((-60 - spread / 2) * u.mV,
                                               (-60 + spread / 2) * u.mV))
    assert r.V.to_decimal(u.mV).dtype == np.float64
    g = theory.perturbation_growth(r, f.orbit.period)
    out.append([N, E_syn, f.largest_transverse, g[:3].tolist()])
print(json.dumps(out))
"""


def test_the_transverse_multiplier_is_the_growth_per_cycle_in_simulate(tmp_path):
    cases = [(4, -75.0, 0.1, 10), (100, -75.0, 2.0, 7), (4, -50.0, 1e-4, 10),
             (100, -50.0, 1e-4, 10)]
    run = subprocess.run([sys.executable, "-c", GROWTH, json.dumps(cases)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(run.stdout.strip().splitlines()[-1])
    stable = {(N, E): mu < 1 for N, E, mu, _ in rows}
    assert stable == {(4, -75.0): True, (100, -75.0): True, (4, -50.0): False,
                      (100, -50.0): False}
    for N, E_syn, mu, growth in rows:
        assert len(growth) == 3
        for g in growth:
            assert g == pytest.approx(mu, rel=0.02), (N, E_syn, mu, growth)


def test_perturbation_growth_needs_every_cell():
    r = wb.simulate(wb.WBParams(n_cells=10), duration=5 * u.ms)
    with pytest.raises(ValueError, match="record every cell"):
        theory.perturbation_growth(r, 25 * u.ms)


def _spike_after_kick(y0, T, phase, dV, k=3):
    """The k-th spike after a kick dV at ``phase`` (the reference's own equations)."""
    y = np.array(y0, float)
    if phase > 0:
        y = solve_ivp(ref.rhs, (0, phase * T), y, method="LSODA", args=(1.0, 5.0),
                      rtol=1e-11, atol=1e-11).y[:, -1].copy()
    y[0] += dV
    sol = solve_ivp(ref.rhs, (phase * T, (phase + k + 0.5) * T), y, method="LSODA",
                    args=(1.0, 5.0), rtol=1e-11, atol=1e-11, events=ref._crossing)
    return sol.t_events[0][k - 1]


def test_the_prc_is_the_response_to_small_kicks():
    curve = theory.prc(1.0 * UA, phi=5.0)
    phase, Z_pair = curve  # a pair (phase, Z)
    assert phase is curve.phase and Z_pair is curve.Z and len(curve) == 2
    assert curve.phase[0] == 0 and np.all(np.diff(curve.phase) > 0) and curve.phase[-1] < 1
    T = float(curve.period.to_decimal(u.ms))
    assert 1e3 / T == pytest.approx(ref.steady_rate(1.0), rel=1e-4)
    Z = np.asarray(curve.Z.to_decimal(u.ms / u.mV))
    lone = theory.synchronous_orbit(wb.WBParams(g_syn=0.0 * MS))
    y0 = lone.y0[:3]
    d = 0.01  # mV, both ways: the central difference cancels the kick's second order
    for phase in np.arange(10) / 10 + 0.03:
        kick = (_spike_after_kick(y0, T, phase, -d) - _spike_after_kick(y0, T, phase, d))
        kick /= 2 * d
        adjoint = np.interp(phase, curve.phase, Z)
        assert kick == pytest.approx(adjoint, abs=2e-3 * np.abs(Z).max()), phase
    assert Z.max() > 1.0 and Z.min() > -0.1 * Z.max(), "class 1: advances almost everywhere"


def test_what_the_reduction_does_not_cover_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="sparse wiring"):
        theory.synchronous_orbit(wb.WBParams(n_inputs=20))
    with pytest.raises(ValueError, match="heterogeneous drive"):
        theory.floquet(wb.WBParams(I_sigma=0.03 * UA))
    with pytest.raises(TypeError):
        theory.floquet("Fig. 3A")
    with pytest.raises(ValueError, match=">= 2"):
        theory.floquet(FIG3A, n_cells=[1])


def test_a_silent_synchronous_state_is_a_named_error():
    with pytest.raises(theory.NoPeriodicOrbit, match="does not fire"):
        theory.synchronous_orbit(FIG3A.replace(I_app=0.0 * UA))
    with pytest.raises(theory.NoPeriodicOrbit):
        theory.prc(0.05 * UA)


def test_a_solver_failure_is_a_named_error_not_nan(monkeypatch):
    real = theory.solve_ivp

    def failing(*args, **kw):
        sol = real(*args, **kw)
        sol.status, sol.message = -1, "Required step size is less than spacing between numbers."
        return sol

    monkeypatch.setattr(theory, "solve_ivp", failing)
    with pytest.raises(theory.SolverError, match="step size"):
        theory.synchronous_orbit(FIG3A)
    monkeypatch.setattr(theory, "solve_ivp", real)

    def nan(*args, **kw):
        sol = real(*args, **kw)
        sol.y = sol.y * np.nan
        return sol

    monkeypatch.setattr(theory, "solve_ivp", nan)
    with pytest.raises(theory.SolverError):
        theory.floquet(FIG3A)
    assert issubclass(theory.SolverError, theory.TheoryError)


def test_a_scan_continues_along_its_points_and_a_threshold_is_bracketed():
    points = [FIG3A.replace(E_syn=e * u.mV) for e in (-75.0, -50.0)]
    s = theory.scan(points)
    assert s.mu[0] < 1 < s.mu[1] and s.mu.shape == (2,)
    assert s.mu[1] == pytest.approx(abs(s.multiplier[1]))
    assert s.frequency[1] > s.frequency[0]
    edge = theory.threshold(lambda e: FIG3A.replace(E_syn=e * u.mV), -60.0, -55.0)
    assert -60.0 < edge < -55.0
    assert theory.floquet(FIG3A.replace(E_syn=(edge - 0.05) * u.mV)).stable
    assert not theory.floquet(FIG3A.replace(E_syn=(edge + 0.05) * u.mV)).stable
    with pytest.raises(ValueError, match="does not cross"):
        theory.threshold(lambda e: FIG3A.replace(E_syn=e * u.mV), -80.0, -70.0)
    with pytest.raises(theory.NoPeriodicOrbit, match="point 1"):
        theory.scan([FIG3A, FIG3A.replace(I_app=0.0 * UA)])


# -- the two-cluster state and the weak-coupling limit ----------------------------------------

@pytest.fixture(scope="module")
def clusters_3c():
    return theory.two_cluster_orbit(FIG3C.replace(n_cells=10))


def test_two_clusters_take_turns_half_a_period_apart(clusters_3c):
    o = clusters_3c
    half = o.t.size // 2
    np.testing.assert_allclose(o.V_B.to_decimal(u.mV), np.roll(o.V_A.to_decimal(u.mV), half),
                               atol=1e-6)
    assert abs(o.V_A[0].to_decimal(u.mV)) < 1e-6, "phase 0 is A's upward crossing of 0 mV"
    assert o.frequency.to_decimal(u.Hz) == pytest.approx(2e3 / o.period.to_decimal(u.ms))
    # one full period of the two-cell system returns to its start (SciPy on its own)
    system = theory._TwoClusters(theory._Model.of(o.params), o.n_cells)
    T = float(o.period.to_decimal(u.ms))
    end = solve_ivp(system.rhs, (0.0, T), o.y0, method="DOP853", rtol=1e-11,
                    atol=1e-12).y[:, -1]
    np.testing.assert_allclose(end, o.y0, atol=1e-5)
    assert abs(o.between[0] - 1.0) < 1e-6, "the trivial multiplier comes first"
    assert o.within.shape == (4,) and o.between.shape == (8,)


def test_the_two_cluster_period_is_what_simulate_settles_into(clusters_3c):
    """Ten cells of Fig. 3C from seed 1 end in two clusters of five: their period is the
    orbit's (within 0.05 %), a longer period than synchrony's."""
    r = wb.simulate(clusters_3c.params, duration=2000 * u.ms, seed=1, dt=0.02 * u.ms)
    c = wb.analysis.clusters(r, start=1500 * u.ms)
    assert c.sizes == (5, 5), c
    T = float(clusters_3c.period.to_decimal(u.ms))
    assert float(c.period.to_decimal(u.ms)) == pytest.approx(T, rel=5e-4)
    sync = theory.synchronous_orbit(clusters_3c.params)
    assert T > 1.1 * float(sync.period.to_decimal(u.ms))


def test_the_two_cluster_state_is_stable_at_fig3c_and_not_at_fig3a(clusters_3c):
    assert clusters_3c.stable and clusters_3c.largest_between < 1
    a = theory.two_cluster_orbit(FIG3A.replace(n_cells=10))
    assert not a.stable and a.largest_between > 1, a.between
    assert theory.two_cluster_orbit(FIG3C.replace(n_cells=2)).within.size == 0
    with pytest.raises(ValueError, match="even"):
        theory.two_cluster_orbit(FIG3C.replace(n_cells=9))


def test_the_exact_pair_multiplier_tends_to_the_phase_model_as_the_coupling_weakens():
    """μ of a pair against exp(−2 T H′(0)): they meet as g_syn → 0, and part at the
    paper's g_syn."""
    gaps = []
    for g in (0.001, 0.003):
        q = FIG3A.replace(n_cells=2, g_syn=g * MS)
        w = theory.weak_coupling(q)
        mu = theory.floquet(q).transverse[0]
        assert abs(mu.imag) < 1e-12 and w.H_prime > 0
        gaps.append(abs((1 - mu.real) / (1 - w.multiplier) - 1))
    # the relative gap in 1 − μ is small and shrinks in proportion to g_syn (first order)
    assert gaps[0] < 0.03 and 2.0 < gaps[1] / gaps[0] < 4.0, gaps
    paper = FIG3A.replace(n_cells=2)
    assert theory.floquet(paper).transverse[0].real < 0 < theory.weak_coupling(paper).multiplier
    # H′(0) is linear in g_syn; the part below E_syn exists only where the trough dips below
    w1, w2 = (theory.weak_coupling(FIG3C.replace(g_syn=g * MS)) for g in (0.05, 0.1))
    assert w2.H_prime == pytest.approx(2 * w1.H_prime, rel=1e-9)
    assert w2.H_prime_below < 0 and theory.weak_coupling(FIG3A).H_prime_below == 0


def test_an_orbit_of_other_parameters_is_refused(fig3a):
    assert theory.floquet(FIG3A.replace(n_cells=2), orbit=fig3a.orbit).n_cells == 2
    with pytest.raises(theory.OrbitMismatch, match="other parameters"):
        theory.floquet(FIG3A.replace(phi=4.0), orbit=fig3a.orbit)
    assert issubclass(theory.OrbitMismatch, ValueError)


def test_a_prc_pickles_copies_and_unpacks():
    import copy
    import pickle

    r = theory.prc(samples=50, cycles=2)
    phase, Z = r
    again = pickle.loads(pickle.dumps(r))
    np.testing.assert_array_equal(again.phase, phase)
    assert again.period == r.period and copy.deepcopy(r).Z.shape == Z.shape == (50,)


def test_a_threshold_evaluates_each_end_once(monkeypatch):
    calls = []
    real = theory.floquet

    def counted(params, **kw):
        calls.append(float(params.E_syn.to_decimal(u.mV)))
        return real(params, **kw)

    monkeypatch.setattr(theory, "floquet", counted)
    theory.threshold(lambda e: FIG3A.replace(E_syn=e * u.mV), -60.0, -55.0, xtol=0.5)
    assert calls.count(-60.0) == 1 and calls.count(-55.0) == 1, calls


def test_the_half_period_map_keeps_the_sign_the_period_loses(clusters_3c):
    """The period's multipliers between the clusters are the squares of the half-period
    map's; the trivial one is +1 in both, and at Fig. 3C the slow mode is negative over
    half a period (the intervals between the volleys made unequal)."""
    o = clusters_3c
    np.testing.assert_allclose(o.between, o.half_map**2, atol=1e-12)
    assert abs(o.half_map[0] - 1.0) < 1e-6
    assert o.half_map[1].real < 0 and abs(o.half_map[1].imag) < 1e-9, o.half_map
