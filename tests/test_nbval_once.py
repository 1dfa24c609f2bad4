"""Each notebook executed once (book/conftest.py): nbval's run is what the book reads.

On a copy of ``book/conftest.py`` beside a small notebook (its own cache, not the book's):
a notebook that passes under nbval is cached with the outputs the book build needs
(streams, displays, myst-nb's glue, an execute result, the widgets' state and an Output
widget's content) and is not executed again; an edit runs it again; a failing cell fails
pytest and caches nothing; ``--nbval-again`` executes it anyway.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.notebook

CELLS = [
    'print("hello")\nprint("10%\\r100%")\nprint("ab\\bc")\n'
    'from IPython.display import Markdown, display\ndisplay(Markdown("**md**"))',
    'from myst_nb import glue\nANSWER = 42.5\nglue("answer", ANSWER, display=False)',
    "import ipywidgets as w\nslider = w.IntSlider(value=3, description='n')\nslider",
    'out = w.Output()\nwith out:\n    print("inside")\nout',
    "assert ANSWER == 42.5  # a hidden assert",
    "1 + 1",
]


def _book(root: Path, cells: list[str]) -> Path:
    (root / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "book" / "conftest.py", root / "book" / "conftest.py")
    (root / "pytest.ini").write_text(
        "[pytest]\naddopts = --nbval-lax --nbval-current-env -p no:cacheprovider\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = root / "book" / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "book/nb.ipynb", *args],
                          cwd=root, capture_output=True, text=True, timeout=300)


def _cached(root: Path, path: Path):
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
    return record, cache.get_cache_bundle(record.pk).nb


def test_one_nbval_run_serves_the_book_and_the_next_run(tmp_path):
    path = _book(tmp_path, CELLS)
    first = _pytest(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "notebooks executed under nbval and cached" in first.stdout
    record, nb = _cached(tmp_path, path)
    assert record.data["nbval"] and record.data["execution_seconds"] > 0
    cells = nb.cells
    assert [c.execution_count for c in cells] == list(range(1, len(CELLS) + 1))
    assert [o.output_type for o in cells[0].outputs] == ["stream", "display_data"]
    # one stream, as a terminal shows it: a progress bar's last state, a backspace applied
    assert cells[0].outputs[0].text == "hello\n100%\nac\n"
    assert cells[0].outputs[1].data["text/markdown"] == "**md**"
    glued = cells[1].outputs[0]
    assert glued.metadata["scrapbook"]["name"] == "answer", glued
    assert glued.data["application/papermill.record/text/plain"] == "42.5"
    view = cells[2].outputs[0].data["application/vnd.jupyter.widget-view+json"]
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert state[view["model_id"]]["state"]["value"] == 3
    output_widget = state[cells[3].outputs[0].data[
        "application/vnd.jupyter.widget-view+json"]["model_id"]]["state"]
    assert output_widget["outputs"][0]["text"] == "inside\n", output_widget
    assert cells[5].outputs[0].output_type == "execute_result"
    assert cells[5].outputs[0].data["text/plain"] == "2"
    assert nb.metadata["language_info"]["pygments_lexer"] == "ipython3"

    again = _pytest(tmp_path)
    assert again.returncode == 5, again.stdout  # nothing left to execute
    assert "nbval: 1 notebooks passed under nbval before" in again.stdout
    assert "nb.ipynb: passed" in again.stdout

    forced = _pytest(tmp_path, "--nbval-again")
    assert forced.returncode == 0 and f"{len(CELLS)} passed" in forced.stdout, forced.stdout


def test_an_edit_runs_it_again_and_a_failure_caches_nothing(tmp_path):
    path = _book(tmp_path, CELLS)
    assert _pytest(tmp_path).returncode == 0
    broken = [*CELLS[:4], "assert ANSWER == 41.0  # a hidden assert, broken", CELLS[5]]
    _book(tmp_path, broken)
    run = _pytest(tmp_path)
    assert run.returncode == 1, run.stdout
    assert "1 failed" in run.stdout and "AssertionError" in run.stdout
    with pytest.raises(KeyError):
        _cached(tmp_path, path)
    run = _pytest(tmp_path)  # still failing: executed again, not reused
    assert run.returncode == 1 and "1 failed" in run.stdout, run.stdout


def test_an_edit_to_a_module_the_book_imports_runs_it_again(tmp_path):
    """A notebook that imports one of the book's own modules (as the guide's chapter imports
    book/seed_guide.py) is executed again when that module changes, not served stale."""
    cells = ["import helper\nassert helper.VALUE == 1"]
    path = _book(tmp_path, cells)
    (tmp_path / "book" / "helper.py").write_text("VALUE = 1\n")
    first = _pytest(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _pytest(tmp_path).returncode == 5, "unchanged: served from the cache"
    (tmp_path / "book" / "helper.py").write_text("VALUE = 2\n")
    run = _pytest(tmp_path)
    assert run.returncode == 1 and "1 failed" in run.stdout, run.stdout
    with pytest.raises(KeyError):
        _cached(tmp_path, path)


def test_the_cache_key_covers_the_guides_module_and_the_extensions():
    import importlib.util

    spec = importlib.util.spec_from_file_location("book_conftest", ROOT / "book" / "conftest.py")
    book_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book_conftest)
    hashed = {p.relative_to(ROOT).as_posix() for p in book_conftest.hashed_files()}
    assert {"book/seed_guide.py", "book/conftest.py", "book/_ext/report_summary.py",
            "wbmodel/theory.py", "requirements.txt"} <= hashed, sorted(hashed)
