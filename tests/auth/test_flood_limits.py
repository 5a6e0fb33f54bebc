"""A script cannot flood the server through the event socket: events per tab are rate
limited, refusals without a session are audited as one counted row per tab and window (not one
row per event), tabs per address are capped, and the socket speaks WebSocket only.

The limits are settings; these backends run with small ones so the tests stay short."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import socketio
import sqlalchemy as sa
from sqlmodel import select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.limits import tab_digest
from mtkcare.db import session_scope
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.support.web import (
    ORIGIN,
    SUITE_LIMITS,
    Person,
    Tab,
    running_backend,
    session_cookie,
    sign_in,
)

WINDOW = 2  # seconds: the anonymous refusals' window on the limits backend


def handler(state: str, name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{state}.{name}"))


@pytest.fixture(scope="module")
def limited_backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Six events in a burst, then two a second; refusals counted in windows of two seconds."""
    with running_backend(
        pg_url,
        tmp_path_factory.mktemp("limited_backend") / "backend.log",
        MTKCARE_EVENT_BURST="6",
        MTKCARE_EVENT_RATE_PER_SECOND="2",
        MTKCARE_ANONYMOUS_REFUSAL_WINDOW_SECONDS=str(WINDOW),
        **SUITE_LIMITS,
    ) as base:
        yield base


@pytest.fixture(scope="module")
def three_tab_backend(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_backend(
        pg_url,
        tmp_path_factory.mktemp("three_tab_backend") / "backend.log",
        MTKCARE_TABS_PER_ADDRESS="3",
        **SUITE_LIMITS,
    ) as base:
        yield base


def refusals_of(pg_url: str, **where: object) -> list[AuditLog]:
    with session_scope(url=pg_url) as db:
        query = select(AuditLog).where(AuditLog.action == "ACCESS_DENIED")
        for name, value in where.items():
            query = query.where(getattr(AuditLog, name) == value)
        return list(db.exec(query.order_by(sa.asc(AuditLog.id))).all())


def test_a_tab_sending_too_fast_has_its_events_dropped_with_one_notice(
    limited_backend: str, person: Person, pg_url: str
) -> None:
    nobody = person()  # signed in, no role: each event that runs is one audited refusal
    cookie = session_cookie(sign_in(limited_backend, nobody.username))
    name = handler("clients_state", "load")
    with Tab(limited_backend, cookie=cookie) as tab:
        for _ in range(20):
            tab.client.emit(
                "event",
                {"name": name, "payload": {}, "router_data": {"pathname": "/clients"}},
                namespace="/_event",
            )
        time.sleep(2)
        text = json.dumps(tab.received)
        ran = len(refusals_of(pg_url, user_id=nobody.id))
        # The burst of six, and what refilled while they ran; the rest were dropped.
        assert 6 <= ran <= 10, ran
        assert text.count("Too many actions at once") == 1
        # The bucket refills: a moment later the tab is served again.
        time.sleep(1)
        again = tab.send(name)
        assert "You are not allowed to do that." in json.dumps(again)
    assert len(refusals_of(pg_url, user_id=nobody.id)) == ran + 1


def test_refusals_without_a_session_are_audited_as_one_counted_row_per_tab_and_window(
    limited_backend: str, pg_url: str
) -> None:
    name = handler("client_record_state", "delete")
    while time.time() % WINDOW > WINDOW / 4:  # all five inside one window
        time.sleep(0.05)
    with Tab(limited_backend) as tab:
        for _ in range(5):
            tab.client.emit(
                "event",
                {"name": name, "payload": {}, "router_data": {"pathname": "/clients/view"}},
                namespace="/_event",
            )
        time.sleep(0.5)
        assert json.dumps(tab.received).count("Your session has ended") == 5
    # Nothing more comes from the tab: the window's tally is written once it is over.
    deadline = time.monotonic() + 10
    while not (rows := refusals_of(pg_url, resource_id=tab_digest(tab.tab))):
        assert time.monotonic() < deadline, "the tally was never written"
        time.sleep(0.2)
    time.sleep(WINDOW)
    rows = refusals_of(pg_url, resource_id=tab_digest(tab.tab))
    assert len(rows) == 1
    (row,) = rows
    assert row.user_id is None and row.ip_address == "127.0.0.1"
    assert row.detail and row.detail.startswith("5 events refused without a session")
    assert "client_record_state.delete x5" in row.detail
    assert tab.tab not in row.detail  # the tab token itself is a credential


def test_an_address_holds_a_limited_number_of_tabs(three_tab_backend: str) -> None:
    tabs = [Tab(three_tab_backend) for _ in range(3)]
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            Tab(three_tab_backend)
        # A second connection on an open tab's token would get a new tab from the server.
        with pytest.raises(socketio.exceptions.ConnectionError):
            Tab(three_tab_backend, tab=tabs[1].tab)
        # A tab reconnecting (a reload, a network drop) is still the same tab.
        tabs[0] = tabs[0].reopen()
        assert tabs[0].client.connected
    finally:
        for tab in tabs:
            tab.close()


def test_the_event_socket_speaks_websocket_only(backend: str) -> None:
    """Kept so: the tab count above relies on one connection per tab."""
    response = httpx.get(
        f"{backend}/_event/",
        params={"EIO": "4", "transport": "polling", "token": "t"},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 400
    client = socketio.Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            f"{backend}/_event?token=t",
            transports=["polling"],
            namespaces=["/_event"],
            socketio_path="/_event",
            headers={"Origin": ORIGIN},
        )
