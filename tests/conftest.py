"""Shared fixtures: short runs reused across tests (each compiles once per shape), and the
browser and the served book for the browser tests."""

import fcntl
import subprocess
from pathlib import Path

import brainunit as u
import pytest

import wbmodel as wb

UA = u.uA / u.cm**2
MS = u.mS / u.cm**2


@pytest.fixture(scope="session")
def default_run():
    """The paper's default network (N = 100, all-to-all), 500 ms."""
    return wb.simulate(wb.WBParams(), duration=500 * u.ms, seed=0)


@pytest.fixture(scope="session")
def playwright():
    """Playwright, once per process (a second sync_playwright() in one thread is refused);
    skips where Playwright or Chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from chromium import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless Chromium for the session."""
    from chromium import ARGS, CHROMIUM

    b = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def site():
    """The built book served on 127.0.0.1 (built first if needed)."""
    from chromium import HTML, ROOT, serve

    # pytest-xdist's workers share one build: the first to get the lock builds, the others
    # wait for it and find the book there.
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (HTML / "book" / "07_explore.html").exists():
            subprocess.run(["make", "book"], cwd=ROOT, check=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    url, server = serve(HTML)
    yield url
    server.shutdown()


#: The markers `make unit` leaves out (pyproject.toml lists them): a test is a browser test if
#: it drives Chromium (its fixtures) or reads the built book (its module).
_MODULE_MARKERS = {"test_browser.py": "browser", "test_browser_live.py": "browser",
                   "test_browser_pages.py": "browser", "test_browser_storm.py": "browser",
                   "test_accessibility.py": "browser", "test_jupyterlab.py": "jupyterlab",
                   "test_wheel.py": "wheel"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = _MODULE_MARKERS.get(item.path.name)
        if marker is None and {"browser", "site", "playwright"} & set(
                getattr(item, "fixturenames", ())):
            marker = "browser"
        if marker is not None:
            item.add_marker(marker)
