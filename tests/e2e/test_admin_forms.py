"""The account page and the admin forms in a real browser, drawn with mtkcare.ui.forms: a failed
submit heads the form with an error summary that takes focus, lists each problem as a link to
its field, and the field shows its message. Each test makes its own staff member (the e2e
database is shared by every browser test of the run)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

TIMEOUT = 60_000
SHOTS = Path("/tmp/shots")
PASSWORD = "a-long-enough-password-42"
SHORT = "Use at least 12 characters"


def _make_user(url: str) -> tuple[int, str]:
    """A case worker who signs in with an MTK Care password: (id, username)."""
    from sqlmodel import select

    from mtkcare.auth.passwords import hash_password
    from mtkcare.db import session_scope
    from mtkcare.users.models import Role, User, UserProfile, UserRole

    username = f"forms-{uuid.uuid4().hex[:8]}"
    with session_scope(url=url) as db:
        user = User(
            username=username,
            email=f"{username}@example.org",
            first_name="Aroha",
            last_name="Forms",
            password_hash=hash_password(PASSWORD),
        )
        db.add(user)
        db.flush()
        db.add(UserProfile(user_id=user.id))  # type: ignore[arg-type]
        role = db.exec(select(Role).where(Role.name == "Case worker")).one()
        db.add(UserRole(user_id=user.id, role_id=role.id))  # type: ignore[arg-type]
        return user.id, username  # type: ignore[return-value]


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"forms-{name}.png"), full_page=True)


def test_a_failed_password_change_on_the_account_page_is_summarised_and_focused(
    page: Page, e2e_db_url: str
) -> None:
    _user_id, username = _make_user(e2e_db_url)
    sign_in(page, username, PASSWORD)
    page.goto("/account", timeout=TIMEOUT)

    current = page.get_by_label("Current password")
    new = page.get_by_label("New password", exact=True)
    again = page.get_by_label("Type the new password again")
    for box, autocomplete in ((current, "current-password"), (new, "new-password")):
        expect(box).to_have_attribute("type", "password", timeout=TIMEOUT)
        expect(box).to_have_attribute("autocomplete", autocomplete)
    expect(again).to_have_attribute("type", "password")

    # Too short a new password: the summary takes focus, the field says what is wrong.
    current.fill(PASSWORD)
    new.fill("short")
    again.fill("short")
    page.get_by_role("button", name="Change password").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=TIMEOUT)
    expect(summary).to_contain_text(SHORT)
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(current).to_have_attribute("aria-invalid", "false")
    expect(page.locator(f"#{new.get_attribute('id')}-error")).to_contain_text(SHORT)
    _shot(page, "account-password-error")

    summary.get_by_role("link", name=re.compile(SHORT)).click()
    expect(new).to_be_focused()
    expect(page).to_have_url(re.compile(r"/account$"))  # focused in place, no navigation

    # A wrong current password: the problem moves to that field.
    current.fill("not-my-password")
    new.fill("kereru-flies-over-the-hill-7")
    again.fill("kereru-flies-over-the-hill-7")
    page.get_by_role("button", name="Change password").click()
    expect(summary).to_contain_text("Enter your current password correctly", timeout=TIMEOUT)
    expect(summary).not_to_contain_text(SHORT)
    expect(summary).to_be_focused()
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(new).to_have_attribute("aria-invalid", "false")


def test_an_administrators_failed_password_reset_is_summarised_and_keeps_the_page(
    page: Page, e2e_db_url: str
) -> None:
    user_id, _username = _make_user(e2e_db_url)
    sign_in(page, "admin")
    page.goto(f"/admin/user?id={user_id}", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Aroha Forms")).to_be_visible(timeout=TIMEOUT)

    new = page.get_by_label("New password", exact=True)
    again = page.get_by_label("Type the new password again")
    expect(new).to_have_attribute("type", "password")
    expect(new).to_have_attribute("autocomplete", "new-password")
    new.fill("short")
    again.fill("short")
    page.get_by_role("button", name="Set new password").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=TIMEOUT)
    expect(summary).to_contain_text(SHORT)
    expect(new).to_have_attribute("aria-invalid", "true")
    _shot(page, "admin-reset-password-error")

    # Following the link moves focus without navigating: the page stays on this staff member.
    summary.get_by_role("link", name=re.compile(SHORT)).click()
    expect(new).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/admin/user\?id={user_id}$"))
    expect(page.get_by_role("heading", name="Aroha Forms")).to_be_visible()


def test_the_role_and_mapping_forms_summarise_their_problems(page: Page) -> None:
    sign_in(page, "admin")
    page.goto("/admin/roles", timeout=TIMEOUT)
    page.get_by_role("button", name="Create a role").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Role name")).to_be_visible(timeout=TIMEOUT)
    expect(dialog.get_by_label("Description (optional)")).to_be_visible()
    dialog.get_by_role("button", name="Create role").click()
    summary = dialog.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=TIMEOUT)
    expect(summary).to_contain_text("Choose at least one permission")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(dialog.get_by_label("Role name")).to_have_attribute("aria-invalid", "true")
    _shot(page, "role-dialog-error")
    summary.get_by_role("link", name="Choose at least one permission").click()
    expect(dialog.get_by_role("group", name="Permissions")).to_be_focused()
    page.keyboard.press("Escape")

    page.goto("/admin/mappings", timeout=TIMEOUT)
    group_id = page.get_by_label("Group object ID")
    expect(group_id).to_be_visible(timeout=TIMEOUT)
    group_id.fill("not-a-group-id")
    page.get_by_label("Group name (optional)").fill("SG-Forms")
    page.get_by_role("button", name="Add mapping").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused(timeout=TIMEOUT)
    expect(summary.get_by_role("link")).to_have_count(2)  # the group id and the role
    expect(page.get_by_label("Role its members get")).to_have_attribute("aria-invalid", "true")
    _shot(page, "mapping-error")
