"""Latency of the common reads on a generated database (run bench/seed.py first).

    PYTHONPATH=. .venv/bin/python bench/queries.py [--database-url URL] [--runs 30]

Prints p50 / p95 / max per query, with the rows each returns. Not a test: nothing is asserted.
Every query runs a few times unmeasured first, so the figures are for a warm cache.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mtkcare.clients.models import Client  # noqa: E402
from mtkcare.db import get_engine  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_bench"
PAGE = 25

# The two queries of the design document's "Query Optimization" section. The first, as written,
# returns every client joined to every contact and referral (hundreds of thousands of rows); a
# screen would show one page of it, so it is also measured with an ORDER BY and a LIMIT.
DESIGN_CLIENTS_WITH_RELATED = """
SELECT c.*, ec.*, r.*
FROM client_management_client c
LEFT JOIN client_management_clientemergencycontact ec ON c.id = ec.client_id
LEFT JOIN referral_management_referral r ON c.id = r.client_id
WHERE c.is_deleted = false
"""
DESIGN_CLIENTS_PAGE = (
    DESIGN_CLIENTS_WITH_RELATED + "ORDER BY c.last_name, c.first_name, c.id LIMIT 50"
)
DESIGN_ACTIVE_REFERRALS = """
SELECT r.*, p.name as program_name, u.first_name as staff_name
FROM referral_management_referral r
JOIN programs_program p ON r.target_program_id = p.id
LEFT JOIN users_user u ON r.assigned_staff_id = u.id
WHERE r.is_deleted = false AND r.status IN ('ACTIVE', 'PENDING')
"""

NAME_PREFIXES = ["Smi", "Ng", "Pat", "Wil", "Tau", "Tho", "Bro", "Sin", "Wan", "Mar", "Lee", "Tu"]


def measure(run: Callable[[], int], runs: int, warmup: int = 3) -> tuple[list[float], int]:
    rows = 0
    for _ in range(warmup):
        rows = run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - started) * 1000)
    return times, rows


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def benchmarks(session: Session, rng: random.Random) -> list[tuple[str, Callable[[], int], int]]:
    """(label, function returning the number of rows fetched, share of --runs)."""
    total = session.exec(select(func.count()).select_from(Client)).one()
    deep_offset = max(0, (total // 2) // PAGE * PAGE)

    def sql(text: str) -> Callable[[], int]:
        statement = sa.text(text)
        return lambda: len(session.execute(statement).all())

    def client_page(offset: int) -> Callable[[], int]:
        def run() -> int:
            session.exec(select(func.count()).select_from(Client)).one()
            page = session.exec(
                select(Client)
                .order_by(Client.last_name, Client.first_name, Client.id)  # type: ignore[arg-type]
                .offset(offset)
                .limit(PAGE)
            ).all()
            session.expunge_all()
            return len(page)

        return run

    def name_search() -> int:
        pattern = rng.choice(NAME_PREFIXES) + "%"
        cond = Client.last_name.ilike(pattern)  # type: ignore[attr-defined]
        session.exec(select(func.count()).select_from(Client).where(cond)).one()
        page = session.exec(
            select(Client)
            .where(cond)
            .order_by(Client.last_name, Client.first_name, Client.id)  # type: ignore[arg-type]
            .limit(PAGE)
        ).all()
        session.expunge_all()
        return len(page)

    found: list[tuple[str, Callable[[], int], int]] = [
        ("design query 1 + ORDER BY name LIMIT 50", sql(DESIGN_CLIENTS_PAGE), 1),
        ("design query 1 as written (all rows)", sql(DESIGN_CLIENTS_WITH_RELATED), 0),
        ("design query 2 as written (ACTIVE+PENDING)", sql(DESIGN_ACTIVE_REFERRALS), 0),
        ("client list page 1 (ORM) + count", client_page(0), 1),
        (f"client list deep page, offset {deep_offset:,} + count", client_page(deep_offset), 1),
        ("last name ILIKE 'prefix%' page + count", name_search, 1),
    ]
    try:  # the screen's own service, when present: what the client list really runs
        from mtkcare.auth.service import Principal
        from mtkcare.clients.service import list_clients
    except ImportError:
        return found
    # The system principal: it may see risk, like a team lead; the list audits each page.
    viewer = Principal.system("benchmark")

    def service(page: int) -> Callable[[], int]:
        def run() -> int:
            result = list_clients(session, viewer, page=page, page_size=PAGE)
            session.expunge_all()
            return len(result.rows)

        return run

    deep_page = deep_offset // PAGE + 1

    def service_search() -> int:
        result = list_clients(
            session, viewer, page=1, page_size=PAGE, search=rng.choice(NAME_PREFIXES)
        )
        session.expunge_all()
        return len(result.rows)

    def service_filtered(**asked: object) -> Callable[[], int]:
        # The list screen's filters: the name search (0003's name-key prefix indexes) with a
        # status, a program (EXISTS on enrolments and referrals) or another sort.
        def run() -> int:
            term = rng.choice(NAME_PREFIXES)
            result = list_clients(session, viewer, page=1, page_size=PAGE, search=term, **asked)
            session.expunge_all()
            return len(result.rows)

        return run

    program_id = session.execute(sa.text("SELECT min(id) FROM programs_program")).scalar()
    found += [
        ("clients.service.list_clients page 1", service(1), 1),
        (f"clients.service.list_clients page {deep_page:,}", service(deep_page), 1),
        ("clients.service.list_clients search 'prefix'", service_search, 1),
        (
            "list_clients search + status awaiting consent",
            service_filtered(status="awaiting_consent"),
            1,
        ),
        ("list_clients search + status in service", service_filtered(status="in_service"), 1),
        ("list_clients search, newest first", service_filtered(sort="newest"), 1),
    ]
    if program_id is not None:
        found.append(("list_clients search + program", service_filtered(program_id=program_id), 1))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    engine = get_engine(args.database_url)
    rng = random.Random(args.seed)
    with Session(engine) as session:
        clients = session.execute(sa.text("SELECT count(*) FROM client_management_client")).scalar()
        referrals = session.execute(
            sa.text("SELECT count(*) FROM referral_management_referral")
        ).scalar()
        print(
            f"\nQuery benchmark on {make_url(args.database_url).render_as_string()}: "
            f"{clients:,} clients, {referrals:,} referrals"
        )
        print(f"{'query':<52}{'runs':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'rows':>10}")
        for label, run, share in benchmarks(session, rng):
            # Queries returning whole tables are slow by design; a few runs tell enough.
            runs = args.runs if share else max(3, args.runs // 6)
            times, rows = measure(run, runs, warmup=3 if share else 1)
            print(
                f"{label:<52}{runs:>6}{statistics.median(times):>10.1f}"
                f"{percentile(times, 95):>10.1f}{max(times):>10.1f}{rows:>10,}"
            )
    engine.dispose()


if __name__ == "__main__":
    main()
