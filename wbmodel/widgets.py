"""Interactive exploration: a live ipywidgets explorer and a static, kernel-free one.

:func:`explorer` needs a running kernel: each slider release re-runs the network (one
compiled program, so a new value costs a run, not a compilation) and redraws. For readers of
the static HTML book, :func:`static_explorer` embeds a precomputed grid over (I_app, g_syn)
in the page and switches between its points in the browser with plain JavaScript.
"""

from __future__ import annotations

import base64
import json
import string
import time
import zlib
from importlib import resources

import brainunit as u
import numpy as np

from . import analysis, draws, plotting
from .browser import RANGES, check_ranges
from .params import MS_PER_CM2, UA_PER_CM2, WBParams
from .result import check_V0_range
from .simulation import SimulationDiverged, simulate

__all__ = ["explorer", "Explorer", "static_explorer", "encode_raster"]

# name -> (label, step, unit or None); each slider's range is the page explorer's, RANGES
_SLIDERS = {
    "I_app": ("I_app (µA/cm²)", 0.05, UA_PER_CM2),
    "g_syn": ("g_syn (mS/cm²)", 0.01, MS_PER_CM2),
    "I_sigma": ("I_σ (µA/cm²)", 0.005, UA_PER_CM2),
    "tau_syn": ("τ_syn (ms)", 0.5, u.ms),
    "phi": ("φ", 0.05, None),
    "E_syn": ("E_syn (mV)", 0.5, u.mV),
}


def _value(params: WBParams, name: str) -> float:
    unit = _SLIDERS[name][2]
    v = getattr(params, name)
    return float(v.to_decimal(unit)) if unit is not None else float(v)


