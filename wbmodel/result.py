"""What a run produced: :class:`SimulationResult`, and the form of its initial-V range.

:func:`wbmodel.simulate` and :func:`wbmodel.sweep` build a result through
:func:`wbmodel.engine.make_result`; :meth:`SimulationResult.from_raster` builds one from a
raster of one's own run; :meth:`SimulationResult.load` reads one from a file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import brainunit as u
import numpy as np

from . import draws, persistence
from .params import UA_PER_CM2, WBParams, as_quantity

__all__ = ["SimulationResult", "check_V0_range", "V0_quantity"]


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


def V0_quantity(V_range) -> u.Quantity:
    """(lo, hi) in mV as a float64 Quantity of shape (2,)."""
    return np.array(V_range, dtype=np.float64) * u.mV


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
        object.__setattr__(self, "V0_range", V0_quantity(check_V0_range(self.V0_range)))

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
