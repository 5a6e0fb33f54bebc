"""Latency and quality of duplicate detection and client look-up on a generated database.

    PYTHONPATH=. .venv/bin/python bench/duplicates.py [--database-url URL] [--queries 200]

Needs a database with clients, migrated to 0003 or later:
    PYTHONPATH=. .venv/bin/python bench/seed.py --clients 100000        (fresh, migrated)
    DATABASE_URL=<url> .venv/bin/alembic upgrade head                    (an older bench db)

`--synthetic N` first builds a second database (URL + "_synthetic") holding only N client rows
whose names, dates of birth and phone numbers are recombined from the source database's clients:
enough to time the look-ups at 1,000,000 clients in about a minute instead of the ~25 minutes
`seed.py --clients 1000000` takes (there are no referrals, documents or audit rows in it).

Queries are made from real clients of the database, the way staff re-enter someone: exactly,
with a macron dropped, a letter swapped or missing, day and month of birth swapped, a nickname,
the phone number in another format, the email in other case. For each call it prints the time
in the application (the whole function: its SQL round trips and the scoring) and the database's
own execution time of the candidate query (EXPLAIN ANALYZE), median and p95; which indexes the
plans use (the GIN trigram index must serve every name search; no sequential scan of the client
table, no GiST); and whether the person was found. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mtkcare.auth.service import Principal  # noqa: E402
from mtkcare.clients.duplicates import (  # noqa: E402
    LIKELY_SCORE,
    PHONE_MIN_DIGITS,
    find_likely_duplicates,
    first_name_forms,
    search_clients,
)
from mtkcare.db import get_engine  # noqa: E402

VIEWER = Principal.system("benchmark")

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_bench"
TABLE = "client_management_client"
NAME_INDEX = f"ix_{TABLE}_name_parts_trgm"


@dataclass
class Person:
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str | None
    email: str | None


@dataclass
class Probe:
    kind: str
    person_id: int
    kwargs: dict[str, Any]


@dataclass
class Timings:
    app_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    indexes: Counter[str] = field(default_factory=Counter)
    seq_scans: int = 0
    gist: int = 0
    plans: int = 0
    name_plans: int = 0
    name_plans_on_gin: int = 0


# --------------------------------------------------------------------------------------------
# Realistic queries


_MACRONS = {"a": "ā", "e": "ē", "i": "ī", "o": "ō", "u": "ū"}
_PLAIN = {v: k for k, v in _MACRONS.items()}


def _macron_flip(name: str, rng: random.Random) -> str:
    if any(c in _PLAIN for c in name):
        return "".join(_PLAIN.get(c, c) for c in name)
    vowels = [i for i, c in enumerate(name) if c in _MACRONS]
    if not vowels:
        return name.upper()
    i = rng.choice(vowels)
    return name[:i] + _MACRONS[name[i]] + name[i + 1 :]


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    if rng.random() < 0.5:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # two letters swapped
    return name[:i] + name[i + 1 :]  # one letter missing


def _international(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return f"+64 {digits[1:3]} {digits[3:6]} {digits[6:]}" if digits.startswith("0") else phone


def make_probes(people: list[Person], rng: random.Random) -> list[Probe]:
    kinds = ["exact", "macron", "typo", "dob swapped", "nickname", "phone", "email", "hyphen"]
    probes = []
    for n, p in enumerate(people):
        kind = kinds[n % len(kinds)]
        typed: dict[str, Any] = {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "date_of_birth": p.date_of_birth,
        }
        if kind == "exact":
            typed["phone"] = p.phone
        elif kind == "macron":
            typed["last_name"] = _macron_flip(p.last_name, rng)
        elif kind == "typo":
            typed["last_name"] = _typo(p.last_name, rng)
        elif kind == "dob swapped":
            d = p.date_of_birth
            if d.day <= 12 and d.day != d.month:
                typed["date_of_birth"] = d.replace(day=d.month, month=d.day)
            else:  # no such date: one digit of the day mistyped instead
                kind = "dob 1 digit off"
                typed["date_of_birth"] = d + timedelta(days=1 if d.day % 10 != 9 else -1)
        elif kind == "nickname":
            forms = first_name_forms(p.first_name)
            typed["first_name"] = forms[1].title() if len(forms) > 1 else p.first_name.upper()
        elif kind == "phone":
            typed = {
                "first_name": p.first_name,
                "last_name": _typo(p.last_name, rng),
                "phone": _international(p.phone) if p.phone else None,
            }
        elif kind == "email":
            typed = {
                "first_name": p.first_name[:1],
                "last_name": p.last_name,
                "email": p.email.upper() if p.email else None,
            }
        elif kind == "hyphen":
            typed["last_name"] = (
                p.last_name.replace("-", " ")
                if "-" in p.last_name
                else f"{p.last_name}-{rng.choice(people).last_name}"
            )
        probes.append(Probe(kind, p.id, typed))
    return probes


def make_search_terms(people: list[Person], rng: random.Random) -> list[tuple[str, str]]:
    terms = []
    for n, p in enumerate(people):
        shape = n % 5
        if shape == 0:
            terms.append(("surname start", p.last_name[: rng.randint(3, 6)]))
        elif shape == 1:
            terms.append(("first + surname start", f"{p.first_name} {p.last_name[:3]}"))
        elif shape == 2:
            terms.append(("full name, typo", f"{p.first_name} {_typo(p.last_name, rng)}"))
        elif shape == 3 and p.phone:
            digits = "".join(c for c in p.phone if c.isdigit())
            terms.append(("phone start", digits[: max(PHONE_MIN_DIGITS, 7)]))
        elif p.email:
            terms.append(("email start", p.email.split("@")[0] + "@"))
        else:
            terms.append(("surname start", p.last_name[:4]))
    return terms


# --------------------------------------------------------------------------------------------
# Measuring


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


class Capture:
    """The SQL a call sends, so that its plans can be looked at afterwards."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[tuple[str, Any]] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements.append((statement, params))

    def take(self) -> list[tuple[str, Any]]:
        taken, self.statements = self.statements, []
        return taken


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain(engine: sa.Engine, statements: list[tuple[str, Any]], timings: Timings) -> None:
    """Replays a call's statements in one transaction (so its transaction-local settings
    apply) with EXPLAIN ANALYZE on the client query, and records what the plan used."""
    with engine.connect() as conn, conn.begin():
        for statement, params in statements:
            if TABLE not in statement:
                conn.exec_driver_sql(statement, params)
                continue
            raw = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params
            ).scalar_one()
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            timings.db_ms.append(plan["Execution Time"] + plan["Planning Time"])
            timings.plans += 1
            nodes = list(_walk(plan["Plan"]))
            used = {n["Index Name"] for n in nodes if "Index Name" in n}
            timings.indexes.update(used)
            timings.seq_scans += sum(
                n["Node Type"] == "Seq Scan" and n.get("Relation Name") == TABLE for n in nodes
            )
            timings.gist += any("gist" in name.lower() for name in used)
            if " %% " in statement or " %%> " in statement:
                timings.name_plans += 1
                timings.name_plans_on_gin += NAME_INDEX in used
        conn.rollback()


