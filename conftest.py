"""Under pytest-xdist (``make test``): each notebook's cells stay in one worker, in order.

nbval runs a notebook's cells as separate test items in one kernel, so they must not be
spread over workers; every other test may go to whichever worker is free
(``--dist loadgroup``).
"""

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks (it runs its hook in workers)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(name=item.path.name))
