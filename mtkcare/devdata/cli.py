"""``python -m mtkcare.devdata``: demo data into the configured database (or ``--database-url``),
refusing production."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import sqlalchemy as sa

from mtkcare.devdata.generator import generate, is_empty
from mtkcare.devdata.rows import table_of
from mtkcare.devdata.staff import DEMO_ACCOUNTS, DEMO_PASSWORD
from mtkcare.models import Client, User
from mtkcare.settings import SettingsError, get_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mtkcare.devdata",
        description="Load realistic demo data (refuses to run when MTKCARE_ENV=production).",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=None,
        help="number of clients (default: MTKCARE_DEMO_CLIENTS, 300)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already has clients or users",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="database to fill (default: DATABASE_URL from the settings)",
    )
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except SettingsError as exc:
        raise SystemExit(f"mtkcare.devdata: {exc}") from exc
    if settings.is_production:
        raise SystemExit(
            "mtkcare.devdata: refusing to run because MTKCARE_ENV is 'production'. "
            "Demo data and demo log-ins must never be loaded into production."
        )
    from mtkcare.db import get_engine, session_scope

    url = args.database_url or settings.database_url
    clients = settings.demo_clients if args.clients is None else args.clients
    if not sa.inspect(get_engine(url)).has_table(Client.__tablename__):
        raise SystemExit(
            "mtkcare.devdata: the database has no tables yet; run `make migrate` "
            "(alembic upgrade head) first."
        )

    started = time.perf_counter()
    with session_scope(url=url) as session:
        if args.if_empty and not is_empty(session):
            print("Demo data: the database already has data; nothing added.")
            return 0
        u = table_of(User)
        had = set(
            session.connection()
            .execute(sa.select(u.c.username).where(u.c.username.in_([n for n, _ in DEMO_ACCOUNTS])))
            .scalars()
        )
        counts = generate(session, clients=clients, seed=args.seed)
    elapsed = time.perf_counter() - started

    total = sum(counts.values())
    print(f"Demo data: {clients} clients, {total:,} rows in {elapsed:.1f} s (seed {args.seed})")
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name:<55} {count:>10,}")
    created = [(name, role) for name, role in DEMO_ACCOUNTS if name not in had]
    if created:
        print(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for name, role in created:
            print(f"  {name:<12} {role}")
    return 0
