# Fieldbook: the two commands are `make up` (run it all locally) and `make test` (every check).
# GNU make + bash. See README.md.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PYTHON ?= python3
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fieldbook-installed

# Every package of the repository, kit first, from the service table (the kit's service_table.py,
# plain Python so it answers before the virtualenv exists). A package is installed and tested only
# once its folder has a pyproject.toml (resp. a tests/ folder), so this works while folders are empty.
SERVICE_TABLE := $(ROOT)/shared/src/fieldbook_shared/service_table.py
PACKAGES := $(shell $(PYTHON) $(SERVICE_TABLE) packages)
ifeq ($(strip $(PACKAGES)),)
$(error $(SERVICE_TABLE) gave no packages (is $(PYTHON) a Python 3?))
endif
PRESENT := $(foreach p,$(PACKAGES),$(if $(wildcard $(ROOT)/$(p)/pyproject.toml),$(p)))
PYPROJECTS := $(foreach p,$(PRESENT),$(ROOT)/$(p)/pyproject.toml)
# What `make lint` needs besides ruff: import-linter checks the import contracts of pyproject.toml,
# mypy the types of the kit and of every service's domain.
LINT_TOOLS := import-linter mypy
TEST_TOOLS := pytest pytest-xdist requests ruff honcho testcontainers hypothesis pypdf schemathesis==4.32.5 \
  openapi-python-client==0.29.1 $(LINT_TOOLS)
# What `make validate-deploy` needs: the compose schema ships with check-jsonschema, the Kubernetes
# schemas with kubernetes-validate (both offline).
DEPLOY_TOOLS := pyyaml jsonschema check-jsonschema kubernetes-validate

# Extra arguments for every pytest run, e.g. `make test PYTEST_ARGS='-x -k contacts'`.
PYTEST_ARGS ?=

# The e2e suite takes RabbitMQ + PostgreSQL from E2E_AMQP_URL / E2E_DATABASE_URL, else starts them
# with testcontainers. Where no Docker engine answers, default to the machine's local servers.
# (Only checked when an e2e run is asked for: `docker info` can be slow.)
ifneq ($(filter test test-e2e chaos,$(MAKECMDGOALS)),)
DOCKER_ANSWERS := $(shell timeout 20 docker info >/dev/null 2>&1 && echo yes)
ifneq ($(DOCKER_ANSWERS),yes)
E2E_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/%2F
E2E_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export E2E_AMQP_URL E2E_DATABASE_URL
endif
endif

.PHONY: help install up down logs test test-unit test-e2e chaos lint validate-deploy fmt clean distclean bench FORCE

help:
	@echo "make up         install, migrate, start everything in the background, create demo data"
	echo "make down       stop what make up started"
	echo "make logs       follow the logs of the running system"
	echo "make test       lint + every package's tests + the end-to-end suite"
	echo "make test-unit  each package's tests/ (unit + integration)"
	echo "make test-e2e   the end-to-end suite (tests-e2e/)"
	echo "make lint       ruff check + format check, import contracts, mypy;  make fmt: ruff format + ruff check --fix"
	echo "make validate-deploy  docker-compose.yml and deploy/k8s checked offline"
	echo "make bench      the system on PostgreSQL + RabbitMQ, bulk data, figures vs anchors (BENCH_CUSTOMERS=1000000)"
	echo "make chaos      slow fault scenarios (tests-chaos/, not in make test): stops the broker, RESTARTS PostgreSQL"
	echo "make install    the virtualenv (.venv) with every package, editable"
	echo "make clean      stop, remove var/ and caches (keeps .venv);  make distclean: also .venv"

# ------------------------------------------------------------------------------------ install

install: $(STAMP)

# Re-run when a pyproject.toml (or this Makefile) is newer than the stamp, or the set of
# packages present changed since the last install.
ifneq ($(shell cat $(STAMP) 2>/dev/null),$(strip $(PRESENT)))
$(STAMP): FORCE
endif
$(STAMP): $(PYPROJECTS) $(ROOT)/Makefile
	@cd "$(ROOT)"
	if [ ! -x "$(BIN)/python" ]; then
	  echo "==> creating the virtualenv .venv ($(PYTHON) -m venv)"
	  $(PYTHON) -m venv "$(VENV)"
	fi
	# the console's browser tests (tests-e2e/test_console.py) drive Debian's chromium through the
	# playwright package (console[test]); never `playwright install`, which downloads a browser build
	if [ ! -x /usr/bin/chromium ]; then
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"
	  echo "==> apt-get install -y chromium (for the console's browser tests)"
	  $$sudo apt-get install -y chromium || { $$sudo apt-get update && $$sudo apt-get install -y chromium; }
	fi
	echo "==> pip install (packages: $(or $(PRESENT),none yet))"
	"$(BIN)/python" -m pip install --quiet --upgrade pip
	if [ -f shared/pyproject.toml ]; then
	  "$(BIN)/python" -m pip install --quiet -e shared
	fi
	"$(BIN)/python" -m pip install --quiet $(foreach p,$(filter-out shared,$(PRESENT)),-e "$(p)[test]") $(TEST_TOOLS) $(DEPLOY_TOOLS)
	echo "$(strip $(PRESENT))" > "$(STAMP)"

