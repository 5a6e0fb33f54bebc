#!/usr/bin/env bash
# Sets up everything the app needs, idempotently and quickly on a second run:
#   a Python 3.12 virtualenv in .venv, pinned requirements, and bun (from npm) in .tools.
# Usage: scripts/bootstrap.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"
want="$(cat .python-version 2>/dev/null || echo 3.12)"
want_minor="${want%.*}"; [[ "$want" =~ ^[0-9]+\.[0-9]+$ ]] && want_minor="$want"

find_python() {
  local c
  for c in \
    "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want/bin/python" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want_minor".*/bin/python 2>/dev/null | sort -rV) \
    "$(command -v "python$want_minor" || true)" \
    "$(command -v python3 || true)"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    if "$c" -c "import sys; sys.exit(0 if f'{sys.version_info[0]}.{sys.version_info[1]}' == '$want_minor' else 1)" 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

mkdir -p .stamps
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import sys; sys.exit(0 if f'{sys.version_info[0]}.{sys.version_info[1]}' == '$want_minor' else 1)"; then
  py="$(find_python)" || {
    echo "ERROR: Python $want_minor is needed but was not found." >&2
    echo "       Install it (for example 'pyenv install $want') or put python$want_minor on PATH." >&2
    exit 1
  }
  echo "==> Creating .venv with $py"
  rm -rf .venv .stamps/*
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi

install_reqs() {  # $1 = requirements file; reinstalls only when it changed
  local file="$1" stamp=".stamps/$(basename "$1").sha"
  local sum; sum="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    echo "==> Installing $file"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$file" 2>&1 \
      | grep -v "is ignored: it is neither a file nor a directory" || true
    .venv/bin/python -c "import reflex, sqlmodel, alembic, psycopg" || { echo "ERROR: pip install failed" >&2; exit 1; }
    echo "$sum" > "$stamp"
  fi
}
install_reqs requirements.txt
[ "$profile" = dev ] && install_reqs requirements-dev.txt

# Reflex downloads bun from the internet, which is not reachable here: take it from npm.
BUN_VERSION=1.4.4
if [ ! -x .tools/node_modules/bun/bin/bun.exe ] || [ "$(.tools/node_modules/bun/bin/bun.exe --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  command -v npm >/dev/null || { echo "ERROR: npm is needed to install bun (apt-get install -y nodejs npm)" >&2; exit 1; }
  echo "==> Installing bun $BUN_VERSION from npm into .tools"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund "bun@$BUN_VERSION" >/dev/null)
fi
