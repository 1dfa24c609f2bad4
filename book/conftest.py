"""The notebooks under nbval, each executed once for both the tests and the book.

nbval executes every notebook (``pytest book``, ``--nbval-lax``: every cell must run
without an error; the hidden asserts are cells). ``make book`` runs it before
``jupyter-book build``, and ``make test`` runs it again with the unit tests. One execution
serves both:

* A notebook that passes under nbval is written, executed, into the jupyter-cache the book
  build reads (``_build/.jupyter_cache``). Its outputs, and the widget state its explorers
  need, are recorded from the kernel messages nbval reads, by nbclient's own handling of
  them (the code that executes notebooks for jupyter-cache).
* A notebook whose code has already passed under nbval in this tree, with the same wbmodel
  sources and pins, is not executed again: its cells are deselected, and the header says
  which notebooks and when they passed. ``--nbval-again`` executes every notebook.
* A failing notebook is not cached. The book build executes it again and stops on its error
  (``-W``); the next ``make test`` executes it again and fails.

jupyter-cache keys a notebook on its own code only, so a change to wbmodel (its Python, the
page's JavaScript inlined in the outputs, its data) would leave stale outputs: the cache is
emptied whenever those sources, or the pins, differ from the ones its outputs were made with.
"""

import contextlib
import copy
import fcntl
import hashlib
import re
import shutil
import time
import uuid
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbval.plugin import IPyNbCell, IPyNbFile

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
STAMP = CACHE / "wbmodel-sources.sha256"
BOOK = Path(__file__).resolve().parent
# A stream's text as a terminal shows it: a character before a backspace, and a line's text
# before a carriage return, are gone (a progress bar keeps its last state). (nbclient's
# pattern for the backspace, r"[^\n]\b", is a word boundary, not a backspace.)
_RGX_BACKSPACE = re.compile("[^\n]\x08")
_RGX_CARRIAGERETURN = re.compile(r".*\r(?=[^\n])")


def pytest_addoption(parser):
    parser.addoption(
        "--nbval-again",
        action="store_true",
        help="execute every notebook, also those that already passed under nbval "
        "with the same code and wbmodel sources",
    )


def hashed_files() -> list[Path]:
    """What the notebooks' outputs depend on besides their own code: wbmodel (its Python,
    the page's JavaScript, its data), the book's own modules (``book/seed_guide.py``, which
    the guide's chapter imports, this conftest, the Sphinx extensions) and the pins."""
    def files(folder, pattern):
        return sorted(p for p in folder.rglob(pattern)
                      if p.is_file() and "__pycache__" not in p.parts)

    return [*files(ROOT / "wbmodel", "*"), *sorted(BOOK.glob("*.py")),
            *files(BOOK / "_ext", "*.py"), ROOT / "requirements.txt",
            ROOT / "requirements-lab.txt"]


def sources_hash() -> str:
    """A hash of :func:`hashed_files`: the cache is emptied when it changes."""
    h = hashlib.sha256()
    for p in hashed_files():
        if not p.exists():  # a copy of the book without the package (tests/test_nbval_once.py)
            continue
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def _locked():
    """The cache, for one process at a time (pytest-xdist's workers write to it)."""
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / ".jupyter_cache.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield get_cache(str(CACHE))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def passed_before(path: Path):
    """The cache record of ``path``'s last passing run under nbval, or None: the
    notebook's code and wbmodel's sources must be those of that run."""
    nb = nbformat.read(path, as_version=4)
    with _locked() as cache:
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            return None
    return record if record.data.get("nbval") else None


def _notebooks(config) -> list[Path]:
    """The notebooks this run collects (from its arguments, or testpaths)."""
    found = []
    for arg in config.args:
        p = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if p.is_dir() and (p == BOOK or BOOK in p.parents or p in BOOK.parents):
            found += sorted(BOOK.glob("*.ipynb"))
        elif p.suffix == ".ipynb":
            found.append(p)
    return list(dict.fromkeys(found))


