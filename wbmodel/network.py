"""The interneuron network: cells, synapses and the projection between them.

The book shows :class:`WBNetwork` on its pages (chapter 3), so every line of
this module fits its 76-character column. The wiring of sparse networks is
drawn in :mod:`wbmodel.wiring`.
"""

from __future__ import annotations

import brainpy
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

from . import events
from .cell import WangBuzsakiCell
from .synapse import WangBuzsakiSynapse

__all__ = ["SparseInputs", "EventInputs", "WBNetwork", "resolve_coupling"]


class SparseInputs(brainstate.nn.Module):
    r"""Sparse communication: cell i sums ``s`` over its inputs.

    .. math:: g_i = w_i \sum_{j \in \mathrm{pre}(i)} s_j

    Stored as an (N, K) index array, so memory is O(N·K), never O(N²). With
    fixed in-degree K = M; an entry equal to N is padding (a silent source),
    used by Bernoulli wiring.

    Parameters
    ----------
    pre_indices : array of int, shape (N, K)
        Presynaptic partners of each cell (:mod:`wbmodel.wiring`).
    weight : Quantity, mS/cm², scalar or shape (N,)
        Conductance of one synapse onto each cell: g_syn/M, or g_syn/k_i
        when every cell's weights are divided by its own in-degree.
    """

    def __init__(self, pre_indices, weight):
        super().__init__()
        self.pre_indices = jnp.asarray(pre_indices)
        n = self.pre_indices.shape[0]
        self.in_size = (n,)
        self.out_size = (n,)
        self.weight = weight

    def update(self, s):
        """Each cell's synaptic conductance (mS/cm²), given every gate s."""
        silent = u.math.zeros_like(s[..., :1])
        padded = u.math.concatenate([s, silent], axis=-1)
        S = u.math.sum(padded[..., self.pre_indices], axis=-1)
        return self.weight * S


