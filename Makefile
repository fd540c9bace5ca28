# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
CHROMIUM := /usr/bin/chromium

.PHONY: run test bench lint format clean

# Development with Simulated Okta (/simulated-okta): no Okta tenant needed (README,
# "Try it in five minutes"). INSTANCE_PATH (default instance/) holds the SQLite
# database, the generated secrets and the simulated org.
DEV_ENV = APP_ENV=development SIMULATED_OKTA=1 PUBLIC_BASE_URL=http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	@$(DEV_ENV) $(BIN)/flask --app app db upgrade
	@$(DEV_ENV) $(BIN)/flask --app app demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop); Simulated Okta: http://127.0.0.1:$(PORT)/simulated-okta/"
	$(DEV_ENV) $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

# One pytest worker per core (pytest-xdist): 6.7 instead of 11.6 minutes on 2 cores.
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS)

# Figures, not tests: loopback only, bounded; about 10 minutes (docs/benchmarks.md).
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@touch $@ $(VENV)/.installed $(VENV)/.installed-test

# Debian's chromium for the browser tests (we run as root; never `playwright install`).
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
