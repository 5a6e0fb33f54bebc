"""The partner API's submission, in process: CPU and statements per referral, without HTTP.

    PYTHONPATH=. .venv/bin/python bench/api_submit_cpu.py [--database-url URL] [--count 2000] \
        [--existing 0.2]

Where ``bench/api_intake.py`` measures the whole server, this one looks inside a submission:
it calls what ``POST /api/v1/referrals/`` calls on its worker threads (the key's check and
the rate limit's count, then
``_submit``: validation, the client look-up or creation, the referral and its history, notice,
duplicate-check job and audit rows, in one transaction), one after another on one connection
pool, with bodies made as ``api_intake`` makes them (same generator, same share of existing
clients). It prints this process's CPU per submission, the wall time per submission (the
difference is time spent waiting for PostgreSQL), and the SQL statements per submission, by
kind. Use it to see what a change to the write path costs before running the server bench.
Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api_intake import DEFAULT_URL, _bodies, _key, fresh_copy  # noqa: E402


def _kind(statement: str) -> str:
    words = statement.lstrip().split(None, 3)
    head = words[0].upper() if words else "?"
    if head in ("INSERT", "UPDATE", "DELETE") and len(words) > 2:
        table = words[2] if head != "UPDATE" else words[1]
        return f"{head} {table}"
    if head == "SELECT" and "pg_advisory_xact_lock" in statement:
        return "SELECT pg_advisory_xact_lock"
    if head == "SELECT":
        outer = statement  # the statement's own FROM: subqueries (in brackets) taken out
        while (inner := re.sub(r"\([^()]*\)", "", outer)) != outer:
            outer = inner
        found = re.search(r"\bFROM\s+([\w.]+)", outer, re.IGNORECASE)
        return f"SELECT … FROM {found.group(1)}" if found else "SELECT (no table)"
    return head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--existing", type=float, default=0.2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--in-place", action="store_true", help="as api_intake's")
    args = parser.parse_args()
    if not args.in_place:  # as api_intake: a fresh copy of the seeded database
        args.database_url = fresh_copy(args.database_url)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("MTKCARE_API_RATE_LIMIT", "100000000")
    # As api_intake runs the server: the rate limit's counts and the jobs' hand-over in Redis.
    os.environ.setdefault("REDIS_URL", args.redis_url)
    from mtkcare.api import referrals as api
    from mtkcare.db import get_engine
    from mtkcare.settings import get_settings

    get_settings.cache_clear()
    key = _key(args.database_url)
    bodies = _bodies(args.database_url, args.count + args.warmup, args.existing, args.seed)
    authorization = f"Bearer {key}"

    statements: Counter[str] = Counter()
    counting = False

    @event.listens_for(get_engine(), "before_cursor_execute")
    def _count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if counting:
            statements[_kind(statement)] += 1

    def submit(body: bytes) -> int:
        caller, answer = api._admit_then(
            authorization,
            lambda session, caller: api._submit(session, caller, body, None),
            True,
        )
        assert caller.ok, caller
        return answer.status_code

    for body in bodies[: args.warmup]:
        submit(body)
    counting = True
    statuses: Counter[int] = Counter()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for body in bodies[args.warmup :]:
        statuses[submit(body)] += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = args.count
    print(f"submissions: {n}  answers: {dict(statuses)}")
    print(f"CPU per submission:  {cpu / n * 1000:.2f} ms (this process)")
    print(f"wall per submission: {wall / n * 1000:.2f} ms (one at a time)")
    total = sum(statements.values())
    print(f"statements per submission: {total / n:.2f} (BEGIN/COMMIT are not statements here)")
    for kind, count in statements.most_common():
        print(f"  {count / n:5.2f}  {kind}")
    sa.create_engine(args.database_url).dispose()


if __name__ == "__main__":
    main()
