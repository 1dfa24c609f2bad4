"""The interneuron network: cells, synapses and the inhibitory projection between them."""

from __future__ import annotations

import brainpy
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

from . import events
from .cell import WangBuzsakiCell
from .synapse import WangBuzsakiSynapse

__all__ = ["SparseInputs", "EventInputs", "WBNetwork", "fixed_in_degree_indices",
           "bernoulli_indices", "wiring_indices", "wiring_width", "resolve_coupling"]


def fixed_in_degree_indices(n_cells: int, n_inputs: int, seed: int) -> np.ndarray:
    """Draw, for every cell, ``n_inputs`` distinct presynaptic partners, never itself.

    Parameters
    ----------
    n_cells : int
        N.
    n_inputs : int
        M, with 1 ≤ M ≤ N − 1.
    seed : int
        Seed of the draw (the same seed gives the same wiring).

    Returns
    -------
    ndarray of int32, shape (N, M)
        Row i lists the presynaptic cells of cell i, sorted.
    """
    if not 1 <= n_inputs <= n_cells - 1:
        raise ValueError(f"n_inputs must be in [1, {n_cells - 1}], got {n_inputs}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57B]))
    out = np.empty((n_cells, n_inputs), dtype=np.int32)
    for i in range(n_cells):
        # Choose among the N - 1 others: draw from 0..N-2, then skip over i itself.
        j = np.sort(rng.choice(n_cells - 1, size=n_inputs, replace=False))
        out[i] = j + (j >= i)
    return out


def bernoulli_indices(n_cells: int, n_inputs: int, seed: int) -> np.ndarray:
    """Bernoulli wiring: each ordered pair (j → i), j ≠ i, exists with p = M / (N − 1).

    In-degrees then vary from cell to cell (binomial, mean M). Rows are padded to a fixed
    width K (M + 6 SD + 6, at most N − 1) with the index N, which stands for a silent source,
    so that every seed gives the same shape (and the compiled program is reused).

    Returns
    -------
    ndarray of int32, shape (N, K)
    """
    if not 1 <= n_inputs <= n_cells - 1:
        raise ValueError(f"n_inputs must be in [1, {n_cells - 1}], got {n_inputs}")
    p = n_inputs / (n_cells - 1)
    width = wiring_width(n_cells, n_inputs, "bernoulli")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xBE7]))
    out = np.full((n_cells, width), n_cells, dtype=np.int32)
    for i in range(n_cells):
        j = np.flatnonzero(rng.random(n_cells - 1) < p)
        j = j + (j >= i)
        if j.size > width:  # a 6-SD excess: practically never
            raise ValueError(f"cell {i} drew {j.size} inputs, more than the padding {width}")
        out[i, :j.size] = j
    return out


def wiring_width(n_cells: int, n_inputs: int, wiring: str) -> int:
    """The width K of :func:`wiring_indices`' array: M ("fixed"), M + 6 SD + 6 ("bernoulli")."""
    if wiring == "fixed":
        return n_inputs
    p = n_inputs / (n_cells - 1)
    return min(n_cells - 1, int(np.ceil(n_inputs + 6 * np.sqrt(n_inputs * (1 - p)) + 6)))


def wiring_indices(n_cells: int, n_inputs: int, wiring: str, seed: int) -> np.ndarray:
    """The presynaptic index array of a sparse network (``wiring``: "fixed" or "bernoulli")."""
    if wiring == "fixed":
        return fixed_in_degree_indices(n_cells, n_inputs, seed)
    if wiring == "bernoulli":
        return bernoulli_indices(n_cells, n_inputs, seed)
    raise ValueError(f"wiring must be 'fixed' or 'bernoulli', got {wiring!r}")


