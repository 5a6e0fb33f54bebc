"""A tab's state on the server belongs to the sign-in it was built under.

Reflex keeps each tab's state for an hour, keyed by a tab token that travels in the event
socket's URL (so proxies log it). These tests replay such a token from a raw Socket.IO client,
with no session or with someone else's, after a team lead opened a client's record in that
tab, and check that nothing of the lead's screens comes back — with tab state in memory and
in Redis."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import httpx
import pytest
import redis
from sqlmodel import Session

from mtkcare.clients.models import RiskLevel
from mtkcare.clients.service import assess_risk, create_client
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import SYSTEM
from tests.support.web import (
    HYDRATE,
    HYDRATE_AND_LOAD,
    ORIGIN,
    Person,
    Tab,
    session_cookie,
    sign_in,
)

RISK_NOTE = "Threatened staff at the Porirua office"


def handler(state: str, name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{state}.{name}"))


def a_client_at_risk(pg_url: str) -> tuple[int, str]:
    surname = f"Leakcheck{uuid.uuid4().hex[:8]}"
    with session_scope(url=pg_url) as db:
        assert isinstance(db, Session)
        client = create_client(
            db,
            SYSTEM,
            first_name="Wiremu",
            last_name=surname,
            date_of_birth=date(1979, 3, 2),
        )
        assess_risk(db, SYSTEM, client.id, risk_level=RiskLevel.HIGH, risk_notes=RISK_NOTE)
        return client.id, surname  # type: ignore[return-value]


def leads_screens(backend: str, person: Person, pg_url: str) -> tuple[Tab, str, str]:
    """A team lead's tab that searched the clients list and opened a client's record (with
    risk); returns the tab, the client's surname and the lead's name."""
    lead = person("Team lead")
    cookie = session_cookie(sign_in(backend, lead.username))
    client_id, surname = a_client_at_risk(pg_url)
    tab = Tab(backend, cookie=cookie)
    tab.send(
        handler("clients_state", "search"), {"form_data": {"q": surname}}, wait=15, until=surname
    )
    opened = tab.send(
        handler("client_record_state", "load"),
        pathname="/clients/view",
        query={"id": str(client_id)},
        wait=15,
        until=RISK_NOTE,
    )
    seen = json.dumps(opened)
    # The lead's own tab does get the record, risk included: the replays below are a test.
    assert surname in seen and RISK_NOTE in seen
    return tab, surname, lead.full_name


def assert_nothing_of(received: list[dict], *secrets: str) -> None:
    text = json.dumps(received)
    assert received, "the server answered nothing at all"
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize("hydrate", [HYDRATE_AND_LOAD, HYDRATE])
def test_a_replayed_tab_token_without_a_session_gets_none_of_the_screens(
    backend: str, person: Person, pg_url: str, hydrate: str
) -> None:
    tab, surname, lead_name = leads_screens(backend, person, pg_url)
    with tab.reopen(cookie=None) as replay:
        received = replay.send(hydrate, pathname="/login", wait=3)
        assert not replay.new_tokens  # the server kept the token: the same tree was asked for
    assert_nothing_of(received, surname, RISK_NOTE, lead_name)


def test_another_users_session_on_the_tab_gets_none_of_the_screens(
    backend: str, person: Person, pg_url: str
) -> None:
    tab, surname, lead_name = leads_screens(backend, person, pg_url)
    intake = person("Intake worker")
    other = session_cookie(sign_in(backend, intake.username))
    with tab.reopen(cookie=other) as replay:
        received = replay.send(HYDRATE_AND_LOAD, pathname="/login", wait=3)
        assert not replay.new_tokens
    assert_nothing_of(received, surname, RISK_NOTE, lead_name)
    assert intake.full_name in json.dumps(received)  # the tab is theirs now


def test_an_ordinary_event_on_a_replayed_token_clears_the_screens_it_held(
    backend: str, person: Person, pg_url: str
) -> None:
    """Not only hydration: any first event after the session changed wipes the old tree,
    and the browser is told the emptied values."""
    tab, surname, lead_name = leads_screens(backend, person, pg_url)
    with tab.reopen(cookie=None) as replay:
        first = replay.send(handler("client_record_state", "load"), pathname="/clients/view")
        again = replay.send(HYDRATE_AND_LOAD, pathname="/login", wait=3)
    assert_nothing_of(first + again, surname, RISK_NOTE, lead_name)


def test_the_lead_keeps_their_screens_across_a_reconnect(
    backend: str, person: Person, pg_url: str
) -> None:
    """The same session reconnecting (a reload, a dropped network) keeps its tab's state."""
    lead = person("Team lead")
    cookie = session_cookie(sign_in(backend, lead.username))
    client_id, surname = a_client_at_risk(pg_url)
    tab = Tab(backend, cookie=cookie)
    tab.send(
        handler("client_record_state", "load"),
        pathname="/clients/view",
        query={"id": str(client_id)},
        wait=15,
        until=surname,
    )
    with tab.reopen(cookie=cookie) as again:
        received = again.send(HYDRATE, pathname="/clients/view", wait=15, until=surname)
    assert surname in json.dumps(received)