FORCE:

# ------------------------------------------------------------------------------ running locally

up:
	@bash "$(ROOT)/scripts/up.sh"

down:
	@bash "$(ROOT)/scripts/down.sh"

logs:
	@log="$${FIELDBOOK_VAR:-$(ROOT)/var}/log/fieldbook.log"
	if [ ! -f "$$log" ]; then echo "no log yet at $$log: run make up first" >&2; exit 1; fi
	exec tail -n 100 -F "$$log"

# -------------------------------------------------------------------------------------- checks

# The checks (lint, validate-deploy) run beside the unit tests, which mostly wait on the servers;
# their output is printed whole once they end.
test: install
	@status=0
	checks="$$(mktemp)"
	trap 'rm -f "$$checks"' EXIT
	( rc=0
	  $(MAKE) -f "$(ROOT)/Makefile" lint || rc=1
	  $(MAKE) -f "$(ROOT)/Makefile" validate-deploy || rc=1
	  exit $$rc ) > "$$checks" 2>&1 &
	checks_pid=$$!
	$(MAKE) -f "$(ROOT)/Makefile" test-unit || status=1
	checks_rc=0
	wait $$checks_pid || checks_rc=$$?
	cat "$$checks"
	if [ $$checks_rc -ne 0 ]; then echo "==> lint / validate-deploy FAILED (see above)" >&2; status=1; fi
	$(MAKE) -f "$(ROOT)/Makefile" test-e2e || status=1
	if [ $$status -ne 0 ]; then echo "==> make test: FAILED (see above)" >&2; else echo "==> make test: all passed"; fi
	exit $$status

lint: install
	@cd "$(ROOT)"
	status=0
	echo "==> ruff check"
	"$(BIN)/ruff" check . || status=1
	echo "==> ruff format --check (make fmt formats)"
	"$(BIN)/ruff" format --check . || status=1
	echo "==> lint-imports (import contracts: [tool.importlinter] in pyproject.toml)"
	"$(BIN)/lint-imports" --no-cache || status=1
	echo "==> mypy (shared/, services/*/src/*/domain: [tool.mypy] in pyproject.toml)"
	"$(BIN)/mypy" || status=1
	echo "==> import cycles (none allowed)"
	"$(BIN)/python" scripts/import_cycles.py --strict || status=1
	exit $$status

# docker-compose.yml and deploy/k8s, offline: no Docker engine or cluster needed (scripts/validate_deploy.py).
validate-deploy: install
	@cd "$(ROOT)"
	echo "==> validate-deploy (docker-compose.yml, deploy/k8s)"
	"$(BIN)/python" scripts/validate_deploy.py --self-test

fmt: install
	@cd "$(ROOT)"
	"$(BIN)/ruff" format .
	"$(BIN)/ruff" check --fix .

