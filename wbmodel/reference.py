"""An independent reference for the single Wang–Buzsáki cell, written apart from the model.

The equations are typed again here from the paper and integrated with SciPy's LSODA at tight
tolerances (rtol = atol = 1e-9), in float64, with spike times located by event detection (V
crossing 0 mV upwards). The tests and the numerics chapter compare wbmodel against this.
This module imports nothing from wbmodel (a test checks it), so a mistake in wbmodel's
equations cannot hide in the reference too.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar
from scipy.special import exprel

G_NA, G_K, G_L = 35.0, 9.0, 0.1       # mS/cm²
E_NA, E_K, E_L = 55.0, -90.0, -65.0   # mV
C_M = 1.0                             # µF/cm²


def rates(V):
    """(α_m, β_m, α_h, β_h, α_n, β_n) at V (mV), in 1/ms, before φ."""
    am = 1.0 / exprel(-0.1 * (V + 35.0))
    bm = 4.0 * np.exp(-(V + 60.0) / 18.0)
    ah = 0.07 * np.exp(-(V + 58.0) / 20.0)
    bh = 1.0 / (1.0 + np.exp(-0.1 * (V + 28.0)))
    an = 0.1 / exprel(-0.1 * (V + 34.0))
    bn = 0.125 * np.exp(-(V + 44.0) / 80.0)
    return am, bm, ah, bh, an, bn


def rhs(t, y, I_app, phi):
    """d(V, h, n)/dt for the drive I_app (µA/cm²) and temperature factor φ."""
    V, h, n = y
    am, bm, ah, bh, an, bn = rates(V)
    m = am / (am + bm)
    dV = (-G_NA * m**3 * h * (V - E_NA) - G_K * n**4 * (V - E_K) - G_L * (V - E_L) + I_app) / C_M
    return [dV, phi * (ah * (1 - h) - bh * h), phi * (an * (1 - n) - bn * n)]


def rest_state(V0=-65.0):
    """(V0, h∞(V0), n∞(V0)): the start used by wbmodel's single-cell runs."""
    _, _, ah, bh, an, bn = rates(V0)
    return [V0, ah / (ah + bh), an / (an + bn)]


def _crossing(t, y, *args):
    return y[0]


_crossing.direction = 1.0


def run(I_app, phi=5.0, duration=2000.0, rtol=1e-9, atol=1e-9, max_step=0.5, dense=False):
    """Integrate from rest; return (spike times in ms, the solve_ivp solution)."""
    sol = solve_ivp(rhs, (0.0, duration), rest_state(), method="LSODA", args=(I_app, phi),
                    rtol=rtol, atol=atol, max_step=max_step, events=_crossing,
                    dense_output=dense)
    return sol.t_events[0], sol


@functools.lru_cache(maxsize=512)  # a pure function of numbers: asked again, not run again
def steady_rate(I_app, phi=5.0, duration=2000.0, transient=500.0):
    """(count − 1) / (last − first) over spikes after the transient, Hz (0 with < 2)."""
    t, _ = run(I_app, phi, duration)
    t = t[t > transient]
    return 0.0 if t.size < 2 else (t.size - 1) / (t[-1] - t[0]) * 1e3


@functools.lru_cache(maxsize=512)  # a pure function of numbers: asked again, not run again
def ahp_trough(I_app, phi=5.0, duration=1000.0, transient=500.0):
    """Minimum of V after the transient (mV), from a densely sampled solution."""
    _, sol = run(I_app, phi, duration, max_step=0.05, dense=True)
    tt = np.arange(transient, duration, 0.001)
    return float(sol.sol(tt)[0].min())


def steady_current(V):
    """The drive that holds the cell at rest at V: I_ss(V), µA/cm²."""
    am, bm, ah, bh, an, bn = rates(V)
    m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    return G_NA * m**3 * h * (V - E_NA) + G_K * n**4 * (V - E_K) + G_L * (V - E_L)


