"""The projection: total conductance g_syn per cell, no self-coupling, fixed in-degree M."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

import wbmodel as wb

MS = u.mS / u.cm**2
UA = u.uA / u.cm**2


def _conductances(net, s):
    """Each cell's synaptic conductance when the presynaptic gates are ``s``."""
    return np.asarray(net.proj.comm(jnp.asarray(s)).to_decimal(MS))


def test_all_to_all_total_conductance_is_g_syn_and_no_self_coupling():
    N = 100
    net = wb.WBNetwork(N, I_app=1.0 * UA, g_syn=0.1 * MS)
    brainstate.nn.init_all_states(net)
    np.testing.assert_allclose(_conductances(net, np.ones(N)), 0.1, rtol=1e-6,
                               err_msg="with every s = 1 each cell receives exactly g_syn")
    for j in (0, 37, 99):
        g = _conductances(net, np.eye(N)[j])
        assert g[j] == 0, f"cell {j} must not inhibit itself"
        np.testing.assert_allclose(np.delete(g, j), 0.1 / (N - 1), rtol=1e-6,
                                   err_msg="each synapse has weight g_syn/(N − 1)")


def test_all_to_all_weight_is_a_scalar():
    net = wb.WBNetwork(1000, I_app=1.0 * UA, g_syn=0.1 * MS)
    brainstate.nn.init_all_states(net)
    w = net.proj.comm.weight.value["weight"]
    assert np.ndim(u.get_mantissa(w)) == 0, "all-to-all must not store an N × N matrix"


def test_fixed_in_degree_total_conductance_and_partners():
    N, M = 50, 7
    idx = wb.fixed_in_degree_indices(N, M, seed=0)
    net = wb.WBNetwork(N, I_app=1.0 * UA, g_syn=0.1 * MS, pre_indices=idx)
    brainstate.nn.init_all_states(net)
    np.testing.assert_allclose(_conductances(net, np.ones(N)), 0.1, rtol=1e-6,
                               err_msg="each cell's M synapses add up to g_syn")
    j = int(idx[0, 0])
    g = _conductances(net, np.eye(N)[j])
    receivers = np.flatnonzero(np.any(idx == j, axis=1))
    np.testing.assert_allclose(g[receivers], 0.1 / M, rtol=1e-6)
    assert np.all(np.delete(g, receivers) == 0), "only the cells wired to j feel it"


def test_the_network_stepped_the_brainpy_state_way_is_wb_simulates():
    """Chapter 3's loop: WBNetwork, init_all_states, for_loop; the same spikes as simulate.

    A sparse (fixed in-degree) network with a spread of drives, so the wiring and the
    per-cell drives are checked too: every cell's count equal, spike times within a step.
    """
    import brainstate

    p = wb.WBParams(n_cells=30, n_inputs=8, I_sigma=0.03 * u.uA / u.cm**2)
    duration, dt = 150.0, 0.01
    start = wb.simulation.initial_state(p, seed=4)
    net = wb.WBNetwork(p.n_cells, I_app=start["I_app_cells"], g_syn=p.g_syn,
                       V_initializer=start["V0"], pre_indices=start["pre_indices"],
                       n_inputs=p.n_inputs)
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=dt * u.ms):
        spikes = np.asarray(brainstate.transform.for_loop(
            lambda i: net.update(), np.arange(int(round(duration / dt)))))
    raster = wb.simulate(p, duration=duration * u.ms, dt=dt * u.ms, seed=4).raster()
    assert spikes.sum() > p.n_cells
    np.testing.assert_array_equal(spikes.sum(0), raster.sum(0))
    for a, b in zip(spikes.T, raster.T, strict=True):
        assert np.abs(np.flatnonzero(a) - np.flatnonzero(b)).max(initial=0) <= 1
