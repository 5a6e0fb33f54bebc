"""Shared fixtures (loaded by tests/conftest.py): the real backend (Reflex app, our routes,
the middleware) served on loopback against the migrated test database, and people with
roles committed to that database."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import socketio

from mtkcare.auth.passwords import hash_password
from mtkcare.auth.service import Principal, principal_of, sync_roles
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from mtkcare.users.models import Role, User, UserProfile, UserRole
from tests.conftest import ROOT

ORIGIN = "http://localhost:3000"
PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The shared backend serves the whole suite from one address (127.0.0.1): its sign-ins are
# never rate-limited or slowed. Those limits are tested on `proxied_backend`.
SUITE_LIMITS = {"MTKCARE_AUTH_RATE_LIMIT": "1000000", "MTKCARE_SIGNIN_SLOW_AFTER": "1000000"}


@contextlib.contextmanager
def backend_process(
    pg_url: str, log: Path, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The app's backend in its own process (as `reflex run --backend-only` serves it), so
    the test process never defines the app's states (the browser tests' harness does).
    ``settings`` are environment variables for it (``MTKCARE_...``). Yields its base URL and
    the process (a benchmark samples its memory)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "MTKCARE_ENV": "test",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("REDIS_URL", "MTKCARE_ALLOWED_ORIGINS", "MTKCARE_FRONTEND_PORT"):
        env.pop(name, None)
    # Every test connects from 127.0.0.1, most from a tab of their own; the limit on tabs per
    # address has a backend of its own in tests/auth/test_flood_limits.py.
    env["MTKCARE_TABS_PER_ADDRESS"] = "100000"
    env.update(settings)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "mtkcare.mtkcare:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                # As granian serves it (`reflex run`): the socket's peer as it is. Uvicorn would
                # otherwise believe X-Forwarded-For from loopback before the app sees it.
                "--no-proxy-headers",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"backend exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "backend did not start"
            try:
                if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def running_backend(pg_url: str, log: Path, **settings: str) -> Iterator[str]:
    """``backend_process``'s base URL (what most tests need)."""
    with backend_process(pg_url, log, **settings) as (base, _proc):
        yield base


@pytest.fixture(scope="session")
def backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The backend as deployed with one worker: tab state in memory."""
    log = tmp_path_factory.mktemp("backend") / "backend.log"
    with running_backend(pg_url, log, **SUITE_LIMITS) as base:
        yield base


@pytest.fixture(scope="session")
def parallel_backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The backend with eight partner-API threads in its one process (``MTKCARE_API_THREADS``),
    so that requests sent at once really are in their transactions at once. Deployed, the same
    races run across worker processes of one thread each (``mtkcare/api/lane.py``); one
    process of one thread would take such requests one after another and prove nothing."""
    log = tmp_path_factory.mktemp("parallel_backend") / "backend.log"
    with running_backend(pg_url, log, MTKCARE_API_THREADS="8", **SUITE_LIMITS) as base:
        yield base


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database of its own for the tests (keys are per random tab token)."""
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture(scope="session")
def redis_backend(
    pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The backend as deployed with several workers: tab state in Redis."""
    log = tmp_path_factory.mktemp("redis_backend") / "backend.log"
    with running_backend(pg_url, log, REDIS_URL=redis_url, **SUITE_LIMITS) as base:
        yield base


# Behind one trusted proxy (the test client plays it, sending X-Forwarded-For): small limits
# and a short but measurable delay, so the protections against guessing show quickly. Tests
# each use their own made-up client addresses (`client_address()`), so their counts never mix.
BREAK_GLASS_USER = f"glass-{uuid.uuid4().hex[:8]}"
PROXIED = {
    "MTKCARE_TRUSTED_PROXY_HOPS": "1",
    "MTKCARE_AUTH_RATE_LIMIT": "25",
    "MTKCARE_SIGNIN_SLOW_AFTER": "3",
    "MTKCARE_SIGNIN_DELAY_SECONDS": "1.0",
    "MTKCARE_SIGNIN_MAX_DELAY_SECONDS": "1.0",
    "MTKCARE_BREAK_GLASS_USERS": f"ops-admin, {BREAK_GLASS_USER.upper()}",
}


@pytest.fixture(scope="session")
def proxied_backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("proxied") / "backend.log"
    with running_backend(pg_url, log, **PROXIED) as base:
        yield base


_addresses = itertools.count(1)


def client_address() -> str:
    """A made-up client address, new each time (the database and backends are new each run)."""
    n = next(_addresses)
    return f"10.0.{n // 256}.{n % 256}"


@pytest.fixture(scope="session")
def role_ids(pg_url: str) -> dict[str, int]:
    with session_scope(url=pg_url) as db:
        return sync_roles(db)


Person = Callable[..., User]


@pytest.fixture
def person(pg_url: str, role_ids: dict[str, int]) -> Person:
    """Commits a local user with the given roles; returns the detached row."""

    def make(
        *roles: str, password: str = PASSWORD, active: bool = True, username: str | None = None
    ) -> User:
        n = next(_seq)
        name = username or f"p{n}-{uuid.uuid4().hex[:8]}"
        with session_scope(url=pg_url) as db:
            user = User(
                username=name,
                email=f"{name}@example.org",
                first_name="Test",
                last_name=f"Person {n}",
                password_hash=hash_password(password),
                is_active=active,
            )
            db.add(user)
            db.flush()
            db.add(UserProfile(user_id=user.id))  # type: ignore[arg-type]
            for role in roles:
                db.add(UserRole(user_id=user.id, role_id=role_ids[role]))  # type: ignore[arg-type]
        return user

    return make


