"""Document uploads and downloads through the backend's own HTTP routes (``POST /files/upload``,
``GET /files/{id}``), the store job in between, and the backend's memory while big files pass.

    PYTHONPATH=. .venv/bin/python bench/documents_upload.py [--database-url URL] \
        [--small-runs 20] [--big-runs 6] [--no-sharepoint] [--keep-database]

The database named in the URL (default ``mtkcare_bench_docs``) is dropped, created, migrated
(``manage.migrate``: schema, roles, reference data), given one signed-in Case worker and one
client, and dropped again at the end unless ``--keep-database``. The real backend runs in its
own process (uvicorn, as the tests serve it) with its documents, uploads and job queue in a
temporary folder. For each store (the local folder, then SharePoint: the local SharePoint and
Entra token fakes in this process, the backend signing in with a throw-away certificate):

- uploads of 1 MB and 20 MB PDF-like files (``%PDF-1.7`` then random bytes), one request each,
  timed until the 202;
- the ``documents.store`` jobs they queued, run here one at a time as Huey's consumer would
  (``dequeue`` + ``execute``), each timed;
- downloads of every stored file, timed to the first byte and to the last.

The backend's resident memory (``VmRSS`` of its /proc status, sampled every 10 ms in a thread)
is reported per phase as the peak growth over its level just before the phase: a route that
streams grows by about its chunk size, one that held a file by the file's size. So is the
backend's CPU time per phase (every thread, from /proc/<pid>/stat), which a busy machine
disturbs less than the wall-clock times. Prints p50 / p95 / max and MB/s at the median. Not a
test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queries import percentile  # noqa: E402
from bench.seed import recreate_database  # noqa: E402
from tests.support.web import backend_process  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_bench_docs"
ORIGIN = "http://localhost:3000"  # one of the test environment's own origins
PASSWORD = "bench-documents-correct-horse"
MB = 1_000_000
PDF_HEAD = b"%PDF-1.7\n"


# --- the backend and its environment -----------------------------------------------------


def store_environment(folder: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The settings the backend and this process's store jobs share (``MTKCARE_...``)."""
    return {
        "DATABASE_URL": database_url,
        "MTKCARE_ENV": "test",
        "MTKCARE_DOCUMENTS_PATH": str(folder / "documents"),
        "MTKCARE_UPLOADS_PATH": str(folder / "uploads"),
        "MTKCARE_JOBS_PATH": str(folder / "jobs.db"),
        "MTKCARE_DOCUMENT_MAX_BYTES": str(64 * 1024 * 1024),
        "MTKCARE_JOB_RETRY_BASE_SECONDS": "0.1",
        "MTKCARE_JOB_RETRY_CAP_SECONDS": "0.4",
        **extra,
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """This process's settings (for the store jobs) set to ``values`` while it lasts."""
    from mtkcare.settings import get_settings

    saved = {name: os.environ.get(name) for name in [*values, "REDIS_URL"]}
    os.environ.pop("REDIS_URL", None)
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


# --- the people --------------------------------------------------------------------------


def prepare(database_url: str) -> tuple[str, int]:
    """A fresh migrated database with one Case worker (username) and one client (id)."""
    from sqlmodel import select

    from mtkcare.auth.passwords import hash_password
    from mtkcare.auth.service import Principal
    from mtkcare.clients.service import create_client
    from mtkcare.db import session_scope
    from mtkcare.manage import migrate
    from mtkcare.reference.service import option_id_by_code
    from mtkcare.users.models import Role, User, UserProfile, UserRole

    recreate_database(database_url)
    migrate(database_url)
    username = f"bench-docs-{uuid.uuid4().hex[:6]}"
    with session_scope(url=database_url) as db:
        user = User(
            username=username,
            email=f"{username}@example.org",
            first_name="Bench",
            last_name="Uploader",
            password_hash=hash_password(PASSWORD),
            is_active=True,
        )
        db.add(user)
        db.flush()
        db.add(UserProfile(user_id=user.id))  # type: ignore[arg-type]
        role_id = db.exec(select(Role.id).where(Role.name == "Case worker")).one()
        db.add(UserRole(user_id=user.id, role_id=role_id))  # type: ignore[arg-type]
        client = create_client(
            db,
            Principal.system("benchmark set-up"),
            first_name="Aroha",
            last_name="Benchdocs",
            date_of_birth=date(1988, 4, 12),
            primary_language_id=option_id_by_code(db, "language", "en"),
        )
        client_id = client.id
    assert client_id is not None
    return username, client_id


def signed_in(base: str, username: str) -> httpx.Client:
    """An HTTP client carrying the Case worker's session cookie and our page's Origin."""
    from mtkcare.settings import get_settings

    answer = httpx.post(
        f"{base}/auth/login",
        data={"username": username, "password": PASSWORD, "next": "/clients"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
        timeout=30,
    )
    name = get_settings().session_cookie_name
    token = answer.cookies.get(name)
    if not token:
        raise SystemExit(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
    return httpx.Client(
        base_url=base, cookies={name: token}, headers={"Origin": ORIGIN}, timeout=120
    )


# --- memory and CPU ----------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (every thread) so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    """The backend's resident set (KiB) and CPU time (s) around one phase."""

    before: int = 0
    peak: int = 0
    after: int = 0
    cpu: float = 0.0

    def line(self, label: str, moved: int) -> str:
        peak = round((self.peak - self.before) / 1024, 1) + 0.0  # never "-0.0"
        after = round((self.after - self.before) / 1024, 1) + 0.0
        return (
            f"{label:<48} RSS {self.before / 1024:6.1f} MiB,"
            f" peak {peak:+5.1f} MiB, after {after:+5.1f} MiB;"
            f" CPU {self.cpu * 1000:5.0f} ms ({self.cpu * 1000 / (moved / MB):4.1f} ms/MB)"
        )


@contextlib.contextmanager
def sampled(pid: int) -> Iterator[Usage]:
    """Samples ``pid``'s VmRSS every 10 ms while it lasts, and its CPU time."""
    seen = Usage(before=rss_kib(pid))
    seen.peak = seen.before
    cpu_before = cpu_seconds(pid)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen.peak = max(seen.peak, rss_kib(pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()
        seen.after = rss_kib(pid)
        seen.peak = max(seen.peak, seen.after)
        seen.cpu = cpu_seconds(pid) - cpu_before


# --- the three steps ---------------------------------------------------------------------


def pdf_like(size: int) -> bytes:
    return PDF_HEAD + os.urandom(size - len(PDF_HEAD))


def upload(http: httpx.Client, body: bytes, client_id: int, file_name: str) -> int:
    details = {"client_id": client_id, "document_type": "OTHER", "file_name": file_name}
    answer = http.post(
        "/files/upload",
        content=body,
        headers={
            "Content-Type": "application/octet-stream",
            "X-Upload": quote(json.dumps(details)),
        },
    )
    if answer.status_code != 202:
        raise SystemExit(f"upload refused: {answer.status_code} {answer.text[:300]}")
    return int(answer.json()["id"])


def run_store_jobs(timeout: float = 120.0) -> list[float]:
    """Every queued job run here, one at a time (as the consumer does); seconds each."""
    from mtkcare.jobs.queue import get_huey

    huey = get_huey()
    times: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for due in huey.read_schedule():  # a retry's time has come
            huey.enqueue(due)
        task = huey.dequeue()
        if task is None:
            if huey.pending_count() == 0 and huey.scheduled_count() == 0:
                return times
            time.sleep(0.02)
            continue
        started = time.perf_counter()
        huey.execute(task)
        times.append(time.perf_counter() - started)
    raise SystemExit(f"store jobs still pending after {timeout:.0f} s")


def statuses(database_url: str, ids: list[int]) -> dict[str, int]:
    from sqlmodel import col, func, select

    from mtkcare.db import session_scope
    from mtkcare.documents.models import Document

    with session_scope(url=database_url) as db:
        rows = db.exec(
            select(Document.status, func.count())
            .where(col(Document.id).in_(ids))
            .group_by(col(Document.status))
        ).all()
    return {status: count for status, count in rows}


def download(http: httpx.Client, document_id: int) -> tuple[float, float, int]:
    """(seconds to the first byte, seconds to the last, bytes)."""
    started = time.perf_counter()
    first = 0.0
    got = 0
    with http.stream("GET", f"/files/{document_id}") as answer:
        if answer.status_code != 200:
            raise SystemExit(f"download refused: {answer.status_code} {answer.read()[:300]!r}")
        for chunk in answer.iter_raw():
            if not got:
                first = time.perf_counter() - started
            got += len(chunk)
    return first, time.perf_counter() - started, got


def line(label: str, size: int, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<48} {size / MB / percentile(seconds, 50):7.1f} MB/s"
        f"  p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms"
        f"  max {max(ms):7.1f} ms  ({len(ms)} runs)"
    )


@dataclass
class Sizes:
    runs: dict[str, int]
    bodies: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.runs:
            self.bodies[name] = pdf_like(int(name.split()[0]) * MB)


def bench_store(
    label: str,
    settings: dict[str, str],
    folder: Path,
    database_url: str,
    username: str,
    client_id: int,
    sizes: Sizes,
) -> None:
    quick = {"MTKCARE_AUTH_RATE_LIMIT": "1000000", "MTKCARE_SIGNIN_SLOW_AFTER": "1000000"}
    with (
        backend_process(database_url, folder / "backend.log", **quick, **settings) as (base, proc),
        environment(settings),
    ):
        pid = proc.pid
        started_rss = rss_kib(pid)
        http = signed_in(base, username)
        with http:
            # Warm: the first upload, store and download of the process (imports, pools).
            warm = upload(http, sizes.bodies["1 MB"], client_id, "warm-up.pdf")
            run_store_jobs()
            download(http, warm)
            print(
                f"{label}: backend RSS {started_rss / 1024:.1f} MiB at start, "
                f"{rss_kib(pid) / 1024:.1f} MiB after one upload, store and download"
            )
            for name, runs in sizes.runs.items():
                body = sizes.bodies[name]
                ids: list[int] = []
                times: list[float] = []
                with sampled(pid) as uploading:
                    for n in range(runs):
                        begun = time.perf_counter()
                        ids.append(upload(http, body, client_id, f"bench-{name[:-3]}mb-{n}.pdf"))
                        times.append(time.perf_counter() - begun)
                print(line(f"{label}: upload {name} (until the 202)", len(body), times))
                stored = run_store_jobs()
                print(line(f"{label}: store job {name}", len(body), stored))
                found = statuses(database_url, ids)
                if found != {"AVAILABLE": runs}:
                    print(f"{label}: {name} documents after the jobs: {found}")
                firsts: list[float] = []
                lasts: list[float] = []
                with sampled(pid) as downloading:
                    for document_id in ids:
                        first, last, got = download(http, document_id)
                        if got != len(body):
                            print(f"{label}: document {document_id} came back {got:,} bytes")
                        firsts.append(first)
                        lasts.append(last)
                print(line(f"{label}: download {name} (last byte)", len(body), lasts))
                ttfb = [s * 1000 for s in firsts]
                print(
                    f"{'':<48} {'':>12}  first byte p50 {percentile(ttfb, 50):7.1f} ms"
                    f"  p95 {percentile(ttfb, 95):7.1f} ms"
                )
                moved = runs * len(body)
                print(uploading.line(f"{label}: backend, {runs} uploads of {name}", moved))
                print(downloading.line(f"{label}: backend, {runs} downloads of {name}", moved))
        left = [p for p in (folder / "uploads").rglob("*") if p.is_file()]
        if left:
            print(f"{label}: {len(left)} files left in the upload folder")


@contextlib.contextmanager
def sharepoint_settings(folder: Path) -> Iterator[dict[str, str]]:
    """The SharePoint and Entra token fakes (threads of this process) and the settings that
    make the backend's store a SharePoint library reached with a certificate."""
    from tests.fakes.entra_token import app_certificate, running_entra_token
    from tests.fakes.sharepoint import running_sharepoint

    tenant, client_id = str(uuid.uuid4()), str(uuid.uuid4())
    certificate = app_certificate(folder, "app.pem")
    with (
        running_sharepoint(token="") as sharepoint,
        running_entra_token(
            folder,
            tenant=tenant,
            client_id=client_id,
            certificate_pem=certificate.certificate_pem,
            resource=sharepoint.base_url.replace("http://", "https://"),
            issue_to=sharepoint.tokens,
        ) as entra,
    ):
        yield {
            "MTKCARE_DOCUMENT_STORAGE": "sharepoint",
            "SHAREPOINT_SITE_URL": sharepoint.site_url,
            "AZURE_TENANT_ID": tenant,
            "AZURE_CLIENT_ID": client_id,
            "AZURE_CLIENT_CERT_PATH": str(certificate.pem_path),
            "AZURE_CLIENT_CERT_THUMBPRINT": certificate.thumbprint,
            "AZURE_AUTHORITY_HOST": entra.authority_host,
            # msal (requests) trusts the token fake's own CA only through this variable.
            "REQUESTS_CA_BUNDLE": str(entra.ca_file),
        }


def drop_database(url: str) -> None:
    from mtkcare.db import get_engine

    get_engine(url).dispose()
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--small-runs", type=int, default=20, help="uploads of the 1 MB file")
    parser.add_argument("--big-runs", type=int, default=6, help="uploads of the 20 MB file")
    parser.add_argument("--no-sharepoint", action="store_true", help="the local store only")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    username, client_id = prepare(args.database_url)
    sizes = Sizes({"1 MB": args.small_runs, "20 MB": args.big_runs})
    print(
        f"database {make_url(args.database_url).database} ready in "
        f"{time.perf_counter() - began:.1f} s; {os.cpu_count()} CPUs"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="mtkcare-bench-docs-") as scratch:
            local = Path(scratch) / "local"
            local.mkdir()
            settings = store_environment(local, args.database_url)
            bench_store("local", settings, local, args.database_url, username, client_id, sizes)
            if not args.no_sharepoint:
                remote = Path(scratch) / "sharepoint"
                remote.mkdir()
                with sharepoint_settings(remote) as extra:
                    settings = store_environment(remote, args.database_url, **extra)
                    bench_store(
                        "sharepoint (fake)", settings, remote, args.database_url,
                        username, client_id, sizes,
                    )  # fmt: skip
    finally:
        if not args.keep_database:
            drop_database(args.database_url)
    print(f"total {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
