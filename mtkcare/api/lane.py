"""The partner API's lane: the threads (``MTKCARE_API_THREADS``, default one per backend
worker process) on which its blocking work runs — the key's check, the rate limit's count,
the transaction — in the order requests arrive, off the event loop.

Why so few: threads of one Python process share one interpreter lock. A thread that waits
for PostgreSQL lets it go, and when the answer comes it must wait for the lock again, up to
the interpreter's switch interval (5 ms) while another thread computes. A submission makes
about ten such round trips, so threads that take turns on the lock spend most of their time
waiting for it, and the process with them. One thread per process never waits for the lock
(the event loop, mostly asleep, is the only other taker); the machine's cores are filled by
running several worker processes instead (``reflex run --env prod`` takes ``GRANIAN_WORKERS``;
the README's Benchmarks give the figures). More than one thread is for a backend that
has a single process and must serve several partners' slow requests at once.

The event loop is never blocked: staff's pages on the same worker stay live while partners'
requests queue here.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from mtkcare.settings import get_settings

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (the process it was made in, the pool)


def _executor() -> ThreadPoolExecutor:
    """This process's lane (made on first use: a worker forked from a parent that had one
    gets its own, as threads do not survive a fork)."""
    global _pool
    current = _pool
    if current is not None and current[0] == os.getpid():
        return current[1]
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            threads = get_settings().api_threads
            _pool = (
                os.getpid(),
                ThreadPoolExecutor(max_workers=threads, thread_name_prefix="partner-api"),
            )
        return _pool[1]


async def run_in_lane[T](work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` on the lane, with the caller's context variables, once the requests
    before it have had their turn."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), functools.partial(context.run, work, *args)
    )
