# The two commands a new user types: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CLIENTS ?= 300

.PHONY: help run test check migrate seed bench setup

help:
	@echo "make run      set up and start MTK Care on the embedded SQLite database with demo data"
	@echo "make test     set up and run the whole test suite against PostgreSQL and chromium"
	@echo "make check    ruff and mypy"
	@echo "make migrate  apply migrations to DATABASE_URL (default: the embedded SQLite file)"
	@echo "make seed     load demo data into DATABASE_URL (CLIENTS=$(CLIENTS))"
	@echo "make bench    generate benchmark data in PostgreSQL and print the figures"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

setup:
	@scripts/bootstrap.sh dev

check: setup
	@source scripts/env.sh && ruff check mtkcare tests bench alembic && ruff format --check mtkcare tests bench alembic && mypy mtkcare

migrate:
	@scripts/bootstrap.sh runtime && source scripts/env.sh && python -m mtkcare.manage migrate

seed: migrate
	@source scripts/env.sh && python -m mtkcare.devdata --clients $(CLIENTS)

bench: setup
	@source scripts/env.sh && python bench/run_all.py $(if $(BENCH_CLIENTS),--clients $(BENCH_CLIENTS),)
