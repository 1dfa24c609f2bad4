"""Execute the book's notebooks two at a time, into the cache the book build reads.

``python book/_ext/execute_notebooks.py CACHE NOTEBOOK...`` (``make book`` runs it before
``jupyter-book build``). jupyter-cache's parallel executor runs one notebook per CPU core;
the build then finds every notebook that succeeded in the cache (same code, same hash) and
executes only the rest itself, so a notebook that fails here fails the build there, with
its traceback. Prints each notebook's execution time.
"""

import logging
import sys
import time

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor


def main(cache_path: str, notebooks: list[str]) -> int:
    cache = get_cache(cache_path)
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
