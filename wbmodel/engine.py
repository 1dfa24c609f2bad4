"""The engine that :func:`~wbmodel.simulate`, :func:`~wbmodel.sweep` and the cell runs share.

It turns a :class:`~wbmodel.params.WBParams` into the plain arrays a compiled program takes
(:func:`param_arrays`), draws what a run draws from its seed (:func:`draws_of`,
:func:`wiring_of`), builds the network inside a trace (:func:`build_network`), keeps every
compiled program in one bounded cache (:func:`program`, counted by :func:`compile_count`)
and wraps what a program returns in a :class:`~wbmodel.result.SimulationResult`
(:func:`make_result`). The checks of a run's arguments live here too, so that every entry
point refuses the same things with the same words.
"""

from __future__ import annotations

import collections
import math
from typing import Callable, Hashable

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from . import draws
from .network import WBNetwork, resolve_coupling
from .params import UA_PER_CM2, UNITS, WBParams, as_quantity
from .result import SimulationResult, V0_quantity
from .wiring import wiring_indices

__all__ = ["DEFAULT_DT", "MAX_DT", "TRACED", "SimulationDiverged", "n_steps_of", "frame_steps",
           "check_params", "check_seed", "check_finite", "param_arrays", "cell_kwargs",
           "draws_of", "wiring_of", "build_network", "CPU_COMPILER_OPTIONS", "jit", "program",
           "compile_count", "clear_programs", "MAX_PROGRAMS", "network_program",
           "make_result"]

#: Default integration step (see the numerics chapter for the accuracy it buys).
DEFAULT_DT = 0.01 * u.ms

#: The largest dt that :func:`~wbmodel.simulate` accepts. At 0.05 ms the f–I error already
#: reaches 1.1 % at some drives, where the period locks to a whole number of steps (0.04 ms
#: keeps the whole curve within 0.6 %). Above it the exponential-Euler step overshoots the
#: spike (its peak passes E_Na; the numerics chapter tabulates it) and the default network
#: loses its synchrony. It never produces NaN: it goes wrong quietly, so the bound is
#: enforced.
MAX_DT = 0.05 * u.ms

#: The parameters that enter a compiled program as traced numbers, with the unit each is
#: given in: every quantity field of WBParams (its own table, :data:`wbmodel.params.UNITS`).
TRACED = dict(UNITS)

_CELL_FIELDS = ("g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L", "C")
_SYNAPSE_FIELDS = ("g_syn", "E_syn", "alpha", "beta", "theta_syn")


class SimulationDiverged(FloatingPointError):
    """The state became NaN or infinite during a run."""


# -- checks of a run's arguments -----------------------------------------------------------

def n_steps_of(duration, dt, max_dt=None, name: str = "duration") -> int:
    """The number of steps of size ``dt`` in ``duration``; both must be positive times.

    ``max_dt`` (a time), if given, is the largest ``dt`` allowed. ``name`` is what
    ``duration`` is called in error messages (e.g. "raster_dt", "transient").

    Raises
    ------
    TypeError
        If either is not a time.
    ValueError
        If either is not positive, ``dt`` is above ``max_dt``, or ``duration`` is not a whole
        number of steps.
    """
    duration = as_quantity(name, duration, u.ms)
    dt = as_quantity("dt", dt, u.ms)
    d, h = float(duration.to_decimal(u.ms)), float(dt.to_decimal(u.ms))
    if not h > 0:
        raise ValueError(f"dt must be > 0 ms, got {dt}")
    if not d > 0:
        raise ValueError(f"{name} must be > 0 ms, got {duration}")
    if max_dt is not None and h > float(max_dt.to_decimal(u.ms)) * (1 + 1e-9):
        raise ValueError(f"dt = {dt} is above the accuracy bound {max_dt}: the exponential-"
                         "Euler step overshoots spikes there (see the numerics chapter)")
    steps = round(d / h)
    if steps < 1 or not math.isclose(steps * h, d, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(
            f"{name} must be a whole number of steps of dt: {duration} / {dt} = {d / h:g}")
    return steps


def frame_steps(raster_dt, dt, steps: int) -> int:
    """Steps per raster frame: ``raster_dt / dt``, a whole number dividing the run."""
    if raster_dt is None:
        return 1
    k = n_steps_of(raster_dt, dt, name="raster_dt")
    if steps % k:
        raise ValueError(f"duration must be a whole number of raster_dt = {raster_dt}")
    return k


def check_params(params) -> WBParams:
    """``params``, or the paper's network for None; anything else is a TypeError."""
    params = WBParams() if params is None else params
    if not isinstance(params, WBParams):
        raise TypeError(f"params must be a WBParams, got {type(params).__name__}")
    return params


def check_seed(seed) -> int:
    """A seed as an int in [0, 2**64 − 1] (ValueError otherwise)."""
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or not 0 <= seed <= draws.MAX_SEED):
        raise ValueError(f"seed must be an integer in [0, 2**64 - 1], got {seed!r}")
    return int(seed)


