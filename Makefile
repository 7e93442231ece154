# Two commands: `make run` (the whole system with demo data) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
REDIS_PORT ?= 6379
export PORT

VENV := .venv
DEMO_PASSWORD := jiandu-demo
DEMO_ACCOUNTS := admin inspector county-inspector group-inspector handler enterprise

.PHONY: help setup setup-test lock run test bench bench-scripts

help:
	@echo "make run    start web + worker + redis with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test   run the tests (SQLite with browser tests, then PostgreSQL)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make setup  install what \`make run\` needs (Debian packages, .venv from uv.lock) and stop"
	@echo "make lock   refresh uv.lock on purpose after changing pyproject.toml (or to take new releases)"

# Installs come from uv.lock, exact and hash-checked; set-up never resolves versions.
setup:
	@bash scripts/setup-system.sh run
	@bash scripts/setup-python.sh run

setup-test:
	@bash scripts/setup-system.sh test
	@bash scripts/setup-python.sh test

lock:
	@LOCK_ARGS="$(LOCK_ARGS)" bash scripts/lock.sh

run: setup
	@mkdir -p instance
	@bash scripts/services.sh port-free $(PORT) || { echo "port $(PORT) is in use; try: make run PORT=8001" >&2; exit 1; }
	@echo
	@echo "  Jiandu is starting on  http://127.0.0.1:$(PORT)"
	@echo
	@echo "  Demo accounts (password: $(DEMO_PASSWORD)):"
	@for u in $(DEMO_ACCOUNTS); do echo "    $$u"; done
	@echo
	@echo "  Stop with Ctrl-C."
	@echo
	@# Migrate and seed before any process starts, so no job ever meets a half-made database.
	@REDIS_URL=redis://127.0.0.1:$(REDIS_PORT)/0 PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} bash scripts/release.sh
	WEB_PORT=$(PORT) REDIS_PORT=$(REDIS_PORT) \
	REDIS_URL=redis://127.0.0.1:$(REDIS_PORT)/0 \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} \
	$(VENV)/bin/honcho -f Procfile.dev start

test: setup-test
	@bash scripts/test.sh $(TEST_ARGS)

# Benchmarks run with the same private Redis and throwaway PostgreSQL as the
# tests (REDIS_URL and BENCH_DATABASE_URL are exported to them).
bench: setup-test
	@bash scripts/services.sh with-services $(MAKE) --no-print-directory bench-scripts

bench-scripts:
	@shopt -s nullglob; scripts=(bench/*.py); \
	if (( $${#scripts[@]} == 0 )); then echo "no benchmarks in bench/"; exit 0; fi; \
	failed=(); \
	for f in "$${scripts[@]}"; do \
	  echo "== $$f =="; \
	  $(VENV)/bin/python "$$f" || failed+=("$$f"); \
	done; \
	if (( $${#failed[@]} )); then echo "failed benchmarks: $${failed[*]}" >&2; exit 1; fi
