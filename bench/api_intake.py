"""Sustained partner-API intake: ``POST /api/v1/referrals/`` through the real HTTP server on
PostgreSQL, from concurrent clients, for a fixed time.

    PYTHONPATH=. .venv/bin/python bench/api_intake.py [--database-url URL] [--seconds 30] \
        [--clients 20] [--workers 3] [--existing 0.2] [--in-place]

The database (default ``mtkcare_bench``, made by ``bench/seed.py``: 100,000 clients) is copied
first (``fresh_copy``: ``mtkcare_bench_run``), and the run adds its referrals (and their new
clients) to the copy, under an organisation "Bench partner" that the CLI's ``issue-api-key``
creates and gives a key. Every run so starts from the same rows (``--in-place`` uses the
seeded database itself, and leaves the run's rows in it).

The server is the backend as ``reflex run --env prod`` serves it: granian, ``--workers``
worker processes (three on two cores: each runs the partner API on one thread,
``mtkcare/api/lane.py``, so a process waiting for PostgreSQL leaves its core to another), the app's Reflex state in Redis (``REDIS_URL``, which production needs for
more than one worker, and which then also holds the partner API's rate-limit counters), the
organisation's rate limit set out of the way.

The load generator is this process: ``--clients`` connections (HTTP/1.1 keep-alive, raw
asyncio streams, so the generator costs little CPU), each sending its next request as soon as
the previous answer is read. The bodies are made before the clock starts: realistic names
(Faker, several locales), a service type and language code from the reference tables, and a
share (``--existing``) of clients who are already on file (the exact-match link), the rest
new. After a warm-up of ``--warmup`` seconds, for ``--seconds`` seconds, it counts answers by
status and records each one's latency (request written → answer read). It prints
referrals/s, p50/p95/p99/max latency, the errors, the server's CPU per request (all its
processes, from psutil), PostgreSQL's (its server processes on this machine; connections
opened during the run are not counted), the generator's own CPU share, so a starved server
would show, and the whole machine's CPU per request (everything above plus Redis and the
kernel's networking): once the cores are full, that figure sets the rate.
Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psutil
import sqlalchemy as sa
from reflex_base.environment import environment
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queries import percentile  # noqa: E402
from mtkcare import dates  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_bench"
PATH = "/api/v1/referrals/"
ORGANISATION = "Bench partner"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_copy(url: str) -> str:
    """A copy of the seeded database (``<name>_run``, made again each time with ``CREATE
    DATABASE … TEMPLATE``), so every run starts from the same rows and the seeded database
    does not grow from run to run (more clients per birthday would make the exact-match
    look-up, and so the figures, drift). Its URL."""
    seeded = make_url(url)
    copy = seeded.set(database=f"{seeded.database}_run")
    admin = sa.create_engine(seeded.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy.database}" WITH (FORCE)'))
        # Copied as files (PostgreSQL 15's default would write the whole copy to the WAL, and
        # the checkpoints that forces would fall in the measured seconds), then a checkpoint,
        # so every run starts with the same WAL state.
        version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
        strategy = " STRATEGY FILE_COPY" if int(version) >= 150000 else ""
        conn.execute(
            sa.text(f'CREATE DATABASE "{copy.database}" TEMPLATE "{seeded.database}"{strategy}')
        )
        conn.execute(sa.text("CHECKPOINT"))
    admin.dispose()
    return copy.render_as_string(hide_password=False)


def _key(url: str) -> str:
    """A new key of the bench organisation (created on first use), as the CLI issues it."""
    out = subprocess.run(
        [sys.executable, "-m", "mtkcare", "issue-api-key", ORGANISATION],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _bodies(url: str, count: int, existing: float, seed: int) -> list[bytes]:
    from faker import Faker

    fake = Faker(["en_GB", "en_US", "es_ES", "fr_FR", "pl_PL", "vi_VN"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        services = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT code FROM reference_servicetype WHERE is_active ORDER BY code")
            )
        ]
        languages = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT code FROM reference_language WHERE is_active ORDER BY code")
            )
        ]
        known = conn.execute(
            sa.text(
                "SELECT first_name, last_name, date_of_birth FROM client_management_client "
                "WHERE NOT is_deleted ORDER BY random() LIMIT :n"
            ),
            {"n": max(1, int(count * existing))},
        ).all()
    engine.dispose()
    today = dates.today()  # the organisation's day, as the API's date checks use
    bodies = []
    for i in range(count):
        if rng.random() < existing and known:
            first, last, born = rng.choice(known)
        else:
            first, last = fake.first_name(), fake.last_name()
            born = today - timedelta(days=rng.randint(365 * 2, 365 * 90))
        body = {
            "client": {
                "first_name": first,
                "last_name": last,
                "date_of_birth": born.isoformat(),
                "phone": f"07{rng.randint(100000000, 999999999)}",
                "primary_language": rng.choice(languages),
            },
            "referral": {
                "referral_date": (today - timedelta(days=rng.randint(0, 10))).isoformat(),
                "service_type": rng.choice(services),
                "reason": fake.sentence(nb_words=14),
                "priority": rng.choice(["LOW", "NORMAL", "NORMAL", "HIGH", "URGENT"]),
                "external_reference": f"BENCH-{seed}-{i}",
            },
        }
        bodies.append(json.dumps(body).encode())
    return bodies


class Results:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.failures: Counter[str] = Counter()
        self.counting = False


async def _client(
    port: int, key: str, bodies: list[bytes], start: int, step: int, results: Results,
    stop_at: float,
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
    ).encode()
    i = start
    while time.perf_counter() < stop_at:
        body = bodies[i % len(bodies)]
        i += step
        sent = time.perf_counter()
        writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        try:
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if results.counting:
                results.failures[type(exc).__name__] += 1
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        took = time.perf_counter() - sent
        if results.counting:
            results.statuses[int(status_line.split()[1])] += 1
            results.latencies.append(took)
    writer.close()


def _cpu(processes: list[psutil.Process]) -> float:
    """CPU seconds the processes have used (those that ended meanwhile count as nothing)."""
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _load(port: int, key: str, bodies: list[bytes], clients: int, warmup: float,
                seconds: float, server: psutil.Process) -> dict[str, float | str]:  # fmt: skip
    results = Results()
    stop_at = time.perf_counter() + warmup + seconds
    tasks = [
        asyncio.create_task(_client(port, key, bodies, n, clients, results, stop_at))
        for n in range(clients)
    ]
    await asyncio.sleep(warmup)
    procs = [server, *server.children(recursive=True)]
    database = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    cpu_before = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    db_before = _cpu(database)
    own_before = time.process_time()
    machine_before = psutil.cpu_times()
    results.counting = True
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    results.counting = False
    elapsed = time.perf_counter() - began
    own = time.process_time() - own_before
    machine_after = psutil.cpu_times()
    busy = sum(machine_after) - sum(machine_before)
    busy -= (machine_after.idle - machine_before.idle) + (
        machine_after.iowait - machine_before.iowait
    )
    cpu = sum(p.cpu_times().user + p.cpu_times().system for p in procs) - cpu_before
    db_cpu = _cpu(database) - db_before
    await asyncio.gather(*tasks)
    done = results.statuses.get(201, 0)
    lat = sorted(results.latencies)
    return {
        "referrals/s": done / elapsed,
        "answers": len(lat),
        "p50 ms": percentile(lat, 50) * 1000,
        "p95 ms": percentile(lat, 95) * 1000,
        "p99 ms": percentile(lat, 99) * 1000,
        "max ms": lat[-1] * 1000 if lat else 0.0,
        "statuses": dict(results.statuses),  # type: ignore[dict-item]
        "failures": dict(results.failures),  # type: ignore[dict-item]
        "server CPU ms/request": cpu / max(1, len(lat)) * 1000,
        "server CPU cores busy": cpu / elapsed,
        "PostgreSQL CPU ms/request": db_cpu / max(1, len(lat)) * 1000,
        "generator CPU share of a core": own / elapsed,
        # Everything the machine did (server, PostgreSQL, Redis, the kernel's networking, this
        # generator), per answer: what decides the rate once the cores are full.
        "machine CPU ms/request": busy / max(1, len(lat)) * 1000,
        "machine cores busy": busy / elapsed,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--existing", type=float, default=0.2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run on the seeded database itself, not on a fresh copy of it (the run's "
        "referrals and clients stay in it)",
    )
    args = parser.parse_args(argv)
    if not args.in_place:
        args.database_url = fresh_copy(args.database_url)

    engine = sa.create_engine(args.database_url)
    with engine.connect() as conn:
        clients_before = conn.execute(
            sa.text("SELECT count(*) FROM client_management_client")
        ).scalar_one()
    engine.dispose()
    key = _key(args.database_url)
    # Enough distinct bodies that no two requests of the run send the same person twice.
    bodies = _bodies(args.database_url, 40_000, args.existing, args.seed)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "MTKCARE_ENV": "test",
        "MTKCARE_API_RATE_LIMIT": "100000000",
        "PYTHONPATH": str(ROOT),
        "GRANIAN_WORKERS": str(args.workers),
        # As `reflex run --env prod` starts its backend: the workers do not compile the pages
        # (several workers compiling at once can leave .web/bun.lock empty, and then no
        # backend starts until it is restored). Reflex's own name for the setting: it is an
        # internal one, spelt with a prefix.
        environment.REFLEX_SKIP_COMPILE.name: "true",
    }
    log = Path("/tmp/mtkcare_bench_api_intake.log")
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
                "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(args.workers), "--log-level", "warning",
                "mtkcare.mtkcare:app",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "server did not start"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in s.recv(100):
                        break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # every worker up
        figures = asyncio.run(
            _load(port, key, bodies, args.clients, args.warmup, args.seconds,
                  psutil.Process(server.pid))
        )  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(
        f"Partner API intake: {args.clients} clients, {args.workers} granian workers, "
        f"{args.seconds:.0f} s after {args.warmup:.0f} s warm-up, "
        f"{clients_before:,} clients in the database"
    )
    for name, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else value
        print(f"  {name:32} {shown}")


if __name__ == "__main__":
    main()
