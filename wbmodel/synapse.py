"""The GABA_A synapse of Wang & Buzsáki (1996), gated by presynaptic V.

There are no spike events and no delay: the gating variable s of a
presynaptic cell rises while its membrane potential is above θ_syn and
decays with τ_syn = 1/β otherwise. Because s depends only on the
presynaptic cell, one s per cell serves all of its outgoing synapses. The
book shows this code on its pages (chapter 2), so every line fits its
76-character column.
"""

from __future__ import annotations

import brainpy
import brainstate
import braintools
import brainunit as u
import numpy as np

__all__ = ["WangBuzsakiSynapse", "F_syn", "gate_response"]

#: Slope of the presynaptic sigmoid F(V), mV.
SYN_SLOPE = 2.0 * u.mV


def F_syn(V_pre, theta_syn=0.0 * u.mV):
    r"""Transmitter release, :math:`1/(1+e^{-(V-\theta_{syn})/2})`."""
    return 1.0 / (1.0 + u.math.exp(-(V_pre - theta_syn) / SYN_SLOPE))


class WangBuzsakiSynapse(brainpy.state.Synapse):
    r"""Presynaptic gating variable of the GABA_A synapse.

    .. math::

        \frac{ds}{dt} = \alpha F(V_{pre}) (1 - s) - \beta s

    Parameters
    ----------
    in_size : int or tuple of int
        Number of presynaptic cells (one ``s`` each).
    alpha : Quantity, 1/ms
        Channel opening rate α (12 /ms).
    beta : Quantity, 1/ms
        Channel closing rate β (0.1 /ms; decay time τ_syn = 1/β = 10 ms).
    theta_syn : Quantity, mV
        Half-activation of F (0 mV).
    name : str, optional
        Module name.

    Notes
    -----
    ``s`` starts at 0 and is integrated with
    :func:`brainstate.nn.exp_euler_step`; for a fixed V_pre the equation
    is linear in s, so that step is exact over one dt.
    """

    def __init__(self, in_size, alpha=12.0 / u.ms, beta=0.1 / u.ms,
                 theta_syn=0.0 * u.mV, name: str | None = None):
        super().__init__(in_size=in_size, name=name)
        self.alpha, self.beta, self.theta_syn = alpha, beta, theta_syn

    def init_state(self, batch_size: int | None = None, **kwargs):
        """Create the gate ``s``, zero for every cell."""
        self.s = brainstate.HiddenState(braintools.init.param(
            braintools.init.ZeroInit(), self.varshape, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs):
        """Set ``s`` back to zero."""
        self.s.value = braintools.init.param(
            braintools.init.ZeroInit(), self.varshape, batch_size)

    def ds(self, s, V_pre):
        """ds/dt in 1/ms."""
        F = F_syn(V_pre, self.theta_syn)
        return self.alpha * F * (1.0 - s) - self.beta * s

    def update(self, V_pre):
        """One step of ``s``, given the presynaptic V (mV); returns s."""
        self.s.value = brainstate.nn.exp_euler_step(self.ds, self.s.value,
                                                    V_pre)
        return self.s.value


def gate_response(V_pre, dt, alpha=12.0 / u.ms, beta=0.1 / u.ms,
                  theta_syn=0.0 * u.mV):
    """The gate s(t) of a synapse driven by a given presynaptic V trace.

    Parameters
    ----------
    V_pre : Quantity, mV, shape (steps,) or (steps, k)
        Presynaptic potential at each step.
    dt : Quantity, ms
        Step of the trace.
    alpha, beta, theta_syn
        Synapse parameters (see :class:`WangBuzsakiSynapse`).

    Returns
    -------
    ndarray, same shape as ``V_pre``
        s after each step, starting from s = 0.
    """
    V_pre = u.Quantity(V_pre)
    shape = V_pre.shape[1:]
    syn = WangBuzsakiSynapse(shape or 1, alpha=alpha, beta=beta,
                             theta_syn=theta_syn)
    syn.init_state()
    steps = V_pre if shape else V_pre[:, None]

    def step(v):
        return syn.update(v)

    with brainstate.environ.context(dt=dt):
        s = brainstate.transform.for_loop(step, steps)
    s = np.asarray(s)
    return s if shape else s[:, 0]
