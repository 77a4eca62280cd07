# Two commands: `make demo` and `make test`. Both work on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
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
# every SNMP test compares against), Prometheus (the server and promtool that check /metrics
# and the example alerting rules), chromium for the browser tests (Playwright drives this
# binary; it never downloads a browser), a CJK font so screenshots show the Chinese UI, and
# wrk, the load generator of bench/web_load.py. Installed only when missing.
system-deps:
	@command -v snmpbulkwalk >/dev/null || { \
	  echo "installing Debian package snmp (net-snmp client tools)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq snmp >/dev/null; }
	@command -v promtool >/dev/null || { \
	  echo "installing Debian package prometheus (server and promtool)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends prometheus >/dev/null; }
	@command -v wrk >/dev/null || { \
	  echo "installing Debian package wrk (HTTP load generator, bench/web_load.py)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@test -x /usr/lib/chromium/chromium && fc-list :lang=zh | grep -q . || { \
	  echo "installing Debian packages chromium, fonts-wqy-microhei (browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-wqy-microhei >/dev/null; }

# The demo lab sits under Shantou (4405), beside the example inventory's offices, so the
# scan reaches only the simulated devices on 127.20.x.x and never the example's addresses.
DEMO_ROOT := 4405
DEMO_PORT ?= 8000
NC := $(BIN)/netcensus

demo: venv
	$(NC) db upgrade
	$(NC) sites import-divisions $(SHARED)/data/divisions/guangdong.json
	$(NC) inventory load examples/guangdong | tail -n 4
	$(NC) targets load examples/targets/guangdong-2015.yaml | tail -n 1
	$(NC) sites list --under 4401 --level county
	$(NC) lab up --root $(DEMO_ROOT) --preset small
	eval "$$($(NC) lab status --env)" && \
	  $(NC) inventory load $(NETCENSUS_HOME)/lab/inventory.yaml | tail -n 2 && \
	  $(NC) scan --site $(DEMO_ROOT)
	$(NC) check --site $(DEMO_ROOT)
	$(NC) findings list --site $(DEMO_ROOT) --severity critical
	$(NC) coverage --level county
	@echo
	@echo "The lab is still running. Explore with:"
	@echo "  export NETCENSUS_HOME=$(NETCENSUS_HOME) PATH=$(CURDIR)/$(BIN):\$$PATH"
	@echo "  netcensus devices list --site $(DEMO_ROOT); netcensus findings show ID; netcensus --help"
	@echo "Stop it with: netcensus lab down"
	@echo
	@if $(NC) users list --json | grep '"name": "demo"' >/dev/null; then \
	  echo "user demo exists (its password was printed when it was made)"; \
	else $(NC) users add demo --role admin --generate-password; fi
	@echo "Web UI: http://127.0.0.1:$(DEMO_PORT)/  (user demo; the password is printed once, above)"
	# The server gets the lab's credential variables: a scan started from the web logs in
	# with the server's environment, exactly as `netcensus scan` does with the shell's.
	eval "$$($(NC) lab status --env)" && $(NC) serve --host 127.0.0.1 --port $(DEMO_PORT)

test: venv system-deps
	$(BIN)/pytest -n 2

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) $(DEMO_HOME) build *.egg-info