def pytest_configure(config):
    """Empty the cache if wbmodel or the pins changed since its outputs were made (once,
    in the process that starts the run: before pytest-xdist's workers collect)."""
    config._nbval_reused = {}
    if hasattr(config, "workerinput"):  # what the controller decided (pytest_configure_node)
        config._nbval_run = config.workerinput["nbval_run"]
        config._nbval_skip = set(config.workerinput["nbval_reused"])
        return
    config._nbval_run = uuid.uuid4().hex
    digest = sources_hash()
    with _locked():
        if CACHE.exists() and (not STAMP.exists() or STAMP.read_text() != digest):
            print(
                "nbval: wbmodel's sources changed since the cached notebooks ran: "
                "emptying the cache"
            )
            shutil.rmtree(CACHE)
        CACHE.mkdir(parents=True, exist_ok=True)
        STAMP.write_text(digest)
    if not config.getoption("nbval_again"):
        for path in _notebooks(config):
            record = passed_before(path)
            if record is not None:
                config._nbval_reused[path] = record
    config._nbval_skip = {str(p) for p in config._nbval_reused}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Each pytest-xdist worker deselects the notebooks the controller found cached, and
    tags what it caches with this run (one decision for all: a worker started later, after
    one crashed, must collect what the others collected)."""
    node.workerinput["nbval_run"] = node.config._nbval_run
    node.workerinput["nbval_reused"] = sorted(node.config._nbval_skip)


def _reused_lines(config) -> list[str]:
    reused = config._nbval_reused
    if not reused:
        return []
    lines = [
        f"nbval: {len(reused)} notebooks passed under nbval before, with this code "
        "and these wbmodel sources, and are not executed again (--nbval-again "
        "executes them):"
    ]
    for path, record in reused.items():
        lines.append(
            f"  {path.name}: passed {record.created:%Y-%m-%d %H:%M} UTC, in "
            f"{record.data.get('execution_seconds', float('nan')):.0f} s"
        )
    return lines


def pytest_report_header(config):
    return _reused_lines(config) or None


def pytest_collection_modifyitems(config, items):
    """Deselect the cells of the notebooks that already passed."""
    if config.getoption("nbval_again"):
        return
    keep, drop = [], []
    for item in items:
        if isinstance(item, IPyNbCell) and str(Path(item.path).resolve()) in config._nbval_skip:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter, config):
    """Each notebook executed and cached in this run, with its time."""
    if hasattr(config, "workerinput") or not hasattr(config, "_nbval_run"):
        return
    with _locked() as cache:
        records = [
            r
            for r in cache.list_cache_records()
            if r.data.get("nbval") and r.data.get("run") == config._nbval_run
        ]
    if config.getoption("verbose") < 0 and _reused_lines(config):  # -q drops the header
        terminalreporter.write_sep("-", "notebooks not executed again")
        for line in _reused_lines(config):
            terminalreporter.write_line(line)
    if records:
        terminalreporter.write_sep("-", "notebooks executed under nbval and cached")
        for r in sorted(records, key=lambda r: -r.data["execution_seconds"]):
            terminalreporter.write_line(f"{Path(r.uri).name}: {r.data['execution_seconds']:.1f} s")


class _Recorder:
    """The executed notebook, built from the kernel messages nbval reads for its checks.

    nbclient's ``process_message`` turns each message of the current cell into outputs, as
    when nbclient executes a notebook itself: streams, displays (myst-nb's glue among
    them), errors, ``clear_output``, Output widgets and the widgets' state.
    """

    def __init__(self, nbfile: IPyNbFile):
        self.nb = copy.deepcopy(nbfile.nb)
        self.index = {id(c): i for i, c in enumerate(nbfile.nb.cells)}
        self.code = {i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"}
        self.client = NotebookClient(self.nb, record_timing=False)
        self.client.kc = nbfile.kernel.kc
        self.msg_id, self.cell, self.cell_index = None, None, None
        self.ran, self.failed = set(), False
        self.t0 = time.perf_counter()
        self.nb.metadata["language_info"] = self._language_info(nbfile.kernel.kc)
        kernel, execute = nbfile.kernel, nbfile.kernel.execute_cell_input

        def execute_cell_input(source, allow_stdin=None):
            self.msg_id = execute(source, allow_stdin=allow_stdin)
            return self.msg_id

        kernel.execute_cell_input = execute_cell_input

    @staticmethod
    def _language_info(kc) -> dict:
        msg_id = kc.kernel_info()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]["language_info"]

    def start(self, item: IPyNbCell):
        self.cell_index = self.index[id(item.cell)]
        self.cell = self.nb.cells[self.cell_index]
        self.cell.outputs, self.cell.execution_count = [], None
        self.client.clear_before_next_output = False

    def process(self, msg: dict):
        if self.cell is None or msg["parent_header"].get("msg_id") != self.msg_id:
            return
        with contextlib.suppress(CellExecutionComplete):
            self.client.process_message(msg, self.cell, self.cell_index)

    def finish(self, passed: bool):
        if passed:
            self.ran.add(self.cell_index)
            # nbval, like nbclient, executes without storing history: count the cells
            self.cell.execution_count = len(self.ran)
            for out in self.cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = len(self.ran)
        else:
            self.failed = True
        self.cell = None

    def cache(self, uri: str):
        """Cache the notebook if every code cell ran and passed."""
        if self.failed or self.ran != self.code:
            return
        self.client.set_widgets_metadata()
        for i in self.code:  # at the end: display ids point at the outputs as they came
            self.nb.cells[i].outputs = _coalesce_streams(self.nb.cells[i].outputs)
        seconds = time.perf_counter() - self.t0
        with _locked() as cache:
            cache.add_nb_to_project(uri)
            cache.cache_notebook_bundle(
                CacheBundleIn(
                    self.nb,
                    uri,
                    data={
                        "nbval": True,
                        "run": self.run,
                        "execution_seconds": seconds,
                        "finished": datetime.now().isoformat(),
                    },
                ),
                check_validity=True,
                overwrite=True,
            )


def _coalesce_streams(outputs):
    """Consecutive outputs of one stream as one, with carriage returns and backspaces
    applied (a progress bar's last state), as nbclient stores them."""
    merged = []
    for out in outputs:
        if (
            out.output_type == "stream"
            and merged
            and merged[-1].output_type == "stream"
            and merged[-1].name == out.name
        ):
            merged[-1].text += out.text
        else:
            merged.append(out)
    for out in merged:
        if out.output_type == "stream":
            text = None
            while text != out.text:
                text, out.text = out.text, _RGX_BACKSPACE.sub("", out.text)
            out.text = _RGX_CARRIAGERETURN.sub("", out.text)
    return merged


_setup, _teardown = IPyNbFile.setup, IPyNbFile.teardown
_get_message = IPyNbFile.get_kernel_message


def _file_setup(self):
    _setup(self)
    self._recorder = _Recorder(self)
    self._recorder.run = self.config._nbval_run


def _file_teardown(self):
    recorder = getattr(self, "_recorder", None)
    try:
        if recorder is not None:
            recorder.cache(str(Path(self.path).resolve()))
    finally:
        _teardown(self)


def _get_kernel_message(self, timeout=None, stream="iopub"):
    msg = _get_message(self, timeout=timeout, stream=stream)
    recorder = getattr(self, "_recorder", None)
    if recorder is not None and stream == "iopub":
        recorder.process(msg)
    return msg


IPyNbFile.setup, IPyNbFile.teardown = _file_setup, _file_teardown
IPyNbFile.get_kernel_message = _get_kernel_message


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    recorder = getattr(item.parent, "_recorder", None)
    if isinstance(item, IPyNbCell) and recorder is not None:
        recorder.start(item)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    recorder = getattr(item.parent, "_recorder", None)
    if isinstance(item, IPyNbCell) and recorder is not None and call.when == "call":
        recorder.finish(report.passed)
    return report
