# The front door. A fresh machine needs only python3 (3.11) and make: the first target that
# needs them creates .venv (project) and .tools/sam (SAM CLI, kept apart for its pinned deps).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM := .tools/sam/bin/sam
PORT ?= 3000
PYTEST_ARGS ?=

export PYTHONPATH := $(CURDIR)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= eu-central-1

.PHONY: install run test test-integration lint format seed migrate admin bench loadtest build deploy db-stop clean

$(VENV)/.installed: requirements-dev.txt layer/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SAM):
	$(PYTHON) -m venv .tools/sam
	.tools/sam/bin/pip install --quiet aws-sam-cli==1.170.0

install: $(VENV)/.installed

run: install  ## serve every route of template.yaml at http://127.0.0.1:$(PORT)
	PORT=$(PORT) $(PY) -m devtools.run

test: install  ## the whole suite against a real PostgreSQL (DATABASE_URL, else an embedded one)
	$(PY) -m pytest $(PYTEST_ARGS)

test-integration: install  ## only the tests that talk to PostgreSQL
	$(PY) -m pytest -m integration $(PYTEST_ARGS)

lint: install $(SAM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: install  ## apply pending migrations (DATABASE_URL, else the embedded database)
	$(PY) -m devtools.run --migrate-only

seed: install  ## wipe the database and load the demo data again
	$(PY) -m devtools.run --reseed-only

admin: install  ## the admin tool: make admin ARGS="disable-operator anna@demo.test"
	DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m devtools.embedded_pg url)} $(PY) -m shared.admin $(ARGS)

bench: install
	POWERTOOLS_LOG_LEVEL=WARNING $(PY) -m bench $(if $(QUICK),--quick,)

loadtest: install  ## the mix through the local gateway over 1,000 shops until it saturates (bounded, loopback)
	POWERTOOLS_LOG_LEVEL=WARNING $(PY) -m bench.loadtest $(if $(QUICK),--quick,)

build: $(SAM)
	$(SAM) build

deploy: build
	$(SAM) deploy --guided

db-stop: install  ## stop the embedded PostgreSQL started by run/test
	$(PY) -m devtools.embedded_pg stop

clean: db-stop
	rm -rf .aws-sam .local .pytest_cache .ruff_cache .mypy_cache
