# Two commands: `make demo` and `make test`. Everything else is a helper.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit browser-deps migration bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tongban demo --port 8000 --data-dir .tongban

browser-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list | grep -qi "noto sans cjk" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

unit: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

test: $(STAMP) browser-deps lint typecheck
	$(BIN)/pytest -q

# Before the first release there is one initial migration, regenerated from the models.
migration: $(STAMP)
	rm -rf .tongban/migration.db .tongban/held && mkdir -p .tongban/held
	rm -f src/tongban/migrations/versions/0001_initial.py
	mv src/tongban/migrations/versions/0[0-9][0-9][0-9]_*.py .tongban/held/ 2>/dev/null || true
	TONGBAN_DATABASE_URL=sqlite:///.tongban/migration.db $(BIN)/alembic -c src/tongban/migrations/alembic.ini revision --autogenerate --rev-id 0001 -m initial
	mv .tongban/held/*.py src/tongban/migrations/versions/ 2>/dev/null || true
	$(BIN)/ruff format src/tongban/migrations
	$(BIN)/ruff check --fix src/tongban/migrations

bench: $(STAMP)
	$(BIN)/python benchmarks/nearest_points.py
	$(BIN)/python benchmarks/nearest_points_server.py

clean:
	rm -rf $(VENV) .tongban
