"""Single-cell measures: the f–I curve, the rheobase and the spike afterhyperpolarisation.

Many drives are simulated at once, as uncoupled cells in one population (one compiled program
per shape); each cell starts at rest. Spike times are the upward crossings of 0 mV,
interpolated linearly within the step, so rates are accurate well below 1/dt.
"""

from __future__ import annotations

import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

from .cell import SPIKE_THRESHOLD, m_inf
from .engine import DEFAULT_DT, cell_kwargs, jit, n_steps_of, param_arrays, program
from .numerics import INTEGRATORS, make_cells
from .params import UA_PER_CM2, WBParams, as_quantity

__all__ = ["fi_curve", "rheobase", "ahp_trough", "CellSummary", "run_cells", "trace",
           "V_REST_START"]

#: Every single-cell run starts here, with h and n at their steady state.
V_REST_START = -65.0 * u.mV


def _cells_at_rest(method: str, n: int, I, theta):
    """``n`` uncoupled cells driven by ``I`` (µA/cm², plain), all starting at V_REST_START."""
    V0 = jnp.full((n,), float(V_REST_START.to_decimal(u.mV))) * u.mV
    return make_cells(method, n, I * UA_PER_CM2, V0, cell_kwargs(theta))


def _program(n: int, n_steps: int, dt_ms: float, start_step: int, method: str):
    """The compiled run of ``n`` uncoupled cells (from the package's one program cache)."""
    return program(("cells", n, n_steps, dt_ms, start_step, method),
                   lambda: _make_program(n, n_steps, dt_ms, start_step, method))


def _make_program(n: int, n_steps: int, dt_ms: float, start_step: int, method: str):
    thr = float(SPIKE_THRESHOLD.to_decimal(u.mV))

    def run(I, theta):
        cell, advance = _cells_at_rest(method, n, I, theta)
        count = brainstate.ShortTermState(jnp.zeros(n, jnp.int32))
        first = brainstate.ShortTermState(jnp.full(n, jnp.nan))
        last = brainstate.ShortTermState(jnp.full(n, jnp.nan))
        v_min = brainstate.ShortTermState(jnp.full(n, jnp.inf))
        v_max = brainstate.ShortTermState(jnp.full(n, -jnp.inf))

        def step(i):
            V0 = cell.V.value.to_decimal(u.mV)
            advance()
            V1 = cell.V.value.to_decimal(u.mV)
            spike = (V0 < thr) & (V1 >= thr)
            measuring = i >= start_step
            # Crossing time within the step, by linear interpolation of V.
            t_cross = (i + (thr - V0) / (V1 - V0)) * dt_ms
            hit = spike & measuring
            count.value = count.value + hit
            first.value = jnp.where(hit & jnp.isnan(first.value), t_cross, first.value)
            last.value = jnp.where(hit, t_cross, last.value)
            v_min.value = jnp.where(measuring, jnp.minimum(v_min.value, V1), v_min.value)
            v_max.value = jnp.where(measuring, jnp.maximum(v_max.value, V1), v_max.value)

        with brainstate.environ.context(dt=dt_ms * u.ms):
            brainstate.transform.for_loop(step, jnp.arange(n_steps))
        return count.value, first.value, last.value, v_min.value, v_max.value

    return jit(run)


class CellSummary(dict):
    """Per-drive results of :func:`run_cells` (a dict of arrays, also readable as attributes)."""

    __getattr__ = dict.__getitem__


def _as_drives(I_values) -> np.ndarray:
    I = as_quantity("I_values", I_values, UA_PER_CM2)
    I = np.atleast_1d(np.asarray(I.to_decimal(UA_PER_CM2), dtype=np.float64))
    if I.ndim != 1 or I.size == 0:
        raise ValueError(f"I_values must be a non-empty 1-D array of drives, got shape {I.shape}")
    return I


