"""Coherence κ, network frequency and rates, on hand-made rasters and on real runs."""

import braintools
import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel.analysis import binarize, coherence_matrix, mean_pairwise_coherence


def _fake(spike_steps, n_cells, duration_ms=100.0, dt_ms=0.1):
    """A SimulationResult with a raster given as {cell: [step, ...]}."""
    steps = int(round(duration_ms / dt_ms))
    raster = np.zeros((steps, n_cells), dtype=bool)
    for cell, ks in spike_steps.items():
        raster[np.asarray(ks), cell] = True
    return wb.SimulationResult(
        params=wb.WBParams(n_cells=n_cells), dt=dt_ms * u.ms, duration=duration_ms * u.ms,
        seed=0, I_app_cells=np.ones(n_cells) * u.uA / u.cm**2,
        spikes_packed=np.packbits(raster, axis=1), record_cells=np.array([], dtype=int),
        V=np.zeros((steps, 0)) * u.mV, V_mean=np.zeros(steps) * u.mV)


def test_kappa_is_one_for_identical_trains_and_zero_for_disjoint():
    same = _fake({0: [9, 109, 209], 1: [9, 109, 209], 2: [9, 109, 209]}, 3)
    assert wb.coherence(same, tau=2 * u.ms, start=0 * u.ms) == pytest.approx(1.0)
    apart = _fake({0: [9, 109], 1: [59, 159]}, 2)
    assert wb.coherence(apart, tau=2 * u.ms, start=0 * u.ms) == 0.0


def test_kappa_by_hand():
    # Bins of 10 ms (100 steps of 0.1 ms): cell 0 fires in bins 0, 1, 2, 3; cell 1 in bins 0, 1.
    r = _fake({0: [5, 150, 250, 350], 1: [50, 120]}, 2)
    X = binarize(r, 10 * u.ms, start=0 * u.ms, stop=40 * u.ms)
    np.testing.assert_array_equal(X, [[1, 1, 1, 1], [1, 1, 0, 0]])
    expected = 2 / np.sqrt(4 * 2)
    assert wb.coherence(r, tau=10 * u.ms, start=0 * u.ms, stop=40 * u.ms) == pytest.approx(expected)
    K = coherence_matrix(X)
    assert K[0, 1] == K[1, 0] == pytest.approx(expected)


def test_kappa_matches_braintools_cross_correlation(default_run):
    """braintools.analysis.spike.cross_correlation is an independent implementation of κ."""
    r = default_run
    dt = 0.01
    for tau, start, stop in [(2.5, 200.0, 500.0), (1.0, 100.0, 400.0), (5.0, 0.0, 500.0)]:
        k0, k1 = int(round(start / dt)), int(round(stop / dt))
        theirs = float(braintools.analysis.spike.cross_correlation(
            r.raster()[k0:k1], bin=tau, dt=dt, method="vmap"))
        ours = wb.coherence(r, tau=tau * u.ms, start=start * u.ms, stop=stop * u.ms)
        assert ours == pytest.approx(theirs, abs=1e-6), f"τ = {tau} ms"


def test_fast_mean_equals_the_matrix_mean():
    rng = np.random.default_rng(1)
    X = (rng.random((60, 200)) < 0.1).astype(np.float32)
    X[5] = 0                                    # a silent cell: its pairs count as 0
    K = coherence_matrix(X)
    expected = (K.sum() - np.trace(K)) / (60 * 59)
    assert mean_pairwise_coherence(X) == pytest.approx(expected, rel=1e-12)


def test_kappa_undefined_without_spikes():
    silent = _fake({}, 3)
    with pytest.raises(wb.analysis.SilentWindow, match="no cell fired"):
        wb.coherence(silent, tau=2 * u.ms, start=0 * u.ms)
    for method in ("spectrum", "rate"):
        with pytest.raises(wb.analysis.SilentWindow, match="undefined"):
            wb.network_frequency(silent, start=0 * u.ms, method=method)
    with pytest.raises(wb.analysis.SilentWindow):
        wb.analysis.clusters(silent, start=0 * u.ms)
    with pytest.raises(wb.analysis.SilentWindow):  # silence, before the bins are checked
        wb.network_frequency(silent, start=0 * u.ms, stop=0.5 * u.ms)
    assert float(wb.mean_rate(silent).to_decimal(u.Hz)) == 0.0, "a rate of 0 is defined"


def test_frequency_of_a_perfect_40_hz_rhythm():
    r = _fake({c: np.arange(99, 10_000, 250) for c in range(10)}, 10, duration_ms=1000.0)
    f = float(wb.network_frequency(r).to_decimal(u.Hz))
    assert f == pytest.approx(40.0, abs=0.1)
    assert float(wb.network_frequency(r, method="rate").to_decimal(u.Hz)) == pytest.approx(40.0)
    rates = wb.firing_rates(r, start=0 * u.ms).to_decimal(u.Hz)
    np.testing.assert_allclose(rates, 40.0)
    np.testing.assert_allclose(wb.isi_cv(r), 0.0, atol=1e-9)


