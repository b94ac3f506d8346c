# Every target CI uses is run by CI unchanged (.ci/run calls `make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= out
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# every install is constrained by the lock file (the versions the tests ran with); uv when present
LOCK   := requirements.lock
PIP    := $(if $(shell command -v uv 2>/dev/null),uv pip install --python $(BIN)/python --quiet,$(BIN)/python -m pip install --quiet)

.PHONY: run test lab figures bench bench-smoke data lint lock chromium java venv venv-core clean

# Two installs: `run` needs only litscan and its dependencies (no test/lab/bench/engines extras);
# `test` installs everything. Each stamp is redone when pyproject.toml or the lock file changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/.installed-core: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -c $(LOCK) -e .
	touch $@

$(BIN)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) -c $(LOCK) -e ".[test,lab,bench,engines]"
	touch $@ $(BIN)/.installed-core

## lock: rewrite requirements.lock from the full environment (after changing a dependency)
lock: venv
	{ echo "# litscan's environment, pinned: make run / make test install with it as constraints."; \
	  echo "# Rewritten by 'make lock' from an environment with every extra installed."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^litscan' ; } > $(LOCK).tmp && mv $(LOCK).tmp $(LOCK)

## venv-core: litscan alone (what `make run` needs); venv: every extra (tests, lab, benchmarks)
venv-core: $(BIN)/.installed-core

venv: $(BIN)/.installed

## chromium: static figure export (kaleido) needs a Chromium; install Debian's when missing
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing chromium (apt)"; $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## java: Spark (ingest --engine spark, tested by make test) needs a Java runtime
java:
	@command -v java >/dev/null 2>&1 || \
	  { echo "installing a Java runtime (apt)"; $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq default-jre-headless >/dev/null; }

## run: the main job: every claim preset, offline, on the embedded data (writes no images, so
## neither the extras nor Chromium are installed; `make figures` adds PNG/SVG)
run: venv-core
	$(BIN)/litscan run --all --offline --out $(OUT)

## test: the whole suite, notebooks included (offline)
test: venv chromium java
	$(BIN)/python -m pytest -q -p no:cacheprovider tests --nbmake notebooks

## figures: the main figures (PNG, SVG) under $(OUT)/figures, plus every preset's figures
## (the run first: `run --all` replaces $(OUT) whole, so the gallery goes in afterwards)
figures: venv-core chromium
	$(BIN)/litscan run --all --offline --out $(OUT) --formats png,svg
	$(BIN)/litscan export --gallery --formats png,svg --out $(OUT)/figures

## lab: JupyterLab on the notebooks
lab: venv
	$(BIN)/jupyter lab notebooks

## bench: full benchmarks (minutes); bench-smoke: seconds (tests/test_benchmarks.py runs the
## same --smoke runs inside `make test`)
bench: venv
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

bench-smoke: venv
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f --smoke || exit 1; done

## data: rebuild litscan/data/*.parquet from ../shared/data
data: venv
	$(BIN)/python scripts/build_data.py

## lint: ruff, and the stage layers (import-linter contracts in pyproject.toml)
lint: venv
	$(BIN)/ruff check . && $(BIN)/lint-imports

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
