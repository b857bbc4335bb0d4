# Duka. The two commands: `make run` and `make test`. See README.md.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
REDIS ?= 0

.PHONY: help run test stop services watch tools fmt lint sqlx-prepare e2e bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## install what is missing, start services, build, seed and serve at http://127.0.0.1:3000
	@REDIS=$(REDIS) scripts/run.sh

test: ## formatting, lints, every Rust test on real services, the release site, browser tests
	@scripts/test.sh

stop: ## stop the local PostgreSQL and Redis
	@scripts/services.sh stop

services: ## start the local PostgreSQL (and Redis with REDIS=1), print where
	@scripts/services.sh start $(if $(filter 1,$(REDIS)),--redis) && scripts/services.sh status

watch: ## rebuild and reload on every change (cargo leptos watch) with services up
	@REDIS=$(REDIS) scripts/run.sh --watch

tools: ## install the build tools only
	@scripts/tools.sh

fmt: ## format the code
	cargo fmt --all

lint: ## rustfmt, clippy for the server (ssr, with the .sqlx check) and browser (hydrate, wasm32) builds
	@scripts/test.sh --only lint

sqlx-prepare: ## regenerate .sqlx/ after changing a query or a migration
	@scripts/services.sh start >/dev/null && source .duka/env && scripts/sqlx.sh prepare

e2e: ## browser tests only, against a fresh release build
	@scripts/test.sh --only e2e

bench: ## performance figures as ratios against same-run baselines (seeds 100,000 products)
	@scripts/bench.sh
