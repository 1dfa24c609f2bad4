"""Benchmarks: wbmodel against its peers on the same network, on this machine.

``make bench`` (or ``python benchmarks/bench.py``) times one network of the paper (N = 100,
500 ms, dt = 0.01 ms, all-to-all) with wbmodel, the brainpy.state guide's code (jitted), a
hand-fused numba loop (float64, one core) and Brian2 (runtime and C++ standalone); checks
that they agree (mean rate within 2 %, κ); times a 64-network sweep on one and on two host
devices and large networks; measures what wbmodel's CPU compiler options buy (the same runs
built with XLA's defaults), compares float32 with float64 and profiles one step kernel by
kernel; times the page's JavaScript model in headless Chromium beside wbmodel
(browser_speed.py); runs the same cell and networks in NEURON, Brian2 and brainpy.state's
own cell (cross_simulator.py, whose numbers the numerics chapter shows from
wbmodel/data/cross_simulator.json); prints one table of medians and ratios and writes it to
benchmarks/RESULTS.md.
Ratios, not absolute times, are the point: all are measured here, in one run.

``--reuse-cross`` reads wbmodel/data/cross_simulator.json instead of running
cross_simulator.py again (its NEURON networks take a quarter of an hour and time nothing
that the ratios compare): for when it has just been run on its own. ``--reuse-ci`` likewise
reads benchmarks/ci_time.json instead of running ci_time.py (a fresh clone's ``.ci/run``,
phase by phase, beside the yardstick: the notebooks, ``make test`` and the whole).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import brainunit as u
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent / "book"))  # seed_guide.py: the guide's code, not wbmodel's

import wbmodel as wb  # noqa: E402
from wbmodel import engine  # noqa: E402

N, T, DT = 100, 500.0, 0.01
#: The largest dt that keeps the f–I curve within 1 % of the reference at every drive
#: (0.6 % over 91 drives, numerics chapter): the book's accuracy. MAX_DT = 0.05 ms passes 1 %.
ACCURATE_DT = 0.04
REPEATS = 5


def timed(fn, repeats=REPEATS):
    """(first call's seconds, median of the next ``repeats`` calls, last result)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times), out


def as_result(t_ms, cells, dt=DT, duration=T, n=N):
    """Wrap a peer's spikes in a SimulationResult so that wbmodel's analysis can read them."""
    steps = int(round(duration / dt))
    raster = np.zeros((steps, n), dtype=bool)
    k = np.clip(np.round(np.asarray(t_ms) / dt).astype(int) - 1, 0, steps - 1)
    raster[k, np.asarray(cells, dtype=int)] = True
    return wb.SimulationResult(
        params=wb.WBParams(n_cells=n), dt=dt * u.ms, duration=duration * u.ms, seed=0,
        I_app_cells=np.ones(n) * u.uA / u.cm**2, spikes_packed=np.packbits(raster, axis=1),
        record_cells=np.zeros(0, int), V=np.zeros((steps, 0)) * u.mV,
        V_mean=np.zeros(steps) * u.mV)


def summary(res):
    rate = float(wb.network_frequency(res, method="rate").to_decimal(u.Hz))
    return rate, wb.coherence(res)


def bench_wbmodel(rows):
    for dt in (DT, ACCURATE_DT):
        n_compiled = engine.compile_count()
        p = wb.WBParams()
        first, med, res = timed(lambda: wb.simulate(p, duration=T * u.ms, dt=dt * u.ms, seed=0))
        t0 = time.perf_counter()
        wb.simulate(p.replace(I_app=1.2 * u.uA / u.cm**2), duration=T * u.ms, dt=dt * u.ms,
                    seed=1)
        new_value = time.perf_counter() - t0
        assert engine.compile_count() == n_compiled + 1, "a new value must not recompile"
        rows.append(dict(code=f"wbmodel, dt = {dt} ms", first=first, median=med,
                         note=f"new I_app: {new_value:.3f} s, no recompile", summary=summary(res)))
    # What CPU_COMPILER_OPTIONS buy: the same run built with XLA's defaults.
    options = engine.CPU_COMPILER_OPTIONS
    engine.CPU_COMPILER_OPTIONS = {}
    engine.clear_programs()
    try:
        first, med, res = timed(lambda: wb.simulate(duration=T * u.ms, dt=DT * u.ms, seed=0))
    finally:
        engine.CPU_COMPILER_OPTIONS = options
        engine.clear_programs()
    rows.append(dict(code=f"wbmodel, dt = {DT} ms, XLA's default CPU options", first=first,
                     median=med, note="256-bit vectors", summary=summary(res)))


def bench_seed(rows):
    import brainstate
    import seed_guide

    # The guide's α_m and α_n are written as 0/0 at V = −35 and −34 mV (no exprel): a cell
    # that lands exactly there in float32 turns NaN and falls silent for good. Count how
    # often a fresh network does so, and take the agreement check from one that did not.
    # The guide draws its initial V from brainstate's global RNG: seeded here, so that every
    # run of the benchmark sees the same eight networks.
    fresh, broken, res = 8, 0, None
    for i in range(fresh):
        brainstate.random.seed(i)
        steps, cells = np.nonzero(np.asarray(seed_guide.make_runner(N, T, DT, jit=True)()[0]))
        late = steps * DT > 200
        if np.bincount(cells[late], minlength=N).min() < 2:
            broken += 1
        elif res is None:
            res = as_result((steps + 1) * DT, cells)
    for code, jit, options in (
            ("seed guide, for_loop as written", False, None),
            ("seed guide, brainstate.transform.jit", True, None),
            ("seed guide, jit with wbmodel's CPU options", True,
             engine.CPU_COMPILER_OPTIONS)):
        run = seed_guide.make_runner(N, T, DT, jit=jit, compiler_options=options)
        first, med, _ = timed(run, repeats=REPEATS if jit else 2)
        rows.append(dict(code=code, first=first, median=med,
                         note=f"weight g/N, threshold 20 mV; {broken} of {fresh} fresh runs "
                              "went silent (NaN from 0/0 at V = −35/−34 mV)",
                         summary=summary(res)))


def bench_numba(rows):
    import numba_peer

    V0 = np.random.default_rng(0).uniform(-70, -50, N)
    steps = int(round(T / DT))
    first, med, (k, i) = timed(lambda: numba_peer.run(V0, steps, DT, 1.0, 0.1))
    rows.append(dict(code="numba loop, float64, 1 core", first=first, median=med,
                     note="hand-fused", summary=summary(as_result((k + 1) * DT, i))))
    return med


def bench_brian2(rows):
    import brian2_peer

    times, (t, i) = brian2_peer.run_runtime(N, T, DT, repeats=3)
    rows.append(dict(code="Brian2 runtime (Cython)", first=times[0],
                     median=statistics.median(times[1:]), note="",
                     summary=summary(as_result(t, i))))
    compile_s, times, (t, i) = brian2_peer.run_standalone(N, T, DT, repeats=3)
    rows.append(dict(code="Brian2 cpp_standalone binary", first=compile_s + times[0],
                     median=statistics.median(times), note=f"plus {compile_s:.1f} s compile",
                     summary=summary(as_result(t, i))))


def run_script(name, *args) -> str:
    """What ``python benchmarks/NAME ARGS`` prints (a fresh process: its own XLA flags)."""
    return subprocess.run([sys.executable, str(HERE / name), *map(str, args)],
                          capture_output=True, text=True, check=True).stdout.strip()


def script_json(name, *args) -> dict:
    """The JSON line a benchmark script prints last."""
    return json.loads(run_script(name, *args).splitlines()[-1])


def sparse_section(sparse) -> list[str]:
    """RESULTS.md's section on the event-driven sum of sparse input (sparse_speed.py)."""
    rows = [f"| {e['case']} | {e['spikes'][0]} / {e['spikes'][1]} | {100 * e['same_count']:.1f} % "
            f"| {e['max_count_diff']} | {e['kappa'][0]:.4f} / {e['kappa'][1]:.4f} | "
            f"{e['frequency'][0]:.3f} / {e['frequency'][1]:.3f} | {e['time_s'][0]:.2f} / "
            f"{e['time_s'][1]:.2f} s |" for e in sparse["errors"]]
    sw, nb = sparse["sweep"], sparse["numba"]
    return [
        "## Sparse networks: the event-driven sum against the exact one", "",
        "`benchmarks/sparse_speed.py`: the same networks (same seed: same wiring, drives and "
        "start) with `coupling=\"exact\"` (every cell sums its M inputs at every step: the "
        "implementation before the event-driven sum) and `coupling=\"event\"` "
        "(`wbmodel.events`).", "",
        "| network | spikes, exact / event | cells with the same count | largest count "
        "difference | κ, exact / event | frequency (Hz), exact / event | time, exact / event |",
        "|---|---:|---:|---:|---:|---:|---:|", *rows, "",
        f"A sweep of chapter 6's largest networks (N = 2,000, fixed in-degree M = 6…50, 3 seeds, "
        f"800 ms at dt = 0.04 ms, fresh programs; I_σ = 0.02 µA/cm², where the chapter uses "
        f"0.03): exact sum {sw['exact']['time_s']:.1f} s in "
        f"{sw['exact']['programs']} programs, event-driven {sw['event']['time_s']:.1f} s in "
        f"{sw['event']['programs']}; mean κ per M, exact "
        + ", ".join(f"{k:.3f}" for k in sw["exact"]["kappa"]) + "; event "
        + ", ".join(f"{k:.3f}" for k in sw["event"]["kappa"]) + ". A single-core numba loop "
        f"over N = 10,000, M = 100 (exact sum, float64) ran {nb['simulated_ms']:g} ms in "
        f"{nb['time_s']:.1f} s: {nb['s_per_simulated_s']:.0f} s per simulated second.", "",
        "`benchmarks/profile_sparse.py` (8 networks of N = 2,000, I_σ = 0.02 µA/cm², M = 50, "
        "dt = 0.01 ms; each kernel's least time of five calls):", "", sparse["profile"], ""]


def cross_section(cross) -> list[str]:
    """RESULTS.md's section on the same model in other simulators (cross_simulator.py)."""
    fi, cfg = cross["fi"], cross["settings"]
    ref = fi["rates"]["LSODA reference"]
    cell = [f"| {name} | " + " | ".join(f"{r:.3f}" for r in rates) + " | "
            + (f"{max(abs(a / b - 1) for a, b in zip(rates, ref, strict=True)) * 100:.4f} %"
               if name != "LSODA reference" else "—") + " | "
            + (f"{fi['rheobase'][name]:.4f}" if name in fi["rheobase"] else "—") + " |"
            for name, rates in fi["rates"].items()]
    net = []
    for fig, sims in cross["networks"].items():
        for sim, m in sims.items():
            net.append(f"| Fig. 3{fig} | {sim} | " + " | ".join(
                f"{np.mean(m[k]):.3f} ± {np.std(m[k]):.3f}" for k in ("kappa", "frequency",
                                                                      "rate")) + " |")
    return [
        "## The same model in other simulators", "",
        f"`benchmarks/cross_simulator.py`, measured on {cross['date']} with wbmodel "
        f"{cross['versions']['wbmodel']} (NEURON {cross['versions']['neuron']}, Brian2 "
        f"{cross['versions']['brian2']}): the cell and the graded synapse written for NEURON "
        "from the paper's equations (`wbmodel/peers/nrn/*.mod`: NMODL, a POINTER to the "
        f"presynaptic V; CVODE at {cfg['neuron_tolerance_cell']:g} for the cell, "
        f"{cfg['neuron_tolerance_network']:g} for the networks), Brian2 with RK4 at dt = "
        f"{cfg['dt_ms']} ms, brainpy.state's built-in `WangBuzsakiHH` (its own "
        "frozen-conductance step), wbmodel at dt = 0.01 ms. Single cell: steady rate (Hz) "
        "from rest, after 500 ms; the rheobase by the same criterion (two spikes after "
        "500 ms of 3 s), bisected to 1e-4 µA/cm².", "",
        "| simulator | f(0.5) | f(1) | f(2) | f(5) | largest error vs LSODA | rheobase "
        "(µA/cm²) |", "|---|---:|---:|---:|---:|---:|---:|", *cell,
        f"| exact (SNIC point of the steady-state I–V curve) | | | | | | "
        f"{fi['rheobase']['exact (SNIC point)']:.4f} |", "",
        f"Networks: N = 100, all-to-all, {cfg['duration_ms']:g} ms from wbmodel's draws for "
        f"seeds {cfg['seeds']}, measured after {cfg['measured_from_ms']:g} ms (mean ± SD over "
        f"the seeds). NEURON's 9,900 point processes made its networks take "
        f"{cross['time_s']['neuron_networks'] / 60:.0f} min (two at a time).", "",
        "| network | simulator | κ | frequency (Hz) | mean rate (Hz) |",
        "|---|---|---:|---:|---:|", *net, ""]


def browser_section(page) -> list[str]:
    """RESULTS.md's section on the page's model (browser_speed.py's JSON), or nothing."""
    if page is None:
        return []
    rows = []
    for r in page["runs"]:
        m, f, j = r["page"]["median"], r["page"]["first"], r["jax"]
        rows.append(f"| {r['case']} | {m['runMs'] / 1e3:.3f} s | {m['firstFrameMs']:.0f} ms | "
                    f"{m['nsPerCellStep']:.0f} | {f['runMs'] / 1e3:.3f} s, "
                    f"{f['firstFrameMs']:.0f} ms | {j['median_s']:.3f} s | "
                    f"{j['ns_per_cell_step']:.1f} |")
    sizes = [f"{k} {v['page'] / 1024:.0f} KiB ({v['explorers'] / 1024:.0f} KiB of explorers)"
             for k, v in page["pages"].items()]
    return [
        "## In the reader's browser", "",
        f"`benchmarks/browser_speed.py`: the book's live explorer opened from disk in headless "
        f"Chromium {page['chromium']}, runs as the explorer reports them (median of the runs "
        "after the first, each a new seed typed into its box): the whole run, from the new "
        "value to κ on screen; the first frame drawn; ns per cell-step in the worker. wbmodel's "
        "`simulate` runs the same networks in the same process (after compiling).", "",
        "| network | page: whole run | first frame | ns per cell-step | page's first run, "
        "first frame | wbmodel (JAX) | wbmodel ns per cell-step |",
        "|---|---:|---:|---:|---:|---:|---:|", *rows, "",
        f"One explorer adds {page['explorer_bytes'] / 1024:.0f} KiB to a page (model, "
        "explorer and styles inlined). Built pages: " + "; ".join(sizes) + ".", "",
        *first_result_section(page.get("book", []))]


def first_result_section(book) -> list[str]:
    """RESULTS.md's table of a reader's first visit against a warm rerun (built pages)."""
    if not book:
        return []
    rows = []
    for b in book:
        f, w = b["first"], b["warm"]
        rows.append(f"| {b['page']} | {f['dcl']:.0f} | {f['first_frame']:.0f} | "
                    f"{f['kappa']:.0f} | {f['worker']:.0f} | {w['run']:.0f} | "
                    f"{w['worker']:.0f} | {b['worker_first_over_warm']:.2f} |")
    return [
        "### A reader's first visit", "",
        "The built book served on 127.0.0.1, each page opened in a new browser context (no "
        f"cache), {len(book[0]['first_all'])} visits, medians in ms from the navigation's start: "
        "the page's DOM ready, the explorer's first frame and κ on screen; the worker's own "
        "time for that first run; then, on the same visits once the page is idle, a new seed "
        "typed into the box: the whole rerun and the worker's time.", "",
        "| page | DOM ready | first frame | κ on screen | worker, first run | warm rerun | "
        "worker, warm | first / warm worker |",
        "|---|---:|---:|---:|---:|---:|---:|---:|", *rows, ""]


def main():
    profiles = run_script("profile_step.py", 64)
    try:
        page = script_json("browser_speed.py")
    except subprocess.CalledProcessError as e:  # needs Chromium (apt-get install chromium)
        print(f"browser benchmark skipped: {e.stderr[-500:]}", file=sys.stderr)
        page = None
    precision = [script_json("precision.py", bits) for bits in (32, 64)]
    rows = []
    bench_wbmodel(rows)
    bench_seed(rows)
    bench_numba(rows)
    try:
        bench_brian2(rows)
    except Exception as e:  # Brian2 is optional (requirements-bench.txt)
        print(f"Brian2 skipped: {type(e).__name__}: {e}", file=sys.stderr)
    ref = rows[0]
    seed_jit = next(r for r in rows if r["code"] == "seed guide, brainstate.transform.jit")
    seed_opts = next(r for r in rows if "wbmodel's CPU options" in r["code"])
    plain = next(r for r in rows if "default CPU options" in r["code"])
    lines = ["| code | first call (s) | median (s) | × wbmodel 0.01 ms | rate (Hz) | κ | note |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        rate, kappa = r["summary"]
        ratio = r["median"] / ref["median"]
        lines.append(f"| {r['code']} | {r['first']:.2f} | {r['median']:.3f} | {ratio:.2f} | "
                     f"{rate:.2f} | {kappa:.3f} | {r['note']} |")
    agree = all(abs(r["summary"][0] / ref["summary"][0] - 1) < 0.02 for r in rows)

    # The sweep: 64 networks x 1 s, on 1 and on 2 host devices; numba x 64 in sequence.
    import ci_time  # the yardstick: the same numba loop, N = 100 for 1 s

    numba_1s = ci_time.yardstick(repeats=3)
    sweeps = [script_json("sweep_throughput.py", d, dt, *extra)
              for d, dt, *extra in ((1, DT), (2, DT), (2, ACCURATE_DT), (2, DT, "plain"))]
    scale = [script_json("scale.py", 10000, m, dt, coupling)
             for m, dt, coupling in ((0, DT, "auto"), (100, DT, "event"), (100, DT, "exact"),
                                     (100, ACCURATE_DT, "event"))]
    sparse = script_json("sparse_speed.py")
    sparse["profile"] = run_script("profile_sparse.py")
    cross_json = HERE.parent / "wbmodel" / "data" / "cross_simulator.json"
    if "--reuse-cross" in sys.argv:  # cross_simulator.py just ran on its own (~15 min)
        cross = json.loads(cross_json.read_text())
    else:
        cross = script_json("cross_simulator.py")
    # the numerics chapter shows these numbers, with their date and machine
    cross_json.write_text(json.dumps(cross, indent=1) + "\n")

    fast = next(r for r in rows if r["code"] == f"wbmodel, dt = {ACCURATE_DT} ms")
    brian_sa = next((r for r in rows if "standalone" in r["code"]), None)
    targets = [
        (f"one network at the book's accuracy (dt = {ACCURATE_DT} ms: f–I within 0.6 % at "
         "every drive) vs jitted seed",
         f"{fast['median'] / seed_jit['median']:.2f}×", "≤ 0.4×"),
        ("the same vs Brian2 cpp_standalone binary",
         f"{brian_sa['median'] / fast['median']:.1f}× faster" if brian_sa else "n/a", "≥ 15×"),
        ("64-network sweep throughput vs numba × 64 in sequence (2 devices, dt = 0.01 ms)",
         f"{64 * numba_1s / sweeps[1]['median_s']:.1f}×", "≥ 10×"),
        (f"the same at the book's accuracy (dt = {ACCURATE_DT} ms)",
         f"{64 * numba_1s / sweeps[2]['median_s']:.1f}×", "≥ 10×"),
        ("sweep on 2 host devices vs 1 (dt = 0.01 ms)",
         f"{sweeps[0]['median_s'] / sweeps[1]['median_s']:.2f}×", "—"),
        ("CPU_COMPILER_OPTIONS (512-bit vectors) vs XLA's defaults: one network, dt = 0.01 ms",
         f"{plain['median'] / ref['median']:.2f}× faster", "—"),
        ("the same: 64-network sweep, 2 devices, dt = 0.01 ms",
         f"{sweeps[3]['median_s'] / sweeps[1]['median_s']:.2f}× faster", "—"),
        (f"one network at dt = {ACCURATE_DT} ms vs the seed jitted with the same options",
         f"{fast['median'] / seed_opts['median']:.2f}×", "—"),
        ("compile, one network (first − median, dt = 0.01 ms)",
         f"{ref['first'] - ref['median']:.2f} s", "≤ 5 s"),
    ]
    for s in scale:
        kind = "all-to-all" if s["M"] == 0 else f"M = {s['M']}, {s['coupling']} sum"
        limit = ("≤ 30 s" if s["M"] == 0 else "≤ 10 s" if s["coupling"] == "event"
                 and s["dt_ms"] == DT else "—")
        targets.append((f"N = 10,000 {kind}, 1 s, dt = {s['dt_ms']} ms (κ = {s['kappa']:.2f}, "
                         f"peak RSS {s['peak_rss_MiB']:.0f} MiB)", f"{s['run_s']:.1f} s", limit))
    event, exact = (next(s for s in scale if s["M"] == 100 and s["dt_ms"] == DT
                         and s["coupling"] == c) for c in ("event", "exact"))
    targets += [
        ("the same network: event-driven sum vs the exact sum (the implementation before it)",
         f"{exact['run_s'] / event['run_s']:.1f}× faster", "—"),
        ("the same: event-driven sum vs a single-core numba loop (exact sum, float64)",
         f"{event['run_s'] / sparse['numba']['s_per_simulated_s']:.3f}×", "≤ 0.1×"),
        ("a sweep of chapter 6's largest networks (N = 2,000, I_σ = 0.02, 8 M × 3 seeds, 800 ms, "
         "compiles included): event-driven vs exact",
         f"{sparse['sweep']['exact']['time_s'] / sparse['sweep']['event']['time_s']:.1f}× "
         "faster", "—"),
    ]

    out = ["# Benchmark results", "",
           f"Machine: {platform.platform()}, {os.cpu_count()} CPU cores, Python "
           f"{platform.python_version()}, JAX on the CPU. Written by `make bench` on "
           f"{time.strftime('%Y-%m-%d')}.", "",
           f"One network: N = {N}, {T:g} ms, dt = {DT} ms unless stated, the paper's defaults. "
           f"Median of {REPEATS} calls after the first (Brian2: of the runs after the first).",
           "", *lines, "",
           f"Mean rates agree within 2 % of wbmodel's: {'yes' if agree else 'NO'}.", "",
           "## Targets (ratios measured in this run)", "",
           "| what | measured | target |", "|---|---:|---:|",
           *[f"| {a} | {b} | {c} |" for a, b, c in targets], "",
           f"numba, one network for 1 s: {numba_1s:.2f} s (median of 3). Sweeps (median of 3 "
           "runs after the first): "
           + ", ".join(f"{s['devices']} device(s) at dt = {s['dt_ms']} ms"
                       + (" (XLA's default options)" if s["plain"] else "")
                       + f": {s['median_s']:.2f} s" for s in sweeps) + ". Total spikes of the "
           "64 networks at dt = 0.01 ms on 1 device, on 2 and with XLA's default options: "
           + " / ".join(str(sweeps[k]["spikes"]) for k in (0, 1, 3))
           + (" (identical)" if len({sweeps[k]["spikes"] for k in (0, 1, 3)}) == 1
              else " (DIFFERENT)")
           + f"; peak resident memory of a sweep process {sweeps[1]['peak_rss_MiB']:.0f} MiB.",
           "",
           "## float32 or float64", "",
           "`benchmarks/precision.py`: one network (N = 100, 500 ms, dt = 0.01 ms) and the "
           "largest f–I error against the LSODA reference at 0.5, 1, 2 and 5 µA/cm².", "",
           "| precision | median (s) | mean rate (Hz) | κ | f–I error, dt = 0.01 ms | "
           f"f–I error, dt = {ACCURATE_DT} ms |", "|---|---:|---:|---:|---:|---:|",
           *[f"| {p['dtype']} | {p['median_s']:.3f} | {p['rate_Hz']:.2f} | {p['kappa']:.3f} | "
             f"{100 * p['fi_error']['0.01']:.4f} % | "
             f"{100 * p['fi_error'][str(ACCURATE_DT)]:.4f} % |" for p in precision], "",
           f"float64 costs {precision[1]['median_s'] / precision[0]['median_s']:.1f}× the "
           "time and buys no accuracy: the step's error, not rounding, sets it.", "",
           *sparse_section(sparse),
           *cross_section(cross),
           *browser_section(page),
           "## Where the time goes", "",
           "`benchmarks/profile_step.py`: the sweep's compiled step for 64 networks on one "
           "device, under `jax.profiler` (2,000 steps, dt = 0.01 ms). Every kernel is one XLA "
           "fusion; the costly operations are counted in the optimised HLO. The four largest "
           "advance V (with its Jacobian: 2 expm1, 7 div), n, s and h; the arithmetic of the "
           "rate functions, not the per-kernel overhead or the coupling (the reduction), sets "
           "the cost. The two builds are timed alternately, each kernel's least time of five "
           "calls: this machine has spells in which everything runs about 1.6× slower "
           "(probably also behind the spread of the N = 10,000 sparse runs between "
           "processes).", "", profiles]
    # CI and the developer loop: a fresh clone's .ci/run, phase by phase (ci_time.py)
    ci_json = HERE / "ci_time.json"
    if "--reuse-ci" in sys.argv:  # ci_time.py just ran on its own (~30 min)
        ci = json.loads(ci_json.read_text())
    else:
        ci = script_json("ci_time.py")
        ci_json.write_text(json.dumps(ci, indent=1) + "\n")
    out += ["", *ci_time.section(ci)]
    text = "\n".join(out) + "\n"
    print(text)
    (HERE / "RESULTS.md").write_text(text)
    # Sharding must not change a number; another vector width may, by float32 rounding.
    same = sweeps[0]["spikes"] == sweeps[1]["spikes"]
    return 0 if agree and same else 1


if __name__ == "__main__":
    sys.exit(main())
