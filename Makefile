# zenml-airflow: every set-up step lives here, so a fresh machine needs only `make demo` / `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
STAMP   := $(VENV)/.installed
EXTRAS  ?= dev,airflow
DEMO_DIR ?= .demo

.PHONY: help install demo test lint typecheck lock clean

help:
	@echo "make demo   - set up a virtualenv and run the example pipeline on the default stack"
	@echo "make test   - set up a virtualenv and run every check and test"
	@echo "make lint   - ruff + import-linter layer contracts"
	@echo "make lock   - regenerate constraints.txt from a fresh resolve (needs network)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zenml-airflow needs Python 3.11+; set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

# The demo keeps its global config, repository and stores under $(DEMO_DIR): it never touches ~.
demo: $(STAMP)
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	cd $(DEMO_DIR) && ZENML_AIRFLOW_CONFIG_DIR=$(CURDIR)/$(DEMO_DIR)/config \
		$(CURDIR)/$(VENV)/bin/zenml-airflow init . && \
		ZENML_AIRFLOW_CONFIG_DIR=$(CURDIR)/$(DEMO_DIR)/config \
		$(CURDIR)/$(PY) $(CURDIR)/examples/mnist/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check zenml_airflow tests examples
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	$(PY) -m pytest

lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q -e '.[dev,airflow,s3,gcs,docker,mysql,postgres]'
	{ echo "# Tested, pinned versions for every install of zenml-airflow (make demo, make test, CI)."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  .lockenv/bin/pip freeze --exclude-editable | grep -viE '^(pip|setuptools|wheel)==' | sort -f; } > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache build *.egg-info