def run_cells(I_values, phi=None, params: WBParams | None = None, duration=2000.0 * u.ms,
              transient=500.0 * u.ms, dt=DEFAULT_DT, method: str = "exp_euler") -> CellSummary:
    """Simulate one uncoupled cell per drive and summarise its steady state.

    Parameters
    ----------
    I_values : Quantity, µA/cm², shape (K,)
        Drives.
    phi : float, optional
        Temperature factor (default: ``params.phi``).
    params : WBParams, optional
        Cell parameters (conductances, reversals, C; default: the paper's).
    duration, transient : Quantity, ms
        Length of the run and of the initial part that is not measured.
    dt : Quantity, ms
        Integration step.
    method : str
        Integration scheme, a key of :data:`wbmodel.numerics.INTEGRATORS` (default: the
        cell's own staggered exponential Euler).

    Returns
    -------
    CellSummary
        ``I`` (µA/cm²), ``count`` (spikes after the transient), ``first``/``last`` (their
        interpolated times, ms), ``rate`` (Hz: (count − 1)/(last − first), 0 with < 2 spikes),
        ``V_min``/``V_max`` (extremes of V after the transient, mV).
    """
    I = _as_drives(I_values)
    params = WBParams() if params is None else params
    if phi is not None:
        params = params.replace(phi=phi)
    steps = n_steps_of(duration, dt)
    start = (n_steps_of(transient, dt, name="transient")
             if float(u.Quantity(transient).to_decimal(u.ms)) > 0 else 0)
    if start >= steps:
        raise ValueError(f"transient ({transient}) must be shorter than duration ({duration})")
    dt_ms = float(u.Quantity(dt).to_decimal(u.ms))
    I = jnp.asarray(I, brainstate.environ.dftype())
    if method not in INTEGRATORS:
        raise ValueError(f"method must be one of {sorted(INTEGRATORS)}, got {method!r}")
    out = _program(I.size, steps, dt_ms, start, method)(I, param_arrays(params))
    count, first, last, v_min, v_max = (np.asarray(x) for x in out)
    span = last - first
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(count >= 2, (count - 1) / span * 1e3, 0.0)
    return CellSummary(I=np.asarray(I), count=count, first=first, last=last, rate=rate, V_min=v_min,
                       V_max=v_max)


def fi_curve(I_values, phi=None, params: WBParams | None = None, duration=2000.0 * u.ms,
             transient=500.0 * u.ms, dt=DEFAULT_DT, method: str = "exp_euler"):
    """Steady firing rate of the single cell for each drive (all drives in one run).

    Parameters
    ----------
    I_values : Quantity, µA/cm²
        Drives.
    phi : float, optional
        Temperature factor (default ``params.phi``, 5).
    params, duration, transient, dt, method
        See :func:`run_cells`. A rate below about 1/(duration − transient) reads as 0.

    Returns
    -------
    Quantity, Hz, shape (K,)
    """
    return run_cells(I_values, phi, params, duration, transient, dt, method).rate * u.Hz


