"""Guessing passwords neither locks everyone out nor stalls them.

On `proxied_backend` (one trusted proxy: every request comes from the same socket peer, the
client's address is in X-Forwarded-For, as behind a real reverse proxy), with a small rate
limit and a one-second delay after three failures from an address."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import select

from mtkcare.auth.ratelimit import (
    WINDOW_SECONDS,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from mtkcare.auth.service import failure_delay
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from mtkcare.users.models import SignInAttempt
from tests.support.web import (
    BREAK_GLASS_USER,
    PROXIED,
    Person,
    client_address,
    session_cookie,
    sign_in,
)

RATE_LIMIT = int(PROXIED["MTKCARE_AUTH_RATE_LIMIT"])
SLOW_AFTER = int(PROXIED["MTKCARE_SIGNIN_SLOW_AFTER"])
DELAY = float(PROXIED["MTKCARE_SIGNIN_DELAY_SECONDS"])


def fail_from(base: str, address: str, username: str, times: int) -> None:
    """``times`` wrong passwords for ``username`` from ``address``, sent at once."""
    with ThreadPoolExecutor(max_workers=times) as pool:
        answers = list(
            pool.map(
                lambda _: sign_in(base, username, "a-wrong-guess", forwarded_for=address),
                range(times),
            )
        )
    assert all("error=" in a.headers["location"] for a in answers)


def nobody() -> str:
    """A username no one has (each test its own, so their failures never add up)."""
    return f"nobody-{uuid.uuid4().hex[:12]}"


def outcome(response: httpx.Response) -> str:
    if session_cookie(response):
        return "signed in"
    return response.headers.get("location", str(response.status_code))


def start_of_a_fresh_window(needed: float = 3.0) -> None:
    """Wait, if need be, so that what follows runs inside one rate-limit window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed:
        time.sleep(left + 0.05)


def test_many_failures_from_one_address_slow_it_but_lock_no_one_behind_the_proxy(
    proxied_backend: str, person: Person
) -> None:
    office, elsewhere = client_address(), client_address()
    fail_from(proxied_backend, office, nobody(), 21)
    worker, colleague = person("Case worker"), person("Case worker")
    assert outcome(sign_in(proxied_backend, worker.username, forwarded_for=elsewhere)) == (
        "signed in"
    )
    started = time.monotonic()
    response = sign_in(proxied_backend, colleague.username, forwarded_for=office)
    assert outcome(response) == "signed in"
    assert time.monotonic() - started >= DELAY


def test_after_repeated_failures_each_attempt_from_the_address_waits_first(
    proxied_backend: str,
) -> None:
    address = client_address()
    for _ in range(SLOW_AFTER):
        sign_in(proxied_backend, nobody(), "guess", forwarded_for=address)
    started = time.monotonic()
    answer = sign_in(proxied_backend, nobody(), "guess", forwarded_for=address)
    assert time.monotonic() - started >= DELAY
    # Still the same answer as any failure: it says nothing about the account.
    assert "error=failed" in answer.headers["location"]


