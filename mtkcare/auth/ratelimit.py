"""Counting requests per key in fixed one-minute windows, behind a tiny interface.

Without ``REDIS_URL`` the counts live in the process's memory, so with several workers each
counts on its own (an address may send the limit to each worker). With ``REDIS_URL`` (which
production's several workers need anyway) every worker shares one count; the partner API's
blocking ``count`` takes its requests from that count a small lease at a time (one Redis
command per lease: ``lease_size``). If Redis cannot be reached the process falls back to its
own count rather than refusing or letting everything through.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Protocol

from mtkcare.settings import get_settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# The memory counter forgets finished windows once it holds this many keys.
_PRUNE_AT = 10_000


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int) -> int:
        """Counts one request for ``key``. Returns 0 when it is within ``limit`` requests of
        the current window, else the whole seconds until the window ends (``Retry-After``)."""
        ...

    def count(self, key: str, limit: int) -> int:
        """The same as ``hit``, blocking: for code already on a worker thread (the partner
        API counts in the same thread hop as its key check). With Redis it takes the key's
        requests a lease at a time (``lease_size``)."""
        ...


def _window(now: float) -> tuple[int, int]:
    """The current window's number and the whole seconds left in it (at least 1)."""
    number = int(now // WINDOW_SECONDS)
    return number, max(1, math.ceil((number + 1) * WINDOW_SECONDS - now))


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._prune_at = _PRUNE_AT
        self._lock = threading.Lock()  # ``count`` runs on worker threads too

    async def hit(self, key: str, limit: int) -> int:
        return self.count(key, limit)

    def count(self, key: str, limit: int) -> int:
        window, left = _window(time.time())
        with self._lock:
            if len(self._counts) >= self._prune_at:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
                # Many live keys: prune again only when they have doubled (never on every hit).
                self._prune_at = max(_PRUNE_AT, 2 * len(self._counts))
            seen, count = self._counts.get(key, (window, 0))
            count = count + 1 if seen == window else 1
            self._counts[key] = (window, count)
        return 0 if count <= limit else left


# The blocking ``count`` (the partner API, every call) takes its key's requests from Redis a
# share at a time: one command per lease, not per call. A lease is 1/LEASE_SHARE of the limit
# (at most MAX_LEASE, at least 1): across workers no more than the limit is ever served in a
# window, but a worker may be refused while others still hold up to a lease each unused.
LEASE_SHARE = 50
MAX_LEASE = 50

# One command (one round trip, one reply to parse), atomic as Redis runs a script whole: take
# ``ARGV[2]`` requests of the window (``hit``: one; ``count``: a lease), giving a new window's
# counter its expiry; returns the window's count after them.
_TAKE_SCRIPT = """
local seen = redis.call('INCRBY', KEYS[1], ARGV[2])
if seen == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return seen
"""


def lease_size(limit: int) -> int:
    return max(1, min(MAX_LEASE, limit // LEASE_SHARE))


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        self._url = url
        self._async: Any = None  # made on first use, inside the server's event loop
        self._blocking: Any = None
        self._fallback = MemoryRateLimiter()
        # Per key: (window, requests of the lease left, whether the window's limit is reached
        # once they are used).
        self._leases: dict[str, tuple[int, int, bool]] = {}
        self._leases_lock = threading.Lock()

    @staticmethod
    def _counter(key: str, window: int) -> str:
        return f"mtkcare:ratelimit:{key}:{window}"

    def _unreachable(self, exc: Exception, key: str, limit: int) -> int:
        log.warning("rate limit: Redis unreachable, counting in this process: %s", exc)
        return self._fallback.count(key, limit)

    async def hit(self, key: str, limit: int) -> int:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        if self._async is None:
            client = aioredis.Redis.from_url(
                self._url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
            self._async = client.register_script(_TAKE_SCRIPT)
        window, left = _window(time.time())
        try:
            seen = await self._async(
                keys=[self._counter(key, window)], args=[WINDOW_SECONDS + 1, 1]
            )
        except (RedisError, OSError) as exc:
            return self._unreachable(exc, key, limit)
        return 0 if int(seen) <= limit else left

    def count(self, key: str, limit: int) -> int:
        import redis
        from redis.exceptions import RedisError

        window, left = _window(time.time())
        with self._leases_lock:  # the lease's requests are this process's to hand out
            seen_window, unused, last = self._leases.get(key, (window, 0, False))
            if seen_window == window and unused > 0:
                self._leases[key] = (window, unused - 1, last)
                return 0
            if seen_window == window and last:
                return left
            if self._blocking is None:
                client = redis.Redis.from_url(
                    self._url, socket_timeout=1.0, socket_connect_timeout=1.0
                )
                self._blocking = client.register_script(_TAKE_SCRIPT)
            lease = lease_size(limit)
            try:
                seen = int(
                    self._blocking(
                        keys=[self._counter(key, window)], args=[WINDOW_SECONDS + 1, lease]
                    )
                )
            except (RedisError, OSError) as exc:
                return self._unreachable(exc, key, limit)
            granted = max(0, min(lease, limit - (seen - lease)))
            if len(self._leases) >= _PRUNE_AT:
                self._leases = {k: v for k, v in self._leases.items() if v[0] == window}
            self._leases[key] = (window, max(0, granted - 1), granted < lease)
            return 0 if granted else left


def make_rate_limiter() -> RateLimiter:
    url = get_settings().redis_url
    return RedisRateLimiter(url) if url else MemoryRateLimiter()
