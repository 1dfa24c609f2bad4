"""Sparse networks, event-driven sum against the exact one (run as a subprocess).

``python benchmarks/sparse_speed.py`` prints one JSON line:

* ``errors``: the same networks (same seed, so same wiring, drives and start) run with
  ``coupling="exact"`` (every cell sums its M inputs at every step: the implementation before
  the event-driven sum) and ``coupling="event"``; spike counts, κ, frequency, time of each.
* ``sweep``: a sweep of chapter 6's largest networks, N = 2,000 with fixed in-degree
  M = 6…50, I_σ = 0.02 µA/cm² (the chapter uses 0.03), three seeds, 800 ms at dt = 0.04 ms,
  from fresh programs (compilation included): the exact sum compiles one program per M (as
  before), the event-driven sum one for all.
* ``numba``: a single-core numba loop (float64, exact sum) over the N = 10,000, M = 100
  network for 50 ms at dt = 0.01 ms, as seconds per simulated second.
"""

import json
import os
import sys
import time

import brainunit as u
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import wbmodel as wb  # noqa: E402
from wbmodel import engine  # noqa: E402

UA = u.uA / u.cm**2
CASES = [  # (label, N, M, I_sigma, duration ms, dt ms)
    ("N = 1000, M = 50 (synchronous)", 1000, 50, 0.0, 800, 0.02),
    ("N = 1000, M = 10 (at the threshold)", 1000, 10, 0.0, 800, 0.02),
    ("N = 2000, M = 20, I_σ = 0.02", 2000, 20, 0.02, 800, 0.04),
    ("N = 10,000, M = 100, 300 ms", 10000, 100, 0.0, 300, 0.01),
]


def run(p, coupling, duration, dt, seed):
    kw = dict(duration=duration * u.ms, dt=dt * u.ms, seed=seed, coupling=coupling,
              raster_dt=None if dt == 0.01 else dt * u.ms, progress=False)
    wb.simulate(p, **{**kw, "seed": seed + 100})  # compile
    t0 = time.perf_counter()
    r = wb.simulate(p, **kw)
    return r, time.perf_counter() - t0


def errors():
    out = []
    for label, n, m, sd, dur, dt in CASES:
        p = wb.WBParams(n_cells=n, n_inputs=m, I_sigma=sd * UA)
        (a, ta), (b, tb) = (run(p, c, dur, dt, seed=1) for c in ("exact", "event"))
        ca, cb = a.spike_counts(), b.spike_counts()
        start = dur / 2 * u.ms
        fa, fb = (float(wb.network_frequency(r, start=start).to_decimal(u.Hz)) for r in (a, b))
        out.append(dict(case=label, spikes=[int(ca.sum()), int(cb.sum())],
                        same_count=float(np.mean(ca == cb)),
                        max_count_diff=int(np.abs(ca - cb).max()),
                        kappa=[wb.coherence(r, start=start) for r in (a, b)],
                        frequency=[fa, fb], time_s=[ta, tb]))
    return out


def sweep():
    p = wb.WBParams(n_cells=2000, I_sigma=0.02 * UA)
    grid = {"n_inputs": [6, 8, 10, 12, 15, 20, 30, 50]}
    out = {}
    for coupling in ("exact", "event"):
        engine.clear_programs()
        before = engine.compile_count()
        t0 = time.perf_counter()
        df = wb.sweep(p, grid, seeds=range(3), duration=800 * u.ms, start=400 * u.ms,
                      dt=0.04 * u.ms, coupling=coupling)
        out[coupling] = dict(time_s=time.perf_counter() - t0,
                             programs=engine.compile_count() - before,
                             kappa=df.groupby("n_inputs").kappa.mean().round(4).tolist())
    return out


def numba():
    import numba_peer

    N, M, steps, dt = 10000, 100, 5000, 0.01
    pre = wb.fixed_in_degree_indices(N, M, 1)
    V0 = np.random.default_rng(0).uniform(-70, -50, N)
    numba_peer.run_sparse(V0[:50], pre[:50] % 50, 10, dt, 1.0, 0.1)  # compile
    t0 = time.perf_counter()
    k, _ = numba_peer.run_sparse(V0, pre, steps, dt, 1.0, 0.1)
    el = time.perf_counter() - t0
    return dict(simulated_ms=steps * dt, time_s=el, s_per_simulated_s=el / (steps * dt / 1e3),
                spikes=int(k.size))


if __name__ == "__main__":
    print(json.dumps({"errors": errors(), "sweep": sweep(), "numba": numba()}))
