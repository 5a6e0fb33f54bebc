"""The intake wizard in a real browser: a new client to enrolment, an existing client found
and linked, consent declined, and a draft that survives a reload. Every step is
photographed into .tmp/screenshots/ (look at them when changing the wizard)."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from mtkcare.clients.models import Client, ClientEmergencyContact
from mtkcare.dates import today as org_today
from mtkcare.db import session_scope
from mtkcare.intake.models import IntakeDraft
from mtkcare.programs.models import Enrolment
from mtkcare.referrals.models import ConsentRecord, Referral
from tests.e2e.conftest import ROOT, sign_in

SHOTS = ROOT / ".tmp" / "screenshots"
TODAY = org_today()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of the shot
    page.screenshot(path=str(Path(SHOTS, f"intake-{name}.png")), full_page=True)


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name=text)).to_be_visible(timeout=30_000)


def _continue(page: Page, next_heading: str) -> None:
    page.get_by_role("button", name=re.compile("^Continue")).click()
    _heading(page, next_heading)


def _start(page: Page) -> None:
    page.goto("/intake")
    page.get_by_role("button", name="Start a new intake").click()
    _heading(page, "Step 1 of 8: The referral")


def _referral_step(page: Page, reason: str) -> None:
    page.get_by_label("Referral date").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_label("Service type").select_option(label="Financial capability")
    page.get_by_label("High").check()
    page.get_by_label("Reason for referral").fill(reason)


def _later_steps(page: Page, *, shots: bool = False, risk_error: bool = False) -> None:
    """Steps 4 to 7 for a new client (one contact, one identity, risk, the program);
    ``risk_error`` first continues without a risk level and follows the summary's link."""
    page.get_by_label("Contact's name").fill("Hine Tānemahuta")
    page.get_by_label("Relationship").select_option(label="Partner or spouse")
    page.get_by_label("Contact's phone number").fill("027 444 1313")
    if shots:
        _shot(page, "4-contacts")
    _continue(page, "Step 5 of 8: Cultural identity")
    page.get_by_label("Māori", exact=True).check()
    page.get_by_label("Cultural identity notes").fill("Ngāti Maniapoto")
    if shots:
        _shot(page, "5-identity")
    _continue(page, "Step 6 of 8: Risk assessment")
    if risk_error:
        page.get_by_role("button", name="Continue").click()
        summary = page.get_by_role("alert").filter(has_text="There is a problem")
        expect(summary).to_be_focused(timeout=15_000)
        summary.get_by_role("link").first.click()
        expect(page.get_by_label("Low")).to_be_focused()  # the question's first answer
    page.get_by_label("Medium").check()
    page.get_by_label("Risk factors").fill("Behind on rent")
    if shots:
        _shot(page, "6-risk")
    _continue(page, "Step 7 of 8: Program")
    page.get_by_label("Budgeting Service").check()
    if shots:
        _shot(page, "7-program")
    _continue(page, "Step 8 of 8: Consent")


def _referral(e2e_db_url: str, reason: str) -> Referral:
    with session_scope(url=e2e_db_url) as session:
        referral = session.exec(select(Referral).where(Referral.reason == reason)).one()
        session.expunge(referral)
        return referral


