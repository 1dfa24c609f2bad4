"""Measures of a network run: coherence κ, network frequency, firing rates, ISI CV.

All functions take a :class:`~wbmodel.simulation.SimulationResult` and a time window
(``start`` < t ≤ ``stop``). By default the window skips the first 200 ms, during which
synchrony forms (half the run when the run is shorter than 400 ms).
"""

from __future__ import annotations

from typing import NamedTuple

import brainunit as u
import numpy as np

from .params import as_quantity

__all__ = [
    "coherence", "coherence_matrix", "mean_pairwise_coherence", "binarize",
    "network_frequency", "population_activity",
    "firing_rates", "mean_rate", "isi_cv", "analysis_window", "coherence_over_time",
    "clusters", "Clusters", "TRANSIENT", "SilentWindow", "check_window",
]

#: Default transient discarded before measuring.
TRANSIENT = 200.0 * u.ms


class SilentWindow(ValueError):
    """The window holds too few spikes for the measure: it is undefined there, not wrong.

    κ and the network frequency are undefined when no cell fires in the window (the
    frequency from the rate, and :func:`clusters`, when no cell fires twice). A sweep writes
    NaN for them (:func:`wbmodel.sweeps.default_summary`); every other error is raised.
    """


def check_window(duration, start=None, stop=None) -> tuple[float, float]:
    """The analysis window (start, stop] in ms for a run of ``duration``; checked.

    The default ``start`` skips the transient, ``TRANSIENT`` = 200 ms (half the run when
    the run is shorter than twice that); the default ``stop`` is the run's end. Usable
    before a run: a sweep checks its window before it simulates anything.

    Parameters
    ----------
    duration : Quantity, ms
        The run's length.
    start, stop : Quantity, ms, optional

    Raises
    ------
    TypeError
        If ``start`` or ``stop`` is not a time.
    ValueError
        If ``start`` is negative or not before ``stop``, or ``stop`` is beyond the run's
        end; the message names the one at fault.
    """
    T = float(as_quantity("duration", duration, u.ms).to_decimal(u.ms))
    if start is None:
        t0 = float(TRANSIENT.to_decimal(u.ms))
        start = t0 if T >= 2 * t0 else T / 2
    else:
        start = float(as_quantity("start", start, u.ms).to_decimal(u.ms))
        if start < 0:
            raise ValueError(f"start must be >= 0 ms, got {start:g} ms")
        if start >= T:
            raise ValueError(f"start = {start:g} ms is not before the end of the run "
                             f"({T:g} ms): the window would be empty")
    if stop is None:
        stop = T
    else:
        stop = float(as_quantity("stop", stop, u.ms).to_decimal(u.ms))
        if stop > T + 1e-9:
            raise ValueError(f"stop = {stop:g} ms is beyond the end of the run ({T:g} ms)")
        if stop <= start:
            raise ValueError(f"stop = {stop:g} ms must come after start = {start:g} ms")
    return start, stop


def analysis_window(result, start=None, stop=None) -> tuple[float, float]:
    """The window (start, stop] in ms, checked against the run (:func:`check_window`)."""
    return check_window(result.duration, start, stop)


def _spikes_in(result, start, stop):
    t = np.asarray(result.spike_times.to_decimal(u.ms))
    keep = (t > start) & (t <= stop)
    return t[keep], np.asarray(result.spike_neurons)[keep]


def binarize(result, tau, start=None, stop=None) -> np.ndarray:
    """Spike trains as 0/1 in bins of width ``tau``: X_i(l) = 1 if cell i fired in bin l.

    Returns
    -------
    ndarray of float32, shape (N, L)
        L = floor((stop − start) / τ) whole bins; a partial last bin is dropped.
    """
    start, stop = analysis_window(result, start, stop)
    tau_ms = float(as_quantity("tau", tau, u.ms).to_decimal(u.ms))
    if not tau_ms > 0:
        raise ValueError(f"tau must be > 0 ms, got {tau}")
    n_bins = int(np.floor((stop - start) / tau_ms + 1e-9))
    if n_bins < 1:
        raise ValueError(f"tau = {tau_ms:g} ms is longer than the window ({stop - start:g} ms)")
    t, i = _spikes_in(result, start, start + n_bins * tau_ms)
    # Bin l holds start + (l τ, (l + 1) τ]: a spike is stamped at the end of its step.
    l = np.clip(np.ceil((t - start) / tau_ms - 1e-9).astype(np.int64) - 1, 0, n_bins - 1)
    X = np.zeros((result.n_cells, n_bins), dtype=np.float32)
    X[i, l] = 1.0
    return X


