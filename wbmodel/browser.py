"""The network simulated in the reader's browser: wbmodel's model in JavaScript.

``wbmodel/web/wbmodel.js`` is a second implementation of the model on purpose, a DOM-free
ES module that follows :mod:`wbmodel.cell`, :mod:`wbmodel.synapse`, :mod:`wbmodel.network`
and :mod:`wbmodel.analysis` line for line (float64, tabulated gates); a parity test keeps it
with :func:`wbmodel.simulate`. ``wbmodel/web/explorer.js`` draws the explorer in the page and
runs the model in a Web Worker. :func:`browser_explorer` returns both, inlined in one HTML
output, so a running notebook and the static book load the very same files, offline and
from ``file://``.
"""

from __future__ import annotations

import itertools
import json
from importlib import resources

from . import draws
from .params import WBParams

__all__ = ["browser_explorer", "model_source", "js_params", "PRESETS", "PageHTML", "RANGES",
           "check_ranges"]

_WEB = resources.files(__package__).joinpath("web")
_IDS = itertools.count()


class PageHTML:
    """HTML for a notebook's output (``_repr_html_``), with no dependency on IPython.

    Attributes
    ----------
    data : str
        The HTML.
    """

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"<PageHTML: {len(self.data.encode())} bytes>"


def model_source() -> str:
    """The JavaScript model (an ES module), as text."""
    return _WEB.joinpath("wbmodel.js").read_text(encoding="utf-8")


def js_params(params: WBParams) -> dict:
    """A :class:`~wbmodel.params.WBParams` as the JavaScript model's parameter object.

    Plain numbers in the paper's units and the wiring scheme (the names of
    :meth:`~wbmodel.WBParams.to_dict`).
    """
    return params.to_dict()


#: The explorer's controls, in the order they are drawn (names of WBParams; ``tau_syn`` is
#: 1/β; ``n_inputs`` is M with an all-to-all box; ``wiring`` a menu of the three schemes of
#: :mod:`wbmodel.wiring`). ``V0_spread`` (the initial V spread ΔV₀, mV), seed and duration
#: belong to the run: the initial V are uniform in
#: ``wbmodel.draws.V_range_of_spread(ΔV₀)`` = [−60 − ΔV₀/2, −60 + ΔV₀/2] mV (20: the paper's).
CONTROLS = ("I_app", "g_syn", "I_sigma", "tau_syn", "phi", "E_syn", "n_inputs", "wiring",
            "n_cells", "V0_spread", "seed", "duration")

#: Ranges of the controls (page units), what a slider reaches and a typed value is clamped to.
#: The one table of them: the page's explorer gets it in its config, the ipywidgets explorer
#: (:class:`wbmodel.widgets.Explorer`) reads it, and each lies inside WBParams' bounds
#: (:data:`wbmodel.params.LOWER_BOUNDS`; tests/test_params.py). Where the two explorers
#: differed (τ_syn and φ from 1 or 0.5, E_syn up to −50 or −40 mV), the page's wider ranges
#: were kept: both are fine for the model, and the page is where most readers explore.
RANGES = {"I_app": (-0.5, 5.0), "g_syn": (0.0, 1.0), "I_sigma": (0.0, 0.3),
          "tau_syn": (0.5, 40.0), "phi": (0.5, 10.0), "E_syn": (-90.0, -40.0),
          "n_inputs": (1, 999), "n_cells": (10, 1000), "V0_spread": (0.0, 20.0),
          "seed": (0, 2**31 - 1), "duration": (100.0, 5000.0)}

def check_ranges(values: dict) -> None:
    """Refuse a value outside its control's range (:data:`RANGES`), naming it.

    Both explorers start from values checked here: a slider or a bounded box would
    otherwise clamp them silently. Names without a range, and None (M: all-to-all), pass.

    Raises
    ------
    ValueError
        ``"g_syn = 5 is outside the explorer's range [0, 1]"``.
    """
    for k, v in values.items():
        if k in RANGES and v is not None and not RANGES[k][0] <= v <= RANGES[k][1]:
            v, lo, hi = (x if isinstance(x, int) else f"{x:g}" for x in (v, *RANGES[k]))
            raise ValueError(f"{k} = {v} is outside the explorer's range [{lo}, {hi}]")


#: Steps the page offers (ms). 0.04 ms keeps the f–I curve within 0.6 % (numerics chapter).
PAGE_DTS = (0.01, 0.02, 0.04)

#: Preset buttons, by label, each a change from the paper's network (page units).
PRESETS = {
    "Fig. 3A": {"phi": 5.0, "I_app": 1.0},
    "Fig. 3B": {"phi": 3.33, "I_app": 1.2},
    "Fig. 3C": {"phi": 2.0, "I_app": 1.4},
    "shunting inhibition": {"E_syn": -55.0},
    "strong heterogeneity": {"I_sigma": 0.1},
    "sparse M = 8": {"n_inputs": 8},
}


