# creditline: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: demo chromium java test check lint types imports unit pg-test bench bench-more test-long clean lock model

# Bytecode is compiled at install time: with $PYTHONDONTWRITEBYTECODE set (as on these
# machines) Python never writes it, and every process (each CLI call and server the tests start)
# would compile its imports from source again: 2.2-2.8 s to import the API instead of 0.8-0.9.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/pip install -q uv==$(UV_VERSION)
	$(UV) pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/creditline --db sqlite:///demo.db demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Tests run on SQLite and on a real PostgreSQL server (tests/pg.py finds or starts one).
# Long hypothesis runs are marked slow: deselected here, run by `make test-long`.
# $CREDITLINE_TEST_CLI_TIMEOUT bounds one CLI call in the tests (seconds, default 600).
unit: $(STAMP) chromium java
	$(BIN)/python -m compileall -q -j 0 src
	$(BIN)/coverage erase
	$(BIN)/pytest -n 2 -m "not slow" --durations=15 --cov=creditline --cov-report=term --cov-report=html:htmlcov

check: lint types imports unit

# The browser tests drive Debian's Chromium (Playwright with executable_path), with Noto CJK so
# that the Chinese pages' screenshots are legible: installed when missing (as root, or sudo).
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk; }

# The Spark engine of the batch analytics runs on Java 17 (Debian's headless JRE): installed
# when missing, like Chromium.
java:
	@command -v java >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q openjdk-17-jre-headless; }

test: check

# One command, one table: bench/results/latest.json and latest.png (the committed latest run);
# then batch analytics on DuckDB and Spark at 1x, 10x, 100x (analytics.json, analytics.png);
# then how high the aims can go: our spends replayed with the bare driver (ceiling.json).
bench: $(STAMP) java
	$(BIN)/python bench/suite.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/ceiling.py

# The earlier issues' own benchmarks (risk scoring, the API's latency, scorecards, reviews, rings).
bench-more: $(STAMP)
	$(BIN)/python bench/risk.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/scorecard.py
	$(BIN)/python bench/reviews.py
	$(BIN)/python bench/rings.py --scale 100

# The learned cash-out model the package ships as version 0: fitted on training seeds 1-6 of the
# simulator (never its evaluation seeds, 1000 and up), in a throwaway sandbox.
model: $(STAMP)
	rm -f /tmp/creditline-model.db* src/creditline/adapters/rules/risk-model-v0.json
	$(BIN)/creditline --db sqlite:////tmp/creditline-model.db init --sandbox
	$(BIN)/creditline --db sqlite:////tmp/creditline-model.db operator add boss --role admin
	$(BIN)/creditline --db sqlite:////tmp/creditline-model.db operator add risk-li --role risk --as boss
	$(BIN)/creditline --db sqlite:////tmp/creditline-model.db risk model train --seeds 1-6 \
	  --ship src/creditline/adapters/rules/risk-model-v0.json --note "shipped v0" --as risk-li

test-long: $(STAMP)
	$(BIN)/pytest -n 2 -m slow --durations=15

lock: $(STAMP)
	$(UV) pip compile -q pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) htmlcov .coverage* .pytest_cache .mypy_cache .ruff_cache demo.db*