def rheobase_snic():
    """The rheobase of a class-1 (saddle-node on invariant circle) cell, exactly.

    Repetitive firing starts where the resting state disappears: at the local maximum
    ("knee") of the steady-state I–V curve I_ss(V) above rest.
    """
    res = minimize_scalar(lambda V: -steady_current(V), bounds=(-65.0, -50.0), method="bounded",
                          options={"xatol": 1e-10})
    return float(-res.fun), float(res.x)


E_SYN, ALPHA, THETA_SYN = -75.0, 12.0, 0.0  # mV, 1/ms, mV


def F_release(V, theta=THETA_SYN):
    """The synapse's release F(V) = 1 / (1 + exp(−(V − θ)/2))."""
    return 1.0 / (1.0 + np.exp(-(V - theta) / 2.0))


def rhs_synchronous(t, y, I_app, phi, g_syn, E_syn, alpha, beta, theta):
    """d(V, h, n, s)/dt of one cell inhibiting itself with the network's total g_syn.

    In the fully synchronous state of N identical cells coupled all-to-all without self,
    every cell has the same V, h, n and s, and each receives Σ_{j≠i} g_syn/(N − 1)·s_j =
    g_syn·s: the network is one cell inhibiting itself.
    """
    V, h, n, s = y
    dV, dh, dn = rhs(t, (V, h, n), I_app, phi)
    dV -= g_syn * s * (V - E_syn) / C_M
    ds = alpha * F_release(V, theta) * (1.0 - s) - beta * s
    return [dV, dh, dn, ds]


@functools.lru_cache(maxsize=512)  # a pure function of numbers: asked again, not run again
def synchronous_frequency(I_app=1.0, g_syn=0.1, tau_syn=10.0, phi=5.0, E_syn=E_SYN,
                          alpha=ALPHA, theta=THETA_SYN, duration=3000.0, settle=1500.0,
                          rtol=1e-10, atol=1e-10):
    """The exact frequency of the network's fully synchronous state (Hz).

    The 4-variable system of :func:`rhs_synchronous`, integrated by LSODA at tight
    tolerances from rest until its limit cycle has settled; the frequency is the inverse of
    the mean period between upward crossings of 0 mV (located by event detection) after
    ``settle`` ms. Returns (frequency in Hz, the relative spread of the last periods: how
    well the cycle had settled).
    """
    y0 = [*rest_state(), 0.0]
    args = (I_app, phi, g_syn, E_syn, alpha, 1.0 / tau_syn, theta)
    sol = solve_ivp(rhs_synchronous, (0.0, duration), y0, method="LSODA", args=args,
                    rtol=rtol, atol=atol, max_step=0.5, events=_crossing)
    t = sol.t_events[0]
    t = t[t > settle]
    if t.size < 3:
        raise ValueError(f"the synchronous state does not fire repetitively (I_app = {I_app})")
    periods = np.diff(t)
    return 1e3 / periods.mean(), float(np.ptp(periods) / periods.mean())


def paper_fig1a() -> dict:
    """The paper's Fig. 1A (f–I curve, φ = 5), as points read off the published figure.

    ``wbmodel/data/paper_fig1a_fI.csv``: the scan of ModelDB 26997 (``jnsci16_6402F1A.gif``),
    calibrated at the tick marks; its header says how. Uncertainty: about one pixel each way,
    0.089 µA/cm² and 1.44 Hz. Drives below ~1.5 µA/cm², where the curve is too steep to read
    column by column, are not in it.

    Returns
    -------
    dict of ndarray
        ``I`` (µA/cm²), ``f`` (Hz), ``f_min`` and ``f_max`` (Hz: the extent of the curve's
        pixels in that column), and the uncertainties ``dI`` and ``df`` (floats).
    """
    text = resources.files(__package__).joinpath("data", "paper_fig1a_fI.csv").read_text()
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    data = np.array([[float(x) for x in r.split(",")] for r in rows[1:]])
    return {"I": data[:, 0], "f": data[:, 1], "f_min": data[:, 2], "f_max": data[:, 3],
            "dI": 0.089, "df": 1.44}
