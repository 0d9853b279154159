# The front door. A fresh machine needs only python3 (3.11) and make: the first target that
# needs them creates .venv (project) and .tools/sam (SAM CLI, kept apart for its pinned deps).

PYTHON ?= python3
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
.PHONY: migrate-down invoke deploy-guided browser-deps screenshots

$(VENV)/.installed: requirements-dev.txt layer/requirements.txt
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

test: install browser-deps  ## the whole suite against a real PostgreSQL (DATABASE_URL, else an embedded one)
	$(PY) -m pytest $(PYTEST_ARGS)

test-integration: install browser-deps  ## only the tests that talk to PostgreSQL
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

bench: install  ## prints its table (no access log, no metrics); writes bench/results/latest.json
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m bench $(if $(QUICK),--quick,)
	POWERTOOLS_LOG_LEVEL=WARNING POWERTOOLS_METRICS_DISABLED=true $(PY) -m bench.lifecycle $(if $(QUICK),--quick,)

bench-readme: install  ## rewrite docs/performance.md's benchmark section from bench/results/latest.json
	$(PY) -m bench.readme

.PHONY: fuzz
fuzz: install  ## schemathesis against docs/openapi.json on the local gateway, bounded; fails on any finding
	$(PY) -m devtools.fuzz

loadtest: install  ## the mix through the local gateway over 1,000 shops until it saturates (bounded, loopback)
	POWERTOOLS_LOG_LEVEL=WARNING $(PY) -m bench.loadtest $(if $(QUICK),--quick,)

build: $(SAM)
	$(SAM) build --config-env $(CONFIG_ENV)

deploy: build  ## non-interactive: sam deploy with samconfig.toml (migrations run inside the stack)
	$(SAM) deploy --config-env $(CONFIG_ENV) --no-confirm-changeset --no-fail-on-empty-changeset $(DEPLOY_ARGS)

deploy-guided: build  ## the first time: asks for the stack name, region and parameters, saves them
	$(SAM) deploy --guided --config-env $(CONFIG_ENV)

db-stop: install  ## stop the embedded PostgreSQL started by run/test
	$(PY) -m devtools.embedded_pg stop

clean: db-stop
	rm -rf .aws-sam .local .pytest_cache .ruff_cache .mypy_cache
