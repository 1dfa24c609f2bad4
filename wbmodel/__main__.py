"""Command line: ``python -m wbmodel figures --out DIR`` and ``python -m wbmodel run``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _figures(out: Path) -> None:
    import brainunit as u
    import matplotlib

    matplotlib.use("Agg")
    import wbmodel as wb

    out.mkdir(parents=True, exist_ok=True)
    res = wb.simulate(wb.WBParams(), duration=400 * u.ms, seed=0)
    fig = wb.plotting.plot_network(res, start=0 * u.ms, stop=400 * u.ms)
    path = out / "gamma_rhythm.png"
    fig.savefig(path, dpi=110)
    print(f"{path}: κ = {wb.coherence(res):.3f}, "
          f"f = {float(wb.network_frequency(res).to_decimal(u.Hz)):.1f} Hz")


def _run(args) -> None:
    import brainunit as u

    import wbmodel as wb

    p = wb.WBParams(n_cells=args.n_cells, n_inputs=args.n_inputs,
                    I_app=args.I_app * u.uA / u.cm**2, I_sigma=args.I_sigma * u.uA / u.cm**2,
                    g_syn=args.g_syn * u.mS / u.cm**2, phi=args.phi)
    res = wb.simulate(p, duration=args.duration * u.ms, dt=args.dt * u.ms, seed=args.seed)
    print(res)
    print(f"kappa = {wb.coherence(res):.3f}")
    print(f"network frequency = {float(wb.network_frequency(res).to_decimal(u.Hz)):.2f} Hz")
    print(f"mean rate = {float(wb.mean_rate(res).to_decimal(u.Hz)):.2f} Hz")


def main(argv=None) -> int:
    """Entry point of ``python -m wbmodel``."""
    parser = argparse.ArgumentParser(prog="python -m wbmodel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("figures", help="regenerate the book's main figures headlessly")
    f.add_argument("--out", type=Path, default=Path("_build/figures"))
    r = sub.add_parser("run", help="simulate one network and print κ and the frequency")
    r.add_argument("--n-cells", type=int, default=100)
    r.add_argument("--n-inputs", type=int, default=None)
    r.add_argument("--I-app", type=float, default=1.0, help="µA/cm²")
    r.add_argument("--I-sigma", type=float, default=0.0, help="µA/cm²")
    r.add_argument("--g-syn", type=float, default=0.1, help="mS/cm²")
    r.add_argument("--phi", type=float, default=5.0)
    r.add_argument("--duration", type=float, default=1000.0, help="ms")
    r.add_argument("--dt", type=float, default=0.01, help="ms")
    r.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "figures":
        _figures(args.out)
    else:
        _run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
