"""Announcing referral changes to open boards (mtkcare.referrals.live): only after commit,
in this process without Redis, and through Redis pub/sub across processes with it."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.referrals import live
from mtkcare.settings import get_settings
from tests.conftest import ROOT

REDIS = "redis://127.0.0.1:6379/15"


def _run(coroutine):  # type: ignore[no-untyped-def]
    """Runs a coroutine on its own event loop in a thread (the browser tests' Playwright
    keeps a loop running in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


async def _first_batch(after_subscribing) -> set[int]:  # type: ignore[no-untyped-def]
    stream = live.changes(wait=5.0)
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.3)  # subscribed
    await asyncio.to_thread(after_subscribing)
    batch = await asyncio.wait_for(waiting, timeout=10)
    await stream.aclose()
    return batch


def test_a_change_is_announced_only_once_its_transaction_commits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    engine = sa.create_engine("sqlite://")

    def rolled_back_then_committed() -> None:
        with Session(engine) as s:
            s.execute(sa.text("select 1"))
            live.announce(s, 41)
            s.rollback()
        with Session(engine) as s:
            s.execute(sa.text("select 1"))
            live.announce(s, 42)
            s.commit()

    try:
        assert _run(_first_batch(rolled_back_then_committed)) == {42}
    finally:
        get_settings.cache_clear()


async def _heard(after_subscribing, wanted: int) -> set[int]:  # type: ignore[no-untyped-def]
    """Everything heard until ``wanted`` (Redis pub/sub is shared by every database number, so
    another test run on this machine may announce its own changes meanwhile)."""
    stream = live.changes(wait=5.0)
    heard: set[int] = set()
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.3)  # subscribed
    await asyncio.to_thread(after_subscribing)
    while wanted not in heard:
        heard |= await asyncio.wait_for(waiting, timeout=10)
        waiting = asyncio.ensure_future(anext(stream))
    waiting.cancel()
    await stream.aclose()
    return heard


def test_with_redis_another_process_hears_the_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS)
    get_settings.cache_clear()
    wanted = random.randint(10**9, 2 * 10**9)

    def another_worker_publishes() -> None:
        subprocess.run(
            [sys.executable, "-c", f"from mtkcare.referrals import live; live.publish({wanted})"],
            cwd=ROOT,
            env={"REDIS_URL": REDIS, "PATH": "", "PYTHONPATH": str(ROOT)},
            check=True,
            timeout=60,
        )

    try:
        assert wanted in _run(_heard(another_worker_publishes, wanted))
    finally:
        get_settings.cache_clear()


def test_with_redis_a_burst_of_changes_goes_out_as_one_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many changes in one moment (the partner API's intake) cost one Redis command, and a
    board hears every one of them."""
    import redis

    monkeypatch.setenv("REDIS_URL", REDIS)
    get_settings.cache_clear()
    first = random.randint(10**9, 2 * 10**9)
    wanted = set(range(first, first + 40))
    messages: list[bytes] = []

    def count_messages() -> None:
        listener = redis.Redis.from_url(REDIS).pubsub(ignore_subscribe_messages=True)
        listener.subscribe(live.CHANNEL)
        listener.get_message(timeout=1)  # the subscription's own notice
        for referral_id in sorted(wanted):
            live.publish(referral_id)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not wanted <= set().union(
            *(live._ids(m) for m in messages)
        ):
            message = listener.get_message(timeout=0.5)
            if message is not None:
                messages.append(message["data"])
        listener.close()

    try:
        heard = _run(_heard(count_messages, max(wanted)))
        assert wanted <= heard
        ours = [m for m in messages if live._ids(m) & wanted]
        assert len(ours) < len(wanted) / 4  # gathered, not one message per change
    finally:
        get_settings.cache_clear()
