"""Parameter sweeps: many networks in one compiled program along a batch axis.

:func:`sweep` expands a grid of parameter values × seeds into networks, groups them by shape
(N, M), runs each group in chunks of one fixed batch size (so a group compiles once), shards
the batch axis over every JAX device (of every process, under ``jax.distributed``), and
reduces each network to a row of a table with the same analysis functions the notebooks use.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import math
from typing import Callable, Mapping, Sequence

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from . import analysis, draws, persistence
from .engine import (
    DEFAULT_DT,
    MAX_DT,
    check_finite,
    check_params,
    check_seed,
    draws_of,
    frame_steps,
    make_result,
    n_steps_of,
    network_program,
    param_arrays,
    wiring_of,
)
from .network import resolve_coupling
from .params import UNITS, WBParams
from .result import SimulationResult, check_V0_range
from .wiring import wiring_width

__all__ = ["sweep", "default_summary", "expand_grid"]

_GRID_NAMES = set(UNITS) | {"phi", "n_cells", "n_inputs", "wiring", "tau_syn"}
_UNITS = UNITS | {"tau_syn": u.ms}


def default_summary(result: SimulationResult, start=None) -> dict:
    """κ, network frequency (spectral and from the rate) and mean rate of one run.

    A measure that is undefined because the window holds too few spikes (a silent
    network: :class:`wbmodel.analysis.SilentWindow`) is NaN. Every other error, a window
    outside the run among them, is raised.
    """
    row = {}
    for name, fn in (("kappa", lambda: analysis.coherence(result, start=start)),
                     ("frequency", lambda: analysis.network_frequency(result, start=start)),
                     ("frequency_rate", lambda: analysis.network_frequency(
                         result, start=start, method="rate")),
                     ("mean_rate", lambda: analysis.mean_rate(result, start=start))):
        try:
            v = fn()
        except analysis.SilentWindow:
            v = math.nan
        row[name] = float(v.to_decimal(u.Hz)) if isinstance(v, u.Quantity) else float(v)
    return row


def _grid_values(name, values) -> list:
    if name not in _GRID_NAMES:
        raise ValueError(f"unknown grid parameter {name!r}; allowed: {sorted(_GRID_NAMES)}")
    if isinstance(values, u.Quantity):
        values = [values[i] for i in range(values.size)] if values.ndim else [values]
    values = list(values)
    if not values:
        raise ValueError(f"grid parameter {name!r} has an empty list of values")
    return values


def expand_grid(params: WBParams, grid) -> list[tuple[dict, WBParams]]:
    """The grid's points, as (point, params) pairs.

    ``grid`` is either a mapping of names to lists of values (every combination is a point)
    or a sequence of mappings (each one point, e.g. ``[{"I_app": x, "I_sigma": 0.02 * x}, …]``).
    ``point`` maps each name to its value as a plain number in the paper's unit (ms for
    ``tau_syn``); ``params`` is ``params`` with those values (validated).
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid must not be empty")
        names = list(grid)
        lists = [_grid_values(n, grid[n]) for n in names]
        combos = [dict(zip(names, c, strict=True)) for c in itertools.product(*lists)]
    elif isinstance(grid, Sequence) and grid and all(isinstance(g, Mapping) for g in grid):
        for g in grid:
            for n in g:
                _grid_values(n, [g[n]])
        combos = [dict(g) for g in grid]
    else:
        raise ValueError("grid must be a non-empty mapping of parameter name to values, "
                         "or a non-empty list of such mappings (one per point)")
    out = []
    for changes in combos:
        p = params.replace(**changes)
        point = {}
        for n, v in changes.items():
            if n in _UNITS:
                # Quantities may hold float32: keep the 7 significant digits it carries, so
                # that 0.2 mS/cm² reads back as 0.2 rather than 0.20000000298.
                point[n] = float(f"{float(u.Quantity(v).to_decimal(_UNITS[n])):.7g}")
            else:
                point[n] = v
        out.append((point, p))
    return out


def _default_frame_steps(dt_ms: float, steps: int) -> int:
    """Steps per frame of about 0.1 ms: the fewest, at least 0.1 ms, that divide the run.

    A run shorter than 0.1 ms is one frame.
    """
    first = max(1, math.ceil(0.1 / dt_ms - 1e-9))
    return next((k for k in range(first, steps + 1) if steps % k == 0), steps)


