r"""The exact analysis of the synchronous state: its orbit, its stability, the cell's PRC.

In the fully synchronous state of N identical cells coupled all-to-all without self, every
cell follows one periodic orbit: a single cell inhibiting itself with the whole g_syn
(``wbmodel.reference.rhs_synchronous``). Whether a network that starts near that state
returns to it is a question of Floquet theory. A perturbation δx_i = (δV_i, δh_i, δn_i, δs_i)
of cell i obeys

.. math::

    \dot{\delta x_i} = A(t)\,\delta x_i
        - \frac{g_{syn}}{C}\,(V(t) - E_{syn})\, e_V \frac{1}{N-1}\sum_{j \ne i}\delta s_j,

where A(t) is the Jacobian of one cell under the conductance g_syn·s(t), without the
coupling through the presynaptic s. The coupling matrix (1 1ᵀ − I)/(N − 1) has two
eigenvalues: 1, for the synchronous mode (all δx_i equal), and −1/(N − 1), N − 1 times, for
the transverse modes (Σ δx_i = 0). So each mode obeys a 4 × 4 system, the Jacobian J(t) of
the self-inhibiting cell with its ∂V̇/∂s entry −g_syn (V − E_syn)/C multiplied by 1 or by
−1/(N − 1). The monodromy matrices over one period give the multipliers; the synchronous
state is stable when every transverse multiplier has modulus below 1.

Everything here is float64 SciPy (``solve_ivp``, DOP853, rtol 1e-11) with the Jacobian
written out analytically. The equations are those of the paper, as ``wbmodel.cell``
and ``wbmodel.synapse`` implement them, and the constants come from
:class:`~wbmodel.params.WBParams`; the tests check the orbit against
``wbmodel.reference`` and the multipliers against the growth of perturbations in
:func:`~wbmodel.simulate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import brainunit as u
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from . import reference
from .params import WBParams

__all__ = ["synchronous_orbit", "floquet", "prc", "scan", "threshold", "perturbation_growth",
           "transverse_factor", "weak_coupling", "two_cluster_orbit", "SynchronousOrbit",
           "Floquet", "PRC", "Scan", "WeakCoupling", "TwoClusterOrbit", "TheoryError",
           "SolverError", "NoPeriodicOrbit", "OrbitMismatch", "RTOL", "ATOL"]

#: Relative and absolute tolerances of every integration here (DOP853).
RTOL, ATOL = 1e-11, 1e-12


class TheoryError(RuntimeError):
    """The exact analysis could not be carried out (the message says why)."""


class SolverError(TheoryError):
    """SciPy's integrator failed (its message is kept)."""


class NoPeriodicOrbit(TheoryError):
    """No periodic firing was found: the state is quiescent, or the shooting diverged."""


class OrbitMismatch(TheoryError, ValueError):
    """An orbit was given for parameters other than those it was computed for."""


# -- the equations, as plain float functions of one state -----------------------------------

def _g(x):
    """The function x / (eᵡ − 1) = 1/exprel(x) and its derivative, exact at x = 0."""
    if abs(x) < 1e-2:
        x2 = x * x
        return (1.0 - x / 2.0 + x2 / 12.0 - x2 * x2 / 720.0,
                -0.5 + x / 6.0 - x2 * x / 180.0)
    em1 = math.expm1(x)
    g = x / em1
    return g, (em1 - x * (em1 + 1.0)) / (em1 * em1)


