"""Run the network: one compiled program per shape, parameters passed in as arrays.

:func:`simulate` turns a :class:`~wbmodel.params.WBParams` into plain arrays, calls a program
compiled once for its shape (N, M, number of steps, dt, recorded cells) and wraps what comes
back in a :class:`SimulationResult`. A new drive, conductance or seed re-uses the program.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Sequence

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from . import draws, persistence
from .network import WBNetwork, resolve_coupling
from .params import MS_PER_CM2, PER_MS, UA_PER_CM2, UF_PER_CM2, WBParams, as_quantity
from .wiring import wiring_indices

__all__ = ["simulate", "SimulationResult", "SimulationDiverged", "n_steps_of", "DEFAULT_DT",
           "param_arrays", "cell_kwargs", "check_finite", "compile_count", "MAX_DT",
           "CPU_COMPILER_OPTIONS", "jit", "initial_state", "check_V0_range"]

#: Default integration step (see the numerics chapter for the accuracy it buys).
DEFAULT_DT = 0.01 * u.ms

#: The largest dt that :func:`~wbmodel.simulate` accepts. At 0.05 ms the f–I error already
#: reaches 1.1 % at some drives, where the period locks to a whole number of steps (0.04 ms
#: keeps the whole curve within 0.6 %). Above it the exponential-Euler step overshoots the
#: spike (peak V reaches E_Na = 55 mV at dt = 0.08 ms, 114 mV at 0.1 ms) and the default
#: network loses synchrony (κ = 0.69 at 0.1 ms). It never produces NaN: it goes wrong
#: quietly, so the bound is enforced (numerics chapter).
MAX_DT = 0.05 * u.ms

# Parameters that enter the compiled program as traced arrays, with their units.
_TRACED = {
    "I_app": UA_PER_CM2, "I_sigma": UA_PER_CM2, "g_syn": MS_PER_CM2, "E_syn": u.mV,
    "alpha": PER_MS, "beta": PER_MS, "theta_syn": u.mV, "g_Na": MS_PER_CM2,
    "g_K": MS_PER_CM2, "g_L": MS_PER_CM2, "E_Na": u.mV, "E_K": u.mV, "E_L": u.mV,
    "C": UF_PER_CM2,
}


class SimulationDiverged(FloatingPointError):
    """The state became NaN or infinite during a run."""


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


_CELL_FIELDS = ("g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L", "C")


def param_arrays(params: WBParams) -> dict:
    """The traced parameters as plain numbers in the paper's units (brainstate's float type)."""
    dtype = brainstate.environ.dftype()
    theta = {k: jnp.asarray(getattr(params, k).to_decimal(unit), dtype)
             for k, unit in _TRACED.items()}
    theta["phi"] = jnp.asarray(params.phi, dtype)
    theta["in_degree"] = jnp.asarray(params.in_degree, dtype)  # M: sets the weight g_syn/M
    # 1: each cell's weights are g_syn/k_i, its own in-degree ("bernoulli_scaled")
    theta["scaled"] = jnp.asarray(params.wiring == "bernoulli_scaled", dtype)
    return theta


def cell_kwargs(theta: dict) -> dict:
    """Keyword arguments of :class:`~wbmodel.cell.WangBuzsakiCell` from :func:`param_arrays`."""
    kw = {k: theta[k] * _TRACED[k] for k in _CELL_FIELDS}
    kw["phi"] = theta["phi"]
    return kw


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
    params, seed = _check_params(params), _check_seed(seed)
    I, V0 = _draws(params, seed, check_V0_range(V0_range))
    return {"I_app_cells": I * UA_PER_CM2, "V0": V0 * u.mV,
            "pre_indices": _wiring(params, seed)}


def _draws(params: WBParams, seed: int, V0_range=draws.V_INIT_RANGE):
    """Each cell's drive (µA/cm²) and initial V (mV), float32 arrays of shape (N,).

    ``V0_range``: (lo, hi) in mV, plain numbers (:func:`check_V0_range`).
    """
    I = draws.drives(float(params.I_app.to_decimal(UA_PER_CM2)),
                     float(params.I_sigma.to_decimal(UA_PER_CM2)), seed, params.n_cells)
    return I, draws.initial_V(seed, params.n_cells, V0_range)


def check_V0_range(V0_range) -> tuple[float, float]:
    """The range of the initial V as (lo, hi), float64 numbers in mV; checked.

    Parameters
    ----------
    V0_range : Quantity, mV, shape (2,), or a pair of Quantities, or None
        ``None`` is the paper's (−70, −50) mV (:data:`wbmodel.draws.V_INIT_RANGE`). Any
        unit of voltage is accepted. lo == hi is allowed: every cell starts at the same V.

    Raises
    ------
    TypeError
        If it is not a voltage (a plain number has no unit).
    ValueError
        If it does not hold two values, a value is not finite, or lo > hi.

    Notes
    -----
    ``[lo, hi] * u.mV`` holds float32 numbers under JAX's default precision (brainunit
    makes a list a JAX array), so lo and hi are then float32's nearest. For the exact
    float64 numbers (e.g. those of :func:`wbmodel.draws.V_range_of_spread`), pass a pair
    of scalars, ``(lo * u.mV, hi * u.mV)``, or a NumPy array times ``u.mV``.
    """
    if V0_range is None:
        return draws.V_INIT_RANGE
    if isinstance(V0_range, (tuple, list)):  # a pair of scalars: each keeps its precision
        values = [np.asarray(as_quantity("V0_range", x, u.mV).to_decimal(u.mV), np.float64)
                  for x in V0_range]
        if len(values) != 2 or any(v.shape != () for v in values):
            raise ValueError(f"V0_range must be two voltages (lo, hi), got {V0_range!r}")
    else:
        values = np.asarray(as_quantity("V0_range", V0_range, u.mV).to_decimal(u.mV),
                            np.float64)
        if values.shape != (2,):
            raise ValueError(f"V0_range must hold two voltages (lo, hi), got shape "
                             f"{values.shape}: {V0_range}")
    lo, hi = (float(x) for x in values)
    if lo > hi:
        raise ValueError(f"V0_range must have lo <= hi, got ({lo:g}, {hi:g}) mV")
    return (lo, hi)


def _V0_quantity(V_range) -> u.Quantity:
    """(lo, hi) in mV as a float64 Quantity of shape (2,)."""
    return np.array(V_range, dtype=np.float64) * u.mV


def _wiring(params: WBParams, seed: int):
    """The sparse wiring a run draws from its seed (None when all-to-all)."""
    if params.n_inputs is None:
        return None
    return wiring_indices(params.n_cells, params.n_inputs, params.wiring, seed)


def _build_network(theta, I_cells, V0, pre_indices, n_cells, coupling="exact"):
    """Build and initialise the network from plain arrays (inside the trace).

    A sparse network's weight is g_syn / M with M = ``theta["in_degree"]``, or each cell's
    own in-degree k_i where ``theta["scaled"]`` is 1: traced values, so networks of
    different M and wiring share a program when their wiring arrays have one width (padded
    with N).
    """
    syn = {k: theta[k] * _TRACED[k] for k in ("g_syn", "E_syn", "alpha", "beta", "theta_syn")}
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


#: XLA options for wbmodel's compiled programs on the CPU. LLVM vectorises XLA's fused
#: element-wise loops for 256-bit registers by default; on a CPU with AVX-512 (this project's
#: machines) asking for 512 bits halves the time of a step (one N = 100 network: 16 → 8 ns
#: per cell-step; benchmarks/RESULTS.md). Where there are no 512-bit registers LLVM uses the
#: widest there are. Same results as XLA's default build: bit for bit on this project's
#: machines, within float32 rounding anywhere (tests/test_simulation.py). GPUs get no options.
CPU_COMPILER_OPTIONS = {"xla_cpu_prefer_vector_width": "512"}


def jit(fn):
    """``jax.jit`` with :data:`~wbmodel.simulation.CPU_COMPILER_OPTIONS` on the CPU."""
    cpu = jax.default_backend() == "cpu"
    return jax.jit(fn, compiler_options=CPU_COMPILER_OPTIONS if cpu else None)


_PROGRAMS: dict = {}


def compile_count() -> int:
    """How many times the simulation programs built so far have been compiled (all shapes)."""
    return sum(f._cache_size() for f in _PROGRAMS.values())


def _program(n_cells: int, width: int | None, n_steps: int, dt_ms: float, record: tuple,
             progress: bool, frame_steps: int = 1, batched: bool = False,
             coupling: str = "auto"):
    """The jitted simulation for one shape, built once per shape and kept.

    ``width`` is the width K of a sparse network's wiring array (None: all-to-all).
    """
    coupling = resolve_coupling(coupling, sparse=width is not None)
    key = (n_cells, width, n_steps, dt_ms, record, progress, frame_steps, batched, coupling)
    if key not in _PROGRAMS:
        _PROGRAMS[key] = _make_program(*key)
    return _PROGRAMS[key]


def _make_program(n_cells: int, width: int | None, n_steps: int, dt_ms: float,
                  record: tuple, progress: bool, frame_steps: int, batched: bool,
                  coupling: str):
    """Build the simulation for one shape.

    The run is cut into frames of ``frame_steps`` steps; per frame it returns the bit-packed
    spikes (a cell's bit is set if it spiked in any step of the frame), V of the recorded
    cells and the population mean V at the frame's end. With ``batched`` every input has a
    leading batch axis (one network per row, ``jax.vmap``).
    """
    rec = np.asarray(record, dtype=np.int32)
    n_frames = n_steps // frame_steps
    sparse = width is not None

    def run(theta, I_cells, V0, pre_indices):
        net = _build_network(theta, I_cells, V0, pre_indices if sparse else None, n_cells,
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


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one run produced.

    Attributes
    ----------
    params : WBParams
        The parameters of the run.
    dt, duration : Quantity, ms
        Step and length of the run.
    raster_dt : Quantity, ms
        Time resolution of the raster and of the recorded V (a multiple of ``dt``; equal to it
        unless ``simulate`` was asked for a coarser raster).
    seed : int
        Seed of the drives, initial V and (sparse case) wiring.
    I_app_cells : Quantity, µA/cm², shape (N,)
        The drive each cell received.
    spikes_packed : ndarray of uint8, shape (frames, ceil(N/8))
        Bit-packed raster: bit j of row k is 1 when cell j crossed 0 mV upwards during frame k
        (the k-th interval of length ``raster_dt``).
    record_cells : ndarray of int
        The cells whose V is in ``V``.
    V : Quantity, mV, shape (frames, len(record_cells))
        Membrane potential of the recorded cells at the end of each frame.
    V_mean : Quantity, mV, shape (frames,)
        Population mean membrane potential at the end of each frame.
    pre_indices : ndarray of int, shape (N, K), or None
        The wiring of a sparse network (``None``: all-to-all without self); an entry equal to
        N is padding (Bernoulli wiring).
    V0_range : Quantity, mV, shape (2,)
        The range (lo, hi) the initial V were drawn from (default: the paper's [−70, −50]).
    """

    params: WBParams
    dt: u.Quantity
    duration: u.Quantity
    seed: int
    I_app_cells: u.Quantity
    spikes_packed: np.ndarray
    record_cells: np.ndarray
    V: u.Quantity
    V_mean: u.Quantity
    pre_indices: np.ndarray | None = None
    raster_dt: u.Quantity | None = None
    V0_range: u.Quantity | None = None

    def __post_init__(self):
        if self.raster_dt is None:
            object.__setattr__(self, "raster_dt", self.dt)
        object.__setattr__(self, "V0_range", _V0_quantity(check_V0_range(self.V0_range)))

    @property
    def n_cells(self) -> int:
        """N, the number of cells."""
        return self.params.n_cells

    @property
    def n_frames(self) -> int:
        """Number of rows of the raster (steps, unless a coarser ``raster_dt`` was asked)."""
        return self.spikes_packed.shape[0]

    @property
    def times(self) -> u.Quantity:
        """Time at the end of each frame (ms), matching the rows of ``V`` and the raster."""
        return (np.arange(1, self.n_frames + 1) * float(self.raster_dt.to_decimal(u.ms))) * u.ms

    def raster(self) -> np.ndarray:
        """The spike raster as booleans, shape (frames, N)."""
        bits = np.unpackbits(self.spikes_packed, axis=-1, count=self.n_cells)
        return bits.astype(bool)

    @functools.cached_property
    def _spikes(self):
        frames, cells = np.nonzero(self.raster())
        return (frames + 1) * float(self.raster_dt.to_decimal(u.ms)), cells

    @property
    def spike_times(self) -> u.Quantity:
        """Times of all spikes (ms), in time order; pairs with :attr:`spike_neurons`."""
        return self._spikes[0] * u.ms

    @property
    def spike_neurons(self) -> np.ndarray:
        """Index of the cell that fired each spike in :attr:`spike_times`."""
        return self._spikes[1]

    def spike_counts(self, start=0.0 * u.ms, stop=None) -> np.ndarray:
        """Number of spikes of each cell with ``start`` < t ≤ ``stop`` (default: to the end)."""
        t = self._spikes[0]
        lo = float(as_quantity("start", start, u.ms).to_decimal(u.ms))
        hi = np.inf if stop is None else float(as_quantity("stop", stop, u.ms).to_decimal(u.ms))
        keep = (t > lo) & (t <= hi)
        return np.bincount(self.spike_neurons[keep], minlength=self.n_cells)

    @classmethod
    def from_raster(cls, raster, dt, params: WBParams | None = None, seed: int = 0,
                    I_app_cells=None) -> "SimulationResult":
        """A result from a spike raster of one's own run, to analyse it like any other.

        For a network stepped the brainpy.state way (``brainstate.transform.for_loop``
        over ``WBNetwork.update``): the spikes it returned, step by step.

        Parameters
        ----------
        raster : array of bool, shape (steps, N)
            ``raster[k, i]``: cell i spiked during step k (whose end is (k + 1)·dt).
        dt : Quantity, ms
            The step.
        params : WBParams, optional
            The run's parameters (default: the paper's, with N from the raster).
        seed : int
            The seed of its draws, if it had one.
        I_app_cells : Quantity, µA/cm², shape (N,), optional
            Each cell's drive (default: ``params.I_app`` for every cell).
        """
        raster = np.asarray(raster, dtype=bool)
        steps, n = raster.shape
        params = WBParams(n_cells=n) if params is None else params
        if params.n_cells != n:
            raise ValueError(f"the raster has {n} cells, params.n_cells = {params.n_cells}")
        dt = as_quantity("dt", dt, u.ms).in_unit(u.ms)
        if I_app_cells is None:
            I_app_cells = np.full(n, float(params.I_app.to_decimal(UA_PER_CM2))) * UA_PER_CM2
        return cls(params=params, dt=dt, duration=steps * dt, seed=int(seed),
                   I_app_cells=I_app_cells, spikes_packed=np.packbits(raster, axis=-1),
                   record_cells=np.zeros(0, np.int64), V=np.zeros((steps, 0)) * u.mV,
                   V_mean=np.zeros(steps) * u.mV, raster_dt=dt)

    def save(self, path) -> None:
        """Write the result to ``path`` (``.npz``: arrays plus JSON metadata), atomically.

        The file is written next to its destination under a temporary name and renamed into
        place, so an interrupted save never leaves a partial file at ``path``. The metadata
        hold the parameters (with their units), dt, duration, seed, the range of the initial
        V, the file format and the versions of wbmodel and its main dependencies
        (:mod:`wbmodel.persistence`).
        """
        persistence.save_result(self, path)

    @classmethod
    def load(cls, path) -> "SimulationResult":
        """Read a result written by :meth:`save`.

        Raises
        ------
        wbmodel.persistence.DamagedFileError
            If the file is empty, truncated, corrupt or not a wbmodel result (the message
            names the file).
        wbmodel.persistence.NewerFormatError
            If it comes from a newer file format (a ValueError).
        """
        return persistence.load_result(cls, path)

    def __repr__(self) -> str:
        return (f"SimulationResult(N={self.n_cells}, M={self.params.in_degree}, "
                f"{self.duration} at dt={self.dt}, seed={self.seed}, "
                f"{len(self._spikes[0])} spikes)")


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
        :data:`~wbmodel.simulation.MAX_DT` = 0.05 ms).
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
        ``wbmodel.simulation.check_V0_range``).

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
    built with :data:`~wbmodel.simulation.CPU_COMPILER_OPTIONS`.
    """
    params = _check_params(params)
    steps = n_steps_of(duration, dt, MAX_DT)
    dt_ms = float(u.Quantity(dt).to_decimal(u.ms))
    frame_steps = _frame_steps(raster_dt, dt, steps)
    seed = _check_seed(seed)
    V_range = check_V0_range(V0_range)
    n = params.n_cells
    record = _check_record(record, n)
    if progress is None:
        progress = n * steps > 2e7
    I_cells, V0 = _draws(params, seed, V_range)
    pre = _wiring(params, seed)
    program = _program(n, None if pre is None else pre.shape[1], steps, dt_ms, record,
                       bool(progress), frame_steps, coupling=coupling)
    packed, V_rec, V_mean = program(
        param_arrays(params), I_cells, V0,
        jnp.zeros((0, 0), jnp.int32) if pre is None else jnp.asarray(pre))
    V_mean = np.asarray(V_mean)
    check_finite(V_mean, dt_ms * frame_steps, dt_ms)
    return SimulationResult(
        params=params, dt=u.Quantity(dt).in_unit(u.ms),
        duration=u.Quantity(duration).in_unit(u.ms), seed=seed,
        I_app_cells=I_cells * UA_PER_CM2, spikes_packed=np.asarray(packed),
        record_cells=np.asarray(record, dtype=np.int64), V=np.asarray(V_rec) * u.mV,
        V_mean=V_mean * u.mV, pre_indices=pre, raster_dt=dt_ms * frame_steps * u.ms,
        V0_range=_V0_quantity(V_range))


def _check_params(params) -> WBParams:
    params = WBParams() if params is None else params
    if not isinstance(params, WBParams):
        raise TypeError(f"params must be a WBParams, got {type(params).__name__}")
    return params


def _check_seed(seed) -> int:
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or not 0 <= seed <= draws.MAX_SEED):
        raise ValueError(f"seed must be an integer in [0, 2**64 - 1], got {seed!r}")
    return int(seed)


def _frame_steps(raster_dt, dt, steps: int) -> int:
    """Steps per raster frame: ``raster_dt / dt``, a whole number dividing the run."""
    if raster_dt is None:
        return 1
    k = n_steps_of(raster_dt, dt, name="raster_dt")
    if steps % k:
        raise ValueError(f"duration must be a whole number of raster_dt = {raster_dt}")
    return k


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
