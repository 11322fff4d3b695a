# Helio's two commands:
#   make run    install what is missing, build release, start the local stack, run the demo
#   make test   install what is missing, start the local stack, run every test, stop the stack
# The local stack (PostgreSQL 15 + Tansu broker on loopback) lives in .local/; see
# deploy/local/stack and README.md.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

STACK := deploy/local/stack
# Built binaries must find librdkafka >= 2.1 (.local/lib) before Debian's 2.0.2.
LIBS := LD_LIBRARY_PATH="$(CURDIR)/.local/lib$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}"

.PHONY: help setup build release up down status reset smoke run test unit conformance images clean distclean

help:
	@echo "make run      build release, start the local stack, run the demo (Ctrl-C stops the demo)"
	@echo "make test     start the local stack, run all tests, stop the stack"
	@echo "make unit     tests that need no stack"
	@echo "make conformance  helio capture's topics (both forms, and the debezium form under Debezium's other decimal/time settings, and with JSON schemas) against Debezium 3.6's on the same WAL (downloads Debezium's jars)"
	@echo "make images   docs/images/architecture.svg from its Graphviz source (installs graphviz if missing)"
	@echo "make setup | build | release | up | down | status | reset | smoke | clean | distclean"

setup:
	deploy/local/setup

build: setup
	swift build

release: setup
	swift build -c release

up: setup
	$(STACK) up

down:
	$(STACK) down

status:
	$(STACK) status

reset: setup
	$(STACK) reset

# Checks the stack itself: role privileges, and a message through the broker.
smoke: up
	deploy/local/smoke-roles
	stack_env=$$($(STACK) env); eval "$$stack_env"; \
	.local/venv/bin/python deploy/local/smoke-kafka.py

# The stack stays up after Ctrl-C, so the warehouse can be inspected; `make down` stops it.
run: release up
	HELIO_BUILD_CONFIG=release deploy/local/helio run --demo

# One shell, so that the trap takes the stack down whatever happens after `up`, and
# make exits with the status of the build or the tests. The run's output is kept in
# .local/test-output.log; when a test fails, its failure lines are printed again at the end,
# because CI often shows only the tail of a long log.
test: setup
	trap '$(STACK) down' EXIT; \
	$(STACK) up; \
	swift build --build-tests; \
	stack_env=$$($(STACK) env); eval "$$stack_env"; \
	status=0; \
	$(LIBS) swift test --no-parallel 2>&1 | tee .local/test-output.log || status=$$?; \
	if [[ $$status -ne 0 ]]; then \
		echo "=== failed tests (from .local/test-output.log) ==="; \
		grep -aE '✘|Fatal error|^error:|\.swift:[0-9]+:[0-9]+: error' .local/test-output.log | grep -av '✔' | head -80 || true; \
	fi; \
	exit $$status

unit: setup
	$(LIBS) swift test --skip IntegrationTests --skip SimulatorDatabaseTests

# Helio's topics against Debezium 3.6.3's on the same WAL, event by event, in both of capture's
# forms (capture.compatibility helio and debezium), then the debezium form under Debezium's other
# value settings (CONFORMANCE_SETTINGS: each line one run, every non-default value of
# decimal.handling.mode and time.precision.mode in two runs; then JSON with schemas, --schemas:
# Debezium with key/value.converter.schemas.enable=true, helio with capture.debezium_schemas, under
# each of the three value settings); the reports go to
# .local/debezium/report.md, report-debezium.md and report-debezium.<settings>[.schemas].md
# (docs/debezium-conformance.md). Not in `make test`: it installs Debezium's jars from PyPI
# into .local/ and runs for about six minutes. The stack stays up. Every run always runs; the
# status is the first failure's.
CONFORMANCE_SETTINGS = \
	"--setting decimal.handling.mode=string --setting time.precision.mode=connect" \
	"--setting decimal.handling.mode=double --setting time.precision.mode=adaptive_time_microseconds" \
	"--schemas" \
	"--schemas --setting decimal.handling.mode=string --setting time.precision.mode=connect" \
	"--schemas --setting decimal.handling.mode=double --setting time.precision.mode=adaptive_time_microseconds"

conformance: setup
	swift build --product helio
	status=0; \
	bench/debezium/run || status=$$?; \
	bench/debezium/run --helio-form debezium || { code=$$?; [[ $$status -ne 0 ]] || status=$$code; }; \
	for settings in $(CONFORMANCE_SETTINGS); do \
		bench/debezium/run --helio-form debezium $$settings || { code=$$?; [[ $$status -ne 0 ]] || status=$$code; }; \
	done; \
	exit $$status

# The README's architecture picture, from its source. The other pictures come from the scripts
# that measure what they show: scripts/status-page-screenshot (the status page, via the
# Chromium test) and the bench/*-plot.py scripts (docs/benchmarks.md, "How to reproduce").
images:
	command -v dot >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null; }
	dot -Tsvg docs/images/architecture.dot -o docs/images/architecture.svg

clean:
	rm -rf .build

# Also stops the stack and deletes .local/ (the cluster, the venv, the secrets).
distclean: clean
	if [[ -x $(STACK) && -d .local ]]; then $(STACK) down; fi
	rm -rf .local
