# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types pytest system-packages bench fuzz docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m examples.demo

system-packages:
	scripts/ensure-system-packages.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks
	$(BIN)/codespell src tests examples docs README.md SECURITY.md

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-packages
	$(BIN)/python -m pytest --cov --cov-branch --cov-report=term-missing --cov-fail-under=100

test: lint types docs pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	FUZZ_EXAMPLES=100000 $(BIN)/python -m pytest tests/security/test_fuzz.py -p no:cacheprovider -q

# Fails on a warning, a broken cross-reference (nitpicky), a failing doctest
# or a misspelling; the examples the pages include are tested by pytest.
docs: $(STAMP)
	$(BIN)/codespell docs examples
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	$(BIN)/sphinx-build -W --keep-going -q -b doctest docs docs/_build/doctest

clean:
	rm -rf $(VENV) .coverage htmlcov .mypy_cache .ruff_cache .pytest_cache docs/_build
