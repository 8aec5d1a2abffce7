# Two commands: `make demo` (set up and run the demo) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/retail
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext
# The browser tests (tests/browser) drive Debian's chromium through Playwright (no browser download).
TEST_LIBS := chromium poppler-utils

.PHONY: demo test test-sqlite test-postgres lint venv sysdeps sysdeps-test _packages seed run messages bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

venv: $(VENV)/.dev

# WeasyPrint needs Pango; without libharfbuzz-subset0 its PDFs are 4-8x slower. `make test` also
# needs chromium for the browser tests.
sysdeps:
	@$(MAKE) --no-print-directory _packages PACKAGES="$(SYSTEM_LIBS)"

sysdeps-test:
	@$(MAKE) --no-print-directory _packages PACKAGES="$(SYSTEM_LIBS) $(TEST_LIBS)"

_packages:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing system packages:$$missing"; \
	    (apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null)) || exit 1; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

.env:
	@echo "DEBUG=1" > .env
	@echo "SECRET_KEY=demo-$$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" >> .env
	@echo "Wrote .env for the demo (DEBUG on, a fresh SECRET_KEY)."

seed: $(VENV)/.runtime .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_purchasing
	$(PY) manage.py seed_payables

run: .env
	$(PY) manage.py runserver 127.0.0.1:8000

demo: sysdeps $(VENV)/.runtime .env seed
	@echo "Open http://127.0.0.1:8000/admin/ and log in as admin / admin."
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

test-sqlite: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL= $(BIN)/pytest -q -n 2

# PostgreSQL: DATABASE_URL if set, else 127.0.0.1:5432. With CI=true an unreachable server fails.
test-postgres: $(VENV)/.dev
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(PY) -m config.dbcheck "$$url"; then \
	  echo "== PostgreSQL: $$url"; DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL="$$url" $(BIN)/pytest -q -n 2; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL at $$url is not reachable (CI=true: failing)."; exit 1; \
	else echo "PostgreSQL at $$url is not reachable: skipping the PostgreSQL run."; fi

test: sysdeps-test lint test-sqlite test-postgres

messages: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemessages -l ru -l kk --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py compilemessages --ignore=.venv

bench: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/run.py
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/retail_bench} $(PY) bench/stock.py
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/retail_bench} $(PY) bench/sales.py

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