@dataclass(frozen=True)
class _Model:
    """The constants of one self-inhibiting cell, in the paper's units (plain floats)."""

    I: float
    phi: float
    g_syn: float
    E_syn: float
    alpha: float
    beta: float
    theta: float
    g_Na: float
    g_K: float
    g_L: float
    E_Na: float
    E_K: float
    E_L: float
    C: float

    @classmethod
    def of(cls, params: WBParams, g_syn=None, I_app=None) -> "_Model":
        d = params.to_dict()
        return cls(I=d["I_app"] if I_app is None else float(I_app), phi=d["phi"],
                   g_syn=d["g_syn"] if g_syn is None else float(g_syn), E_syn=d["E_syn"],
                   alpha=d["alpha"], beta=d["beta"], theta=d["theta_syn"],
                   **{k: d[k] for k in ("g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L", "C")})

    def _gates(self, V):
        """Rates and their V-derivatives at V: (m, dm/dV, αh, βh, αn, βn, d's, F, dF/dV)."""
        gm, dgm = _g(-0.1 * (V + 35.0))
        gn, dgn = _g(-0.1 * (V + 34.0))
        bm = 4.0 * math.exp(-(V + 60.0) / 18.0)
        ah = 0.07 * math.exp(-(V + 58.0) / 20.0)
        bh = 1.0 / (1.0 + math.exp(-0.1 * (V + 28.0)))
        an = 0.1 * gn
        bn = 0.125 * math.exp(-(V + 44.0) / 80.0)
        F = 1.0 / (1.0 + math.exp(-(V - self.theta) / 2.0))
        am, dam, dbm = gm, -0.1 * dgm, -bm / 18.0
        m = am / (am + bm)
        dm = (dam * bm - am * dbm) / (am + bm) ** 2
        return (m, dm, ah, bh, an, bn, -ah / 20.0, 0.1 * bh * (1.0 - bh), -0.01 * dgn,
                -bn / 80.0, F, 0.5 * F * (1.0 - F))

    def _f(self, V, h, n, s, m, ah, bh, an, bn, F, s_in):
        return (
            (-self.g_Na * m**3 * h * (V - self.E_Na) - self.g_K * n**4 * (V - self.E_K)
             - self.g_L * (V - self.E_L) - self.g_syn * s_in * (V - self.E_syn) + self.I)
            / self.C,
            self.phi * (ah * (1.0 - h) - bh * h),
            self.phi * (an * (1.0 - n) - bn * n),
            self.alpha * F * (1.0 - s) - self.beta * s,
        )

    def terms(self, V, h, n, s, s_in=None):
        """The right-hand side (4 values) and its Jacobian (4 × 4) at one state.

        ``s_in`` is the gate whose conductance g_syn·s_in the cell receives (default: its
        own s, the self-inhibiting cell of the synchronous state). The Jacobian's entry
        [0, 3] is then ∂V̇/∂s_in, the coupling entry; ∂ṡ/∂s is in [3, 3].
        """
        s_in = s if s_in is None else s_in
        m, dm, ah, bh, an, bn, dah, dbh, dan, dbn, F, dF = self._gates(V)
        f = self._f(V, h, n, s, m, ah, bh, an, bn, F, s_in)
        iC, phi, m3 = 1.0 / self.C, self.phi, m**3
        J = np.empty((4, 4))
        J[0] = ((-self.g_Na * (3.0 * m * m * dm * h * (V - self.E_Na) + m3 * h)
                 - self.g_K * n**4 - self.g_L - self.g_syn * s_in) * iC,
                -self.g_Na * m3 * (V - self.E_Na) * iC,
                -4.0 * self.g_K * n**3 * (V - self.E_K) * iC,
                -self.g_syn * (V - self.E_syn) * iC)
        J[1] = (phi * (dah * (1.0 - h) - dbh * h), -phi * (ah + bh), 0.0, 0.0)
        J[2] = (phi * (dan * (1.0 - n) - dbn * n), 0.0, -phi * (an + bn), 0.0)
        J[3] = (self.alpha * dF * (1.0 - s), 0.0, 0.0, -(self.alpha * F + self.beta))
        return f, J

    def f(self, V, h, n, s, s_in=None):
        """The right-hand side (4 values) at one state, under g_syn·s_in (default: s)."""
        m, _, ah, bh, an, bn, _, _, _, _, F, _ = self._gates(V)
        return self._f(V, h, n, s, m, ah, bh, an, bn, F, s if s_in is None else s_in)

    def rhs(self, t, y):
        return self.f(*y)

    def rhs_variational(self, t, y, kappas):
        """The orbit and one 4 × 4 variational system per coupling factor κ.

        κ multiplies the coupling entry ∂V̇/∂s: 1 for the synchronous mode, −1/(N − 1) for
        the transverse modes of N cells. ``kappas`` here holds κ − 1 for each column of
        the matrices, laid side by side (:func:`_flow`).
        """
        f, J = self.terms(y[0], y[1], y[2], y[3])
        out = np.empty_like(y)
        out[:4] = f
        Phi = y[4:].reshape(4, -1)  # the k matrices side by side: (4, 4k)
        JP = J @ Phi
        # the coupling entry J[0, 3] enters mode k as κ_k·J[0, 3], not J[0, 3]
        JP[0] += (J[0, 3] * kappas) * Phi[3]
        out[4:] = JP.ravel()
        return out

    @staticmethod
    def rest(V0=-65.0):
        """(V0, h∞, n∞, 0): the start of a settling run (the reference's rest state)."""
        return np.array([*reference.rest_state(V0), 0.0])


def _solve(fun, t_span, y0, what, rtol=RTOL, atol=ATOL, **kw):
    sol = solve_ivp(fun, t_span, y0, method="DOP853", rtol=rtol, atol=atol, **kw)
    if sol.status < 0 or not np.all(np.isfinite(sol.y[:, -1])):
        raise SolverError(f"DOP853 failed while {what}: {sol.message}")
    return sol


def _up(t, y, *args):
    return y[0]


_up.direction = 1.0


# -- the orbit --------------------------------------------------------------------------------

class SynchronousOrbit(NamedTuple):
    """The periodic orbit of the synchronous state (or of a lone cell when g_syn = 0).

    Attributes
    ----------
    period : Quantity, ms
    frequency : Quantity, Hz
    trough : Quantity, mV
        The minimum of V over this orbit: the AHP trough of the cells in the synchronous
        network (not of a lone cell).
    t : Quantity, ms
        Times from the upward crossing of 0 mV (phase 0) over one period.
    V, h, n, s : ndarray
        The orbit at ``t`` (V in mV as a Quantity; h, n, s plain).
    monodromy : ndarray, shape (4, 4)
        The synchronous mode's monodromy matrix, from phase 0.
    y0 : ndarray, shape (4,)
        The state at phase 0 (mV, -, -, -).
    params : WBParams
    """

    period: u.Quantity
    frequency: u.Quantity
    trough: u.Quantity
    t: u.Quantity
    V: u.Quantity
    h: np.ndarray
    n: np.ndarray
    s: np.ndarray
    monodromy: np.ndarray
    y0: np.ndarray
    params: WBParams


def _check_reducible(params: WBParams) -> WBParams:
    if not isinstance(params, WBParams):
        raise TypeError(f"params must be a WBParams, got {type(params).__name__}")
    refused = []
    if params.n_inputs is not None:
        refused.append(f"sparse wiring (n_inputs = {params.n_inputs}): cells receive "
                       "different inputs, so no single orbit describes them")
    if float(params.I_sigma.to_decimal(u.uA / u.cm**2)) > 0:
        refused.append(f"heterogeneous drive (I_sigma = {params.I_sigma}): the cells differ, "
                       "so no exactly synchronous state exists")
    if refused:
        raise ValueError("the synchronous reduction covers identical cells coupled "
                         "all-to-all; refused: " + "; ".join(refused))
    return params


