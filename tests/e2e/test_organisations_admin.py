"""The organisations admin in a real browser: an administrator adds an organisation, issues it
an API key — shown once, with a copy button and a warning, and gone from the page once its
dialog is closed — finds the key in the list by its prefix, and deactivates the organisation
after a confirmation, which stops the key at once. Someone who does not manage organisations
cannot open the page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000
SHOTS = Path("/tmp/shots")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"organisations-{name}.png"), full_page=True)


def test_an_administrator_adds_an_organisation_issues_a_key_once_and_deactivates_it(
    page: Page, e2e_db_url: str
) -> None:
    from mtkcare.api.keys import KeyProblem, authenticate_key
    from mtkcare.db import session_scope

    name = f"Whenua Trust {uuid.uuid4().hex[:6]}"
    sign_in(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", name="Organisations", level=1)).to_be_visible(
        timeout=TIMEOUT
    )

    # Add it: the form's labels come from the service's declarations.
    page.get_by_role("button", name="Add an organisation").first.click()
    dialog = page.get_by_role("dialog", name="Add an organisation")
    dialog.get_by_label("Organisation name").fill(name)
    dialog.get_by_label("Type").select_option(label="Health provider")
    dialog.get_by_label("Contact name").fill("Hine Walker")
    dialog.get_by_label("Email address").fill("hine@whenua.example")
    dialog.get_by_label("API requests a minute").fill("120")
    _shot(page, "add")
    dialog.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"/admin/organisation\?id=\d+$"))
    expect(page.get_by_text("120 requests a minute")).to_be_visible()

    # Issue a key: shown once, in its dialog.
    page.get_by_role("button", name="Issue a new key").click()
    shown = page.get_by_role("dialog", name="Copy the new API key now")
    expect(shown).to_be_visible(timeout=TIMEOUT)
    expect(shown).to_contain_text("This is the only time the key is shown")
    expect(shown.get_by_role("button", name="Copy the key")).to_be_visible()
    key_box = shown.get_by_label("New API key")
    expect(key_box).to_have_value(re.compile(r"^mtk_[a-z0-9]{8}_\S{40,}$"))
    secret = key_box.input_value()
    _shot(page, "new-key")
    prefix = secret[:12]
    shown.get_by_role("button", name="I have stored it: close").click()
    expect(shown).to_have_count(0)
    assert secret not in page.content()

    # The list knows it by its prefix only.
    keys = page.get_by_role("table", name="API keys of this organisation, newest first")
    row = keys.get_by_role("row").filter(has_text=prefix)
    expect(row).to_contain_text("Active", timeout=TIMEOUT)
    expect(row.get_by_role("button", name=f"Revoke key {prefix}")).to_be_visible()
    with session_scope(url=e2e_db_url) as db:
        assert authenticate_key(db, f"Bearer {secret}").ok

    # Deactivate, after saying what will happen.
    page.get_by_role("button", name="Deactivate organisation").click()
    confirm = page.get_by_role("alertdialog", name=f"Deactivate {name}?")
    expect(confirm).to_contain_text("Every request with its API keys is refused")
    _shot(page, "deactivate")
    confirm.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("button", name="Reactivate organisation")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_text("This organisation is inactive")).to_be_visible()
    expect(page.get_by_role("button", name="Issue a new key")).to_be_disabled()
    expect(row).to_contain_text("Refused: organisation inactive")
    _shot(page, "inactive")
    with session_scope(url=e2e_db_url) as db:
        assert authenticate_key(db, f"Bearer {secret}").problem == KeyProblem.INACTIVE

    # Back on the list, it shows as inactive with its key in use.
    page.get_by_role("link", name="Organisations").first.click()
    page.get_by_label("Search organisations").fill(name)
    page.get_by_role("button", name="Apply filters").click()
    listed = page.get_by_role("row").filter(has_text=name)
    expect(listed).to_contain_text("Inactive", timeout=TIMEOUT)
    expect(listed).to_contain_text("Health provider")
    _shot(page, "list")


def test_someone_who_does_not_manage_organisations_cannot_open_the_page(page: Page) -> None:
    sign_in(page, "caseworker")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Clients")).to_be_visible(timeout=TIMEOUT)
    expect(main_nav.get_by_role("link", name="Organisations")).to_have_count(0)
    page.goto("/admin/organisations", timeout=TIMEOUT)
    expect(page.get_by_text("You are not allowed to use this page")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Add an organisation")).to_have_count(0)
    expect(page.get_by_role("table")).to_have_count(0)
