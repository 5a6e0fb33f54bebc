"""Shared fixtures (loaded by tests/conftest.py): the real backend (Reflex app, our routes,
the middleware) served on loopback against the migrated test database, and people with
roles committed to that database."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import socketio

from mtkcare.auth.passwords import hash_password
from mtkcare.auth.service import sync_roles
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


@contextmanager
def running_backend(
    pg_url: str, log_dir: Path, env_overrides: dict[str, str] | None = None
) -> Iterator[str]:
    """The app's backend in its own process (as `reflex run --backend-only` serves it), so
    the test process never defines the app's states (the browser tests' harness does).
    ``env_overrides`` are its settings beyond the test defaults (e.g. ``REDIS_URL``)."""
    port = _free_port()
    log = log_dir / "backend.log"
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "MTKCARE_ENV": "test",
        "PYTHONPATH": str(ROOT),
        # Every test connects from 127.0.0.1, most from a tab of their own; the limit on
        # tabs per address has a backend of its own in tests/auth/test_flood_limits.py.
        "MTKCARE_TABS_PER_ADDRESS": "100000",
    }
    for name in ("REDIS_URL", "MTKCARE_ALLOWED_ORIGINS", "MTKCARE_FRONTEND_PORT"):
        env.pop(name, None)
    env.update(env_overrides or {})
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
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The backend as deployed with one worker: tab state in memory."""
    with running_backend(pg_url, tmp_path_factory.mktemp("backend")) as base:
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
    with running_backend(
        pg_url, tmp_path_factory.mktemp("redis_backend"), {"REDIS_URL": redis_url}
    ) as base:
        yield base


@pytest.fixture(scope="session")
def role_ids(pg_url: str) -> dict[str, int]:
    with session_scope(url=pg_url) as db:
        return sync_roles(db)


Person = Callable[..., User]


@pytest.fixture
def person(pg_url: str, role_ids: dict[str, int]) -> Person:
    """Commits a local user with the given roles; returns the detached row."""

    def make(*roles: str, password: str = PASSWORD, active: bool = True) -> User:
        n = next(_seq)
        name = f"p{n}-{uuid.uuid4().hex[:8]}"
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


def sign_in(
    base: str, username: str, password: str = PASSWORD, origin: str = ORIGIN
) -> httpx.Response:
    return httpx.post(
        f"{base}/auth/login",
        data={"username": username, "password": password, "next": "/clients"},
        headers={"Origin": origin},
        follow_redirects=False,
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
    ) -> None:
        self.base = base
        self.tab = tab or str(uuid.uuid4())
        self.cookie = cookie
        options: dict[str, Any] = {"origin": origin} if origin else {"suppress_origin": True}
        self.client = socketio.Client(websocket_extra_options=options)
        self.received: list[dict[str, Any]] = []
        self.new_tokens: list[str] = []
        self.client.on("event", self.received.append, namespace="/_event")
        self.client.on("new_token", self.new_tokens.append, namespace="/_event")
        headers = {"Cookie": f"{get_settings().session_cookie_name}={cookie}"} if cookie else {}
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
) -> list[dict[str, Any]]:
    """Calls one event handler by name over a new raw Socket.IO connection (a new tab), as
    any script could, and returns what the server sent back. ``token`` is the session
    cookie's value."""
    with Tab(base, cookie=token, origin=origin) as tab:
        return tab.send(name, payload, pathname=pathname, wait=wait)


def role_of(pg_url: str, name: str) -> Role:
    with session_scope(url=pg_url) as db:
        from sqlmodel import select

        return db.exec(select(Role).where(Role.name == name)).one()
