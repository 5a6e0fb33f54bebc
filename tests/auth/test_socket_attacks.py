"""Any script can call any handler by name over the event socket. These calls come from a raw
Socket.IO client, the way an attacker would make them."""

from __future__ import annotations

import json
import uuid

import pytest
import socketio
import sqlalchemy as sa
from sqlmodel import select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.guard import PUBLIC, SIGNED_IN
from mtkcare.db import session_scope
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.support.web import ORIGIN, Person, call_event, session_cookie, sign_in

PAYLOADS = {"go_to_page": {"page": 2}, "search": {"form_data": {"q": "a"}}}


def privileged() -> list[tuple[str, str]]:
    return [(name, str(declared)) for name, declared in app_handlers() if declared != PUBLIC]


def payload_for(name: str) -> dict:
    return PAYLOADS.get(name.rsplit(".", 1)[-1], {})


def carries_data(received: list[dict]) -> bool:
    """True when the server sent any state change other than the refusal itself."""
    return any(item.get("delta") for item in received)


def test_privileged_handlers_refuse_a_caller_without_a_session(backend: str) -> None:
    handlers = privileged()
    assert handlers
    for name, _needed in handlers:
        received = call_event(backend, name, payload_for(name))
        text = json.dumps(received)
        assert "Sign in again" in text and "/login" in text, name
        assert not carries_data(received), name


def test_privileged_handlers_refuse_a_user_without_the_permission(
    backend: str, person: Person, pg_url: str
) -> None:
    nobody = person()  # signed in, but no role at all
    token = session_cookie(sign_in(backend, nobody.username))
    assert token
    needing_permission = [(n, p) for n, p in privileged() if p != SIGNED_IN]
    for name, _needed in needing_permission:
        received = call_event(backend, name, payload_for(name), token=token)
        assert "You are not allowed to do that." in json.dumps(received), name
        assert not carries_data(received), name
    with session_scope(url=pg_url) as db:
        refusals = db.exec(
            select(sa.func.count())
            .select_from(AuditLog)
            .where(AuditLog.user_id == nobody.id, AuditLog.action == "ACCESS_DENIED")
        ).one()
    assert refusals == len(needing_permission)


def test_a_permitted_user_does_get_the_data(backend: str, person: Person) -> None:
    lead = person("Team lead")
    token = session_cookie(sign_in(backend, lead.username))
    received = call_event(backend, name_of("load"), token=token)
    assert carries_data(received)
    assert "not allowed" not in json.dumps(received)


def test_undeclared_setvar_is_refused(backend: str, person: Person) -> None:
    lead = person("Team lead")
    token = session_cookie(sign_in(backend, lead.username))
    name = name_of("load").rsplit(".", 1)[0] + ".setvar"
    received = call_event(backend, name, {"var_name": "total", "value": 999}, token=token)
    assert "You are not allowed to do that." in json.dumps(received)
    assert not carries_data(received)


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_event_socket_refuses_a_foreign_or_missing_origin(backend: str, origin: str | None) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        call_event(backend, name_of("load"), origin=origin)
    # ... while our own origin connects (and is then refused for lack of a session).
    assert call_event(backend, name_of("load"), origin=ORIGIN)


def name_of(handler: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"clients_state.{handler}"))


def test_a_refusal_decided_inside_a_handler_is_audited_like_the_guards(
    backend: str, person: Person, pg_url: str
) -> None:
    """A role that may take referrals but not see clients tries to link a client to an
    intake: the handler refuses, and the refusal is in the audit trail, naming the handler."""
    from mtkcare.users.models import UserRole
    from mtkcare.users.roles import create_role
    from tests.factories import SYSTEM
    from tests.users.test_admin_handlers import handler

    with session_scope(url=pg_url) as db:
        role = create_role(
            db, SYSTEM, f"Referrals only {uuid.uuid4().hex[:6]}", None, ["referral.create"]
        )
    taker = person()
    with session_scope(url=pg_url) as db:
        db.add(UserRole(user_id=taker.id, role_id=role.id))  # type: ignore[arg-type]
    token = session_cookie(sign_in(backend, taker.username))
    submit = handler("intake_state", "submit")
    received = call_event(
        backend, submit, {"form_data": {"client_choice": "1"}}, token=token, pathname="/intake"
    )
    assert "You are not allowed to do that." in json.dumps(received)
    with session_scope(url=pg_url) as db:
        refused = db.exec(
            select(AuditLog).where(AuditLog.user_id == taker.id, AuditLog.action == "ACCESS_DENIED")
        ).all()
    assert [(r.resource, r.resource_id) for r in refused] == [("Event", "submit")]
    assert "client.view" in (refused[0].detail or "")