def test_a_new_client_goes_through_the_whole_wizard_to_enrolment(
    page: Page, e2e_db_url: str
) -> None:
    sign_in(page, "intake")
    _start(page)
    reason = "Behind on power bills; wants a budget plan (new client journey)."
    _referral_step(page, reason)
    _shot(page, "1-referral")
    _continue(page, "Step 2 of 8: Find the client")

    page.get_by_label("Name", exact=True).fill("Wiremu Tānemahuta-Brown")
    expect(page.get_by_text("No existing clients match what you typed so far.")).to_be_visible()
    page.get_by_label("This is a new client").check()
    _shot(page, "2-lookup")
    _continue(page, "Step 3 of 8: Client details")

    # The server's checks land next to the field and in the summary, which takes focus.
    page.get_by_label("First name").fill("Wiremu")
    page.get_by_label("Last name").fill("Tānemahuta-Brown")
    page.get_by_label("Date of birth").fill((TODAY + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=15_000)
    expect(summary.get_by_role("link", name="Enter a date of birth in the past")).to_be_visible()
    expect(page.locator("#intake-date_of_birth-error")).to_have_text(
        re.compile("Enter a date of birth in the past")
    )
    _shot(page, "3-client-error")
    page.get_by_label("Date of birth").fill("1979-02-14")
    page.get_by_label("Primary language").select_option(label="Te reo Māori")
    page.get_by_label("Phone number").fill("027 444 1212")
    page.get_by_label("Town or city").fill("Hamilton")
    _shot(page, "3-client")
    _continue(page, "Step 4 of 8: Emergency contacts")
    _later_steps(page, shots=True)

    page.get_by_label("Consent obtained").check()
    page.get_by_label("How consent was given").select_option(label="Written (signed form)")
    page.get_by_label("What the consent covers").fill("Share details with the budgeting team")
    _shot(page, "8-consent")
    _continue(page, "Check your answers")
    expect(page.get_by_text("Wiremu Tānemahuta-Brown")).to_be_visible()
    expect(page.get_by_text("Budgeting Service")).to_be_visible()
    _shot(page, "9-check")
    page.get_by_role("button", name="Finish intake").click()

    expect(page.get_by_role("status").filter(has_text="is enrolled")).to_be_visible(timeout=30_000)
    _shot(page, "10-done")
    referral = _referral(e2e_db_url, reason)
    assert referral.status == "ACTIVE"
    with session_scope(url=e2e_db_url) as session:
        client = session.get(Client, referral.client_id)
        assert client is not None and client.last_name == "Tānemahuta-Brown"
        enrolment = session.exec(
            select(Enrolment).where(Enrolment.referral_id == referral.id)
        ).one()
        assert enrolment.commencement_date == TODAY
    # The finished intake is no longer among the drafts.
    page.goto("/intake")
    expect(page.get_by_role("heading", name="Your intakes in progress")).to_be_visible()
    expect(page.get_by_text("Wiremu Tānemahuta-Brown")).to_have_count(0)


def test_an_existing_client_is_found_as_you_type_and_linked(page: Page, e2e_db_url: str) -> None:
    with session_scope(url=e2e_db_url) as session:
        # Someone with no referral waiting for consent (other tests record consent for those).
        waiting = select(Referral.client_id).where(
            col(Referral.status).in_(["AWAITING_CONSENT", "FOLLOW_UP"]),
            col(Referral.client_id).is_not(None),
        )
        known = session.exec(
            select(Client)
            .where(
                col(Client.phone).is_not(None),
                col(Client.id).not_in(waiting),
                col(Client.id).in_(select(ClientEmergencyContact.client_id)),
            )
            .order_by(col(Client.id).desc())
        ).first()
        assert known is not None
        known_id, first, last = known.id, known.first_name, known.last_name
        clients_before = len(session.exec(select(Client.id)).all())
    sign_in(page, "teamlead")
    _start(page)
    reason = f"Linked journey for {first} {last}: needs a budget review."
    _referral_step(page, reason)
    _continue(page, "Step 2 of 8: Find the client")

    # Typing part of the name is enough for matches to appear, with their reasons.
    page.get_by_label("Name", exact=True).press_sequentially(f"{first} {last}", delay=40)
    match = page.get_by_label(re.compile(f"^Same person: {re.escape(first)} {re.escape(last)}"))
    expect(match.first).to_be_visible(timeout=15_000)
    _shot(page, "linked-2-lookup")
    match.first.check()
    _continue(page, "Step 3 of 8: Client details")
    # Their details fill the form; the worker updates the phone number.
    expect(page.get_by_label("First name")).to_have_value(first)
    expect(page.get_by_text("You are updating the record of")).to_be_visible()
    page.get_by_label("Phone number").fill("022 101 2020")
    _continue(page, "Step 4 of 8: Emergency contacts")
    expect(page.get_by_text("already has these contacts on record")).to_be_visible()
    page.get_by_label("Contact's name").fill("Sam Whitu")
    page.get_by_label("Contact's phone number").fill("027 222 3333")
    _continue(page, "Step 5 of 8: Cultural identity")
    _continue(page, "Step 6 of 8: Risk assessment")
    page.get_by_label("Low").check()
    _continue(page, "Step 7 of 8: Program")
    page.get_by_label("Budgeting Service").check()
    _continue(page, "Step 8 of 8: Consent")
    page.get_by_label("Asked, not yet given: follow up").check()
    page.get_by_label("Follow-up date").fill((TODAY + timedelta(days=5)).isoformat())
    _continue(page, "Check your answers")
    expect(page.get_by_text("Existing client (their record is updated)")).to_be_visible()
    page.get_by_role("button", name="Finish intake").click()
    expect(page.get_by_role("status").filter(has_text="waiting for consent")).to_be_visible(
        timeout=30_000
    )

    referral = _referral(e2e_db_url, reason)
    assert referral.client_id == known_id and referral.status == "FOLLOW_UP"
    with session_scope(url=e2e_db_url) as session:
        assert len(session.exec(select(Client.id)).all()) == clients_before
        assert session.get(Client, known_id).phone == "022 101 2020"  # type: ignore[union-attr]


def test_an_intake_worker_linking_a_client_skips_their_risk_and_leaves_it_as_it_was(
    page: Page, e2e_db_url: str
) -> None:
    from mtkcare.clients.service import add_emergency_contact, assess_risk, create_client
    from tests.factories import SYSTEM

    with session_scope(url=e2e_db_url) as session:
        kept = create_client(
            session, SYSTEM, first_name="Risky", last_name="Kawhia-Linked",
            date_of_birth=date(1969, 3, 3), phone="027 313 1313",
        )  # fmt: skip
        add_emergency_contact(session, SYSTEM, kept.id, name="Aunty Ria", phone="027 111 0000")
        assess_risk(
            session, SYSTEM, kept.id, risk_level="HIGH",
            risk_notes="Violent partner: do not visit alone",
        )  # fmt: skip
        kept_id = kept.id
    sign_in(page, "intake")
    _start(page)
    reason = "Linked by an intake worker: their risk assessment must stay as it is."
    _referral_step(page, reason)
    _continue(page, "Step 2 of 8: Find the client")
    page.get_by_label("Name", exact=True).press_sequentially("Risky Kawhia-Linked", delay=40)
    match = page.get_by_label(re.compile("^Same person: Risky Kawhia-Linked"))
    expect(match.first).to_be_visible(timeout=15_000)
    match.first.check()
    _continue(page, "Step 3 of 8: Client details")
    _continue(page, "Step 4 of 8: Emergency contacts")
    _continue(page, "Step 5 of 8: Cultural identity")
    # Continue passes over the risk step, which the step list says is not needed.
    _continue(page, "Step 7 of 8: Program")
    expect(page.get_by_text(re.compile("6. Risk assessment.*not needed"))).to_be_visible()
    _shot(page, "linked-risk-skipped")
    page.get_by_role("button", name="Back").click()
    _heading(page, "Step 5 of 8: Cultural identity")
    _continue(page, "Step 7 of 8: Program")
    page.get_by_label("Budgeting Service").check()
    _continue(page, "Step 8 of 8: Consent")
    page.get_by_label("Asked, not yet given: follow up").check()
    page.get_by_label("Follow-up date").fill((TODAY + timedelta(days=5)).isoformat())
    _continue(page, "Check your answers")
    expect(page.get_by_role("heading", name="Risk assessment")).to_have_count(0)
    page.get_by_role("button", name="Finish intake").click()
    expect(page.get_by_role("status").filter(has_text="waiting for consent")).to_be_visible(
        timeout=30_000
    )
    assert _referral(e2e_db_url, reason).client_id == kept_id
    with session_scope(url=e2e_db_url) as session:
        client = session.get(Client, kept_id)
        assert client is not None
        assert (client.risk_level, client.risk_notes) == (
            "HIGH",
            "Violent partner: do not visit alone",
        )


def test_consent_declined_ends_in_a_declined_referral(page: Page, e2e_db_url: str) -> None:
    sign_in(page, "intake")
    _start(page)
    reason = "Declined journey: referred for budgeting, client does not want the service."
    _referral_step(page, reason)
    _continue(page, "Step 2 of 8: Find the client")
    page.get_by_label("This is a new client").check()
    _continue(page, "Step 3 of 8: Client details")
    page.get_by_label("First name").fill("Losa")
    page.get_by_label("Last name").fill("Faleolo-Declines")
    page.get_by_label("Date of birth").fill("1990-07-03")
    _continue(page, "Step 4 of 8: Emergency contacts")
    _later_steps(page, risk_error=True)
    page.get_by_label("Declined: the referral is declined").check()
    # Declining without a reason is refused on the server, next to the field.
    page.get_by_role("button", name="Continue to check").click()
    expect(page.locator("#intake-decline_reason_id-error")).to_have_text(
        re.compile("Choose a reason for declining"), timeout=15_000
    )
    page.get_by_label("Reason for declining").select_option(label="Client declined consent")
    _continue(page, "Check your answers")
    page.get_by_role("button", name="Finish intake").click()
    expect(page.get_by_role("status").filter(has_text="is declined")).to_be_visible(timeout=30_000)

    referral = _referral(e2e_db_url, reason)
    assert referral.status == "DECLINED" and referral.decline_reason_id is not None
    with session_scope(url=e2e_db_url) as session:
        consent = session.exec(
            select(ConsentRecord).where(ConsentRecord.referral_id == referral.id)
        ).one()
        assert consent.status == "DECLINED"
        assert (
            session.exec(select(Enrolment).where(Enrolment.referral_id == referral.id)).first()
            is None
        )


def _wait_for_saved(e2e_db_url: str, draft_id: int, name: str, value: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with session_scope(url=e2e_db_url) as session:
            draft = session.get(IntakeDraft, draft_id)
            if draft is not None and draft.values.get(name) == value:
                return
        time.sleep(0.2)
    pytest.fail(f"the draft never held {name}={value!r}")


def test_a_draft_survives_a_page_reload_and_can_be_resumed_or_discarded(
    page: Page, e2e_db_url: str
) -> None:
    sign_in(page, "intake")
    _start(page)
    draft_id = int(page.url.rsplit("draft=", 1)[1])
    reason = "Draft journey: typed, then the browser was reloaded."
    page.get_by_label("Reason for referral").fill(reason)
    expect(page.get_by_role("status").filter(has_text="Saved as you go")).to_be_visible()
    page.get_by_label("Reason for referral").press("Tab")  # leaving the field saves it
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    _wait_for_saved(e2e_db_url, draft_id, "reason", reason)

    page.reload()
    _heading(page, "Step 1 of 8: The referral")
    expect(page.get_by_label("Reason for referral")).to_have_value(reason)

    # It is in "my drafts", from where it resumes, and it can be discarded (after a question).
    page.goto("/intake")
    row = page.get_by_role("row").filter(has_text="Draft journey")
    expect(row).to_be_visible(timeout=30_000)
    _shot(page, "drafts")
    row.get_by_role("link", name=re.compile("^Resume")).click()
    expect(page.get_by_label("Reason for referral")).to_have_value(reason, timeout=30_000)
    page.goto("/intake")
    row = page.get_by_role("row").filter(has_text="Draft journey")
    row.get_by_role("button", name=re.compile("^Discard")).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("will be removed from your drafts")
    dialog.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_text("Draft discarded")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("row").filter(has_text="Draft journey")).to_have_count(0)
    with session_scope(url=e2e_db_url) as session:
        kept = session.exec(
            select(IntakeDraft)
            .where(IntakeDraft.id == draft_id)
            .execution_options(include_deleted=True)
        ).one()
        assert kept.is_deleted


def test_someone_elses_draft_cannot_be_opened(page: Page, e2e_db_url: str) -> None:
    from mtkcare.auth.service import principal_of
    from mtkcare.intake import service as intake
    from mtkcare.users.models import User

    with session_scope(url=e2e_db_url) as session:
        owner = session.exec(select(User).where(User.username == "intake")).one()
        owner_acts = principal_of(session, owner)
        draft = intake.start_draft(session, owner_acts)
        intake.save_values(session, owner_acts, draft.id, {"reason": "Private draft of intake"})
        draft_id = draft.id
    sign_in(page, "teamlead")
    page.goto(f"/intake?draft={draft_id}")
    expect(page.get_by_role("heading", name="This intake is not available")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("Private draft of intake")).to_have_count(0)
    expect(page.get_by_label("Reason for referral")).to_have_count(0)


def test_a_step_can_be_done_with_the_keyboard_alone(page: Page) -> None:
    sign_in(page, "intake")
    _start(page)
    # Radios move with the arrow keys, a select takes type-ahead, Enter submits the step.
    page.get_by_label("Internal").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Self-referral")).to_be_checked()
    page.get_by_label("Service type").focus()
    page.keyboard.type("Financial")
    expect(page.get_by_label("Service type")).to_have_value(
        re.compile(r"^\d+$")
    )  # an option, not the "Choose…" placeholder
    page.get_by_label("Reason for referral").focus()
    page.keyboard.type("Keyboard journey: asked for help with a budget.")
    page.get_by_label("Referrer's name").focus()
    page.keyboard.press("Enter")
    _heading(page, "Step 2 of 8: Find the client")

    # Continuing without an answer: focus goes to the error summary, whose link leads to
    # the question.
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=15_000)
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("This is a new client")).to_be_focused()


