"""Large networks (run as a subprocess): ``python benchmarks/scale.py N M DT_MS [COUPLING]``.

Prints JSON with the wall time of a 1 s run (after compilation), the compile time and the
process's peak resident memory. M = 0 means all-to-all; COUPLING ("auto", "event" or
"exact") is how a sparse network sums its input.
"""

import json
import resource
import sys
import time

import brainunit as u

import wbmodel as wb

N, M, dt = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
COUPLING = sys.argv[4] if len(sys.argv) > 4 else "auto"
p = wb.WBParams(n_cells=N, n_inputs=M or None)
# Spikes in 0.2 ms frames (a whole number of steps at dt = 0.01, 0.04 and 0.05 ms).
kw = dict(duration=1000 * u.ms, dt=dt * u.ms, raster_dt=0.2 * u.ms, record=[0], progress=False,
          coupling=COUPLING)
t0 = time.perf_counter()
wb.simulate(p, seed=0, **kw)
first = time.perf_counter() - t0
t0 = time.perf_counter()
r = wb.simulate(p, seed=1, **kw)
run = time.perf_counter() - t0
print(json.dumps({"N": N, "M": M, "dt_ms": dt, "coupling": COUPLING, "first_s": first, "run_s": run,
                  "compile_s": first - run, "kappa": wb.coherence(r),
                  "peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