def run(
    engine: sa.Engine,
    capture: Capture,
    calls: list[Callable[[Session], Any]],
    warmup: int = 20,
) -> tuple[Timings, list[Any]]:
    timings = Timings()
    results = []
    for call in calls[:warmup]:
        with Session(engine) as session:
            call(session)
            session.rollback()
    for call in calls:
        capture.take()
        # One call per transaction, like one request of the intake wizard.
        with Session(engine) as session:
            started = time.perf_counter()
            results.append(call(session))
            timings.app_ms.append((time.perf_counter() - started) * 1000)
            session.rollback()
        explain(engine, capture.take(), timings)
    return timings, results


def report(label: str, t: Timings) -> None:
    print(
        f"{label:<26}{len(t.app_ms):>6}"
        f"{statistics.median(t.app_ms):>9.1f}{percentile(t.app_ms, 95):>9.1f}"
        f"{max(t.app_ms):>9.1f}"
        f"{statistics.median(t.db_ms):>9.1f}{percentile(t.db_ms, 95):>9.1f}"
    )


def report_plans(label: str, t: Timings) -> None:
    print(f"\n{label}: {t.plans} plans")
    print(
        f"  name searches served by {NAME_INDEX}: {t.name_plans_on_gin} of {t.name_plans}; "
        f"sequential scans of {TABLE}: {t.seq_scans}; plans using a GiST index: {t.gist}"
    )
    for name, count in t.indexes.most_common():
        print(f"  {count:>5}  {name}")


