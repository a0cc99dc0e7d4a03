# PulseTrade LLM layer. `make run` starts everything, `make test` runs every test.
# Every target installs the dependencies first when they are missing or older than pnpm-lock.yaml.
# Pass extra arguments with ARGS, e.g. `make eval-llm ARGS="--help"`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PNPM_VERSION := $(shell sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
# pnpm runs only to install: the one on PATH, else a copy installed once into .tools/pnpm (an `npx -y
# pnpm@…` costs ~3 s on every call). Every other target calls node or node_modules/.bin directly.
LOCAL_PNPM := .tools/pnpm/node_modules/.bin/pnpm
PNPM := $(if $(shell command -v pnpm 2>/dev/null),pnpm,$(LOCAL_PNPM))
# Installs that local copy the first time an install needs it (the version package.json pins; .tools/ is git-ignored).
ENSURE_PNPM = $(if $(filter $(LOCAL_PNPM),$(PNPM)),[ -x $(LOCAL_PNPM) ] || npm install --prefix .tools/pnpm --no-save --no-audit --no-fund --loglevel=error pnpm@$(PNPM_VERSION),:)
# Installs in a shared checkout take a machine-wide lock when flock exists.
LOCK := $(if $(shell command -v flock 2>/dev/null),flock /tmp/pnpm.lock,)
DEPS := node_modules/.modules.yaml
NODE_TS := node --import tsx
BIN := node_modules/.bin
ARGS ?=

# The compose command, chosen when a compose target runs: `docker compose` when the v2 plugin
# answers, else `docker-compose` (Debian's 1.29). Override: make compose-up DOCKER_COMPOSE=docker-compose.
DOCKER_COMPOSE = $(shell bash scripts/compose-env.sh cmd)

PROMPTS_CLI := libs/llm/src/cli/prompts-cli.ts
SIM_CLI := tools/lexi-sim/src/cli.ts
EVAL_CLI := tools/llm_eval/src/cli.ts
FORECAST_CLI := services/forecast/src/cli.ts

# make exits 2 for any failing recipe, whatever the eval returned (0 ok, 1 a gate failed, 2 usage,
# 3 unreachable): eval-llm prints the eval's own code and, given EVAL_EXIT_FILE=path, writes it
# there. scripts/eval-llm.sh runs the target that way and exits with that code (docs/eval.md).
EVAL_EXIT_REPORT = if [ -n "$(EVAL_EXIT_FILE)" ]; then echo $$code > "$(EVAL_EXIT_FILE)"; fi; \
	if [ $$code -ne 0 ]; then echo "eval-llm: eval exit code $$code (1 = a gate failed, 2 = usage, 3 = unreachable or could not run); make reports any failure as 2, scripts/eval-llm.sh exits with $$code" >&2; fi; \
	exit $$code

.PHONY: help install run test lint typecheck migrate sim test-llm eval-llm prompts forecast dataset bench compose-check compose-up compose-down compose-smoke lexi-cmd prompts-check format format-check screenshots

help:
	@echo "make run            start Postgres (embedded unless DATABASE_URL), migrations, lexi-sim (unless LLM_BASE_URL) and the four services"
	@echo "make test           run every test (DATABASE_URL or an embedded Postgres); JSON results in .vitest-results.json"
	@echo "make lint           ESLint (layering rules of design section 3) and the prompt registry check"
	@echo "make typecheck      tsc --noEmit over the whole workspace"
	@echo "make format         Prettier over the code (*.ts, *.js, *.mjs; .prettierrc.json); make format-check only reports"
	@echo "make migrate        apply pending migrations (DATABASE_URL or the embedded Postgres)"
	@echo "make sim            run lexi-sim in the foreground (ARGS='--port 8008 --slow 2')"
	@echo "make test-llm       live tests against LLM_BASE_URL (says which URL and whether it is lexi-sim; skip when unreachable)"
	@echo "make eval-llm       offline prompt evaluation into results/ (ARGS='...')"
	@echo "make dataset        regenerate the eval dataset from the bundled S&P 500 data"
	@echo "make bench          run every bench/*.bench.ts in turn"
	@echo "make compose-check  validate docker-compose.yml without a Docker engine"
	@echo "make compose-up     build the image and start Postgres and the four services (creates .env with generated secrets on first use)"
	@echo "make compose-down   stop and remove the compose stack (ARGS=-v also deletes its Postgres volume)"
	@echo "make compose-smoke  build, start and check the whole compose stack against lexi-sim on the host, then remove it"
	@echo "make lexi-cmd       print the host vLLM command that serves Lexi"
	@echo "make prompts-check  validate configs/llm_prompts.yaml against its lock"
	@echo "make prompts        the prompt registry CLI (ARGS=list, ARGS='render policy', ARGS=lock)"
	@echo "make forecast       the forecast CLI (ARGS='import FILE --dry-run', ARGS='run --once', ARGS=backtest)"
	@echo "make install        (re)install dependencies from pnpm-lock.yaml"

