"""Throughput of wbmodel.sweep on this machine's host devices (run as a subprocess).

``python benchmarks/sweep_throughput.py DEVICES DT_MS [plain]`` sets XLA's host device count
before JAX starts, runs a 64-network sweep (8 I_app × 8 g_syn, N = 100, 1 s) four times and
prints JSON: the median wall time of the last three (the first compiles), the devices used,
the total spike count and the process's peak resident memory. ``plain`` compiles without
wbmodel's CPU compiler options (XLA's defaults).
"""

import json
import os
import resource
import statistics
import sys
import time

devices = int(sys.argv[1]) if len(sys.argv) > 1 else 1
dt = float(sys.argv[2]) if len(sys.argv) > 2 else 0.01
plain = len(sys.argv) > 3 and sys.argv[3] == "plain"
os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"

import brainunit as u  # noqa: E402
import jax  # noqa: E402
import numpy as np  # noqa: E402

import wbmodel as wb  # noqa: E402
from wbmodel import engine  # noqa: E402

if plain:
    engine.CPU_COMPILER_OPTIONS = {}

grid = {"I_app": np.linspace(0.6, 2.0, 8) * u.uA / u.cm**2,
        "g_syn": np.linspace(0.05, 0.4, 8) * u.mS / u.cm**2}
times = []
for _ in range(4):
    t0 = time.perf_counter()
    df = wb.sweep(wb.WBParams(), grid, seeds=[0], duration=1000 * u.ms, dt=dt * u.ms,
                  batch_size=64,
                  summary=lambda r: {"spikes": int(r.spike_counts().sum())})
    times.append(time.perf_counter() - t0)
print(json.dumps({"devices": len(jax.devices()), "dt_ms": dt, "plain": plain,
                  "first_s": times[0],
                  "median_s": statistics.median(times[1:]), "networks": len(df),
                  "spikes": int(df.spikes.sum()),
                  "peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