def _batch_size(n_jobs, n_cells, n_frames, memory_budget, n_devices) -> int:
    per_run = n_frames * (math.ceil(n_cells / 8) + 4) + n_cells * 64  # raster + V_mean + state
    b = max(1, min(n_jobs, memory_budget // per_run))
    return max(n_devices, (b // n_devices) * n_devices)


def _shard(tree):
    """Spread the leading (batch) axis over every JAX device, if there are several.

    With several processes (``jax.distributed``) every process holds the same inputs and
    places only the rows of its own devices.
    """
    devices = jax.devices()
    if len(devices) == 1:
        return tree
    mesh = jax.sharding.Mesh(np.array(devices), ("batch",))
    spec = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    if jax.process_count() == 1:
        return jax.device_put(tree, spec)

    def place(x):
        x = np.asarray(x)
        return jax.make_array_from_callback(x.shape, spec, lambda index: x[index])

    return jax.tree.map(place, tree)


def _gather(x) -> np.ndarray:
    """A program's output as a NumPy array on this process (all rows, from every process)."""
    if x.is_fully_addressable:
        return np.asarray(x)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(x, tiled=True))


def sweep(
    params: WBParams | None,
    grid,
    seeds: Sequence[int] = (0,),
    duration=1000.0 * u.ms,
    dt=DEFAULT_DT,
    summary: Callable[[SimulationResult], dict] | None = None,
    start=None,
    raster_dt=None,
    batch_size: int | None = None,
    memory_budget: int = 512 * 2**20,
    store=None,
    progress: bool | None = None,
    coupling: str = "auto",
    V0_range=None,
):
    """Simulate every grid point × seed and summarise each run in one row of a table.

    Parameters
    ----------
    params : WBParams or None
        The fixed parameters (default: the paper's).
    grid : mapping of str to sequence, or sequence of mappings
        Parameter name → values (Quantities with units, or plain numbers for ``phi``,
        ``n_cells``, ``n_inputs``; strings for ``wiring``); ``tau_syn`` sets β = 1/τ_syn.
        The sweep covers the Cartesian product. A list of mappings gives the points one by
        one instead (for parameters that move together).
    seeds : sequence of int
        Seeds run at every point (the same seeds everywhere: common random numbers, so
        differences between points are not seed noise).
    duration, dt : Quantity, ms
        Length and step of each run.
    summary : callable, optional
        ``summary(result) -> dict`` of numbers for each run; by default
        :func:`~wbmodel.sweeps.default_summary` (κ, frequency, frequency_rate, mean_rate,
        after the transient or from ``start``).
    start : Quantity, ms, optional
        Start of the analysis window for the default summary (default: after the
        transient, :func:`wbmodel.analysis.check_window`). Checked before any run. A
        ``summary`` of one's own sets its own window, so it cannot be combined with
        ``start``.
    raster_dt : Quantity, ms, optional
        Resolution of the spike raster kept for the summary. By default about 0.1 ms: the
        fewest whole steps of dt, at least 0.1 ms, that divide the run (0.1 ms at dt = 0.01,
        0.02 or 0.05 ms; 0.16 ms for 1 s at 0.04 ms). That is fine for κ with τ ≥ 1 ms and
        for 1 ms population-activity bins.
    batch_size : int, optional
        Networks per compiled call; by default as many as fit ``memory_budget`` bytes of
        rasters. All chunks of a shape use the same size (the last is padded), so each
        shape compiles once.
    store : path-like, optional
        A folder that keeps the rows as they come (:class:`wbmodel.persistence.SweepStore`):
        each finished batch is written in one transaction, keyed by its point and seed.
        Calling again with the same store skips the (point, seed) pairs already there and
        computes only the rest, so a sweep killed at any moment resumes where it stopped.
        The store remembers the model version, the fixed parameters, duration, dt, the
        raster resolution, the range of the initial V and the summary; a call that differs
        is refused (:class:`~wbmodel.persistence.StoreMismatchError`, naming each
        difference).
        Read it with :func:`wbmodel.persistence.read_store`.
    progress : bool, optional
        Show a progress bar of the runs done and to go (default: when ``store`` is given).
    coupling : {"auto", "event", "exact"}
        How sparse networks sum their inputs (see :func:`~wbmodel.simulate`).
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, optional
        The range the initial V of every run are drawn from (see :func:`~wbmodel.simulate`;
        default: the paper's [−70, −50] mV).

    Returns
    -------
    pandas.DataFrame
        One row per (point, seed): the grid values (paper units), ``seed``, then the summary.

    Raises
    ------
    ValueError
        For an unknown grid name, an empty list or invalid values (named), a bad
        ``V0_range``, or a ``start`` outside the run (or given with a ``summary``): all
        before any run.
    TypeError
        If ``V0_range`` is not a voltage.
    SimulationDiverged
        If a run produces NaN/Inf (the message names the point).
    wbmodel.persistence.StoreMismatchError
        If ``store`` holds rows of a different call.

    Notes
    -----
    The batch axis is sharded over ``jax.devices()``: every GPU of a machine, the host
    devices XLA was asked for, or, after ``jax.distributed.initialize``, the devices of every
    process. Each process then runs the same call and gets the whole table; with a store,
    each process writes its share of every batch to its own shard.
    """
    import pandas as pd

    params = check_params(params)
    seeds = [check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must not be empty")
    V_range = check_V0_range(V0_range)
    steps = n_steps_of(duration, dt, MAX_DT)
    dt_ms = float(u.Quantity(dt).to_decimal(u.ms))
    per_frame = (frame_steps(raster_dt, dt, steps) if raster_dt is not None
                 else _default_frame_steps(dt_ms, steps))
    frame_ms = dt_ms * per_frame
    if summary is not None and start is not None:
        raise ValueError("start is the default summary's window; a summary of your own "
                         "chooses its window itself: pass start to it, not to sweep")
    lo, hi = analysis.check_window(steps * dt_ms * u.ms, start)  # refused here, not as NaN
    if summary is None and hi - lo < 1.0:
        raise ValueError(f"the default summary's window ({lo:g}, {hi:g}] ms is shorter than "
                         "its 1 ms bins of population activity")
    summarise = summary or (lambda r: default_summary(r, start=start))
    jobs = [(point, p, s) for point, p in expand_grid(params, grid) for s in seeds]
    n_dev = len(jax.devices())

    rows = [None] * len(jobs)
    db = None
    if store is not None:
        db = persistence.SweepStore(store, _store_meta(params, steps * dt_ms, dt_ms, frame_ms,
                                                       summary, start, V_range),
                                    shard=jax.process_index())
        kept = {(p, s): r for p, s, r in db.rows()}
        for k, (point, _, seed) in enumerate(jobs):
            row = kept.get((persistence.point_key(point), seed))
            if row is not None:
                rows[k] = {**point, "seed": seed, **row}
    todo = [k for k in range(len(jobs)) if rows[k] is None]
    bar = _progress(len(jobs), len(jobs) - len(todo),
                    progress if progress is not None else store is not None)

    def chunks():
        """(program, members, inputs, drives) of every batch, grouped by program."""
        # With the event-driven sum, the networks of one N share a program whatever their M
        # (wiring padded to the group's widest); the exact sum pays for padding, so there
        # each M is its own group.
        pad = resolve_coupling(coupling, sparse=any(jobs[k][1].n_inputs is not None
                                                    for k in todo)) == "event"
        groups: dict = {}
        for k in todo:
            p = jobs[k][1]
            sparse = p.n_inputs is not None
            key = (p.n_cells, sparse, None if pad or not sparse else (p.n_inputs, p.wiring))
            groups.setdefault(key, []).append(k)
        for (n, sparse, _), members in groups.items():
            width = max(wiring_width(n, jobs[k][1].n_inputs, jobs[k][1].wiring)
                        for k in members) if sparse else None
            B = batch_size or _batch_size(len(members), n, steps // per_frame,
                                          memory_budget, n_dev)
            B = -(-B // n_dev) * n_dev  # a multiple of the device count, to shard evenly
            program = network_program(n, width, steps, dt_ms, (), False, per_frame, True,
                                      coupling)
            for c in range(0, len(members), B):
                chunk = members[c:c + B]
                padded = chunk + [chunk[-1]] * (B - len(chunk))
                thetas = [param_arrays(jobs[k][1]) for k in padded]
                theta = {name: jnp.stack([t[name] for t in thetas]) for name in thetas[0]}
                I, V0 = (np.stack(x) for x in zip(
                    *(draws_of(*jobs[k][1:], V_range) for k in padded), strict=True))
                if sparse:
                    pre = np.stack([_padded(wiring_of(*jobs[k][1:]), width, n) for k in padded])
                    args = _shard((theta, I, V0, pre))
                else:
                    args = (*_shard((theta, I, V0)), np.zeros((0, 0), np.int32))
                yield program, chunk, args, I

    def finish(chunk, outs, I):
        """Summarise one finished batch into its rows (and the store)."""
        packed, _, V_mean = (_gather(x) for x in outs)
        for b, k in enumerate(chunk):
            point, p, seed = jobs[k]
            check_finite(V_mean[b], frame_ms, dt_ms, where=f" at {point}, seed {seed}")
            res = make_result(p, dt_ms * u.ms, steps * dt_ms * u.ms, seed, I[b], packed[b],
                              V_mean[b], frame_ms, V_range)
            rows[k] = {**point, "seed": seed, **_plain(summarise(res))}
        if db is not None:  # this process's share of the batch, in one transaction
            share = chunk[jax.process_index()::jax.process_count()]
            db.write([(jobs[k][0], jobs[k][2], _summary_of(rows[k], jobs[k][0]))
                      for k in share])
        bar.update(len(chunk))

    try:
        # JAX runs a program asynchronously: the next batch is compiled and started before
        # the last one is summarised, so analysis and compilation overlap the simulation.
        pending = None
        for program, chunk, args, I in chunks():
            outs = program(*args)
            if pending is not None:
                finish(*pending)
            pending = (chunk, outs, I)
        if pending is not None:
            finish(*pending)
    finally:
        bar.close()
        if db is not None:
            db.close()
    return pd.DataFrame(rows)


def _padded(pre: np.ndarray, width: int, n_cells: int) -> np.ndarray:
    """A wiring array widened to ``width`` columns with the padding index N (a silent source)."""
    out = np.full((pre.shape[0], width), n_cells, dtype=pre.dtype)
    out[:, :pre.shape[1]] = pre
    return out


def _plain(row: dict) -> dict:
    """A summary row with plain Python numbers (NumPy scalars become floats and ints)."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}


def _summary_of(row: dict, point: dict) -> dict:
    return {k: v for k, v in row.items() if k not in point and k != "seed"}


def summary_fingerprint(summary) -> str:
    """A short hash of a summary function's code: what a store's rows depend on.

    Its name alone does not tell two lambdas (both ``__main__.<lambda>``) or two versions of
    one function apart, so the bytecode, the constants (nested functions' too), the names
    it uses and its default arguments are hashed. Values it captures from an enclosing
    scope are not: change those and the name, or use another store. A callable without
    code (a class instance, a ``functools.partial``) is hashed by its type's qualified name
    and its ``repr``.
    """
    h = hashlib.sha256()

    def walk(code):
        h.update(code.co_code)
        h.update(repr(code.co_names).encode())
        for const in code.co_consts:
            if inspect.iscode(const):
                walk(const)
            else:
                h.update(repr(const).encode())

    fn = getattr(summary, "__func__", summary)  # a bound method: its function
    code = getattr(fn, "__code__", None)
    if code is None:
        h.update(f"{type(summary).__qualname__}:{summary!r}".encode())
    else:
        walk(code)
        h.update(repr(getattr(fn, "__defaults__", None)).encode())
        h.update(repr(getattr(fn, "__kwdefaults__", None)).encode())
    return h.hexdigest()[:16]


def _store_meta(params, duration_ms, dt_ms, frame_ms, summary, start,
                V_range=draws.V_INIT_RANGE) -> dict:
    """What a stored row depends on: a store written by any other call is refused.

    The range of the initial V, ``V_range`` ((lo, hi) in mV, plain numbers), is kept (as
    ``V0_range_mV``) only when it is not the paper's: stores written before the range could
    change (all the paper's) then resume as they did.
    """
    if summary is None:
        start_ms = None if start is None else float(u.Quantity(start).to_decimal(u.ms))
        name = f"wbmodel.sweeps.default_summary(start={start_ms})"
    else:
        name = (f"{getattr(summary, '__module__', '?')}."
                f"{getattr(summary, '__qualname__', summary)} [{summary_fingerprint(summary)}]")
    meta = {"model_version": persistence.versions()["wbmodel"], "params": params.to_dict(),
            "duration_ms": duration_ms, "dt_ms": dt_ms, "raster_dt_ms": frame_ms,
            "summary": name}
    if tuple(V_range) != draws.V_INIT_RANGE:
        meta["V0_range_mV"] = list(V_range)
    return meta


def _progress(total: int, done: int, show: bool):
    """A progress bar of runs (tqdm), starting at the runs already in the store."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, unit="run", desc="sweep",
                disable=not show or jax.process_index() != 0)
