"""The Wang–Buzsáki cell and network in NEURON: a cross-simulator check of wbmodel.

The cell (``nrn/wb.mod``) and the graded GABA_A synapse (``nrn/wbsyn.mod``, reading the
presynaptic V continuously through a POINTER, as ModelDB 26997 does) are written for NEURON
from the paper's equations, not from wbmodel's code. NEURON integrates them with CVODE at a
tight tolerance; spikes are upward crossings of 0 mV located by NEURON's own threshold
detection. The networks start from wbmodel's draws (``initial_state``): the same drives
and initial potentials, each cell with h and n at their steady state. From a shell::

    # f–I at 0.5, 1, 2, 5 µA/cm² (a JSON line); the rheobase; the paper's
    # Fig. 3A network, seed 0 (spike times and cells)
    python -m wbmodel.peers.neuron fi
    python -m wbmodel.peers.neuron rheobase
    python -m wbmodel.peers.neuron network A 0

NEURON (``pip install neuron``, pinned in requirements.txt) and a C compiler are needed;
the mechanisms are compiled once (``nrnivmodl``) into wbmodel's cache
(``$WBMODEL_CACHE/neuron`` or ``~/.cache/wbmodel/neuron``).

Every parameter keeps the paper's per-area units: each cell is one section of 100 µm²
(1e-6 cm²), its drive a density current, each synapse's conductance g_syn/(N − 1) times that
area.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

MOD = Path(__file__).resolve().parent / "nrn"
AREA_CM2 = 1e-6                                    # 100 µm²
DIAM_UM = math.sqrt(AREA_CM2 * 1e8 / math.pi)      # L = diam: area = π·diam·L
#: CVODE's relative and absolute tolerance for the cell alone (f–I, rheobase).
RTOL = ATOL = 1e-8
#: The same for the networks, whose 9,900 synapses make each step cost ~100 times a
#: cell's; 1e-6 is already ~100 times below the exponential-Euler step's own error at
#: dt = 0.01 ms.
NETWORK_TOL = 1e-6
#: The paper's Fig. 3 parameter sets (as in ModelDB), each φ and I_app (µA/cm²).
FIG3 = {"A": (5.0, 1.0), "B": (3.33, 1.2), "C": (2.0, 1.4)}

_h = None


def neuron():
    """NEURON's hoc interpreter with the two mechanisms compiled (once, in a cache) and loaded."""
    global _h
    if _h is not None:
        return _h
    # no GUI (else NEURON prints a warning about $DISPLAY into the notebook's output)
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    from neuron import h, load_mechanisms

    from ..events import cache_dir

    build = cache_dir() / "neuron"
    lib = build / platform.machine() / "libnrnmech.so"  # where nrnivmodl puts it
    sources = sorted(MOD.glob("*.mod"))
    if not lib.exists() or any(s.stat().st_mtime > lib.stat().st_mtime for s in sources):
        build.mkdir(parents=True, exist_ok=True)
        for s in sources:
            (build / s.name).write_text(s.read_text())
        nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
        subprocess.run([str(nrnivmodl), "."], cwd=build, check=True, capture_output=True)
    load_mechanisms(str(build))
    h.load_file("stdrun.hoc")
    cvode = h.CVode()
    cvode.active(1)
    cvode.rtol(RTOL)
    cvode.atol(ATOL)
    _h = h
    return h


def make_cell(h, I_app, phi=5.0, V0=-65.0):
    """One section with the wb mechanism; its drive I_app (µA/cm²) and start V0 (mV)."""
    sec = h.Section()
    sec.L = sec.diam = DIAM_UM
    sec.nseg = 1
    sec.cm = 1.0
    sec.insert("wb")
    for seg in sec:
        seg.wb.Iapp = I_app * 1e-3   # µA/cm² → mA/cm²
        seg.wb.phi = phi
    sec.v = V0
    return sec


