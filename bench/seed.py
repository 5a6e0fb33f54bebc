"""Time the demo-data generator: a fresh PostgreSQL database, migrated, filled with N clients.

    PYTHONPATH=. .venv/bin/python bench/seed.py [--clients 100000] [--seed 42] [--database-url URL]

The database named in the URL is dropped and created again. Prints rows per table, the time of
each phase and rows per second. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_bench"


def recreate_database(url: str) -> None:
    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        raise SystemExit("bench/seed.py needs a PostgreSQL URL")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


def seed(url: str, clients: int, seed_value: int) -> dict[str, float]:
    from mtkcare.db import get_engine, session_scope
    from mtkcare.devdata import generate

    timings: dict[str, float] = {}
    started = time.perf_counter()
    recreate_database(url)
    migrate(url)
    timings["create + migrate"] = time.perf_counter() - started

    started = time.perf_counter()
    with session_scope(url=url) as session:
        counts = generate(session, clients=clients, seed=seed_value, files=False)
        timings["generate"] = time.perf_counter() - started
        commit_started = time.perf_counter()
    timings["commit"] = time.perf_counter() - commit_started
    total_seconds = timings["generate"] + timings["commit"]

    # Fresh statistics, as autovacuum would have them after a while: the query benchmark should
    # not measure plans made from an empty-table estimate.
    started = time.perf_counter()
    with get_engine(url).execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        size = conn.execute(sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        db_size = size.scalar_one()
    timings["vacuum analyze"] = time.perf_counter() - started
    get_engine(url).dispose()

    rows = sum(counts.values())
    print(f"\nSeed benchmark: {clients:,} clients into {make_url(url).render_as_string()}")
    print(f"{'table':<56}{'rows':>12}")
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{name:<56}{count:>12,}")
    print(f"{'total':<56}{rows:>12,}")
    print()
    for phase, seconds in timings.items():
        print(f"{phase:<24}{seconds:>8.1f} s")
    print(f"{'generate + commit':<24}{total_seconds:>8.1f} s")
    print(f"{'rows per second':<24}{rows / total_seconds:>10,.0f}")
    print(f"{'clients per second':<24}{clients / total_seconds:>10,.0f}")
    print(f"{'database size':<24}{db_size:>10}")
    return {"rows": rows, "seconds": total_seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    seed(args.database_url, args.clients, args.seed)


if __name__ == "__main__":
    main()