def _settle(model: _Model, start=None):
    """The state at an upward crossing of 0 mV after settling, and the last period.

    From rest, 300 ms (2 s if that holds fewer than three spikes); from ``start`` (a state
    of a nearby orbit and its period, for continuation), four of its periods. Loose
    tolerances: this is only the shooting's first guess; the synchronous mode contracts
    by a factor of 100 or more per cycle, so a few cycles suffice.
    """
    if start is None:
        tries = [(model.rest(), 300.0), (model.rest(), 2000.0)]
    else:
        tries = [(np.asarray(start[0], float), 4.0 * float(start[1])), (model.rest(), 300.0),
                 (model.rest(), 2000.0)]
    for y0, duration in tries:
        sol = _solve(model.rhs, (0.0, duration), y0, "settling onto the orbit",
                     events=_up, max_step=1.0, rtol=1e-6, atol=1e-8)
        t, y = sol.t_events[0], sol.y_events[0]
        if t.size >= 3:
            return y[-1].copy(), float(t[-1] - t[-2])
    raise NoPeriodicOrbit(
        f"the synchronous state does not fire repetitively: {t.size} spike(s) in "
        f"{duration:g} ms from rest (I_app = {model.I:g} µA/cm², g_syn = "
        f"{model.g_syn:g} mS/cm²)")


def _flow(model, y0, T, kappas, dense=False):
    """Integrate the orbit from y0 with the variational systems of ``kappas`` to time T.

    The k monodromy matrices are integrated side by side as one 4 × 4k matrix.
    """
    k = len(kappas)
    Y0 = np.concatenate([y0, np.tile(np.eye(4), (1, k)).ravel()])
    shift = np.repeat(np.asarray(kappas, float) - 1.0, 4)
    sol = _solve(model.rhs_variational, (0.0, T), Y0, "integrating the variational "
                 "equations", args=(shift,), dense_output=dense)
    Phis = sol.y[4:, -1].reshape(4, k, 4).transpose(1, 0, 2)
    return sol, sol.y[:4, -1], Phis


def _shoot(model: _Model, y0, T, kappas=(), tol=1e-10, max_iter=12):
    """Newton on (h0, n0, s0, T) with V0 = 0 mV: the orbit that returns to its start.

    Returns the converged (y0, T), the last step's dense solution and its monodromy
    matrices, for κ = 1 (the synchronous mode) and each of ``kappas``.
    """
    y0 = np.array(y0, float)
    y0[0] = 0.0
    step = np.inf
    for _ in range(max_iter):
        sol, yT, Phis = _flow(model, y0, T, (1.0, *kappas), dense=True)
        if step < tol:  # the previous step was already below tol: this flow is the orbit's
            return y0, T, sol, Phis
        r = yT - y0
        f_end = np.asarray(model.rhs(T, yT))
        A = np.column_stack([Phis[0][:, 1:] - np.eye(4)[:, 1:], f_end])
        try:
            dz = np.linalg.solve(A, -r)
        except np.linalg.LinAlgError as err:
            raise NoPeriodicOrbit(f"the shooting's Jacobian is singular: {err}") from None
        if not (np.all(np.isfinite(dz)) and np.max(np.abs(dz[:3])) < 0.2
                and abs(dz[3]) < 0.2 * T):
            raise NoPeriodicOrbit(f"the shooting diverged (Newton step {dz})")
        y0[1:] += dz[:3]
        T += dz[3]
        step = max(np.max(np.abs(dz[:3])), abs(dz[3]) / max(T, 1.0))
    raise NoPeriodicOrbit(f"the shooting did not converge in {max_iter} Newton steps "
                          f"(last step {step:.2e})")


def _orbit(model: _Model, params: WBParams, guess=None, kappas=(), samples=2000):
    """The orbit (and the monodromy matrices of ``kappas``) from a settling run or a guess."""
    y0, T, sol, Phis = _shoot(model, *_settle(model, guess), kappas)
    t = np.linspace(0.0, T, samples, endpoint=False)
    y = sol.sol(t)[:4]
    fine = np.linspace(0.0, T, max(20 * samples, int(T / 1e-3)))
    trough = float(sol.sol(fine)[0].min())
    orbit = SynchronousOrbit(
        period=T * u.ms, frequency=1e3 / T * u.Hz, trough=trough * u.mV, t=t * u.ms,
        V=y[0] * u.mV, h=y[1], n=y[2], s=y[3], monodromy=Phis[0], y0=y0, params=params)
    return orbit, sol, Phis[1:]


def synchronous_orbit(params: WBParams | None = None, guess=None) -> SynchronousOrbit:
    """The periodic orbit of the network's fully synchronous state.

    Every cell of an all-to-all network without self-connections, with identical drives,
    follows this orbit when they are in step: one cell inhibiting itself with the total
    g_syn. It is found by shooting: Newton's method on the state at the upward crossing of
    0 mV and the period, with the monodromy matrix from the variational equations as its
    Jacobian, from a settling run (300 ms from rest, 2 s if the cell fires too slowly for
    three spikes in 300 ms) or from ``guess``.

    Parameters
    ----------
    params : WBParams, optional
        The network (default: the paper's Fig. 3A). Its ``n_cells`` does not enter the orbit.
    guess : SynchronousOrbit or (ndarray, float), optional
        The orbit of a nearby parameter set, or a state at phase 0 and a period (ms), to
        start the shooting from (continuation along a scan) instead of a settling run.

    Returns
    -------
    SynchronousOrbit

    Raises
    ------
    ValueError
        For parameters the reduction does not cover: sparse wiring (``n_inputs`` set) or
        heterogeneous drive (``I_sigma`` > 0).
    NoPeriodicOrbit
        If the synchronous state does not fire repetitively, or the shooting fails.
    SolverError
        If SciPy's integrator fails.
    """
    params = _check_reducible(WBParams() if params is None else params)
    return _orbit(_Model.of(params), params, _guess(guess))[0]