# --------------------------------------------------------------------------------------------
# A bigger client table without the hour of full generation


def source_people(engine: sa.Engine) -> list[Any]:
    """The live clients whose names, dates of birth and places synthetic clients mix."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    f"SELECT first_name, last_name, preferred_name, date_of_birth, gender, "
                    f"phone, email, suburb, city FROM {TABLE} WHERE NOT is_deleted"
                )
            ).all()
        )


def write_synthetic_clients(
    target: sa.Engine, rows: list[Any], clients: int, rng: random.Random, start: int = 0
) -> None:
    """COPY ``clients`` synthetic clients into ``target``: each one combines the first name of
    one real client, the surname of another and the date of birth of a third (moved by up to
    180 days); 85% have a mobile number, 60% an email, 1% are soft-deleted."""
    columns = (
        "first_name, last_name, preferred_name, date_of_birth, gender, phone, email, suburb, "
        "city, interpreter_required, is_deleted, created_at, updated_at"
    )
    with target.begin() as conn:
        driver = conn.connection.driver_connection
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy,
        ):
            for n in range(start, start + clients):
                first = rng.choice(rows)
                last = rng.choice(rows)
                when = rng.choice(rows)
                dob = when.date_of_birth + timedelta(days=rng.randint(-180, 180))
                phone = f"02{rng.choice('1279')} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
                copy.write_row(
                    (
                        first.first_name,
                        last.last_name,
                        None,
                        dob,
                        first.gender,
                        phone if rng.random() < 0.85 else None,
                        f"{first.first_name}.{last.last_name}{n}@example.org".lower()
                        if rng.random() < 0.6
                        else None,
                        when.suburb,
                        when.city,
                        False,
                        n % 100 == 0,
                        "2024-01-01T00:00:00+00:00",
                        "2024-01-01T00:00:00+00:00",
                    )
                )


def build_synthetic(source_url: str, target_url: str, clients: int, seed_value: int) -> None:
    from bench.seed import migrate, recreate_database

    started = time.perf_counter()
    recreate_database(target_url)
    migrate(target_url)
    rows = source_people(get_engine(source_url))
    target = get_engine(target_url)
    write_synthetic_clients(target, rows, clients, random.Random(seed_value))
    with target.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f"VACUUM ANALYZE {TABLE}"))
    print(
        f"built {clients:,} synthetic clients in {make_url(target_url).database} "
        f"in {time.perf_counter() - started:.0f} s"
    )


# --------------------------------------------------------------------------------------------


def load_people(engine: sa.Engine, count: int, seed_value: int) -> list[Person]:
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.setseed(seed_value / 1000)))
        rows = conn.execute(
            sa.text(
                f"SELECT id, first_name, last_name, date_of_birth, phone, email FROM {TABLE} "
                f"WHERE NOT is_deleted ORDER BY random() LIMIT :n"
            ),
            {"n": count},
        ).all()
    return [Person(*r) for r in rows]


def check_database(engine: sa.Engine, url: str) -> int | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(TABLE):
            clients = 0
        else:
            clients = conn.execute(sa.text(f"SELECT count(*) FROM {TABLE}")).scalar_one()
        revision = (
            conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            if sa.inspect(conn).has_table("alembic_version")
            else None
        )
    if not clients:
        print(
            f"{url} has no clients. Create it with\n"
            f"  PYTHONPATH=. .venv/bin/python bench/seed.py --clients 100000 --database-url {url}"
        )
        return None
    if revision is None or revision < "0003":
        print(
            f"{url} is at revision {revision}; the search indexes come with 0003:\n"
            f"  DATABASE_URL={url} .venv/bin/alembic upgrade head"
        )
        return None
    return int(clients)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--synthetic", type=int, default=0, help="first build URL_synthetic with N clients"
    )
    args = parser.parse_args(argv)

    url = args.database_url
    if args.synthetic:
        target = make_url(url)
        target_url = target.set(database=f"{target.database}_synthetic").render_as_string(
            hide_password=False
        )
        build_synthetic(url, target_url, args.synthetic, args.seed)
        url = target_url

    engine = get_engine(url)
    clients = check_database(engine, url)
    if clients is None:
        raise SystemExit(1)
    rng = random.Random(args.seed)
    people = load_people(engine, args.queries, args.seed)
    probes = make_probes(people, rng)
    terms = make_search_terms(people, rng)
    capture = Capture(engine)

    def finder(probe: Probe) -> Callable[[Session], Any]:
        return lambda session: find_likely_duplicates(session, VIEWER, **probe.kwargs)

    def searcher(term: str) -> Callable[[Session], Any]:
        return lambda session: search_clients(session, VIEWER, term)

    find_t, found = run(engine, capture, [finder(p) for p in probes])
    search_t, searched = run(engine, capture, [searcher(t) for _, t in terms])

    print(
        f"\nDuplicate look-up benchmark on {make_url(url).render_as_string()}: {clients:,} "
        f"clients, {len(probes)} queries each"
    )
    print(f"{'call':<26}{'calls':>6}{'app p50':>9}{'p95':>9}{'max':>9}{'db p50':>9}{'p95':>9}")
    report("find_likely_duplicates", find_t)
    report("search_clients", search_t)
    print("(ms; app = the whole function call, db = planning + execution of its client query)")

    # Quality: was the person the query was made from found, first, and as likely?
    by_kind: dict[str, list[tuple[bool, bool, bool, int]]] = defaultdict(list)
    for probe, candidates in zip(probes, found, strict=True):
        ids = [c.client_id for c in candidates]
        hit = probe.person_id in ids
        first = bool(ids) and ids[0] == probe.person_id
        likely = hit and candidates[ids.index(probe.person_id)].score >= LIKELY_SCORE
        others = sum(c.likely for c in candidates if c.client_id != probe.person_id)
        by_kind[probe.kind].append((hit, first, likely, others))
    print(
        f"\n{'query made by':<16}{'n':>5}{'found':>8}{'first':>8}{'likely':>8}{'others likely':>15}"
    )
    for kind, rows in by_kind.items():
        n = len(rows)
        print(
            f"{kind:<16}{n:>5}{sum(r[0] for r in rows) / n:>8.0%}{sum(r[1] for r in rows) / n:>8.0%}"
            f"{sum(r[2] for r in rows) / n:>8.0%}{sum(r[3] for r in rows):>15}"
        )
    search_hits: dict[str, list[int]] = defaultdict(list)
    for (shape, _), person, results in zip(terms, people, searched, strict=True):
        search_hits[shape].append(person.id in [c.client_id for c in results])
    print(f"\n{'look-up typed':<24}{'n':>5}{'person in the 25 shown':>24}")
    for shape, hits in search_hits.items():
        print(f"{shape:<24}{len(hits):>5}{sum(hits) / len(hits):>24.0%}")

    report_plans("find_likely_duplicates", find_t)
    report_plans("search_clients", search_t)
    engine.dispose()


if __name__ == "__main__":
    main()
