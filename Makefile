# Layak: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432
PG_DB := layak_test_$(shell echo $$$$)

# Keys for the demo server, generated once under var/ (never committed). DEBUG stays off so a
# wrong URL shows Layak's own 404 page; cookies without Secure for plain http.
RUN_ENV = DEBUG=false LAYAK_SECURE_COOKIES=false SECRET_KEY_FILE=var/secrets/secret_key \
	LAYAK_ENCRYPTION_KEYS_FILE=var/secrets/encryption_keys
# The suite never sees real keys.
TEST_ENV = SECRET_KEY=test-only-secret-key LAYAK_ENCRYPTION_KEYS=test-only-encryption-key \
	LAYAK_SECURE_COOKIES=false DEBUG=false LAYAK_CACHE=dummy LAYAK_TASKS=immediate

.PHONY: run test install messages lint typecheck migrations-check test-sqlite test-postgres \
	test-browser browser system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	$(PY) -m babel.messages.frontend compile --domain django --directory layak/locale --use-fuzzy --statistics 2>&1 | tail -n 2

var/secrets/secret_key:
	mkdir -p var/secrets && chmod 700 var/secrets
	$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	$(PY) -c "import secrets; print(secrets.token_urlsafe(32))" > var/secrets/encryption_keys

run: install var/secrets/secret_key
	$(RUN_ENV) HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo .importlinter

typecheck: $(STAMP)
	$(TEST_ENV) $(VENV)/bin/mypy layak config

migrations-check: $(STAMP)
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# The suite runs on two processes (pytest-xdist); the tests reading the demo city share one
# worker and one seeding (conftest.py).
test-sqlite: install system-deps
	$(TEST_ENV) $(PY) -m pytest -q -n 2 -m "not browser"

test-postgres: install system-deps
	psql "$(PG_URL)/postgres" -qc 'DROP DATABASE IF EXISTS "$(PG_DB)"' -c 'CREATE DATABASE "$(PG_DB)"'
	$(TEST_ENV) DATABASE_URL="$(PG_URL)/$(PG_DB)" $(PY) -m pytest -q -n 2 -m "not browser"; \
		status=$$?; for db in "$(PG_DB)" $$(psql "$(PG_URL)/postgres" -Atc \
			"SELECT datname FROM pg_database WHERE datname LIKE 'test\_$(PG_DB)%'"); do \
		psql "$(PG_URL)/postgres" -qc "DROP DATABASE IF EXISTS \"$$db\""; done; exit $$status

# Debian packages the tests need: chromium for the browser tests, Pango and a font for PDFs.
APT_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

browser: system-deps

test-browser: install browser
	$(TEST_ENV) LAYAK_REQUIRE_BROWSER=true $(PY) -m pytest -q -m browser

test: lint typecheck migrations-check test-sqlite test-postgres test-browser

bench: install
	$(TEST_ENV) $(PY) -m bench

clean:
	rm -rf $(VENV) var