def _guess(guess):
    if guess is None:
        return None
    if isinstance(guess, SynchronousOrbit):
        return guess.y0, float(guess.period.to_decimal(u.ms))
    y0, T = guess
    return np.asarray(y0, float), float(u.maybe_decimal(u.Quantity(T).in_unit(u.ms))
                                        if isinstance(T, u.Quantity) else T)


# -- stability --------------------------------------------------------------------------------

class Floquet(NamedTuple):
    """The Floquet multipliers of the synchronous orbit.

    Attributes
    ----------
    synchronous : ndarray of complex, shape (4,)
        The multipliers of the synchronous mode (every cell perturbed alike), sorted by
        modulus, largest first; one of them is 1 (a shift along the orbit).
    transverse : ndarray of complex, shape (4,)
        The multipliers of the N − 1 transverse modes (Σ δx_i = 0), sorted likewise. The
        synchronous state is stable when all have modulus < 1.
    n_cells : int
    orbit : SynchronousOrbit
    """

    synchronous: np.ndarray
    transverse: np.ndarray
    n_cells: int
    orbit: SynchronousOrbit

    @property
    def largest_transverse(self) -> float:
        """The largest modulus of the transverse multipliers; below 1, synchrony is stable."""
        return float(np.abs(self.transverse[0]))

    @property
    def stable(self) -> bool:
        """Whether a small perturbation of synchrony decays."""
        return self.largest_transverse < 1.0


def _sorted(mu):
    mu = np.asarray(mu, complex)
    return mu[np.argsort(-np.abs(mu), kind="stable")]


def transverse_factor(n_cells: int) -> float:
    """κ = −1/(N − 1): how the coupling term enters a transverse mode of N cells."""
    return -1.0 / (n_cells - 1)


def floquet(params: WBParams | None = None, orbit: SynchronousOrbit | None = None,
            n_cells=None, guess=None):
    """The Floquet multipliers of the synchronous state of ``params.n_cells`` cells.

    Parameters
    ----------
    params : WBParams, optional
        The network (default: the paper's Fig. 3A).
    orbit : SynchronousOrbit, optional
        Its orbit, if already computed (:func:`synchronous_orbit` of the same parameters).
    n_cells : sequence of int, optional
        Several network sizes at once (one integration): a list of :class:`Floquet` is
        returned, one per N. Default: ``params.n_cells`` alone, and one :class:`Floquet`.
    guess : SynchronousOrbit, optional
        The orbit of a nearby parameter set, to start the shooting from (continuation
        along a scan), when ``orbit`` is not given.

    Returns
    -------
    Floquet or list of Floquet

    Raises
    ------
    OrbitMismatch
        If ``orbit`` was computed for other parameters (``n_cells`` apart).
    ValueError, NoPeriodicOrbit, SolverError
        As :func:`synchronous_orbit`.
    """
    params = _check_reducible(WBParams() if params is None else params)
    sizes = [params.n_cells] if n_cells is None else [int(n) for n in n_cells]
    if any(n < 2 for n in sizes):
        raise ValueError(f"n_cells must be >= 2, got {sizes}")
    model = _Model.of(params)
    kappas = tuple(transverse_factor(n) for n in sizes)
    if orbit is None:
        orbit, _, Phis = _orbit(model, params, _guess(guess), kappas)
    else:
        # n_cells does not enter the orbit; every other parameter does
        if orbit.params.replace(n_cells=params.n_cells) != params:
            raise OrbitMismatch(
                "the orbit was computed for other parameters than these: "
                f"{orbit.params} against {params}")
        T = float(orbit.period.to_decimal(u.ms))
        Phis = _flow(model, orbit.y0, T, (1.0, *kappas))[2][1:]
    sync = _sorted(np.linalg.eigvals(orbit.monodromy))
    out = [Floquet(sync, _sorted(np.linalg.eigvals(P)), n, orbit)
           for n, P in zip(sizes, Phis, strict=True)]
    return out[0] if n_cells is None else out


class Scan(NamedTuple):
    """The synchronous state along a list of parameter sets (:func:`scan`).

    Attributes
    ----------
    mu : ndarray
        The largest modulus of a transverse multiplier at each point (< 1: stable).
    multiplier : ndarray of complex
        That multiplier itself (its sign says whether the spread flips each cycle).
    trough : Quantity, mV
        The AHP trough of the synchronous orbit.
    frequency : Quantity, Hz
        The frequency of the synchronous state.
    """

    mu: np.ndarray
    multiplier: np.ndarray
    trough: u.Quantity
    frequency: u.Quantity


def scan(points) -> Scan:
    """The synchronous orbit and its transverse multipliers at each of ``points``.

    Each point's shooting starts from the previous point's orbit (continuation), so
    neighbouring points cost a fraction of a fresh start.

    Parameters
    ----------
    points : sequence of WBParams
        Parameter sets, ideally ordered so that neighbours are close; each uses its own
        ``n_cells``.

    Returns
    -------
    Scan

    Raises
    ------
    NoPeriodicOrbit
        Naming the point whose synchronous state does not fire.
    """
    last, mu, trough, freq = None, [], [], []
    for k, q in enumerate(points):
        try:
            f = floquet(q, guess=last)
        except NoPeriodicOrbit as err:
            raise NoPeriodicOrbit(f"point {k} of the scan: {err}") from None
        last = f.orbit
        mu.append(f.transverse[0])
        trough.append(float(f.orbit.trough.to_decimal(u.mV)))
        freq.append(float(f.orbit.frequency.to_decimal(u.Hz)))
    mu = np.array(mu, complex)
    return Scan(mu=np.abs(mu), multiplier=mu, trough=np.array(trough) * u.mV,
                frequency=np.array(freq) * u.Hz)


