"""Integration schemes for the single cell, for the numerics chapter's dt study.

The book's scheme is the cell's own :meth:`~wbmodel.WangBuzsakiCell.update`. The others
advance the same equations (the cell's ``dV``, ``dh``, ``dn`` methods: nothing is typed
twice) in other ways, or, for the frozen-conductance scheme, use brainpy.state's built-in
``WangBuzsakiHH``, an independent implementation that steps that way. Each entry of
:data:`INTEGRATORS` makes a population of uncoupled cells and a function that advances it
by one ``dt`` of ``brainstate.environ``.
"""

from __future__ import annotations

import brainpy
import brainstate
import braintools
import brainunit as u

from .cell import WangBuzsakiCell

__all__ = ["INTEGRATORS", "make_cells"]

_ee = brainstate.nn.exp_euler_step


def _exp_euler_staggered(cell):
    """The book's scheme: V first (exp. Euler), then h and n with the new V."""
    cell.update()


def _exp_euler_simultaneous(cell):
    """Exponential Euler with V, h and n all advanced from the values at the step's start."""
    V, h, n = cell.V.value, cell.h.value, cell.n.value
    cell.V.value = _ee(lambda v: cell.dV(v, h, n, cell.I_app), V)
    cell.h.value = _ee(cell.dh, h, V)
    cell.n.value = _ee(cell.dn, n, V)


def _rk4(cell):
    """Classical fourth-order Runge–Kutta on (V, h, n)."""
    dt = brainstate.environ.get_dt()

    def f(y):
        V, h, n = y
        return cell.dV(V, h, n, cell.I_app), cell.dh(h, V), cell.dn(n, V)

    def add(y, k, c):
        return tuple(a + c * dt * b for a, b in zip(y, k, strict=True))

    y = (cell.V.value, cell.h.value, cell.n.value)
    k1 = f(y)
    k2 = f(add(y, k1, 0.5))
    k3 = f(add(y, k2, 0.5))
    k4 = f(add(y, k3, 1.0))
    cell.V.value, cell.h.value, cell.n.value = (
        a + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4) for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4,
                                                                              strict=True))


def _forward_euler(cell):
    """Explicit (forward) Euler on (V, h, n): the simplest scheme, for contrast."""
    dt = brainstate.environ.get_dt()
    V, h, n = cell.V.value, cell.h.value, cell.n.value
    cell.V.value = V + dt * cell.dV(V, h, n, cell.I_app)
    cell.h.value = h + dt * cell.dh(h, V)
    cell.n.value = n + dt * cell.dn(n, V)


#: name → (description, stepper); the stepper advances a :class:`WangBuzsakiCell` by one dt.
INTEGRATORS = {
    "exp_euler": ("exponential Euler, staggered (wbmodel's cell)", _exp_euler_staggered),
    "exp_euler_simultaneous": ("exponential Euler, V, h, n from the same old values",
                               _exp_euler_simultaneous),
    "frozen_conductance": ("frozen-conductance exponential Euler (brainpy.state.WangBuzsakiHH)",
                           None),
    "rk4": ("classical Runge–Kutta 4", _rk4),
    "euler": ("forward Euler", _forward_euler),
}


def make_cells(method: str, n: int, I_app, V0, cell_kwargs: dict):
    """Uncoupled cells integrated by ``method``, initialised, and their one-step advance.

    Parameters
    ----------
    method : str
        A key of :data:`INTEGRATORS`.
    n : int
        Number of cells.
    I_app : Quantity, µA/cm², shape (n,)
        Drives.
    V0 : Quantity, mV, shape (n,)
        Initial V (h and n start at steady state).
    cell_kwargs : dict
        Cell parameters as ``wbmodel.simulation.cell_kwargs`` gives them.

    Returns
    -------
    cells : module with a ``V`` state (mV)
    advance : callable
        ``advance()`` moves the cells one step.
    """
    if method not in INTEGRATORS:
        raise ValueError(f"method must be one of {sorted(INTEGRATORS)}, got {method!r}")
    if method == "frozen_conductance":
        # The built-in cell is written per cell (µA, mS, µF): with C = 1 µF and 1 cm² the
        # numbers are the same. Its V_th only feeds its own spike output, unused here.
        per_area = u.cm**2
        from .cell import h_inf, n_inf
        cells = brainpy.state.WangBuzsakiHH(
            n, ENa=cell_kwargs["E_Na"], EK=cell_kwargs["E_K"], EL=cell_kwargs["E_L"],
            gNa=cell_kwargs["g_Na"] * per_area, gK=cell_kwargs["g_K"] * per_area,
            gL=cell_kwargs["g_L"] * per_area, C=cell_kwargs["C"] * per_area,
            phi=cell_kwargs["phi"], V_initializer=V0,
            h_initializer=braintools.init.Constant(h_inf(V0)),
            n_initializer=braintools.init.Constant(n_inf(V0)))
        cells.init_state()
        drive = I_app * per_area
        return cells, lambda: cells.update(drive)
    cells = WangBuzsakiCell(n, I_app=I_app, V_initializer=V0, **cell_kwargs)
    cells.init_state()
    stepper = INTEGRATORS[method][1]
    return cells, lambda: stepper(cells)
