"""Figures of a run: raster, population activity and sample voltages, with units on every axis."""

from __future__ import annotations

import brainunit as u
import matplotlib.pyplot as plt
import numpy as np

from . import analysis
from .report import fmt_quantity

__all__ = ["plot_raster", "plot_population_activity", "plot_voltages", "plot_network"]


def _window(result, start, stop):
    t0 = 0.0 if start is None else float(u.Quantity(start).to_decimal(u.ms))
    t1 = float(result.duration.to_decimal(u.ms)) if stop is None else float(
        u.Quantity(stop).to_decimal(u.ms))
    return t0, t1


def _envelope(t, v, max_points: int = 4000):
    """Thin a long trace for drawing: per bin, its minimum and maximum, so spikes survive."""
    stride = len(t) // (max_points // 2)
    if stride < 2:
        return t, v
    n = (len(t) // stride) * stride
    tb, vb = t[:n].reshape(-1, stride), v[:n].reshape(-1, stride)
    lo, hi = vb.argmin(axis=1), vb.argmax(axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(tb.shape[0])
    tt = np.stack([tb[rows, first], tb[rows, second]], axis=1).ravel()
    vv = np.stack([vb[rows, first], vb[rows, second]], axis=1).ravel()
    return tt, vv


def plot_raster(result, ax=None, start=None, stop=None, **kw):
    """Spike raster: one dot per spike, cell index against time (ms)."""
    ax = plt.gca() if ax is None else ax
    t = np.asarray(result.spike_times.to_decimal(u.ms))
    ax.plot(t, result.spike_neurons, "|", color=kw.pop("color", "k"),
            markersize=kw.pop("markersize", 2), **kw)
    ax.set_xlim(*_window(result, start, stop))
    ax.set_ylim(-0.5, result.n_cells - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("cell")
    return ax


def plot_population_activity(result, ax=None, bin=1.0 * u.ms, start=None, stop=None, **kw):
    """Population firing rate (Hz per cell) in bins of ``bin``."""
    ax = plt.gca() if ax is None else ax
    t0, t1 = _window(result, start, stop)
    t, rate = analysis.population_activity(result, bin, start=t0 * u.ms, stop=t1 * u.ms)
    ax.plot(t.to_decimal(u.ms), rate.to_decimal(u.Hz), color=kw.pop("color", "C0"), **kw)
    ax.set_xlim(t0, t1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("population rate (Hz)")
    return ax


def plot_voltages(result, ax=None, start=None, stop=None, E_syn=True, **kw):
    """Membrane potential of the recorded cells; E_syn drawn as a dashed line.

    Long traces are thinned to at most ~4,000 points per cell for drawing, keeping each
    bin's minimum and maximum (spike peaks and AHP troughs stay exact).
    """
    ax = plt.gca() if ax is None else ax
    t0, t1 = _window(result, start, stop)
    t = np.asarray(result.times.to_decimal(u.ms))
    keep = (t >= t0) & (t <= t1)
    t, V = t[keep], np.asarray(result.V.to_decimal(u.mV))[keep]
    for k, cell in enumerate(result.record_cells):
        ax.plot(*_envelope(t, V[:, k]), lw=0.8, label=f"cell {cell}", **kw)
    if E_syn:
        e = float(result.params.E_syn.to_decimal(u.mV))
        ax.axhline(e, color="0.4", ls="--", lw=0.8)
        ax.annotate("$E_{syn}$", (1.0, e), xycoords=("axes fraction", "data"),
                    xytext=(2, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlim(*_window(result, start, stop))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    return ax


def plot_network(result, start=None, stop=None, title=None):
    """Raster, population activity and sample voltages of one run, stacked, with κ and f."""
    fig, axes = plt.subplots(3, 1, figsize=(8, 6.5), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.2, 1.5]})
    plot_raster(result, axes[0], start, stop)
    plot_population_activity(result, axes[1], start=start, stop=stop)
    plot_voltages(result, axes[2], start, stop)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    if title is None:
        try:
            kappa = analysis.coherence(result)
            f = float(analysis.network_frequency(result).to_decimal(u.Hz))
            title = (f"κ = {kappa:.2f}, f = {f:.1f} Hz "
                     f"(after {fmt_quantity(analysis.TRANSIENT, u.ms)})")
        except analysis.SilentWindow:
            title = "no spikes after the transient"
    axes[0].set_title(title)
    fig.tight_layout()
    return fig
