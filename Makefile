# zenml-airflow: every set-up step lives here, so a fresh machine needs only `make demo` / `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON  ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
STAMP   := $(VENV)/.installed
EXTRAS  ?= dev,airflow,s3,gcs
DEMO_DIR ?= .demo

.PHONY: help install demo test test-heavy lint typecheck lock clean bench

help:
	@echo "make demo   - set up a virtualenv, start a local Airflow and run the example pipeline on it"
	@echo "make test   - set up a virtualenv and run every check and test"
	@echo "make test-heavy - add PyTorch (CPU), TensorFlow and a Docker engine, run their tests"
	@echo "make lint   - ruff + import-linter layer contracts"
	@echo "make lock   - regenerate constraints.txt from a fresh resolve (needs network)"
	@echo "make bench  - run the benchmark suite (~10 min): bench/results/latest.json + latest.md"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zenml-airflow needs Python 3.11+; set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

# The demo keeps its global config, repository, stores and Airflow under $(DEMO_DIR): it never
# touches ~. It starts a local Airflow on DEMO_PORT, deploys and runs the example, then stops
# Airflow (KEEP=1 leaves it running).
DEMO_PORT ?= 8080
demo: $(STAMP)
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH zenml_airflow/examples/mnist/airflow_demo.sh $(DEMO_DIR) $(DEMO_PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check zenml_airflow tests
	$(VENV)/bin/ruff format --check zenml_airflow tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Real PostgreSQL and MariaDB serve the metadata store tests (scripts/services.sh): started here,
# and stopped afterwards even when a check fails (the exit status stays the checks'), unless
# they were already running (`make services-up`). Their tests fail rather than skip if absent.
test: $(STAMP)
	@already_up=0; scripts/services.sh running && already_up=1; status=0; \
	{ scripts/services.sh up && eval "$$(scripts/services.sh env)" && \
	  export ZENML_AIRFLOW_TEST_REQUIRE_SERVICES=1 && \
	  $(MAKE) --no-print-directory lint && \
	  $(MAKE) --no-print-directory typecheck && \
	  $(PY) -m pytest; } || status=$$?; \
	if [ $$already_up = 0 ]; then scripts/services.sh down || true; fi; \
	exit $$status

# The tests with heavy set-up, skipped by `make test` and run by CI as a second target (.ci/run):
# PyTorch and TensorFlow/Keras (`@pytest.mark.heavy`: ~2.3 GB and ~80 s of install into the venv;
# constraints.txt pins torch to its CPU-only build), and container images and steps in
# containers (`@pytest.mark.containers`: scripts/docker.sh installs and starts dockerd, a
# registry and a debootstrap'ed base image, ~100 s the first time on a machine), and a
# CeleryExecutor Airflow with two workers (`@pytest.mark.cluster`: about 2 minutes of runs).
HEAVY_STAMP := $(VENV)/.installed-heavy
$(HEAVY_STAMP): $(STAMP)
	$(PIP) install -q -c constraints.txt -e '.[$(EXTRAS),heavy]'
	@touch $(HEAVY_STAMP)

test-heavy: $(HEAVY_STAMP)
	@already_up=0; scripts/services.sh running && already_up=1; \
	docker_up=0; scripts/docker.sh running && docker_up=1; status=0; \
	{ scripts/services.sh up && eval "$$(scripts/services.sh env)" && \
	  scripts/docker.sh up && eval "$$(scripts/docker.sh env)" && \
	  export ZENML_AIRFLOW_TEST_REQUIRE_SERVICES=1 && \
	  $(PY) -m pytest -m "heavy or containers or cluster"; } || status=$$?; \
	if [ $$already_up = 0 ]; then scripts/services.sh down || true; fi; \
	if [ $$docker_up = 0 ]; then scripts/docker.sh down || true; fi; \
	exit $$status

.PHONY: services-up services-down
# Start/stop the test databases by hand, e.g. to run a subset of tests/metadata against them:
#   make services-up && eval "$(scripts/services.sh env)" && .venv/bin/python -m pytest tests/metadata
services-up:
	scripts/services.sh up

services-down:
	scripts/services.sh down

.PHONY: docker-up docker-down
# The Docker engine, registry and base image of the container tests (scripts/docker.sh).
docker-up:
	scripts/docker.sh up

docker-down:
	scripts/docker.sh down

# Benchmarks (bench/README.md): the ZenML peer baseline goes into bench/.venvs, never into $(VENV).
# BENCH_ARGS=--quick for a 2-sample smoke run, BENCH_ARGS='--only parse,metadata' for a subset.
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# torch's CPU-only build: a fresh resolve of `torch>=2.4` alone would take a CUDA build.
TORCH_CPU ?= 2.13.0+cpu
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q -e '.[dev,airflow,s3,gcs,docker,mysql,postgres,heavy]' 'torch==$(TORCH_CPU)'
	{ echo "# Tested, pinned versions for every install of zenml-airflow (make demo, make test, CI)."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  .lockenv/bin/pip freeze --exclude-editable | grep -viE '^(pip|setuptools|wheel)==' | sort -f; } > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache build *.egg-info
