from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.routes import safe_next
from mtkcare.auth.service import resolve_session, token_hash
from mtkcare.db import session_scope, utcnow
from mtkcare.users.models import UserSession
from tests.support.web import ORIGIN, PASSWORD, Person, call_event, session_cookie, sign_in


def audit_actions(pg_url: str, user_id: int | None) -> list[str]:
    with session_scope(url=pg_url) as db:
        return list(
            db.exec(
                select(AuditLog.action)
                .where(AuditLog.user_id == user_id, AuditLog.resource == "Session")
                .order_by(AuditLog.id)  # type: ignore[arg-type]
            ).all()
        )


def resolves(pg_url: str, token: str | None) -> bool:
    with session_scope(url=pg_url) as db:
        return resolve_session(db, token) is not None


def test_right_password_starts_a_server_side_session_in_an_httponly_cookie(
    backend: str, person: Person, pg_url: str
) -> None:
    lead = person("Team lead")
    response = sign_in(backend, lead.username)
    assert response.status_code == 303
    assert response.headers["location"] == f"{ORIGIN}/clients"
    cookie_header = response.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=lax" in cookie_header
    token = session_cookie(response)
    assert token and len(token) >= 40
    with session_scope(url=pg_url) as db:
        principal = resolve_session(db, token)
        assert principal is not None and principal.user_id == lead.id
        assert principal.can("referral.decide")
        stored = db.exec(select(UserSession).where(UserSession.user_id == lead.id)).one()
        assert stored.token_hash == token_hash(token) != token
    assert audit_actions(pg_url, lead.id) == ["SIGN_IN"]


def test_each_sign_in_gets_a_new_session_id(backend: str, person: Person) -> None:
    worker = person("Case worker")
    first = session_cookie(sign_in(backend, worker.username))
    second = session_cookie(sign_in(backend, worker.username))
    assert first and second and first != second


def test_wrong_password_and_unknown_user_get_the_same_answer(
    backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    wrong = sign_in(backend, worker.username, "not-the-password")
    unknown = sign_in(backend, "nobody-by-this-name", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 303
        assert response.headers["location"] == f"{ORIGIN}/login?error=failed&next=%2Fclients"
        assert session_cookie(response) is None
    assert audit_actions(pg_url, worker.id) == ["SIGN_IN_FAILED"]


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    backend: str, person: Person
) -> None:
    worker = person("Case worker")
    for _ in range(5):
        assert "error=failed" in sign_in(backend, worker.username, "guess").headers["location"]
    locked = sign_in(backend, worker.username, PASSWORD)
    assert "error=locked" in locked.headers["location"]
    assert session_cookie(locked) is None


def test_deactivated_user_cannot_sign_in(backend: str, person: Person) -> None:
    leaver = person("Case worker", active=False)
    assert session_cookie(sign_in(backend, leaver.username)) is None


def test_idle_session_expires(backend: str, person: Person, pg_url: str) -> None:
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    assert resolves(pg_url, token)
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == worker.id)  # type: ignore[arg-type]
            .values(last_seen_at=utcnow() - timedelta(minutes=31))
        )
    assert not resolves(pg_url, token)


