# The two set-up commands are `make run` and `make test`; everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RUNTIME := $(VENV)/.runtime-stamp

.PHONY: run test lint bench docs image-check clean store-server

# `make run` needs only what the product runs on; `make test` adds the toolchain (lint, tests, the SDK).
$(RUNTIME): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(RUNTIME)
	$(BIN)/registry-bot --demo

docs: $(STAMP)
	$(BIN)/python docs/generate.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint store-server
	$(BIN)/pytest

# The tests run a real Redis or Valkey server (shared state between replicas). Where neither is
# installed, Debian's redis-server package is (as root, or with passwordless sudo); elsewhere
# the message says what to install. The tests start their own server on a free loopback port.
store-server:
	@command -v valkey-server >/dev/null 2>&1 || command -v redis-server >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make test needs valkey-server or redis-server on PATH (e.g. brew install valkey)"; exit 1; fi; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "make test needs redis-server: run 'sudo apt-get install redis-server' once"; exit 1; fi; \
	  echo "installing redis-server (Debian package) for the shared-state tests"; \
	  $$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 || { \
	    $$SUDO apt-get update -qq >/dev/null && \
	    $$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }; }

bench: $(STAMP)
	$(BIN)/python -m benchmarks

image-check:
	.ci/image-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
