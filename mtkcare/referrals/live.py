"""Telling open boards that referrals changed, so a card moved by one person moves on every
other screen within about a second, without reloading.

A change is announced after its transaction commits (``db.on_commit``), with the referral's
id only: each board then re-reads what *its* user may see. With ``REDIS_URL`` set the notice
goes through Redis pub/sub, so boards served by other backend workers hear it too; without
Redis (the embedded default, one process) it goes to the listeners in this process.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from mtkcare.db import on_commit
from mtkcare.settings import get_settings

CHANNEL = "mtkcare:referrals:changed"
log = logging.getLogger(__name__)

# In-process listeners: each open board's queue, with the event loop it lives in.
_listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[int]]] = set()
_lock = threading.Lock()


def announce(session: Session, referral_id: int | None) -> None:
    """Announce a change of this referral once ``session`` commits."""
    if referral_id is not None:
        on_commit(session, lambda: publish(referral_id))


@lru_cache(maxsize=4)
def _publisher(url: str) -> Any:
    """One client per Redis URL for the process (thread-safe, with its own connection pool):
    a connection made for each announcement cost a connect, and a name look-up, per write."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


# With Redis, the announcements of one process go out together, one message per moment
# (``GATHER`` seconds), on a thread of their own: one Redis command for a burst of changes
# (the partner API's intake) rather than one per change.
GATHER = 0.02
_outbox: set[int] = set()
_outbox_ready = threading.Condition()
_sender: tuple[int, threading.Thread] | None = None  # (process id, thread)


def publish(referral_id: int) -> None:
    url = get_settings().redis_url
    if url:
        global _sender
        with _outbox_ready:
            _outbox.add(referral_id)
            if _sender is None or _sender[0] != os.getpid() or not _sender[1].is_alive():
                thread = threading.Thread(
                    target=_send_forever, args=(url,), name="board-announcements", daemon=True
                )
                _sender = (os.getpid(), thread)
                thread.start()
            _outbox_ready.notify()
        return
    with _lock:
        listeners = list(_listeners)
    for loop, queue in listeners:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, referral_id)
        except RuntimeError:  # that loop has closed
            with _lock:
                _listeners.discard((loop, queue))


def _send_waiting(url: str) -> None:
    """Publish the ids waiting in the outbox (if any) as one message: ids separated by
    spaces."""
    import redis

    with _outbox_ready:
        ids = sorted(_outbox)
        _outbox.clear()
    if not ids:
        return
    try:
        _publisher(url).publish(CHANNEL, " ".join(map(str, ids)))
    except redis.RedisError:
        log.warning("could not announce %d referral changes through Redis", len(ids), exc_info=True)


def _send_forever(url: str) -> None:
    while True:
        with _outbox_ready:
            while not _outbox:
                _outbox_ready.wait()
        time.sleep(GATHER)  # let the moment's other changes join
        _send_waiting(url)


@atexit.register
def _send_the_rest() -> None:
    url = get_settings().redis_url
    if url:
        _send_waiting(url)


def _ids(data: bytes | str) -> set[int]:
    return {int(part) for part in data.split()}


async def changes(wait: float) -> AsyncIterator[set[int]]:
    """The ids of referrals changed since the last yield, as they happen (changes arriving
    together are yielded together); an empty set after ``wait`` seconds of quiet, so the
    listener can check whether it is still wanted."""
    url = get_settings().redis_url
    if url:
        async for batch in _redis_changes(url, wait):
            yield batch
        return
    queue: asyncio.Queue[int] = asyncio.Queue()
    entry = (asyncio.get_running_loop(), queue)
    with _lock:
        _listeners.add(entry)
    try:
        while True:
            try:
                first = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                yield set()
                continue
            batch = {first}
            await asyncio.sleep(0.05)  # gather a burst (a bulk consent moves many at once)
            while not queue.empty():
                batch.add(queue.get_nowait())
            yield batch
    finally:
        with _lock:
            _listeners.discard(entry)


async def _redis_changes(url: str, wait: float) -> AsyncIterator[set[int]]:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)
    loop = asyncio.get_running_loop()
    try:
        quiet_since = loop.time()
        while True:
            # None also for an ignored subscribe notice: quiet only once ``wait`` has passed.
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is None:
                if loop.time() - quiet_since >= wait:
                    quiet_since = loop.time()
                    yield set()
                continue
            quiet_since = loop.time()
            batch = _ids(message["data"])
            await asyncio.sleep(0.05)
            while (more := await pubsub.get_message(ignore_subscribe_messages=True)) is not None:
                batch |= _ids(more["data"])
            yield batch
    finally:
        await pubsub.unsubscribe(CHANNEL)
        await pubsub.aclose()
        await client.aclose()
