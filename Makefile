# JewelCRM: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= jewelcrm.settings.local

.PHONY: install run test ci bench lint system-deps browser-deps messages clean

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

run: install
	./bin/run

test: install browser-deps
	./bin/test

# CI: the app map's contracts (import-linter), then the whole suite.
ci: install browser-deps
	$(VENV)/bin/lint-imports
	./bin/test

bench: install
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
