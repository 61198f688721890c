# The two quick-start commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint types unit bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[review]'
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/connector demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check connector tests bench
	$(BIN)/ruff format --check connector tests bench

types: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -n 2 -q

test: lint types unit

# A few minutes; rewrites the docs/benchmarks.md sections whose quick run is the documented one.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

# The documented sizes (tens of minutes); rewrites every section that has a writer.
bench-full: $(VENV)/.installed-dev
	$(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
