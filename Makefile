# Coalition portal: `make run` starts the portal on SQLite with demo data, `make test` runs the suite.
#
# Django 6.1 needs Python 3.12 or newer. The machine's plain `python3` may be older (pip would then
# quietly install Django 5.2), so we look for python3.13 / python3.12 on PATH and in pyenv's
# versions, and stop with a clear message if there is none. Override with `make PYTHON=/path`.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY_CANDIDATES := python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3 python
PYTHON ?= $(shell for p in $(PY_CANDIDATES); do if $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then command -v $$p 2>/dev/null || echo $$p; break; fi; done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-e2e lint typecheck venv clean ci bench messages

# PDF exports (WeasyPrint) need Pango and a font from the system. Installed with apt-get only when
# missing (CI and the developers' machines run as root on Debian); elsewhere README.md names them.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then echo "Installing $$missing (PDF exports)"; apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
		else echo "PDF exports need these system packages: $$missing (see README.md)" >&2; fi; \
	fi
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.12+ found (tried: python3.13, python3.12, ~/.pyenv/versions/3.1[23]*, python3). Install one, or run: make PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then echo "Replacing $(VENV): it was made with Python < 3.12"; rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

var:
	@mkdir -p var

# The task worker (it sends the emails) runs beside the development server and is stopped with it.
# Links in emails (invitations, notifications) point where this server listens, unless SITE_URL is set.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: venv var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py search_rebuild
	@echo "Serving on http://$(HOST):$(PORT)/ (demo logins in README.md; password coalition-demo-2026); email links use $$SITE_URL"
	@$(BIN)/python manage.py worker --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates >/dev/null

typecheck: venv
	$(BIN)/mypy coalition

test: venv lint typecheck
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 -m "not e2e"

test-e2e: venv
	$(BIN)/python -m pytest -m e2e -p no:xdist

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Library benchmark against DATABASE_URL (generate data first: see docs/performance.md).
bench: venv
	$(BIN)/python bench/library.py

# Translation catalogues (locale/): the compiled .mo files are committed, so nothing else needs gettext.
messages: venv
	$(BIN)/python manage.py compilemessages --ignore=.venv
