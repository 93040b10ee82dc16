# PeopleOS: `make run` starts the app with demo data; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8501
# Processes started here keep the bytecode of what they import (.venv, the project's
# __pycache__): with PYTHONDONTWRITEBYTECODE set (it is on these machines) every process
# compiled all it imported from source again, 4 of the worker's 6 s of start-up. Only
# what is used gets compiled, once (uv's --compile-bytecode took 25 s for all of .venv).
unexport PYTHONDONTWRITEBYTECODE

API_PORT ?= 8000

.PHONY: setup run run-api worker test lint test-sqlite test-postgres test-fast bench clean

setup: $(STAMP)

# uv installs the pinned requirements from its cache in seconds (pip took a minute and a half
# on a fresh clone). It is told where pip finds local wheels (this machine's CPU build of
# torch lies there).
UV_VERSION := 0.13.9
FIND_LINKS := $(or $(UV_FIND_LINKS),$(PIP_FIND_LINKS))

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install -q --python $(PY) $(foreach f,$(FIND_LINKS),--find-links $(f)) \
		-r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# Set up, then one supervisor (honcho) runs the Procfile: the web app on $(PORT) and the
# worker. Ctrl-C stops both; when either exits, honcho stops the other.
run: setup
	$(PY) -m core.cli db upgrade
	$(PY) -m core.cli models train --if-missing
	$(PY) -m core.cli demo seed --if-empty
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --procfile Procfile --port $(PORT)

# The REST API on $(API_PORT): every route under /api/v1, its reference at /api/v1/docs.
run-api: setup
	$(PY) -m core.cli db upgrade
	$(PY) -m uvicorn api.main:app --host 127.0.0.1 --port $(API_PORT)

# The worker alone (when the web app runs elsewhere).
worker: setup
	$(PY) -m core.cli db upgrade
	$(PY) -m core.cli models train --if-missing
	$(PY) -m core.worker

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

# pytest-xdist workers (one per core); each takes whole test modules (a module shares its
# demo world and app server), the modules with slow tests first.
WORKERS ?= 2
XDIST := -n $(WORKERS) --dist loadfile --no-loadscope-reorder

test-sqlite: setup
	PEOPLEOS_TEST_BACKEND=sqlite $(PY) -m pytest $(XDIST)

test-postgres: setup
	PEOPLEOS_TEST_BACKEND=postgresql $(PY) -m pytest $(XDIST) -m db

# Lint beside the SQLite and the PostgreSQL runs: each one's output is printed in one piece
# when it ends, and any one failing fails `make test`.
test: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-sqlite test-postgres

# The inner loop: unit, service and page tests on SQLite, without the browser or slow ones.
test-fast: setup
	PEOPLEOS_TEST_BACKEND=sqlite $(PY) -m pytest $(XDIST) -m "not browser and not slow"

# Scoring/explanation speed at 10k and 100k candidates; writes bench/results.json.
bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
