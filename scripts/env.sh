# Sourced by the scripts: the environment every command of this project runs with.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REFLEX_BUN_PATH="$ROOT/.tools/node_modules/bun/bin/bun.exe"
export REFLEX_TELEMETRY_ENABLED=false
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$ROOT/.venv/bin:$PATH"
