"""Command line: ``python -m wbmodel figures --out DIR`` and ``python -m wbmodel run``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .wiring import WIRINGS

BOOK = Path(__file__).resolve().parents[1] / "book"


def _figures(out: Path, chapters: list[str] | None = None, timeout: int = 900) -> None:
    """Execute the book's notebooks headlessly; save their figures and summary tables.

    The notebooks are the code path: each is run from scratch (as the book build and nbval
    run it) with a Python kernel, and ``out/<chapter>/`` receives every figure it draws
    (``figure-1.png``, …, in order) and its closing table (``summary.md``).
    """
    notebooks = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:  # an installed wheel has no book (nor the book's dependencies)
        raise SystemExit(f"no notebooks found in {BOOK}: run this from a checkout of the book")
    import base64

    import nbformat
    from nbclient import NotebookClient

    if chapters:
        notebooks = [nb for nb in notebooks if any(c in nb.stem for c in chapters)]
    for path in notebooks:
        t0 = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(BOOK)}}).execute()
        target = out / path.stem
        target.mkdir(parents=True, exist_ok=True)
        n_fig, summary = 0, None
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                if "image/png" in data:
                    n_fig += 1
                    (target / f"figure-{n_fig}.png").write_bytes(
                        base64.b64decode(data["image/png"]))
                if "paper says" in data.get("text/markdown", ""):
                    summary = data["text/markdown"]
        if summary:
            (target / "summary.md").write_text(summary + "\n")
        print(f"{path.stem}: {n_fig} figures, summary {'saved' if summary else 'missing'} "
              f"({time.perf_counter() - t0:.0f} s) -> {target}")


def _run(args) -> None:
    import brainunit as u

    import wbmodel as wb

    p = wb.WBParams(n_cells=args.n_cells, n_inputs=args.n_inputs, wiring=args.wiring,
                    I_app=args.I_app * u.uA / u.cm**2, I_sigma=args.I_sigma * u.uA / u.cm**2,
                    g_syn=args.g_syn * u.mS / u.cm**2, phi=args.phi)
    lo, hi = wb.draws.V_range_of_spread(args.V0_spread)
    res = wb.simulate(p, duration=args.duration * u.ms, dt=args.dt * u.ms, seed=args.seed,
                      V0_range=(lo * u.mV, hi * u.mV))
    print(res)
    print(f"kappa = {wb.coherence(res):.3f}")
    print(f"network frequency = {float(wb.network_frequency(res).to_decimal(u.Hz)):.2f} Hz")
    print(f"mean rate = {float(wb.mean_rate(res).to_decimal(u.Hz)):.2f} Hz")


def main(argv=None) -> int:
    """Entry point of ``python -m wbmodel``."""
    parser = argparse.ArgumentParser(prog="python -m wbmodel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("figures", help="run the book's notebooks headlessly; save every "
                       "figure and summary table")
    f.add_argument("--out", type=Path, default=Path("_build/figures"))
    f.add_argument("--chapter", action="append", help="only chapters whose name contains this "
                   "(repeatable), e.g. --chapter 03")
    r = sub.add_parser("run", help="simulate one network and print κ and the frequency")
    r.add_argument("--n-cells", type=int, default=100)
    r.add_argument("--n-inputs", type=int, default=None, help="M (default: all-to-all)")
    r.add_argument("--wiring", choices=WIRINGS, default="fixed",
                   help="how a sparse network is drawn (with --n-inputs)")
    r.add_argument("--I-app", type=float, default=1.0, help="µA/cm²")
    r.add_argument("--I-sigma", type=float, default=0.0, help="µA/cm²")
    r.add_argument("--g-syn", type=float, default=0.1, help="mS/cm²")
    r.add_argument("--phi", type=float, default=5.0)
    r.add_argument("--duration", type=float, default=1000.0, help="ms")
    r.add_argument("--dt", type=float, default=0.01, help="ms")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--V0-spread", type=float, default=20.0,
                   help="initial V spread, mV: V0 uniform in −60 ∓ spread/2 (default 20: the "
                   "paper's [−70, −50]; 0: every cell starts identical)")
    args = parser.parse_args(argv)
    if args.command == "figures":
        _figures(args.out, args.chapter)
    else:
        _run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
