# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,pg,dask,forecast,bench]'
	$(BIN)/python -m solvers.routing.engine.warmup
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fieldopt demo --scenario data/sample --db sqlite:///out/demo.db --out out

lint: $(STAMP)
	$(BIN)/ruff check fieldopt solvers benchmarks tests
	$(BIN)/ruff format --check fieldopt solvers benchmarks tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest
	$(BIN)/pytest --nbmake notebooks -q

test: lint typecheck unit

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