def threshold(make, lo: float, hi: float, measure: str = "mu", level: float = 1.0,
              xtol: float = 1e-3) -> float:
    """Where a property of the synchronous state crosses ``level``, between lo and hi.

    Parameters
    ----------
    make : callable
        ``make(x) -> WBParams``: the parameter set at x (a plain number).
    lo, hi : float
        A bracket: the property minus ``level`` changes sign between them.
    measure : {"mu", "trough"}
        The largest modulus of a transverse multiplier (``level`` 1: the edge of
        stability), or the orbit's AHP trough in mV (e.g. ``level`` = E_syn).
    level : float
    xtol : float
        The tolerance on x (Brent's method).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the property does not cross ``level`` between lo and hi.
    """
    if measure not in ("mu", "trough"):
        raise ValueError(f"measure must be 'mu' or 'trough', got {measure!r}")
    last, seen = [], {}

    def g(x):
        x = float(x)
        if x not in seen:  # Brent's method asks for both ends again
            f = floquet(make(x), guess=last[-1] if last else None)
            last.append(f.orbit)
            seen[x] = (f.largest_transverse if measure == "mu"
                       else float(f.orbit.trough.to_decimal(u.mV))) - level
        return seen[x]

    g_lo, g_hi = g(lo), g(hi)
    if np.sign(g_lo) == np.sign(g_hi):
        raise ValueError(f"{measure} does not cross {level:g} between {lo:g} and {hi:g} "
                         f"({measure} − level = {g_lo:.3g} and {g_hi:.3g})")
    return float(brentq(g, lo, hi, xtol=xtol))


# -- the phase response curve ------------------------------------------------------------------

@dataclass(frozen=True)
class PRC:
    """The infinitesimal phase response curve of one cell.

    Unpacks as ``phase, Z = prc(...)``; the cell's period is kept as ``.period``. A plain
    dataclass: it pickles and copies like any other.

    Attributes
    ----------
    phase : ndarray
        Phases in [0, 1); phase 0 is the upward crossing of 0 mV.
    Z : Quantity, ms/mV
        The phase advance (ms) per mV of a voltage kick at that phase, per unit kick.
    period : Quantity, ms
        The cell's period.
    """

    phase: np.ndarray
    Z: u.Quantity
    period: u.Quantity

    def __iter__(self):
        """``phase, Z = prc(...)``: the two curves, as before."""
        return iter((self.phase, self.Z))

    def __len__(self) -> int:
        """Two: the pair (phase, Z)."""
        return 2


def prc(I_app=1.0 * u.uA / u.cm**2, phi: float = 5.0, samples: int = 400,
        cycles: int = 4) -> PRC:
    """The infinitesimal PRC of the lone cell, by the adjoint method.

    The adjoint Z(t) solves dZ/dt = −J(t)ᵀ Z along the cell's orbit, backwards in time
    (where it is stable), normalised so that Z · dx/dt = 1: a kick δV at phase ϑ advances the
    next spikes by Z_V(ϑ)·δV ms. ``cycles`` periods are integrated back before Z is read.

    Parameters
    ----------
    I_app : Quantity, µA/cm²
        The drive (above the rheobase, so the cell fires).
    phi : float
        The temperature factor φ.
    samples : int
        Number of phases returned (evenly spaced in [0, 1)).
    cycles : int
        Periods integrated backwards before the last one, from which Z is read.

    Returns
    -------
    PRC

    Raises
    ------
    NoPeriodicOrbit
        If the cell does not fire at this drive.
    SolverError
        If SciPy's integrator fails.
    """
    params = WBParams(I_app=I_app, phi=phi, g_syn=0.0 * u.mS / u.cm**2)
    model = _Model.of(params)
    orbit, sol, _ = _orbit(model, params)
    phase, Z_V, _ = _adjoint(model, orbit, sol, samples, cycles)
    return PRC(phase=phase, Z=Z_V * (u.ms / u.mV), period=orbit.period)


def _adjoint(model: _Model, orbit: SynchronousOrbit, sol, samples: int, cycles: int):
    """The V component of the adjoint Z on ``samples`` phases, and the orbit's state there.

    Returns (phase, Z_V in ms/mV, states of shape (4, samples)).
    """
    T = float(orbit.period.to_decimal(u.ms))

    def x_of(t):
        return sol.sol(np.mod(t, T))[:4]

    def adjoint(t, z):
        x = x_of(t)
        return -model.terms(*x)[1].T @ z

    f0 = np.asarray(model.rhs(0.0, orbit.y0))
    z0 = f0 / (f0 @ f0)  # any start with Z·f = 1; the backward run forgets it
    back = _solve(adjoint, (cycles * T, 0.0), z0, "integrating the adjoint backwards",
                  dense_output=True, max_step=T / 50)
    phase = np.arange(samples) / samples
    Zs = back.sol(phase * T)
    xs = x_of(phase * T)
    norm = np.array([Zs[:, i] @ np.asarray(model.rhs(0.0, xs[:, i])) for i in range(samples)])
    if not np.all(np.isfinite(norm)) or np.min(np.abs(norm)) <= 0:
        raise SolverError("the adjoint lost its normalisation (Z·f = 0)")
    return phase, Zs[0] / norm, xs


# -- the weak-coupling limit --------------------------------------------------------------------

