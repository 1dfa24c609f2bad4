"""Run the network: one compiled program per shape, parameters passed in as arrays.

:func:`simulate` turns a :class:`~wbmodel.params.WBParams` into plain arrays, calls a program
compiled once for its shape (N, M, number of steps, dt, recorded cells) and wraps what comes
back in a :class:`SimulationResult`. A new drive, conductance or seed re-uses the program.
The parts it shares with :func:`~wbmodel.sweep` and the single-cell measures (the packing
of the parameters, the draws, the program cache, the checks) are :mod:`wbmodel.engine`'s;
this module re-exports the ones a user may want.
"""

from __future__ import annotations

from typing import Sequence

import brainunit as u
import jax.numpy as jnp
import numpy as np

from .engine import (
    CPU_COMPILER_OPTIONS,
    DEFAULT_DT,
    MAX_DT,
    SimulationDiverged,
    cell_kwargs,
    check_finite,
    check_params,
    check_seed,
    compile_count,
    draws_of,
    frame_steps,
    jit,
    make_result,
    n_steps_of,
    network_program,
    param_arrays,
    wiring_of,
)
from .params import UA_PER_CM2, WBParams
from .result import SimulationResult, check_V0_range

__all__ = ["simulate", "SimulationResult", "SimulationDiverged", "n_steps_of", "DEFAULT_DT",
           "param_arrays", "cell_kwargs", "check_finite", "compile_count", "MAX_DT",
           "CPU_COMPILER_OPTIONS", "jit", "initial_state", "check_V0_range"]


def initial_state(params: WBParams, seed: int = 0, V0_range=None) -> dict:
    """What :func:`~wbmodel.simulate` draws from ``seed`` before the first step.

    The drives and initial potentials (:mod:`wbmodel.draws`) and the wiring
    (:mod:`wbmodel.wiring`), drawn on the host with arithmetic that the page's JavaScript
    model (``wbmodel/web/wbmodel.js``) repeats exactly: the page draws the same network from
    the same seed.

    Parameters
    ----------
    params : WBParams
        The network.
    seed : int
        The run's seed.
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, optional
        The range the initial V are drawn from, as :func:`~wbmodel.simulate` takes it
        (default: the paper's [−70, −50] mV).

    Returns
    -------
    dict
        ``I_app_cells`` (µA/cm², shape (N,)), ``V0`` (mV, shape (N,); h and n start at
        their steady state for it, s at 0) and ``pre_indices`` (the sparse wiring, or None).
    """
    params, seed = check_params(params), check_seed(seed)
    I, V0 = draws_of(params, seed, check_V0_range(V0_range))
    return {"I_app_cells": I * UA_PER_CM2, "V0": V0 * u.mV,
            "pre_indices": wiring_of(params, seed)}


def _check_record(record, n_cells) -> tuple:
    if record is None:
        return tuple(range(min(5, n_cells)))
    cells = tuple(int(i) for i in np.atleast_1d(np.asarray(record, dtype=np.int64)))
    bad = [i for i in cells if not 0 <= i < n_cells]
    if bad:
        raise ValueError(f"record must list cell indices in [0, {n_cells - 1}], got {bad}")
    return cells


def simulate(
    params: WBParams | None = None,
    duration=500.0 * u.ms,
    dt=DEFAULT_DT,
    seed: int = 0,
    record: Sequence[int] | None = None,
    progress: bool | None = None,
    raster_dt=None,
    coupling: str = "auto",
    V0_range=None,
) -> SimulationResult:
    """Simulate the Wang–Buzsáki network.

    Parameters
    ----------
    params : WBParams, optional
        Model parameters (default: the paper's, ``WBParams()``).
    duration : Quantity, ms
        Simulated time; a whole number of steps.
    dt : Quantity, ms
        Integration step (default 0.01 ms; at most
        :data:`~wbmodel.engine.MAX_DT` = 0.05 ms).
    seed : int
        Seeds the drives I_app,i ~ Normal(I_app, I_sigma), the initial V (uniform in
        ``V0_range``) and, when ``n_inputs`` is set, the wiring.
    record : sequence of int, optional
        Cells whose membrane potential is kept at every step (default: the first five; the
        population mean is always kept).
    progress : bool, optional
        Show a progress bar; by default only for long runs (over 2·10⁷ cell-steps).
    raster_dt : Quantity, ms, optional
        Keep spikes and V at this resolution instead of every step (a multiple of ``dt``):
        memory falls by the ratio. Spike times are then the end of their frame.
    coupling : {"auto", "event", "exact"}
        How a sparse network sums its M inputs per cell: "exact" sums them at every step;
        "event" keeps a running sum that only the cells near a spike update
        (:mod:`wbmodel.events`; 2–3× faster at M ≥ 50, same spike counts within one spike).
        "auto" (default) takes "event" where it runs (JAX on the CPU, float32).
        All-to-all networks ignore it.
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, optional
        The initial V of cell i is lo + (hi − lo)·u_i, u_i uniform in [0, 1) from the seed
        (:func:`wbmodel.draws.initial_V`); h and n start at their steady state for it.
        Default ``None``: the paper's [−70, −50] mV, so a run without it is the run it always
        was. A narrower range starts the network closer to synchrony; lo == hi starts every
        cell identical (the exactly synchronous start). E.g. ``[-62.5, -57.5] * u.mV``, or
        ``wb.draws.V_range_of_spread(5.0)`` as ``(lo * u.mV, hi * u.mV)`` (what the page's
        "initial V spread" control draws; a list times ``u.mV`` is float32: see
        ``wbmodel.result.check_V0_range``).

    Returns
    -------
    SimulationResult

    Raises
    ------
    TypeError
        If ``V0_range`` is not a voltage.
    ValueError
        If ``V0_range`` is not two finite values with lo <= hi (or another argument is bad).
    SimulationDiverged
        If the state becomes NaN or infinite (the message gives the time; use a smaller dt).

    Notes
    -----
    The program is compiled once per (N, M, steps, dt, raster_dt, record, progress); parameter
    values and the seed are inputs, so changing them does not recompile. On the CPU it is
    built with :data:`~wbmodel.engine.CPU_COMPILER_OPTIONS`.
    """
    params = check_params(params)
    steps = n_steps_of(duration, dt, MAX_DT)
    dt_ms = float(u.Quantity(dt).to_decimal(u.ms))
    per_frame = frame_steps(raster_dt, dt, steps)
    seed = check_seed(seed)
    V_range = check_V0_range(V0_range)
    n = params.n_cells
    record = _check_record(record, n)
    if progress is None:
        progress = n * steps > 2e7
    I_cells, V0 = draws_of(params, seed, V_range)
    pre = wiring_of(params, seed)
    program = network_program(n, None if pre is None else pre.shape[1], steps, dt_ms, record,
                              bool(progress), per_frame, coupling=coupling)
    packed, V_rec, V_mean = program(
        param_arrays(params), I_cells, V0,
        jnp.zeros((0, 0), jnp.int32) if pre is None else jnp.asarray(pre))
    V_mean = np.asarray(V_mean)
    check_finite(V_mean, dt_ms * per_frame, dt_ms)
    return make_result(params, dt, duration, seed, I_cells, packed, V_mean, dt_ms * per_frame,
                       V_range, record=record, V_rec=V_rec, pre_indices=pre)
