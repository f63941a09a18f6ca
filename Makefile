# Two entry points: `make run` (set up, then train + evaluate on the embedded default data)
# and `make test` (set up, then lint, type-check and run the tests). Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dnagan-installed

.PHONY: setup run test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e plugins/dnagan-codon
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/dnagan run --encoder average

lint: $(STAMP)
	$(BIN)/ruff check src plugins tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q
