"""When a session ends, the tab forgets what it showed: signing out and in as someone else in
the same tab starts a new tab state, and a session that runs out sends the browser to the
sign-in page, which says so."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000
RISK_NOTE = "Known to carry a knife to appointments"


def _client_at_risk(url: str) -> tuple[int, str]:
    from mtkcare.clients.models import RiskLevel
    from mtkcare.clients.service import assess_risk, create_client
    from mtkcare.db import session_scope
    from tests.factories import SYSTEM

    last = f"Ended{uuid.uuid4().hex[:6].capitalize()}"
    with session_scope(url=url) as db:
        client = create_client(
            db, SYSTEM, first_name="Rangi", last_name=last, date_of_birth=date(1984, 2, 9)
        )
        assess_risk(db, SYSTEM, client.id, risk_level=RiskLevel.HIGH, risk_notes=RISK_NOTE)  # type: ignore[arg-type]
        return client.id, f"Rangi {last}"  # type: ignore[return-value]


def _tab_token(page: Page) -> str:
    return str(page.evaluate("() => window.sessionStorage.getItem('token')"))


def test_after_sign_out_the_next_person_in_the_tab_sees_nothing_of_the_first(
    page: Page, e2e_db_url: str
) -> None:
    client_id, name = _client_at_risk(e2e_db_url)
    sign_in(page, "teamlead")
    page.goto(f"/clients/view?id={client_id}", timeout=TIMEOUT)
    main = page.locator("#main-content")
    expect(main.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("tablist").get_by_role("tab", name="Risk history", exact=True).click()
    expect(page.get_by_text(RISK_NOTE).first).to_be_visible(timeout=TIMEOUT)
    lead_tab = _tab_token(page)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1", timeout=TIMEOUT)
    expect(page.get_by_role("status").filter(has_text="You have signed out")).to_be_visible()
    sign_in(page, "intake")
    expect(page.get_by_text("Mere Walker")).to_have_count(0)
    # A new tab state on the server: the tab token changed at the sign-in's page load.
    assert _tab_token(page) not in ("None", lead_tab)
    expect(page.get_by_role("link", name=re.compile("your account"))).to_be_visible()
    # (The client's name may show: the intake worker may see clients, but not their risk.)
    body = page.content()
    assert RISK_NOTE not in body and "Mere Walker" not in body


def test_a_session_that_runs_out_sends_the_browser_to_sign_in(page: Page, e2e_db_url: str) -> None:
    from mtkcare.db import session_scope, utcnow
    from mtkcare.users.models import User, UserSession

    sign_in(page, "caseworker")
    # The session's end comes close (its absolute limit: the idle limit would need half an
    # hour of waiting); the page learns it from the server's next answer, a reload here.
    with session_scope(url=e2e_db_url) as db:
        latest = (
            sa.select(sa.func.max(UserSession.id))
            .join(User, User.id == UserSession.user_id)  # type: ignore[arg-type]
            .where(User.username == "caseworker")
            .scalar_subquery()
        )
        db.execute(
            sa.update(UserSession)
            .where(UserSession.id == latest)  # type: ignore[arg-type]
            .values(expires_at=utcnow() + timedelta(seconds=8))
        )
    page.reload()
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible(timeout=TIMEOUT)
    # Nothing more is done in the page: its own script sends it to sign in when time is up.
    page.wait_for_url(re.compile(r"/login\?expired=1&next=%2Fclients"), timeout=30_000)
    expect(page.get_by_role("status").filter(has_text="Your session has ended")).to_be_visible(
        timeout=TIMEOUT
    )
    page.goto("/clients", timeout=TIMEOUT)
    page.wait_for_url("**/login?next=/clients", timeout=TIMEOUT)
