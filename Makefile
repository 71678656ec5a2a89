# Two commands on a fresh machine: `make run` and `make test`.
# Each creates .venv/ on first use with a Python >= 3.12 and installs the project into it.

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint bench clean-venv postgres help

help:
	@echo "make run    - open the terminal on the simulated exchange"
	@echo "make test   - run the whole test suite (starts a throwaway PostgreSQL when available)"
	@echo "make lint   - ruff, mypy (strict), import-linter"
	@echo "make bench  - run the benchmarks in bench/ and print JSON"

$(STAMP): pyproject.toml scripts/find-python.sh
	@set -e; \
	if [ ! -x $(PY) ]; then \
		base=$$(sh scripts/find-python.sh); \
		echo "Creating $(VENV) with $$base"; \
		"$$base" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e '.[test,lint,postgres]'; \
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m terminal $(ARGS)

test: $(STAMP)
	@sh scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check terminal widgets tests bench
	$(VENV)/bin/ruff format --check terminal widgets tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/core.py

clean-venv:
	rm -rf $(VENV)