def check_finite(V_mean, frame_ms: float, dt_ms: float, where: str = "") -> None:
    """Raise :class:`SimulationDiverged` if the population mean V is ever NaN or infinite.

    A NaN or Inf in any cell's V, h, n or s reaches V within a step and then the mean, so
    this one check, on an array the run records anyway, catches every divergence.
    """
    bad = np.flatnonzero(~np.isfinite(np.asarray(V_mean)))
    if bad.size:
        raise SimulationDiverged(
            f"the state became NaN/Inf by t = {(bad[0] + 1) * frame_ms:g} ms{where} "
            f"(dt = {dt_ms:g} ms); try a smaller dt")


# -- parameters and draws ------------------------------------------------------------------

def param_arrays(params: WBParams) -> dict:
    """The traced parameters as plain numbers in the paper's units (brainstate's float type).

    Every field of :data:`TRACED`, plus ``phi``, ``in_degree`` (M, which sets the weight
    g_syn/M) and ``scaled`` (1 where each cell's weights are g_syn/k_i, its own in-degree:
    the "bernoulli_scaled" wiring).
    """
    dtype = brainstate.environ.dftype()
    theta = {k: jnp.asarray(getattr(params, k).to_decimal(unit), dtype)
             for k, unit in TRACED.items()}
    theta["phi"] = jnp.asarray(params.phi, dtype)
    theta["in_degree"] = jnp.asarray(params.in_degree, dtype)
    theta["scaled"] = jnp.asarray(params.wiring == "bernoulli_scaled", dtype)
    return theta


def cell_kwargs(theta: dict) -> dict:
    """Keyword arguments of :class:`~wbmodel.cell.WangBuzsakiCell` from :func:`param_arrays`."""
    kw = {k: theta[k] * TRACED[k] for k in _CELL_FIELDS}
    kw["phi"] = theta["phi"]
    return kw


def draws_of(params: WBParams, seed: int, V0_range=draws.V_INIT_RANGE):
    """Each cell's drive (µA/cm²) and initial V (mV), float32 arrays of shape (N,).

    ``V0_range``: (lo, hi) in mV, plain numbers (:func:`wbmodel.result.check_V0_range`).
    """
    I = draws.drives(float(params.I_app.to_decimal(UA_PER_CM2)),
                     float(params.I_sigma.to_decimal(UA_PER_CM2)), seed, params.n_cells)
    return I, draws.initial_V(seed, params.n_cells, V0_range)


def wiring_of(params: WBParams, seed: int):
    """The sparse wiring a run draws from its seed (None when all-to-all)."""
    if params.n_inputs is None:
        return None
    return wiring_indices(params.n_cells, params.n_inputs, params.wiring, seed)


