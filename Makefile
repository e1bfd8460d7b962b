# The two commands a new user needs: `make up` and `make test`. Both set up everything first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: up down status test test-fast test-matrix test-library lint bench deps system-deps clean

up: deps
	$(BIN)/gameday up $(UP_ARGS)

down:
	$(BIN)/gameday down

status:
	$(BIN)/gameday status

test: deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The live fault matrix (tests/integration/test_fault_matrix.py): about 8 minutes.
test-matrix: deps
	$(BIN)/pytest -m matrix $(PYTEST_ARGS)

# Every incident of the drill library on the live stack (about 12 minutes on 2 cores).
test-library: deps
	$(BIN)/pytest -m library $(PYTEST_ARGS)

# Unit tests only: no etcd, HAProxy or Prometheus processes.
test-fast: deps
	$(BIN)/pytest -m "not stack and not slow and not browser" $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check chaos services tests bench

# Every figure of docs/benchmarks.md in one run on its own stack (about 10 minutes): prints
# the table, writes bench/results/<date>.json and regenerates docs/benchmarks.md from it.
# BENCH_ARGS=--quick for a smoke run (short, 3 repetitions; leaves the docs alone).
# py-spy (for the profile) goes into a throwaway venv, never into the project's.
PY_SPY_VENV ?= /tmp/gameday-pyspy
bench: deps
	@GAMEDAY_EXTRA_PACKAGES="$(EXTRA_PACKAGES) wrk" ./tools/ensure-system-deps.sh
	@test -x $(PY_SPY_VENV)/bin/py-spy || ($(PYTHON) -m venv $(PY_SPY_VENV) && \
		$(PY_SPY_VENV)/bin/pip install --quiet py-spy) || \
		echo "py-spy unavailable: the profile keeps only the CPU split per component"
	PY_SPY=$(PY_SPY_VENV)/bin/py-spy $(BIN)/python -m bench.run $(BENCH_ARGS)

deps: system-deps $(STAMP)

system-deps:
	@GAMEDAY_EXTRA_PACKAGES="$(EXTRA_PACKAGES)" ./tools/ensure-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
