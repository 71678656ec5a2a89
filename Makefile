# Two commands on a fresh machine: `make run` and `make test`.
# Each creates .venv/ on first use with a Python >= 3.12 and installs the project into it.

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
PYTEST_ARGS ?=
# Test processes (pytest-xdist); 0 runs the suite in this one process, in the seed's exact order.
TEST_WORKERS ?= 2

.PHONY: run test test-repeat lint bench bench-quick screenshots clean-venv postgres help desk-demo
N ?= 20

help:
	@echo "make run    - open the terminal on the simulated exchange"
	@echo "make test   - run the whole test suite in random order (starts a throwaway PostgreSQL)"
	@echo "make test-repeat N=20 - run the whole suite N times, new order each, stop at the first failure"
	@echo "make lint   - ruff, mypy (strict), import-linter"
	@echo "make bench  - run the benchmarks in bench/ and print JSON"
	@echo "make bench-quick - run every benchmark in its quick mode and check its JSON (CI)"
	@echo "make screenshots - write PNGs of the window and each pane to docs/screenshots/"
	@echo "make desk-demo - a throwaway PostgreSQL desk with two terminals (trader + risk manager, four-eyes)"
	@echo "make gateway - a loopback TWS stand-in on 127.0.0.1:7497 for a demo (make run ARGS=\"--broker ib\")"
	@echo "make package - build the frozen app (PyInstaller) and the .deb into build/"
	@echo "make package-verify - install the .deb in a clean Debian 12 root, smoke-test it, purge it (root)"

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
	@# bytecode first (up-to-date files are skipped), also where PYTHONDONTWRITEBYTECODE is set:
	@# compiling the terminal's modules at every start cost about 0.7 s of CPU before the window
	@PYTHONDONTWRITEBYTECODE= $(PY) -m compileall -q terminal widgets
	$(PY) -m terminal $(ARGS)

test: $(STAMP)
	@sh scripts/with-postgres.sh $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-repeat: $(STAMP)
	@sh scripts/with-postgres.sh sh scripts/test-repeat.sh $(N) $(PY) -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check terminal widgets tests bench scripts
	$(VENV)/bin/ruff format --check terminal widgets tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@# bytecode first, as an installed terminal has it: cold start measures a start, not a compile
	$(PY) -m compileall -q terminal widgets
	$(PY) bench/core.py
	$(PY) bench/sim.py
	QT_QPA_PLATFORM=offscreen $(PY) bench/chart.py
	$(PY) bench/gui_load.py
	$(PY) bench/gui_load.py --display xvfb
	$(PY) bench/ib_throttle.py
	$(PY) bench/kill_switch.py
	$(PY) bench/analytics.py

bench-quick: $(STAMP)
	$(PY) scripts/bench_quick.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/builder_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/strategies_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/ticket_combo_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/risk_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/position_pnl_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/chart_trading_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/presets_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/workspace_screenshot.py
	QT_QPA_PLATFORM=offscreen $(PY) scripts/depth_trading_screenshot.py

desk-demo: $(STAMP)
	@PY=$(PY) sh scripts/with-postgres.sh sh scripts/desk-demo.sh

clean-venv:
	rm -rf $(VENV)

.PHONY: package package-verify

package: $(STAMP)
	@bash packaging/build.sh

package-verify: $(STAMP)
	@bash packaging/linux/verify-deb.sh

.PHONY: gateway

gateway: $(STAMP)
	$(PY) -m tests.ib.gateway $(ARGS)
