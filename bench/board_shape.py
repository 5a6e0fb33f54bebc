"""Grow a seeded bench database to the board benchmark's shape: by default 1,000,000 clients
and 200,000 referrals of which 5,000 are open (issue 10's figures).

    PYTHONPATH=. .venv/bin/python bench/board_shape.py [--source-url URL] [--target-url URL]
        [--clients 1000000] [--referrals 200000] [--open 5000]

The target database (default: the source's name + ``_board``) is made as a copy of the
source (``CREATE DATABASE … TEMPLATE``; nothing may be connected to the source), then:

- synthetic clients are added until there are ``--clients`` (the recipe of
  ``bench/duplicates.py --synthetic``: names and dates of birth of real generated clients,
  recombined);
- all but ``--open`` open referrals (a random choice, spread over every program and status)
  are withdrawn by their referrer more than 30 days ago, each with its status-history row,
  its enrolment ended;
- finished referrals are copied (new tracking ids ``BEN-…``, spread over the synthetic
  clients) until there are ``--referrals``.

The generator (``mtkcare.devdata``) makes every referral through the workflow's rules, but
it keeps about 40% of referrals open and needs ~25 minutes for a million clients; this
reshapes its output in SQL in a few minutes. Not a test; prints what it did.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.duplicates import source_people, write_synthetic_clients  # noqa: E402
from bench.seed import DEFAULT_URL  # noqa: E402
from mtkcare.db import get_engine  # noqa: E402
from mtkcare.referrals.workflow import FINAL_STATUSES, OPEN_STATUSES  # noqa: E402

REFERRAL = "referral_management_referral"
HISTORY = "referral_management_referralstatushistory"
ENROLMENT = "programs_enrolment"
CLIENT = "client_management_client"
OPEN = tuple(s.value for s in OPEN_STATUSES)
FINAL = tuple(s.value for s in FINAL_STATUSES)
# Columns a copied referral takes from its original (id, tracking id and client are new).
COPIED = (
    "source, external_organisation_id, referrer_name, referrer_email, referrer_phone, "
    "referral_date, reason, priority, service_type_id, target_program_id, assigned_staff_id, "
    "status, status_changed_at, follow_up_date, commencement_date, decline_reason_id, "
    "decline_notes, decided_at, decided_by, consent_required, is_orphaned, version, "
    "created_at, created_by, updated_at, updated_by, is_deleted, deleted_at, deleted_by"
)


def copy_database(source_url: str, target_url: str) -> None:
    source, target = make_url(source_url), make_url(target_url)
    admin = sa.create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}" TEMPLATE "{source.database}"'))
    admin.dispose()


def _count(conn: sa.Connection, sql: str, **params: object) -> int:
    return int(conn.execute(sa.text(sql), params).scalar_one())


def shape(target_url: str, clients: int, referrals: int, open_: int, seed_value: int) -> None:
    engine = get_engine(target_url)
    started = time.perf_counter()
    with engine.connect() as conn:
        have = _count(conn, f"SELECT count(*) FROM {CLIENT}")
    if clients > have:
        write_synthetic_clients(
            engine, source_people(engine), clients - have, random.Random(seed_value), start=have
        )
    print(f"clients: {have:,} -> {max(have, clients):,} ({time.perf_counter() - started:.0f} s)")

    step = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT setseed(:s)"), {"s": (seed_value % 1000) / 1000})
        conn.execute(
            sa.text(
                f"""
                CREATE TEMP TABLE withdrawn ON COMMIT DROP AS
                SELECT id, status FROM {REFERRAL}
                WHERE status = ANY(:open) AND NOT is_deleted
                ORDER BY random() OFFSET :keep
                """
            ),
            {"open": list(OPEN), "keep": open_},
        )
        gone = _count(conn, "SELECT count(*) FROM withdrawn")
        when = "now() - interval '45 days' + (random() * interval '10 days')"
        conn.execute(
            sa.text(
                f"""
                UPDATE {REFERRAL} r SET status = 'WITHDRAWN', status_changed_at = {when},
                    follow_up_date = NULL, version = r.version + 1, updated_at = now()
                FROM withdrawn w WHERE r.id = w.id
                """
            )
        )
        conn.execute(
            sa.text(
                f"""
                INSERT INTO {HISTORY} (referral_id, from_status, to_status, changed_by,
                    changed_at, reason, created_at, updated_at)
                SELECT r.id, w.status, 'WITHDRAWN', NULL, r.status_changed_at,
                    'Withdrawn by the referrer: no longer needed', now(), now()
                FROM withdrawn w JOIN {REFERRAL} r ON r.id = w.id
                """
            )
        )
        conn.execute(
            sa.text(
                f"""
                UPDATE {ENROLMENT} e SET status = 'WITHDRAWN',
                    end_date = GREATEST(e.commencement_date, r.status_changed_at::date),
                    exit_reason = 'Withdrawn by the referrer: no longer needed',
                    updated_at = now()
                FROM withdrawn w JOIN {REFERRAL} r ON r.id = w.id
                WHERE e.referral_id = w.id AND e.status = 'ACTIVE'
                """
            )
        )
    print(f"open referrals: withdrew {gone:,}, kept {open_:,} ({time.perf_counter() - step:.0f} s)")

    step = time.perf_counter()
    with engine.begin() as conn:
        now = _count(conn, f"SELECT count(*) FROM {REFERRAL}")
        extra = max(0, referrals - now)
        if extra:
            conn.execute(
                sa.text(
                    f"""
                    CREATE TEMP TABLE people ON COMMIT DROP AS
                    SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM {CLIENT}
                    WHERE NOT is_deleted
                    """
                )
            )
            people = _count(conn, "SELECT count(*) FROM people")
            conn.execute(
                sa.text(
                    f"""
                    CREATE TEMP TABLE finished ON COMMIT DROP AS
                    SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM {REFERRAL}
                    WHERE status = ANY(:final) AND NOT is_deleted
                    """
                ),
                {"final": list(FINAL)},
            )
            finished = max(1, _count(conn, "SELECT count(*) FROM finished"))
            conn.execute(
                sa.text(
                    f"""
                    INSERT INTO {REFERRAL} (tracking_id, client_id, {COPIED})
                    SELECT 'BEN-' || lpad(g.n::text, 8, '0'), c.id, {_prefixed(COPIED)}
                    FROM generate_series(1, :extra) AS g(n)
                    JOIN finished r ON r.k = (g.n::bigint * 31) % :finished
                    JOIN people c ON c.k = (g.n::bigint * 7919) % :people
                    """
                ),
                {"extra": extra, "finished": finished, "people": people},
            )
    print(f"referrals: {now:,} -> {now + extra:,} ({time.perf_counter() - step:.0f} s)")

    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
        counts = {
            "clients": _count(conn, f"SELECT count(*) FROM {CLIENT}"),
            "referrals": _count(conn, f"SELECT count(*) FROM {REFERRAL}"),
            "open": _count(
                conn, f"SELECT count(*) FROM {REFERRAL} WHERE status = ANY(:o)", o=list(OPEN)
            ),
        }
    print(
        f"{make_url(target_url).database}: {counts['clients']:,} clients, "
        f"{counts['referrals']:,} referrals, {counts['open']:,} open "
        f"(shaped in {time.perf_counter() - started:.0f} s)"
    )


def _prefixed(columns: str) -> str:
    return ", ".join(f"r.{name.strip()}" for name in columns.split(","))


def board_url(source_url: str) -> str:
    source = make_url(source_url)
    return source.set(database=f"{source.database}_board").render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source-url", default=DEFAULT_URL)
    parser.add_argument("--target-url", default=None)
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--open", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    target = args.target_url or board_url(args.source_url)
    copy_database(args.source_url, target)
    shape(target, args.clients, args.referrals, args.open, args.seed)


if __name__ == "__main__":
    main()
