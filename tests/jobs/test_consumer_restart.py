"""The real job consumer (``python -m mtkcare.jobs``, Huey's consumer) as a process: work
handed over while it is stopped, and a retry scheduled before it stopped, are delivered once
it runs again — with the embedded SQLite queue and with Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from mtkcare.db import session_scope
from mtkcare.jobs.queue import Queue
from mtkcare.notifications.models import OutboundMessage, OutboundStatus
from mtkcare.settings import get_settings
from tests.conftest import ROOT
from tests.fakes.webhook import running_webhook
from tests.jobs.test_decision_notices import _decline, _external_referral, _messages, _organisation

REDIS = "redis://127.0.0.1:6379/13"


@contextmanager
def consumer(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mtkcare.jobs", "--workers", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)  # Huey's graceful stop
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(what: Callable[[], bool], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out; consumer log:\n{log.read_text()[-3000:]}")


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, jobs: Queue) -> str:
    if request.param == "redis":
        redis.Redis.from_url(REDIS).flushdb()
        monkeypatch.setenv("REDIS_URL", REDIS)
    monkeypatch.setenv("MTKCARE_JOB_RETRY_BASE_SECONDS", "1.0")
    get_settings.cache_clear()
    return str(request.param)


def _env() -> dict[str, str]:
    names = ("DATABASE_URL", "MTKCARE_JOBS_PATH", "REDIS_URL", "MTKCARE_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTKCARE_") and k != "REDIS_URL"}
    env.update({k: os.environ[k] for k in names if k in os.environ})
    env.update({k: v for k, v in os.environ.items() if k.startswith("MTKCARE_JOB")})
    env["PYTHONPATH"] = str(ROOT)
    return env


def _status(message_id: int) -> str:
    with session_scope() as s:
        row = s.get(OutboundMessage, message_id)
        assert row is not None
        return row.status


def test_work_handed_over_while_the_consumer_is_stopped_is_done_when_it_starts(
    storage: str, tmp_path: Path
) -> None:
    log = tmp_path / "consumer.log"
    with running_webhook() as hook:
        org = _organisation(notice_webhook_url=hook.url)
        with consumer(_env(), log) as first:
            time.sleep(1.0)
        assert first.returncode is not None  # stopped
        referral_id, _ = _external_referral(org)
        _decline(referral_id)  # the notice is handed to Huey with no consumer running
        (message,) = _messages(referral_id)
        time.sleep(1.0)
        assert hook.posts == [] and _status(message.id or 0) == OutboundStatus.QUEUED.value
        with consumer(_env(), log):
            _wait(lambda: _status(message.id or 0) == OutboundStatus.SENT.value, log)
    assert len(hook.taken) == 1


def test_a_starting_consumer_sends_the_follow_up_reminders_at_once(
    jobs: Queue, tmp_path: Path
) -> None:
    from sqlmodel import col, func, select

    from mtkcare.jobs.models import Job, JobStatus
    from mtkcare.jobs.reminders import REMINDERS

    def done() -> int:
        with session_scope() as s:
            return s.exec(
                select(func.count()).where(
                    col(Job.name) == REMINDERS, col(Job.status) == JobStatus.DONE.value
                )
            ).one()

    before = done()
    log = tmp_path / "consumer.log"
    with consumer(_env(), log):
        _wait(lambda: done() > before, log)


def test_a_retry_scheduled_before_the_consumer_stopped_is_made_after_it_restarts(
    storage: str, tmp_path: Path
) -> None:
    log = tmp_path / "consumer.log"
    with running_webhook(fail_first=1) as hook:
        org = _organisation(notice_webhook_url=hook.url)
        with consumer(_env(), log):
            referral_id, _ = _external_referral(org)
            _decline(referral_id)
            _wait(lambda: len(hook.posts) == 1, log)  # the first attempt was refused
        time.sleep(1.5)  # the retry falls due while nothing runs
        assert len(hook.posts) == 1
        (message,) = _messages(referral_id)
        assert _status(message.id or 0) == OutboundStatus.QUEUED.value
        with consumer(_env(), log):
            _wait(lambda: _status(message.id or 0) == OutboundStatus.SENT.value, log)
    assert [p.answered for p in hook.posts] == [503, 200]