class SparseInputs(brainstate.nn.Module):
    r"""Sparse communication: cell i sums ``s`` over its presynaptic partners.

    .. math:: g_i = w \sum_{j \in \mathrm{pre}(i)} s_j, \qquad w = g_{syn}/M

    Stored as an (N, K) index array, so memory is O(N·K), never O(N²). With fixed in-degree
    K = M; an entry equal to N is padding (a silent source), used by Bernoulli wiring.

    Parameters
    ----------
    pre_indices : array of int, shape (N, K)
        Presynaptic partners of each cell (see :func:`fixed_in_degree_indices`,
        :func:`bernoulli_indices`).
    weight : Quantity, mS/cm²
        Conductance of one synapse, g_syn / M (M: the mean in-degree).
    """

    def __init__(self, pre_indices, weight):
        super().__init__()
        self.pre_indices = jnp.asarray(pre_indices)
        n = self.pre_indices.shape[0]
        self.in_size = (n,)
        self.out_size = (n,)
        self.weight = weight

    def update(self, s):
        """Synaptic conductance of each cell (mS/cm²) given every cell's gate ``s``."""
        padded = u.math.concatenate([s, u.math.zeros_like(s[..., :1])], axis=-1)
        return self.weight * u.math.sum(padded[..., self.pre_indices], axis=-1)


class EventInputs(SparseInputs):
    r"""The sum of :class:`SparseInputs`, kept as a running total updated by events.

    :math:`S_i = \sum_{j \in pre(i)} s_j` is a state. Each step it decays by
    :math:`e^{-\beta dt}` and takes the increments :math:`s_j(t+dt) - e^{-\beta dt} s_j(t)` of
    the few presynaptic cells near a spike, instead of being summed again over all M inputs
    (:mod:`wbmodel.events`: the criterion, the exact re-sums and the error this leaves).
    Same interface and wiring as :class:`SparseInputs`; ``update`` returns w·S.

    Parameters
    ----------
    pre_indices : array of int, shape (N, K)
        Presynaptic partners of each cell (N: padding).
    weight : Quantity, mS/cm²
        Conductance of one synapse, g_syn / M.
    beta : Quantity, 1/ms
        The synapses' closing rate β (the decay of every s away from a spike).
    theta_syn : Quantity, mV
        Half-activation of the presynaptic sigmoid F (it sets which cells are active).
    """

    def __init__(self, pre_indices, weight, beta, theta_syn):
        super().__init__(pre_indices, weight)
        self.beta, self.theta_syn = beta, theta_syn
        n = self.out_size[0]
        self.indptr, self.post = events.out_lists(self.pre_indices, n)

    def init_state(self, batch_size: int | None = None, **kwargs):
        """Create the running sum S (zero, as every s starts at 0) and the step counter."""
        dtype = brainstate.environ.dftype()
        self.S = brainstate.HiddenState(jnp.zeros(self.out_size, dtype))
        self.steps = brainstate.HiddenState(jnp.zeros((), jnp.int32))

    def reset_state(self, batch_size: int | None = None, **kwargs):
        """Set S and the step counter back to zero (as the synapses' s)."""
        self.S.value = jnp.zeros_like(self.S.value)
        self.steps.value = jnp.zeros_like(self.steps.value)

    def update(self, s):
        """Synaptic conductance of each cell (mS/cm²): w·S (``s`` is already summed in S)."""
        return self.weight * self.S.value

    def advance(self, s_old, s_new, V_pre):
        """Carry S over one step in which the gates went from ``s_old`` to ``s_new``.

        ``V_pre`` (mV) is the presynaptic potential the gates saw (it decides which cells
        are active).
        """
        dt = brainstate.environ.get_dt()
        e = u.math.exp(-self.beta * dt)
        e = e.mantissa if isinstance(e, u.Quantity) else e
        active = V_pre - self.theta_syn > events.V_EVENT
        d = jnp.where(active, s_new - e * s_old, 0.0).astype(self.S.value.dtype)
        every = max(1, round(events.RESUM_MS / float(dt.to_decimal(u.ms))))
        resum = self.steps.value % every == every - 1
        self.S.value = events.accumulate(self.S.value, d, s_new, e, resum, self.pre_indices,
                                         self.indptr, self.post)
        self.steps.value = self.steps.value + 1