def coherence_matrix(X: np.ndarray) -> np.ndarray:
    r"""Pairwise coherence :math:`\kappa_{ij} = \sum_l X_i X_j / \sqrt{\sum_l X_i \sum_l X_j}`.

    A pair with a silent cell has no defined κ_ij; it is set to 0 (a silent cell is not
    synchronous with anything). The diagonal is returned as computed (1 for active cells).
    """
    X = np.asarray(X, dtype=np.float64)
    co = X @ X.T
    n = np.diag(co)
    norm = np.sqrt(np.outer(n, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        K = np.where(norm > 0, co / norm, 0.0)
    return K


def mean_pairwise_coherence(X: np.ndarray) -> float:
    r"""Mean of κ_ij over pairs i ≠ j, without forming the N × N matrix.

    With :math:`Y_{il} = X_{il} / \sqrt{n_i}` (:math:`n_i = \sum_l X_{il}`; silent rows 0),
    :math:`\sum_{i \ne j} \kappa_{ij} = \sum_l (\sum_i Y_{il})^2 - \#\{i: n_i > 0\}`,
    because :math:`X^2 = X` for binary trains. Memory and time O(N·L), so N = 10,000 costs
    megabytes, not the gigabytes of :func:`coherence_matrix`.
    """
    X = np.asarray(X, dtype=np.float64)
    n_cells = X.shape[0]
    counts = X.sum(axis=1)
    active = counts > 0
    Y = X[active] / np.sqrt(counts[active])[:, None]
    total = float(np.sum(Y.sum(axis=0) ** 2)) - float(active.sum())
    # κ lies in [0, 1]; the subtraction can leave a rounding error of ~1e-16 outside it.
    return min(max(total / (n_cells * (n_cells - 1)), 0.0), 1.0)


def coherence(result, tau=None, start=None, stop=None) -> float:
    r"""The paper's coherence measure κ(τ): mean of κ_ij over pairs i ≠ j.

    Parameters
    ----------
    result : SimulationResult
    tau : Quantity, ms, optional
        Bin width. Default: one tenth of the network period, 0.1 / f, with f from
        :func:`network_frequency` (spectral peak).
    start, stop : Quantity, ms, optional
        Window (default: after the 200 ms transient, to the end).

    Returns
    -------
    float
        κ in [0, 1]: near 1 for synchrony, near 0 (about the firing probability per bin)
        for asynchrony.

    Raises
    ------
    SilentWindow
        If no cell fires in the window (κ is undefined there; a ValueError).
    ValueError
        If the window is outside the run, or there are fewer than two cells.
    """
    N = result.n_cells
    if N < 2:
        raise ValueError("coherence needs at least two cells")
    window = analysis_window(result, start, stop)
    if _spikes_in(result, *window)[0].size == 0:
        raise SilentWindow("κ is undefined: no cell fired in the window "
                         f"({window[0]:g}, {window[1]:g}] ms")
    if tau is None:
        f = float(network_frequency(result, start=start, stop=stop).to_decimal(u.Hz))
        tau = (100.0 / f) * u.ms  # 0.1 / f, with f in Hz -> ms
        if float(tau.to_decimal(u.ms)) > window[1] - window[0]:
            raise SilentWindow(f"κ is undefined: the window ({window[1] - window[0]:g} ms) "
                               f"is shorter than its bin, 0.1/f = {100.0 / f:g} ms")
    X = binarize(result, tau, start, stop)
    if not X.any():  # the spikes lie after the last whole bin
        raise SilentWindow("κ is undefined: no cell fired in the whole bins of the window "
                         f"({window[0]:g}, {window[1]:g}] ms")
    return mean_pairwise_coherence(X)


def population_activity(result, bin=1.0 * u.ms, start=None, stop=None):
    """Population firing rate: spikes per cell per second in bins of width ``bin``.

    Returns
    -------
    times : Quantity, ms
        Bin centres.
    rate : Quantity, Hz
        Spikes in the bin / (N · bin).
    """
    start, stop = analysis_window(result, start, stop)
    b = float(as_quantity("bin", bin, u.ms).to_decimal(u.ms))
    if not b > 0:
        raise ValueError(f"bin must be > 0 ms, got {bin}")
    edges = start + b * np.arange(int(np.floor((stop - start) / b + 1e-9)) + 1)
    if edges.size < 2:
        raise ValueError(f"bin = {b:g} ms is longer than the window ({stop - start:g} ms)")
    t, _ = _spikes_in(result, start, stop)
    counts, _ = np.histogram(t - 1e-9, bins=edges)  # (a, b] bins: spike at a step's end
    rate = counts / (result.n_cells * b * 1e-3)
    return (edges[:-1] + b / 2) * u.ms, rate * u.Hz


def network_frequency(result, start=None, stop=None, method: str = "spectrum",
                      fmin=5.0 * u.Hz, fmax=300.0 * u.Hz):
    """Frequency of the population rhythm (Hz).

    Parameters
    ----------
    result : SimulationResult
    start, stop : Quantity, ms, optional
        Window (default: after the transient).
    method : {"spectrum", "rate"}
        ``"spectrum"``: the peak of the power spectrum of the population activity (1 ms bins,
        smoothed by a Gaussian of SD 1 ms, mean removed, Hann window, zero-padded to
        0.05 Hz resolution, the peak refined by a parabola through its neighbours),
        searched in [fmin, fmax]. ``"rate"``: the mean over
        cells that fire at least twice of (spikes − 1) / (last − first spike time), the
        inverse mean inter-spike interval. The two agree when every cell fires once per
        cycle; with clusters the spectrum peaks at a multiple of the cells' rate.

    Raises
    ------
    SilentWindow
        If no cell fires in the window (twice, for ``"rate"``): undefined there.
    ValueError
        If the window is outside the run, or ``method`` is unknown.
    """
    if method == "rate":
        start, stop = analysis_window(result, start, stop)
        t, i = _spikes_in(result, start, stop)
        order = np.lexsort((t, i))
        t, i = t[order], i[order]
        cells, first = np.unique(i, return_index=True)
        counts = np.bincount(i, minlength=result.n_cells)[cells]
        last = np.r_[first[1:], i.size] - 1
        ok = counts >= 2
        if not ok.any():
            raise SilentWindow("network frequency is undefined: no cell fired twice in the "
                               "window")
        per_cell = (counts[ok] - 1) / (t[last[ok]] - t[first[ok]]) * 1e3
        return float(np.mean(per_cell)) * u.Hz
    if method != "spectrum":
        raise ValueError(f"method must be 'spectrum' or 'rate', got {method!r}")
    if _spikes_in(result, *analysis_window(result, start, stop))[0].size == 0:
        raise SilentWindow("network frequency is undefined: no cell fired in the window")
    _, rate = population_activity(result, 1.0 * u.ms, start, stop)
    x = np.asarray(rate.to_decimal(u.Hz), dtype=np.float64)
    if not x.any():
        raise SilentWindow("network frequency is undefined: no cell fired in the window")
    x = (x - x.mean()) * np.hanning(x.size)
    n_fft = max(int(2 ** np.ceil(np.log2(20_000))), x.size)  # 1 kHz sampling: 0.05 Hz bins
    freqs = np.fft.rfftfreq(n_fft, d=1e-3)
    # Smooth the activity with a Gaussian of SD 1 ms (a field-potential-like view): sharp
    # volleys have harmonics as strong as the fundamental, which this damps.
    power = np.abs(np.fft.rfft(x, n_fft)) ** 2 * np.exp(-((2 * np.pi * freqs * 1e-3) ** 2))
    lo, hi = (float(as_quantity(k, v, u.Hz).to_decimal(u.Hz))
              for k, v in (("fmin", fmin), ("fmax", fmax)))
    band = np.flatnonzero((freqs >= lo) & (freqs <= hi))
    k = band[np.argmax(power[band])]
    if 0 < k < power.size - 1:
        a, b, c = np.log(power[k - 1:k + 2] + 1e-300)
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
    else:
        shift = 0.0
    return float(freqs[k] + shift * (freqs[1] - freqs[0])) * u.Hz


def firing_rates(result, start=None, stop=None):
    """Each cell's firing rate in the window (spike count / window length), Hz, shape (N,)."""
    start, stop = analysis_window(result, start, stop)
    counts = result.spike_counts(start * u.ms, stop * u.ms)
    return counts / ((stop - start) * 1e-3) * u.Hz


def mean_rate(result, start=None, stop=None):
    """The mean rate (Hz): spikes per cell per second in the window.

    The explorers' readout. Not the cells' frequency, ``network_frequency(method="rate")``,
    which is the inverse of each cell's mean interspike interval: a window that cuts
    through intervals counts slightly more or fewer spikes than it holds intervals.
    """
    return float(np.mean(firing_rates(result, start, stop).to_decimal(u.Hz))) * u.Hz


def isi_cv(result, start=None, stop=None) -> np.ndarray:
    """Coefficient of variation of each cell's inter-spike intervals (NaN with < 2 intervals)."""
    start, stop = analysis_window(result, start, stop)
    t, i = _spikes_in(result, start, stop)
    out = np.full(result.n_cells, np.nan)
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    for cell in np.unique(i):
        isi = np.diff(t[i == cell])
        if isi.size >= 2:
            out[cell] = isi.std() / isi.mean()
    return out


def coherence_over_time(result, window=50.0 * u.ms, step=25.0 * u.ms, tau=2.5 * u.ms):
    """κ in sliding windows, to watch synchrony form.

    Parameters
    ----------
    window, step : Quantity, ms
        Length of each window and the shift between windows.
    tau : Quantity, ms
        Bin width (fixed, so windows are comparable; 2.5 ms is 0.1/f at 40 Hz).

    Returns
    -------
    times : Quantity, ms
        Window ends.
    kappa : ndarray
        κ of each window (0 where no cell fired).
    """
    w = float(as_quantity("window", window, u.ms).to_decimal(u.ms))
    s = float(as_quantity("step", step, u.ms).to_decimal(u.ms))
    T = float(result.duration.to_decimal(u.ms))
    if not (0 < w <= T and s > 0):
        raise ValueError(f"need 0 < window <= duration and step > 0, got {window}, {step}")
    ends = np.arange(w, T + 1e-9, s)
    kappa = np.zeros(ends.size)
    for k, e in enumerate(ends):
        X = binarize(result, tau, start=(e - w) * u.ms, stop=e * u.ms)
        if X.any():
            kappa[k] = mean_pairwise_coherence(X)
    return ends * u.ms, kappa


class Clusters(NamedTuple):
    """How a network's cells group by the phase of their firing (:func:`clusters`).

    Attributes
    ----------
    sizes : tuple of int
        The number of cells in each cluster, largest first.
    widths : tuple of float
        The spread of each cluster's phases (ms), in the same order. Synchrony is one
        cluster of N whose width is a small part of the period; cells spread round the
        whole cycle (an asynchronous state) also make one "cluster", as wide as the cycle.
    period : Quantity, ms
        The median over cells of their mean inter-spike interval in the window.
    locked : bool
        Whether every firing cell's mean interval is within 1 % of that median (a
        clustered or synchronous state is locked; a drifting one is not).
    silent : int
        Cells that fired fewer than twice in the window (in no cluster).
    """

    sizes: tuple
    widths: tuple
    period: u.Quantity
    locked: bool
    silent: int

    @property
    def n_clusters(self) -> int:
        """The number of clusters."""
        return len(self.sizes)

    @property
    def synchronous(self) -> bool:
        """One cluster holding every cell, narrower than a tenth of the period."""
        P = float(self.period.to_decimal(u.ms))
        return self.n_clusters == 1 and self.silent == 0 and self.widths[0] < 0.1 * P


def clusters(result, start=None, stop=None, gap=1.0 * u.ms) -> Clusters:
    """Group the cells by the phase of their last spike in the window.

    Each firing cell's phase is its last spike time modulo the median period; sorted round
    the circle, the phases split into clusters wherever two neighbours lie more than
    ``gap`` apart. In the synchronous state every cell is in one cluster; in a two-cluster
    state the cells alternate in two groups, each firing every other volley.

    Parameters
    ----------
    result : SimulationResult
    start, stop : Quantity, ms, optional
        The window (default: after the transient).
    gap : Quantity, ms
        The least separation between clusters (1 ms).

    Returns
    -------
    Clusters

    Raises
    ------
    SilentWindow
        If no cell fires twice in the window (a ValueError).
    ValueError
        If the window is invalid.
    """
    start, stop = analysis_window(result, start, stop)
    g = float(as_quantity("gap", gap, u.ms).to_decimal(u.ms))
    t, i = _spikes_in(result, start, stop)
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    cells, first, counts = np.unique(i, return_index=True, return_counts=True)
    firing = counts >= 2
    if not firing.any():
        raise SilentWindow(f"no cell fires twice in ({start:g}, {stop:g}] ms")
    last = first + counts - 1
    isi = (t[last] - t[first])[firing] / (counts[firing] - 1)
    P = float(np.median(isi))
    phases = np.sort(np.mod(t[last][firing], P))
    gaps = np.diff(np.r_[phases, phases[0] + P])  # the last one wraps round the circle
    cuts = np.flatnonzero(gaps > g)
    if cuts.size == 0:  # no gap anywhere: the phases cover the circle
        groups = [(phases.size, P - gaps.max())]
    else:
        # cluster k runs from just after cut k to cut k + 1 (round the circle)
        ends = np.r_[cuts[1:], cuts[0] + phases.size]
        unrolled = np.r_[phases, phases + P]
        groups = [(int(e - b), float(unrolled[e] - unrolled[b + 1]))
                  for b, e in zip(cuts, ends, strict=True)]
    groups.sort(key=lambda x: -x[0])
    locked = bool(np.all(np.abs(isi / P - 1.0) < 0.01))
    return Clusters(sizes=tuple(int(k) for k, _ in groups),
                    widths=tuple(float(w) for _, w in groups), period=P * u.ms,
                    locked=locked, silent=int(result.n_cells - firing.sum()))
