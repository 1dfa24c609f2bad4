"""Model parameters of Wang & Buzsáki (1996), in the paper's per-area units."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import brainunit as u
import numpy as np

from .wiring import WIRINGS

__all__ = ["WBParams", "UA_PER_CM2", "MS_PER_CM2", "UF_PER_CM2", "PER_MS", "as_quantity",
           "UNITS", "LOWER_BOUNDS"]

UA_PER_CM2 = u.uA / u.cm**2   #: current density
MS_PER_CM2 = u.mS / u.cm**2   #: conductance density
UF_PER_CM2 = u.uF / u.cm**2   #: capacitance density
PER_MS = u.ms**-1             #: rate


def as_quantity(name: str, value: Any, unit) -> u.Quantity:
    """Check that ``value`` has the dimension of ``unit`` and is finite; return it as a Quantity.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : Quantity
        What the caller passed.
    unit : brainunit.Unit
        A unit of the expected dimension.

    Raises
    ------
    TypeError
        If ``value`` has another dimension (a plain number counts as dimensionless).
    ValueError
        If it is NaN or infinite.
    """
    if u.get_dim(value) != u.get_dim(unit):
        given = value if isinstance(value, u.Quantity) else f"{value!r} (no unit)"
        raise TypeError(
            f"{name} must be a quantity in {unit} (or another unit of the same dimension), "
            f"got {given}")
    q = u.Quantity(value)
    if not np.all(np.isfinite(np.asarray(q.to_decimal(unit)))):
        raise ValueError(f"{name} must be finite, got {value}")
    return q


# name -> (unit, minimum allowed, is the minimum itself allowed)
_QUANTITIES = {
    "I_app": (UA_PER_CM2, None, True),
    "I_sigma": (UA_PER_CM2, 0.0, True),
    "g_syn": (MS_PER_CM2, 0.0, True),
    "E_syn": (u.mV, None, True),
    "alpha": (PER_MS, 0.0, False),
    "beta": (PER_MS, 0.0, False),
    "theta_syn": (u.mV, None, True),
    "g_Na": (MS_PER_CM2, 0.0, True),
    "g_K": (MS_PER_CM2, 0.0, True),
    "g_L": (MS_PER_CM2, 0.0, True),
    "E_Na": (u.mV, None, True),
    "E_K": (u.mV, None, True),
    "E_L": (u.mV, None, True),
    "C": (UF_PER_CM2, 0.0, False),
}

#: The quantity fields of WBParams and the paper's unit of each, the units
#: :meth:`wbmodel.WBParams.to_dict` reports them in and a compiled program is given.
UNITS = {name: unit for name, (unit, _, _) in _QUANTITIES.items()}

#: The lower bound of each bounded number of WBParams (in the paper's units) and whether
#: the bound itself is allowed: name -> (bound, inclusive). WBParams sets no upper bounds.
#: The page's model (``wbmodel/web/wbmodel.js``, ``BOUNDS``) refuses exactly these, and the
#: explorers' ranges (:data:`wbmodel.browser.RANGES`) lie inside them (both are tested).
LOWER_BOUNDS = {"n_cells": (2, True),
                **{name: (lo, inc) for name, (_, lo, inc) in _QUANTITIES.items()
                   if lo is not None},
                "phi": (0.0, False)}


@dataclass(frozen=True)
class WBParams:
    """Parameters of the Wang–Buzsáki interneuron network (defaults: the paper's, Fig 3A).

    Every field is a keyword argument; its default, the paper's value, is in brackets.

    Parameters
    ----------
    n_cells : int
        N, the number of cells (100).
    n_inputs : int or None
        M, the number of presynaptic partners of each cell (drawn at random, never the cell
        itself). ``None`` means all-to-all without self-connections, M = N − 1.
    wiring : {"fixed", "bernoulli", "bernoulli_scaled"}
        How a sparse network (``n_inputs`` set) is drawn (:mod:`wbmodel.wiring`; which the
        paper used is not known to us): ``"fixed"`` in-degree, every cell exactly M inputs
        of weight g_syn/M; ``"bernoulli"``, each pair with probability M/(N − 1), weights
        g_syn/M, so in-degrees k_i and each cell's total inhibition g_syn·k_i/M vary; or
        ``"bernoulli_scaled"``, the same pairs with cell i's weights g_syn/k_i, so every
        cell's total inhibition is g_syn again.
    I_app : Quantity, µA/cm²
        Mean applied current I_µ (1).
    I_sigma : Quantity, µA/cm²
        Standard deviation of the applied current across cells (0: identical drive).
    g_syn : Quantity, mS/cm²
        Total synaptic conductance onto each cell (0.1); each of the M synapses has g_syn/M.
    E_syn : Quantity, mV
        Synaptic reversal potential (−75).
    alpha, beta : Quantity, 1/ms
        Synaptic opening and closing rates (12 and 0.1; τ_syn = 1/β = 10 ms).
    theta_syn : Quantity, mV
        Half-activation of the presynaptic sigmoid F (0).
    phi : float
        Temperature factor φ of the h and n kinetics (5).
    g_Na, g_K, g_L : Quantity, mS/cm²
        Maximal conductances (35, 9, 0.1).
    E_Na, E_K, E_L : Quantity, mV
        Reversal potentials (55, −90, −65).
    C : Quantity, µF/cm²
        Membrane capacitance (1).

    Examples
    --------
    >>> import brainunit as u
    >>> p = WBParams(I_app=1.2 * u.uA / u.cm**2, phi=3.33)
    >>> p.replace(g_syn=0.2 * u.mS / u.cm**2).g_syn
    0.2 * msiemens / cmetre2
    """

    n_cells: int = 100
    n_inputs: int | None = None
    wiring: str = "fixed"
    I_app: u.Quantity = field(default_factory=lambda: 1.0 * UA_PER_CM2)
    I_sigma: u.Quantity = field(default_factory=lambda: 0.0 * UA_PER_CM2)
    g_syn: u.Quantity = field(default_factory=lambda: 0.1 * MS_PER_CM2)
    E_syn: u.Quantity = field(default_factory=lambda: -75.0 * u.mV)
    alpha: u.Quantity = field(default_factory=lambda: 12.0 * PER_MS)
    beta: u.Quantity = field(default_factory=lambda: 0.1 * PER_MS)
    theta_syn: u.Quantity = field(default_factory=lambda: 0.0 * u.mV)
    phi: float = 5.0
    g_Na: u.Quantity = field(default_factory=lambda: 35.0 * MS_PER_CM2)
    g_K: u.Quantity = field(default_factory=lambda: 9.0 * MS_PER_CM2)
    g_L: u.Quantity = field(default_factory=lambda: 0.1 * MS_PER_CM2)
    E_Na: u.Quantity = field(default_factory=lambda: 55.0 * u.mV)
    E_K: u.Quantity = field(default_factory=lambda: -90.0 * u.mV)
    E_L: u.Quantity = field(default_factory=lambda: -65.0 * u.mV)
    C: u.Quantity = field(default_factory=lambda: 1.0 * UF_PER_CM2)

    def __post_init__(self):
        for name, (unit, lower, inclusive) in _QUANTITIES.items():
            q = as_quantity(name, getattr(self, name), unit)
            if q.ndim != 0:
                raise ValueError(f"{name} must be a scalar, got shape {q.shape}")
            x = float(q.to_decimal(unit))
            if lower is not None and (x < lower or (x == lower and not inclusive)):
                bound = f">= {lower}" if inclusive else f"> {lower}"
                raise ValueError(f"{name} must be {bound} {unit}, got {q}")
            object.__setattr__(self, name, q)
        self._check_counts()
        phi = self.phi
        if isinstance(phi, u.Quantity) and u.get_dim(phi) != u.get_dim(1.0):
            raise TypeError(f"phi is a dimensionless factor, got {phi}")
        phi = float(u.maybe_decimal(phi))
        if not (math.isfinite(phi) and phi > 0):
            raise ValueError(f"phi must be a finite number > 0, got {self.phi!r}")
        object.__setattr__(self, "phi", phi)

    def _check_counts(self):
        n = self.n_cells
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n_cells must be an integer >= 2, got {n!r}")
        object.__setattr__(self, "n_cells", int(n))
        m = self.n_inputs
        if m is not None:
            if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= n - 1:
                raise ValueError(
                    f"n_inputs must be None (all-to-all) or an integer in [1, n_cells - 1] = "
                    f"[1, {n - 1}], got {m!r}")
            object.__setattr__(self, "n_inputs", int(m))
        if self.wiring not in WIRINGS:
            raise ValueError(f"wiring must be one of {WIRINGS}, got {self.wiring!r}")

    # -- derived quantities ------------------------------------------------------------------
    @property
    def tau_syn(self) -> u.Quantity:
        """Synaptic decay time τ_syn = 1/β (ms)."""
        return (1.0 / self.beta).in_unit(u.ms)

    @property
    def in_degree(self) -> int:
        """M, the (mean) number of synapses each cell receives (N − 1 when all-to-all)."""
        return self.n_cells - 1 if self.n_inputs is None else self.n_inputs

    @property
    def g_per_synapse(self) -> u.Quantity:
        """Weight of one synapse, g_syn / M (mS/cm²)."""
        return self.g_syn / self.in_degree

    def replace(self, **changes) -> "WBParams":
        """A copy with some fields changed (validated again).

        ``tau_syn`` is accepted as a shortcut for ``beta = 1/tau_syn``.
        """
        if "tau_syn" in changes:
            tau = as_quantity("tau_syn", changes.pop("tau_syn"), u.ms)
            if not float(tau.to_decimal(u.ms)) > 0:
                raise ValueError(f"tau_syn must be > 0 ms, got {tau}")
            changes["beta"] = 1.0 / tau
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown WBParams field(s): {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Fields as plain numbers in the paper's units (JSON-friendly), keyed ``name`` → value."""
        out = {"n_cells": self.n_cells, "n_inputs": self.n_inputs, "wiring": self.wiring,
               "phi": self.phi}
        for name, (unit, _, _) in _QUANTITIES.items():
            out[name] = float(getattr(self, name).to_decimal(unit))
        return out

    @staticmethod
    def units() -> dict:
        """The unit in which :meth:`to_dict` reports each quantity."""
        return {name: str(unit) for name, (unit, _, _) in _QUANTITIES.items()}

    @classmethod
    def from_dict(cls, d: dict) -> "WBParams":
        """Inverse of :meth:`to_dict`."""
        kw = dict(d)
        for name, (unit, _, _) in _QUANTITIES.items():
            if name in kw:
                kw[name] = kw[name] * unit
        return cls(**kw)
