"""The partner API's lane (``mtkcare/api/lane.py``): its blocking work runs on its own threads
(one per process unless ``MTKCARE_API_THREADS`` says more), in the order it arrives, with the
caller's context variables, while the event loop stays free for everything else."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from mtkcare.api import lane
from mtkcare.settings import get_settings

SetThreads = Callable[[int | None], None]


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetThreads]:
    """Sets the lane's size for a test (None: the default), on a lane of its own."""

    def set_to(count: int | None) -> None:
        if count is None:
            monkeypatch.delenv("MTKCARE_API_THREADS", raising=False)
        else:
            monkeypatch.setenv("MTKCARE_API_THREADS", str(count))
        get_settings.cache_clear()
        monkeypatch.setattr(lane, "_pool", None)

    yield set_to
    get_settings.cache_clear()


def test_by_default_the_work_runs_on_one_thread_in_arrival_order_while_the_loop_stays_free(
    threads: SetThreads,
) -> None:
    threads(None)
    ran: list[tuple[int, int]] = []

    def work(n: int) -> int:
        time.sleep(0.05)  # blocking, as a database round trip is
        ran.append((n, threading.get_ident()))
        return n * 10

    async def scenario() -> tuple[list[int], int, int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(ticker())
        answers = await asyncio.gather(*(lane.run_in_lane(work, n) for n in range(6)))
        done.set()
        await ticking
        return list(answers), ticks, threading.get_ident()

    answers, ticks, loop_thread = asyncio.run(scenario())
    assert answers == [0, 10, 20, 30, 40, 50]
    assert [n for n, _ in ran] == [0, 1, 2, 3, 4, 5]  # one after another, as they came
    assert len({thread for _, thread in ran}) == 1
    assert ran[0][1] != loop_thread
    # 6 × 50 ms of blocking work: a loop that had run it would have ticked a handful of times.
    assert ticks >= 30


def test_the_configured_number_of_threads_work_at_once(threads: SetThreads) -> None:
    threads(3)
    # Three pieces of work that can only finish together: one thread would wait forever
    # (here: until the barrier's timeout breaks it).
    barrier = threading.Barrier(3, timeout=10)

    def work() -> int:
        barrier.wait()
        return threading.get_ident()

    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(lane.run_in_lane(work) for _ in range(3))))

    assert len(set(asyncio.run(scenario()))) == 3


def test_the_callers_context_variables_reach_the_lane(threads: SetThreads) -> None:
    threads(None)
    who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")

    async def scenario() -> str:
        who.set("partner request 7")
        return await lane.run_in_lane(who.get)

    assert asyncio.run(scenario()) == "partner request 7"


def test_an_error_in_the_work_reaches_the_caller(threads: SetThreads) -> None:
    threads(None)

    def work() -> None:
        raise LookupError("no such referral")

    async def scenario() -> None:
        await lane.run_in_lane(work)

    with pytest.raises(LookupError, match="no such referral"):
        asyncio.run(scenario())
