# The targets the README tells people to type. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLES := data/samples

.PHONY: demo test lint typecheck pytest install dev samples bench bench-scale clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## demo: print the per-tunnel summary of the bundled samples, build their report (with their tunnel options and connection 1's gateway log) in report/
demo: install
	$(BIN)/vpnlog summary $(SAMPLES)
	MPLBACKEND=Agg $(BIN)/vpnlog report $(SAMPLES) --options $(SAMPLES)/describe-vpn-connections.json \
		--cgw-logs $(SAMPLES)/gateway --cgw-tz Europe/Berlin -o report/

## test: lint, type-check and run the test suite
test: lint typecheck pytest

lint: dev
	$(BIN)/ruff check vpnlog_analytics tests benchmarks
	$(BIN)/ruff format --check vpnlog_analytics tests benchmarks
	$(BIN)/python tests/check_notebooks_clean.py notebooks

typecheck: dev
	$(BIN)/mypy

pytest: dev
	MPLBACKEND=Agg $(BIN)/pytest -q

## samples: regenerate data/samples from the simulator (deterministic)
samples: install
	$(BIN)/vpnlog simulate --samples $(SAMPLES)

## bench: the loader benchmarks of benchmarks/ (writes benchmarks/data, a few hundred MB)
bench: dev
	$(BIN)/python benchmarks/bench_read.py

## bench-scale: Parquet and Dask at 1M, 3M and 10M records (long: simulates ~10M once)
bench-scale: dev
	$(BIN)/python benchmarks/bench_scale.py --baseline

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
