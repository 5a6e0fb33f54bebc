"""The search box in the header, in a real browser: results as you type, grouped; the arrow
keys and Enter open a client's record and a referral; Escape closes the list; a search that
finds nothing says so."""

from __future__ import annotations

import random
import re
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000


def _client_with_referral(url: str) -> tuple[int, str, int, str]:
    """A new client, Wiremu Qv…, with a new referral; returns the client's id and surname,
    and the referral's id and tracking id."""
    from mtkcare.clients.service import create_client
    from mtkcare.dates import today
    from mtkcare.db import session_scope
    from mtkcare.reference.service import option_id_by_code
    from mtkcare.referrals.service import create_referral
    from tests.factories import SYSTEM

    surname = "Qv" + "".join(random.choices("bcdfghjkmnpqrstvwxz", k=8))
    with session_scope(url=url) as db:
        client = create_client(
            db, SYSTEM, first_name="Wiremu", last_name=surname, date_of_birth=date(1979, 6, 5)
        )
        referral = create_referral(
            db, SYSTEM, referral_date=today(), reason="Needs help with housing.",
            service_type_id=option_id_by_code(db, "service_type", "housing"),
            client_id=client.id,
        )  # fmt: skip
        return client.id, surname, referral.id, referral.tracking_id  # type: ignore[return-value]


def test_typing_finds_a_client_and_the_keyboard_opens_records(page: Page, e2e_db_url: str) -> None:
    client_id, surname, referral_id, tracking = _client_with_referral(e2e_db_url)
    sign_in(page, "caseworker")
    box = page.get_by_role("combobox", name="Search clients and referrals")
    results = page.get_by_role("listbox", name="Search results")

    box.fill(surname[:6].lower())
    client = results.get_by_role("group", name="Clients").get_by_role(
        "option", name=re.compile(f"Wiremu {surname}")
    )
    expect(client).to_be_visible(timeout=TIMEOUT)
    referrals = results.get_by_role("group", name="Referrals")
    expect(referrals.get_by_role("option", name=re.compile(tracking))).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")

    # ArrowDown makes the first result active (focus stays in the box); Enter opens it.
    box.press("ArrowDown")
    expect(client).to_have_attribute("aria-selected", "true", timeout=TIMEOUT)
    expect(box).to_have_attribute("aria-activedescendant", client.get_attribute("id") or "")
    expect(box).to_be_focused()
    box.press("Enter")
    page.wait_for_url(f"**/clients/view?id={client_id}", timeout=TIMEOUT)
    heading = page.get_by_role("main").get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Wiremu {surname}", timeout=TIMEOUT)

    # By tracking id, from the record page: the referral is the only result.
    box = page.get_by_role("combobox", name="Search clients and referrals")
    expect(box).to_have_value("")
    box.fill(tracking.lower())
    only = results.get_by_role("option")
    expect(only).to_have_count(1, timeout=TIMEOUT)
    expect(only).to_contain_text(f"Wiremu {surname}")
    box.press("ArrowDown")
    expect(only).to_have_attribute("aria-selected", "true", timeout=TIMEOUT)
    box.press("Enter")
    page.wait_for_url(f"**/referrals/view?id={referral_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=f"Referral {tracking}")).to_be_visible(timeout=TIMEOUT)

    # A click opens a result too.
    box = page.get_by_role("combobox", name="Search clients and referrals")
    box.fill(surname)
    client.click(timeout=TIMEOUT)
    page.wait_for_url(f"**/clients/view?id={client_id}", timeout=TIMEOUT)


def test_nothing_found_is_said_and_escape_closes_the_list(page: Page) -> None:
    sign_in(page, "caseworker")
    box = page.get_by_role("combobox", name="Search clients and referrals")
    box.fill("Qvzzzzzzzz")
    expect(page.get_by_text("No clients or referrals match “Qvzzzzzzzz”")).to_be_visible(
        timeout=TIMEOUT
    )
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false", timeout=TIMEOUT)
    expect(page.get_by_text("No clients or referrals match")).to_be_hidden()
    # One character is not a search.
    box.fill("Q")
    page.wait_for_timeout(800)
    expect(box).to_have_attribute("aria-expanded", "false")
