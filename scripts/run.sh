#!/usr/bin/env bash
# `make run`: set up, migrate the database (embedded SQLite unless DATABASE_URL says otherwise),
# load demo data into an empty database, then start the job consumer and the app and print
# where it is. Stopping the app (Ctrl+C) stops the consumer too.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh runtime
source scripts/env.sh
echo "==> Migrating the database"
python -m mtkcare.manage migrate
python -m mtkcare.devdata --if-empty
python -m mtkcare.manage banner
echo "==> Starting the job consumer (log: .data/jobs.log)"
python -m mtkcare.jobs >> .data/jobs.log 2>&1 &
JOBS_PID=$!
trap 'kill "$JOBS_PID" 2>/dev/null || true' EXIT INT TERM
reflex run "$@"