def build_network(theta, I_cells, V0, pre_indices, n_cells, coupling="exact"):
    """Build and initialise the network from plain arrays (inside the trace).

    A sparse network's weight is g_syn / M with M = ``theta["in_degree"]``, or each cell's
    own in-degree k_i where ``theta["scaled"]`` is 1: traced values, so networks of
    different M and wiring share a program when their wiring arrays have one width (padded
    with N).
    """
    syn = {k: theta[k] * TRACED[k] for k in _SYNAPSE_FIELDS}
    # the draws are float32 (the page repeats them); the network runs in brainstate's precision
    dtype = brainstate.environ.dftype()
    I_cells, V0 = jnp.asarray(I_cells, dtype), jnp.asarray(V0, dtype)
    M = None
    if pre_indices is not None:
        k = jnp.sum(pre_indices < n_cells, axis=-1).astype(theta["in_degree"].dtype)
        M = jnp.where(theta["scaled"] > 0, jnp.maximum(k, 1), theta["in_degree"])
    net = WBNetwork(n_cells, I_app=I_cells * UA_PER_CM2, pre_indices=pre_indices,
                    n_inputs=M, coupling=coupling, V_initializer=V0 * u.mV, **syn,
                    **cell_kwargs(theta))
    brainstate.nn.init_all_states(net)
    return net


# -- compiled programs ---------------------------------------------------------------------

#: XLA options for wbmodel's compiled programs on the CPU. LLVM vectorises XLA's fused
#: element-wise loops for 256-bit registers by default; on a CPU with AVX-512 this asks for
#: 512 bits. What that gains depends on the machine: benchmarks/RESULTS.md records its
#: measurement, and the numerics chapter measures it again on the machine that builds the
#: book. Where there are no 512-bit registers LLVM uses the widest there are. Same results
#: as XLA's default build: bit for bit on this project's machines, within float32 rounding
#: anywhere (tests/test_simulation.py). GPUs get no options.
CPU_COMPILER_OPTIONS = {"xla_cpu_prefer_vector_width": "512"}


def jit(fn):
    """``jax.jit`` with :data:`CPU_COMPILER_OPTIONS` on the CPU."""
    cpu = jax.default_backend() == "cpu"
    return jax.jit(fn, compiler_options=CPU_COMPILER_OPTIONS if cpu else None)


#: How many compiled programs the cache keeps; the least recently used goes first. A
#: notebook that walks through durations, shapes and drives stays well inside it (a chapter
#: uses a few dozen), and a long session no longer keeps every program it ever built.
MAX_PROGRAMS = 64

_PROGRAMS: collections.OrderedDict = collections.OrderedDict()
_EVICTED = [0]  # compilations of programs the cache has let go


def program(key: Hashable, make: Callable[[], Callable]):
    """The compiled program for ``key``, built by ``make()`` the first time it is asked for.

    One cache for every program of the package (networks, sweeps, single cells, traces),
    bounded by :data:`MAX_PROGRAMS`. ``key`` must name the program's kind and every
    argument that decides its shape, e.g. ``("network", N, K, steps, dt, ...)``.
    """
    if key in _PROGRAMS:
        _PROGRAMS.move_to_end(key)
        return _PROGRAMS[key]
    fn = _PROGRAMS[key] = make()
    while len(_PROGRAMS) > MAX_PROGRAMS:
        _, old = _PROGRAMS.popitem(last=False)
        _EVICTED[0] += old._cache_size()
    return fn


def compile_count() -> int:
    """How many compilations the package's programs have cost so far, all kinds and shapes.

    It counts the programs the cache still holds and those it has let go, so it only ever
    grows: a run that reuses a program leaves it unchanged, a new shape adds one.
    """
    return _EVICTED[0] + sum(f._cache_size() for f in _PROGRAMS.values())


def clear_programs() -> None:
    """Forget every compiled program (the next run of each shape compiles again).

    For benchmarks and tests that time or count a first compilation, or that change
    :data:`CPU_COMPILER_OPTIONS`.
    """
    _EVICTED[0] = compile_count()
    _PROGRAMS.clear()


