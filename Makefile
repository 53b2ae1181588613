# Common Ground — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SRC    := $(wildcard app tests bench scripts/*.py)
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test check lint types fmt migrate bench lock schema messages clean

$(BIN)/python:
	@echo "==> Creating the virtual environment in $(VENV)/ (once)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Updating pip"
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime dependencies, pinned by requirements.lock. pip lists each package as it
# goes: on a fresh clone this takes a minute or two, and it says so.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	@echo "==> Installing the pinned dependencies (requirements.lock; a minute or two the first time)"
	$(BIN)/pip install --progress-bar on -r requirements.lock
	@echo "==> Installing Common Ground itself"
	$(BIN)/pip install -q --no-deps -e .
	@echo "==> Compiling the translations"
	$(BIN)/python -m app.i18n.extract compile
	@echo "==> Installed"
	touch $@

# Plus the test and lint tools, pinned by requirements-dev.lock.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	@echo "==> Installing the test and lint tools (requirements-dev.lock)"
	$(BIN)/pip install --progress-bar on -r requirements-dev.lock
	touch $@

run: $(VENV)/.installed  ## Serve the app on http://$(HOST):$(PORT) (SQLite + in-memory hub).
	@echo "==> Starting Common Ground on $(HOST):$(PORT) (the addresses to open follow once it listens)"
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev  ## The whole suite (CI=true: nothing may skip).
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/hadolint Dockerfile

types: $(VENV)/.installed-dev
	$(BIN)/mypy

check: lint types test  ## Lint, types (mypy --strict on app/) and tests.

fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

bench: $(VENV)/.installed-dev  ## Benchmarks (about 5 minutes): table printed and written to docs/benchmarks.md.
	$(BIN)/python -m bench.run $(BENCH_ARGS)

migrate: $(VENV)/.installed  ## Upgrade the database at DATABASE_URL to the newest schema.
	$(BIN)/alembic -c app/persistence/alembic.ini upgrade head

schema: $(VENV)/.installed  ## Regenerate docs/workshop.schema.json from app/workshops.py.
	$(BIN)/python -c "from app.workshops import json_schema; print(json_schema(), end='')" > docs/workshop.schema.json

messages: $(VENV)/.installed  ## Re-extract app/locales/messages.pot, merge it into every catalogue, compile.
	$(BIN)/python -m app.i18n.extract

lock:  ## Re-pin requirements*.lock from pyproject.toml (fresh venvs under /tmp).
	rm -rf /tmp/cg-lock && $(PYTHON) -m venv /tmp/cg-lock
	/tmp/cg-lock/bin/pip install -q . && /tmp/cg-lock/bin/pip freeze --exclude common-ground > requirements.lock
	/tmp/cg-lock/bin/pip install -q ".[dev]" && /tmp/cg-lock/bin/pip freeze --exclude common-ground > requirements-dev.lock
	rm -rf /tmp/cg-lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
