"""argon2 (~0.1 s of CPU and 64 MiB per hash) never runs on the event loop, where it would
stall every user, and only a bounded number of hashes run at once.

The backend tests give a user a deliberately slow hash (argon2 verifies with the parameters
stored in the hash), so one check takes a second or more: while it runs, the same backend must
still answer another request. On the event loop it could not answer before the check ended."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import httpx
import sqlalchemy as sa
from argon2 import PasswordHasher

from mtkcare.auth.passwords import (
    PasswordWorkOnEventLoop,
    hash_password,
    note_event_loop_thread,
    run_password_work,
    verify_password,
)
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from mtkcare.users.models import User
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.support.web import PASSWORD, Person, call_event, session_cookie, sign_in

# Long enough for the request to reach its password check, well short of the check itself.
HEAD_START = 0.3


@lru_cache(maxsize=1)
def slow_hash() -> str:
    """PASSWORD hashed with ~1 s of work on the 2-core development machine (default: 0.1 s;
    time_cost=10 took only 0.38 s there, too close to HEAD_START)."""
    return PasswordHasher(time_cost=30).hash(PASSWORD)


def give_a_slow_hash(pg_url: str, user_id: int | None) -> None:
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(User)
            .where(User.id == user_id)  # type: ignore[arg-type]
            .values(password_hash=slow_hash())
        )


def ping_while(backend: str, slow_call: object) -> tuple[float, float]:
    """Starts ``slow_call`` (returning when its answer arrived), pings the backend meanwhile;
    returns (when the ping was answered, when the slow call's answer arrived)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(slow_call)  # type: ignore[arg-type]
        time.sleep(HEAD_START)
        assert httpx.get(f"{backend}/ping", timeout=60).is_success
        pinged = time.monotonic()
        answered = slow.result(timeout=60)
    return pinged, answered


def test_argon2_refuses_to_run_on_the_servers_event_loop_thread() -> None:
    outcomes: dict[str, object] = {}

    async def serve() -> None:  # as the app's lifespan task marks the server's loop thread
        note_event_loop_thread()
        try:
            verify_password(None, "anything")
        except PasswordWorkOnEventLoop as exc:
            outcomes["on the loop"] = exc
        stored = await run_password_work(hash_password, PASSWORD)
        outcomes["in the pool"] = await run_password_work(verify_password, stored, PASSWORD)

    server = threading.Thread(target=asyncio.run, args=(serve(),))
    server.start()
    server.join()
    assert isinstance(outcomes["on the loop"], PasswordWorkOnEventLoop)
    assert outcomes["in the pool"] is True


def test_password_work_runs_at_most_the_configured_number_at_once() -> None:
    lock = threading.Lock()
    running, most = 0, 0

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def many() -> int:
        ticks = 0

        async def tick() -> None:  # the loop keeps turning while the work waits its turn
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticker = asyncio.create_task(tick())
        await asyncio.gather(*(run_password_work(work) for _ in range(8)))
        ticker.cancel()
        return ticks

    ticks = asyncio.run(many())
    assert most == get_settings().password_workers
    assert ticks > 5


def test_while_a_sign_in_is_checked_the_backend_answers_other_requests(
    backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    give_a_slow_hash(pg_url, worker.id)

    def wrong_password() -> float:
        assert (
            "error=failed" in sign_in(backend, worker.username, "a-wrong-guess").headers["location"]
        )
        return time.monotonic()

    pinged, answered = ping_while(backend, wrong_password)
    assert pinged < answered


def test_while_a_password_change_is_checked_the_backend_answers_other_requests(
    backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    give_a_slow_hash(pg_url, worker.id)
    change = next(n for n, _ in app_handlers() if n.endswith("account_state.change_password"))
    arrivals: list[float] = []
    received: list[dict] = []

    def wrong_current_password() -> float:
        received.extend(
            call_event(
                backend,
                change,
                {
                    "form_data": {
                        "current_password": "a-wrong-guess",
                        "new_password": "Kereru-flies-high-77",
                        "confirm_password": "Kereru-flies-high-77",
                    }
                },
                token=token,
                pathname="/account",
                wait=30,
                arrivals=arrivals,
            )
        )
        return arrivals[0]

    pinged, answered = ping_while(backend, wrong_current_password)
    assert "Enter your current password correctly" in json.dumps(received)
    assert pinged < answered
