"""A hand-fused Wang–Buzsáki network loop in numba (float64, one core): a benchmark peer.

Same model as wbmodel (the paper's equations; all-to-all without self, weight g_syn/(N−1),
or a sparse wiring, weight g_syn/M), integrated in the same staggered order: V with the
conductances of the step's start frozen (an exact exponential relaxation), then h, n and s
exactly for the new V. Every step sums each cell's synaptic input exactly.
"""

import math

import numba
import numpy as np


@numba.njit(cache=True, fastmath=False)
def _run(V0, pre, n_steps, dt, I_app, g_syn, phi, E_syn, alpha, beta):
    N = V0.size
    sparse = pre.shape[0] > 0
    V = V0.copy()
    h = np.empty(N)
    n = np.empty(N)
    s = np.zeros(N)
    g_in = np.empty(N)
    for i in range(N):
        ah = 0.07 * math.exp(-(V[i] + 58.0) / 20.0)
        bh = 1.0 / (1.0 + math.exp(-0.1 * (V[i] + 28.0)))
        x = -0.1 * (V[i] + 34.0)
        an = 0.1 * (x / math.expm1(x) if x != 0.0 else 1.0)
        bn = 0.125 * math.exp(-(V[i] + 44.0) / 80.0)
        h[i] = ah / (ah + bh)
        n[i] = an / (an + bn)
    w = g_syn / (pre.shape[1] if sparse else N - 1)
    out_t = []
    out_i = []
    for k in range(n_steps):
        if sparse:  # each cell's M inputs
            for i in range(N):
                acc = 0.0
                for m in range(pre.shape[1]):
                    acc += s[pre[i, m]]
                g_in[i] = w * acc
        else:  # all others: the sum minus self
            total_s = 0.0
            for i in range(N):
                total_s += s[i]
            for i in range(N):
                g_in[i] = w * (total_s - s[i])
        for i in range(N):
            v = V[i]
            x = -0.1 * (v + 35.0)
            am = x / math.expm1(x) if x != 0.0 else 1.0
            bm = 4.0 * math.exp(-(v + 60.0) / 18.0)
            m_ = am / (am + bm)
            gna = 35.0 * m_ * m_ * m_ * h[i]
            gk = 9.0 * n[i] ** 4
            gs = g_in[i]
            gt = gna + gk + 0.1 + gs
            v_inf = (gna * 55.0 + gk * -90.0 + 0.1 * -65.0 + gs * E_syn + I_app) / gt
            v_new = v_inf + (v - v_inf) * math.exp(-dt * gt)
            if v < 0.0 <= v_new:
                out_t.append(k)
                out_i.append(i)
            ah = 0.07 * math.exp(-(v_new + 58.0) / 20.0)
            bh = 1.0 / (1.0 + math.exp(-0.1 * (v_new + 28.0)))
            x = -0.1 * (v_new + 34.0)
            an = 0.1 * (x / math.expm1(x) if x != 0.0 else 1.0)
            bn = 0.125 * math.exp(-(v_new + 44.0) / 80.0)
            kh = phi * (ah + bh)
            h[i] = ah / (ah + bh) + (h[i] - ah / (ah + bh)) * math.exp(-dt * kh)
            kn = phi * (an + bn)
            n[i] = an / (an + bn) + (n[i] - an / (an + bn)) * math.exp(-dt * kn)
            F = 1.0 / (1.0 + math.exp(-v_new / 2.0))
            ks = alpha * F + beta
            s[i] = alpha * F / ks + (s[i] - alpha * F / ks) * math.exp(-dt * ks)
            V[i] = v_new
    return np.array(out_t), np.array(out_i)


def run(V0, n_steps, dt, I_app, g_syn, phi=5.0, E_syn=-75.0, alpha=12.0, beta=0.1):
    """All-to-all; return the (step, cell) pairs of upward crossings of 0 mV."""
    return _run(V0, np.zeros((0, 1), np.int32), n_steps, dt, I_app, g_syn, phi, E_syn, alpha,
                beta)


def run_sparse(V0, pre, n_steps, dt, I_app, g_syn, phi=5.0, E_syn=-75.0, alpha=12.0,
               beta=0.1):
    """A sparse network: cell i sums s over its row of ``pre`` (N, M), weight g_syn/M."""
    return _run(V0, np.asarray(pre, np.int32), n_steps, dt, I_app, g_syn, phi, E_syn, alpha,
                beta)
