"""Shared fixtures (loaded by tests/conftest.py): the real backend (Reflex app, our routes,
the middleware) served on loopback against the migrated test database, and people with
roles committed to that database."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

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


@pytest.fixture(scope="session")
def backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's backend in its own process (as `reflex run --backend-only` serves it), so
    the test process never defines the app's states (the browser tests' harness does)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("backend") / "backend.log"
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "MTKCARE_ENV": "test",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("REDIS_URL", "MTKCARE_ALLOWED_ORIGINS", "MTKCARE_FRONTEND_PORT"):
        env.pop(name, None)
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
    """Calls one event handler by name over a raw Socket.IO connection, as any script could,
    and returns what the server sent back."""
    options: dict[str, Any] = {"origin": origin} if origin else {"suppress_origin": True}
    client = socketio.Client(websocket_extra_options=options)
    received: list[dict[str, Any]] = []
    client.on("event", received.append, namespace="/_event")
    headers = {"Cookie": f"{get_settings().session_cookie_name}={token}"} if token else {}
    client.connect(
        f"{base}/_event?token={uuid.uuid4()}",
        transports=["websocket"],
        namespaces=["/_event"],
        socketio_path="/_event",
        headers=headers,
    )
    try:
        client.emit(
            "event",
            {"name": name, "payload": payload or {}, "router_data": {"pathname": pathname}},
            namespace="/_event",
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not received:
            time.sleep(0.05)
        time.sleep(0.2)  # let a handler that ran send its later deltas too
    finally:
        client.disconnect()
    return received


def role_of(pg_url: str, name: str) -> Role:
    with session_scope(url=pg_url) as db:
        from sqlmodel import select

        return db.exec(select(Role).where(Role.name == name)).one()
