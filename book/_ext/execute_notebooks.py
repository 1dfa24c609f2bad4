"""Execute the book's notebooks two at a time, into the cache the book build reads.

``python book/_ext/execute_notebooks.py CACHE NOTEBOOK...`` (``make book`` runs it before
``jupyter-book build``). jupyter-cache's parallel executor runs one notebook per CPU core;
the build then finds every notebook that succeeded in the cache (same code, same hash) and
executes only the rest itself, so a notebook that fails here fails the build there, with
its traceback. Prints each notebook's execution time.

jupyter-cache keys a notebook on its own code only, so a change to wbmodel (its Python, the
page's JavaScript inlined in the outputs, its data) would leave stale outputs in the cache:
the cache is emptied whenever those sources, or the pins, differ from the last run's.
"""

import hashlib
import logging
import shutil
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

ROOT = Path(__file__).resolve().parents[2]


def _sources_hash() -> str:
    """A hash of what the notebooks' outputs depend on besides their own code."""
    h = hashlib.sha256()
    files = sorted(p for p in (ROOT / "wbmodel").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    for p in [*files, ROOT / "requirements.txt"]:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def main(cache_path: str, notebooks: list[str]) -> int:
    stamp, digest = Path(cache_path) / "wbmodel-sources.sha256", _sources_hash()
    if Path(cache_path).exists() and (not stamp.exists() or stamp.read_text() != digest):
        print("wbmodel's sources changed since the cached outputs were made: emptying the cache")
        shutil.rmtree(cache_path)
    cache = get_cache(cache_path)
    Path(cache_path).mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    for path in notebooks:
        cache.add_nb_to_project(path)
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    result = load_executor("local-parallel", cache=cache).run_and_cache(timeout=600)
    wall = time.perf_counter() - t0
    newest = {}  # the cache keeps older records of a notebook too: report this run's
    for record in cache.list_cache_records():
        if record.uri in result.succeeded and (
                record.uri not in newest or record.created > newest[record.uri].created):
            newest[record.uri] = record
    for uri, record in newest.items():
        print(f"executed {uri.rsplit('/', 1)[-1]} in "
              f"{record.data.get('execution_seconds', float('nan')):.1f} s")
    for uri in result.excepted + result.errored:
        print(f"FAILED {uri} (the book build executes it again and reports the error)")
    print(f"{len(result.succeeded)} notebooks executed in {wall:.1f} s (two at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