@pytest.fixture
def staff(person: Person, pg_url: str) -> Callable[..., Principal]:
    """A committed staff member with these roles, as the principal they act as. Use it where
    a refusal is expected: refusals are audited in their own transaction, which must see the
    user (a user made inside a test's rolled-back transaction does not exist there)."""

    def make(*roles: str) -> Principal:
        user = person(*roles)
        with session_scope(url=pg_url) as db:
            return principal_of(db, db.get(User, user.id))  # type: ignore[arg-type]

    return make


def sign_in(
    base: str,
    username: str,
    password: str = PASSWORD,
    origin: str = ORIGIN,
    *,
    forwarded_for: str | None = None,
) -> httpx.Response:
    headers = {"Origin": origin}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.post(
        f"{base}/auth/login",
        data={"username": username, "password": password, "next": "/clients"},
        headers=headers,
        follow_redirects=False,
        timeout=30,
    )


def session_cookie(response: httpx.Response) -> str | None:
    return response.cookies.get(get_settings().session_cookie_name)


HYDRATE = "reflex___state____state.hydrate"
HYDRATE_AND_LOAD = "reflex___state____state.hydrate_and_load"


class Tab:
    """One browser tab's event socket, opened the way any script could: the tab token of
    its choosing (sent in the URL, as the page does), an optional session cookie, any Origin.
    Several events can be sent on one connection; ``received`` keeps what the server sent."""

    def __init__(
        self,
        base: str,
        *,
        tab: str | None = None,
        cookie: str | None = None,
        origin: str | None = ORIGIN,
        headers: dict[str, str] | None = None,
        arrivals: list[float] | None = None,
    ) -> None:
        self.base = base
        self.tab = tab or str(uuid.uuid4())
        self.cookie = cookie
        options: dict[str, Any] = {"origin": origin} if origin else {"suppress_origin": True}
        self.client = socketio.Client(websocket_extra_options=options)
        self.received: list[dict[str, Any]] = []
        self.new_tokens: list[str] = []
        self.arrivals = arrivals

        def receive(item: dict[str, Any]) -> None:
            if self.arrivals is not None:
                self.arrivals.append(time.monotonic())
            self.received.append(item)

        self.client.on("event", receive, namespace="/_event")
        self.client.on("new_token", self.new_tokens.append, namespace="/_event")
        headers = dict(headers or {})
        if cookie:
            headers["Cookie"] = f"{get_settings().session_cookie_name}={cookie}"
        self.client.connect(
            f"{base}/_event?token={self.tab}",
            transports=["websocket"],
            namespaces=["/_event"],
            socketio_path="/_event",
            headers=headers,
        )

    def send(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        pathname: str = "/clients",
        query: dict[str, str] | None = None,
        wait: float = 1.5,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """Sends one event; returns what arrived for it: until ``wait`` passes, or a little
        after the first answer (so the later deltas of a handler that ran arrive too), or,
        given ``until``, once that text has arrived."""
        before = len(self.received)
        # What the page sends: the route, its query string and the address as shown.
        router_data: dict[str, Any] = {
            "pathname": pathname,
            "query": query or {},
            "asPath": pathname + (f"?{urlencode(query)}" if query else ""),
        }
        self.client.emit(
            "event",
            {"name": name, "payload": payload or {}, "router_data": router_data},
            namespace="/_event",
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            arrived = self.received[before:]
            if until is None and arrived:
                break
            if until is not None and until in json.dumps(arrived):
                break
            time.sleep(0.05)
        time.sleep(0.2)
        return self.received[before:]

    def close(self) -> None:
        self.client.disconnect()

    def reopen(self, *, cookie: str | None = None, origin: str | None = ORIGIN) -> Tab:
        """Closes this socket and opens another on the same tab token (a reload, a replayed
        token). The server forgets the old socket's link to the token just after the
        disconnect; a socket on the token before that would be handed another token."""
        self.close()
        time.sleep(0.5)
        return Tab(self.base, tab=self.tab, cookie=cookie, origin=origin)

    def __enter__(self) -> Tab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def call_event(
    base: str,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    origin: str | None = ORIGIN,
    pathname: str = "/clients",
    wait: float = 1.5,
    headers: dict[str, str] | None = None,
    arrivals: list[float] | None = None,
) -> list[dict[str, Any]]:
    """Calls one event handler by name over a new raw Socket.IO connection (a new tab), as
    any script could, and returns what the server sent back. ``token`` is the session
    cookie's value; ``arrivals`` gets each message's monotonic time."""
    with Tab(base, cookie=token, origin=origin, headers=headers, arrivals=arrivals) as tab:
        return tab.send(name, payload, pathname=pathname, wait=wait)


def role_of(pg_url: str, name: str) -> Role:
    with session_scope(url=pg_url) as db:
        from sqlmodel import select

        return db.exec(select(Role).where(Role.name == name)).one()