class WeakCoupling(NamedTuple):
    r"""The phase model of the synchronous state in the limit of weak coupling.

    Each cell keeps the lone cell's orbit (g_syn = 0) and its phase θ (ms) obeys
    θ̇_i = 1 + Σ_j H(θ_j − θ_i)/(N − 1), with

    .. math::

        H(\psi) = \frac{1}{T}\int_0^T Z(t)\,\frac{g_{syn}}{C}\, s(t + \psi)\,
                  (E_{syn} - V(t))\,dt,

    Z the lone cell's phase response (ms/mV) and s the gate its own spikes drive. A
    transverse perturbation of synchrony then shrinks by exp(−T H′(0) N/(N − 1)) per
    cycle: synchrony is stable when H′(0) > 0.

    Attributes
    ----------
    H_prime : float
        H′(0) in 1/ms, with the parameters' g_syn.
    H_prime_below : float
        The part of H′(0) from the phases where the lone cell's V lies below E_syn, where
        the factor (E_syn − V) is positive and the inhibition depolarises (1/ms).
    multiplier : float
        The phase model's transverse multiplier for ``params.n_cells`` cells,
        exp(−T H′(0) N/(N − 1)) (N = 2: exp(−2 T H′(0))).
    period : Quantity, ms
        The lone cell's period T.
    orbit : SynchronousOrbit
        The lone cell's orbit (g_syn = 0; its s is the gate it drives).
    """

    H_prime: float
    H_prime_below: float
    multiplier: float
    period: u.Quantity
    orbit: SynchronousOrbit


def weak_coupling(params: WBParams | None = None, samples: int = 4000,
                  cycles: int = 4) -> WeakCoupling:
    """H′(0) and the phase model's multiplier for the synchronous state of ``params``.

    The lone cell's orbit (the parameters with g_syn = 0), its adjoint Z by
    :func:`prc`'s method, and ṡ along that orbit give H′(0) =
    (1/T)∫ Z(t) (g_syn/C) ṡ(t) (E_syn − V(t)) dt, averaged over ``samples`` evenly
    spaced phases (exact for a periodic integrand up to its resolution).

    Parameters
    ----------
    params : WBParams, optional
        The network (default: the paper's Fig. 3A); identical cells, all-to-all.
    samples : int
        Phases at which the integrand is evaluated.
    cycles : int
        Periods of the adjoint integrated backwards before it is read.

    Returns
    -------
    WeakCoupling

    Raises
    ------
    ValueError, NoPeriodicOrbit, SolverError
        As :func:`synchronous_orbit` (here for the lone cell).
    """
    params = _check_reducible(WBParams() if params is None else params)
    lone = params.replace(g_syn=0.0 * u.mS / u.cm**2)
    model = _Model.of(lone)
    orbit, sol, _ = _orbit(model, lone)
    _, Z, xs = _adjoint(model, orbit, sol, samples, cycles)
    d = params.to_dict()
    V = xs[0]
    s_dot = np.array([model.rhs(0.0, x)[3] for x in xs.T])
    integrand = Z * d["g_syn"] / d["C"] * s_dot * (d["E_syn"] - V)
    H1 = float(integrand.mean())
    below = float(np.where(V < d["E_syn"], integrand, 0.0).mean())
    T = float(orbit.period.to_decimal(u.ms))
    N = params.n_cells
    return WeakCoupling(H_prime=H1, H_prime_below=below,
                        multiplier=math.exp(-T * H1 * N / (N - 1)), period=orbit.period,
                        orbit=orbit)


# -- the two-cluster state ----------------------------------------------------------------------

class TwoClusterOrbit(NamedTuple):
    """The periodic orbit of two equal synchronous clusters that fire in turn.

    N/2 cells (cluster A) fire together, then, half a period later, the other N/2
    (cluster B). A cell of A receives g_syn/(N − 1)·[(N/2 − 1) s_A + (N/2) s_B], so the
    state reduces to two cells (8 variables), and B follows A shifted by half a period.

    Attributes
    ----------
    period : Quantity, ms
        A cell's period (each cell fires once per period; the population twice).
    frequency : Quantity, Hz
        The population rhythm, 2/period: a volley every half period.
    trough : Quantity, mV
        The minimum of V of a cell on this orbit.
    t : Quantity, ms
        Times over one period from cluster A's upward crossing of 0 mV.
    V_A, V_B : Quantity, mV
        The two clusters' V at ``t``.
    s_A, s_B : ndarray
        Their synaptic gates.
    between : ndarray of complex, shape (8,)
        The multipliers of the two-cell system (each cluster kept synchronous), over one
        period: first the trivial 1 (a shift along the orbit, found by its eigenvector),
        then the others sorted by modulus. They are the squares of ``half_map``.
    half_map : ndarray of complex, shape (8,)
        The multipliers of the half-period map (A's volley to B's, the clusters swapped),
        in the same order: their signs, which the squares lose, say how a multiplier
        leaves the unit circle (through +1 or −1 of this map).
    within : ndarray of complex, shape (4,)
        The multipliers of the transverse modes within one cluster (its cells made to
        differ, the sum over the cluster unchanged), over one period, sorted likewise;
        the same for both clusters by symmetry. Absent (empty) for N = 2.
    n_cells : int
    y0 : ndarray, shape (8,)
        The state at phase 0 (A's upward crossing of 0 mV).
    params : WBParams
    """

    period: u.Quantity
    frequency: u.Quantity
    trough: u.Quantity
    t: u.Quantity
    V_A: u.Quantity
    V_B: u.Quantity
    s_A: np.ndarray
    s_B: np.ndarray
    between: np.ndarray
    half_map: np.ndarray
    within: np.ndarray
    n_cells: int
    y0: np.ndarray
    params: WBParams

    @property
    def largest_between(self) -> float:
        """The largest modulus of a multiplier between the clusters, the trivial 1 left out."""
        return float(np.max(np.abs(self.between[1:])))

    @property
    def largest_within(self) -> float:
        """The largest modulus of a multiplier within a cluster (0 for N = 2)."""
        return float(np.max(np.abs(self.within))) if self.within.size else 0.0

    @property
    def stable(self) -> bool:
        """Whether a small perturbation of the two-cluster state decays."""
        return max(self.largest_between, self.largest_within) < 1.0


