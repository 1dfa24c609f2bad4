"""float32 against float64 (run as a subprocess): ``python benchmarks/precision.py BITS``.

Sets brainstate's precision (and JAX's x64 mode for 64) before anything is built, then prints
JSON: the median time of one network (N = 100, 500 ms, dt = 0.01 ms, after compilation), its
mean rate and κ, and the largest f–I error against the independent LSODA reference at four
drives for dt = 0.01 and 0.04 ms.
"""

import json
import statistics
import sys
import time

import jax

bits = int(sys.argv[1]) if len(sys.argv) > 1 else 32
import brainstate  # noqa: E402

if bits == 64:
    jax.config.update("jax_enable_x64", True)
brainstate.environ.set(precision=bits)

import brainunit as u  # noqa: E402
import numpy as np  # noqa: E402

import wbmodel as wb  # noqa: E402
from wbmodel import reference  # noqa: E402

res = wb.simulate(duration=500 * u.ms)
times = []
for _ in range(5):
    t0 = time.perf_counter()
    res = wb.simulate(duration=500 * u.ms)
    times.append(time.perf_counter() - t0)
drives = np.array([0.5, 1.0, 2.0, 5.0])
ref = np.array([reference.steady_rate(i) for i in drives])
fi_err = {}
for dt in (0.01, 0.04):
    rate = np.asarray(wb.fi_curve(drives * u.uA / u.cm**2, dt=dt * u.ms).to_decimal(u.Hz))
    fi_err[str(dt)] = float(np.max(np.abs(rate / ref - 1)))
print(json.dumps({"bits": bits, "dtype": str(res.V_mean.dtype),
                  "median_s": statistics.median(times),
                  "rate_Hz": float(wb.mean_rate(res).to_decimal(u.Hz)),
                  "kappa": float(wb.coherence(res)), "fi_error": fi_err}))
