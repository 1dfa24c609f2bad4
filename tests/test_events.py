"""The event-driven input sum of sparse networks (wbmodel.events) against the exact sum."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import wbmodel as wb
from wbmodel import engine, events, network

MS = u.mS / u.cm**2
UA = u.uA / u.cm**2

pytestmark = pytest.mark.skipif(not events.available(),
                                reason="the event kernel needs JAX on the CPU and g++")


@pytest.mark.parametrize("wiring", ["fixed", "bernoulli"])
def test_out_lists_invert_the_incoming_lists(wiring):
    N, M = 60, 7
    pre = wb.wiring_indices(N, M, wiring, seed=1)
    indptr, post = (np.asarray(a) for a in events.out_lists(pre, N))
    assert indptr[0] == 0 and indptr[-1] == (pre < N).sum(), "every real edge once"
    for j in range(N):
        targets = sorted(post[indptr[j]:indptr[j + 1]])
        assert targets == sorted(np.flatnonzero((pre == j).any(axis=1))), f"cell {j}"


def _run_pair(N=200, M=20, steps=3000, I_sigma=0.02):
    """The same network with the exact and the event-driven sum, stepped side by side."""
    pre = wb.fixed_in_degree_indices(N, M, seed=0)
    V0 = np.random.default_rng(0).uniform(-70, -50, N) * u.mV
    I = (1.0 + I_sigma * np.random.default_rng(1).standard_normal(N)) * UA
    nets = {c: wb.WBNetwork(N, I_app=I, g_syn=0.1 * MS, pre_indices=pre, coupling=c,
                            V_initializer=V0) for c in ("exact", "event")}
    out = {}
    for c, net in nets.items():
        brainstate.nn.init_all_states(net)

        def step(_, net=net, event=c == "event"):
            spikes = net.update()
            return spikes, jnp.sum(net.syn.s.value[pre], axis=1), (
                net.proj.comm.S.value if event else jnp.zeros(N))

        with brainstate.environ.context(dt=0.02 * u.ms):
            out[c] = [np.asarray(a) for a in brainstate.transform.for_loop(
                step, jnp.arange(steps))]
    return out


def test_running_sum_tracks_the_exact_sum():
    out = _run_pair()
    spikes, exact, S = out["event"]
    assert isinstance(S, np.ndarray) and spikes.sum() > 100, "the network fires"
    # S is the sum of the gates of each cell's inputs, to float32 rounding (the event
    # criterion drops increments below 1.2e-8 per step; re-sums every 1 ms).
    err = np.abs(S - exact).max() / np.abs(exact).max()
    assert err < 1e-4, err
    # the two networks fire the same spikes, each within a step or two
    ref = out["exact"][0]
    np.testing.assert_array_equal(spikes.sum(0), ref.sum(0))


def test_simulate_event_matches_exact_sum():
    p = wb.WBParams(n_cells=300, n_inputs=30)
    runs = {c: wb.simulate(p, duration=400 * u.ms, dt=0.02 * u.ms, seed=3, coupling=c)
            for c in ("exact", "event")}
    a, b = runs["exact"], runs["event"]
    assert np.abs(a.spike_counts() - b.spike_counts()).max() <= 1
    assert abs(wb.coherence(a) - wb.coherence(b)) < 0.01
    fa, fb = (float(wb.network_frequency(r).to_decimal(u.Hz)) for r in (a, b))
    assert abs(fa - fb) / fa < 1e-3


def test_sweep_pads_every_M_of_one_N_into_one_program():
    p = wb.WBParams(n_cells=120)
    engine.clear_programs()
    before = engine.compile_count()
    df = wb.sweep(p, {"n_inputs": [4, 12, 40]}, seeds=[5], duration=200 * u.ms,
                  dt=0.02 * u.ms, start=100 * u.ms)
    assert engine.compile_count() == before + 1, "one program for M = 4, 12 and 40"
    for m in (4, 12, 40):
        r = wb.simulate(p.replace(n_inputs=m), duration=200 * u.ms, dt=0.02 * u.ms, seed=5,
                        raster_dt=0.1 * u.ms)
        row = df[df.n_inputs == m].iloc[0]
        assert abs(row.kappa - wb.coherence(r, start=100 * u.ms)) < 0.02, m
        assert abs(row.mean_rate - float(wb.mean_rate(r, start=100 * u.ms).to_decimal(u.Hz))
                   ) < 0.5, m


def test_coupling_is_checked():
    with pytest.raises(ValueError, match="coupling must be"):
        network.resolve_coupling("fast")
    assert network.resolve_coupling("auto") == "event"
    with pytest.raises(ValueError, match="coupling must be"):
        wb.simulate(wb.WBParams(n_cells=20, n_inputs=5), duration=1 * u.ms, coupling="x")


def test_float64_falls_back_to_the_exact_sum(monkeypatch):
    monkeypatch.setattr(brainstate.environ, "dftype", lambda: jnp.float64)
    assert network.resolve_coupling("auto") == "exact"
    with pytest.raises(ValueError, match="float32"):
        network.resolve_coupling("event")


def test_without_a_compiler_sparse_networks_sum_exactly(monkeypatch, tmp_path):
    monkeypatch.setenv("WBMODEL_CACHE", str(tmp_path))
    monkeypatch.setattr(events, "_compiler", lambda: None)
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler"):
        events.build()
    monkeypatch.setattr(events, "_REGISTERED", [])
    events.available.cache_clear()
    try:
        with pytest.warns(UserWarning, match="sum their inputs exactly"):
            assert events.available() is False
    finally:
        events.available.cache_clear()


def test_a_broken_compile_is_reported_and_leaves_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv("WBMODEL_CACHE", str(tmp_path))
    monkeypatch.setenv("CXX", "false")  # a "compiler" that always fails
    with pytest.raises(RuntimeError, match="compiling events.cc failed"):
        events.build()
    assert list(tmp_path.iterdir()) == [], "no partial library left behind"


def test_the_kernel_builds_into_an_empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("WBMODEL_CACHE", str(tmp_path))
    lib = events.build()
    assert lib.parent == tmp_path and lib.suffix == ".so" and lib.stat().st_size > 0
    assert events.build() == lib, "a second call finds the cached library"
    assert [p.name for p in tmp_path.iterdir()] == [lib.name], "no temporary file left"


def test_reset_clears_the_running_sum():
    pre = wb.fixed_in_degree_indices(50, 5, seed=0)
    net = wb.WBNetwork(50, I_app=1.0 * UA, g_syn=0.1 * MS, pre_indices=pre, coupling="event")
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=0.02 * u.ms):
        brainstate.transform.for_loop(lambda _: net.update(), jnp.arange(400))
    assert float(jnp.abs(net.proj.comm.S.value).max()) > 0
    brainstate.nn.reset_all_states(net)
    comm = net.proj.comm
    assert float(jnp.abs(comm.S.value).max()) == 0 and int(comm.steps.value) == 0
    assert float(jnp.abs(net.syn.s.value).max()) == 0, "S and s start together again"