# Each package's tests/ in its own pytest run, from the package folder (its own pytest settings),
# TEST_JOBS packages at a time (default 2: CI has two cores); each package's output is printed whole
# when it ends, so parallel runs do not interleave. Exit code 5 (no tests collected) is a failure
# only when the folder holds test files.
TEST_JOBS ?= 2
test-unit: install
	@cd "$(ROOT)"
	logs="$$(mktemp -d)"
	trap 'rm -rf "$$logs"' EXIT
	run_package() {  # package -> its exit code in $$logs/<name>.rc, its output in $$logs/<name>.log
	  local pkg="$$1" name="$${1//\//_}" rc=0
	  {
	    echo "==> $$pkg: pytest tests"
	    (cd "$$pkg" && "$(BIN)/pytest" -q $(PYTEST_ARGS) tests) || rc=$$?
	    if [ $$rc -eq 5 ] && [ -z "$$(find "$$pkg/tests" -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]; then
	      echo "    (no test files in $$pkg/tests yet)"
	      rc=0
	    fi
	  } > "$$logs/$$name.log" 2>&1
	  echo "$$rc" > "$$logs/$$name.rc"
	  cat "$$logs/$$name.log"
	}
	export -f run_package
	export logs
	with_tests=()
	for pkg in $(PACKAGES); do
	  if [ -d "$$pkg/tests" ]; then with_tests+=("$$pkg"); else echo "==> $$pkg: no tests/ folder, skipped"; fi
	done
	printf '%s\n' "$${with_tests[@]}" | xargs -P "$(TEST_JOBS)" -I{} bash -c 'run_package "$$1"' _ {} || true
	failed=()
	for pkg in "$${with_tests[@]}"; do
	  rc="$$(cat "$$logs/$${pkg//\//_}.rc" 2>/dev/null || echo missing)"
	  if [ "$$rc" != 0 ]; then failed+=("$$pkg (exit $$rc)"); fi
	done
	if [ $${#failed[@]} -gt 0 ]; then
	  echo "==> test-unit FAILED: $${failed[*]}" >&2
	  exit 1
	fi

# The e2e suite starts its own processes on its own databases/vhost; whatever is left of them
# afterwards (found by the FIELDBOOK_STACK marker in their environment) is stopped here.
# E2E_JOBS runs (pytest-xdist) each start a whole system of their own and take the test files one
# by one; then the tests that stop the shared broker (marker broker_control) run alone, since
# stopping it would fail the other run's tests. E2E_JOBS=1: one run, in file order. The default,
# auto, is 2 where the PostgreSQL server allows 200 connections or more, else 1: one system holds
# up to about 60 (some twenty-five processes, each with its pools), so two do not fit in the
# default max_connections of 100.
E2E_JOBS ?= auto
test-e2e: install
	@cd "$(ROOT)"
	if [ -z "$$(find tests-e2e -name 'test_*.py' 2>/dev/null | head -n 1)" ]; then
	  echo "==> tests-e2e: no tests yet, skipped"
	  exit 0
	fi
	jobs="$(E2E_JOBS)"
	if [ "$$jobs" = auto ]; then
	  jobs=1
	  max="$$("$(BIN)/python" -c 'import os, psycopg; print(psycopg.connect(os.environ["E2E_DATABASE_URL"], connect_timeout=5).execute("SHOW max_connections").fetchone()[0])' 2>/dev/null || echo 0)"
	  if [ "$$max" -ge 200 ]; then jobs=2; fi
	  echo "==> tests-e2e: E2E_JOBS=auto: $$jobs (the database server allows $${max:-?} connections; 2 need 200)"
	fi
	stack="e2e-$$$$-$$RANDOM"
	rc=0
	if [ "$$jobs" -gt 1 ]; then
	  echo "==> tests-e2e: pytest, $$jobs systems at once (broker: $${E2E_AMQP_URL:-testcontainers}, database: $${E2E_DATABASE_URL:-testcontainers})"
	  (cd tests-e2e && FIELDBOOK_STACK="$$stack" "$(BIN)/pytest" -q -n "$$jobs" --dist loadfile -m "not broker_control" $(PYTEST_ARGS)) || rc=$$?
	  bash scripts/down.sh --stack "$$stack" --quiet
	  echo "==> tests-e2e: pytest, the tests that stop the broker, alone"
	  rc2=0
	  (cd tests-e2e && FIELDBOOK_STACK="$$stack" "$(BIN)/pytest" -q -m broker_control $(PYTEST_ARGS)) || rc2=$$?
	  # exit code 5 is "no test selected" (e.g. a -k that picks only one kind): a failure only if both are
	  if { [ $$rc -eq 0 ] || [ $$rc -eq 5 ]; } && [ $$rc2 -ne 5 ]; then rc=$$rc2; fi
	else
	  echo "==> tests-e2e: pytest (broker: $${E2E_AMQP_URL:-testcontainers}, database: $${E2E_DATABASE_URL:-testcontainers})"
	  (cd tests-e2e && FIELDBOOK_STACK="$$stack" "$(BIN)/pytest" -q $(PYTEST_ARGS)) || rc=$$?
	fi
	bash scripts/down.sh --stack "$$stack" --quiet
	exit $$rc

# Not part of `make test`: slow, and it disturbs the machine — it stops the broker for 30 s and
# restarts the local PostgreSQL cluster (every client of both notices). Prints one table at the end.
chaos: install
	@cd "$(ROOT)"
	echo "==> chaos (tests-chaos/): broker: $${E2E_AMQP_URL:-testcontainers}, database: $${E2E_DATABASE_URL:-testcontainers}"
	echo "==> WARNING: stops RabbitMQ for 30 s and restarts PostgreSQL: other users of this machine's servers notice"
	stack="chaos-$$$$-$$RANDOM"
	rc=0
	(cd tests-chaos && FIELDBOOK_STACK="$$stack" "$(BIN)/pytest" $(PYTEST_ARGS)) || rc=$$?
	bash scripts/down.sh --stack "$$stack" --quiet
	exit $$rc

# The benchmark (bench/, not part of `make test`): wrk and nginx from Debian's packages, then the
# whole system through the e2e harness on the local PostgreSQL + RabbitMQ (or E2E_* URLs).
bench: install
	@cd "$(ROOT)"
	missing=""
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"
	{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing="$$missing nginx"
	if [ -n "$$missing" ]; then
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"
	  echo "==> apt-get install -y$$missing"
	  $$sudo apt-get install -y $$missing || { $$sudo apt-get update && $$sudo apt-get install -y $$missing; }
	fi
	export E2E_AMQP_URL="$${E2E_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2F}"
	export E2E_DATABASE_URL="$${E2E_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
	"$(BIN)/python" bench/run.py

# ------------------------------------------------------------------------------------ cleaning

clean:
	@cd "$(ROOT)"
	if [ -f scripts/down.sh ]; then bash scripts/down.sh --quiet; fi
	rm -rf var .ruff_cache .mypy_cache
	find . -path ./.venv -prune -o \( -name __pycache__ -o -name .pytest_cache -o -name '*.egg-info' \) -type d -print0 \
	  | xargs -0 rm -rf

distclean: clean
	@rm -rf "$(VENV)"