def network_program(n_cells: int, width: int | None, n_steps: int, dt_ms: float,
                    record: tuple, progress: bool, frame_steps: int = 1,
                    batched: bool = False, coupling: str = "auto"):
    """The jitted network simulation for one shape (built once per shape, then cached).

    ``width`` is the width K of a sparse network's wiring array (None: all-to-all). The
    run is cut into frames of ``frame_steps`` steps; per frame it returns the bit-packed
    spikes (a cell's bit is set if it spiked in any step of the frame), V of the ``record``
    cells and the population mean V at the frame's end. With ``batched`` every input has a
    leading batch axis (one network per row, ``jax.vmap``). Its inputs are
    ``(param_arrays(params), I_cells, V0, pre_indices)``.
    """
    coupling = resolve_coupling(coupling, sparse=width is not None)
    key = ("network", n_cells, width, n_steps, dt_ms, record, progress, frame_steps, batched,
           coupling)
    return program(key, lambda: _make_network_program(*key[1:]))


def _make_network_program(n_cells: int, width: int | None, n_steps: int, dt_ms: float,
                          record: tuple, progress: bool, frame_steps: int, batched: bool,
                          coupling: str):
    rec = np.asarray(record, dtype=np.int32)
    n_frames = n_steps // frame_steps
    sparse = width is not None

    def run(theta, I_cells, V0, pre_indices):
        net = build_network(theta, I_cells, V0, pre_indices if sparse else None, n_cells,
                            coupling)

        def frame(i):
            if frame_steps == 1:
                spikes = net.update()
            else:
                spikes = jnp.any(brainstate.transform.for_loop(
                    lambda _: net.update(), jnp.arange(frame_steps)), axis=0)
            V = net.cells.V.value.to_decimal(u.mV)
            return jnp.packbits(spikes, axis=-1), V[rec], jnp.mean(V)

        pbar = brainstate.transform.ProgressBar(count=20) if progress else None
        with brainstate.environ.context(dt=dt_ms * u.ms):
            packed, V_rec, V_mean = brainstate.transform.for_loop(
                frame, jnp.arange(n_frames), pbar=pbar)
        return packed, V_rec, V_mean

    if batched:
        run = jax.vmap(run, in_axes=(0, 0, 0, 0 if sparse else None))
        devices = jax.devices()
        if len(devices) > 1 and coupling == "event":
            # The sweep spreads the batch over the devices (sweeps._shard). Each device runs
            # its own rows: XLA cannot partition the event kernel (a custom call) itself and
            # would gather every row to every device at every step.
            P = jax.sharding.PartitionSpec
            run = jax.shard_map(run, mesh=jax.sharding.Mesh(np.array(devices), ("batch",)),
                                in_specs=(P("batch"),) * 4,
                                out_specs=P("batch"), check_vma=False)
    return jit(run)


def make_result(params: WBParams, dt, duration, seed: int, I_cells, packed, V_mean,
                frame_ms: float, V0_range, record=(), V_rec=None,
                pre_indices=None) -> SimulationResult:
    """A :class:`~wbmodel.result.SimulationResult` from what a network program returned.

    Parameters
    ----------
    params : WBParams
    dt, duration : Quantity, ms
        The step and the length of the run.
    seed : int
    I_cells : array, µA/cm² as plain numbers, shape (N,)
        Each cell's drive.
    packed : array of uint8, shape (frames, ceil(N/8))
        The bit-packed raster.
    V_mean : array, mV as plain numbers, shape (frames,)
    frame_ms : float
        The raster's resolution (ms).
    V0_range : (float, float)
        The range the initial V were drawn from (mV).
    record : sequence of int
        The cells in ``V_rec`` (none by default).
    V_rec : array, mV as plain numbers, shape (frames, len(record)), optional
    pre_indices : array of int, optional
        A sparse network's wiring.
    """
    packed = np.asarray(packed)
    if V_rec is None:
        V_rec = np.zeros((packed.shape[0], len(record)))
    return SimulationResult(
        params=params, dt=u.Quantity(dt).in_unit(u.ms),
        duration=u.Quantity(duration).in_unit(u.ms), seed=seed,
        I_app_cells=np.asarray(I_cells) * UA_PER_CM2, spikes_packed=packed,
        record_cells=np.asarray(record, dtype=np.int64), V=np.asarray(V_rec) * u.mV,
        V_mean=np.asarray(V_mean) * u.mV, pre_indices=pre_indices, raster_dt=frame_ms * u.ms,
        V0_range=V0_quantity(V0_range))