def _spikes(h, secs):
    times, cells, keep = h.Vector(), h.Vector(), []
    for i, sec in enumerate(secs):
        nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
        nc.threshold = 0.0
        nc.record(times, cells, i)
        keep.append(nc)
    return times, cells, keep


def run(h, duration):
    """From t = 0 to ``duration`` (ms) with CVODE.

    ``CVode.solve``, not stdrun's ``continuerun``: after a silent cell has let CVODE take
    steps of 100 ms and more, ``continuerun`` inherits that step as its print interval and
    stops short of the end.
    """
    h.finitialize()  # keeps each section's v; INITIAL puts h, n at their steady state
    h.CVode().solve(duration)
    if h.t < duration:
        raise RuntimeError(f"NEURON stopped at {h.t} ms of {duration} ms")


def steady_rates(drives, phi=5.0, duration=2000.0, transient=500.0) -> list:
    """(count − 1) / (last − first) after the transient, Hz, for each drive (µA/cm²)."""
    h = neuron()
    secs = [make_cell(h, I, phi) for I in drives]
    times, cells, keep = _spikes(h, secs)
    run(h, duration)
    t, c = list(times), list(cells)
    out = []
    for i in range(len(drives)):
        ti = [x for x, k in zip(t, c, strict=True) if int(k) == i and x > transient]
        out.append((len(ti) - 1) / (ti[-1] - ti[0]) * 1e3 if len(ti) >= 2 else 0.0)
    return out


def rheobase(lo=0.15, hi=0.17, tol=1e-4, duration=3000.0, transient=500.0) -> float:
    """The smallest drive (µA/cm²) at which the cell fires repetitively, by bisection.

    "Fires": at least two spikes after the transient, as :func:`wbmodel.rheobase` counts.
    """
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if steady_rates([mid], duration=duration, transient=transient)[0] > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def network(fig: str, seed: int, duration=1000.0, n_cells=100, g_syn=0.1,
            tol=NETWORK_TOL) -> dict:
    """A Fig. 3 network from wbmodel's draws: spike times (ms) and cells.

    All-to-all without self: N (N − 1) synapses, each reading its presynaptic V. CVODE at
    rtol = atol = ``tol``.
    """
    import brainunit as u

    import wbmodel as wb

    phi, I_app = FIG3[fig]
    p = wb.WBParams(n_cells=n_cells, phi=phi, I_app=I_app * u.uA / u.cm**2,
                    g_syn=g_syn * u.mS / u.cm**2)
    init = wb.simulation.initial_state(p, seed)
    I = [float(x) for x in init["I_app_cells"].to_decimal(u.uA / u.cm**2)]
    V0 = [float(x) for x in init["V0"].to_decimal(u.mV)]
    h = neuron()
    secs = [make_cell(h, I[i], phi, V0[i]) for i in range(n_cells)]
    w = g_syn / (n_cells - 1) * AREA_CM2 * 1e3    # mS/cm² × cm² = mS → µS
    syns = []
    for i, post in enumerate(secs):
        for j, pre in enumerate(secs):
            if i == j:
                continue
            syn = h.WBSyn(post(0.5))
            syn.g = w
            h.setpointer(pre(0.5)._ref_v, "vpre", syn)
            syns.append(syn)
    times, cells, keep = _spikes(h, secs)
    cvode = h.CVode()
    cvode.rtol(tol)
    cvode.atol(tol)
    try:
        run(h, duration)
    finally:
        cvode.rtol(RTOL)
        cvode.atol(ATOL)
    return {"times": list(times), "cells": [int(c) for c in cells]}


def main(argv) -> int:
    """The command line of the module docstring: one JSON line on stdout."""
    what = argv[1]
    if what == "fi":
        drives = [0.5, 1.0, 2.0, 5.0]
        out = {"drives": drives, "rates": steady_rates(drives)}
    elif what == "rheobase":
        out = {"rheobase": rheobase()}
    elif what == "network":
        out = network(argv[2], int(argv[3]), float(argv[4]) if len(argv) > 4 else 1000.0)
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
