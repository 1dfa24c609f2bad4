"""The three wirings of a sparse network: who inhibits whom, drawn from the seed."""

import brainunit as u
import numpy as np
import pytest
from scipy import stats

import wbmodel as wb
from wbmodel import wiring

MS = u.mS / u.cm**2
UA = u.uA / u.cm**2


@pytest.mark.parametrize("N, M", [(100, 20), (100, 98), (100, 99), (500, 60), (10_000, 100)])
def test_fixed_in_degree_rows(N, M):
    idx = wb.fixed_in_degree_indices(N, M, seed=3)
    assert idx.shape == (N, M) and idx.dtype == np.int32
    assert all(len(np.unique(row)) == M for row in idx), "every cell has M distinct partners"
    assert not np.any(idx == np.arange(N)[:, None]), "no cell is its own partner"
    assert idx.min() >= 0 and idx.max() < N
    assert np.all(np.diff(idx, axis=1) > 0), "rows are sorted"
    np.testing.assert_array_equal(idx, wb.fixed_in_degree_indices(N, M, seed=3))
    if M < N - 1:
        assert not np.array_equal(idx, wb.fixed_in_degree_indices(N, M, seed=4))


def test_sparse_network_memory_is_linear_in_n():
    idx = wb.fixed_in_degree_indices(10_000, 100, seed=0)
    assert idx.nbytes == 10_000 * 100 * 4, "the wiring is an (N, M) int32 array: 4 MB"


def test_fixed_in_degree_picks_partners_uniformly():
    """Over many cells, every presynaptic cell is chosen about equally often."""
    N, M = 200, 10
    idx = np.concatenate([wb.fixed_in_degree_indices(N, M, seed=s) for s in range(30)])
    out_degree = np.bincount(idx.ravel(), minlength=N)
    expected = idx.size / N
    chi2 = ((out_degree - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, N - 1) > 1e-3, chi2


@pytest.mark.parametrize("N, M", [(400, 20), (200, 150), (2000, 50)])
def test_bernoulli_in_degrees_are_binomial(N, M):
    p = M / (N - 1)
    k = np.concatenate([wiring.in_degrees(wb.bernoulli_indices(N, M, seed=s))
                        for s in range(5)])
    sd = np.sqrt((N - 1) * p * (1 - p))
    assert abs(k.mean() - M) < 5 * sd / np.sqrt(k.size), (k.mean(), M)
    assert abs(k.std() / sd - 1) < 0.08, (k.std(), sd)


def test_bernoulli_pairs_are_independent_of_position():
    """Each candidate j is picked with probability p, wherever it sits in the row."""
    N, M = 300, 30
    hits = np.zeros(N - 1)
    for s in range(20):
        idx = wb.bernoulli_indices(N, M, seed=s)
        for i, row in enumerate(idx):
            j = row[row < N]
            hits[j - (j > i)] += 1  # back to the candidate's position 0 … N − 2
    expected = 20 * N * M / (N - 1)
    chi2 = ((hits - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, N - 2) > 1e-3, chi2


def test_bernoulli_rows_are_real_partners_then_padding():
    N, M = 400, 20
    idx = wb.bernoulli_indices(N, M, seed=2)
    for i, row in enumerate(idx):
        real = row[row < N]
        assert np.all(row[real.size:] == N), "padding only after the partners"
        assert np.all(np.diff(real) > 0) and i not in real
    np.testing.assert_array_equal(idx, wb.bernoulli_indices(N, M, seed=2))
    assert idx.shape == wb.bernoulli_indices(N, M, seed=3).shape, "same shape for every seed"
    assert idx.shape[1] == wiring.wiring_width(N, M, "bernoulli")
    full = wb.bernoulli_indices(50, 49, seed=0)
    np.testing.assert_array_equal(full, wb.fixed_in_degree_indices(50, 49, seed=0))


@pytest.mark.parametrize("scheme, total", [
    ("fixed", lambda k, M: np.full_like(k, 0.1, dtype=float)),
    ("bernoulli", lambda k, M: 0.1 * k / M),
    ("bernoulli_scaled", lambda k, M: np.full_like(k, 0.1, dtype=float)),
])
def test_each_schemes_total_inhibition(scheme, total):
    """With every s = 1 a cell's conductance is its total inhibition."""
    import jax.numpy as jnp

    from wbmodel.engine import build_network, param_arrays

    p = wb.WBParams(n_cells=300, n_inputs=25, wiring=scheme)
    pre = wb.wiring_indices(300, 25, scheme, seed=1)
    k = wiring.in_degrees(pre)
    net = build_network(param_arrays(p), np.ones(300, np.float32),
                        np.full(300, -65.0, np.float32), jnp.asarray(pre), 300)
    g = np.asarray(net.proj.comm(jnp.ones(300)).to_decimal(MS))
    np.testing.assert_allclose(g, total(k, 25), rtol=1e-5)
    if scheme != "fixed":
        assert k.std() > 2, "in-degrees vary"


def test_the_wiring_schemes_run_and_differ():
    p = wb.WBParams(n_inputs=15, wiring="bernoulli")
    r = wb.simulate(p, duration=200 * u.ms, seed=1)
    assert (r.pre_indices == 100).any(), "padded rows"
    f = wb.simulate(p.replace(wiring="fixed"), duration=200 * u.ms, seed=1)
    s = wb.simulate(p.replace(wiring="bernoulli_scaled"), duration=200 * u.ms, seed=1)
    np.testing.assert_array_equal(r.pre_indices, s.pre_indices)
    assert not np.array_equal(r.spikes_packed, f.spikes_packed)
    assert not np.array_equal(r.spikes_packed, s.spikes_packed), "the weights differ"
    with pytest.raises(ValueError, match="wiring"):
        wb.WBParams(n_inputs=5, wiring="random")
