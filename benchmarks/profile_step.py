"""Where the time of a step goes (run as a subprocess): ``python benchmarks/profile_step.py B``.

Compiles the sweep's program for B networks of N = 100 (one host device, dt = 0.01 ms, a
0.1 ms raster) twice, with wbmodel's CPU_COMPILER_OPTIONS and with XLA's defaults, runs each
for 2,000 steps under ``jax.profiler`` five times, alternating the two, and prints a Markdown
table for each: every kernel XLA runs per step, its time per step (the least of the five)
and share, and what it computes (exponentials, expm1, divisions, from the optimised HLO).
Alternating matters here: this machine has spells in which everything runs ~1.6× slower.
"""

import collections
import glob
import gzip
import json
import os
import re
import sys
import tempfile

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=1"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import wbmodel as wb  # noqa: E402
from wbmodel import engine  # noqa: E402

B = int(sys.argv[1]) if len(sys.argv) > 1 and __name__ == "__main__" else 64
STEPS = 2000
REPEATS = 5
OPS = {"exponential": "exp", "exponential-minus-one": "expm1", "divide": "div"}


def kernel_ops(hlo: str) -> dict:
    """For each kernel (fusion) name of the optimised HLO, its count of costly operations."""
    bodies = {m.group(1): m.group(2) for m in
              re.finditer(r"^%(\S+) \(.*?^(.*?)^}", hlo, re.M | re.S)}
    out = {}
    for m in re.finditer(r"%(\S+) = [^\n]*? fusion\([^\n]*?calls=%([\w.\-]+)", hlo):
        body = bodies.get(m.group(2), "")
        counts = {short: len(re.findall(rf" {op}\(", body)) for op, short in OPS.items()}
        out[m.group(1)] = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "—"
    for m in re.finditer(r"%(\S+) = [^\n]*? custom-call\([^\n]*?custom_call_target=\"([\w.]+)\"",
                         hlo):
        out[m.group(1)] = f"custom call {m.group(2)}"
    return out


def build(options: dict, args, n_cells=100, width=None, coupling="auto"):
    """The sweep's program compiled with ``options``, and its kernels' costly operations."""
    engine.CPU_COMPILER_OPTIONS = options
    engine.clear_programs()
    program = engine.network_program(n_cells, width, STEPS, 0.01, (), False, 10, True, coupling)
    ops = kernel_ops(program.lower(*args).compile().as_text())
    jax.block_until_ready(program(*args))
    return program, ops


def kernel_times(program, ops, args) -> dict:
    """µs per step of each kernel that runs every step, from one traced call."""
    with tempfile.TemporaryDirectory() as tmp:
        jax.profiler.start_trace(tmp)
        jax.block_until_ready(program(*args))
        jax.profiler.stop_trace()
        path = glob.glob(f"{tmp}/**/*.trace.json.gz", recursive=True)[0]
        trace = json.load(gzip.open(path))
    total, count = collections.Counter(), collections.Counter()
    for e in trace["traceEvents"]:
        if e.get("ph") == "X" and e["name"] in ops:
            total[e["name"]] += e["dur"]
            count[e["name"]] += 1
    return {k: v / STEPS for k, v in total.items() if count[k] >= STEPS}


def table(per_step: dict, ops: dict, n_cells=100) -> str:
    whole = sum(per_step.values())
    lines = [f"| kernel (B = {B}, N = {n_cells}) | µs per step | share | costly operations |",
             "|---|---:|---:|---|"]
    lines += [f"| {k} | {v:.1f} | {v / whole:.0%} | {ops[k]} |"
              for k, v in sorted(per_step.items(), key=lambda kv: -kv[1])]
    lines.append(f"| all {len(per_step)} kernels of a step | {whole:.1f} | 100% | "
                 f"{whole * 1e3 / (B * n_cells):.1f} ns per cell-step |")
    return "\n".join(lines)


def batch_args(params, batch, pre=None):
    """The sweep program's inputs for ``batch`` copies of ``params`` (seeds 0, 1, ...)."""
    theta = {k: jnp.broadcast_to(v, (batch,)) + 0
             for k, v in engine.param_arrays(params).items()}
    pre = jnp.zeros((0, 0), jnp.int32) if pre is None else jnp.stack([pre] * batch)
    I, V0 = (np.stack(x) for x in zip(*(engine.draws_of(params, s) for s in range(batch)),
                                      strict=True))
    return theta, I, V0, pre


def main():
    args = batch_args(wb.WBParams(), B)
    builds = {"With wbmodel's CPU_COMPILER_OPTIONS":
              build(dict(engine.CPU_COMPILER_OPTIONS), args),
              "With XLA's default options (256-bit vectors)": build({}, args)}
    runs = {name: [] for name in builds}
    for _ in range(REPEATS):
        for name, (program, ops) in builds.items():
            runs[name].append(kernel_times(program, ops, args))
    for name, (_, ops) in builds.items():
        # Each kernel's least-disturbed time (a busy machine only adds).
        per_step = {k: min(r[k] for r in runs[name]) for k in runs[name][0]}
        print(f"{name}:\n\n{table(per_step, ops)}\n")


if __name__ == "__main__":
    main()