def test_session_expires_at_its_absolute_limit_however_active(
    backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == worker.id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert not resolves(pg_url, token)


def test_sign_out_ends_the_session_on_the_server(backend: str, person: Person, pg_url: str) -> None:
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    response = httpx.post(
        f"{backend}/auth/logout",
        headers={"Origin": ORIGIN, "Cookie": f"mtkcare_session={token}"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{ORIGIN}/login?signed_out=1"
    assert 'mtkcare_session=""' in response.headers["set-cookie"]
    # The old cookie value is worthless even if someone kept a copy.
    assert not resolves(pg_url, token)
    assert audit_actions(pg_url, worker.id) == ["SIGN_IN", "SIGN_OUT"]


def test_sign_in_from_another_site_is_refused(backend: str, person: Person) -> None:
    worker = person("Case worker")
    response = sign_in(backend, worker.username, origin="https://evil.example")
    assert response.status_code == 403
    assert session_cookie(response) is None


def test_the_session_cookie_is_forgotten_when_the_browser_closes(
    backend: str, person: Person
) -> None:
    response = sign_in(backend, person("Case worker").username)
    cookie_header = response.headers["set-cookie"].lower()
    assert session_cookie(response)
    # No lifetime of its own: the server's idle and absolute limits still end it.
    assert "max-age" not in cookie_header and "expires" not in cookie_header


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/x",
        "https://evil.example/x",
        "evil.example",
        "/\\evil.example",
        "/clients\\..\\x",
        "/%2F%2Fevil.example",
        "/%2f/evil.example",
        "/%5Cevil.example",
        "/%255C%255Cevil.example",
        "/%25252F%25252Fevil.example",
        "/%252525252525252F",
        "/\t/evil.example",
        "/%09/evil.example",
        "/clients%0d%0aSet-Cookie:%20x=1",
        "/clients\x00",
        "/clients\x85",
        "",
    ],
)
def test_the_next_page_is_only_ever_a_path_of_this_site(next_path: str) -> None:
    assert safe_next(next_path) == "/clients"


@pytest.mark.parametrize(
    "next_path",
    ["/clients", "/clients/42?tab=risk", "/clients?q=M%C4%81ori%20health", "/reports?x=50%"],
)
def test_a_next_page_of_this_site_is_kept_as_it_is(next_path: str) -> None:
    assert safe_next(next_path) == next_path


def test_sign_in_never_redirects_to_another_site(backend: str, person: Person) -> None:
    worker = person("Case worker")
    response = httpx.post(
        f"{backend}/auth/login",
        data={"username": worker.username, "password": PASSWORD, "next": "//evil.example/x"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"{ORIGIN}/clients"


def test_auth_responses_carry_security_headers_and_are_never_cached(
    backend: str, person: Person
) -> None:
    response = sign_in(backend, person("Case worker").username)
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "same-origin"


def test_a_one_time_password_opens_only_your_account_until_it_is_changed(
    backend: str, person: Person, pg_url: str
) -> None:
    from mtkcare.users.service import reset_password
    from tests.auth.test_socket_attacks import name_of
    from tests.factories import SYSTEM
    from tests.users.test_admin_handlers import handler

    lead = person("Team lead")
    one_time, own = "given-by-an-administrator-42", "Kereru-flies-high-77"
    with session_scope(url=pg_url) as db:
        reset_password(db, SYSTEM, lead.id, one_time)  # type: ignore[arg-type]
    response = sign_in(backend, lead.username, one_time)
    assert response.headers["location"] == f"{ORIGIN}/account"
    token = session_cookie(response)
    with session_scope(url=pg_url) as db:
        principal = resolve_session(db, token)
        assert principal is not None and principal.permissions == frozenset()
    refused = call_event(backend, name_of("load"), token=token)
    assert "You are not allowed to do that." in json.dumps(refused)

    form = {"current_password": one_time, "new_password": own, "confirm_password": own}
    changed = call_event(
        backend,
        handler("account_state", "change_password"),
        {"form_data": form},
        token=token,
        pathname="/account",
    )
    assert "Your password is changed." in json.dumps(changed)
    with session_scope(url=pg_url) as db:
        principal = resolve_session(db, token)
        assert principal is not None and principal.can("referral.decide")
    assert sign_in(backend, lead.username, own).headers["location"] == f"{ORIGIN}/clients"


def test_a_session_knows_when_it_ends_if_left_alone(
    backend: str, person: Person, pg_url: str
) -> None:
    """The idle limit from the last use, or the absolute limit if that comes first."""
    worker = person("Case worker")
    token = session_cookie(sign_in(backend, worker.username))
    last_use = utcnow() - timedelta(seconds=30)
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == worker.id)  # type: ignore[arg-type]
            .values(last_seen_at=last_use)
        )
        principal = resolve_session(db, token)
        assert principal is not None
        assert principal.ends_at == last_use + timedelta(minutes=30)
        soon = utcnow() + timedelta(minutes=5)
        db.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == worker.id)  # type: ignore[arg-type]
            .values(expires_at=soon)
        )
        principal = resolve_session(db, token)
        assert principal is not None and principal.ends_at == soon