def test_the_delay_doubles_with_each_failure_up_to_its_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MTKCARE_SIGNIN_SLOW_AFTER", "3")
    monkeypatch.setenv("MTKCARE_SIGNIN_DELAY_SECONDS", "0.5")
    monkeypatch.setenv("MTKCARE_SIGNIN_MAX_DELAY_SECONDS", "3")
    get_settings.cache_clear()
    try:
        delays = [failure_delay(n) for n in range(8)]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert delays == [0, 0, 0, 0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_break_glass_account_still_signs_in_after_many_failures_against_it(
    proxied_backend: str, person: Person
) -> None:
    admin = person("Administrator", username=BREAK_GLASS_USER)
    for _ in range(get_settings().signin_max_failures + 3):
        fail_from(proxied_backend, client_address(), admin.username, 1)
    response = sign_in(proxied_backend, admin.username, forwarded_for=client_address())
    assert outcome(response) == "signed in"


def test_an_ordinary_account_still_locks_after_failures_from_anywhere(
    proxied_backend: str, person: Person
) -> None:
    worker = person("Case worker")
    for _ in range(get_settings().signin_max_failures):
        fail_from(proxied_backend, client_address(), worker.username, 1)
    response = sign_in(proxied_backend, worker.username, forwarded_for=client_address())
    assert "error=locked" in outcome(response)


def test_too_many_auth_requests_from_one_address_get_429_before_any_work(
    proxied_backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    address = client_address()
    start_of_a_fresh_window()
    for _ in range(RATE_LIMIT):
        answer = httpx.post(f"{proxied_backend}/auth/logout", headers={"X-Forwarded-For": address})
        assert answer.status_code == 403  # no Origin: refused, but it counts
    refused = sign_in(proxied_backend, worker.username, forwarded_for=address)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_SECONDS
    assert refused.headers["cache-control"] == "no-store"
    assert session_cookie(refused) is None
    with session_scope(url=pg_url) as db:  # refused before the password was even looked at
        assert not db.exec(
            select(SignInAttempt).where(SignInAttempt.username == worker.username)
        ).all()
    # Everyone else behind the same proxy carries on.
    assert outcome(sign_in(proxied_backend, worker.username, forwarded_for=client_address())) == (
        "signed in"
    )
    # Only /auth/* is limited.
    assert httpx.get(f"{proxied_backend}/ping", headers={"X-Forwarded-For": address}).is_success


async def _hits(limiter: RateLimiter, key: str, n: int) -> list[int]:
    return [await limiter.hit(key, 3) for _ in range(n)]


@pytest.mark.parametrize(
    "limiter",
    [
        pytest.param(lambda: MemoryRateLimiter(), id="memory"),
        pytest.param(lambda: RedisRateLimiter("redis://127.0.0.1:6379/15"), id="redis"),
        # Redis down: the process counts on its own rather than failing open or closed.
        pytest.param(lambda: RedisRateLimiter("redis://127.0.0.1:1/0"), id="redis-unreachable"),
    ],
)
def test_the_rate_limiter_allows_the_limit_per_window_then_says_how_long_to_wait(
    limiter: Callable[[], RateLimiter],
) -> None:
    start_of_a_fresh_window()
    key = f"test:{client_address()}"
    answers = asyncio.run(_hits(limiter(), key, 5))
    assert answers[:3] == [0, 0, 0]
    assert all(1 <= wait <= WINDOW_SECONDS for wait in answers[3:])


@pytest.mark.parametrize(
    "limiter",
    [
        pytest.param(lambda: MemoryRateLimiter(), id="memory"),
        pytest.param(lambda: RedisRateLimiter("redis://127.0.0.1:6379/15"), id="redis"),
        pytest.param(lambda: RedisRateLimiter("redis://127.0.0.1:1/0"), id="redis-unreachable"),
    ],
)
def test_the_blocking_count_and_the_async_hit_share_one_window(
    limiter: Callable[[], RateLimiter],
) -> None:
    start_of_a_fresh_window()
    key = f"test:{client_address()}"

    async def both_ways() -> list[int]:  # one event loop, as in a worker process
        counter = limiter()
        blocking, hit = counter.count, counter.hit
        return [blocking(key, 3), await hit(key, 3), blocking(key, 3), blocking(key, 3),
                await hit(key, 3)]  # fmt: skip

    answers = asyncio.run(both_ways())
    assert answers[:3] == [0, 0, 0]
    assert all(1 <= wait <= WINDOW_SECONDS for wait in answers[3:])


def test_the_redis_rate_limiter_shares_one_count_between_workers() -> None:
    start_of_a_fresh_window()
    key = f"test:{client_address()}"
    url = "redis://127.0.0.1:6379/15"

    async def two_workers() -> list[int]:
        first, second = RedisRateLimiter(url), RedisRateLimiter(url)
        return [await w.hit(key, 3) for w in (first, second, first, second)]

    answers = asyncio.run(two_workers())
    assert answers[:3] == [0, 0, 0] and answers[3] > 0
