# Two commands: `make book` builds the HTML book, `make test` runs every test.
# Both create .venv (Python >= 3.12) and install requirements-lab.txt (requirements.txt's
# pins and a pinned JupyterLab) on first use.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python >= 3.12 found: pyenv's 3.12 (through .python-version), python3.12, 3.13...
PYTHON ?= $(shell for p in python3 python3.12 python3.13 python3.14; do \
	  if command -v $$p >/dev/null 2>&1 && \
	     $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; \
	  then command -v $$p; break; fi; done)

.PHONY: help venv book pdf test unit lab bench figures shots clean release

help:
	@echo "make book   build the HTML book (_build/html/index.html) and its PDF"
	@echo "make pdf    print the built book as one PDF (_build/html/wang-buzsaki-1996.pdf)"
	@echo "make test   every test: notebooks under nbval (those make book ran are not run again)"
	@echo "make unit   unit tests only"
	@echo "make lab    open the notebooks in JupyterLab"
	@echo "make bench  benchmarks against peers (writes benchmarks/RESULTS.md)"
	@echo "make shots  full-page screenshots of the built book (_build/shots/)"
	@echo "make clean  remove the build, caches and .venv"
	@echo "make release VERSION=x.y.z   date and number a release (tools/release.py)"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-lab.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no Python >= 3.12 found (brainpy 2.9 needs it)." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12'." >&2; \
	  exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-lab.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# nbval executes the notebooks, two at a time (pytest-xdist), and writes each one that passes
# into the cache the book reads (book/conftest.py); `make test` then finds them there and
# does not execute them again. A failing notebook is not cached, and `make book` stops
# there, before the book is built: any pytest status but 0 and 5 (a failed cell, a crash
# of the conftest) ends it, instead of letting the build execute every notebook again. A cell has 600 s, as in _config.yml. The longest (chapters 6 and 9) go first, one
# on each core, so that the others fill in behind them.
LONGEST   := book/06_sparse.ipynb book/09_stability.ipynb
NOTEBOOKS := $(LONGEST) $(filter-out $(LONGEST),$(wildcard book/*.ipynb))
NBVAL     := -n 2 --dist loadfile --no-loadscope-reorder

# The book build and the tests share JAX's persistent compilation cache: the notebooks' and
# tests' programs are compiled once (by `make book`), not again in every process that runs
# them. Benchmarks leave it off: they measure compilation.
book test unit: export JAX_COMPILATION_CACHE_DIR = $(CURDIR)/_build/.jax_cache
book test unit: export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS = 0

# pytest's exit status 5: no notebook to execute (all passed before, with this code).
book: $(STAMP)
	@status=0; $(PY) -m pytest $(NBVAL) -q $(NOTEBOOKS) || status=$$?; \
	  if [ $$status != 0 ] && [ $$status != 5 ]; then \
	    echo "make book: the notebooks failed under nbval (pytest status $$status):" \
	         "the book is not built" >&2; exit $$status; fi; \
	  $(VENV)/bin/jupyter-book build . --all -W -n --keep-going || exit $$?; \
	  $(PY) tools/pdf.py || exit $$?; \
	  echo "The book: file://$(CURDIR)/_build/html/index.html"

# The built book printed as one PDF by Chromium, offline (tools/pdf.py); `make book` runs
# it last, since the HTML links to it. It stops on a line that would run off the page.
pdf: $(STAMP)
	@if [ ! -d _build/html/book ]; then echo "no built book: run 'make book'" >&2; exit 1; fi
	$(PY) tools/pdf.py

# Every test: the notebooks under nbval (those `make book` already ran with this code are
# not run again: the header lists them), the unit tests and the browser tests of the built
# book. Two workers (pytest-xdist); --dist loadfile keeps each notebook's cells in one kernel.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

# The unit tests alone: no notebook, browser, JupyterLab or wheel test (their markers).
unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist worksteal tests -m "not browser and not jupyterlab and not wheel and not notebook"

# A release: a clean tree, an "Unreleased" CHANGELOG section and green tests, then the
# version and today's date written everywhere (tools/release.py; it commits nothing).
release: $(STAMP)
	@if [ -z "$(VERSION)" ]; then echo "usage: make release VERSION=x.y.z" >&2; exit 2; fi
	$(PY) tools/release.py $(VERSION)

figures: $(STAMP)
	$(PY) -m wbmodel figures --out _build/figures

bench: $(STAMP)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) benchmarks/bench.py

shots: $(STAMP)
	$(PY) tests/shots.py

# JupyterLab and its widget extension are pinned in requirements-lab.txt (installed with
# the rest: the test suite drives the same client, tests/test_jupyterlab.py).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab book/

clean:
	rm -rf _build .jupyter_cache $(VENV) *.egg-info