# Absent or older than the lockfile: install exactly what the lockfile says.
$(DEPS): pnpm-lock.yaml
	@$(ENSURE_PNPM)
	$(LOCK) $(PNPM) install --frozen-lockfile
	@touch $@

install:
	@$(ENSURE_PNPM)
	$(LOCK) $(PNPM) install --frozen-lockfile
	@touch $(DEPS)

run: $(DEPS)
	$(NODE_TS) scripts/run.ts

test: $(DEPS)
	@bash scripts/test-tools.sh
	$(BIN)/vitest run --reporter=default --reporter=json --outputFile.json=.vitest-results.json $(ARGS)

lint: $(DEPS) $(if $(wildcard $(PROMPTS_CLI)),prompts-check)
	$(BIN)/eslint . $(ARGS)
	$(BIN)/prettier --check --log-level warn $(FORMAT_GLOB)

typecheck: $(DEPS)
	$(BIN)/tsc -p tsconfig.json --noEmit

# Code only: docs, YAML and JSON keep their hand layout. FORMAT_FILES narrows it (FORMAT_FILES="libs/db").
FORMAT_FILES ?= .
FORMAT_GLOB = --no-error-on-unmatched-pattern $(foreach d,$(FORMAT_FILES),'$(d)/**/*.{ts,js,mjs}')
format: $(DEPS)
	$(BIN)/prettier --log-level warn --write $(FORMAT_GLOB)

format-check: $(DEPS)
	$(BIN)/prettier --check $(FORMAT_GLOB)

migrate: $(DEPS)
	$(NODE_TS) libs/db/src/cli.ts migrate

prompts-check: $(DEPS)
	@if [ -f $(PROMPTS_CLI) ]; then $(NODE_TS) $(PROMPTS_CLI) check; else echo "prompts-check: $(PROMPTS_CLI) is not there yet; nothing to check"; fi

sim: $(DEPS)
	@if [ -f $(SIM_CLI) ]; then $(NODE_TS) $(SIM_CLI) $(ARGS); else echo "sim: $(SIM_CLI) is not there yet"; fi

# First says which endpoint the live tests use and what answers there (lexi-sim or not).
test-llm: $(DEPS)
	@node scripts/llm-endpoint.mjs test-llm
	$(BIN)/vitest run --config vitest.live.config.ts $(ARGS)

# The CLIs without pnpm: `make prompts ARGS=list`, `make forecast ARGS="import FILE"`.
prompts: $(DEPS)
	@$(NODE_TS) $(PROMPTS_CLI) $(ARGS)

forecast: $(DEPS)
	@$(NODE_TS) $(FORECAST_CLI) $(ARGS)

# COMPOSE=1 runs the eval in the compose `tools` container (its entrypoint is the eval CLI).
# As the calling user, so results/ stays yours (the image's own user is uid 1000).
eval-llm: $(if $(filter 1,$(COMPOSE)),,$(DEPS))
	@if [ "$(COMPOSE)" = 1 ]; then bash scripts/compose-env.sh prepare && mkdir -p results \
	  && $(DOCKER_COMPOSE) --profile tools run --rm --user "$$(id -u):$$(id -g)" tools run $(ARGS); \
	else node scripts/llm-endpoint.mjs eval-llm $(ARGS); $(NODE_TS) $(EVAL_CLI) run $(ARGS); fi; \
	code=$$?; $(EVAL_EXIT_REPORT)

# Regenerates tools/llm_eval/datasets/sp500-signals.jsonl from the bundled data (docs/eval.md).
dataset: $(DEPS)
	bash tools/llm_eval/scripts/make-dataset.sh $(ARGS)

bench: $(DEPS)
	@shopt -s nullglob; files=(bench/*.bench.ts); \
	if [ $${#files[@]} -eq 0 ]; then echo "bench: no benchmarks yet (bench/*.bench.ts)"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(NODE_TS) "$$f" $(ARGS) || exit $$?; done

# The console's screenshots in docs/console/, taken by its browser tests (a plain `make test` writes them to a scratch directory).
screenshots: $(DEPS)
	CONSOLE_SCREENSHOTS_DIR=$(CURDIR)/docs/console $(BIN)/vitest run services/admin/test/browser/console.test.ts

compose-check: $(DEPS)
	bash scripts/compose-check.sh

# COREPACK_INTEGRITY_KEYS (environment or .env) reaches the image build; see .env.example.
compose-up:
	@bash scripts/compose-env.sh prepare
	$(DOCKER_COMPOSE) up -d --build $(ARGS)
	@$(DOCKER_COMPOSE) ps

compose-down:
	$(DOCKER_COMPOSE) down $(ARGS)

# One line per check and a total; always removes what it started (docs/compose.md). lexi-sim runs
# from the workspace on the host, hence the dependencies.
compose-smoke: $(DEPS)
	@DOCKER_COMPOSE="$(DOCKER_COMPOSE)" bash scripts/compose-smoke.sh $(ARGS)

lexi-cmd: $(DEPS)
	@$(NODE_TS) scripts/lexi-cmd.ts
