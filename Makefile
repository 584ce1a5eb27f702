# Everything starts from a fresh clone: each target creates what it needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := JOANS_ENV=development $(BIN)/flask --app joans
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
BENCH ?=

.PHONY: run test lint format translations update-translations demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: set up and serve the site on http://127.0.0.1:5000 with an SQLite file in instance/
run: $(VENV)/.installed-app translations
	$(FLASK) db upgrade
	$(FLASK) catalogue load-demo
	$(FLASK) run --debug --host 127.0.0.1 --port 5000

## test: set up and run the whole suite (SQLite unless JOANS_TEST_DATABASE_URL is set), in
## TEST_WORKERS processes, each with its own database (TEST_WORKERS=0 runs in this process)
test: $(VENV)/.installed-test translations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## lint: ruff's checks and formatting, and the import contracts in setup.cfg
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: run the benchmarks in bench/ (needs wrk and chromium from Debian) and write bench/REPORT.md
bench: $(VENV)/.installed-test translations bench/node_modules/.installed
	$(BIN)/python -m bench.run $(BENCH)

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund
	touch $@

## translations: compile the catalogues the app reads
translations: $(VENV)/.installed-app
	$(FLASK) translate compile

## update-translations: extract new strings into the catalogues (then translate them in sv)
update-translations: $(VENV)/.installed-app
	$(FLASK) translate update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
