"""The clients list in the browser: filters that stay when the user comes back, and consent
recorded for several clients in one action (all or nothing)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import col, func, select

from mtkcare.db import session_scope
from mtkcare.referrals.models import ConsentRecord, Referral
from tests.e2e.conftest import sign_in

FIRST_LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 15_000
SHOTS = Path("/tmp/shots")
WAITING = ("AWAITING_CONSENT", "FOLLOW_UP")
surnames: dict[int, str] = {}  # client id -> "Last, First", as the list shows the name


def _two_clients_awaiting_consent(url: str) -> list[tuple[int, str, int]]:
    """(client id, "First Last", referral id) of two demo clients with exactly one referral
    waiting for consent, read from the database (other tests may have used some)."""
    with session_scope(url=url) as session:
        rows = session.exec(
            select(Referral.client_id, func.min(Referral.id))
            .where(col(Referral.status).in_(WAITING), col(Referral.client_id).is_not(None))
            .group_by(col(Referral.client_id))
            .having(func.count() == 1)
            .order_by(col(Referral.client_id))
        ).all()
        from mtkcare.clients.models import Client

        found = []
        surnames.clear()
        for client_id, referral_id in rows:
            client = session.get(Client, client_id)
            if client is not None and not client.is_deleted:
                found.append((client_id, client.full_name, referral_id))
                surnames[client_id] = f"{client.last_name}, {client.first_name}"
    assert len(found) >= 2, "the demo data should have two clients awaiting consent"
    return found[:2]


def _state_of(url: str, referral_ids: list[int]) -> tuple[list[str], int]:
    with session_scope(url=url) as session:
        statuses = [
            session.exec(select(Referral.status).where(Referral.id == rid)).one()
            for rid in referral_ids
        ]
        records = session.exec(
            select(func.count())
            .select_from(ConsentRecord)
            .where(col(ConsentRecord.referral_id).in_(referral_ids))
        ).one()
    return statuses, records


def test_filter_the_list_and_record_consent_for_two_clients(page: Page, e2e_db_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    chosen = _two_clients_awaiting_consent(e2e_db_url)
    referral_ids = [rid for _cid, _name, rid in chosen]
    statuses_before, records_before = _state_of(e2e_db_url, referral_ids)
    assert all(s in WAITING for s in statuses_before)

    sign_in(page, "caseworker")
    table = page.get_by_role("table")
    expect(table).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)

    # Filter: clients awaiting consent, newest first, 10 a page (each applies at once).
    page.get_by_label("Status", exact=True).select_option("awaiting_consent")
    page.get_by_label("Sort by").select_option("newest")
    page.get_by_label("Clients per page").select_option("10")
    status = page.get_by_role("status").filter(has_text="Showing")
    expect(status).to_have_text(re.compile(r"^Showing 1–\d+ of \d+$"), timeout=STEP_TIMEOUT)
    rows = table.locator("tbody tr")
    for _cid, name, _rid in chosen:
        expect(page.get_by_role("checkbox", name=f"Select {name}")).to_be_visible(
            timeout=STEP_TIMEOUT
        )
    # Every row is a client awaiting consent; the case worker sees the risk column.
    expect(rows.filter(has_not_text="Awaiting consent")).to_have_count(0)
    expect(table.get_by_role("columnheader", name="Risk level")).to_be_visible()
    expect(page.get_by_label("Risk level")).to_be_visible()
    # Each name opens the client's record.
    first_id = chosen[0][0]
    expect(table.get_by_role("link", name=surnames[first_id])).to_have_attribute(
        "href", f"/clients/view?id={first_id}"
    )

    # The toolbar waits for a selection.
    record = page.get_by_role("button", name=re.compile(r"^Record consent for \d+ selected$"))
    expect(record).to_be_disabled()
    expect(record).to_have_accessible_description(re.compile("Tick clients"))

    for _cid, name, _rid in chosen:
        # Ticked once the server has it (the selection lives on the server).
        box = page.get_by_role("checkbox", name=f"Select {name}")
        box.click()
        expect(box).to_be_checked(timeout=STEP_TIMEOUT)
    expect(record).to_have_accessible_name("Record consent for 2 selected", timeout=STEP_TIMEOUT)
    expect(record).to_be_enabled()
    page.screenshot(path=str(SHOTS / "list-filtered.png"), full_page=True)

    # A bad submit: declined without a reason. The message shows, nothing is saved.
    record.click()
    dialog = page.get_by_role("dialog", name="Record consent for 2 clients")
    expect(dialog).to_be_visible(timeout=STEP_TIMEOUT)
    for _cid, name, _rid in chosen:
        expect(dialog.get_by_text(name, exact=True)).to_be_visible()
    dialog.get_by_label("Consent declined").check()
    dialog.get_by_role("button", name="Record consent").click()
    reason = dialog.get_by_label("Reason for declining")
    expect(reason).to_have_accessible_description(
        re.compile("Choose a reason for declining"), timeout=STEP_TIMEOUT
    )
    expect(dialog.get_by_role("alert")).to_contain_text("Choose a reason for declining")
    page.screenshot(path=str(SHOTS / "list-dialog-error.png"), full_page=True)
    assert _state_of(e2e_db_url, referral_ids) == (statuses_before, records_before)

    # Put it right: consent obtained, in writing, with its scope and expiry.
    dialog.get_by_label("Consent obtained").check()
    dialog.get_by_label("How consent was given").select_option("WRITTEN")
    dialog.get_by_label("What the consent covers").fill("Sharing with the program team")
    dialog.get_by_label("Consent expiry date").fill("2030-01-31")
    page.screenshot(path=str(SHOTS / "list-dialog.png"), full_page=True)
    dialog.get_by_role("button", name="Record consent").click()

    expect(page.get_by_text("Consent recorded for 2 clients")).to_be_visible(timeout=STEP_TIMEOUT)
    expect(dialog).to_have_count(0)
    expect(record).to_have_accessible_name("Record consent for 0 selected")
    expect(record).to_be_disabled()
    # The list is refreshed: they no longer await consent.
    for _cid, name, _rid in chosen:
        expect(page.get_by_role("checkbox", name=f"Select {name}")).to_have_count(0)

    statuses, records = _state_of(e2e_db_url, referral_ids)
    assert statuses == ["APPROVED", "APPROVED"]
    assert records == records_before + 2
    with session_scope(url=e2e_db_url) as session:
        for client_id, _name, referral_id in chosen:
            obtained = session.exec(
                select(ConsentRecord).where(
                    ConsentRecord.referral_id == referral_id,
                    ConsentRecord.status == "OBTAINED",
                )
            ).all()
            assert len(obtained) == 1
            assert obtained[0].client_id == client_id
            assert obtained[0].method == "WRITTEN"
            assert obtained[0].scope == "Sharing with the program team"
            assert str(obtained[0].expires_on) == "2030-01-31"

    # The filters are remembered: away to another page and back, they are as left.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals board").click()
    page.wait_for_url("**/referrals", timeout=STEP_TIMEOUT)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.wait_for_url("**/clients", timeout=STEP_TIMEOUT)
    expect(page.get_by_label("Status", exact=True)).to_have_value(
        "awaiting_consent", timeout=STEP_TIMEOUT
    )
    expect(page.get_by_label("Sort by")).to_have_value("newest")
    expect(page.get_by_label("Clients per page")).to_have_value("10")


def test_without_consent_or_risk_permissions_the_list_shows_neither(
    page: Page, e2e_db_url: str
) -> None:
    # The auditor may see clients, not their risk, and may not record consent.
    sign_in(page, "auditor")
    table = page.get_by_role("table")
    expect(table).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(page.get_by_label("Program")).to_be_visible()
    expect(page.get_by_label("Risk level")).to_have_count(0)
    expect(table.get_by_role("columnheader", name="Risk level")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Record consent"))).to_have_count(0)

    # A search that matches nobody says so and offers to clear it.
    page.get_by_label("Search clients", exact=True).fill("zzzz-nobody")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("No matching clients")).to_be_visible(timeout=STEP_TIMEOUT)
    page.get_by_role("button", name="Clear search and filters").first.click()
    expect(table).to_be_visible(timeout=STEP_TIMEOUT)