class Explorer:
    """The live explorer: sliders, a seed box, a reset button and the network's figure.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What to display.
    sliders : dict of str to ipywidgets widget
        The controls, by parameter name (plus ``n_inputs``, ``V0_spread``, the initial V
        spread ΔV₀ in mV, and ``seed``).
    default_spread : float
        The initial V spread ΔV₀ (mV) the explorer starts from and resets to.
    last_latency : float
        Seconds the last update took, from the slider's release to the drawn figure.

    Parameters
    ----------
    params : WBParams, optional
        Where the sliders start (default: the paper's network).
    duration : Quantity, ms
        Length of each run.
    seed : int
        Seed of the draws.
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, optional
        The range of the initial V to start from (default: the paper's [−70, −50] mV); the
        ΔV₀ slider moves its width around −60 mV (0 to 20 mV), as the page's explorer does,
        so it must be centred there, 0 to 20 mV wide.

    Raises
    ------
    ValueError
        If ``V0_range`` is not centred at −60 mV or is wider than the ΔV₀ slider reaches,
        or a parameter lies outside its slider's range (:data:`wbmodel.browser.RANGES`).
    """

    def __init__(self, params: WBParams | None = None, duration=500.0 * u.ms, seed: int = 0,
                 V0_range=None):
        import ipywidgets as W

        self.defaults = WBParams() if params is None else params
        self.default_spread = draws.spread_of_V_range(*check_V0_range(V0_range))
        check_ranges({"V0_spread": self.default_spread, "seed": seed,
                      **{name: _value(self.defaults, name) for name in _SLIDERS}})
        spread_lo, spread_hi = RANGES["V0_spread"]
        self.duration = duration
        self.last_latency = float("nan")
        self._holding = False  # True while reset() moves several sliders: one redraw only
        style = {"description_width": "110px"}
        layout = W.Layout(width="360px")
        self.sliders = {
            name: W.FloatSlider(value=_value(self.defaults, name), min=RANGES[name][0],
                                max=RANGES[name][1], step=step, description=label,
                                continuous_update=False, style=style, layout=layout,
                                readout_format=".3g")
            for name, (label, step, _) in _SLIDERS.items()}
        n = self.defaults.n_cells
        self.sliders["n_inputs"] = W.IntSlider(
            value=self.defaults.n_inputs or 0, min=0, max=n - 1, description="M (0: all)",
            continuous_update=False, style=style, layout=layout)
        self.sliders["V0_spread"] = W.FloatSlider(
            value=self.default_spread, min=spread_lo, max=spread_hi, step=0.5,
            description="ΔV₀ (mV)", tooltip="initial V spread: V₀ uniform in −60 ∓ ΔV₀/2 mV",
            continuous_update=False, style=style, layout=layout, readout_format=".3g")
        self.sliders["seed"] = W.BoundedIntText(
            value=seed, min=RANGES["seed"][0], max=RANGES["seed"][1], description="seed",
            style=style, layout=W.Layout(width="220px"))
        self.reset_button = W.Button(description="reset to the paper", icon="undo",
                                     layout=W.Layout(width="auto"))  # its label whole
        self.status = W.HTML()
        self.output = W.Output()
        for w in self.sliders.values():
            w.observe(lambda change: self.update(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        controls = W.VBox([*self.sliders.values(), self.reset_button])
        self.widget = W.VBox([W.HBox([controls, self.status]), self.output])
        # the HTML book leaves it out (book/_static/wb.css): without a kernel it does nothing
        self.widget.add_class("wb-kernel-explorer")
        # names for the page's CSS, its accessibility shim and the tests
        self.widget.add_class("wb-explorer")
        self.status.add_class("wb-readout")
        self.update()

    def params(self) -> WBParams:
        """The parameters the sliders show (validated)."""
        s = self.sliders
        changes = {name: s[name].value * _SLIDERS[name][2] if _SLIDERS[name][2] is not None
                   else s[name].value for name in _SLIDERS}
        changes["n_inputs"] = s["n_inputs"].value or None
        return self.defaults.replace(**changes)

    def V0_range(self) -> tuple:
        """The range of the initial V the ΔV₀ slider shows: (lo, hi), Quantities in mV."""
        lo, hi = draws.V_range_of_spread(self.sliders["V0_spread"].value)
        return (lo * u.mV, hi * u.mV)

    def reset(self) -> None:
        """Put every slider back to the paper's values (one redraw)."""
        self._holding = True
        try:
            for name in _SLIDERS:
                self.sliders[name].value = _value(self.defaults, name)
            self.sliders["n_inputs"].value = self.defaults.n_inputs or 0
            self.sliders["V0_spread"].value = self.default_spread
        finally:
            self._holding = False
        self.update()

    def update(self) -> None:
        """Run the network with the current values and redraw.

        Parameters the model refuses (a ValueError) and a run that diverges become a
        message under the sliders; a silent network shows κ as undefined. Any other error
        is a bug and is raised.
        """
        if self._holding:
            return
        import matplotlib.pyplot as plt

        t0 = time.perf_counter()
        try:
            res = simulate(self.params(), duration=self.duration, seed=self.sliders["seed"].value,
                           V0_range=self.V0_range())
            try:
                kappa = f"{analysis.coherence(res):.3f}"
                freq = f"{float(analysis.network_frequency(res).to_decimal(u.Hz)):.1f} Hz"
                rate = f"{float(analysis.mean_rate(res).to_decimal(u.Hz)):.1f} Hz"
            except analysis.SilentWindow:
                kappa, freq, rate = "undefined (no spikes)", "–", "0 Hz"
            fig = plotting.plot_network(res, title=f"κ = {kappa}, f = {freq}")
        except (ValueError, SimulationDiverged) as e:
            self.output.outputs = ()
            self.output.append_stdout(f"Cannot run these parameters: {e}\n")
            self.status.value = "<b>⚠ invalid parameters</b>"
            return
        self.output.outputs = ()
        self.output.append_display_data(fig)
        plt.close(fig)
        self.last_latency = time.perf_counter() - t0
        self.status.value = (f"<p style='margin-left:2em'><b>κ</b> = {kappa}<br>"
                             f"<b>network frequency</b> = {freq}<br><b>mean rate</b> = {rate}"
                             f"<br><small>updated in {self.last_latency:.2f} s</small></p>")


def explorer(params: WBParams | None = None, duration=500.0 * u.ms, seed: int = 0,
             V0_range=None):
    """Display-ready live explorer (see :class:`Explorer`); returns its widget."""
    return Explorer(params, duration, seed, V0_range).widget


def encode_raster(result, start, stop) -> str:
    """Spikes in (start, stop] as base64 of (time in 0.1 ms since start: uint16, cell: uint16).

    Compact enough to embed dozens of rasters in a page (4 bytes per spike).
    """
    t0 = float(u.Quantity(start).to_decimal(u.ms))
    t1 = float(u.Quantity(stop).to_decimal(u.ms))
    t = np.asarray(result.spike_times.to_decimal(u.ms))
    keep = (t > t0) & (t <= t1)
    ticks = np.round((t[keep] - t0) * 10).astype("<u2")
    cells = np.asarray(result.spike_neurons)[keep].astype("<u2")
    return base64.b64encode(np.stack([ticks, cells], axis=1).tobytes()).decode()


def static_explorer(table, rasters, window, n_cells: int, start_index=None, live=None):
    """The kernel-free explorer: an HTML block with sliders over a precomputed grid.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per grid point with columns ``I_app``, ``g_syn``, ``kappa``, ``frequency``,
        ``mean_rate`` (e.g. from :func:`wbmodel.sweep`, one seed).
    rasters : dict
        ``(I_app, g_syn) -> encode_raster(...)`` for every row.
    window : (float, float)
        The time window (ms) the rasters cover.
    n_cells : int
        N, for the raster's vertical axis.
    start_index : (int, int), optional
        Grid indices shown first (default: the point nearest the paper's defaults).
    live : dict, optional
        If given, clicking a square of a map also sends a ``wb-set-params`` event with these
        values (page units, e.g. ``{"I_sigma": 0.02, "duration": 1000}``) and the square's
        I_app and g_syn, so that a :func:`wbmodel.browser.browser_explorer` made with
        ``listen=True`` runs that network live.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    I_vals = sorted(set(table.I_app))
    g_vals = sorted(set(table.g_syn))
    lookup = {(r.I_app, r.g_syn): r for r in table.itertuples()}
    order = [(i, g) for i in I_vals for g in g_vals]
    missing = [k for k in order if k not in lookup or k not in rasters]
    if missing:
        raise ValueError(f"the grid must be complete; missing points {missing[:3]}")
    def clean(x, digits):
        x = float(x)
        return None if not np.isfinite(x) else round(x, digits)  # JSON has no NaN

    freqs = np.array([float(lookup[k].frequency) for k in order])
    data = {
        "I_app": [round(i, 4) for i in I_vals], "g_syn": [round(g, 4) for g in g_vals],
        "kappa": [clean(lookup[k].kappa, 4) for k in order],
        "frequency": [clean(f, 2) for f in freqs],
        "rate": [clean(lookup[k].mean_rate, 2) for k in order],
        "f_range": [float(np.nanmin(freqs)), float(np.nanmax(freqs))],
        "rasters": [rasters[k] for k in order], "window": list(window), "n_cells": n_cells,
        "live": None if live is None else dict(live),
    }
    if start_index is None:
        start_index = (int(np.argmin(np.abs(np.array(I_vals) - 1.0))),
                       int(np.argmin(np.abs(np.array(g_vals) - 0.1))))
    payload = json.dumps(data, separators=(",", ":"))
    uid = f"wb-explorer-{zlib.crc32(payload.encode()):08x}"
    template = string.Template(resources.files(__package__).joinpath(
        "static_explorer.html").read_text(encoding="utf-8"))
    return HTML(template.substitute(
        uid=uid, ni=len(I_vals) - 1, ng=len(g_vals) - 1, i0=start_index[0], g0=start_index[1],
        data=payload.replace("</", "<\\/")))
