# Escalator: `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help build run bench test kafka-up kafka-down kafka-env lint fmt deps clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

build: ## Build every crate and binary
	$(CARGO) build --workspace --locked

run: ## Run the whole product on the embedded driver with a demo history (no broker)
	scripts/run-demo.sh

bench: ## Benchmarks: hot-path microbenchmarks, then the goal table P1-P8 (starts its own broker for P3/P4; also bench-results/latest.json)
	scripts/bench.sh $(BENCH_ARGS)

test: ## Run the whole test suite (installs test tools, starts and stops Kafka)
	scripts/test.sh

kafka-up: ## Start the local single-node Kafka broker and print its bootstrap address
	@scripts/kafka.sh up

kafka-down: ## Stop the local Kafka broker
	@scripts/kafka.sh down

kafka-env: ## Print `export ESCALATOR_KAFKA_BOOTSTRAP=...` for a running broker
	@scripts/kafka.sh env

lint: ## Check formatting and run clippy with warnings as errors (also the Kafka-free `escalator` of make run)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p escalator-cli --no-default-features --locked -- -D warnings
	@if $(CARGO) tree -p escalator-cli --no-default-features -e normal --locked | grep -q rdkafka; then \
		echo "escalator-cli without default features must not depend on rdkafka (make run needs no cmake)"; exit 1; fi

fmt: ## Format the code
	$(CARGO) fmt --all

deps: ## Install the Debian test tools (kcat, promtool) when missing
	scripts/install-deps.sh

clean: ## Remove build output
	$(CARGO) clean