class EventInputs(SparseInputs):
    r"""The sum of :class:`SparseInputs`, kept as a running total.

    :math:`S_i = \sum_{j \in pre(i)} s_j` is a state. Each step it decays by
    :math:`e^{-\beta dt}` and takes the increments
    :math:`s_j(t+dt) - e^{-\beta dt} s_j(t)` of the few presynaptic cells
    near a spike, instead of being summed again over all M inputs
    (:mod:`wbmodel.events`: the criterion, the exact re-sums and the error
    this leaves). Same interface and wiring as :class:`SparseInputs`;
    ``update`` returns w·S.

    Parameters
    ----------
    pre_indices : array of int, shape (N, K)
        Presynaptic partners of each cell (N: padding).
    weight : Quantity, mS/cm², scalar or shape (N,)
        Conductance of one synapse onto each cell.
    beta : Quantity, 1/ms
        The synapses' closing rate β (every s decays so away from spikes).
    theta_syn : Quantity, mV
        Half-activation of the presynaptic sigmoid F (it sets which cells
        are active).
    """

    def __init__(self, pre_indices, weight, beta, theta_syn):
        super().__init__(pre_indices, weight)
        self.beta, self.theta_syn = beta, theta_syn
        n = self.out_size[0]
        self.indptr, self.post = events.out_lists(self.pre_indices, n)

    def init_state(self, batch_size: int | None = None, **kwargs):
        """Create the running sum S (zero, as every s) and a counter."""
        dtype = brainstate.environ.dftype()
        self.S = brainstate.HiddenState(jnp.zeros(self.out_size, dtype))
        self.steps = brainstate.HiddenState(jnp.zeros((), jnp.int32))

    def reset_state(self, batch_size: int | None = None, **kwargs):
        """Set S and the step counter back to zero (as the synapses' s)."""
        self.S.value = jnp.zeros_like(self.S.value)
        self.steps.value = jnp.zeros_like(self.steps.value)

    def update(self, s):
        """Each cell's synaptic conductance (mS/cm²): w·S (s is in S)."""
        return self.weight * self.S.value

    def advance(self, s_old, s_new, V_pre):
        """Carry S over one step in which the gates went s_old → s_new.

        ``V_pre`` (mV) is the presynaptic potential the gates saw (it
        decides which cells are active).
        """
        dt = brainstate.environ.get_dt()
        e = u.math.exp(-self.beta * dt)
        e = e.mantissa if isinstance(e, u.Quantity) else e
        active = V_pre - self.theta_syn > events.V_EVENT
        d = jnp.where(active, s_new - e * s_old, 0.0)
        d = d.astype(self.S.value.dtype)
        every = max(1, round(events.RESUM_MS / float(dt.to_decimal(u.ms))))
        resum = self.steps.value % every == every - 1
        self.S.value = events.accumulate(
            self.S.value, d, s_new, e, resum, self.pre_indices, self.indptr,
            self.post)
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
        Sparse wiring (:func:`~wbmodel.wiring.wiring_indices`); ``None`` is
        all-to-all without self-connections, each synapse of weight
        g_syn/(N − 1) (a sum minus self, O(N)).
    n_inputs : int or array of shape (N,), optional
        M, the in-degree that sets the weight g_syn/M of a sparse network's
        synapses: the mean (fixed and Bernoulli wiring) or each cell's own
        k_i ("bernoulli_scaled"). Default: the width of ``pre_indices``.
    E_syn : Quantity, mV
        Reversal potential of the synaptic (COBA) current.
    alpha, beta, theta_syn
        Synapse parameters (:class:`~wbmodel.WangBuzsakiSynapse`).
    coupling : {"exact", "event", "auto"}
        How a sparse network sums its inputs
        (:func:`~wbmodel.network.resolve_coupling`): "exact"
        (:class:`SparseInputs`, the default here) or "event"
        (:class:`EventInputs`). :func:`~wbmodel.simulate` and
        :func:`~wbmodel.sweep` default to "auto".
    **cell_kwargs
        Passed to :class:`~wbmodel.cell.WangBuzsakiCell` (``phi``,
        conductances, reversal potentials, ``C``, ``V_initializer``).

    Notes
    -----
    One step: the projection turns s(t) into each cell's synaptic
    conductance, the cells advance V (then h and n, see
    :class:`~wbmodel.cell.WangBuzsakiCell`), and the synapses advance s with
    the new presynaptic V, the same staggered order as the cell's gates.
    """

    def __init__(self, n_cells, I_app, g_syn, pre_indices=None,
                 E_syn=-75.0 * u.mV, alpha=12.0 / u.ms, beta=0.1 / u.ms,
                 theta_syn=0.0 * u.mV, n_inputs=None, coupling="exact",
                 **cell_kwargs):
        super().__init__()
        self.cells = WangBuzsakiCell(n_cells, I_app=I_app, **cell_kwargs)
        self.syn = WangBuzsakiSynapse(n_cells, alpha=alpha, beta=beta,
                                      theta_syn=theta_syn)
        if pre_indices is None:
            # all-to-all without self: every cell receives g_syn in all
            comm = brainstate.nn.AllToAll(n_cells, n_cells,
                                          include_self=False,
                                          w_init=g_syn / (n_cells - 1))
        else:
            M = np.shape(pre_indices)[1] if n_inputs is None else n_inputs
            if resolve_coupling(coupling) == "event":
                comm = EventInputs(pre_indices, g_syn / M, beta, theta_syn)
            else:
                comm = SparseInputs(pre_indices, g_syn / M)
        self.proj = brainpy.state.CurrentProj(
            self.syn.prefetch("s"),           # s(t) of every cell
            comm=comm,                        # → each cell's conductance
            out=brainpy.state.COBA(E=E_syn),  # → g·(E_syn − V), a current
            post=self.cells)

    def update(self):
        """Advance one step; return the cells' spikes (bool)."""
        s_old = self.syn.s.value
        self.proj()                      # conductances from s(t)
        spikes = self.cells()            # V, then h and n with the new V
        s_new = self.syn(self.cells.V.value)   # s with the new V
        if isinstance(self.proj.comm, EventInputs):
            self.proj.comm.advance(s_old, s_new, self.cells.V.value)
        return spikes


def resolve_coupling(coupling: str, sparse: bool = True) -> str:
    """How a sparse network sums its inputs: "event" or "exact".

    "auto" takes "event" where it runs. "exact" sums the M inputs of every
    cell at every step (:class:`SparseInputs`); "event" keeps a running sum
    (:class:`EventInputs`), which needs JAX on the CPU, float32 and a C++
    compiler (:mod:`wbmodel.events`). With ``sparse=False`` (all-to-all
    networks, which sum in O(N) anyway) the value is only checked, and the
    kernel is not built.
    """
    if coupling not in ("auto", "event", "exact"):
        raise ValueError("coupling must be 'auto', 'event' or 'exact', "
                         f"got {coupling!r}")
    if not sparse:
        return "exact"
    f32 = brainstate.environ.dftype() == jnp.float32
    if coupling == "auto":
        return "event" if f32 and events.available() else "exact"
    if coupling == "event" and not (f32 and events.available()):
        raise ValueError("coupling='event' needs JAX on the CPU, float32 "
                         "and the compiled kernel (wbmodel.events); use "
                         "'exact'")
    return coupling
