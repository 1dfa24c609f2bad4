"""The same model in four simulators: wbmodel, NEURON, Brian2 and brainpy.state's own cell.

``python benchmarks/cross_simulator.py`` (``make bench`` runs it) prints one JSON line:

- the single cell's f–I at 0.5, 1, 2 and 5 µA/cm² and its rheobase: the LSODA reference
  (``wbmodel.reference``), wbmodel (dt = 0.01 ms), NEURON (``wbmodel.peers.neuron``:
  NMODL, CVODE at 1e-8) and brainpy.state's built-in ``WangBuzsakiHH`` (its frozen-
  conductance step at dt = 0.01 and 0.001 ms);
- the Fig. 3A, 3B and 3C networks (N = 100, 1 s, three seeds each, all starting from
  wbmodel's draws for that seed), measured over 500–1000 ms: κ, the spectral frequency and
  the mean rate, in wbmodel (dt = 0.01 ms), NEURON (graded POINTER synapses, CVODE at 1e-6)
  and Brian2 (RK4, dt = 0.01 ms).

NEURON's networks are the slow part (9,900 point processes: a few minutes each); they run
two at a time, in their own processes. ``--quick`` runs one seed and 300 ms (a smoke test).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brainunit as u
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wbmodel as wb  # noqa: E402
from wbmodel import reference  # noqa: E402
from wbmodel.peers import neuron as nrn  # noqa: E402

UA = u.uA / u.cm**2
DRIVES = [0.5, 1.0, 2.0, 5.0]
DT = 0.01


def measures(t_ms, cells, duration, start, n=100):
    """κ, spectral frequency (Hz) and mean rate (Hz) of spikes given as times and cells."""
    steps = int(round(duration / DT))
    raster = np.zeros((steps, n), dtype=bool)
    k = np.clip(np.ceil(np.asarray(t_ms) / DT - 1e-9).astype(int) - 1, 0, steps - 1)
    raster[k, np.asarray(cells, dtype=int)] = True
    r = wb.SimulationResult.from_raster(raster, DT * u.ms)
    s = start * u.ms
    return {"kappa": wb.coherence(r, start=s),
            "frequency": float(wb.network_frequency(r, start=s).to_decimal(u.Hz)),
            "rate": float(wb.mean_rate(r, start=s).to_decimal(u.Hz))}


def single_cell() -> dict:
    rates = {"LSODA reference": [reference.steady_rate(i) for i in DRIVES]}
    rheo = {"exact (SNIC point)": reference.rheobase_snic()[0]}
    rates[f"wbmodel, dt = {DT} ms"] = list(map(float, wb.fi_curve(DRIVES * UA).to_decimal(u.Hz)))
    rheo[f"wbmodel, dt = {DT} ms"] = float(wb.rheobase().to_decimal(UA))
    rates["NEURON, CVODE 1e-8"] = nrn.steady_rates(DRIVES)
    rheo["NEURON, CVODE 1e-8"] = nrn.rheobase()
    for dt in (0.01, 0.001):
        name = f"brainpy.state WangBuzsakiHH, dt = {dt} ms"
        rates[name] = list(map(float, wb.fi_curve(DRIVES * UA, dt=dt * u.ms,
                                                  method="frozen_conductance")
                               .to_decimal(u.Hz)))
    return {"drives": DRIVES, "rates": rates, "rheobase": rheo}


def _neuron_network(fig, seed, duration):
    out = subprocess.run([sys.executable, "-m", "wbmodel.peers.neuron", "network", fig,
                          str(seed), str(duration)], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    return json.loads(out.stdout.strip().splitlines()[-1])


def networks(seeds, duration, start) -> dict:
    import brian2_peer

    jobs = [(fig, s) for fig in nrn.FIG3 for s in seeds]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        neuron_runs = dict(zip(jobs, pool.map(lambda j: _neuron_network(*j, duration), jobs),
                               strict=True))
    neuron_s = time.perf_counter() - t0
    out = {}
    for fig, (phi, I_app) in nrn.FIG3.items():
        p = wb.WBParams(phi=phi, I_app=I_app * UA)
        rows = {"wbmodel": [], "NEURON": [], "Brian2": []}
        for s in seeds:
            r = wb.simulate(p, duration=duration * u.ms, dt=DT * u.ms, seed=s)
            rows["wbmodel"].append(measures(r.spike_times.to_decimal(u.ms), r.spike_neurons,
                                            duration, start))
            n = neuron_runs[(fig, s)]
            rows["NEURON"].append(measures(n["times"], n["cells"], duration, start))
            init = wb.simulation.initial_state(p, s)
            t, i = brian2_peer.network(phi, I_app, init["V0"].to_decimal(u.mV),
                                       init["I_app_cells"].to_decimal(UA), duration, DT)
            rows["Brian2"].append(measures(t, i, duration, start))
        out[fig] = {sim: {k: [r[k] for r in runs] for k in runs[0]}
                    for sim, runs in rows.items()}
    return out, neuron_s


def main(argv) -> int:
    quick = "--quick" in argv
    seeds, duration, start = ([0], 300.0, 150.0) if quick else ([0, 1, 2], 1000.0, 500.0)
    t0 = time.perf_counter()
    cell = single_cell()
    nets, neuron_s = networks(seeds, duration, start)
    print(json.dumps({
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPU cores",
        "versions": {"neuron": __import__("neuron").__version__,
                     "brian2": __import__("brian2").__version__,
                     "wbmodel": wb.__version__},
        "settings": {"seeds": seeds, "duration_ms": duration, "measured_from_ms": start,
                     "dt_ms": DT, "neuron_tolerance_cell": nrn.RTOL,
                     "neuron_tolerance_network": nrn.NETWORK_TOL, "brian2_method": "rk4"},
        "fi": cell, "networks": nets,
        "time_s": {"all": time.perf_counter() - t0, "neuron_networks": neuron_s}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
