"""The projection: total conductance g_syn per cell, no self-coupling, fixed in-degree M."""

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

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


@pytest.mark.parametrize("N, M", [(100, 20), (100, 99), (500, 60), (10_000, 100)])
def test_fixed_in_degree_rows(N, M):
    idx = wb.fixed_in_degree_indices(N, M, seed=3)
    assert idx.shape == (N, M)
    assert all(len(np.unique(row)) == M for row in idx), "every cell has M distinct partners"
    assert not np.any(idx == np.arange(N)[:, None]), "no cell is its own partner"
    assert idx.min() >= 0 and idx.max() < N
    np.testing.assert_array_equal(idx, wb.fixed_in_degree_indices(N, M, seed=3))
    if M < N - 1:
        assert not np.array_equal(idx, wb.fixed_in_degree_indices(N, M, seed=4))


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


def test_sparse_network_memory_is_linear_in_n():
    idx = wb.fixed_in_degree_indices(10_000, 100, seed=0)
    assert idx.nbytes == 10_000 * 100 * 4, "the wiring is an (N, M) int32 array: 4 MB"


def test_bernoulli_wiring_varies_in_degree_and_total_inhibition():
    N, M = 400, 20
    idx = wb.bernoulli_indices(N, M, seed=2)
    k = (idx < N).sum(axis=1)
    assert abs(k.mean() - M) < 1.0, "mean in-degree M"
    assert k.std() > 2, "in-degrees vary (binomial)"
    for i, row in enumerate(idx):
        real = row[row < N]
        assert len(np.unique(real)) == real.size and i not in real
    np.testing.assert_array_equal(idx, wb.bernoulli_indices(N, M, seed=2))
    assert idx.shape == wb.bernoulli_indices(N, M, seed=3).shape, "same shape for every seed"
    net = wb.WBNetwork(N, I_app=1.0 * UA, g_syn=0.1 * MS, pre_indices=idx, n_inputs=M)
    brainstate.nn.init_all_states(net)
    np.testing.assert_allclose(_conductances(net, np.ones(N)), 0.1 * k / M, rtol=1e-5,
                               err_msg="weights g_syn/M: total inhibition g_syn·k_i/M")


def test_bernoulli_network_runs_and_differs_from_fixed():
    p = wb.WBParams(n_inputs=15, wiring="bernoulli")
    r = wb.simulate(p, duration=200 * u.ms, seed=1)
    assert (r.pre_indices == 100).any(), "padded rows"
    f = wb.simulate(p.replace(wiring="fixed"), duration=200 * u.ms, seed=1)
    assert not np.array_equal(r.spikes_packed, f.spikes_packed)
    with pytest.raises(ValueError, match="wiring"):
        wb.WBParams(n_inputs=5, wiring="random")
