# Both targets work on a fresh machine: they create .venv and install what is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test lint bench openapi

$(BIN)/voxgate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

serve: $(BIN)/voxgate
	$(BIN)/voxgate serve

test: $(BIN)/voxgate
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(BIN)/voxgate
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(BIN)/voxgate
	$(BIN)/python bench/api.py
	$(BIN)/python bench/calls.py --stack instant --calls 1,10,50
	$(BIN)/python bench/calls.py --stack offline --calls 1 --turns 5

openapi: $(BIN)/voxgate
	$(BIN)/voxgate openapi -o tests/fixtures/openapi.snapshot.json