def test_spectral_and_rate_frequency_agree_when_synchronous(default_run):
    a = float(wb.network_frequency(default_run).to_decimal(u.Hz))
    b = float(wb.network_frequency(default_run, method="rate").to_decimal(u.Hz))
    assert a == pytest.approx(b, rel=0.02), "one spike per cell per cycle: the two must agree"


def test_population_activity_counts_every_spike(default_run):
    t, rate = wb.population_activity(default_run, bin=1 * u.ms, start=0 * u.ms)
    total = float(np.sum(rate.to_decimal(u.Hz))) * 1e-3 * default_run.n_cells
    assert total == pytest.approx(len(default_run.spike_times), abs=0.5)


@pytest.mark.parametrize("start, stop, match", [
    (600, None, r"start = 600 ms is not before the end of the run \(500 ms\)"),
    (500, None, r"start = 500 ms is not before the end"),
    (-1, None, r"start must be >= 0 ms, got -1 ms"),
    (None, 700, r"stop = 700 ms is beyond the end of the run \(500 ms\)"),
    (300, 300, r"stop = 300 ms must come after start = 300 ms"),
    (300, 100, r"stop = 100 ms must come after start = 300 ms"),
])
def test_a_window_outside_the_run_is_an_error_that_names_it(default_run, start, stop, match):
    """Not a silent window: a window the run does not have is the caller's error."""
    kw = {k: None if v is None else v * u.ms for k, v in (("start", start), ("stop", stop))}
    for measure in (wb.coherence, wb.network_frequency, wb.mean_rate, wb.analysis.clusters):
        with pytest.raises(ValueError, match=match) as err:
            measure(default_run, **kw)
        assert not isinstance(err.value, wb.analysis.SilentWindow), measure


def test_window_is_checked(default_run):
    with pytest.raises(TypeError, match="tau"):
        wb.coherence(default_run, tau=2.5)
    with pytest.raises(TypeError, match="start"):
        wb.coherence(default_run, start=100)
    assert wb.analysis.check_window(500 * u.ms) == (200.0, 500.0)
    assert wb.analysis.check_window(300 * u.ms) == (150.0, 300.0), "short: half the run"


def _periodic_raster(phases_ms, period=25.0, duration=400.0, dt=0.1):
    """A raster in which cell i fires every ``period`` ms at its phase."""
    steps = int(round(duration / dt))
    raster = np.zeros((steps, len(phases_ms)), bool)
    for i, ph in enumerate(phases_ms):
        t = np.arange(ph, duration, period)
        raster[np.minimum((t / dt).astype(int), steps - 1), i] = True
    return wb.SimulationResult.from_raster(raster, dt * u.ms)


def test_clusters_tell_synchrony_two_clusters_and_a_splay_apart():
    from wbmodel.analysis import clusters
    sync = clusters(_periodic_raster(np.full(20, 3.0) + 0.01 * np.arange(20)))
    assert sync.sizes == (20,) and sync.synchronous and sync.locked and sync.silent == 0
    assert sync.widths[0] < 0.5 and sync.period.to_decimal(u.ms) == pytest.approx(25.0)
    # two groups half a cycle apart, one of them straddling the cycle's end
    two = clusters(_periodic_raster([24.7] * 12 + [0.2] * 6 + [12.0] * 8))
    assert two.sizes == (18, 8) and not two.synchronous and two.n_clusters == 2
    assert two.widths[0] == pytest.approx(0.5, abs=0.11)
    splay = clusters(_periodic_raster(np.linspace(0, 25, 50, endpoint=False)))
    assert splay.sizes == (50,) and not splay.synchronous
    assert splay.widths[0] > 20
    with pytest.raises(ValueError, match="fires twice"):
        clusters(_periodic_raster([3.0] * 4), start=390 * u.ms)


def test_a_window_shorter_than_kappas_bin_is_undefined_not_an_error(default_run):
    """κ's bin is 0.1/f: a window shorter than that has no whole bin, so κ is undefined
    there (a sweep writes NaN), like a silent window."""
    with pytest.raises(wb.analysis.SilentWindow, match="shorter than its bin"):
        t = default_run.spike_times.to_decimal(u.ms)
        t0 = float(t[t > 400][0])  # a volley's first spike: the window holds spikes
        wb.coherence(default_run, start=(t0 - 0.5) * u.ms, stop=(t0 + 0.5) * u.ms)
