"""Where the time of a sparse step goes (a subprocess): ``python benchmarks/profile_sparse.py``.

The sweep's compiled step for B = 8 networks of N = 2,000 with I_σ = 0.02 µA/cm² (one host
device, dt = 0.01 ms, 2,000 steps under ``jax.profiler``, each kernel's least time of five
calls, the builds alternating), in three builds: all-to-all (the reference: cells only),
M = 50 summed exactly (a gather of N·M entries per step) and M = 50 with the event-driven
running sum (:mod:`wbmodel.events`). Prints one Markdown table per build.
"""

import os
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=1"

sys.path.insert(0, os.path.dirname(__file__))
import brainunit as u  # noqa: E402
import profile_step as ps  # noqa: E402

import wbmodel as wb  # noqa: E402
from wbmodel import engine  # noqa: E402

N, M = 2000, 50
ps.B = 8


def main():
    params = wb.WBParams(n_cells=N, I_sigma=0.02 * u.uA / u.cm**2)
    sparse = params.replace(n_inputs=M)
    pre = wb.fixed_in_degree_indices(N, M, 0)
    options = dict(engine.CPU_COMPILER_OPTIONS)
    cases = {
        "all-to-all (cells only)": (ps.batch_args(params, ps.B), None, "auto"),
        f"M = {M}, exact sum": (ps.batch_args(sparse, ps.B, pre), M, "exact"),
        f"M = {M}, event-driven sum": (ps.batch_args(sparse, ps.B, pre), M, "event"),
    }
    builds = {name: ps.build(options, args, N, width, coupling) + (args,)
              for name, (args, width, coupling) in cases.items()}
    runs = {name: [] for name in builds}
    for _ in range(ps.REPEATS):
        for name, (program, ops, args) in builds.items():
            runs[name].append(ps.kernel_times(program, ops, args))
    for name, (_, ops, _) in builds.items():
        per_step = {k: min(r.get(k, float("inf")) for r in runs[name]) for k in runs[name][0]}
        print(f"{name}:\n\n{ps.table(per_step, ops, N)}\n")


if __name__ == "__main__":
    main()