class _TwoClusters:
    """The two-cell system of two equal clusters of N/2 cells, with its Jacobian."""

    def __init__(self, model: _Model, n_cells: int):
        K = n_cells // 2
        self.model = model
        self.own, self.other = (K - 1) / (n_cells - 1), K / (n_cells - 1)
        self.within_factor = transverse_factor(n_cells)

    def _inputs(self, y):
        return (self.own * y[3] + self.other * y[7], self.own * y[7] + self.other * y[3])

    def rhs(self, t, y):
        a, b = self._inputs(y)
        return [*self.model.f(*y[:4], s_in=a), *self.model.f(*y[4:], s_in=b)]

    def rhs_variational(self, t, Y):
        """The 8 states, the 8 × 8 variational matrix, and the within-cluster 4 × 4 of A and B."""
        y = Y[:8]
        a, b = self._inputs(y)
        fa, Ja = self.model.terms(*y[:4], s_in=a)
        fb, Jb = self.model.terms(*y[4:], s_in=b)
        J = np.zeros((8, 8))
        J[:4, :4], J[4:, 4:] = Ja, Jb
        # Ja[0, 3] is ∂V̇_A/∂s_in: it reaches s_A and s_B with their weights
        J[0, 3], J[0, 7] = self.own * Ja[0, 3], self.other * Ja[0, 3]
        J[4, 7], J[4, 3] = self.own * Jb[0, 3], self.other * Jb[0, 3]
        Wa, Wb = Ja.copy(), Jb.copy()
        Wa[0, 3] *= self.within_factor
        Wb[0, 3] *= self.within_factor
        out = np.empty_like(Y)
        out[:4], out[4:8] = fa, fb
        out[8:72] = (J @ Y[8:72].reshape(8, 8)).ravel()
        out[72:88] = (Wa @ Y[72:88].reshape(4, 4)).ravel()
        out[88:] = (Wb @ Y[88:].reshape(4, 4)).ravel()
        return out

    def flow(self, y0, tau_max, dense=False):
        """From y0 to cluster B's upward crossing of 0 mV (at most tau_max ms).

        Returns the dense solution, the time τ of the crossing, y(τ), Φ(τ) (8 × 8), and
        the within-cluster matrices W_A(τ) and W_B(τ) (4 × 4).
        """
        def b_fires(t, Y):
            return Y[4]

        b_fires.terminal, b_fires.direction = True, 1.0
        Y0 = np.concatenate([y0, np.eye(8).ravel(), np.eye(4).ravel(), np.eye(4).ravel()])
        sol = _solve(self.rhs_variational, (0.0, tau_max), Y0, "integrating the two-cluster "
                     "variational equations", dense_output=dense, events=b_fires)
        if not sol.t_events[0].size:
            raise NoPeriodicOrbit(f"cluster B did not fire within {tau_max:.1f} ms")
        Y = sol.y_events[0][0]
        return (sol, float(sol.t_events[0][0]), Y[:8], Y[8:72].reshape(8, 8),
                Y[72:88].reshape(4, 4), Y[88:].reshape(4, 4))


# The swap of the two clusters' states (B's orbit is A's, half a period on).
_SWAP = np.block([[np.zeros((4, 4)), np.eye(4)], [np.eye(4), np.zeros((4, 4))]])


def _anti_phase_guess(sync: SynchronousOrbit):
    """A first guess: cluster A at the synchronous orbit's phase 0, B half a period on.

    No settling run: an unstable two-cluster state would merge into synchrony during one,
    and the damped Newton of :func:`_shoot_two` converges from here along the Fig. 3 path.
    """
    T = float(sync.period.to_decimal(u.ms))
    half = len(sync.t) // 2
    y0 = np.concatenate([sync.y0, [float(sync.V[half].to_decimal(u.mV)), sync.h[half],
                                   sync.n[half], sync.s[half]]])
    return y0, 0.5 * T


def _shoot_two(system: _TwoClusters, y0, tau, tol=1e-10, max_iter=40):
    """Newton on the half-period map: from A's upward crossing of 0 mV to B's, swapped.

    The map takes y0 (V_A = 0) to the state when B crosses 0 mV upwards, with A and B
    exchanged; its fixed point is the two-cluster orbit. Timing the map by B's crossing
    (a Poincaré section) keeps Newton away from the spike's steep flank.
    """
    y0 = np.array(y0, float)
    y0[0] = 0.0
    step = np.inf
    for _ in range(max_iter):
        sol, tau, y_tau, Phi, Wa, Wb = system.flow(y0, 3.0 * tau, dense=True)
        if step < tol:
            return y0, tau, sol, Phi, Wa, Wb
        # the section's projection: a change of state moves B's crossing time
        f_end = np.asarray(system.rhs(tau, y_tau))
        DP = (np.eye(8) - np.outer(f_end, np.eye(8)[4]) / f_end[4]) @ Phi
        r = (_SWAP @ y_tau)[1:] - y0[1:]
        A = (_SWAP @ DP)[1:, 1:] - np.eye(7)
        try:
            dz = np.linalg.solve(A, -r)
        except np.linalg.LinAlgError as err:
            raise NoPeriodicOrbit(f"the two-cluster shooting's Jacobian is singular: "
                                  f"{err}") from None
        if not np.all(np.isfinite(dz)):
            raise NoPeriodicOrbit(f"the two-cluster shooting diverged (Newton step {dz})")
        # damped: at most 5 mV on V_B and 0.1 on a gate per step, from a poor first guess
        gates = np.delete(np.abs(dz), 3)
        y0[1:] += dz * min(1.0, 5.0 / max(abs(dz[3]), 1e-300),
                           0.1 / max(float(gates.max()), 1e-300))
        if not (0.0 < y0[[1, 2, 3, 5, 6, 7]].min() and y0[[1, 2, 3, 5, 6, 7]].max() < 1.0):
            raise NoPeriodicOrbit("the two-cluster shooting left the gates' range [0, 1]")
        step = float(np.max(np.abs(dz)))
    raise NoPeriodicOrbit(f"the two-cluster shooting did not converge in {max_iter} Newton "
                          f"steps (last step {step:.2e})")


