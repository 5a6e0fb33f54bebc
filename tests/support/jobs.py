"""Running jobs in tests: the settings a test's jobs use (this run's database, a private
queue file, quick back-off) and ``drain``, which does what Huey's consumer does — move due
scheduled work onto the queue, take a task, execute it — until nothing is left."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from huey import Huey

from mtkcare.jobs.queue import Queue, get_queue
from mtkcare.settings import get_settings


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_url: str) -> Iterator[Queue]:
    """The job queue of this test: committed work in the test database, an empty SQLite
    queue of its own, retries after 0.1 s, 0.2 s, … (cap 0.4 s), 3 attempts."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("MTKCARE_ENV", "test")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("MTKCARE_JOBS_PATH", str(tmp_path / "jobs.db"))
    monkeypatch.setenv("MTKCARE_JOB_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("MTKCARE_JOB_RETRY_CAP_SECONDS", "0.4")
    monkeypatch.setenv("MTKCARE_JOB_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    try:
        yield get_queue()
    finally:
        get_settings.cache_clear()


def drain(huey: Huey, *, timeout: float = 30.0, until: Callable[[], bool] | None = None) -> int:
    """Run queued and scheduled tasks until none is left (or ``until`` holds); how many
    task executions there were."""
    ran = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for due in huey.read_schedule():
            huey.enqueue(due)
        task = huey.dequeue()
        if task is not None:
            huey.execute(task)
            ran += 1
            continue
        if until is not None and until():
            return ran
        if until is None and huey.scheduled_count() == 0 and huey.pending_count() == 0:
            return ran
        time.sleep(0.02)
    raise AssertionError(f"jobs still pending after {timeout} s ({ran} executions)")
