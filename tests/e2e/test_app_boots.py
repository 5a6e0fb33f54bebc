"""The app boots on a real database and the clients list pages through the demo clients."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from sqlmodel import col, func, select

from mtkcare.clients.models import Client
from mtkcare.db import session_scope
from tests.e2e.conftest import DEMO_CLIENTS, sign_in

# The first visit of a page makes Vite compile it; later steps are quick.
FIRST_LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 15_000
PAGE_SIZE = 25


def _names_and_total(url: str) -> tuple[str, str, int]:
    """The first client of pages 1 and 2 as the list shows them ("Last, First"), and how many
    clients the list should count (the ORM hides soft-deleted ones, as the app does)."""
    order = (col(Client.last_name), col(Client.first_name), col(Client.id))
    with session_scope(url=url) as session:
        total = session.exec(select(func.count()).select_from(Client)).one()
        names = session.exec(
            select(Client.last_name, Client.first_name).order_by(*order).offset(0).limit(26)
        ).all()
    assert len(names) == 26, "the demo data should have more than one page of clients"
    first, second = names[0], names[PAGE_SIZE]
    return f"{first[0]}, {first[1]}", f"{second[0]}, {second[1]}", total


def test_clients_list_shows_demo_clients_and_pages(page: Page, e2e_db_url: str) -> None:
    first_on_page1, first_on_page2, total = _names_and_total(e2e_db_url)
    # The demo data soft-deletes a few clients; the list must not show them.
    assert PAGE_SIZE < total <= DEMO_CLIENTS

    started = time.monotonic()
    sign_in(page, "teamlead")

    table = page.get_by_role("table", name=re.compile(r"^Clients"))
    expect(table).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(page.get_by_role("heading", level=1, name="Clients")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Clients"))

    # The navigation names its links, shows the team lead's areas only, marks where we are.
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Clients", "Intake", "Referrals board", "Documents", "Reports"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Clients", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    # Page 1: a full page of demo clients, in name order, read from the database above.
    status = page.get_by_role("status").filter(has_text="Showing")
    expect(status).to_have_text(f"Showing 1–{PAGE_SIZE} of {total}", timeout=STEP_TIMEOUT)
    row_headers = table.get_by_role("rowheader")
    expect(row_headers).to_have_count(PAGE_SIZE)
    expect(row_headers.first).to_contain_text(first_on_page1)
    expect(page.get_by_label("Search clients", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    page.screenshot(path="/tmp/clients.png", full_page=True)

    # Next shows page 2 (and Previous becomes usable).
    page.get_by_role("button", name="Next").click()
    expect(status).to_have_text(f"Showing 26–50 of {total}", timeout=STEP_TIMEOUT)
    expect(row_headers.first).to_contain_text(first_on_page2)
    expect(row_headers).to_have_count(PAGE_SIZE)
    expect(page.get_by_role("button", name="Previous")).to_be_enabled()

    print(f"clients list checked in {time.monotonic() - started:.1f}s after the app was up")