def _page_values(params: WBParams, duration_ms: float, dt_ms: float, seed: int,
                 V0_range=None) -> dict:
    """The explorer's starting values from WBParams (refused where a control cannot show it).

    The page draws from :func:`wbmodel.draws.V_range_of_spread` of its spread, so only a
    range of that form can start an explorer: one centred at −60 mV, whose spread
    :func:`wbmodel.draws.spread_of_V_range` finds.
    """
    from .result import check_V0_range

    d = js_params(params)
    v = {k: d[k] for k in ("I_app", "g_syn", "I_sigma", "phi", "E_syn", "n_inputs", "wiring",
                           "n_cells")}
    v.update(tau_syn=1.0 / d["beta"],
             V0_spread=draws.spread_of_V_range(*check_V0_range(V0_range)), seed=seed,
             duration=duration_ms, dt=dt_ms)
    check_ranges(v)
    paper = js_params(WBParams())
    moved = [k for k in ("alpha", "theta_syn", "g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L", "C")
             if d[k] != paper[k]]
    if moved:
        raise ValueError(f"{moved} differ from the paper's; "
                         "the explorer moves I_app, g_syn, I_sigma, tau_syn, phi, E_syn, M and "
                         "N; the other parameters must keep the paper's values")
    if dt_ms not in PAGE_DTS:
        raise ValueError(f"dt must be one of {PAGE_DTS} ms, got {dt_ms:g}")
    # float32 noise of the Quantities off; the spread is float64 already, and exact
    return {k: (round(x, 10) if isinstance(x, float) and k != "V0_spread" else x)
            for k, x in v.items()}


def browser_explorer(params: WBParams | None = None, duration=None, dt=None, seed: int = 0,
                     controls=None, presets=None, hash: bool = False, listen: bool = False,
                     height: int = 380, V0_range=None):
    """The network simulated live in the reader's browser: one self-contained HTML output.

    Every change of a control reruns the network in a Web Worker (a new value cancels the
    run in flight) and draws the raster, the population rate and two voltage traces while
    it runs; κ, the network frequency and the mean rate appear when it ends. Nothing is
    fetched: the model and the explorer are inlined, so the output works in a running
    notebook, in the built book served or opened from disk, and offline.

    Parameters
    ----------
    params : WBParams, optional
        Where the explorer starts (default: the paper's network). Only I_app, g_syn, I_sigma,
        τ_syn, φ, E_syn, M, the wiring and N can differ from the paper.
    duration, dt : Quantity, ms
        Length of a run (default 500 ms) and the step (default 0.02 ms; 0.01, 0.02 or 0.04).
    seed : int
        Seed of the draws (drives, initial V, wiring). The page draws exactly what
        :func:`wbmodel.simulate` draws from it (:mod:`wbmodel.draws`): the same network.
    controls : sequence of str, optional
        Which controls to show (names of :data:`CONTROLS`; default all).
    presets : sequence of str, optional
        Which preset buttons to show (labels of :data:`PRESETS`; default all).
    hash : bool
        Keep the parameters in the page's URL hash (``#wb:I_app=1.2&phi=3.33``), so that a
        link reproduces the run, and start from a hash the page was opened with.
    listen : bool
        Take parameters from ``wb-set-params`` events on the window (the precomputed maps of
        :func:`wbmodel.widgets.static_explorer` send them when a tile is clicked).
    height : int
        Height of the canvas in CSS pixels.
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, optional
        The range of the initial V to start from, as :func:`wbmodel.simulate` takes it
        (default: the paper's [−70, −50] mV). The page's control is its spread
        ΔV₀ = hi − lo (0 to 20 mV) around −60 mV, so the range must be centred there.

    Returns
    -------
    PageHTML
        Displays as the explorer in a notebook (``.data`` is the HTML).
    """
    import brainunit as u

    from .params import as_quantity

    params = WBParams() if params is None else params
    dur = 500.0 if duration is None else float(
        as_quantity("duration", duration, u.ms).to_decimal(u.ms))
    step = 0.02 if dt is None else float(as_quantity("dt", dt, u.ms).to_decimal(u.ms))
    values = _page_values(params, dur, round(step, 10), int(seed), V0_range)
    controls = list(CONTROLS if controls is None else controls)
    unknown = [c for c in controls if c not in CONTROLS]
    if unknown:
        raise ValueError(f"unknown controls {unknown}; choose from {CONTROLS}")
    names = list(PRESETS if presets is None else presets)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise ValueError(f"unknown presets {unknown}; choose from {list(PRESETS)}")
    config = {"params": values, "controls": controls,
              "presets": {n: PRESETS[n] for n in names}, "hash": bool(hash),
              "listen": bool(listen), "height": int(height), "ranges": RANGES,
              "dts": list(PAGE_DTS), "paper": _page_values(WBParams(), 500.0, 0.02, 0),
              "V_init_centre": draws.V_INIT_CENTRE}
    model, ui = model_source(), _WEB.joinpath("explorer.js").read_text(encoding="utf-8")
    css = _WEB.joinpath("explorer.css").read_text(encoding="utf-8")
    payload = json.dumps(config, separators=(",", ":"))
    uid = f"wb-live-{next(_IDS)}"
    for text in (model, ui, css, payload):
        if "</" in text:
            raise ValueError("an inlined source holds '</', which would end its element early")
    html = (f'<div class="wb-live-root" id="{uid}"></div>\n<style>{css}</style>\n'
            f'<script type="text/plain" id="{uid}-src">{model}</script>\n'
            # Found from this script, not the document: JupyterLab may run it in a node that
            # is not in the document yet.
            f'<script>{ui}\n(function (me) {{\n'
            f'  var scope = (me && me.parentNode) || document;\n'
            f'  var root = scope.querySelector("#{uid}");\n'
            f'  var src = scope.querySelector("#{uid}-src").textContent;\n'
            f'  window.WBLive.mount(root, {payload}, src);\n}})(document.currentScript);\n'
            f'</script>\n')
    return PageHTML(html)
