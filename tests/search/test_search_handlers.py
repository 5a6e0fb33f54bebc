"""The header search's handlers over the real event socket, called by name as any script
could: without a session, or without a permission to see clients or referrals, nothing is
found; a case worker's search, arrow keys and Enter lead to the record."""

from __future__ import annotations

import json
import random

import pytest
from sqlmodel import select

from mtkcare.audit.models import AuditLog
from mtkcare.db import session_scope
from mtkcare.reference.service import ensure_reference_data
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import make_client
from tests.support.web import Person, Tab, session_cookie, sign_in

STATE = "mtkcare___search___state____search_state"


def handler(name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{STATE}.{name}"))


def search_handlers() -> list[str]:
    return sorted(n.rsplit(".", 1)[-1] for n, _ in app_handlers() if f"{STATE}." in n)


PAYLOADS = {"find": {"text": ""}, "navigate": {"key": "ArrowDown"}}


@pytest.fixture
def tamatea(pg_url: str) -> tuple[int, str]:
    """A committed client, Tamatea Qv…; returns their id and surname."""
    surname = "Qv" + "".join(random.choices("bcdfghjkmnpqrstvwxz", k=8))
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, first_name="Tamatea", last_name=surname, phone=None)
        return client.id, surname  # type: ignore[return-value]


def test_the_walk_sees_the_search_handlers() -> None:
    assert {"find", "navigate", "dismiss", "chosen"} <= set(search_handlers())


def test_without_a_session_every_search_handler_is_refused(
    backend: str, tamatea: tuple[int, str]
) -> None:
    _client_id, surname = tamatea
    with Tab(backend) as tab:
        for name in search_handlers():
            payload = {"text": surname} if name == "find" else PAYLOADS.get(name, {})
            text = json.dumps(tab.send(handler(name), payload))
            assert "Sign in again" in text, (name, text)
            assert "Tamatea" not in text, (name, text)


def test_without_a_permission_to_see_clients_or_referrals_nothing_is_found(
    backend: str, person: Person, pg_url: str, tamatea: tuple[int, str]
) -> None:
    client_id, surname = tamatea
    nobody = person()  # signed in, no role
    token = session_cookie(sign_in(backend, nobody.username))
    with Tab(backend, cookie=token) as tab:
        found = json.dumps(tab.send(handler("find"), {"text": surname}))
        assert "not allowed" in found, found
        for name in search_handlers():
            payload = {"text": surname} if name == "find" else PAYLOADS.get(name, {})
            text = json.dumps(tab.send(handler(name), payload))
            assert "Tamatea" not in text and f"?id={client_id}" not in text, (name, text)
        for key in ("ArrowDown", "Enter"):
            text = json.dumps(tab.send(handler("navigate"), {"key": key}))
            assert "redirect" not in text.lower() and "/clients/view" not in text, text
    with session_scope(url=pg_url) as db:
        refused = db.exec(
            select(AuditLog).where(
                AuditLog.user_id == nobody.id, AuditLog.action == "ACCESS_DENIED"
            )
        ).all()
        assert any(r.resource == "Search" for r in refused)


def test_a_case_worker_finds_a_client_and_enter_opens_the_active_one(
    backend: str, person: Person, tamatea: tuple[int, str]
) -> None:
    client_id, surname = tamatea
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    with Tab(backend, cookie=token) as tab:
        found = json.dumps(tab.send(handler("find"), {"text": surname}, until="Tamatea"))
        assert f"Tamatea {surname}" in found and f"/clients/view?id={client_id}" in found
        moved = json.dumps(tab.send(handler("navigate"), {"key": "ArrowDown"}))
        assert "global-search-option-0" in moved, moved
        opened = json.dumps(tab.send(handler("navigate"), {"key": "Enter"}))
        assert f"/clients/view?id={client_id}" in opened and "redirect" in opened.lower()
        # A key the box never sends changes nothing.
        assert STATE not in json.dumps(tab.send(handler("navigate"), {"key": {"x": 1}}))