class WBNetwork(brainstate.nn.Module):
    """N Wang–Buzsáki cells coupled by GABA_A synapses.

    Parameters
    ----------
    n_cells : int
        N.
    I_app : Quantity, µA/cm², scalar or shape (N,)
        Drive of each cell.
    g_syn : Quantity, mS/cm²
        Total synaptic conductance onto each cell.
    pre_indices : array of int, shape (N, K), optional
        Sparse wiring (:func:`wiring_indices`); ``None`` is all-to-all without
        self-connections, each synapse of weight g_syn/(N − 1) (a sum minus self, O(N)).
    n_inputs : int, optional
        M, the (mean) in-degree that sets the weight g_syn/M of a sparse network (default:
        the width of ``pre_indices``).
    E_syn : Quantity, mV
        Reversal potential of the synaptic (COBA) current.
    alpha, beta, theta_syn
        Synapse parameters, see :class:`~wbmodel.synapse.WangBuzsakiSynapse`.
    coupling : {"exact", "event", "auto"}
        How a sparse network sums its inputs (:func:`~wbmodel.network.resolve_coupling`):
        "exact" (:class:`SparseInputs`, the default here) or "event" (:class:`EventInputs`).
        :func:`~wbmodel.simulate` and :func:`~wbmodel.sweep` default to "auto".
    **cell_kwargs
        Passed to :class:`~wbmodel.cell.WangBuzsakiCell` (``phi``, conductances, reversal
        potentials, ``C``, ``V_initializer``).

    Notes
    -----
    One step: the projection turns s(t) into each cell's synaptic conductance, the cells
    advance V (then h and n, see :class:`~wbmodel.cell.WangBuzsakiCell`), and the synapses
    advance s with the new presynaptic V, the same staggered order as the cell's gates.
    """

    def __init__(self, n_cells, I_app, g_syn, pre_indices=None, E_syn=-75.0 * u.mV,
                 alpha=12.0 / u.ms, beta=0.1 / u.ms, theta_syn=0.0 * u.mV, n_inputs=None,
                 coupling="exact", **cell_kwargs):
        super().__init__()
        self.cells = WangBuzsakiCell(n_cells, I_app=I_app, **cell_kwargs)
        self.syn = WangBuzsakiSynapse(n_cells, alpha=alpha, beta=beta, theta_syn=theta_syn)
        if pre_indices is None:
            comm = brainstate.nn.AllToAll(n_cells, n_cells, include_self=False,
                                          w_init=g_syn / (n_cells - 1))
        else:
            M = np.shape(pre_indices)[1] if n_inputs is None else n_inputs
            if resolve_coupling(coupling) == "event":
                comm = EventInputs(pre_indices, g_syn / M, beta, theta_syn)
            else:
                comm = SparseInputs(pre_indices, g_syn / M)
        self.proj = brainpy.state.CurrentProj(
            self.syn.prefetch("s"), comm=comm, out=brainpy.state.COBA(E=E_syn), post=self.cells)

    def update(self):
        """Advance one step; return the cells' spikes (bool, upward crossings of 0 mV)."""
        s_old = self.syn.s.value
        self.proj()
        spikes = self.cells()
        s_new = self.syn(self.cells.V.value)
        if isinstance(self.proj.comm, EventInputs):
            self.proj.comm.advance(s_old, s_new, self.cells.V.value)
        return spikes


def resolve_coupling(coupling: str, sparse: bool = True) -> str:
    """How a sparse network sums its inputs: "event" or "exact" ("auto": event where it runs).

    "exact" sums the M inputs of every cell at every step (:class:`SparseInputs`); "event"
    keeps a running sum (:class:`EventInputs`), which needs JAX on the CPU, float32 and a C++
    compiler (:mod:`wbmodel.events`). With ``sparse=False`` (all-to-all networks, which sum
    in O(N) anyway) the value is only checked, and the kernel is not built.
    """
    if coupling not in ("auto", "event", "exact"):
        raise ValueError(f"coupling must be 'auto', 'event' or 'exact', got {coupling!r}")
    if not sparse:
        return "exact"
    f32 = brainstate.environ.dftype() == jnp.float32
    if coupling == "auto":
        return "event" if f32 and events.available() else "exact"
    if coupling == "event" and not (f32 and events.available()):
        raise ValueError("coupling='event' needs JAX on the CPU, float32 and the compiled "
                         "kernel (wbmodel.events); use 'exact'")
    return coupling
