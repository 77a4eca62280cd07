# Two commands: `make demo` and `make test`. Both work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED := $(abspath ..)/shared
DEMO_HOME ?= $(CURDIR)/.demo
export NETCENSUS_HOME ?= $(DEMO_HOME)

.PHONY: demo test venv system-deps lint clean

$(BIN)/netcensus: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/netcensus

# Debian packages the lab tests and the demo use: net-snmp's client tools (the baseline
# every SNMP test compares against). Installed only when missing.
system-deps:
	@command -v snmpbulkwalk >/dev/null || { \
	  echo "installing Debian package snmp (net-snmp client tools)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq snmp >/dev/null; }

demo: venv
	$(BIN)/netcensus db upgrade
	$(BIN)/netcensus sites import-divisions $(SHARED)/data/divisions/guangdong.json
	$(BIN)/netcensus inventory load examples/guangdong
	$(BIN)/netcensus sites list --under 4401 --level county

test: venv system-deps
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(DEMO_HOME) build *.egg-info
