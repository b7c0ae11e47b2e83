# newsetl: `make demo` and `make test` set up everything they need from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
N ?= 100000
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: eval demo test fast faults lint format bench profile serve chromium clean

$(BIN)/newsetl: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv sync --frozen --quiet --compile-bytecode  # PYTHONDONTWRITEBYTECODE would otherwise recompile every import
	@touch $@

# Data Docs and the daily report page load their scripts and styles from these local copies
# (GX asks for CDNs), so they render offline.
web/node_modules: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

demo: $(BIN)/newsetl web/node_modules
	$(BIN)/python -m newsetl.cli.demo

lint: $(BIN)/newsetl
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/newsetl
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the Data Docs browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The whole suite, the fault-injection tests (tests/e2e/faults/) included. A file's tests run on one
# worker (--dist loadfile), so that a server a module's tests share starts once. (--dist loadgroup
# does not group with this pytest: pytest-xdist issue 1386.)
test: lint chromium web/node_modules
	$(BIN)/pytest -n 2 --dist loadfile --durations=25

# The fast tests alone, one folder per stage (about 2.5 minutes on 2 cores).
fast: $(BIN)/newsetl
	$(BIN)/pytest -n 2 -m "not e2e"

# The fault-injection suite alone: kills, a faulty S3 proxy, races, a full disk, hostile names,
# secrets.
faults: $(BIN)/newsetl web/node_modules
	$(BIN)/pytest -n 2 --dist loadfile --durations=25 -m faults tests/e2e/faults

serve: $(BIN)/newsetl web/node_modules
	$(BIN)/python -m newsetl.runtime.serve

# The enrichment on the hand-written bilingual set (tests/data/stories/): story links, mentions,
# one entity id across languages.
eval: $(BIN)/newsetl
	$(BIN)/python -m bench.eval_enrich

BUCKET_N ?= 20000
bench: $(BIN)/newsetl web/node_modules
	$(BIN)/uv sync --frozen --group bench --inexact --quiet --compile-bytecode  # dlt and psutil: bench only
	$(BIN)/python -m bench.run --n $(N) --bucket-n $(BUCKET_N) $(if $(ONLY),--only $(ONLY))

# Where a run's time goes: py-spy over every process of one `newsetl run` (bench/profile.py).
SOURCE ?= dir
profile: $(BIN)/newsetl web/node_modules
	$(BIN)/uv sync --frozen --group bench --inexact --quiet --compile-bytecode  # py-spy: bench only
	$(BIN)/python -m bench.profile --n $(N) --source $(SOURCE)

clean:
	rm -rf warehouse reports .prefect .pytest_cache
