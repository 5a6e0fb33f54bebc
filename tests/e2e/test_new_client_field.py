"""The field added to prove "one declaration per field": the client's preferred contact method,
asked for in intake step 3, read back on "Check your answers", shown on the record, edited
there and told in the record's history — from its declaration and its name in the layouts."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from mtkcare.clients.models import Client
from mtkcare.dates import today as org_today
from mtkcare.db import session_scope
from tests.e2e.conftest import sign_in
from tests.e2e.test_intake_wizard import _continue, _later_steps, _referral, _referral_step, _start


def test_a_preferred_contact_method_goes_from_intake_to_the_record_and_its_history(
    page: Page, e2e_db_url: str
) -> None:
    sign_in(page, "teamlead")
    _start(page)
    reason = "Preferred contact method journey: rings only after 5 pm."
    _referral_step(page, reason)
    _continue(page, "Step 2 of 8: Find the client")
    page.get_by_label("This is a new client").check()
    _continue(page, "Step 3 of 8: Client details")
    page.get_by_label("First name").fill("Tipene")
    page.get_by_label("Last name").fill("Contactmethod")
    page.get_by_label("Date of birth").fill("1991-07-21")
    page.get_by_label("Preferred contact method").select_option(label="Text message")
    _continue(page, "Step 4 of 8: Emergency contacts")
    _later_steps(page)
    page.get_by_label("Asked, not yet given: follow up").check()
    page.get_by_label("Follow-up date").fill(org_today().isoformat())
    _continue(page, "Check your answers")
    answers = page.get_by_role("main")
    expect(answers.get_by_text("Preferred contact method", exact=True)).to_be_visible()
    expect(answers.get_by_text("Text message", exact=True)).to_be_visible()
    page.get_by_role("button", name="Finish intake").click()
    expect(page.get_by_role("status").filter(has_text="waiting for consent")).to_be_visible(
        timeout=30_000
    )
    client_id = _referral(e2e_db_url, reason).client_id
    with session_scope(url=e2e_db_url) as session:
        client = session.exec(select(Client).where(Client.id == client_id)).one()
        assert client.preferred_contact_method == "TEXT_MESSAGE"

    page.goto(f"/clients/view?id={client_id}")
    details = page.get_by_role("main")
    expect(details.get_by_text("Text message", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Edit details").click()
    page.get_by_label("Preferred contact method").select_option(label="Post")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes to Tipene Contactmethod saved")).to_be_visible(timeout=30_000)
    expect(details.get_by_text("Post", exact=True)).to_be_visible()
    page.get_by_role("tablist").get_by_role("tab", name="History", exact=True).click()
    expect(page.get_by_role("list", name="History of this record")).to_contain_text(
        "changed preferred contact method from Text message to Post"
    )
