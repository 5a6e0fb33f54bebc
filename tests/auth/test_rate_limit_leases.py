"""With Redis, the partner API's blocking count takes an organisation's requests from the
shared window a lease at a time (one Redis command per lease, not per call): the workers
together still serve no more than the limit in a window, and once it is used up they refuse
without asking Redis again."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import redis

from mtkcare.auth.ratelimit import (
    MAX_LEASE,
    WINDOW_SECONDS,
    RedisRateLimiter,
    _window,
    lease_size,
)

URL = "redis://127.0.0.1:6379/15"


def _fresh_window(needed: float = 5.0) -> None:
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed:
        time.sleep(left + 0.05)


def test_a_lease_is_a_small_share_of_the_limit() -> None:
    assert [lease_size(n) for n in (1, 3, 49, 100, 600, 10**9)] == [1, 1, 1, 2, 12, MAX_LEASE]


def test_workers_together_serve_exactly_the_limit_and_then_stop_asking_redis() -> None:
    _fresh_window()
    key, limit = f"test-lease:{uuid.uuid4().hex}", 100
    workers = [RedisRateLimiter(URL) for _ in range(3)]
    answers = [workers[n % 3].count(key, limit) for n in range(180)]

    assert sum(1 for wait in answers if wait == 0) == limit
    assert all(1 <= wait <= WINDOW_SECONDS for wait in answers if wait)
    # Redis was asked once per lease: the window's counter holds what was leased, at most a
    # lease per worker beyond the limit (the last, refused ones); the 80 refused calls after
    # that never reached it.
    counter = RedisRateLimiter._counter(key, _window(time.time())[0])
    taken = int(redis.Redis.from_url(URL).get(counter))
    assert limit <= taken <= limit + 3 * lease_size(limit)
    assert taken // lease_size(limit) < len(answers) // 2


def test_threads_of_one_worker_share_its_lease_without_serving_too_many() -> None:
    _fresh_window()
    key, limit = f"test-lease:{uuid.uuid4().hex}", 250
    worker = RedisRateLimiter(URL)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: worker.count(key, limit), range(400)))
    assert sum(1 for wait in answers if wait == 0) == limit
