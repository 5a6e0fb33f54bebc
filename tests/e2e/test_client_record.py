"""A client's record page in a real browser: tabs, editing the profile, history in words,
delete with confirmation and restore. Each test makes its own client (the e2e database is
shared by every browser test of the run)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000
SHOTS = Path("/tmp/shots")


def _make_client(url: str, *, deleted: bool = False) -> tuple[int, str]:
    from mtkcare.clients.service import add_emergency_contact, create_client, delete_client
    from mtkcare.db import session_scope
    from mtkcare.reference.service import option_id_by_code
    from tests.factories import SYSTEM

    last = f"Record{uuid.uuid4().hex[:6].capitalize()}"
    with session_scope(url=url) as db:
        client = create_client(
            db,
            SYSTEM,
            first_name="Hine",
            last_name=last,
            date_of_birth=date(1990, 6, 15),
            phone="021 555 0101",
            city="Napier",
            primary_language_id=option_id_by_code(db, "language", "en"),
        )
        add_emergency_contact(
            db,
            SYSTEM,
            client.id,  # type: ignore[arg-type]
            name="Mere Smith",
            phone="027 444 1234",
            relationship_type_id=option_id_by_code(db, "relationship_type", "parent"),
        )
        if deleted:
            delete_client(db, SYSTEM, client.id)  # type: ignore[arg-type]
        return client.id, f"Hine {last}"  # type: ignore[return-value]


@pytest.fixture
def client_on_record(e2e_db_url: str) -> tuple[int, str]:
    return _make_client(e2e_db_url)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"record-{name}.png"), full_page=True)


def test_team_lead_edits_the_phone_sees_it_in_history_then_deletes_and_restores(
    page: Page, client_on_record: tuple[int, str]
) -> None:
    client_id, name = client_on_record
    sign_in(page, "teamlead")
    page.goto(f"/clients/view?id={client_id}", timeout=TIMEOUT)
    main = page.locator("#main-content")
    expect(main.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(name)

    tabs = page.get_by_role("tablist")
    for label in (
        "Profile",
        "Emergency contacts",
        "Cultural identity",
        "Risk history",
        "Referrals",
        "Enrolments",
        "Documents",
        "History",
    ):
        expect(tabs.get_by_role("tab", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text("021 555 0101")).to_be_visible()
    _shot(page, "profile")

    tabs.get_by_role("tab", name="Emergency contacts", exact=True).click()
    expect(page.get_by_role("heading", name="Mere Smith")).to_be_visible()
    tabs.get_by_role("tab", name="Risk history", exact=True).click()
    expect(page.get_by_role("heading", name="Current risk")).to_be_visible()
    tabs.get_by_role("tab", name="Documents", exact=True).click()
    expect(page.get_by_role("heading", name="Add documents")).to_be_visible()
    expect(page.get_by_text("No documents yet")).to_be_visible()

    # A bad edit: the error summary and the message by the field; nothing saved.
    tabs.get_by_role("tab", name="Profile", exact=True).click()
    page.get_by_role("button", name="Edit details").click()
    page.get_by_label("First name").fill("")
    page.get_by_role("button", name="Save changes").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible(timeout=TIMEOUT)
    expect(summary).to_contain_text("Enter first name")
    _shot(page, "profile-error")

    page.get_by_label("First name").fill("Hine")
    page.get_by_label("Phone number").fill("021 555 0199")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(f"Changes to {name} saved")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("021 555 0199")).to_be_visible()

    tabs.get_by_role("tab", name="History", exact=True).click()
    history = page.get_by_role("list", name="History of this record")
    expect(history).to_contain_text(
        "Mere Walker changed phone from 021 555 0101 to 021 555 0199 on ", timeout=TIMEOUT
    )
    expect(history).to_contain_text("Mere Walker viewed this record")
    expect(history).to_contain_text("added emergency contact Mere Smith")
    _shot(page, "history")

    page.get_by_role("button", name="Delete client").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("referrals are kept and marked orphaned")
    dialog.get_by_role("button", name="Delete client").click()
    expect(page.get_by_text(f"{name} was deleted")).to_be_visible(timeout=TIMEOUT)
    notice = page.get_by_role("alert").filter(has_text="This client was deleted on")
    expect(notice).to_contain_text("by Mere Walker; their referrals are kept")
    tabs.get_by_role("tab", name="Profile", exact=True).click()
    expect(page.get_by_text("Born 15 Jun 1990")).to_be_visible()
    expect(page.get_by_role("button", name="Edit details")).to_have_count(0)
    _shot(page, "deleted")

    page.get_by_role("button", name="Restore client").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Restore client").click()
    expect(page.get_by_text(f"{name} was restored")).to_be_visible(timeout=TIMEOUT)
    expect(notice).to_have_count(0)
    expect(page.get_by_role("button", name="Edit details")).to_be_visible()
    expect(page.get_by_role("button", name="Delete client")).to_be_visible()


def test_a_deleted_client_does_not_exist_for_an_intake_worker(page: Page, e2e_db_url: str) -> None:
    client_id, _name = _make_client(e2e_db_url, deleted=True)
    sign_in(page, "intake")
    page.goto(f"/clients/view?id={client_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="No such client").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("tab")).to_have_count(0)


def test_an_intake_worker_sees_no_risk_tab(page: Page, client_on_record: tuple[int, str]) -> None:
    client_id, name = client_on_record
    sign_in(page, "intake")
    page.goto(f"/clients/view?id={client_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("tab", name="Profile")).to_be_visible()
    expect(page.get_by_role("tab", name="Risk history")).to_have_count(0)
    expect(page.get_by_text("Risk not assessed")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete client")).to_have_count(0)


def test_case_worker_adds_a_contact_changes_identity_and_records_risk(
    page: Page, client_on_record: tuple[int, str]
) -> None:
    client_id, name = client_on_record
    sign_in(page, "caseworker")
    page.goto(f"/clients/view?id={client_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    tabs = page.get_by_role("tablist")

    tabs.get_by_role("tab", name="Emergency contacts", exact=True).click()
    page.get_by_role("button", name="Add emergency contact").click()
    page.get_by_label("Contact's name").fill("Tama Smith")
    page.get_by_label("Relationship to the client").select_option(label="Brother or sister")
    page.get_by_role("button", name="Add contact").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text(
        "Enter a phone number for the emergency contact", timeout=TIMEOUT
    )
    page.get_by_label("Contact's phone number").fill("027 555 8888")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_text("Emergency contact Tama Smith added")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Tama Smith")).to_be_visible()
    expect(page.get_by_text("Brother or sister")).to_be_visible()
    _shot(page, "contacts")

    tabs.get_by_role("tab", name="Cultural identity", exact=True).click()
    page.get_by_role("button", name="Change cultural identity").click()
    page.get_by_label("Māori", exact=True).check()
    page.get_by_label("Cultural identity notes").fill("Iwi: Ngāti Kahungunu")
    page.get_by_role("button", name="Save cultural identity").click()
    expect(page.get_by_text("Cultural identity saved")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Iwi: Ngāti Kahungunu")).to_be_visible()

    tabs.get_by_role("tab", name="Risk history", exact=True).click()
    page.get_by_role("button", name="Record a new assessment").click()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Risk factors").fill("Unstable housing")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Risk assessment saved: High")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Risk: High").first).to_be_visible()
    _shot(page, "risk")

    tabs.get_by_role("tab", name="History", exact=True).click()
    history = page.get_by_role("list", name="History of this record")
    expect(history).to_contain_text("added emergency contact Tama Smith")
    expect(history).to_contain_text("added cultural identity Māori")
    expect(history).to_contain_text("set risk level to High")