def two_cluster_orbit(params: WBParams | None = None, guess=None,
                      samples: int = 2000) -> TwoClusterOrbit:
    """The two-cluster state of ``params.n_cells`` cells and its Floquet multipliers.

    Found by shooting over half a period: the state of (A, B) after τ must be (B, A), with
    the 8 × 8 variational matrix Φ(τ) as Newton's Jacobian. The full period's multipliers
    between the clusters are the eigenvalues of (PΦ)², P the swap; those within a cluster
    are the eigenvalues of W_B(τ) W_A(τ), the within-cluster transverse systems of A and B
    over half a period each (A's second half is B's first).

    Parameters
    ----------
    params : WBParams, optional
        The network (default: the paper's Fig. 3A); identical cells, all-to-all, with an
        even ``n_cells``.
    guess : TwoClusterOrbit, optional
        The two-cluster orbit of a nearby parameter set (continuation); default: the
        synchronous orbit's states half a period apart.
    samples : int
        Points of the returned orbit over one period.

    Returns
    -------
    TwoClusterOrbit

    Raises
    ------
    ValueError
        For parameters the reduction does not cover, or an odd ``n_cells``.
    NoPeriodicOrbit
        If no two-cluster orbit is found: the shooting diverged, or the orbit found is not
        one volley of each cluster per period.
    SolverError
        If SciPy's integrator fails.
    """
    params = _check_reducible(WBParams() if params is None else params)
    N = params.n_cells
    if N % 2:
        raise ValueError(f"two equal clusters need an even n_cells, got {N}")
    model = _Model.of(params)
    system = _TwoClusters(model, N)
    if guess is None:
        start = _anti_phase_guess(synchronous_orbit(params))
    else:
        start = (guess.y0, 0.5 * float(guess.period.to_decimal(u.ms)))
    y0, tau, sol, Phi, Wa, Wb = _shoot_two(system, *start)
    t = np.linspace(0.0, tau, max(samples // 2, 2), endpoint=False)
    half = sol.sol(t)[:8]
    fine = sol.sol(np.linspace(0.0, tau, max(20 * samples, int(tau / 1e-3))))[:8]
    # one volley of each cluster per period: the half period ends at B's first crossing
    # of 0 mV, and A must not cross it again before then
    if np.count_nonzero((fine[0, :-1] < 0) & (fine[0, 1:] >= 0)):
        raise NoPeriodicOrbit("the orbit found is not one volley of each cluster per "
                              "period: a cluster fires twice")
    # the second half: A follows B's first half
    V_A = np.concatenate([half[0], half[4]])
    V_B = np.concatenate([half[4], half[0]])
    s_A = np.concatenate([half[3], half[7]])
    s_B = np.concatenate([half[7], half[3]])
    # the half-period map's multipliers; the period's are their squares. The trivial one
    # (+1) has the flow's direction at phase 0 as its eigenvector
    lam, vectors = np.linalg.eig(_SWAP @ Phi)
    f0 = np.asarray(system.rhs(0.0, y0))
    trivial = int(np.argmax(np.abs(f0 @ vectors) / np.linalg.norm(vectors, axis=0)))
    half_map = np.concatenate([[lam[trivial]], _sorted(np.delete(lam, trivial))])
    within = _sorted(np.linalg.eigvals(Wb @ Wa)) if N >= 4 else np.empty(0, complex)
    trough = float(min(fine[0].min(), fine[4].min()))
    T = 2.0 * tau
    return TwoClusterOrbit(
        period=T * u.ms, frequency=2e3 / T * u.Hz, trough=trough * u.mV,
        t=np.concatenate([t, t + tau]) * u.ms, V_A=V_A * u.mV, V_B=V_B * u.mV, s_A=s_A,
        s_B=s_B, between=half_map**2, half_map=half_map, within=within, n_cells=N, y0=y0,
        params=params)


# -- the check against the simulator -----------------------------------------------------------

def perturbation_growth(result, period, skip: int = 3) -> np.ndarray:
    """The growth per cycle of the cells' spread about their mean, in a simulated network.

    For a network started close to synchrony (a narrow ``V0_range``), the deviation of each
    cell from the population mean lies in the transverse modes; once the largest of them
    dominates it grows or shrinks by the modulus of μ per period. Its size in cycle k is
    measured as
    E_k = (Σ over the cycle's frames and the recorded cells of (V_i − V̄)²)^½, with V̄ the
    population mean, and the ratios E_{k+1}/E_k are returned.

    Parameters
    ----------
    result : SimulationResult
        A run that recorded every cell (``record=range(N)``).
    period : Quantity, ms
        The period of the synchronous orbit (:func:`synchronous_orbit`).
    skip : int
        Cycles left out at the start, while the other modes die out.

    Returns
    -------
    ndarray
        E_{k+1}/E_k for the cycles after ``skip``.
    """
    if len(result.record_cells) != result.n_cells:
        raise ValueError("the run must record every cell (record=range(n_cells))")
    T = float(u.Quantity(period).to_decimal(u.ms))
    t = np.asarray(result.times.to_decimal(u.ms))
    V = np.asarray(result.V.to_decimal(u.mV), np.float64)
    dev2 = np.sum((V - V.mean(axis=1, keepdims=True)) ** 2, axis=1)
    cycle = np.floor(t / T).astype(int)
    whole = int(t[-1] // T)
    E = np.sqrt(np.array([dev2[cycle == k].sum() for k in range(whole)]))
    return E[skip + 1:] / E[skip:-1]
