# The front door. A fresh machine needs only Python 3.11+ and make: the first target that
# needs them creates .venv (project) and .tools/sam (SAM CLI, kept apart for its pinned deps).

# Python: 3.13 (the Lambda runtime, which `sam build` also needs on PATH) when there is one, else the
# newest python3.1x. Under pyenv, `python3.13` answers only when PYENV_VERSION names an installed
# 3.13 (the shim's global version may be older): pick one here; without pyenv nothing changes.
PYENV_313 := $(shell command -v pyenv >/dev/null 2>&1 && pyenv versions --bare 2>/dev/null | grep -E '^3\.13\.[0-9]+$$' | sort -V | tail -1)
ifneq ($(PYENV_313),)
export PYENV_VERSION ?= $(PYENV_313)
endif
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(shell for v in 3.13 3.19 3.18 3.17 3.16 3.15 3.14 3.12 3.11; do \
  $(if $(PYENV_VERSION),PYENV_VERSION=$(PYENV_VERSION)) python$$v -c '' >/dev/null 2>&1 && echo python$$v; done) python3)
endif
# The oldest Python the code keeps working on (`make test-oldest`, one quick CI step)
OLDEST_TESTS ?= tests/integration/test_migrations.py tests/integration/test_login.py tests/integration/test_session_core.py
OLDEST_PYTHON := $(firstword $(shell env -u PYENV_VERSION python3.11 -c '' >/dev/null 2>&1 && echo python3.11) python3)
VENV := .venv
PY := $(VENV)/bin/python
SAM := .tools/sam/bin/sam
CHECKOV := .tools/checkov/bin/checkov
PORT ?= 3000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
CONFIG_ENV ?= default
# Debian's Chromium, which the browser tests and `make screenshots` drive (Playwright cannot download its own here)
export CHROMIUM_PATH ?= /usr/bin/chromium

export PYTHONPATH := $(CURDIR)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-central-1

.PHONY: install run test test-integration lint format seed migrate admin bench bench-readme loadtest build deploy db-stop clean
.PHONY: migrate-down invoke deploy-guided browser-deps screenshots admin-remote test-oldest

$(VENV)/.installed: requirements-dev.txt layer/requirements.txt functions/push_dispatcher/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SAM):
	$(PYTHON) -m venv .tools/sam
	.tools/sam/bin/pip install --quiet aws-sam-cli==1.170.0

$(CHECKOV): requirements-checkov.txt
	$(PYTHON) -m venv .tools/checkov
	.tools/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

install: $(VENV)/.installed

run: install  ## serve every route of template.yaml at http://$(HOST):$(PORT) (HOST=0.0.0.0: reachable from a phone)
	HOST=$(HOST) PORT=$(PORT) $(PY) -m devtools.run

test: install browser-deps $(SAM)  ## the whole suite against a real PostgreSQL (DATABASE_URL, else an embedded one)
	$(PY) -m pytest $(PYTEST_ARGS)

test-integration: install browser-deps $(SAM)  ## only the tests that talk to PostgreSQL
	$(PY) -m pytest -m integration $(PYTEST_ARGS)

lint: install $(SAM) $(CHECKOV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared functions tests devtools bench ops
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml
	$(CHECKOV) -f template.yaml --config-file .checkov.yaml

browser-deps:  ## Chromium for the browser tests: installed with apt-get when missing and we are root
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests (apt-get install chromium)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	  else \
	    echo "$(CHROMIUM_PATH) is missing: the browser tests need it - run 'sudo apt-get install -y chromium' (or set CHROMIUM_PATH)" >&2; \
	    exit 1; \
	  fi; \
	fi

screenshots: install browser-deps  ## PNGs of the console's main screens into docs/screenshots/ (demo data)
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m devtools.screenshots
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m devtools.report_screenshot

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: install  ## apply pending migrations (DATABASE_URL, else the embedded database)
	DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m devtools.embedded_pg start)} $(PY) -m ops.migrate

migrate-down: install  ## roll back: make migrate-down VERSION=0004 (0000: everything; DATABASE_URL, else embedded)
	@test -n "$(VERSION)" || { echo "usage: make migrate-down VERSION=NNNN (0000 rolls back every migration)"; exit 2; }
	DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m devtools.embedded_pg start)} $(PY) -m ops.migrate --down-to $(VERSION)

invoke: install  ## one function in-process with its event: make invoke FN=session_status [EVENT=events/x.json]
	@test -n "$(FN)" || { echo "usage: make invoke FN=<function> [EVENT=events/<file>.json]"; exit 2; }
	$(PY) -m devtools.invoke $(FN) $(if $(EVENT),--event $(EVENT),)

seed: install  ## wipe the database and load the demo data again
	$(PY) -m devtools.run --reseed-only

admin: install  ## the admin tool: make admin ARGS="disable-operator anna@demo.test"
	DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m devtools.embedded_pg url)} $(PY) -m ops.admin $(ARGS)

STACK ?= batterycrm
admin-remote: install  ## the admin tool inside the deployed stack: make admin-remote ARGS="create-tenant shop 'Shop'" [STACK=batterycrm]
	$(PY) -m ops.admin_remote --stack $(STACK) $(ARGS)

test-oldest:  ## the quick check on the oldest supported Python (3.11): .venv311, unit tests and one integration module
	test -x .venv311/bin/python || env -u PYENV_VERSION $(OLDEST_PYTHON) -m venv .venv311
	.venv311/bin/python -m pip install --quiet -r layer/requirements.txt -r requirements-oldest.txt
	.venv311/bin/python -c 'import sys; print("Python", sys.version.split()[0])'
	.venv311/bin/python -m pytest -q -p no:cacheprovider tests/unit $(OLDEST_TESTS)

bench: install  ## prints its table (no access log, no metrics); writes bench/results/latest.json
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m bench $(if $(QUICK),--quick,)
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m bench.lifecycle $(if $(QUICK),--quick,)
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m bench.reports $(if $(QUICK),--quick,)

bench-readme: install  ## rewrite docs/performance.md's benchmark section from bench/results/latest.json
	$(PY) -m bench.readme

.PHONY: fuzz
fuzz: install  ## schemathesis against docs/openapi.json on the local gateway, bounded; fails on any finding
	$(PY) -m devtools.fuzz

loadtest: install  ## the mix through the local gateway over 1,000 shops until it saturates (bounded, loopback)
	POWERTOOLS_LOG_LEVEL=WARNING $(PY) -m bench.loadtest $(if $(QUICK),--quick,)

build: $(SAM)  ## sam build for arm64 / python3.13 (pip fetches the aarch64 wheels; no Docker)
	@python3.13 -c '' 2>/dev/null || { echo "sam build needs python3.13 on PATH (the functions' runtime): install it, or with pyenv 'pyenv install 3.13'" >&2; exit 2; }
	$(SAM) build --config-env $(CONFIG_ENV)

deploy: build  ## non-interactive: sam deploy with samconfig.toml (migrations run inside the stack)
	$(SAM) deploy --config-env $(CONFIG_ENV) --no-confirm-changeset --no-fail-on-empty-changeset $(DEPLOY_ARGS)

deploy-guided: build  ## the first time: asks for the stack name, region and parameters, saves them
	$(SAM) deploy --guided --config-env $(CONFIG_ENV)

db-stop: install  ## stop the embedded PostgreSQL started by run/test
	$(PY) -m devtools.embedded_pg stop

clean: db-stop
	rm -rf .aws-sam .local .pytest_cache .ruff_cache .mypy_cache
