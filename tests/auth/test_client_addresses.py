"""The client's address comes from the socket, or through exactly the configured number of
trusted proxies from X-Forwarded-For: never from what the client writes there itself."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from mtkcare.audit.models import AuditAction, AuditLog
from mtkcare.auth.addresses import client_address
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.support.web import ORIGIN, PASSWORD, Person, call_event, sign_in
from tests.support.web import client_address as new_address

PEER = "192.0.2.10"  # the socket's peer: the nearest proxy when there is one


@pytest.mark.parametrize(
    ("forwarded_for", "hops", "expected"),
    [
        # No trusted proxy: the header is the client's own words.
        ("203.0.113.7", 0, PEER),
        (None, 1, PEER),
        ("", 1, PEER),
        # One proxy appended the address it saw; anything left of it came from the client.
        ("203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        # Fewer entries than proxies: every entry was written by one of ours.
        ("203.0.113.7", 2, "203.0.113.7"),
        # Not an address where the client's should be: the nearest proxy's, never further left.
        ("6.6.6.6, unknown", 1, PEER),
        ("6.6.6.6, garbage, 10.0.0.2", 2, "10.0.0.2"),
        ("6.6.6.6, , 203.0.113.7", 1, "203.0.113.7"),
        # Ports and spellings of the same address.
        ("203.0.113.7:51234", 1, "203.0.113.7"),
        ("[2001:DB8::1]:443", 1, "2001:db8::1"),
        ("2001:0db8:0:0::1", 1, "2001:db8::1"),
        ("1" * 60, 1, PEER),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    forwarded_for: str | None, hops: int, expected: str
) -> None:
    assert client_address(PEER, forwarded_for, hops) == expected


def sign_in_address(pg_url: str, user_id: int | None) -> str | None:
    with session_scope(url=pg_url) as db:
        return db.exec(
            select(AuditLog.ip_address).where(
                AuditLog.user_id == user_id, AuditLog.action == AuditAction.SIGN_IN
            )
        ).one()


def test_without_trusted_proxies_a_forwarded_address_is_ignored_at_sign_in(
    backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    response = httpx.post(
        f"{backend}/auth/login",
        data={"username": worker.username, "password": PASSWORD},
        headers={"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.99"},
    )
    assert response.status_code == 303
    assert sign_in_address(pg_url, worker.id) == "127.0.0.1"


def test_behind_a_trusted_proxy_sign_in_records_the_address_the_proxy_saw(
    proxied_backend: str, person: Person, pg_url: str
) -> None:
    worker = person("Case worker")
    seen = new_address()
    # The client's own line comes first; the proxy added its own line (a repeated header).
    response = httpx.post(
        f"{proxied_backend}/auth/login",
        data={"username": worker.username, "password": PASSWORD},
        headers=[
            ("Origin", ORIGIN),
            ("X-Forwarded-For", "6.6.6.6, 7.7.7.7"),
            ("X-Forwarded-For", seen),
        ],
    )
    assert response.status_code == 303
    assert sign_in_address(pg_url, worker.id) == seen


def refusal_addresses(pg_url: str, after_id: int, user_id: int | None) -> list[str | None]:
    with session_scope(url=pg_url) as db:
        return list(
            db.exec(
                select(AuditLog.ip_address).where(
                    AuditLog.action == AuditAction.ACCESS_DENIED,
                    col(AuditLog.id) > after_id,
                    AuditLog.user_id == user_id,
                )
            ).all()
        )


def last_audit_id(pg_url: str) -> int:
    with session_scope(url=pg_url) as db:
        return int(db.exec(select(sa.func.coalesce(sa.func.max(AuditLog.id), 0))).one())


def clients_load() -> str:
    return next(n for n, _ in app_handlers() if n.endswith("clients_state.load"))


@pytest.mark.parametrize("hops", [0, 1])
def test_the_event_socket_takes_the_address_through_the_same_proxies(
    hops: int, backend: str, proxied_backend: str, pg_url: str, person: Person
) -> None:
    base = proxied_backend if hops else backend
    claimed = new_address()
    nobody = person()  # signed in, no role: their refusals are audited one by one
    token = sign_in(base, nobody.username, forwarded_for=claimed).cookies.get(
        get_settings().session_cookie_name
    )
    before = last_audit_id(pg_url)
    call_event(base, clients_load(), token=token, headers={"X-Forwarded-For": claimed}, wait=0.5)
    # The refused event is audited with the caller's address.
    assert refusal_addresses(pg_url, before, nobody.id) == [claimed if hops else "127.0.0.1"]
