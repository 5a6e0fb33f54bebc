"""Counting requests per key in fixed one-minute windows, behind a tiny interface.

Without ``REDIS_URL`` the counts live in the process's memory, so with several workers each
counts on its own (an address may send the limit to each worker). With ``REDIS_URL`` (which
production's several workers need anyway) every worker shares one count. If Redis cannot be
reached the process falls back to its own count rather than refusing or letting everything
through.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Protocol

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


def _window(now: float) -> tuple[int, int]:
    """The current window's number and the whole seconds left in it (at least 1)."""
    number = int(now // WINDOW_SECONDS)
    return number, max(1, math.ceil((number + 1) * WINDOW_SECONDS - now))


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._prune_at = _PRUNE_AT

    async def hit(self, key: str, limit: int) -> int:
        window, left = _window(time.time())
        if len(self._counts) >= self._prune_at:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            # Many live keys: prune again only when they have doubled (never on every hit).
            self._prune_at = max(_PRUNE_AT, 2 * len(self._counts))
        seen, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self._counts[key] = (window, count)
        return 0 if count <= limit else left


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        self._url = url
        self._redis: object | None = None
        self._fallback = MemoryRateLimiter()

    async def hit(self, key: str, limit: int) -> int:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        if self._redis is None:  # made on first use, inside the server's event loop
            self._redis = aioredis.Redis.from_url(
                self._url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        client: aioredis.Redis = self._redis  # type: ignore[assignment]
        window, left = _window(time.time())
        name = f"mtkcare:ratelimit:{key}:{window}"
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, WINDOW_SECONDS + 1)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limit: Redis unreachable, counting in this process: %s", exc)
            return await self._fallback.hit(key, limit)
        return 0 if int(count) <= limit else left


def make_rate_limiter() -> RateLimiter:
    url = get_settings().redis_url
    return RedisRateLimiter(url) if url else MemoryRateLimiter()