def rheobase(phi=None, params: WBParams | None = None, bracket=(0.0, 1.0) * UA_PER_CM2,
             tol=1e-4 * UA_PER_CM2, duration=3000.0 * u.ms, transient=500.0 * u.ms,
             dt=DEFAULT_DT, points: int = 16):
    """The smallest drive at which the cell fires repetitively (µA/cm²).

    A drive "fires" when it gives at least two spikes after the transient. The bracket is
    narrowed by a batched bisection: each round simulates ``points`` drives at once and keeps
    the interval between the last silent and the first firing one, until it is shorter than
    ``tol``. For this class-1 cell the rate near rheobase grows like √(I − I_rh), so the
    finite window biases the estimate up by about (1/(k·T))², k ≈ 65 Hz/√(µA/cm²): a few
    10⁻⁴ µA/cm² for a 2.5 s window.

    Returns
    -------
    Quantity, µA/cm²
        The midpoint of the final bracket.

    Raises
    ------
    ValueError
        If the lower end of ``bracket`` already fires or the upper end does not.
    """
    lo, hi = (float(x) for x in np.asarray(as_quantity("bracket", bracket, UA_PER_CM2)
                                           .to_decimal(UA_PER_CM2)))
    tol = float(as_quantity("tol", tol, UA_PER_CM2).to_decimal(UA_PER_CM2))

    def fires(I):
        return run_cells(I * UA_PER_CM2, phi, params, duration, transient, dt).count >= 2

    ends = fires(np.array([lo, hi]))
    if ends[0] or not ends[1]:
        raise ValueError(f"the bracket [{lo}, {hi}] µA/cm² must go from silent to firing, "
                         f"got silent={not ends[0]}, firing={bool(ends[1])}")
    while hi - lo > tol:
        grid = np.linspace(lo, hi, points + 2)[1:-1]
        f = fires(grid)
        k = int(np.argmax(f)) if f.any() else points
        hi = grid[k] if k < points else hi
        lo = grid[k - 1] if k > 0 else lo
    return 0.5 * (lo + hi) * UA_PER_CM2


def ahp_trough(I_app=1.0 * UA_PER_CM2, phi=None, params: WBParams | None = None,
               duration=1000.0 * u.ms, transient=500.0 * u.ms, dt=DEFAULT_DT):
    """Minimum of V between spikes during steady firing: the afterhyperpolarisation trough.

    Parameters
    ----------
    I_app : Quantity, µA/cm², scalar or shape (K,)
        Drive(s); each must make the cell fire repetitively.
    phi : float, optional
        Temperature factor; a smaller φ slows h and n and deepens the trough.

    Returns
    -------
    Quantity, mV (same shape as ``I_app``)

    Raises
    ------
    ValueError
        If a drive does not make the cell fire repetitively.
    """
    s = run_cells(I_app, phi, params, duration, transient, dt)
    if np.any(s.count < 2):
        raise ValueError(f"the AHP trough needs repetitive firing; drives {s.I[s.count < 2]} "
                         "µA/cm² do not fire")
    v = s.V_min * u.mV
    return v[0] if np.ndim(u.get_mantissa(I_app)) == 0 else v


def trace(I_app=1.0 * UA_PER_CM2, phi=None, params: WBParams | None = None,
          duration=100.0 * u.ms, dt=DEFAULT_DT):
    """One cell's V, h, n and m∞ over time, starting at rest (for figures).

    Returns
    -------
    CellSummary
        ``t`` (ms), ``V`` (mV), ``h``, ``n``, ``m_inf``, each of shape (steps,).
    """
    I = _as_drives(I_app)
    if I.size != 1:
        raise ValueError("trace takes one drive")
    params = WBParams() if params is None else params
    if phi is not None:
        params = params.replace(phi=phi)
    steps = n_steps_of(duration, dt)
    dt_ms = float(u.Quantity(dt).to_decimal(u.ms))
    V, h, n = (np.asarray(x)[:, 0] for x in _trace_program(steps, dt_ms)(
        jnp.asarray(I, brainstate.environ.dftype()), param_arrays(params)))
    return CellSummary(t=dt_ms * np.arange(1, steps + 1), V=V, h=h, n=n,
                       m_inf=np.asarray(m_inf(V * u.mV)))


def _trace_program(n_steps: int, dt_ms: float):
    """The compiled trace of one cell (from the package's one program cache)."""
    return program(("trace", n_steps, dt_ms), lambda: _make_trace_program(n_steps, dt_ms))


def _make_trace_program(n_steps: int, dt_ms: float):

    def run(I, theta):
        cell, advance = _cells_at_rest("exp_euler", 1, I, theta)

        def step(i):
            advance()
            return cell.V.value.to_decimal(u.mV), cell.h.value, cell.n.value

        with brainstate.environ.context(dt=dt_ms * u.ms):
            return brainstate.transform.for_loop(step, jnp.arange(n_steps))

    return jit(run)
