#!/usr/bin/env bash
# `make test`: set up, find or start PostgreSQL, make sure chromium is there, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
source scripts/env.sh
source scripts/postgres.sh   # exports TEST_DATABASE_URL
scripts/chromium.sh
echo "==> Running the test suite against ${TEST_DATABASE_URL}"
python -m pytest "$@"
