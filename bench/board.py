"""The referrals board on a generated database (run bench/seed.py first): how long the server
takes to build a board, how big a board is in a tab's state, and how long a move takes.

    PYTHONPATH=. .venv/bin/python bench/board.py [--database-url URL] [--runs 30]

Prints p50 / p95 / max. Not a test: nothing is asserted. Moves run in transactions that are
rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

from sqlmodel import Session, col, func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queries import DEFAULT_URL, measure, percentile  # noqa: E402
from mtkcare.auth.service import Principal, principal_of  # noqa: E402
from mtkcare.db import get_engine  # noqa: E402
from mtkcare.programs.models import ProgramTeamMember  # noqa: E402
from mtkcare.referrals.board import BoardFilters, read_board  # noqa: E402
from mtkcare.referrals.models import Referral  # noqa: E402
from mtkcare.referrals.moves import move_referral  # noqa: E402
from mtkcare.referrals.workflow import OPEN_STATUSES  # noqa: E402
from mtkcare.users.models import User  # noqa: E402

OPEN = [s.value for s in OPEN_STATUSES]


def _lead(session: Session) -> Principal:
    """The team lead leading the most programs (the demo team lead leads them all)."""
    user_id = session.exec(
        select(ProgramTeamMember.user_id)
        .where(ProgramTeamMember.role == "LEAD")
        .group_by(col(ProgramTeamMember.user_id))
        .order_by(func.count().desc())
    ).first()
    user = session.get(User, user_id)
    assert user is not None, "no team lead: seed the database first"
    return principal_of(session, user)


def _line(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"{label:<48} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
        f"  max {max(times):7.1f} ms  {extra}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    engine = get_engine(args.database_url)
    rng = random.Random(7)

    with Session(engine) as session:
        referrals = session.exec(select(func.count()).select_from(Referral)).one()
        open_count = session.exec(
            select(func.count()).select_from(Referral).where(col(Referral.status).in_(OPEN))
        ).one()
        everyone = Principal.system("benchmark: every program")
        lead = _lead(session)
        print(f"referrals: {referrals:,}, open: {open_count:,}")

        def build(who: Principal, filters: BoardFilters) -> int:
            # Its own unit of work, as each board view is (no identity map carried over).
            with Session(engine) as each:
                board = read_board(each, who, filters, audit=False)
                return sum(len(c.cards) for c in board.columns)

        for label, who, filters in (
            ("board, every program (view-all)", everyone, BoardFilters()),
            ("board, the team lead's programs", lead, BoardFilters()),
            ("board, searched by client name", everyone, BoardFilters(q="smith")),
            ("board, with closed (last 30 days)", everyone, BoardFilters(show_closed=True)),
        ):
            times, cards = measure(lambda w=who, f=filters: build(w, f), args.runs)
            _line(f"build {label}", times, f"{cards} cards")
        session.rollback()

        board = read_board(session, everyone, BoardFilters(), audit=False)
        columns = [asdict(c) for c in board.columns]
        as_json = len(json.dumps(columns, default=str).encode())
        as_pickle = len(pickle.dumps(board.columns))
        print(
            f"board state for one tab: {as_json / 1024:.0f} KiB as JSON to the browser, "
            f"{as_pickle / 1024:.0f} KiB pickled on the server ({board.total:,} open referrals)"
        )
        session.rollback()

    # Moves: withdraw then reopen random open referrals, each in its own rolled-back
    # transaction (the move service's row lock, version check, guards and history row).
    with Session(engine) as session:
        ids = list(
            session.exec(
                select(Referral.id).where(col(Referral.status).in_(OPEN)).limit(2000)
            ).all()
        )
    times: list[float] = []
    for _ in range(args.runs * 3):
        referral_id = rng.choice(ids)
        with Session(engine) as session:
            version = session.exec(select(Referral.version).where(Referral.id == referral_id)).one()
            started = time.perf_counter()
            move_referral(
                session, Principal.system("benchmark"), referral_id, "WITHDRAWN",  # type: ignore[arg-type]
                expected_version=version, withdrawn_by="CLIENT", reason="benchmark",
            )  # fmt: skip
            session.flush()
            times.append((time.perf_counter() - started) * 1000)
            session.rollback()
    _line("move a referral (service, one transaction)", times[3:])
    engine.dispose()


if __name__ == "__main__":
    main()
