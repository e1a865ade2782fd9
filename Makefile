# JewelCRM: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= jewelcrm.settings.local

.PHONY: install run test test-citus bench lint system-deps browser-deps citus-deps messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed system-deps

# gettext compiles the French translations.
system-deps:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "Installing gettext from Debian packages..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) \
	  || { echo "Could not install gettext (run as root, or install it yourself)"; exit 1; }; }

# Debian's Chromium for the browser tests (Playwright drives it; it cannot download its own).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium from Debian packages..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium (run as root, or install it yourself)"; exit 1; }; }

# Citus for the three-node cluster of bin/citus-cluster: when it is not installed in PostgreSQL 15, the
# packages that build it from its source tarball (CITUS_TARBALL); the build is kept once installed.
citus-deps:
	@test -f "$$(pg_config --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)/citus.so" || { \
	  echo "Installing the build dependencies of Citus from Debian packages..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 \
	    libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev gcc make patch >/dev/null) \
	  || { echo "Could not install the Citus build dependencies (run as root)"; exit 1; }; }

run: install
	./bin/run

# The app map's contracts (import-linter), then the whole suite.
test: install browser-deps
	$(VENV)/bin/lint-imports
	./bin/test

# The isolation suite and every app's service, selector, API and import tests on a local Citus cluster (ports 7401-7403).
test-citus: install citus-deps
	./bin/test-citus

bench: install citus-deps
	./bin/bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var
