# Sourced by test.sh: sets TEST_DATABASE_URL to a PostgreSQL server that answers, as a superuser
# (the owner: the tests create their databases and the runtime login role mtkcare_app from it).
# 1. TEST_DATABASE_URL if already set; 2. the server on 127.0.0.1:5432; 3. a throw-away cluster
# in .tmp/pg started from the installed PostgreSQL binaries; otherwise say what to install.
pg_answers() { python - "$1" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
try:
    psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"   (no answer: {str(exc).strip().splitlines()[0]})")
    sys.exit(1)
PY
}

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  pg_answers "$TEST_DATABASE_URL" || { echo "ERROR: TEST_DATABASE_URL=$TEST_DATABASE_URL does not answer" >&2; exit 1; }
elif pg_answers "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"; then
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_test"
else
  bindir=""
  for d in $(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null) $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { bindir="$d"; break; }
  done
  if [ -z "$bindir" ]; then
    echo "ERROR: no PostgreSQL server answers on 127.0.0.1:5432 and no PostgreSQL binaries are installed." >&2
    echo "       Install them (Debian: apt-get install -y postgresql) or set TEST_DATABASE_URL." >&2
    exit 1
  fi
  pgdir="$PWD/.tmp/pg"; port=54329
  runas=()
  if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runas=(runuser -u postgres --)
    mkdir -p "$pgdir"; chown -R postgres "$PWD/.tmp"
  fi
  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    echo "==> Creating a throw-away PostgreSQL cluster in $pgdir"
    "${runas[@]}" "$bindir/initdb" -D "$pgdir/data" -U postgres --auth=trust >/dev/null
  fi
  "${runas[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1" status >/dev/null 2>&1 || \
  "${runas[@]}" "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1" start >/dev/null
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/mtkcare_test"
fi
