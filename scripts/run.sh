#!/usr/bin/env bash
# `make run`: set up, migrate the database (embedded SQLite unless DATABASE_URL says otherwise),
# load demo data into an empty database, then start the app and print where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh runtime
source scripts/env.sh
echo "==> Migrating the database"
python -m mtkcare.manage migrate
python -m mtkcare.devdata --if-empty
python -m mtkcare.manage banner
exec reflex run "$@"