def test_a_likely_duplicate_must_be_confirmed_as_a_different_person(
    page: Page, e2e_db_url: str
) -> None:
    from mtkcare.audit.models import AuditLog
    from mtkcare.clients.service import create_client
    from tests.factories import SYSTEM

    with session_scope(url=e2e_db_url) as session:
        twin = create_client(
            session, SYSTEM, first_name="Anaru", last_name="Te Whata-Duplicate",
            date_of_birth=date(1975, 8, 19), phone="027 909 1919",
        )  # fmt: skip
        twin_id = twin.id
    sign_in(page, "intake")
    _start(page)
    reason = "Duplicate journey: same name and birth date as a client on record."
    _referral_step(page, reason)
    _continue(page, "Step 2 of 8: Find the client")
    page.get_by_label("This is a new client").check()
    _continue(page, "Step 3 of 8: Client details")
    page.get_by_label("First name").fill("Anaru")
    page.get_by_label("Last name").fill("Te Whata Duplicate")
    page.get_by_label("Date of birth").fill("1975-08-19")
    page.get_by_role("button", name="Continue").click()

    # Stopped: the likely match is shown, and continuing needs the explicit confirmation.
    expect(page.get_by_text("This person may already be a client").first).to_be_visible(
        timeout=15_000
    )
    expect(
        page.get_by_text(re.compile("Anaru Te Whata-Duplicate, born 19 Aug 1975"))
    ).to_be_visible()
    _shot(page, "3-duplicate")
    page.get_by_label("I have checked: this is a different person").check()
    _continue(page, "Step 4 of 8: Emergency contacts")
    _later_steps(page)
    page.get_by_label("How consent was given").select_option(label="Verbal")
    _continue(page, "Check your answers")
    expect(page.get_by_text("New client — confirmed not a duplicate")).to_be_visible()
    page.get_by_role("button", name="Finish intake").click()
    expect(page.get_by_role("status").filter(has_text="is enrolled")).to_be_visible(timeout=30_000)

    referral = _referral(e2e_db_url, reason)
    assert referral.client_id != twin_id
    with session_scope(url=e2e_db_url) as session:
        confirmation = session.exec(
            select(AuditLog).where(
                AuditLog.action == "NOT_DUPLICATE_CONFIRMED",
                AuditLog.resource_id == str(referral.client_id),
            )
        ).one()
        assert confirmation.changes is not None
        assert twin_id in [c[0] for c in confirmation.changes["candidates"]]