def test_over_redis_a_replayed_token_gets_none_of_the_screens(
    redis_backend: str, person: Person, pg_url: str
) -> None:
    tab, surname, lead_name = leads_screens(redis_backend, person, pg_url)
    with tab.reopen(cookie=None) as replay:
        received = replay.send(HYDRATE_AND_LOAD, pathname="/login", wait=3)
        assert not replay.new_tokens
    assert_nothing_of(received, surname, RISK_NOTE, lead_name)


def test_over_redis_states_the_event_did_not_load_are_reset_too(
    redis_backend: str, person: Person, pg_url: str
) -> None:
    """In Redis each state is a key of its own and an event loads only what it needs: the
    sign-in page's event does not load the record's state, which must be emptied all the
    same before the tree counts as the new caller's."""
    tab, surname, lead_name = leads_screens(redis_backend, person, pg_url)
    with tab.reopen(cookie=None) as replay:
        replay.send(handler("login_state", "prepare"), pathname="/login", wait=3)
        received = replay.send(HYDRATE_AND_LOAD, pathname="/login", wait=3)
    assert_nothing_of(received, surname, RISK_NOTE, lead_name)


def test_over_redis_the_stored_state_holds_no_session_cookie(
    redis_backend: str, redis_url: str, person: Person
) -> None:
    lead = person("Team lead")
    cookie = session_cookie(sign_in(redis_backend, lead.username))
    assert cookie
    with Tab(redis_backend, cookie=cookie) as tab:
        # Several events in a row on one connection: each still knows who is calling.
        for _ in range(3):
            received = tab.send(handler("clients_state", "load"), wait=3)
            assert "Sign in again" not in json.dumps(received)
            assert any(item.get("delta") for item in received)
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"{tab.tab}_*")
    assert keys, "the tab's state was not stored in Redis"
    for key in keys:
        assert cookie.encode() not in (store.get(key) or b""), key


def stored(redis_url: str, tab: str) -> bytes:
    store = redis.Redis.from_url(redis_url)
    return b"".join(store.get(key) or b"" for key in store.keys(f"{tab}_*"))


def sign_out(base: str, cookie: str, tab: str) -> httpx.Response:
    return httpx.post(
        f"{base}/auth/logout",
        data={"tab": tab},
        headers={"Origin": ORIGIN, "Cookie": f"{get_settings().session_cookie_name}={cookie}"},
        follow_redirects=False,
    )


def test_signing_out_empties_the_tabs_state_on_the_server(
    redis_backend: str, redis_url: str, person: Person, pg_url: str
) -> None:
    tab, surname, lead_name = leads_screens(redis_backend, person, pg_url)
    cookie = tab.cookie
    assert cookie and surname.encode() in stored(redis_url, tab.tab)
    tab.close()
    assert sign_out(redis_backend, cookie, tab.tab).status_code == 303
    held = stored(redis_url, tab.tab)
    assert held  # still there, emptied: the tab's next page starts from nothing
    for secret in (surname, RISK_NOTE, lead_name):
        assert secret.encode() not in held


def test_signing_out_leaves_another_persons_tab_alone(
    redis_backend: str, redis_url: str, person: Person, pg_url: str
) -> None:
    """The sign-out form names the tab; naming someone else's does nothing to it."""
    tab, surname, _ = leads_screens(redis_backend, person, pg_url)
    tab.close()
    other = session_cookie(sign_in(redis_backend, person("Case worker").username))
    assert other
    assert sign_out(redis_backend, other, tab.tab).status_code == 303
    assert surname.encode() in stored(redis_url, tab.tab)


def test_every_answer_tells_the_page_when_the_session_ends(backend: str, person: Person) -> None:
    cookie = session_cookie(sign_in(backend, person("Case worker").username))
    with Tab(backend, cookie=cookie) as tab:
        received = tab.send(handler("app_state", "check_page_access"), wait=5, until="timer")
    timers = [
        changes["session_timer_rx_state_"]
        for item in received
        for name, changes in item.get("delta", {}).items()
        if name.endswith("session_binding_state") and "session_timer_rx_state_" in changes
    ]
    assert timers
    ends_ms, left_ms = (int(part) for part in timers[-1].split(":"))
    assert 29 * 60_000 < left_ms <= 30 * 60_000  # the idle limit, just signed in
    assert abs(ends_ms - time.time() * 1000 - left_ms) < 5_000
