"""The notebooks in the real JupyterLab client (the pinned one), driven by Chromium, offline.

``make lab`` is the book's one interactive path for running the notebooks yourself. This
test starts that JupyterLab (``requirements-lab.txt``) on 127.0.0.1 with a free port and no
token, on a copy of the notebooks (JupyterLab saves what it runs: it must not write outputs
into the repository's notebooks) and a workspace of its own. It opens
``book/07_explore.ipynb`` in Chromium with every request off the machine aborted, runs every
cell and checks what a reader would see: no cell fails, the ipywidgets explorer renders and
re-simulates when one of its sliders moves (its κ readout and its figure change), and the
in-page explorer (browser_explorer's output) runs inside JupyterLab too. Then it runs
``book/03_gamma_rhythm.ipynb``. It stops the server it started, and checks that the
repository's notebooks are byte for byte what they were. Skipped where Chromium, Playwright
or JupyterLab is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium import ROOT, Page

pytestmark = pytest.mark.skipif(shutil.which("jupyter-lab", path=str(Path(sys.executable)
                                                                       .parent)) is None,
                                reason="JupyterLab is not installed (requirements-lab.txt)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The notebooks the tests open, copied into the server's own root.
NOTEBOOKS = ("07_explore.ipynb", "03_gamma_rhythm.ipynb")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks, stopped at the end; its URL."""
    root = tmp_path_factory.mktemp("lab")
    (root / "book").mkdir()
    mine = {name: (ROOT / "book" / name).read_bytes() for name in NOTEBOOKS}
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "book" / name, root / "book" / name)
    port = _free_port()
    log = open(ROOT / "_build" / "jupyterlab-test.log", "w")  # noqa: SIM115 (closed below)
    config = ROOT / "_build" / ".jupyter-test"
    # a clean profile that does not ask about Jupyter's news (its toast would cover the
    # screenshots' outputs)
    settings = config / "lab" / "user-settings"
    notification = (settings / "@jupyterlab" / "apputils-extension"
                    / "notification.jupyterlab-settings")
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')
    # and saves nothing by itself (a test's notebook holds what it ran until the end)
    docmanager = settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docmanager.parent.mkdir(parents=True, exist_ok=True)
    docmanager.write_text('{"autosave": false}\n')
    # a workspace of its own: JupyterLab reopens what the last session had open
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"))
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", "--IdentityProvider.token=",
         "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: see {log.name}")
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("jupyter lab did not start within 60 s")
        yield url
        for name in NOTEBOOKS:  # nothing wrote into the repository's own notebooks
            assert (ROOT / "book" / name).read_bytes() == mine[name], f"book/{name} changed"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


RUN_ALL = """async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
}"""

#: The cells' state, read from JupyterLab's own model of the open notebook.
CELLS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = Array.from(panel.content.model.cells);
    return {
        busy: panel.sessionContext.session?.kernel?.status !== 'idle',
        code: cells.filter(c => c.type === 'code').length,
        done: cells.filter(c => c.type === 'code' && c.executionCount !== null).length,
        errors: cells.flatMap(c => c.type !== 'code' ? [] : Array.from(
            {length: c.outputs.length}, (_, i) => c.outputs.get(i).toJSON())
            .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)),
    };
}"""


def _run_notebook(browser, lab, name, timeout_s=420):
    """Open book/NAME in JupyterLab, run every cell, wait until done; the open page."""
    # ?reset: only this notebook open, not what the last test had open
    p = Page(browser, f"{lab}/lab/tree/book/{name}?reset")
    page = p.page
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content", timeout=60_000)
    page.evaluate(RUN_ALL)
    deadline = time.monotonic() + timeout_s
    while True:
        state = page.evaluate(CELLS)
        if state["errors"]:
            break
        if not state["busy"] and state["done"] == state["code"]:
            break
        assert time.monotonic() < deadline, f"{name} did not finish in {timeout_s} s: {state}"
        time.sleep(1.0)
    return p, state


def _clean(p):
    assert not p.offsite, f"requests left the machine: {p.offsite}"
    errors = [e for e in p.errors if "favicon" not in e]
    assert not errors, f"console errors: {errors}"


def test_explore_runs_in_jupyterlab_with_both_explorers(browser, lab):
    p, state = _run_notebook(browser, lab, "07_explore.ipynb")
    page = p.page
    try:
        assert not state["errors"], state["errors"]
        # the in-page explorer: its worker ran the network, κ is on screen
        page.wait_for_function("() => Array.from(document.querySelectorAll('.wb-live'))"
                               ".some(r => r.dataset.state === 'done')", timeout=60_000)
        live = page.locator(".wb-live[data-state=done]").first
        live.scroll_into_view_if_needed()
        assert "κ = " in live.locator(".wb-live-readout").text_content()
        drawn = live.locator("canvas").evaluate(
            "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
            ".some((v, i) => i % 4 === 3 && v > 0)")
        assert drawn, "the in-page explorer's canvas is drawn"
        # the ipywidgets explorer: a slider move makes the kernel re-simulate
        root = page.locator(".wb-explorer").last
        root.scroll_into_view_if_needed()
        readout = root.locator(".wb-readout")
        figure = root.locator("img").first
        readout.wait_for(state="visible", timeout=30_000)
        before = readout.text_content(), figure.get_attribute("src")
        handle = root.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle,"
                              " .widget-hslider [role=slider]").first
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        page.wait_for_function(
            "([sel, txt]) => document.querySelector(sel)?.textContent !== txt",
            arg=[".wb-explorer .wb-readout", before[0]], timeout=60_000)
        page.wait_for_timeout(500)
        after = readout.text_content(), root.locator("img").first.get_attribute("src")
        assert after[0] != before[0], "the κ readout changes"
        assert after[1] != before[1], "the figure is redrawn"
        # for a person to look at (as `make shots` does for the book)
        (ROOT / "_build" / "shots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ROOT / "_build" / "shots" / "jupyterlab-07_explore.png"))
        _clean(p)
    finally:
        p.page.close()


def test_chapter_3_runs_in_jupyterlab(browser, lab):
    p, state = _run_notebook(browser, lab, "03_gamma_rhythm.ipynb")
    try:
        assert not state["errors"], state["errors"]
        assert state["done"] == state["code"] > 5
        p.page.wait_for_function("() => Array.from(document.querySelectorAll('.wb-live'))"
                                 ".some(r => r.dataset.state === 'done')", timeout=60_000)
        p.page.locator(".wb-live[data-state=done]").first.scroll_into_view_if_needed()
        p.page.screenshot(path=str(ROOT / "_build" / "shots" / "jupyterlab-03_gamma_rhythm.png"))
        _clean(p)
    finally:
        p.page.close()
