"""The wheel as users get it: built, installed without ``-e`` into a fresh virtual
environment (the dependencies pinned by requirements.txt, from pip's local cache), and used
from outside the repository: the import, the page's explorer, ``python -m wbmodel run``,
and the sparse kernel compiled from the installed ``events.cc`` into an empty cache.

Slow (a minute or two: a virtual environment with JAX and brainpy); it runs in ``make
test`` like every other test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, cwd, env=None, timeout=900):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, python of a fresh environment with the wheel installed, a working folder)."""
    import shutil

    tmp = tmp_path_factory.mktemp("wheel")
    # built from the working tree's files as a clean clone has them (git's list): never
    # from a stale build/ folder that setuptools would reuse
    src = tmp / "src"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    # verbose, so that the build backend's warnings are in the log (tested below)
    log = _run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", tmp / "dist",
                src], cwd=tmp)
    (tmp / "build.log").write_text(log)
    wheel = next((tmp / "dist").glob("wbmodel-*.whl"))
    _run([sys.executable, "-m", "venv", tmp / "venv"], cwd=tmp)
    python = tmp / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", "-c", ROOT / "requirements.txt", wheel],
         cwd=tmp)
    work = tmp / "elsewhere"
    work.mkdir()
    return wheel, python, work


def test_the_wheel_carries_the_licence_and_the_package_data(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for part in ("wbmodel/web/wbmodel.js", "wbmodel/web/explorer.js", "wbmodel/events.cc",
                 "wbmodel/static_explorer.html", "wbmodel/data/paper_fig1a_fI.csv",
                 "wbmodel/data/cross_simulator.json", "wbmodel/peers/nrn/wb.mod",
                 "wbmodel/peers/nrn/wbsyn.mod"):
        assert part in names, f"{part} is missing from {wheel.name}"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    # only MIT code: the guide's code (BrainPy's terms) stays beside the book
    assert not [n for n in names if "seed_guide" in n], names
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert b"License-Expression: MIT" in meta
    import wbmodel

    assert f"Version: {wbmodel.__version__}".encode() in meta


def test_building_the_wheel_prints_no_setuptools_warning(installed):
    """Every folder of wbmodel is declared (the data folders were not: setuptools warned
    that 'wbmodel.data' and 'wbmodel.peers.nrn' are absent from its configuration, and a
    later setuptools may leave them out)."""
    wheel, _, _ = installed
    log = (wheel.parent.parent / "build.log").read_text()
    assert "Building wheel" in log, "the log is pip's verbose build"
    for warning in ("BuildBackendWarning", "SetuptoolsDeprecationWarning",
                    "absent from the `packages` configuration"):
        assert warning not in log, [line for line in log.splitlines() if warning in line]


def test_the_installed_package_works_from_anywhere(installed):
    _, python, work = installed
    out = _run([python, "-c", """
import wbmodel, pathlib
assert 'site-packages' in wbmodel.__file__, wbmodel.__file__
from wbmodel.browser import browser_explorer, model_source
html = browser_explorer().data
assert model_source() in html and 'WBLive.mount' in html
from wbmodel import reference
print(wbmodel.__version__, len(reference.paper_fig1a()['I']))
"""], cwd=work)
    import wbmodel

    assert out.split() == [wbmodel.__version__, "34"], out
    out = _run([python, "-m", "wbmodel", "run", "--duration", "300"], cwd=work)
    assert "kappa = " in out and "network frequency" in out, out
    figures = subprocess.run([python, "-m", "wbmodel", "figures", "--out", "figs"], cwd=work,
                             capture_output=True, text=True, timeout=300)
    assert figures.returncode != 0 and "run this from a checkout of the book" in (
        figures.stderr + figures.stdout), "figures needs the notebooks: it says so"


def test_the_readmes_python_example_runs_as_written(installed):
    """The README's "Or in Python" block, verbatim, in the wheel's environment."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
                 if b.startswith("import brainunit as u\nimport wbmodel as wb\n"))
    lines = block.strip().splitlines()
    code = "\n".join(lines[:-2] + [f"print({line.split('#')[0].strip()})"
                                    for line in lines[-2:]])
    _, python, work = installed
    out = _run([python, "-c", code], cwd=work)
    assert "Hz" in out and out.count("\n") >= 2, out


def test_the_readmes_sweep_runs_with_the_declared_dependencies_only(installed):
    """The README's crash-proof sweep (its calls, a smaller grid): pandas and tqdm come with
    the wheel's own dependencies (pip installed nothing else: ``-c`` only constrains)."""
    _, python, work = installed
    out = _run([python, "-c", """
import brainunit as u, wbmodel as wb
grid = {"I_app": [0.5, 1] * u.uA / u.cm**2}
kw = dict(seeds=range(2), duration=200 * u.ms, store="my-sweep")
df = wb.sweep(wb.WBParams(n_cells=20), grid, **kw)
again = wb.sweep(wb.WBParams(n_cells=20), grid, **kw)  # read back from the store
table = wb.persistence.read_store("my-sweep")
print(len(df), len(table), df.kappa.round(6).tolist() == again.kappa.round(6).tolist())
"""], cwd=work)
    assert out.split()[-3:] == ["4", "4", "True"], out


def test_the_sparse_kernel_builds_from_the_installed_source(installed):
    _, python, work = installed
    cache = work / "empty-cache"
    env = dict(os.environ, WBMODEL_CACHE=str(cache))
    out = _run([python, "-c", """
import brainunit as u, wbmodel as wb
from wbmodel import events
assert events.available()
r = wb.simulate(wb.WBParams(n_cells=200, n_inputs=20), duration=100 * u.ms,
                coupling='event')
print(events.build().parent, r.spike_times.size > 0)
"""], cwd=work, env=env)
    where, fired = out.split()
    assert Path(where) == cache and fired == "True", out
    assert list(cache.glob("*.so")), "the kernel was compiled into the empty cache"
