# The two commands a new user needs: `make up` and `make test`. Both set up everything first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: up down status test test-fast lint bench deps system-deps clean

up: deps
	$(BIN)/gameday up $(UP_ARGS)

down:
	$(BIN)/gameday down

status:
	$(BIN)/gameday status

test: deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Unit tests only: no etcd, HAProxy or Prometheus processes.
test-fast: deps
	$(BIN)/pytest -m "not stack and not slow and not browser" $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check chaos services tests bench

# The HAProxy throughput figure needs a stack: bench/bench_web.py --url <api endpoint>.
bench: deps
	$(BIN)/python bench/bench_web.py --overhead
	$(BIN)/python bench/bench_proxy.py

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
