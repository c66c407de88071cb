# make run: set up (venv, packages, web client) and serve on the embedded SQLite default.
# make test: set up and run the whole test suite (PostgreSQL/Redis/browser parts run when available).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB_STAMP := web/node_modules/.installed-stamp

.PHONY: setup run test test-fast web bench clean

setup: $(STAMP) $(WEB_STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The venv's seeded setuptools (65.5 on Python 3.11) has known vulnerabilities the audit reports.
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=78.1.1"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

run: setup
	$(BIN)/livehelp serve

test: setup
	bash scripts/test.sh

# Quick loop while coding: no browser, no subprocess servers.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -m "not browser" --ignore=tests/core/test_process.py

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) web/node_modules test-artifacts
