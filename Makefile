# One place for every developer task. Each target installs what it needs first.
PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install run serve test lint format bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

run: $(INSTALLED)  ## one real activation end to end on the local runtime
	$(PYTHON) -m local_runtime.demo

serve: $(INSTALLED)  ## the whole stack on http://127.0.0.1:$${PORT:-3000}
	$(PYTHON) -m local_runtime.serve

test: $(INSTALLED)  ## unit, integration and end-to-end tests
	$(PYTHON) -m pytest -q -n 2 --dist loadfile

lint: $(INSTALLED)  ## ruff, mypy on the package, cfn-lint on the template
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/shared/python/order_activation local_runtime
	for handler in functions/*/app.py; do $(VENV)/bin/mypy --no-error-summary $$handler || exit 1; done
	$(VENV)/bin/cfn-lint template.yaml

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(INSTALLED)  ## benchmarks, each against a baseline measured in the same run
	$(PYTHON) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache out
